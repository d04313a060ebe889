"""Turn scene-model events into VTK actors: one actor per structure, shared meshes.

Works with any pyvista plotter, so the same code draws in the Qt window (pyvistaqt's
``QtInteractor`` is a plotter) and off screen for screenshots and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkPolyDataMapper

from app.memory import map_large_blocks
from app.model.anatomy.structures import Group, Structure
from app.model.io import paths
from app.model.io.stages import STAGES
from app.model.motion.posture import STANDING
from app.model.scene.state import EVERY_ASPECT, Aspect, Picture, SceneModel
from app.model.scene.views import CameraPose, View
from app.render.emphasis import EmphasisLayer
from app.render.marks import MarkLayer
from app.render.meshes import load_lod_mesh, load_mesh
from app.render.overlay import TextOverlay
from app.render.picking import StructurePicker, thin_structures
from app.render.posing import PoseLayer
from app.render.props import PropLayer
from app.render.section_layer import SectionLayer

BACKGROUND_BOTTOM = "#1b1f27"
BACKGROUND_TOP = "#3c4657"
#: How far below the hip joint centres the standard views reach (mm).
FOCUS_BELOW_HIP_MM = 140.0

#: Surface appearance per kind: bone is matte with a soft sheen, discs slightly glossier.
MATERIALS: dict[str, dict[str, float]] = {
    "bone": {"ambient": 0.12, "diffuse": 0.85, "specular": 0.18, "specular_power": 18.0},
    "disc": {"ambient": 0.12, "diffuse": 0.8, "specular": 0.35, "specular_power": 30.0},
    "muscle": {"ambient": 0.1, "diffuse": 0.85, "specular": 0.25, "specular_power": 20.0},
    "nerve": {"ambient": 0.15, "diffuse": 0.8, "specular": 0.4, "specular_power": 40.0},
    "ligament": {"ambient": 0.12, "diffuse": 0.8, "specular": 0.3, "specular_power": 25.0},
}


def body_view_up(turn: np.ndarray, view: View, direction: np.ndarray) -> tuple[float, float, float]:
    """The up of a standard view of a body turned by ``turn``: the room's up, so that a
    body lying on a table is seen lying, unless the view looks straight down or up (the
    front of a body on its back): then the view's own up, turned with the body."""
    if abs(float(direction[2])) < 0.9:
        return (0.0, 0.0, 1.0)
    up = turn @ np.asarray(view.up, dtype=float)
    return (float(up[0]), float(up[1]), float(up[2]))


class SceneRenderer:
    """Keeps a plotter's actors in step with a :class:`SceneModel`."""

    def __init__(
        self,
        plotter: pv.Plotter,
        scene: SceneModel,
        meshes_dir: Path | None = None,
        label_scale: float = 1.0,
        detail: str = "standard",
    ):
        self.plotter = plotter
        self.detail = detail
        self.scene = scene
        # The scene's own data set (``--root``), else the shipped one.
        surfaces = scene.surfaces
        self.meshes_dir = meshes_dir or (surfaces.meshes_dir if surfaces is not None else paths.meshes_dir())
        self.actors: dict[str, pv.Actor] = {}
        self.lod_actors: dict[str, pv.Actor] = {}
        self.interacting = False
        #: What is drawn on the surfaces follows the stand-ins' pose (see :meth:`_follow`).
        self.following = False
        self._held = 0
        self._pending = False
        self.meshes: dict[str, pv.PolyData] = {}
        # Every process that draws (window, screenshot, lesson, export), before the meshes
        # load and the first frame: a steadier heap (app.memory).
        map_large_blocks()
        plotter.set_background(BACKGROUND_BOTTOM, top=BACKGROUND_TOP)
        # A head light and a key light from above-right: shows form as a light kit does,
        # at a fifth less frame time in software rendering than VTK's four-light kit.
        plotter.remove_all_lights()
        plotter.add_light(pv.Light(light_type="headlight", intensity=0.7))
        plotter.add_light(
            pv.Light(position=(1, 1, 2), focal_point=(0, 0, 0), light_type="camera light", intensity=0.5)
        )
        # No depth peeling: with Mesa llvmpipe it drops translucent surfaces altogether. No
        # order-independent translucency either: its float buffers (25 MB in the window, some
        # 170 MB at 4K) and extra pass doubled the frame with see-through context, for a
        # picture that differs in a few hundred pixels (translucent shells are back-culled).
        plotter.renderer.SetUseOIT(False)
        for structure in scene.catalogue:
            mesh = load_mesh(self.meshes_dir, structure.mesh, detail)
            self.meshes[structure.id] = mesh
            actor = self._add_surface(mesh, structure, name=structure.id)
            actor.visibility = scene.is_visible(structure.id)
            actor.prop.opacity = scene.opacity(structure.id)
            self.actors[structure.id] = actor
        #: The surfaces at rest (``meshes`` holds the posed copies once the scene is posed).
        self.rest_meshes = dict(self.meshes)
        self.picker = StructurePicker(
            plotter.renderer, self.actors, thin=thin_structures(scene.catalogue), passes=scene.click_passes
        )
        self.emphasis = EmphasisLayer(
            plotter, scene, self.meshes, self.actors, self.picker.locator, label_scale, self.rest_meshes
        )
        self.marks = MarkLayer(plotter, self.emphasis)  # places found by search
        #: The title, caption and footnote of the scene's picture.
        self.overlay = TextOverlay(plotter)
        self.overlay.make_room(self.emphasis.labels)
        #: Texts and labels are drawn this many times the picture's scale (exports: height / 800).
        self.output_scale = label_scale
        #: Added to the picture's footnote (an export's attribution).
        self.footnote_suffix = ""
        #: The picture drawn instead of the scene's (one export's title and caption).
        self.picture: Picture | None = None
        #: Moves the surfaces into the scene's pose (None: the scene has no body to pose).
        self.posing = PoseLayer(self, scene.body) if scene.body is not None else None
        #: Clips and caps the surfaces along the scene's section.
        self.section = SectionLayer(self)
        #: The floor and furniture the body rests on.
        self.props = PropLayer(self)
        scene.changed.connect(self._on_changed)
        scene.framing_requested.connect(self.frame_shown)
        self.sync()

    def disconnect(self) -> None:
        """Stop listening to the model (before the plotter is closed, or to catch up with
        it only when asked, by :meth:`sync`)."""
        self.scene.changed.disconnect(self._on_changed)
        self.scene.framing_requested.disconnect(self.frame_shown)

    def sync(self, camera: CameraPose | None = None) -> None:
        """Catch up with the whole model at once: visibility, opacity, emphasis, picture
        and the camera (``camera`` if given, else the model's exact pose or standard view)."""
        self._on_changed(EVERY_ASPECT, render=False, camera=camera)

    def _on_changed(self, aspects: Aspect, render: bool = True, camera: CameraPose | None = None) -> None:
        """Bring the actors in line with the model: one pass, one frame, whatever changed."""
        with STAGES("scene"):
            self._bring_in_line(aspects, camera)
        if render:
            self.render()

    def _bring_in_line(self, aspects: Aspect, camera: CameraPose | None) -> None:
        if Aspect.pose in aspects and self._pose_surfaces():
            aspects |= Aspect.selection  # what is painted on the surfaces follows them
        if aspects & (Aspect.pose | Aspect.visibility):
            self.props.update()
        if Aspect.section in aspects or self.section.active:
            self.section.update(aspects)  # before the view: a standard view frames the cut
        if Aspect.view in aspects or camera is not None:
            pose = camera or self.scene.camera
            if pose is not None:
                self.apply_camera(pose, render=False)
            else:
                self.apply_view(self.scene.view, render=False)
        if aspects & (Aspect.picture | Aspect.selection | Aspect.palette) or camera is not None:
            self._apply_picture()  # labels anchor on the view just set
            if self.section.active:  # what was just drawn is cut as the surfaces are
                for actor in self.emphasis.actors_drawn() + self.marks.actors:
                    self.section.clip(actor.GetMapper())
        elif Aspect.view in aspects:
            self.emphasis.reanchor()
        # A new pose changes no colour, unless muscles are coloured by their length; skipping
        # the 47 actors' styles is a fifth of a slider's frame.
        # A moved section changes none either (its caps are styled by the section layer).
        moves_only = Aspect.view | Aspect.pose | Aspect.section
        if aspects & ~moves_only or (Aspect.pose in aspects and self.scene.length_colours):
            self._restyle()
            if self.section.active:
                self.section.restyle()  # the caps in the colours the selection gives
        if self.interacting and (Aspect.pose in aspects or self.following):
            self._follow()

    def _follow(self) -> None:
        """While only the stand-ins are posed (the view moves in a new pose), what is drawn
        on the surfaces follows them into the same pose, in the same frame: patches, outline,
        markers, marked places and the labels' anchors (caps are cut from the stand-ins)."""
        self.following = True
        anchors = self.emphasis.follow(self.lod_actors)
        anchors += self.marks.follow()
        labels = self.emphasis.labels
        if anchors and len(anchors) == len(labels.labels):
            labels.set_anchors(anchors)

    def _pose_surfaces(self) -> bool:
        """Move the surfaces into the scene's pose (the low-detail ones only while the view
        moves); True when the full surfaces moved."""
        if self.posing is None or not self.posing.apply(self.scene.pose, moving=self.interacting):
            return False
        self.emphasis.forget_geometry()
        self.picker.forget_locators()
        return True

    def _apply_picture(self) -> None:
        picture = self.picture or self.scene.picture
        scale = picture.label_scale * self.output_scale
        if self.emphasis.labels.scale != scale:
            self.emphasis.labels.set_scale(scale)
        self.overlay.set_scale(scale)
        self.emphasis.show(self.scene.emphasis)
        self.marks.show(self.scene.marks, self.scene.emphasis)
        if not picture.labels:
            self.emphasis.labels.set_labels([])
        footnote = "    ".join(t for t in (picture.footnote, self.footnote_suffix) if t)
        self.overlay.set(title=picture.title, caption=picture.caption, footnote=footnote or None)
        self.emphasis.place_legend(on_top=picture.legend_on_top or bool(picture.caption))

    def _restyle(self) -> None:
        """Colour, opacity and visibility of every structure's actor, as the model says
        (on the low-detail stand-ins while the view moves: a change while a slider is held
        or a movement plays, colours by length change included, shows on them and must not
        bring the full surfaces back under them)."""
        for sid, actor in self.actors.items():
            actor.prop.color = self.emphasis.structure_color(sid)
            self._set_opacity(actor, self.scene.drawn_opacity(sid))
            actor.visibility = self.scene.shown(sid)
        if self.interacting:
            self._stand_in()

    def structure_of(self, actor: object) -> str | None:
        """The structure id drawn by ``actor`` (for picking), or None."""
        return self.picker.structure_of(actor)

    def render(self) -> None:
        if self._held:
            self._pending = True
        elif getattr(self.plotter, "render_window", None) is not None:
            self.plotter.render()

    @contextmanager
    def hold(self, render: bool = True) -> Iterator[None]:
        """Draw nothing while many model changes arrive (a lesson step, a bookmark), then
        one frame at the end if anything changed and ``render`` is true."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._pending:
                self._pending = False
                if render:
                    self.render()

    def _add_surface(
        self, mesh: pv.PolyData, structure: Structure, name: str | None = None, pickable: bool = True
    ) -> pv.Actor:
        """A structure's surface, drawn straight from the shared mesh by a plain VTK mapper:
        its stored point normals give the smooth (Phong) shading. ``add_mesh`` would put a
        Python normals stage and a colour table in front of each of the 41 meshes: a fifth
        of a second of every start."""
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(mesh)
        mapper.ScalarVisibilityOff()
        prop = pv.Property(color=structure.color, interpolation="phong", **MATERIALS[structure.kind.value])
        actor = pv.Actor(mapper=mapper, prop=prop)
        actor.pickable = pickable
        self.plotter.add_actor(actor, name=name, reset_camera=False, pickable=pickable, render=False)
        return actor

    @staticmethod
    def _set_opacity(actor: pv.Actor, opacity: float) -> None:
        # Without depth peeling a translucent surface's own back faces show through as
        # stripes; culling them leaves a clean see-through shell. Opaque ones are culled too:
        # every mesh is closed and wound outward, so their back faces are never seen, and
        # software OpenGL then sets up half the triangles (a third off the still frame).
        actor.prop.opacity = opacity
        actor.prop.culling = "back"

    # level of detail
    def enable_lod(self) -> None:
        """Create (hidden) low-detail actors, drawn instead of the full ones while the camera
        moves: both stay uploaded, so switching costs no re-upload."""
        if self.lod_actors:
            return
        for structure in self.scene.catalogue:
            mesh = load_lod_mesh(self.meshes_dir, structure.mesh, self.detail)
            if mesh is None:
                continue
            actor = self._add_surface(mesh, structure, pickable=False)
            actor.visibility = False
            self.lod_actors[structure.id] = actor
        if self.posing is not None:
            self.posing.prepare_nerves()

    def begin_interaction(self, *_args: object) -> None:
        """Swap in the low-detail actors (same colour, opacity and visibility)."""
        if self.interacting or not self.lod_actors:
            return
        self.interacting = True
        if self.posing is not None:  # stand-ins made after the last pose catch up with it
            self.posing.apply(self.scene.pose, moving=True)
        self._stand_in()

    def _stand_in(self) -> None:
        """The low-detail actors drawn in the full ones' place, styled as they are."""
        for sid, lod in self.lod_actors.items():  # VTK's own calls: many, on every change
            full = self.actors[sid]
            lod.GetProperty().DeepCopy(full.GetProperty())
            lod.SetVisibility(full.GetVisibility())
            full.SetVisibility(False)

    def end_interaction(self, *_args: object) -> None:
        """Back to full detail when the camera stops."""
        if not self.interacting:
            return
        self.interacting = False
        for sid, lod in self.lod_actors.items():
            lod.visibility = False
            self.actors[sid].visibility = self.scene.shown(sid)
        if self._pose_surfaces() or self.following:  # posed while moving: the full surfaces catch up
            self._apply_picture()  # and what is drawn on them is drawn from them again
        self.following = False
        if self.section.active:
            self.section.update()  # caps cut from the full surfaces again
        self.emphasis.reanchor()  # the camera stopped: labels point where it sees
        self.render()

    def pick(self, x: float, y: float, tolerant: bool = True) -> str | None:
        """The visible structure under display pixel (x, y) (VTK's origin: bottom-left);
        thin nerves are picked with a tolerance unless not ``tolerant``."""
        return self.picker.pick(x, y, tolerant)

    def visible_bounds(self) -> np.ndarray:
        """Bounds (xmin, xmax, ymin, ymax, zmin, zmax) of the visible structures.

        The region taught here ends below the lesser trochanters: the femoral shafts are
        cut off at ``FOCUS_BELOW_HIP_MM`` so that standard views frame the lumbopelvic region,
        and the context skeleton (skull to feet) counts only when nothing else is shown, or
        when the body sits, kneels or lies: then the posture is what one looks at.
        Cut open by a section, they frame the cut faces.
        """
        catalogue = self.scene.catalogue
        shown = [sid for sid in self.actors if self.scene.shown(sid)]
        taught = [sid for sid in shown if sid not in catalogue or catalogue[sid].group is not Group.context]
        if self.scene.pose.posture != STANDING:  # lying, sitting or kneeling: the posture is the point
            taught = shown
        boxes = [np.array(self.actors[sid].bounds) for sid in taught or shown]
        if self.section.active:  # cut open: what one looks at is the cut
            caps = [np.array(cap.GetBounds()) for sid in self.actors for cap in self.section.cap_actors(sid)]
            boxes = caps or boxes
        if not boxes:
            boxes = [np.array(a.bounds) for a in self.actors.values()]
        stacked = np.array(boxes)
        bounds = np.array(
            [
                stacked[:, 0].min(),
                stacked[:, 1].max(),
                stacked[:, 2].min(),
                stacked[:, 3].max(),
                stacked[:, 4].min(),
                stacked[:, 5].max(),
            ]
        )
        if taught is not shown:  # standing: the thighs are cut off below the hips
            bounds[4] = max(bounds[4], -FOCUS_BELOW_HIP_MM)
        return bounds

    def apply_camera(self, pose, render: bool = True) -> None:
        """Put the camera exactly where a pose says."""
        camera = self.plotter.camera
        camera.position = pose.position
        camera.focal_point = pose.focal_point
        camera.up = pose.up
        self.plotter.renderer.ResetCameraClippingRange()
        if render:
            self.render()

    def camera_pose(self) -> CameraPose:
        """Where the camera is now (to 0.01 mm), as bookmarks and exports record it."""
        camera = self.plotter.camera

        def rounded(values) -> tuple[float, float, float]:
            return tuple(round(float(v), 2) for v in values)  # type: ignore[return-value]

        return CameraPose(
            position=rounded(camera.position), focal_point=rounded(camera.focal_point), up=rounded(camera.up)
        )

    def frame_shown(self) -> None:
        """Frame what is shown, looking from where the camera looks now (after isolating)."""
        bounds = self.visible_bounds()
        self.plotter.renderer.reset_camera(render=False, bounds=bounds)  # the plotter's always renders
        self.plotter.renderer.ResetCameraClippingRange()
        self.emphasis.reanchor()
        self.render()

    def body_turn(self) -> np.ndarray:
        """3x3 turn of the body in the room (its posture): the standard views follow it."""
        body = self.scene.body
        return body.rig.turn(self.scene.pose)[:3, :3] if body is not None else np.eye(3)

    def apply_view(self, view: View, render: bool = True) -> None:
        """Look at the visible structures from ``view``'s direction, framing them: the
        body's own front, side or top, however it lies."""
        bounds = self.visible_bounds()
        center = (bounds[0::2] + bounds[1::2]) / 2
        turn = self.body_turn()
        direction = turn @ np.asarray(view.direction, dtype=float)
        direction /= np.linalg.norm(direction)
        radius = float(np.linalg.norm(bounds[1::2] - bounds[0::2]) / 2)
        camera = self.plotter.camera
        camera.focal_point = center
        camera.position = center + direction * radius * 4
        camera.up = body_view_up(turn, view, direction)
        self.plotter.renderer.reset_camera(render=False, bounds=bounds)  # the plotter's always renders
        self.plotter.camera.zoom(1.0)
        if render:
            self.render()
