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

Everything drawn here is in the pose of the frame it is drawn in. Patches, markers and label
anchors are kept at rest and posed by the model's rule (:class:`~app.model.motion.body.Body`),
the one the surfaces follow; while the view moves in a new pose (a movement playing, a slider
held), only the low-detail stand-ins are posed, so :meth:`EmphasisLayer.follow` moves what is
drawn on them along: patches and markers posed again, the outline taken from the selection's
stand-in, each label's anchor posed from where it lies at rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator, vtkStaticPointLocator

from app.model.anatomy.landmarks import Attachment, landmark_bones
from app.model.motion.deformation import Skin
from app.model.motion.kinematics import Pose
from app.model.scene.emphasis import SEE_THROUGH, Emphasis, foramen_level
from app.model.scene.palette import LENGTH_TEXT, STANDARD, Palette, length_legend
from app.model.scene.state import SceneModel
from app.render.anchoring import Anchoring, Target, sphere_candidates, spread_step
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
    The region's points are in the rest position: for a posed bone give its ``rest`` points
    (the layer cuts its patches from the bone at rest and poses them)."""
    ids = np.unique(
        nearest_vertices(pv.PolyData(rest) if rest is not None else bone, np.asarray(attachment.points))
    )
    patch = bone.extract_points(ids, adjacent_cells=False, include_cells=True)
    if patch.n_cells == 0:  # too few vertices for a whole cell: take the touching cells
        patch = bone.extract_points(ids, adjacent_cells=True)
    surface = patch.extract_surface(algorithm="dataset_surface")
    surface = surface.compute_normals(auto_orient_normals=False, split_vertices=False)
    surface.points = surface.points + surface.point_normals * PATCH_LIFT
    return surface if surface.is_all_triangles else surface.triangulate()


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


def _faces(mesh: pv.PolyData) -> np.ndarray:
    return np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]


def _triangle_mesh(points: np.ndarray, triangles: np.ndarray) -> pv.PolyData:
    """A mesh of ``triangles`` (vertex indices, n x 3) over ``points``."""
    cells = np.hstack([np.full((len(triangles), 1), 3), triangles]).ravel()
    return pv.PolyData(points, cells)


class Pieces:
    """Patches cut at rest from several structures, drawn as one mesh in a pose: each piece
    moves by the rule its structure's surface follows (a bone's rigidly, a disc's blended),
    written into the one mesh's points in place (its normals are recomputed by the actor's
    smooth shading)."""

    def __init__(self, pieces: list[tuple[pv.PolyData, Skin | None]]):
        self.pieces = pieces
        points = [np.asarray(rest.points, dtype=float) for rest, _ in pieces]
        starts = np.cumsum([0] + [len(p) for p in points])
        faces = [_faces(rest) + start for (rest, _), start in zip(pieces, starts, strict=False)]
        self.rest = np.vstack(points)
        self.mesh = _triangle_mesh(self.rest.copy(), np.vstack(faces))
        self.pose = Pose()

    def pose_to(self, body, pose: Pose, transforms: dict[str, np.ndarray] | None = None) -> None:
        """Put the pieces where ``pose`` puts them (``body``: the scene's, or None)."""
        if pose == self.pose or body is None:
            return
        self.pose = pose
        if pose.neutral:
            moved = self.rest
        else:
            transforms = transforms or body.rig.transforms(pose)
            moved = np.vstack(
                [
                    body.deformer.posed(skin, pose, transforms) if skin is not None else rest.points
                    for rest, skin in self.pieces
                ]
            )
        self.mesh.points[:] = moved
        self.mesh.GetPoints().Modified()
        self.mesh.Modified()

    def normals(self, body) -> np.ndarray:
        """The pieces' outward normals in their pose (a bone's turn with it)."""
        normals = []
        transforms = None
        for rest, skin in self.pieces:
            own = np.asarray(rest.point_normals, dtype=float)
            if body is None or skin is None or self.pose.neutral:
                normals.append(own)
                continue
            transforms = transforms or body.rig.transforms(self.pose)
            normals.append(body.posed_surface(skin, _faces(rest), own, self.pose, transforms)[1])
        return np.vstack(normals)


@cache
def _sphere() -> pv.PolyData:
    """One foramen marker around the origin (shared: only read)."""
    return pv.Sphere(radius=FORAMEN_MARKER_MM, theta_resolution=16, phi_resolution=12)


def _markers(centres: list[tuple[float, float, float]]) -> pv.PolyData:
    """Foramen markers: one sphere per centre, merged into one mesh (moved by
    :func:`_place_markers`)."""
    sphere = _sphere()
    faces, count = _faces(sphere), sphere.n_points
    triangles = np.vstack([faces + i * count for i in range(len(centres))])
    merged = _triangle_mesh(np.zeros((count * len(centres), 3)), triangles)
    _place_markers(merged, centres)
    return merged


def _place_markers(mesh: pv.PolyData, centres: list[tuple[float, float, float]]) -> None:
    """Each sphere of a markers mesh around its centre, in place."""
    unit = np.asarray(_sphere().points, dtype=float)
    mesh.points[:] = np.vstack([unit + np.asarray(c, dtype=float) for c in centres])
    mesh.GetPoints().Modified()
    mesh.Modified()


class EmphasisLayer:
    """Keeps the extra actors of the current emphasis on a plotter: ``meshes`` and
    ``actors`` are the structures' own (by id), drawn by the scene renderer; ``locator``
    gives a structure's cell locator (the picker's, shared: built once per structure), for
    :attr:`anchoring`; ``rest_meshes`` the structures' surfaces at rest (``meshes`` when
    not given)."""

    def __init__(
        self,
        plotter: pv.Plotter,
        scene: SceneModel,
        meshes: Mapping[str, pv.PolyData],
        actors: Mapping[str, pv.Actor],
        locator: Callable[[str], vtkStaticCellLocator],
        label_scale: float = 1.0,
        rest_meshes: Mapping[str, pv.PolyData] | None = None,
    ):
        self.plotter = plotter
        self.scene = scene
        self.meshes = meshes
        self.rest_meshes = rest_meshes if rest_meshes is not None else dict(meshes)
        self.actors = actors
        self.labels = LabelLayer(plotter, label_scale)
        self.legend = Legend(self.labels)
        self.patches: dict[str, pv.Actor] = {}  # role ("origin", "insertion", "focus") -> actor
        self.outline: pv.Actor | None = None
        self.markers: pv.Actor | None = None  # the root foramina
        self.current = Emphasis()
        self._targets: list[Target] = []
        #: Where each label's anchor lies at rest and what it moves with (see :meth:`follow`).
        self._rests: list[tuple[tuple[str, ...], np.ndarray] | None] = []
        self._pieces: dict[str, Pieces] = {}  # role -> the patches drawn, posable
        self._foramina: list[str] = []  # the landmarks the markers are drawn around
        self._marker_mesh = pv.PolyData()
        #: Each attachment's patch cut from its bone at rest, and how it follows a pose.
        self._patch_cache: dict[Attachment, tuple[pv.PolyData, Skin | None]] = {}
        self._outline_cache: dict[str, pv.PolyData] = {}
        #: Set while the scene is cut open (app.render.section_layer): whether a foramen
        #: (its marker's centre) is at the cut and in sight; the others are not marked.
        self.foramen_at_cut: Callable[[np.ndarray], bool] | None = None
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
        self._pieces, self._foramina = {}, []
        self.legend.set_entries([])
        self.labels.set_labels([])
        self._targets, self._rests = [], []
        self.anchoring.set_ghosts(frozenset())

    def actors_drawn(self) -> list[pv.Actor]:
        """The layer's 3D actors: patches, outline and markers."""
        return [*self.patches.values(), *(a for a in (self.outline, self.markers) if a is not None)]

    def forget_geometry(self) -> None:
        """Drop what was computed from the surfaces (they moved: a new pose); the patches,
        cut at rest, are kept."""
        self._outline_cache.clear()
        self.anchoring.forget_geometry()

    def rest_patch(self, attachment: Attachment) -> tuple[pv.PolyData, Skin | None]:
        """An attachment's patch cut from its bone at rest, and its skin (None: the scene
        has no body and it never moves)."""
        if attachment not in self._patch_cache:
            patch = attachment_patch(self.rest_meshes[attachment.bone], attachment)
            body = self.scene.body
            skin = None
            if body is not None:
                bone = self.scene.catalogue[attachment.bone]
                skin = body.skin(bone, np.asarray(patch.points, dtype=float), _faces(patch))
            self._patch_cache[attachment] = (patch, skin)
        return self._patch_cache[attachment]

    def patch_pieces(self, attachments: list[Attachment]) -> Pieces:
        """The patches of ``attachments`` as one mesh, in the scene's pose."""
        pieces = Pieces([self.rest_patch(a) for a in attachments])
        pieces.pose_to(self.scene.body, self.scene.pose)
        return pieces

    def patch_mesh(self, attachment: Attachment) -> pv.PolyData:
        """An attachment's patch where the scene's pose puts it."""
        return self.patch_pieces([attachment]).mesh

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
            self.legend.set_entries(self._length_entries())
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

        by_role: dict[str, list[Attachment]] = {}
        for attachment in emphasis.attachments:
            role = "focus" if attachment == emphasis.focus_attachment else attachment.role
            by_role.setdefault(role, []).append(attachment)
        for role, attachments in by_role.items():
            self._pieces[role] = self.patch_pieces(attachments)
            self.patches[role] = self._add(
                self._pieces[role].mesh, paint[role], smooth_shading=True, ambient=0.35
            )

        landmarks = self.scene.posed_landmarks  # the foramina move with the spine
        foramina = [(name, landmarks[name]) for name in emphasis.root_levels if name in landmarks]
        if self.foramen_at_cut is not None:
            foramina = [(n, c) for n, c in foramina if self.foramen_at_cut(np.asarray(c, dtype=float))]
        if foramina:
            self._foramina = [name for name, _ in foramina]
            self._marker_mesh = _markers([c for _, c in foramina])
            self.markers = self._add(
                self._marker_mesh,
                paint["root_level"],
                smooth_shading=True,
                ambient=0.3,
                specular=0.3,
            )

        targets = [self._structure_target(emphasis.selected, selected.name, palette)]
        for name, group in _label_groups(emphasis.attachments, selected.kind.value == "muscle").items():
            if group == [emphasis.focus_attachment]:
                continue  # named once, in the focus colour, by the marks layer (MarkLayer)
            role = group[0].role
            pieces = self.patch_pieces(group)  # anchored on what is painted
            points = np.asarray(pieces.mesh.points, dtype=float)
            normals = pieces.normals(self.scene.body)
            on = tuple((a.bone,) for a in group for _ in range(self.rest_patch(a)[0].n_points))
            targets.append(
                Target(
                    name,
                    text[role],
                    paint[role],
                    False,
                    points,
                    normals,
                    points.mean(axis=0),
                    group[0].bone,
                    pieces.rest,
                    on,
                )
            )
        for other in emphasis.also:
            targets.append(self._structure_target(other, self.scene.catalogue[other].name, palette))
        for name, centre in foramina:
            level = foramen_level(name)
            points, normals = sphere_candidates(centre, FORAMEN_MARKER_MM)
            rest, _ = sphere_candidates(self.scene.landmarks[name], FORAMEN_MARKER_MM)
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
                    rest,
                    (landmark_bones(name),),
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
        self.legend.set_entries(entries + self._length_entries())

    def _length_entries(self) -> list[tuple[str, str, str]]:
        """The legend's entries for the colours by length change, while they are on (in the
        window, presentations, sections, the quiz and exports alike)."""
        if not self.scene.length_colours:
            return []
        return [(name, LENGTH_TEXT, swatch) for name, swatch in length_legend()]

    def _structure_target(self, structure_id: str, name: str, palette: Palette) -> Target:
        points, normals = self.anchoring.candidates(structure_id)
        rest_mesh = self.rest_meshes.get(structure_id)
        rest = None
        if rest_mesh is not None and rest_mesh.n_points == self.meshes[structure_id].n_points:
            rest = np.asarray(rest_mesh.points, dtype=float)[:: spread_step(rest_mesh.n_points)]
        return Target(
            name, palette.text["selection"], palette.selection, True, points, normals, None, structure_id,
            rest, ((structure_id,),),
        )  # fmt: skip

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
        self._rests = [t.rest_of(a) for a, t in zip(anchors, self._targets, strict=True)]
        self.anchoring.set_ghosts(ghosts)

    def _label(self) -> None:
        """Label the targets, anchored for the current camera (in place of every label)."""
        anchors, ghosts = self._anchors()
        self.labels.set_labels(
            [Label(a, t.text, t.color, t.bold, t.frame) for a, t in zip(anchors, self._targets, strict=True)]
        )
        self._rests = [t.rest_of(a) for a, t in zip(anchors, self._targets, strict=True)]
        self.anchoring.set_ghosts(ghosts)

    def _labels_shown(self) -> bool:
        """Whether this layer's labels are drawn (a picture without labels clears them)."""
        shown = [label.text for label in self.labels.labels[: len(self._targets)]]
        return bool(self._targets) and shown == [t.text for t in self._targets]

    def _anchors(self) -> tuple[list[tuple[float, float, float]], frozenset[str]]:
        """The targets' anchors for the current camera, and what hides those none shows."""
        return self.anchoring.anchors(self._targets, self.labels.scale)

    # following a pose on the stand-ins
    def follow(self, stand_ins: Mapping[str, pv.Actor]) -> list[tuple[float, float, float]]:
        """Move what is drawn into the scene's pose while only the low-detail ``stand_ins``
        are posed (the view moves): patches and markers posed, the outline around the
        selection's stand-in (placed by its matrix, as a bone's is). The labels' anchors in
        the pose are returned (none while the labels are off), for the caller to set with
        those of the layers that label after this one."""
        scene, body = self.scene, self.scene.body
        pose = scene.pose
        transforms = body.rig.transforms(pose) if body is not None and not pose.neutral else None
        for pieces in self._pieces.values():
            pieces.pose_to(body, pose, transforms)
        if self.markers is not None:
            landmarks = scene.posed_landmarks
            _place_markers(self._marker_mesh, [landmarks[name] for name in self._foramina])
        selected = self.current.selected
        stand_in = stand_ins.get(selected) if selected is not None else None
        if self.outline is not None and stand_in is not None:
            mesh = pv.wrap(stand_in.mapper.GetInput())
            self.outline.mapper.dataset = outline_shell(mesh)
            self.outline.user_matrix = stand_in.user_matrix
        if not self._labels_shown():
            return []
        anchors = [label.anchor for label in self.labels.labels[: len(self._targets)]]
        return [
            anchor if rest is None else scene.posed_point(rest[0], tuple(rest[1]))
            for anchor, rest in zip(anchors, self._rests, strict=True)
        ]

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
