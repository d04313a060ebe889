"""Soft tissue that follows the bones: every vertex's share of each segment, computed once
from the rest shape, then any pose in a few array operations (numpy only).

- A bone moves rigidly with its segment; a disc blends its two vertebrae by height.
- Muscles, nerves and ligaments above the pelvis follow the spine level by level: a point
  beside L3 moves with L3, one between L3 and L4 with both in proportion (linear blend
  along the column, so the tissue bends with the spine instead of cutting across it).
- Tissue that crosses the front of the hip (psoas major, iliacus, the femoral nerve and the
  branches into the thigh) turns about the hip joint centre by a share of the hip's own
  rotation that grows from nothing at the pelvic brim to all of it at the lesser
  trochanter. Turning about the joint centre keeps every point's distance from it, so the
  tissue never sinks into the femoral head; where the arc between brim and trochanter
  closes (flexion) the tissue there thickens away from the head by as much as it shortens,
  so its volume is kept, as a muscle's is.
- A muscle that crosses the hip and the knee (the rectus femoris, from the pelvis to the
  patella) turns about the hip as above, by a share growing from nothing at its origin to
  all of it at the lesser trochanter's level, and with the patella as it glides on the
  femur by a share growing from nothing :data:`KNEE_BLEND_MM` above its lowest point to all
  of it there, where it reaches the patella: so it follows pelvis, femur and patella along
  its length, its tendon drawn down the front of the femur as the knee bends.
- A nerve slides with the tissue it lies in (:meth:`Deformer.nerve_skin`): where it runs in
  or on a muscle (psoas major, iliacus, quadratus lumborum; within 8 mm of its surface) it
  moves as that muscle does; elsewhere with the bones nearest it, the nearest most (inverse
  distance to the fourth power: a nerve along the iliac crest moves with the pelvis, not
  with the vertebrae 60 mm away; one in a foramen with the vertebrae above and below as near
  as it is to each). Below the obturator canal it passes into the thigh and turns with the
  femur, wholly from the lesser trochanter's level down where it is clear of the hip bone
  (the adductors' ground): within 11 mm of that bone it stays with it, from 31 mm it is
  free. Each point's weights are then averaged with its neighbours' along the nerve (a
  Gaussian of 10 mm), so that where a nerve passes from one tissue into another it bends
  rather than tears; a nerve keeps its calibre (it is not thickened in front of the hip as a
  muscle is). Without the rest surfaces (``tissue``) nerves follow the rules above.
- A nerve pressed against a bone slides along it instead of entering it (:class:`Contact`):
  where the blend carries a point nearer a bone than it lay at rest and closer than
  :data:`CLEAR_MM`, it is put back that far out along the bone's surface normal, and the
  nerve around it moves with it (fading over :data:`CONTACT_SPREAD_MM`), so it keeps its
  calibre. With every slider near an end of its range, the blend alone carried the
  obturator nerve below its canal 7 mm into the pubis (the thigh adducted, turned and
  flexed at once), the femoral nerve 7 mm into the ilium and a ramus of the plexus 1 mm
  into the L3 pedicle. Each pose costs a grid look-up for most points (:class:`BoneGrid`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from app.model.motion.kinematics import SEGMENTS, SIDES, SPINE, Pose, Rig, apply, disc_segments, segment_of

#: Soft tissue that crosses the front of the hip into the thigh (by id without its side).
CROSSES_HIP = (
    "psoas_major",
    "iliacus",
    "femoral_nerve",
    "genitofemoral_nerve",
    "lateral_femoral_cutaneous_nerve",
)
#: Muscles from the pelvis to the shank, across the front of the hip and of the knee.
CROSSES_HIP_AND_KNEE = ("rectus_femoris",)
#: Length of a two-joint muscle above its lowest point over which it comes to turn wholly
#: with the knee (mm).
KNEE_BLEND_MM = 80.0
#: Points spanning less than this (mm) are a few on a muscle, not its surface.
FEW_SPAN_MM = 100.0
#: How far above the patella's centre the rectus femoris' surface ends (mm), about.
PATELLA_TO_TENDON_MM = 24.0
#: Soft tissue attached to the pelvis alone (moves with it, and with the hip as above).
ON_PELVIS = ("iliacus", "inguinal_ligament")
#: Soft tissue whose lowest part is fixed to the iliac crest: it blends from the pelvis at
#: its lowest point up the spine (quadratus lumborum).
FROM_CREST = ("quadratus_lumborum",)
_INDEX = {segment: i for i, segment in enumerate(SEGMENTS)}
#: Muscles a nerve may run in, or on (within :data:`ON_MUSCLE_MM` of the surface).
HOSTS = ("psoas_major", "iliacus", "quadratus_lumborum")
ON_MUSCLE_MM = 8.0
#: A bone further than this from a nerve point does not move it (mm).
BONE_REACH_MM = 60.0
#: Tissue in the thigh within this of the hip bone stays with it, and goes with the femur
#: more the further it is, wholly from this much further (mm).
PELVIS_HOLDS_MM = 11.0
THIGH_FREE_MM = 20.0
#: Width of the average along a nerve (mm, the Gaussian's sigma), and the cell its points
#: are gathered in before it (mm).
ALONG_NERVE_MM = 10.0
_CELL_MM = 2.5
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
#: Point sets this small on a nerve have their skins kept (so many of them, oldest out).
_FEW, _FEW_KEPT = 64, 256


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
            _, nearest = _nearest_vertex(local[close[~few]], points[self.vertices], np.inf)
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
        shell = _grown(shell)  # a cube each way: every point within GRID_MM of the surface
        # Outside: flooded from the grid's corner through cubes off the shell.
        outside = np.zeros_like(shell)
        outside[0, 0, 0] = True
        while True:
            flooded = _grown(outside) & ~shell
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


def _grown(marked: np.ndarray) -> np.ndarray:
    """``marked`` grown by one cube in each direction along each axis (six neighbours)."""
    grown = marked.copy()
    grown[1:] |= marked[:-1]
    grown[:-1] |= marked[1:]
    grown[:, 1:] |= marked[:, :-1]
    grown[:, :-1] |= marked[:, 1:]
    grown[:, :, 1:] |= marked[:, :, :-1]
    grown[:, :, :-1] |= marked[:, :, 1:]
    return grown


@dataclass(frozen=True)
class Skin:
    """How one structure's vertices follow the segments (see the module docstring)."""

    structure_id: str
    rest: np.ndarray  # (N, 3)
    weights: np.ndarray  # (N, len(SEGMENTS)): each row sums to 1
    #: Side of the hip the tissue crosses, and each vertex's share of that hip's rotation.
    hip_side: str | None = None
    hip_share: np.ndarray | None = None
    #: A muscle's triangles (M, 3) and rest volume: its volume is kept in every pose.
    faces: np.ndarray | None = None
    volume: float = 0.0
    #: Whether it thickens where the arc in front of the hip closes (a muscle does; a
    #: nerve slides with what it lies in and keeps its calibre).
    thickens: bool = True
    #: Each vertex's share of its side's knee flexion (a muscle crossing the knee), or None.
    knee_share: np.ndarray | None = None
    #: A nerve's points near bones, kept out of them in every pose.
    contacts: tuple[Contact, ...] = ()

    @property
    def segments(self) -> tuple[str, ...]:
        """The segments whose placement moves this structure: a pose that leaves them all
        where they were leaves it where it was (a drawn surface need not be recomputed)."""
        used = {SEGMENTS[int(i)] for i in np.flatnonzero(self.weights.any(axis=0))}
        if self.hip_side is not None:
            used |= {"pelvis", f"femur_{self.hip_side}"}
            if self.knee_share is not None:
                used |= {f"patella_{self.hip_side}", f"tibia_{self.hip_side}"}
        used |= {contact.segment for contact in self.contacts}  # a bone that moves may press on it
        return tuple(sorted(used))

    @property
    def rigid_segment(self) -> str | None:
        """The one segment the structure moves with rigidly (a bone), or None."""
        used = np.flatnonzero(self.weights.any(axis=0))
        whole = len(used) == 1 and self.hip_side is None and self.knee_share is None
        return SEGMENTS[int(used[0])] if whole else None


def _side(structure_id: str) -> str | None:
    return next((s for s in SIDES if structure_id.endswith("_" + s)), None)


def _base(structure_id: str) -> str:
    side = _side(structure_id)
    return structure_id.removesuffix("_" + side) if side else structure_id


@dataclass(frozen=True)
class Tissue:
    """A rest surface a nerve can lie in or along: vertices (N, 3), unit normals (N, 3) and
    triangles (M, 3)."""

    points: np.ndarray
    normals: np.ndarray
    faces: np.ndarray

    @classmethod
    def of(cls, points: np.ndarray, faces: np.ndarray) -> Tissue:
        points, faces = np.asarray(points, dtype=float), np.asarray(faces)
        return cls(points, vertex_normals(points, faces), faces)

    def sampled(self, spacing: float) -> np.ndarray:
        """Points over every triangle no further apart than about ``spacing`` (mm): the
        vertices alone leave gaps where triangles are long (a femur's shaft)."""
        corners = self.points[self.faces]  # (M, 3, 3)
        longest = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max(axis=1)
        out = [self.points]
        for steps in np.unique(np.ceil(longest / spacing).astype(int)):
            if steps < 2:
                continue
            i, j = np.meshgrid(np.arange(steps + 1), np.arange(steps + 1), indexing="ij")
            keep = i + j <= steps
            weights = np.stack([i[keep], j[keep], steps - i[keep] - j[keep]], axis=1) / steps
            chosen = corners[np.ceil(longest / spacing).astype(int) == steps]
            out.append(np.einsum("kc,mcd->mkd", weights, chosen).reshape(-1, 3))
        return np.concatenate(out)


class Deformer:
    """Skins of structures for a rig, and their points in any pose."""

    def __init__(
        self,
        rig: Rig,
        landmarks: dict[str, tuple[float, float, float]],
        head_radii: dict[str, float] | None = None,
        tissue: dict[str, Tissue] | None = None,
        nerves: Collection[str] = (),
    ):
        self.rig = rig
        self.landmarks = landmarks
        #: Radius of each femoral head (mm; meshes/paths.json): tissue inside it is not thickened.
        self.head_radii = head_radii or {}
        #: Rest surfaces of the bones and of the muscles nerves run in (:data:`HOSTS`), by id.
        self.tissue = tissue or {}
        #: The nerves' ids (the build's nerves folder): each point follows the tissue it lies in.
        self.nerves = frozenset(nerves)
        #: Each bone's vertices in cubes (:meth:`_bone_cubes`).
        self._cubes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._grids: dict[str, BoneGrid] = {}
        self._rows: dict[str, np.ndarray] = {}
        #: Skins of a few points on a nerve (labels, marks: asked for again every frame).
        self._few_on_nerves: dict[tuple[str, bytes], Skin] = {}

    # weights
    def skin(self, structure_id: str, rest: np.ndarray, faces: np.ndarray | None = None) -> Skin:
        """How ``structure_id``'s rest vertices follow the segments; given a muscle's
        triangles (``faces``), its volume is kept too."""
        rest = np.asarray(rest, dtype=float)
        segment = segment_of(structure_id)
        if segment is not None:  # a bone: one row for all its vertices (a read-only view)
            one = np.zeros(len(SEGMENTS))
            one[_INDEX[segment]] = 1.0
            return Skin(structure_id, rest, np.broadcast_to(one, (len(rest), len(SEGMENTS))))
        weights = np.zeros((len(rest), len(SEGMENTS)))
        discs = disc_segments(structure_id)
        base = _base(structure_id)
        side = _side(structure_id)
        if discs is not None:
            upper, lower = discs
            low = self.rig.body_centres[lower]
            axis = self.rig.body_centres[upper] - low
            t = np.clip((rest - low) @ axis / (axis @ axis), 0.0, 1.0)
            weights[:, _INDEX[upper]] = t
            weights[:, _INDEX[lower]] += 1.0 - t
        elif structure_id in self.nerves and side is not None and self.tissue:
            if len(rest) > _FEW:
                return self.nerve_skin(structure_id, rest, side)
            key = (structure_id, rest.tobytes())
            if key not in self._few_on_nerves:
                if len(self._few_on_nerves) >= _FEW_KEPT:
                    self._few_on_nerves.pop(next(iter(self._few_on_nerves)))
                self._few_on_nerves[key] = self.nerve_skin(structure_id, rest, side)
            return self._few_on_nerves[key]
        elif base in CROSSES_HIP_AND_KNEE and side is not None:
            return self._two_joint_skin(structure_id, rest, side, faces)
        else:
            weights = self._soft_weights(base, rest, float(rest[:, 2].min()))
        volume = volume_of(rest, faces) if faces is not None else 0.0
        if base in CROSSES_HIP and side is not None:
            return Skin(structure_id, rest, weights, side, self._hip_share(rest, side), faces, volume)
        return Skin(structure_id, rest, weights, faces=faces, volume=volume)

    def _two_joint_skin(
        self, structure_id: str, rest: np.ndarray, side: str, faces: np.ndarray | None
    ) -> Skin:
        """A muscle from the pelvis across hip and knee to the shank (module docstring): on
        the pelvis, turned at the hip and at the knee by shares growing down its length."""
        weights = np.zeros((len(rest), len(SEGMENTS)))
        weights[:, _INDEX["pelvis"]] = 1.0
        z = rest[:, 2]
        top, bottom = float(z.max()), float(z.min())
        origin = self.landmarks.get(f"anterior_inferior_iliac_spine_{side}")
        patella = self.landmarks.get(f"patella_center_{side}")
        if top - bottom < FEW_SPAN_MM and origin is not None and patella is not None:
            # A few points on it (a site, a marked place): shared out along the whole muscle,
            # from its origin to the patella, not along themselves.
            top, bottom = max(top, float(origin[2])), min(bottom, float(patella[2]) + PATELLA_TO_TENDON_MM)
        trochanter = self.landmarks.get(f"lesser_trochanter_{side}")
        full_at = (
            trochanter[2] if trochanter is not None and bottom < trochanter[2] < top else (top + bottom) / 2
        )
        hip = _smooth((top - z) / (top - full_at))
        knee = _smooth((bottom + KNEE_BLEND_MM - z) / KNEE_BLEND_MM)
        volume = volume_of(rest, faces) if faces is not None else 0.0
        return Skin(structure_id, rest, weights, side, hip, faces, volume, thickens=False, knee_share=knee)

    def _soft_weights(self, base: str, points: np.ndarray, lowest: float) -> np.ndarray:
        """Weights of soft tissue ``base`` (an id without its side) at ``points``: on the
        pelvis, or along the spine from the pelvis up (from 10 mm above ``lowest``, the
        tissue's lowest point, where it is fixed to the crest)."""
        if base in ON_PELVIS:
            weights = np.zeros((len(points), len(SEGMENTS)))
            weights[:, _INDEX["pelvis"]] = 1.0
            return weights
        return self._along_spine(points[:, 2], lowest + 10.0 if base in FROM_CREST else None)

    def nerve_skin(self, structure_id: str, rest: np.ndarray, side: str) -> Skin:
        """A nerve's skin: each point moves with the tissue it lies in (module docstring)."""
        rest = np.asarray(rest, dtype=float)
        samples, _ = _cells(rest, _CELL_MM)
        weights = np.zeros((len(samples), len(SEGMENTS)))
        share = np.zeros(len(samples))
        # In or on a muscle: as the muscle moves there.
        hosted = np.zeros(len(samples), dtype=bool)
        best = np.full(len(samples), ON_MUSCLE_MM)
        for muscle in HOSTS:
            tissue = self.tissue.get(f"{muscle}_{side}")
            if tissue is None:
                continue
            signed = _signed_distance(samples, tissue, ON_MUSCLE_MM)
            closer = signed < best
            if not closer.any():
                continue
            best[closer] = signed[closer]
            hosted |= closer
            lowest = float(tissue.points[:, 2].min())
            weights[closer] = self._soft_weights(muscle, samples[closer], lowest)
            share[closer] = self._hip_share(samples[closer], side) if muscle in CROSSES_HIP else 0.0
        # Elsewhere: with the bones nearest it (the femur as the hip's whole turn).
        free = ~hosted
        if free.any():
            bone_weights, femur, clearance = self._near_bones(samples[free], side)
            weights[free] = bone_weights
            # In the thigh, clear of the hip bone (the adductors' ground), with the femur.
            clear = np.clip((clearance - PELVIS_HOLDS_MM) / THIGH_FREE_MM, 0.0, 1.0)
            share[free] = np.maximum(femur, self._thigh_share(samples[free], side) * clear)
        # Averaged along the nerve; the hip's share is a share of the pelvis' weight.
        on_hip = weights[:, _INDEX["pelvis"]] * share
        gauss = np.exp(-_squared_distances(rest, samples) / (2 * ALONG_NERVE_MM**2))
        gauss /= gauss.sum(axis=1, keepdims=True)
        weights, on_hip = gauss @ weights, gauss @ on_hip
        weights[weights < 0.01] = 0.0
        weights /= weights.sum(axis=1, keepdims=True)
        pelvis = weights[:, _INDEX["pelvis"]]
        vertex_share = np.clip(on_hip / np.maximum(pelvis, 1e-9), 0.0, 1.0) * (pelvis > 0)
        contacts = self._contacts(rest, weights, vertex_share, side)
        if not vertex_share.any():
            return Skin(structure_id, rest, weights, contacts=contacts)
        return Skin(structure_id, rest, weights, side, vertex_share, thickens=False, contacts=contacts)

    def _contacts(
        self, rest: np.ndarray, weights: np.ndarray, hip_share: np.ndarray, side: str
    ) -> tuple[Contact, ...]:
        """The bones each point of a nerve may be carried against: those within its reach
        at rest (:data:`CONTACT_REACH_MM`, more as it turns with the thigh) that it does not
        move rigidly with. Distances are first bounded between cubes of points and of the
        bone's vertices; only points that near a bone are measured to a vertex."""
        cubes, cube = _clusters(rest)
        contacts = []
        for bone, tissue in self.tissue.items():
            segment = segment_of(bone)
            if segment is None or (segment.startswith("femur_") and segment != f"femur_{side}"):
                continue
            rigid = weights[:, _INDEX[segment]] > 1.0 - 1e-9
            if segment == "pelvis":
                rigid &= hip_share == 0
            # A point that turns with the thigh can travel far against the hip bone: its reach
            # grows with its share of the hip's turn.
            reach = CONTACT_REACH_MM + HIP_REACH_MM * hip_share
            centres, radii, members = self._bone_cubes(bone, tissue)
            apart = np.sqrt(_squared_distances(cubes[0], centres))  # (point cubes, bone cubes)
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
            vertices = (
                np.flatnonzero(met[members]).astype(np.int32)
                if len(rest) > _FEW
                else self._all_rows(bone, tissue)
            )
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
                squared = _squared_distances(rest[index[chunk]], points)
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
        """A bone's vertices gathered in cubes (:func:`_clusters`): the cubes' centres and
        radii, and each vertex's cube; and its :class:`BoneGrid` (made once a bone)."""
        if bone not in self._cubes:
            (centres, radii), members = _clusters(tissue.points)
            self._cubes[bone] = (centres, radii, members)
            self._grids[bone] = BoneGrid.of(tissue)
        return self._cubes[bone]

    def _near_bones(self, points: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights (N, segments) of the bones near ``points``, by inverse distance to the
        fourth power, the femur's counted as the pelvis'; the femur's part of them; and
        each point's distance from the pelvis (mm)."""
        nearest = np.full((len(points), len(SEGMENTS)), np.inf)
        for bone, tissue in self.tissue.items():
            segment = segment_of(bone)
            if segment is None or (segment.startswith("femur_") and segment != f"femur_{side}"):
                continue
            column = _INDEX[segment]
            nearest[:, column] = np.minimum(
                nearest[:, column], _distance(points, tissue.points, BONE_REACH_MM)
            )
        raw = np.where(np.isfinite(nearest), 1.0 / np.maximum(nearest, 1.0) ** 4, 0.0)
        total = raw.sum(axis=1)
        lost = total == 0  # nothing near: with the pelvis
        raw[lost, _INDEX["pelvis"]] = 1.0
        raw /= raw.sum(axis=1, keepdims=True)
        femur = raw[:, _INDEX[f"femur_{side}"]].copy()
        raw[:, _INDEX["pelvis"]] += femur
        raw[:, _INDEX[f"femur_{side}"]] = 0.0
        pelvis = raw[:, _INDEX["pelvis"]]
        clearance = nearest[:, _INDEX["pelvis"]]
        return raw, np.where(pelvis > 0, femur / np.maximum(pelvis, 1e-12), 0.0), clearance

    def _thigh_share(self, points: np.ndarray, side: str) -> np.ndarray:
        """Share of the hip's turn of tissue in the thigh: none above the obturator canal
        (where the obturator nerve leaves the pelvis), all of it from the lesser
        trochanter's level down, smoothly between."""
        canal = self.landmarks.get(f"obturator_canal_{side}")
        trochanter = self.landmarks.get(f"lesser_trochanter_{side}")
        if canal is None or trochanter is None or canal[2] <= trochanter[2]:
            return np.zeros(len(points))
        t = np.clip((canal[2] - points[:, 2]) / (canal[2] - trochanter[2]), 0.0, 1.0)
        return t * t * (3 - 2 * t)

    def _along_spine(self, z: np.ndarray, floor: float | None) -> np.ndarray:
        """Weights blending the segments by height: the pelvis up to ``floor`` (default: the
        S1 endplate), then each vertebra at the height of its body's centre."""
        knots = [("pelvis", floor if floor is not None else float(self.rig.body_centres["pelvis"][2]))]
        for vertebra, _ in SPINE:
            height = float(self.rig.body_centres[vertebra][2])
            if height > knots[-1][1] + 1.0:
                knots.append((vertebra, height))
        heights = np.array([h for _, h in knots])
        weights = np.zeros((len(z), len(SEGMENTS)))
        for i, (segment, _) in enumerate(knots):
            hat = np.zeros(len(knots))
            hat[i] = 1.0
            weights[:, _INDEX[segment]] = np.interp(z, heights, hat)  # flat beyond the ends
        return weights

    def _angle(self, points: np.ndarray, side: str) -> np.ndarray:
        """Angle (radians) of points about the hip's mediolateral axis: 0 in front of the
        joint centre, + above, - below."""
        rel = points - np.asarray(self.landmarks[f"hip_joint_center_{side}"])
        return np.arctan2(rel[:, 2], rel[:, 1])

    def hip_span(self, side: str) -> tuple[float, float]:
        """Angles of the pelvic brim (where the hip's share starts) and of the lesser
        trochanter (where the tissue moves wholly with the femur)."""
        brim, trochanter = self._angle(
            np.array(
                [self.landmarks[f"iliopubic_eminence_{side}"], self.landmarks[f"lesser_trochanter_{side}"]]
            ),
            side,
        )
        return float(brim), float(trochanter)

    def _hip_share(self, rest: np.ndarray, side: str) -> np.ndarray:
        brim, trochanter = self.hip_span(side)
        angle = self._angle(rest, side)
        return np.clip((brim - angle) / (brim - trochanter), 0.0, 1.0)

    # posing
    def posed(self, skin: Skin, pose: Pose, transforms: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """The structure's vertices in ``pose`` (N, 3)."""
        transforms = transforms or self.rig.transforms(pose)
        if skin.rigid_segment is not None:  # one matrix product
            return apply(transforms[skin.rigid_segment], skin.rest)
        on_pelvis = skin.rest
        if skin.knee_share is not None and skin.hip_side is not None:
            on_pelvis = self._turned_at_knee(skin.rest, skin.knee_share, skin.hip_side, pose)
        if skin.hip_side is not None and skin.hip_share is not None:
            on_pelvis = self._turned_at_hip(skin, transforms, on_pelvis)
        out = np.zeros_like(skin.rest)
        for index in np.flatnonzero(skin.weights.any(axis=0)):
            segment = SEGMENTS[index]
            source = on_pelvis if segment == "pelvis" else skin.rest
            out += skin.weights[:, index, None] * apply(transforms[segment], source)
        if skin.faces is not None and skin.volume > 0:
            out = _keep_volume(out, skin.faces, skin.volume)
        if skin.contacts:
            out = self._clear_of_bone(skin, out, transforms)
        return out

    def _clear_of_bone(self, skin: Skin, points: np.ndarray, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """``points`` (a nerve's, posed) with every point carried nearer a bone than it may be
        put back out along the bone's normal, the nerve around it moved with it (twice: the
        nerve moved off one bone may have been carried against another)."""
        for _ in range(2):
            pushes = self._pushes(skin, points, transforms)
            pushed = np.flatnonzero(pushes.any(axis=1))
            if not len(pushed):
                break
            # Around each point put back, the nerve goes with it (the largest push that reaches).
            reach = 1.0 - _squared_distances(skin.rest, skin.rest[pushed]) / CONTACT_SPREAD_MM**2
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

    def _pushes(self, skin: Skin, points: np.ndarray, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """For each of a nerve's ``points``, the move (world mm) that takes it back to the
        nearest it may be to the bones it meets (zero for most)."""
        pushes = np.zeros_like(points)
        # Each point in the frame of each bone's segment, and how far it moved there from rest.
        frames: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for segment in {contact.segment for contact in skin.contacts}:
            placed = transforms[segment]
            local = (points - placed[:3, 3]) @ placed[:3, :3]
            frames[segment] = local, np.sqrt(((local - skin.rest) ** 2).sum(axis=1))
        for contact in skin.contacts:
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

    def _turned_at_knee(self, points: np.ndarray, share: np.ndarray, side: str, pose: Pose) -> np.ndarray:
        """Points (in the femur's frame) moved by their share of the patella's glide on the
        femur; as they are where the rig has no knee."""
        if f"knee_flexion_{side}" not in self.rig.hinges or pose[f"knee_flexion_{side}"] == 0.0:
            return points
        glided = apply(self.rig.patella_glide(pose, side), points)
        return points + share[:, None] * (glided - points)

    def _turned_at_hip(
        self, skin: Skin, transforms: dict[str, np.ndarray], points: np.ndarray | None = None
    ) -> np.ndarray:
        """Rest points (or ``points``, where the knee has turned them) turned about the hip
        centre by their share of the hip's own rotation (the femur's against the pelvis),
        thickened where the brim-to-trochanter arc closes."""
        assert skin.hip_side is not None and skin.hip_share is not None
        points = skin.rest if points is None else points
        side = skin.hip_side
        relative = transforms["pelvis"][:3, :3].T @ transforms[f"femur_{side}"][:3, :3]
        angle = float(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1.0, 1.0)))
        if angle < 1e-9:
            return points
        axis = np.array(
            [
                relative[2, 1] - relative[1, 2],
                relative[0, 2] - relative[2, 0],
                relative[1, 0] - relative[0, 1],
            ]
        )
        axis /= np.linalg.norm(axis)
        centre = np.asarray(self.landmarks[f"hip_joint_center_{side}"], dtype=float)
        rel = points - centre
        share = skin.hip_share
        # Thicken: the arc between brim and trochanter shrinks by the flexion part of the turn.
        brim, trochanter = self.hip_span(side)
        flexion = angle * axis[0]  # about +x (both sides flex about +x)
        shortening = flexion / (brim - trochanter)  # of the arc between brim and trochanter
        inside = (share > 0) & (share < 1)
        if skin.thickens and shortening > 1e-3 and inside.any():
            # Spread as 2 sin^2(pi share), whose mean over the arc is 1: no step at its ends.
            bump = 2 * np.sin(np.pi * share[inside]) ** 2
            compression = np.clip(1.0 - shortening * bump, 0.25, 1.0)
            rel = rel.copy()
            radial = rel[inside][:, 1:]
            r = np.linalg.norm(radial, axis=1)
            head = self.head_radii.get(side, 0.0)
            grow = np.sqrt(np.maximum(head**2 + (r**2 - head**2) / compression, 0.0))
            scale = np.where(r > head, grow / np.maximum(r, 1e-9), 1.0)
            rel[inside, 1:] = radial * scale[:, None]
        return centre + _turned(rel, axis, share * angle)


def _turned(rel: np.ndarray, axis: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Points (N, 3) about the origin turned about the unit ``axis`` by each one's angle
    (radians): Rodrigues' formula with a per-vertex angle."""
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    dot = (rel @ axis)[:, None]
    return rel * cos + _cross(axis, rel) * sin + axis * dot * (1 - cos)


def _smooth(t: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, smoothly between (smoothstep)."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _clusters(points: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Points gathered in cubes of :data:`CLUSTER_MM`: each cube's mean point and the
    radius about it that holds its points, and each point's cube."""
    centres, cube = _cells(points, CLUSTER_MM)
    radii = np.zeros(len(centres))
    np.maximum.at(radii, cube, np.linalg.norm(points - centres[cube], axis=1))
    return (centres, radii), cube


def _cells(points: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The mean point of each cube of ``size`` mm that holds points, and each point's cube."""
    _, index = np.unique(np.floor(points / size).astype(np.int64), axis=0, return_inverse=True)
    index = index.reshape(-1)
    count = np.bincount(index)
    means = np.stack([np.bincount(index, points[:, k]) for k in range(3)], axis=1) / count[:, None]
    return means, index


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) squared distances."""
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0.0)


def _nearest_vertex(points: np.ndarray, surface: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to the surface's nearest vertex (inf beyond ``reach`` of its
    box), and that vertex."""
    distance = np.full(len(points), np.inf)
    vertex = np.zeros(len(points), dtype=np.int64)
    low, high = surface.min(axis=0) - reach, surface.max(axis=0) + reach
    near = np.flatnonzero(((points > low) & (points < high)).all(axis=1))
    for start in range(0, len(near), 512):
        chunk = near[start : start + 512]
        squared = _squared_distances(points[chunk], surface)
        vertex[chunk] = squared.argmin(axis=1)
        distance[chunk] = np.sqrt(squared[np.arange(len(chunk)), vertex[chunk]])
    return distance, vertex


def _distance(points: np.ndarray, surface: np.ndarray, reach: float) -> np.ndarray:
    distance, _ = _nearest_vertex(points, surface, reach)
    return np.where(distance <= reach, distance, np.inf)


def _signed_distance(points: np.ndarray, tissue: Tissue, reach: float) -> np.ndarray:
    """Distance to the surface's nearest vertex, negative inside (behind its normal)."""
    distance, vertex = _nearest_vertex(points, tissue.points, reach)
    inward = np.isfinite(distance) & (
        ((points - tissue.points[vertex]) * tissue.normals[vertex]).sum(axis=1) < 0
    )
    return np.where(inward, -distance, distance)


def volume_of(points: np.ndarray, faces: np.ndarray, face_normals: np.ndarray | None = None) -> float:
    """Volume enclosed by a closed, outward-wound triangle mesh (divergence theorem: each
    triangle's first corner dotted with its :func:`_face_normals`, a sixth of their sum)."""
    normals = _face_normals(points, faces) if face_normals is None else face_normals
    return float(np.einsum("ij,ij->", points[faces[:, 0]], normals) / 6.0)


def _keep_volume(points: np.ndarray, faces: np.ndarray, volume: float) -> np.ndarray:
    """Move the surface along its normals by the thickness that restores ``volume``: what a
    stretched muscle loses in girth, a shortened one gains."""
    face_normals = _face_normals(points, faces)
    area = float(np.sqrt((face_normals**2).sum(axis=1)).sum() / 2)
    offset = (volume - volume_of(points, faces, face_normals)) / area if area > 0 else 0.0
    if abs(offset) < 1e-3:
        return points
    return points + offset * vertex_normals(points, faces, face_normals)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays, or of a vector with rows (np.cross spends
    most of its time arranging axes for arrays this small: a fifth of a playing frame)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1]
    out[..., 1] = a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2]
    out[..., 2] = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    return out


def _face_normals(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Each triangle's normal, twice its area long."""
    a, b, c = points[faces[:, 0]], points[faces[:, 1]], points[faces[:, 2]]
    return _cross(b - a, c - a)


def vertex_normals(
    points: np.ndarray, faces: np.ndarray, face_normals: np.ndarray | None = None
) -> np.ndarray:
    """Unit vertex normals: the area-weighted sum of the faces around each vertex."""
    if face_normals is None:
        face_normals = _face_normals(points, faces)
    normals = np.zeros_like(points)
    for corner in range(3):
        for axis in range(3):
            normals[:, axis] += np.bincount(faces[:, corner], face_normals[:, axis], minlength=len(points))
    return normals / np.maximum(np.sqrt((normals**2).sum(axis=1))[:, None], 1e-12)
