"""Nerves pressed against bone slide along it instead of entering it.

Blending a nerve's points between the segments it lies among (:mod:`.deformation`) can carry
some into a bone when several joints are near the ends of their ranges at once: with every
slider near an end, the obturator nerve below its canal went 7 mm into the pubis (the thigh
adducted, turned and flexed), the femoral nerve 7 mm into the ilium and a ramus of the
plexus 1 mm into the L3 pedicle. So, after the blend, a point carried nearer a bone than it
lay at rest and closer than :data:`CLEAR_MM` is put back that far out along the bone's
normal, and the nerve around it moves with it (fading over :data:`CONTACT_SPREAD_MM`), so it
keeps its calibre.

Most points are far from every bone in most poses: a grid of each bone's surface and inside
(:class:`BoneGrid`) tells so by arithmetic alone, and a point that moved little seeks its
nearest vertex among its neighbours at rest (:class:`Contact`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.model.motion.kinematics import SEGMENT_INDEX, segment_of
from app.model.motion.surfaces import Tissue, cells, nearest_vertex, squared_distances

#: How near a bone a nerve point may be carried (mm): no nearer than this, or than it lies
#: at rest where it lies nearer (nearest vertex, negative inside).
CLEAR_MM = 1.0
#: Bones within this of a nerve point at rest (mm) are looked at in each pose, unless the
#: point moves rigidly with the bone's segment.
CONTACT_REACH_MM = 15.0
#: Nerve points nearer a bone at rest than this (mm) are measured to its nearest vertex;
#: farther ones keep a lower bound, enough to tell in a pose that they cannot reach it.
MEASURED_MM = 12.0
#: Side of the cubes a bone's vertices are gathered in for a first, coarse distance (mm).
CLUSTER_MM = 8.0
#: Pushes shorter than this (mm) are not made (a point at its rest distance measures a
#: hair nearer or further in a pose, as its nearest vertex changes).
PUSH_MM = 0.05
#: Vertices kept about each nerve point near a bone, where its nearest is sought in a pose.
NEIGHBOURS = 48
#: Side of the cubes of a bone's :class:`BoneGrid` (mm).
GRID_MM = 4.0
#: More reach (mm) for a point that turns wholly with the thigh (in proportion to its share).
HIP_REACH_MM = 60.0
#: A point put back out of a bone carries the nerve around it with it, less and less to
#: nothing at this distance along the rest nerve (mm).
CONTACT_SPREAD_MM = 8.0


@dataclass(frozen=True)
class Contact:
    """The points of a nerve that may be carried against one bone: their indices, the bone
    (a key of the deformer's tissue) and its segment, and each point's signed distance from
    it at rest (nearest vertex, mm)."""

    bone: str
    segment: str
    index: np.ndarray
    rest_distance: np.ndarray
    #: The bone's rest surface (shared by every contact with it), the rows of its vertices
    #: where those points could meet it (within twice their reach of one of them), and
    #: where in its frame a point may be that near it.
    tissue: Tissue
    vertices: np.ndarray
    grid: BoneGrid
    #: For each point near the bone at rest, its :data:`NEIGHBOURS` nearest vertices (rows
    #: of the tissue; ``slot`` gives each point's row here, -1 for the others) and how far
    #: the last of them lies from it (mm; 0 for the others): a point that has moved little
    #: has its nearest vertex among them.
    neighbours: np.ndarray
    slot: np.ndarray
    span: np.ndarray

    def nearest(
        self, which: np.ndarray, local: np.ndarray, moved: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Signed distance (nearest vertex, negative inside) to the bone of the points
        ``which`` (rows of ``index``), at ``local`` in the bone's frame having ``moved`` that
        far from rest in it, and that vertex's normal; inf where the grid finds a point
        clear of the bone (most points). The nearest vertex is sought among the point's
        neighbours at rest where it cannot have passed beyond them (it lies within its rest
        distance and twice its move of where it was), else among all."""
        distance = np.full(len(local), np.inf)
        normal = np.zeros_like(local)
        close = np.flatnonzero(self.grid.holds(local))
        if not len(close):
            return distance, normal
        points = self.tissue.points
        vertex = np.zeros(len(close), dtype=np.int64)
        row = which[close]
        few = np.abs(self.rest_distance[row]) + 2 * moved[close] <= self.span[row]
        if few.any():
            candidates = self.neighbours[self.slot[row[few]]]  # (n, NEIGHBOURS)
            offsets = points[candidates] - local[close[few], None]
            vertex[few] = candidates[np.arange(len(candidates)), (offsets**2).sum(axis=2).argmin(axis=1)]
        if not few.all():
            _, nearest = nearest_vertex(local[close[~few]], points[self.vertices], np.inf)
            vertex[~few] = self.vertices[nearest]
        offset = local[close] - points[vertex]
        normal[close] = self.tissue.normals[vertex]
        exact = np.linalg.norm(offset, axis=1)
        distance[close] = np.where((offset * normal[close]).sum(axis=1) < 0, -exact, exact)
        return distance, normal


@dataclass(frozen=True)
class BoneGrid:
    """Cubes of :data:`GRID_MM` about a bone at rest, marked where a point may lie within a
    cube of the bone's surface or inside it (what no flood from outside the shell of its
    surface's cubes reaches): a point in an unmarked cube is clear of the bone by more than
    :data:`CLEAR_MM`, found by arithmetic alone (no distance measured)."""

    origin: np.ndarray
    marked: np.ndarray  # (nx, ny, nz) bool

    @classmethod
    def of(cls, tissue: Tissue) -> BoneGrid:
        points = tissue.sampled(GRID_MM / 2)
        origin = points.min(axis=0) - 3 * GRID_MM
        at = np.floor((points - origin) / GRID_MM).astype(np.int64)
        shell = np.zeros(tuple(at.max(axis=0) + 4), dtype=bool)
        shell[at[:, 0], at[:, 1], at[:, 2]] = True
        shell = grown(shell)  # a cube each way: every point within GRID_MM of the surface
        # Outside: flooded from the grid's corner through cubes off the shell.
        outside = np.zeros_like(shell)
        outside[0, 0, 0] = True
        while True:
            flooded = grown(outside) & ~shell
            if (flooded == outside).all():
                break
            outside = flooded
        return cls(origin, ~outside)

    def holds(self, local: np.ndarray) -> np.ndarray:
        """Whether each bone-frame point lies in a marked cube."""
        at = np.floor((local - self.origin) / GRID_MM).astype(np.int64)
        inside = ((at >= 0) & (at < self.marked.shape)).all(axis=1)
        held = np.zeros(len(local), dtype=bool)
        held[inside] = self.marked[at[inside, 0], at[inside, 1], at[inside, 2]]
        return held


def grown(marked: np.ndarray) -> np.ndarray:
    """``marked`` grown by one cube in each direction along each axis (six neighbours)."""
    out = marked.copy()
    out[1:] |= marked[:-1]
    out[:-1] |= marked[1:]
    out[:, 1:] |= marked[:, :-1]
    out[:, :-1] |= marked[:, 1:]
    out[:, :, 1:] |= marked[:, :, :-1]
    out[:, :, :-1] |= marked[:, :, 1:]
    return out


class BoneContacts:
    """The bones' rest surfaces as nerves meet them: which points of a nerve may be carried
    against which bone (:meth:`of`), and those points put back out in a pose
    (:meth:`cleared`). Each bone's grid, cubes and rows are made once and shared."""

    def __init__(self, tissue: dict[str, Tissue]):
        #: Rest surfaces by id (the bones among them are met; the muscles are not).
        self.tissue = tissue
        self._cubes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._grids: dict[str, BoneGrid] = {}
        self._rows: dict[str, np.ndarray] = {}

    def of(
        self, rest: np.ndarray, weights: np.ndarray, hip_share: np.ndarray, side: str, few: bool = False
    ) -> tuple[Contact, ...]:
        """The bones each point of a nerve may be carried against: those within its reach
        at rest (:data:`CONTACT_REACH_MM`, more as it turns with the thigh) that it does not
        move rigidly with. Distances are first bounded between cubes of points and of the
        bone's vertices; only points that near a bone are measured to a vertex."""
        cubes, cube = clusters(rest)
        contacts = []
        for bone, tissue in self.tissue.items():
            segment = segment_of(bone)
            if segment is None or (segment.startswith("femur_") and segment != f"femur_{side}"):
                continue
            rigid = weights[:, SEGMENT_INDEX[segment]] > 1.0 - 1e-9
            if segment == "pelvis":
                rigid &= hip_share == 0
            # A point that turns with the thigh can travel far against the hip bone: its reach
            # grows with its share of the hip's turn.
            reach = CONTACT_REACH_MM + HIP_REACH_MM * hip_share
            centres, radii, members = self._bone_cubes(bone, tissue)
            apart = np.sqrt(squared_distances(cubes[0], centres))  # (point cubes, bone cubes)
            bound = (apart - radii).min(axis=1)[cube] - cubes[1][cube]  # at most this far
            index = np.flatnonzero(~rigid & (bound <= reach))
            if not len(index):
                continue
            # The bone's vertices where these points could meet it: within twice the reach.
            wanted = np.unique(cube[index])
            met = ((apart[wanted] - radii - cubes[1][wanted, None]) <= 2 * reach[index].max()).any(axis=0)
            # (A few points, a label's or a mark's, share the whole bone's rows: their skins
            # are kept by the hundred, and seeking among all of a bone's vertices is quick
            # for a few.)
            vertices = self._all_rows(bone, tissue) if few else np.flatnonzero(met[members]).astype(np.int32)
            points, normals = tissue.points[vertices], tissue.normals[vertices]
            # Points near the bone: measured to its nearest vertex, their neighbours kept.
            distance = bound[index]
            near = np.flatnonzero(distance < CLEAR_MM + MEASURED_MM)
            count = min(NEIGHBOURS, len(points))
            neighbours = np.zeros((len(near), count), dtype=np.int32)
            slot = np.full(len(index), -1, dtype=np.int32)
            slot[near] = np.arange(len(near))
            span = np.zeros(len(index))
            for start in range(0, len(near), 512):
                chunk = near[start : start + 512]
                squared = squared_distances(rest[index[chunk]], points)
                kept = np.argpartition(squared, count - 1, axis=1)[:, :count]
                neighbours[start : start + 512] = vertices[kept]
                span[chunk] = np.sqrt(np.take_along_axis(squared, kept, axis=1).max(axis=1))
                vertex = squared.argmin(axis=1)
                offset = rest[index[chunk]] - points[vertex]
                inward = (offset * normals[vertex]).sum(axis=1) < 0
                distance[chunk] = np.where(inward, -1.0, 1.0) * np.linalg.norm(offset, axis=1)
            contacts.append(
                Contact(
                    bone, segment, index.astype(np.int32), distance, tissue, vertices, self._grids[bone],
                    neighbours, slot, span,
                )
            )  # fmt: skip
        return tuple(contacts)

    def _all_rows(self, bone: str, tissue: Tissue) -> np.ndarray:
        """Every row of a bone's vertices (one array a bone, shared)."""
        if bone not in self._rows:
            self._rows[bone] = np.arange(len(tissue.points), dtype=np.int32)
        return self._rows[bone]

    def _bone_cubes(self, bone: str, tissue: Tissue) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A bone's vertices gathered in cubes (:func:`clusters`): the cubes' centres and
        radii, and each vertex's cube; and its :class:`BoneGrid` (made once a bone)."""
        if bone not in self._cubes:
            (centres, radii), members = clusters(tissue.points)
            self._cubes[bone] = (centres, radii, members)
            self._grids[bone] = BoneGrid.of(tissue)
        return self._cubes[bone]

    def cleared(
        self,
        rest: np.ndarray,
        contacts: tuple[Contact, ...],
        points: np.ndarray,
        transforms: dict[str, np.ndarray],
    ) -> np.ndarray:
        """``points`` (a nerve's, posed) with every point carried nearer a bone than it may be
        put back out along the bone's normal, the nerve around it moved with it (twice: the
        nerve moved off one bone may have been carried against another)."""
        for _ in range(2):
            pushes = self._pushes(rest, contacts, points, transforms)
            pushed = np.flatnonzero(pushes.any(axis=1))
            if not len(pushed):
                break
            # Around each point put back, the nerve goes with it (the largest push that reaches).
            reach = 1.0 - squared_distances(rest, rest[pushed]) / CONTACT_SPREAD_MM**2
            fade = np.clip(reach, 0.0, 1.0) ** 2 * np.linalg.norm(pushes[pushed], axis=1)
            strongest = fade.argmax(axis=1)
            share = np.clip(reach[np.arange(len(points)), strongest], 0.0, 1.0) ** 2
            moves = share[:, None] * pushes[pushed[strongest]]
            # A point put back goes at least as far out as its own push (a larger one nearby
            # may have pointed elsewhere).
            own = pushes[pushed]
            length = np.linalg.norm(own, axis=1)
            covered = (moves[pushed] * own).sum(axis=1) / length
            moves[pushed] += np.maximum(length - covered, 0.0)[:, None] * own / length[:, None]
            points = points + moves
        return points

    def _pushes(
        self,
        rest: np.ndarray,
        contacts: tuple[Contact, ...],
        points: np.ndarray,
        transforms: dict[str, np.ndarray],
    ) -> np.ndarray:
        """For each of a nerve's ``points``, the move (world mm) that takes it back to the
        nearest it may be to the bones it meets (zero for most)."""
        pushes = np.zeros_like(points)
        # Each point in the frame of each bone's segment, and how far it moved there from rest.
        frames: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for segment in {contact.segment for contact in contacts}:
            placed = transforms[segment]
            local = (points - placed[:3, 3]) @ placed[:3, :3]
            frames[segment] = local, np.sqrt(((local - rest) ** 2).sum(axis=1))
        for contact in contacts:
            placed = transforms[contact.segment]
            local, moved = (whole[contact.index] for whole in frames[contact.segment])
            floor = np.minimum(contact.rest_distance, CLEAR_MM)
            # The distance changes no faster than the point moves: most points cannot be in.
            risky = np.flatnonzero(contact.rest_distance - moved < floor)
            if not len(risky):
                continue
            distance, normal = contact.nearest(risky, local[risky], moved[risky])
            need = floor[risky] - distance
            short = need > PUSH_MM
            if not short.any():
                continue
            push = (need[short, None] * normal[short]) @ placed[:3, :3].T
            at = contact.index[risky[short]]
            longer = np.linalg.norm(push, axis=1) > np.linalg.norm(pushes[at], axis=1)
            pushes[at[longer]] = push[longer]
        return pushes


def clusters(points: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Points gathered in cubes of :data:`CLUSTER_MM`: each cube's mean point and the
    radius about it that holds its points, and each point's cube."""
    centres, cube = cells(points, CLUSTER_MM)
    radii = np.zeros(len(centres))
    np.maximum.at(radii, cube, np.linalg.norm(points - centres[cube], axis=1))
    return (centres, radii), cube
