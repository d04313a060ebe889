"""Draw a selection's emphasis: outline, painted attachments, root foramina, labels, legend.

The rules of what to emphasise live in :mod:`app.model.scene.emphasis` and the colours in
:mod:`app.model.scene.palette`; this module only draws an :class:`~app.model.scene.emphasis.Emphasis`
on a plotter, given the scene, the structures' meshes and their actors.

Every label points at a place the camera sees: its anchor is chosen among points of its
structure (or attachment region, or foramen marker) that face the camera, lie in the view and
are not hidden by an opaque structure (a ray test against cached cell locators), the one
nearest the middle of the view (or of its region) first. When no such point exists, what
hides the best one is ghosted (made translucent) for that picture. Anchors are chosen when
the emphasis is drawn and again when the camera stops (:meth:`EmphasisLayer.reanchor`),
never on drag frames.

Everything here is built to keep a click under one frame of extra work: patch meshes,
outlines, candidate points and locators are cached, each role's patches are merged into one
actor, and the legend is one set of persistent actors whose entries change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import reference
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator, vtkStaticPointLocator

from app.model.anatomy.landmarks import Attachment
from app.model.scene.emphasis import SEE_THROUGH, Emphasis, foramen_level
from app.model.scene.palette import STANDARD, Palette
from app.model.scene.state import SceneModel
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
#: Opacity of a structure that hides a label's anchor from every candidate point.
GHOST_OPACITY = 0.25
#: Structures drawn at least this opaque hide what lies behind them (a see-through psoas
#: and X-rayed bones do not).
OCCLUDES_FROM = 0.5
#: Kinds too thin to hide an anchor (or to be worth ghosting): nerves and the ligament.
THIN_KINDS = ("nerve", "ligament")
#: Candidate anchor points kept per structure, and rays tried per label before ghosting.
CANDIDATES = 400
MAX_RAYS = 16
#: Candidates weighed for ghosting when none is seen (each costs five rays).
GHOST_TRIES = 6
#: Rays go to candidates at least this fraction of the view's diagonal apart on screen.
SPACING = 0.03
#: A candidate is tested from this far off its surface (mm), along the surface normal.
ANCHOR_LIFT = 1.0
#: Least cosine between a candidate's normal and the way to the camera: a point seen edge-on
#: (on the silhouette) shows nothing painted there.
FACING = 0.5
#: Around an anchor, the camera must see this far (pixels at scale 1) on every side.
CLEAR_PX = 5
#: Candidates must project inside this fraction of the view (normalised device coordinates).
IN_VIEW = 0.92
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
def _directions() -> np.ndarray:
    """Unit vectors spread over a sphere: a foramen marker's candidate anchors and normals."""
    sphere = pv.Sphere(radius=1.0, theta_resolution=10, phi_resolution=7)
    return np.asarray(sphere.points, dtype=float)


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


@dataclass(frozen=True)
class _Target:
    """A label to anchor: its look, and the points its leader line may end on."""

    text: str
    color: str  # text
    frame: str  # the colour painted in the scene
    bold: bool
    points: np.ndarray  # (n, 3) candidates, mm
    normals: np.ndarray  # (n, 3) outward normals
    prefer: np.ndarray | None  # land near this point's image; None: the middle of the view
    owner: str | None  # the structure whose surface the points lie on (its far side hides them)


@dataclass(frozen=True)
class _View:
    """The camera of one re-anchoring: projection, eye and the opaque structures."""

    matrix: np.ndarray  # world -> clip (4x4)
    size: np.ndarray  # view size in pixels
    eye: np.ndarray
    direction: np.ndarray  # direction of projection
    parallel: bool
    right: np.ndarray  # the screen's axes in the world (unit vectors)
    up: np.ndarray
    #: Millimetres per pixel: at unit depth (perspective) or anywhere (parallel projection).
    pixel_mm: float
    occluders: tuple[str, ...]
    low: np.ndarray  # (k, 3) corners of the occluders' boxes, padded
    high: np.ndarray

    def mm_per_pixel(self, point: np.ndarray) -> float:
        """The size of a pixel (mm) at ``point``'s depth."""
        return self.pixel_mm if self.parallel else self.pixel_mm * float((point - self.eye) @ self.direction)

    def pixels(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel positions of points, and whether each lies in front of the camera in view."""
        clip = np.c_[points, np.ones(len(points))] @ self.matrix.T
        w = clip[:, 3]
        safe = np.where(np.abs(w) < 1e-9, 1e-9, w)
        ndc = clip[:, :2] / safe[:, None]
        inside = (w > 0) & (np.abs(ndc) <= IN_VIEW).all(axis=1)
        return (ndc + 1) / 2 * self.size, inside

    def origins(self, points: np.ndarray) -> np.ndarray:
        """Where the rays toward ``points`` start: the eye, or (parallel projection) the
        camera's plane."""
        if not self.parallel:
            return np.broadcast_to(self.eye, points.shape)
        depth = (points - self.eye) @ self.direction
        return points - np.outer(np.maximum(depth, 0.0), self.direction)


class EmphasisLayer:
    """Keeps the extra actors of the current emphasis on a plotter: ``meshes`` and
    ``actors`` are the structures' own (by id), drawn by the scene renderer; ``locator``
    gives a structure's cell locator (the picker's, shared: built once per structure)."""

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
        #: Structures made translucent because they hide a label's anchor.
        self.ghosted: frozenset[str] = frozenset()
        self.current = Emphasis()
        self._targets: list[_Target] = []
        #: Rest positions of posed structures' vertices (app.render.posing).
        self.rest_points: dict[str, np.ndarray] = {}
        self._patch_cache: dict[Attachment, pv.PolyData] = {}
        self._outline_cache: dict[str, pv.PolyData] = {}
        self._candidates: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._locator = locator
        self._bounds: dict[str, np.ndarray] = {}
        self._observer = plotter.renderer.AddObserver("StartEvent", self._keep_ghosts)
        #: Which points a section keeps (app.render.section_layer): labels anchor there.
        self.kept: Callable[[np.ndarray], np.ndarray] | None = None

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
        self._set_ghosts(frozenset())

    def forget_geometry(self) -> None:
        """Drop what was computed from the surfaces (they moved: a new pose)."""
        for cache_ in (self._patch_cache, self._outline_cache, self._candidates, self._bounds):
            cache_.clear()

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
                _Target(
                    name, text[role], paint[role], False, points, normals, points.mean(axis=0), group[0].bone
                )
            )
        for other in emphasis.also:
            targets.append(self._structure_target(other, self.scene.catalogue[other].name, palette))
        for name, centre in foramina:
            level = foramen_level(name)
            points = np.asarray(centre, dtype=float) + _directions() * FORAMEN_MARKER_MM
            targets.append(
                _Target(
                    f"{level} foramen",
                    text["root_level"],
                    paint["root_level"],
                    False,
                    points,
                    _directions(),
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

    def _structure_target(self, structure_id: str, name: str, palette: Palette) -> _Target:
        points, normals = self._candidates_of(structure_id)
        return _Target(
            name, palette.text["selection"], palette.selection, True, points, normals, None, structure_id
        )

    def _candidates_of(self, structure_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Up to :data:`CANDIDATES` vertices of a structure, spread over it, with normals."""
        if structure_id not in self._candidates:
            mesh = self.meshes[structure_id]
            step = max(1, mesh.n_points // CANDIDATES)
            points = np.asarray(mesh.points, dtype=float)[::step]
            normals = np.asarray(mesh.point_normals, dtype=float)[::step]
            self._candidates[structure_id] = (points, normals)
        return self._candidates[structure_id]

    # anchoring
    def reanchor(self) -> None:
        """Anchor the labels where the camera sees them now, and ghost what hides an anchor
        that no candidate shows: call it when the camera stops (the emphasis is anchored when
        drawn). Labels added after this layer's (marks) keep theirs."""
        if not self._labels_shown():
            self._set_ghosts(frozenset())  # labels turned off: nothing to point at
            return
        anchors, ghosts = self._anchors()
        others = self.labels.labels[len(anchors) :]
        self.labels.set_anchors([*anchors, *(label.anchor for label in others)])
        self._set_ghosts(ghosts)

    def _label(self) -> None:
        """Label the targets, anchored for the current camera (in place of every label)."""
        anchors, ghosts = self._anchors()
        self.labels.set_labels(
            [Label(a, t.text, t.color, t.bold, t.frame) for a, t in zip(anchors, self._targets, strict=True)]
        )
        self._set_ghosts(ghosts)

    def _labels_shown(self) -> bool:
        """Whether this layer's labels are drawn (a picture without labels clears them)."""
        shown = [label.text for label in self.labels.labels[: len(self._targets)]]
        return bool(self._targets) and shown == [t.text for t in self._targets]

    def _anchors(self) -> tuple[list[tuple[float, float, float]], frozenset[str]]:
        view = self._view()
        anchors: list[tuple[float, float, float]] = []
        ghosts: set[str] = set()
        for target in self._targets:
            anchor, hidden_by = self._anchor(target, view)
            anchors.append(anchor)
            ghosts |= hidden_by
        return anchors, frozenset(ghosts)

    def _view(self) -> _View:
        renderer = self.plotter.renderer
        width, height = (max(1, v) for v in renderer.GetSize())
        camera = renderer.GetActiveCamera()
        vtk_matrix = camera.GetCompositeProjectionTransformMatrix(width / height, -1, 1)
        matrix = np.array([[vtk_matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
        scene = self.scene
        occluders = tuple(
            sid
            for sid in self.actors
            if sid in self.meshes
            and scene.catalogue[sid].kind.value not in THIN_KINDS
            and scene.shown(sid)
            and scene.drawn_opacity(sid) >= OCCLUDES_FROM
        )
        bounds = np.array([self._bounds_of(sid) for sid in occluders]).reshape(-1, 6)
        direction = np.array(camera.GetDirectionOfProjection(), dtype=float)
        up = np.array(camera.GetViewUp(), dtype=float)
        right = np.cross(direction, up)
        right /= np.linalg.norm(right)
        parallel = bool(camera.GetParallelProjection())
        if parallel:
            pixel_mm = 2 * camera.GetParallelScale() / height
        else:
            pixel_mm = 2 * np.tan(np.radians(camera.GetViewAngle()) / 2) / height
        return _View(
            matrix=matrix,
            size=np.array([width, height], dtype=float),
            eye=np.array(camera.GetPosition(), dtype=float),
            direction=direction,
            parallel=parallel,
            right=right,
            up=np.cross(right, direction),
            pixel_mm=float(pixel_mm),
            occluders=occluders,
            low=np.ascontiguousarray(bounds[:, 0::2]),
            high=np.ascontiguousarray(bounds[:, 1::2]),
        )

    def _bounds_of(self, structure_id: str) -> np.ndarray:
        if structure_id not in self._bounds:
            bounds = np.array(self.meshes[structure_id].bounds, dtype=float)
            self._bounds[structure_id] = bounds + np.array([-1, 1, -1, 1, -1, 1]) * 0.5
        return self._bounds[structure_id]

    def _anchor(self, target: _Target, view: _View) -> tuple[tuple[float, float, float], set[str]]:
        """The best candidate of a label that the camera sees, and nothing to ghost; or, when
        none is seen, the one that the fewest structures hide, and those structures."""
        points, normals = target.points, target.normals
        if self.kept is not None:  # not on what a section cut away, if any of it is left
            kept = self.kept(points)
            if kept.any():
                points, normals = points[kept], normals[kept]
        pixels, in_view = view.pixels(points)
        toward = np.broadcast_to(-view.direction, points.shape) if view.parallel else view.eye - points
        toward = toward / np.linalg.norm(toward, axis=1, keepdims=True)
        cosine = np.einsum("ij,ij->i", normals, toward)
        facing = in_view & (cosine > FACING)
        score = np.linalg.norm(pixels - view.size / 2, axis=1)  # from the middle of the view
        if target.prefer is not None:
            prefer, _ = view.pixels(target.prefer[None, :])
            score = np.linalg.norm(pixels - prefer[0], axis=1) + 0.25 * score
        lifted = points + normals * ANCHOR_LIFT
        starts = view.origins(lifted)
        if facing.any():
            order = _spread(
                np.argsort(np.where(facing, score, np.inf))[: int(facing.sum())], pixels, view.size
            )
            crossed = self._crossings(view, starts[order], lifted[order])
            for i, row in zip(order, crossed, strict=True):
                if not self._blockers(view, starts[i], lifted[i], row, first=True) and not self._around(
                    view, lifted[i], cosine[i], target.owner, first=True
                ):
                    return _point(points[i]), set()
        # Nothing is seen: the candidate that the fewest structures hide (facing ones and the
        # best placed first), so that a bone's far side ghosts the bone, not the muscles too.
        pool = in_view if in_view.any() else np.ones(len(points), dtype=bool)
        rank = np.where(pool, score + np.where(facing, 0.0, 1e6), np.inf)
        order = _spread(np.argsort(rank)[: int(pool.sum())], pixels, view.size)[:GHOST_TRIES]
        crossed = self._crossings(view, starts[order], lifted[order])
        best: tuple[int, set[str]] | None = None
        for i, row in zip(order, crossed, strict=True):
            hidden = self._blockers(view, starts[i], lifted[i], row, first=False)
            if cosine[i] > 0:
                hidden |= self._around(view, lifted[i], cosine[i], target.owner, first=False)
            elif target.owner is not None:
                hidden.add(target.owner)  # turned away: its own structure's front hides it
            if best is None or len(hidden) < len(best[1]):
                best = (int(i), hidden)
        assert best is not None
        return _point(points[best[0]]), best[1]

    def _around(
        self, view: _View, point: np.ndarray, cosine: float, owner: str | None, first: bool
    ) -> set[str]:
        """What stands in front of ``point`` :data:`CLEAR_PX` pixels out on any side (a point
        peeking past an edge is not seen well enough to point at). ``cosine``: of the angle
        between the surface's normal and the way to the camera; ``owner``: the structure the
        surface belongs to (a marker has none)."""
        radius = CLEAR_PX * self.labels.scale * view.mm_per_pixel(point)
        margin = ANCHOR_LIFT
        if owner is not None:
            # The surface itself comes nearer by up to radius x tan(angle), and a radius
            # more where it curves.
            cosine = max(cosine, 0.2)
            margin += radius * (np.sqrt(1 - cosine**2) / cosine + 1)
        offsets = np.array([view.right, -view.right, view.up, -view.up])
        ends = point + offsets * radius - view.direction * margin
        starts = view.origins(ends)
        found: set[str] = set()
        for start, end, row in zip(starts, ends, self._crossings(view, starts, ends), strict=True):
            found |= self._blockers(view, start, end, row, first)
            if found and first:
                break
        return found

    def _crossings(self, view: _View, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Which occluders' boxes each segment crosses, (segments, occluders): a slab test
        of all at once (a zero direction component becomes tiny, so that slab is crossed
        everywhere or nowhere)."""
        direction = ends - starts
        direction = np.where(np.abs(direction) < 1e-9, 1e-9, direction)[:, None, :]
        t0 = (view.low[None, :, :] - starts[:, None, :]) / direction
        t1 = (view.high[None, :, :] - starts[:, None, :]) / direction
        near = np.minimum(t0, t1).max(axis=2)
        far = np.maximum(t0, t1).min(axis=2)
        return (near <= far) & (far >= 0.0) & (near <= 1.0)

    def _blockers(
        self, view: _View, start: np.ndarray, end: np.ndarray, crossed: np.ndarray, first: bool
    ) -> set[str]:
        """The occluders among ``crossed`` (one row of :meth:`_crossings`) that the segment
        passes through: the first found only, when ``first``."""
        found: set[str] = set()
        a, b = start.tolist(), end.tolist()
        for k in np.flatnonzero(crossed):
            sid = view.occluders[k]
            t, x, pcoords, sub = reference(0.0), [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], reference(0)
            # VTK's stubs type t and subId as numbers; the wrapper fills references.
            if self._locator(sid).IntersectWithLine(a, b, 0.0, t, x, pcoords, sub):  # type: ignore[call-overload]
                found.add(sid)
                if first:
                    break
        return found

    # ghosting
    def _set_ghosts(self, ghosted: frozenset[str]) -> None:
        for sid in self.ghosted - ghosted:
            if sid in self.actors:
                self.actors[sid].prop.opacity = self.scene.drawn_opacity(sid)
        self.ghosted = ghosted
        self._keep_ghosts()

    def _keep_ghosts(self, *_args: object) -> None:
        """Before each frame: ghosted structures stay translucent whatever restyled them
        (while the labels that need it are drawn)."""
        if self.ghosted and not self._labels_shown():
            self._set_ghosts(frozenset())
        for sid in self.ghosted:
            actor = self.actors.get(sid)
            if actor is not None and actor.prop.opacity > GHOST_OPACITY:
                actor.prop.opacity = GHOST_OPACITY
                actor.prop.culling = "back"  # as the scene renderer draws translucent surfaces

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
        self.plotter.renderer.RemoveObserver(self._observer)


def _spread(order: np.ndarray, pixels: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Up to :data:`MAX_RAYS` candidates in ``order``, each at least :data:`SPACING` of the
    view's diagonal (or an eighth of the candidates' spread) from those before it on screen:
    when the best is hidden, its neighbours usually are too, and rays are better spent
    further out."""
    on_screen = pixels[order]
    if not len(order):
        return order
    extent = float(np.linalg.norm(on_screen.max(axis=0) - on_screen.min(axis=0)))
    spacing = min(SPACING * float(np.hypot(*size)), extent / 8)  # small regions: closer rays
    alive = np.ones(len(order), dtype=bool)
    kept: list[int] = []
    while len(kept) < MAX_RAYS and alive.any():
        j = int(np.argmax(alive))  # the best candidate still far from those kept
        kept.append(int(order[j]))
        alive &= np.linalg.norm(on_screen - on_screen[j], axis=1) >= spacing
    return np.array(kept, dtype=int)


def _point(p: np.ndarray) -> tuple[float, float, float]:
    return (float(p[0]), float(p[1]), float(p[2]))


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
