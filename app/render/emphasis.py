"""Draw a selection's emphasis: outline, painted attachments, root foramina, labels, legend.

The rules of what to emphasise live in :mod:`app.model.scene.emphasis` and the colours in
:mod:`app.model.scene.palette`; this module only draws an :class:`~app.model.scene.emphasis.Emphasis`
on a plotter, given the scene, the structures' meshes and their actors.

Every label points at a place the camera sees: :mod:`app.render.anchoring` chooses it, and
what to ghost when none is seen (ray tests and the caches they need, kept apart so that this
module only draws). Labels are anchored when the emphasis is drawn and again when the camera
stops (:meth:`EmphasisLayer.reanchor`), never on drag frames.

Everything here is built to keep a click under one frame of extra work: patch meshes and
outlines are cached (candidate points in :mod:`app.render.anchoring`, cell locators in the
picker), each role's patches are merged into one actor, and the legend is one set of
persistent actors whose entries change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator, vtkStaticPointLocator

from app.model.anatomy.landmarks import Attachment
from app.model.scene.emphasis import SEE_THROUGH, Emphasis, foramen_level
from app.model.scene.palette import STANDARD, Palette
from app.model.scene.state import SceneModel
from app.render.anchoring import Anchoring, Target, sphere_candidates
from app.render.labels import Label, LabelLayer, Rect
from app.render.legend import Legend

#: The standard palette's colours (the scene's palette is what is drawn).
SELECTION_COLOR = STANDARD.selection
ORIGIN_COLOR = STANDARD.origin
INSERTION_COLOR = STANDARD.insertion
ROOT_LEVEL_COLOR = STANDARD.root_level
FOCUS_COLOR = STANDARD.focus
#: How far a painted patch is lifted off its bone (mm), so it is never hidden by the bone.
PATCH_LIFT = 0.35
#: Thickness of the selection outline (mm): an enlarged back-face shell around the structure.
OUTLINE_MM = 1.2
#: Radius of the marker on a root's intervertebral foramen (mm): about a lumbar foramen.
FORAMEN_MARKER_MM = 4.0
_LEVEL = re.compile(r"^((?:T12|L[1-5]|S1)(?:/(?:T12|L[1-5]|S1))?)\s+(.*)$")


def nearest_vertices(mesh: pv.PolyData, points: np.ndarray) -> np.ndarray:
    """Indices of the mesh vertices nearest to each point (a static point locator)."""
    locator = vtkStaticPointLocator()
    locator.SetDataSet(mesh)
    locator.BuildLocator()
    return np.array([locator.FindClosestPoint(p) for p in np.asarray(points, dtype=float)], dtype=int)


def attachment_patch(
    bone: pv.PolyData, attachment: Attachment, rest: np.ndarray | None = None
) -> pv.PolyData:
    """The cells of ``bone`` covered by an attachment region, lifted along the normals.
    The region's points are in the rest position: for a posed bone give its ``rest`` points."""
    ids = np.unique(
        nearest_vertices(pv.PolyData(rest) if rest is not None else bone, np.asarray(attachment.points))
    )
    patch = bone.extract_points(ids, adjacent_cells=False, include_cells=True)
    if patch.n_cells == 0:  # too few vertices for a whole cell: take the touching cells
        patch = bone.extract_points(ids, adjacent_cells=True)
    surface = patch.extract_surface(algorithm="dataset_surface")
    surface = surface.compute_normals(auto_orient_normals=False, split_vertices=False)
    surface.points = surface.points + surface.point_normals * PATCH_LIFT
    return surface


def outline_shell(mesh: pv.PolyData) -> pv.PolyData:
    """The structure pushed out along its normals: drawn with front faces culled it shows
    only as a rim around the structure, an outline that costs nothing per frame. It has
    points of its own and shares the structure's faces and normals (a deep copy of each
    structure clicked held 8 MB)."""
    shell = pv.PolyData()
    shell.points = mesh.points + mesh.point_normals * OUTLINE_MM
    shell.SetPolys(mesh.GetPolys())
    shell.GetPointData().SetNormals(mesh.GetPointData().GetNormals())
    return shell


@cache
def _markers(centres: tuple[tuple[float, float, float], ...]) -> pv.PolyData:
    """Foramen markers: one sphere per centre, merged into one mesh."""
    sphere = pv.Sphere(radius=FORAMEN_MARKER_MM, theta_resolution=16, phi_resolution=12)
    spheres = []
    for centre in centres:
        moved = sphere.copy()
        moved.points = sphere.points + np.asarray(centre, dtype=float)
        spheres.append(moved)
    return spheres[0] if len(spheres) == 1 else pv.merge(spheres)


class EmphasisLayer:
    """Keeps the extra actors of the current emphasis on a plotter: ``meshes`` and
    ``actors`` are the structures' own (by id), drawn by the scene renderer; ``locator``
    gives a structure's cell locator (the picker's, shared: built once per structure), for
    :attr:`anchoring`."""

    def __init__(
        self,
        plotter: pv.Plotter,
        scene: SceneModel,
        meshes: Mapping[str, pv.PolyData],
        actors: Mapping[str, pv.Actor],
        locator: Callable[[str], vtkStaticCellLocator],
        label_scale: float = 1.0,
    ):
        self.plotter = plotter
        self.scene = scene
        self.meshes = meshes
        self.actors = actors
        self.labels = LabelLayer(plotter, label_scale)
        self.legend = Legend(self.labels)
        self.patches: dict[str, pv.Actor] = {}  # role ("origin", "insertion", "focus") -> actor
        self.outline: pv.Actor | None = None
        self.markers: pv.Actor | None = None  # the root foramina
        self.current = Emphasis()
        self._targets: list[Target] = []
        #: Rest positions of posed structures' vertices (app.render.posing).
        self.rest_points: dict[str, np.ndarray] = {}
        self._patch_cache: dict[Attachment, pv.PolyData] = {}
        self._outline_cache: dict[str, pv.PolyData] = {}
        #: Where the labels point, and what is ghosted because it hides one.
        self.anchoring = Anchoring(plotter.renderer, scene, meshes, actors, locator, self._labels_shown)

    @property
    def palette(self) -> Palette:
        return self.scene.palette

    @property
    def legend_shown(self) -> bool:
        return self.legend.shown

    @property
    def legend_on_top(self) -> bool:
        return self.legend.on_top

    def clear(self) -> None:
        for actor in self.patches.values():
            self.plotter.remove_actor(actor, render=False)
        self.patches = {}
        for actor in (self.outline, self.markers):
            if actor is not None:
                self.plotter.remove_actor(actor, render=False)
        self.outline = self.markers = None
        self.legend.set_entries([])
        self.labels.set_labels([])
        self._targets = []
        self.anchoring.set_ghosts(frozenset())

    def forget_geometry(self) -> None:
        """Drop what was computed from the surfaces (they moved: a new pose)."""
        for cache_ in (self._patch_cache, self._outline_cache):
            cache_.clear()
        self.anchoring.forget_geometry()

    def patch_mesh(self, attachment: Attachment) -> pv.PolyData:
        if attachment not in self._patch_cache:
            self._patch_cache[attachment] = attachment_patch(
                self.meshes[attachment.bone], attachment, self.rest_points.get(attachment.bone)
            )
        return self._patch_cache[attachment]

    def _add(self, mesh: pv.PolyData, color: str, **style) -> pv.Actor:
        return self.plotter.add_mesh(
            mesh, color=color, pickable=False, reset_camera=False, render=False, **style
        )

    def show(self, emphasis: Emphasis) -> None:
        """Replace the drawn emphasis with ``emphasis``, anchoring its labels for the
        current camera (the caller renders)."""
        self.clear()
        self.current = emphasis
        if emphasis.selected is None:
            return
        palette = self.palette
        paint, text = palette.paint, palette.text
        selected = self.scene.catalogue[emphasis.selected]
        mesh = self.meshes[emphasis.selected]
        if emphasis.selected not in self._outline_cache:
            self._outline_cache[emphasis.selected] = outline_shell(mesh)
        self.outline = self._add(
            self._outline_cache[emphasis.selected], paint["selection"], ambient=1.0, diffuse=0.0, specular=0.0
        )
        self.outline.prop.culling = "front"

        by_role: dict[str, list[pv.PolyData]] = {}
        for attachment in emphasis.attachments:
            role = "focus" if attachment == emphasis.focus_attachment else attachment.role
            by_role.setdefault(role, []).append(self.patch_mesh(attachment))
        for role, meshes in by_role.items():
            merged = meshes[0] if len(meshes) == 1 else pv.merge(meshes)
            self.patches[role] = self._add(merged, paint[role], smooth_shading=True, ambient=0.35)

        landmarks = self.scene.posed_landmarks  # the foramina move with the spine
        foramina = [(name, landmarks[name]) for name in emphasis.root_levels if name in landmarks]
        if foramina:
            self.markers = self._add(
                _markers(tuple(c for _, c in foramina)),
                paint["root_level"],
                smooth_shading=True,
                ambient=0.3,
                specular=0.3,
            )

        targets = [self._structure_target(emphasis.selected, selected.name, palette)]
        for name, group in _label_groups(emphasis.attachments, selected.kind.value == "muscle").items():
            role = group[0].role
            patches = [self.patch_mesh(a) for a in group]  # anchored on what is painted
            points = np.vstack([np.asarray(m.points, dtype=float) for m in patches])
            normals = np.vstack([np.asarray(m.point_normals, dtype=float) for m in patches])
            targets.append(
                Target(
                    name, text[role], paint[role], False, points, normals, points.mean(axis=0), group[0].bone
                )
            )
        for other in emphasis.also:
            targets.append(self._structure_target(other, self.scene.catalogue[other].name, palette))
        for name, centre in foramina:
            level = foramen_level(name)
            points, normals = sphere_candidates(centre, FORAMEN_MARKER_MM)
            targets.append(
                Target(
                    f"{level} foramen",
                    text["root_level"],
                    paint["root_level"],
                    False,
                    points,
                    normals,
                    np.asarray(centre, dtype=float),
                    None,
                )
            )
        self._targets = [t for t in targets if len(t.points)][:12]
        self._label()

        entries = [("Selected", text["selection"], paint["selection"])]
        roles = {a.role for a in emphasis.attachments}
        for role, title in (("origin", "Origin"), ("insertion", "Insertion")):
            if role in roles:
                entries.append((title, text[role], paint[role]))
        if foramina:
            entries.append(("Root foramen", text["root_level"], paint["root_level"]))
        self.legend.set_entries(entries)

    def _structure_target(self, structure_id: str, name: str, palette: Palette) -> Target:
        points, normals = self.anchoring.candidates(structure_id)
        return Target(
            name, palette.text["selection"], palette.selection, True, points, normals, None, structure_id
        )

    # where the labels point
    def reanchor(self) -> None:
        """Anchor the labels where the camera sees them now, and ghost what hides an anchor
        that no candidate shows: call it when the camera stops (the emphasis is anchored when
        drawn). Labels added after this layer's (marks) keep theirs."""
        if not self._labels_shown():
            self.anchoring.set_ghosts(frozenset())  # labels turned off: nothing to point at
            return
        anchors, ghosts = self._anchors()
        others = self.labels.labels[len(anchors) :]
        self.labels.set_anchors([*anchors, *(label.anchor for label in others)])
        self.anchoring.set_ghosts(ghosts)

    def _label(self) -> None:
        """Label the targets, anchored for the current camera (in place of every label)."""
        anchors, ghosts = self._anchors()
        self.labels.set_labels(
            [Label(a, t.text, t.color, t.bold, t.frame) for a, t in zip(anchors, self._targets, strict=True)]
        )
        self.anchoring.set_ghosts(ghosts)

    def _labels_shown(self) -> bool:
        """Whether this layer's labels are drawn (a picture without labels clears them)."""
        shown = [label.text for label in self.labels.labels[: len(self._targets)]]
        return bool(self._targets) and shown == [t.text for t in self._targets]

    def _anchors(self) -> tuple[list[tuple[float, float, float]], frozenset[str]]:
        """The targets' anchors for the current camera, and what hides those none shows."""
        return self.anchoring.anchors(self._targets, self.labels.scale)

    # the legend
    def place_legend(self, on_top: bool) -> None:
        """Bottom right, or top right (under the title) when a caption takes the bottom."""
        self.legend.place(on_top)

    def legend_rects(self) -> list[Rect]:
        return self.legend.rects()

    # how structures are drawn under the emphasis
    def structure_color(self, structure_id: str) -> str:
        """The colour a structure's own actor takes under the current emphasis."""
        palette = self.palette
        if structure_id == self.current.selected or structure_id in self.current.also:
            return palette.selection
        by_length = self.scene.length_color(structure_id)  # coloured by length change
        if by_length is not None:
            return by_length
        structure = self.scene.catalogue[structure_id]
        return palette.structure_color(structure.kind.value, structure.color)

    def structure_opacity(self, structure_id: str) -> float:
        opacity = self.scene.opacity(structure_id)
        if structure_id in self.current.see_through:
            return min(opacity, SEE_THROUGH)
        return opacity

    def structure_visible(self, structure_id: str) -> bool:
        return self.scene.is_visible(structure_id) or structure_id in self.current.reveal

    def remove(self) -> None:
        """Take every actor and observer of the layer off the plotter."""
        self.clear()
        self.legend.remove()
        self.labels.remove()
        self.anchoring.remove()


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
