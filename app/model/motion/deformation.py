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
- A nerve pressed against a bone slides along it instead of entering it (:mod:`.contact`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from app.model.motion.contact import BoneContacts, Contact
from app.model.motion.kinematics import (
    SEGMENT_INDEX,
    SEGMENTS,
    SIDES,
    SPINE,
    Pose,
    Rig,
    apply,
    disc_segments,
    segment_of,
)
from app.model.motion.surfaces import (
    Tissue,
    cells,
    cross,
    distance_to,
    keep_volume,
    signed_distance,
    squared_distances,
    volume_of,
)

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
#: Point sets this small on a nerve have their skins kept (so many of them, oldest out).
_FEW, _FEW_KEPT = 64, 256


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
        #: Where nerves meet the bones, and how they are put back out of them.
        self.contacts = BoneContacts(self.tissue)
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
            one[SEGMENT_INDEX[segment]] = 1.0
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
            weights[:, SEGMENT_INDEX[upper]] = t
            weights[:, SEGMENT_INDEX[lower]] += 1.0 - t
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
        weights[:, SEGMENT_INDEX["pelvis"]] = 1.0
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
            weights[:, SEGMENT_INDEX["pelvis"]] = 1.0
            return weights
        return self._along_spine(points[:, 2], lowest + 10.0 if base in FROM_CREST else None)

    def nerve_skin(self, structure_id: str, rest: np.ndarray, side: str) -> Skin:
        """A nerve's skin: each point moves with the tissue it lies in (module docstring)."""
        rest = np.asarray(rest, dtype=float)
        samples, _ = cells(rest, _CELL_MM)
        weights = np.zeros((len(samples), len(SEGMENTS)))
        share = np.zeros(len(samples))
        # In or on a muscle: as the muscle moves there.
        hosted = np.zeros(len(samples), dtype=bool)
        best = np.full(len(samples), ON_MUSCLE_MM)
        for muscle in HOSTS:
            tissue = self.tissue.get(f"{muscle}_{side}")
            if tissue is None:
                continue
            signed = signed_distance(samples, tissue, ON_MUSCLE_MM)
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
        on_hip = weights[:, SEGMENT_INDEX["pelvis"]] * share
        gauss = np.exp(-squared_distances(rest, samples) / (2 * ALONG_NERVE_MM**2))
        gauss /= gauss.sum(axis=1, keepdims=True)
        weights, on_hip = gauss @ weights, gauss @ on_hip
        weights[weights < 0.01] = 0.0
        weights /= weights.sum(axis=1, keepdims=True)
        pelvis = weights[:, SEGMENT_INDEX["pelvis"]]
        vertex_share = np.clip(on_hip / np.maximum(pelvis, 1e-9), 0.0, 1.0) * (pelvis > 0)
        contacts = self.contacts.of(rest, weights, vertex_share, side, few=len(rest) <= _FEW)
        if not vertex_share.any():
            return Skin(structure_id, rest, weights, contacts=contacts)
        return Skin(structure_id, rest, weights, side, vertex_share, thickens=False, contacts=contacts)

    def _near_bones(self, points: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights (N, segments) of the bones near ``points``, by inverse distance to the
        fourth power, the femur's counted as the pelvis'; the femur's part of them; and
        each point's distance from the pelvis (mm)."""
        nearest = np.full((len(points), len(SEGMENTS)), np.inf)
        for bone, tissue in self.tissue.items():
            segment = segment_of(bone)
            if segment is None or (segment.startswith("femur_") and segment != f"femur_{side}"):
                continue
            column = SEGMENT_INDEX[segment]
            nearest[:, column] = np.minimum(
                nearest[:, column], distance_to(points, tissue.points, BONE_REACH_MM)
            )
        raw = np.where(np.isfinite(nearest), 1.0 / np.maximum(nearest, 1.0) ** 4, 0.0)
        total = raw.sum(axis=1)
        lost = total == 0  # nothing near: with the pelvis
        raw[lost, SEGMENT_INDEX["pelvis"]] = 1.0
        raw /= raw.sum(axis=1, keepdims=True)
        femur = raw[:, SEGMENT_INDEX[f"femur_{side}"]].copy()
        raw[:, SEGMENT_INDEX["pelvis"]] += femur
        raw[:, SEGMENT_INDEX[f"femur_{side}"]] = 0.0
        pelvis = raw[:, SEGMENT_INDEX["pelvis"]]
        clearance = nearest[:, SEGMENT_INDEX["pelvis"]]
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
            weights[:, SEGMENT_INDEX[segment]] = np.interp(z, heights, hat)  # flat beyond the ends
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
            out = keep_volume(out, skin.faces, skin.volume)
        if skin.contacts:
            out = self.contacts.cleared(skin.rest, skin.contacts, out, transforms)
        return out

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
    return rel * cos + cross(axis, rel) * sin + axis * dot * (1 - cos)


def _smooth(t: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, smoothly between (smoothstep)."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)
