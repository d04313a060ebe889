"""Draw a selection's emphasis: outline, painted attachments, root levels, labels, legend.

The rules of what to emphasise live in :mod:`app.model.teaching`; this module only draws
an :class:`~app.model.teaching.Emphasis` on the plotter of a :class:`SceneRenderer`.
Everything here is built to keep a click under one frame of extra work: patch meshes and
outlines are cached, each role's patches are merged into one actor, and the legend is one
persistent VTK actor whose entries change.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonDataModel import vtkStaticPointLocator
from vtkmodules.vtkRenderingAnnotation import vtkLegendBoxActor

from app.model.landmarks import Attachment
from app.model.teaching import SEE_THROUGH, Emphasis
from app.render.fonts import use_font
from app.render.labels import Label, LabelLayer

if TYPE_CHECKING:
    from app.render.scene_renderer import SceneRenderer

SELECTION_COLOR = "#ffcf40"
ORIGIN_COLOR = "#e63946"
INSERTION_COLOR = "#2a9df4"
ROOT_LEVEL_COLOR = "#2ec4b6"
FOCUS_COLOR = "#ffffff"
#: How far a painted patch is lifted off its bone (mm), so it is never hidden by the bone.
PATCH_LIFT = 0.35
#: Thickness of the selection outline (mm): an enlarged back-face shell around the structure.
OUTLINE_MM = 1.2
_LEVEL = re.compile(r"^((?:T12|L[1-5]|S1)(?:/(?:T12|L[1-5]|S1))?)\s+(.*)$")


def nearest_vertices(mesh: pv.PolyData, points: np.ndarray) -> np.ndarray:
    """Indices of the mesh vertices nearest to each point (a static point locator)."""
    locator = vtkStaticPointLocator()
    locator.SetDataSet(mesh)
    locator.BuildLocator()
    return np.array([locator.FindClosestPoint(p) for p in np.asarray(points, dtype=float)], dtype=int)


def attachment_patch(bone: pv.PolyData, attachment: Attachment) -> pv.PolyData:
    """The cells of ``bone`` covered by an attachment region, lifted along the normals."""
    ids = np.unique(nearest_vertices(bone, np.asarray(attachment.points)))
    patch = bone.extract_points(ids, adjacent_cells=False, include_cells=True)
    if patch.n_cells == 0:  # too few vertices for a whole cell: take the touching cells
        patch = bone.extract_points(ids, adjacent_cells=True)
    surface = patch.extract_surface(algorithm="dataset_surface")
    surface = surface.compute_normals(auto_orient_normals=False, split_vertices=False)
    surface.points = surface.points + surface.point_normals * PATCH_LIFT
    return surface


def outline_shell(mesh: pv.PolyData) -> pv.PolyData:
    """The structure pushed out along its normals: drawn with front faces culled it shows
    only as a rim around the structure, an outline that costs nothing per frame."""
    shell = mesh.copy(deep=True)
    shell.points = shell.points + shell.point_normals * OUTLINE_MM
    return shell


def structure_anchor(mesh: pv.PolyData, toward: np.ndarray | None = None) -> tuple[float, float, float]:
    """A point on a structure's surface for its label's leader line: the one nearest to
    ``toward`` (the middle of the view, so long bones are labelled where they are framed),
    or to the structure's own centre."""
    target = np.asarray(mesh.center) if toward is None else np.asarray(toward, dtype=float)
    index = int(nearest_vertices(mesh, target[None, :])[0])
    return tuple(float(c) for c in mesh.points[index])  # type: ignore[return-value]


class EmphasisLayer:
    """Keeps the extra actors of the current emphasis on a scene renderer's plotter."""

    def __init__(self, scene_renderer: SceneRenderer, label_scale: float = 1.0):
        self.sr = scene_renderer
        self.plotter = scene_renderer.plotter
        self.labels = LabelLayer(self.plotter, label_scale)
        self.patches: dict[str, pv.Actor] = {}  # role ("origin", "insertion", "focus") -> actor
        self.outline: pv.Actor | None = None
        self._patch_cache: dict[Attachment, pv.PolyData] = {}
        self._outline_cache: dict[str, pv.PolyData] = {}
        self.legend = vtkLegendBoxActor()
        self.legend.SetNumberOfEntries(4)
        self.legend.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        self.legend.GetPositionCoordinate().SetValue(0.785, 0.025)
        self.legend.GetPosition2Coordinate().SetCoordinateSystemToNormalizedViewport()
        self.legend.GetPosition2Coordinate().SetValue(0.2, 0.14)
        self.legend.UseBackgroundOn()
        self.legend.SetBackgroundColor(0.08, 0.09, 0.12)
        self.legend.SetBackgroundOpacity(0.85)
        self.legend.BorderOn()
        self.legend.SetVisibility(False)
        self.legend.PickableOff()
        self.plotter.renderer.AddViewProp(self.legend)
        self.labels.keep_clear.append(self.legend_rects)
        self.legend_on_top = False
        self._square = pv.Plane(i_resolution=1, j_resolution=1).extract_surface(algorithm="dataset_surface")
        self.current = Emphasis()

    @property
    def legend_shown(self) -> bool:
        return bool(self.legend.GetVisibility())

    def clear(self) -> None:
        for actor in self.patches.values():
            self.plotter.remove_actor(actor, render=False)
        self.patches = {}
        if self.outline is not None:
            self.plotter.remove_actor(self.outline, render=False)
            self.outline = None
        self.legend.SetVisibility(False)
        self.labels.set_labels([])

    def patch_mesh(self, attachment: Attachment) -> pv.PolyData:
        if attachment not in self._patch_cache:
            self._patch_cache[attachment] = attachment_patch(self.sr.meshes[attachment.bone], attachment)
        return self._patch_cache[attachment]

    def _add(self, mesh: pv.PolyData, color: str, **style) -> pv.Actor:
        return self.plotter.add_mesh(
            mesh, color=color, pickable=False, reset_camera=False, render=False, **style
        )

    def show(self, emphasis: Emphasis) -> None:
        """Replace the drawn emphasis with ``emphasis`` (the caller renders)."""
        self.clear()
        self.current = emphasis
        if emphasis.selected is None:
            return
        selected = self.sr.scene.catalogue[emphasis.selected]
        mesh = self.sr.meshes[emphasis.selected]
        if emphasis.selected not in self._outline_cache:
            self._outline_cache[emphasis.selected] = outline_shell(mesh)
        self.outline = self._add(
            self._outline_cache[emphasis.selected], SELECTION_COLOR, ambient=1.0, diffuse=0.0, specular=0.0
        )
        self.outline.prop.culling = "front"

        by_role: dict[str, list[pv.PolyData]] = {}
        for attachment in emphasis.attachments:
            role = "focus" if attachment == emphasis.focus_attachment else attachment.role
            by_role.setdefault(role, []).append(self.patch_mesh(attachment))
        colors = {"origin": ORIGIN_COLOR, "insertion": INSERTION_COLOR, "focus": FOCUS_COLOR}
        for role, meshes in by_role.items():
            merged = meshes[0] if len(meshes) == 1 else pv.merge(meshes)
            self.patches[role] = self._add(merged, colors[role], smooth_shading=True, ambient=0.35)

        focus = np.asarray(self.plotter.camera.focal_point)
        labels = [Label(structure_anchor(mesh, focus), selected.name, SELECTION_COLOR, bold=True)]
        for name, group in _label_groups(emphasis.attachments, selected.kind.value == "muscle").items():
            anchor_points = np.vstack([np.asarray(a.points) for a in group])
            centre = anchor_points.mean(axis=0)
            anchor = anchor_points[int(np.argmin(np.linalg.norm(anchor_points - centre, axis=1)))]
            color = ORIGIN_COLOR if group[0].role == "origin" else INSERTION_COLOR
            labels.append(Label(tuple(anchor), name, color))
        for other in emphasis.also:
            name = self.sr.scene.catalogue[other].name
            labels.append(
                Label(structure_anchor(self.sr.meshes[other], focus), name, SELECTION_COLOR, bold=True)
            )
        for vertebra in emphasis.root_levels:
            level = vertebra.split("_")[1].upper()
            anchor = structure_anchor(self.sr.meshes[vertebra])
            labels.append(Label(anchor, f"{level} root level", ROOT_LEVEL_COLOR))
        self.labels.set_labels(labels[:12])

        entries = [("Selected", SELECTION_COLOR)]
        roles = {a.role for a in emphasis.attachments}
        if "origin" in roles:
            entries.append(("Origin", ORIGIN_COLOR))
        if "insertion" in roles:
            entries.append(("Insertion", INSERTION_COLOR))
        if emphasis.root_levels:
            entries.append(("Nerve root level", ROOT_LEVEL_COLOR))
        self.legend.SetNumberOfEntries(len(entries))
        for i, (text, color) in enumerate(entries):
            self.legend.SetEntry(i, self._square, text, pv.Color(color).float_rgb)
        use_font(self.legend.GetEntryTextProperty(), " ".join(text for text, _ in entries))
        self.legend.GetPosition2Coordinate().SetValue(0.2, 0.035 * len(entries) + 0.01)
        self.place_legend(self.legend_on_top)
        self.legend.SetVisibility(True)

    def place_legend(self, on_top: bool) -> None:
        """Bottom right, or top right (under the title) when a caption takes the bottom."""
        self.legend_on_top = on_top
        height = self.legend.GetPosition2Coordinate().GetValue()[1]
        self.legend.GetPositionCoordinate().SetValue(0.785, 0.9 - height if on_top else 0.025)

    def legend_rects(self) -> list[tuple[float, float, float, float]]:
        if not self.legend.GetVisibility():
            return []
        width, height = self.plotter.renderer.GetSize()
        x, y = self.legend.GetPositionCoordinate().GetValue()[:2]
        w, h = self.legend.GetPosition2Coordinate().GetValue()[:2]
        return [(x * width, y * height, (x + w) * width, (y + h) * height)]

    def structure_color(self, structure_id: str) -> str:
        """The colour a structure's own actor takes under the current emphasis."""
        if structure_id == self.current.selected or structure_id in self.current.also:
            return SELECTION_COLOR
        if structure_id in self.current.root_levels:
            return ROOT_LEVEL_COLOR
        return self.sr.scene.catalogue[structure_id].color

    def structure_opacity(self, structure_id: str) -> float:
        opacity = self.sr.scene.opacity(structure_id)
        if structure_id in self.current.see_through:
            return min(opacity, SEE_THROUGH)
        return opacity

    def structure_visible(self, structure_id: str) -> bool:
        return self.sr.scene.is_visible(structure_id) or structure_id in self.current.reveal


def _label_groups(attachments: tuple[Attachment, ...], by_site: bool) -> dict[str, list[Attachment]]:
    """One label per kind of site: a muscle's slips are grouped ("Discs T12/L1, L1/L2, ...");
    a bone's attachments are labelled by muscle and role."""
    groups: dict[str, list[Attachment]] = {}
    levels: dict[str, list[str]] = {}
    for a in attachments:
        if by_site:
            match = _LEVEL.match(a.name)
            key = match.group(2) if match else a.name
            if match:
                levels.setdefault(key, []).append(match.group(1))
        else:
            muscle = a.muscle.replace("_left", "").replace("_right", "").replace("_", " ")
            key = f"{muscle.capitalize()} ({a.role})"
        groups.setdefault(key, []).append(a)
    plural = {"body": "Bodies", "disc": "Discs", "transverse process": "Transverse processes"}
    named = {}
    for key, group in groups.items():
        if key in levels:
            named[f"{plural.get(key, key.capitalize())} {', '.join(dict.fromkeys(levels[key]))}"] = group
        else:
            named[key] = group
    return named
