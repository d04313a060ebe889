"""Where each label of an emphasis points: a point of its structure that the camera sees.

A label's anchor is chosen among points of its structure (or attachment region, or foramen
marker) that face the camera, lie in the view and are not hidden by an opaque structure (a
ray test against cached cell locators), the one nearest the middle of the view (or of its
region) first. When no such point exists, what hides the best one is ghosted (made
translucent) for that picture. :class:`Anchoring` chooses anchors when the emphasis is drawn
and again when the camera stops, never on drag frames.

This is the geometry of labelling, apart from :mod:`app.render.emphasis`, which draws the
outline, patches, markers, labels and legend and asks here where its labels go. It keeps a
click under one frame of extra work: each structure's candidate points and padded bounding
box are cached (until a pose moves the surfaces), its cell locator is the picker's (built
once), and the rays are first tested against the occluders' boxes all at once, so that a
locator is asked only about the few structures that a ray may cross.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import reference
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator
from vtkmodules.vtkRenderingCore import vtkRenderer

from app.model.anatomy.landmarks import Point
from app.model.scene.state import SceneModel

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


@cache
def _directions() -> np.ndarray:
    """Unit vectors spread over a sphere: a foramen marker's candidate anchors and normals."""
    sphere = pv.Sphere(radius=1.0, theta_resolution=10, phi_resolution=7)
    return np.asarray(sphere.points, dtype=float)


def sphere_candidates(centre: Point, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate anchors on a sphere (a foramen marker) and their outward normals."""
    return np.asarray(centre, dtype=float) + _directions() * radius, _directions()


def spread_step(count: int) -> int:
    """Every how many of a structure's ``count`` vertices is a candidate anchor."""
    return max(1, count // CANDIDATES)


@dataclass(frozen=True)
class Target:
    """A label to anchor: its look, and the points its leader line may end on."""

    text: str
    color: str  # text
    frame: str  # the colour painted in the scene
    bold: bool
    points: np.ndarray  # (n, 3) candidates, mm
    normals: np.ndarray  # (n, 3) outward normals
    prefer: np.ndarray | None  # land near this point's image; None: the middle of the view
    owner: str | None  # the structure whose surface the points lie on (its far side hides them)
    #: Each point where it lies at rest, and the structures it moves with: an anchor follows
    #: a pose from there while the view moves (None: it stays where it is).
    rest: np.ndarray | None = None
    on: tuple[tuple[str, ...], ...] = ()

    def rest_of(self, anchor: tuple[float, float, float]) -> tuple[tuple[str, ...], np.ndarray] | None:
        """The structures an anchor (one of :attr:`points`) moves with and where it lies at
        rest, or None when the target does not say."""
        if self.rest is None or not len(self.points):
            return None
        index = int(np.argmin(np.linalg.norm(self.points - np.asarray(anchor), axis=1)))
        return self.on[index if len(self.on) > 1 else 0], self.rest[index]


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
    #: Pixels the camera must see around an anchor (:data:`CLEAR_PX` at the labels' scale).
    clear_px: float

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


class Anchoring:
    """Chooses where the labels of an emphasis point on ``renderer``, and ghosts what hides
    them: ``meshes`` and ``actors`` are the structures' own (by id), drawn by the scene
    renderer; ``locator`` gives a structure's cell locator (the picker's, shared: built once
    per structure); ``labels_shown`` says whether the labels anchored last are drawn (ghosts
    go when they do not)."""

    def __init__(
        self,
        renderer: vtkRenderer,
        scene: SceneModel,
        meshes: Mapping[str, pv.PolyData],
        actors: Mapping[str, pv.Actor],
        locator: Callable[[str], vtkStaticCellLocator],
        labels_shown: Callable[[], bool],
    ):
        self.renderer = renderer
        self.scene = scene
        self.meshes = meshes
        self.actors = actors
        #: Structures made translucent because they hide a label's anchor.
        self.ghosted: frozenset[str] = frozenset()
        #: Which points a section keeps (app.render.section_layer): labels anchor there.
        self.kept: Callable[[np.ndarray], np.ndarray] | None = None
        self._labels_shown = labels_shown
        self._candidates: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._locator = locator
        self._bounds: dict[str, np.ndarray] = {}
        self._observer = renderer.AddObserver("StartEvent", self._keep_ghosts)

    def forget_geometry(self) -> None:
        """Drop what was computed from the surfaces (they moved: a new pose)."""
        for cache_ in (self._candidates, self._bounds):
            cache_.clear()

    def candidates(self, structure_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Up to :data:`CANDIDATES` vertices of a structure, spread over it, with normals."""
        if structure_id not in self._candidates:
            mesh = self.meshes[structure_id]
            step = spread_step(mesh.n_points)
            points = np.asarray(mesh.points, dtype=float)[::step]
            normals = np.asarray(mesh.point_normals, dtype=float)[::step]
            self._candidates[structure_id] = (points, normals)
        return self._candidates[structure_id]

    def anchors(
        self, targets: list[Target], scale: float
    ) -> tuple[list[tuple[float, float, float]], frozenset[str]]:
        """Each target's anchor for the current camera, and what to ghost (the caller sets
        it with :meth:`set_ghosts` once the labels are drawn); ``scale``: the labels'."""
        view = self._view(scale)
        anchors: list[tuple[float, float, float]] = []
        ghosts: set[str] = set()
        for target in targets:
            anchor, hidden_by = self._anchor(target, view)
            anchors.append(anchor)
            ghosts |= hidden_by
        return anchors, frozenset(ghosts)

    def _view(self, scale: float) -> _View:
        renderer = self.renderer
        width, height = (max(1, v) for v in renderer.GetSize())
        camera = renderer.GetActiveCamera()
        vtk_matrix = camera.GetCompositeProjectionTransformMatrix(width / height, -1, 1)
        matrix = pv.array_from_vtkmatrix(vtk_matrix)
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
            clear_px=CLEAR_PX * scale,
        )

    def _bounds_of(self, structure_id: str) -> np.ndarray:
        if structure_id not in self._bounds:
            bounds = np.array(self.meshes[structure_id].bounds, dtype=float)
            self._bounds[structure_id] = bounds + np.array([-1, 1, -1, 1, -1, 1]) * 0.5
        return self._bounds[structure_id]

    def _anchor(self, target: Target, view: _View) -> tuple[tuple[float, float, float], set[str]]:
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
        radius = view.clear_px * view.mm_per_pixel(point)
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
    def set_ghosts(self, ghosted: frozenset[str]) -> None:
        """Ghost ``ghosted`` (what :meth:`anchors` found hiding an anchor), no longer the rest."""
        for sid in self.ghosted - ghosted:
            if sid in self.actors:
                self.actors[sid].prop.opacity = self.scene.drawn_opacity(sid)
        self.ghosted = ghosted
        self._keep_ghosts()

    def _keep_ghosts(self, *_args: object) -> None:
        """Before each frame: ghosted structures stay translucent whatever restyled them
        (while the labels that need it are drawn)."""
        if self.ghosted and not self._labels_shown():
            self.set_ghosts(frozenset())
        for sid in self.ghosted:
            actor = self.actors.get(sid)
            if actor is not None and actor.prop.opacity > GHOST_OPACITY:
                actor.prop.opacity = GHOST_OPACITY
                actor.prop.culling = "back"  # as the scene renderer draws translucent surfaces

    def remove(self) -> None:
        """Restore what is ghosted and take the observer off the renderer."""
        self.set_ghosts(frozenset())
        self.renderer.RemoveObserver(self._observer)


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
