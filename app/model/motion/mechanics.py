"""Musculotendon length and moment arms of the iliopsoas and the other muscles with a path
(the psoas minor, the quadratus lumborum, the rectus femoris across hip and knee) in any
pose, as OpenSim and MuJoCo compute them: along each fascicle's path of knots fixed to bones
(origin, via points, insertion), wrapping over the femoral head where the straight line
would cut through it.

The paths come from the mesh build (``meshes/paths.json``: the leg model's via points,
Rajagopal et al. 2016; the psoas' eleven fascicles as the lumbar model of Christophy et al.
2012 has them, named as there, ``Ps_L1_VB`` ... ``Ps_L5_VB``, from their origins on the
vertebrae to its pelvic via point, then on the leg model's path). A muscle with no path there but
with one origin and insertions on bones (the quadratus lumborum) gets straight fascicles from
its origin to each insertion (:func:`fascicles_between`). A muscle's length is the mean of
its fascicles'; its moment arm about a joint is minus the derivative of that length with
respect to the joint angle (the principle of virtual work), in mm.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from app.model.anatomy.landmarks import Attachment, _line_of, _point, _read_json
from app.model.io.documents import Problem, one_line
from app.model.motion.kinematics import JOINTS, SIDES, Pose, Rig, disc_segments, segment_of

#: Clearance of the wrapped tendon over the femoral head's bone (mm): cartilage, capsule and
#: the tendon's own half-thickness.
WRAP_CLEARANCE_MM = 4.0
#: Step of the numerical derivative for moment arms (degrees).
MOMENT_ARM_STEP_DEG = 1.0
#: Angles a length curve samples over a joint's range (the Motion panel's plot): every 5°
#: of hip flexion; one curve costs about 30 lengths.
CURVE_SAMPLES = 31
#: Poses whose lengths are remembered: the readout, the colours by length change and the
#: plot's marker all ask for the current pose's in the same frame.
REMEMBERED_POSES = 8


@dataclass(frozen=True)
class Knot:
    bone: str
    point: np.ndarray


@dataclass(frozen=True)
class Fascicle:
    name: str
    knots: tuple[Knot, ...]
    #: Index of the knot after which the path may wrap over the femoral head (or None).
    wrap: int | None = None
    #: The origin's anatomical name where ``name`` is a model's (``Ps_L1_VB``: "L1 body").
    origin: str = ""

    @cached_property
    def points(self) -> np.ndarray:
        """The knots' rest positions, (n, 3)."""
        return np.array([knot.point for knot in self.knots])

    @cached_property
    def segments(self) -> tuple[tuple[str, str], ...]:
        """The two segments each knot moves with: a bone's twice, a disc's upper and lower."""
        out = []
        for knot in self.knots:
            segment = segment_of(knot.bone)
            out.append(
                (segment, segment)
                if segment is not None
                else disc_segments(knot.bone) or ("pelvis", "pelvis")
            )
        return tuple(out)


@dataclass(frozen=True)
class Curve:
    """Each muscle's length (mm) over one joint's angles (degrees), the others held."""

    joint: str
    angles: np.ndarray
    lengths: dict[str, np.ndarray]


@dataclass
class Paths:
    """Every muscle's fascicles and the femoral heads they wrap over."""

    muscles: dict[str, list[Fascicle]] = field(default_factory=dict)
    heads: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)


def load_paths(path: Path) -> tuple[Paths, list[Problem]]:
    """The fascicle paths of ``meshes/paths.json``; a bad muscle is reported and left out."""
    path = Path(path)
    document, text, errors = _read_json(path, "muscles")
    out = Paths()
    if document is None:
        return out, errors
    heads = document.get("femoral_heads") or {}
    if not isinstance(heads, dict):
        errors.append(Problem(path, _line_of(text, '"femoral_heads"'), "'femoral_heads' must map sides"))
        heads = {}
    for side, head in heads.items():
        centre = _point(head.get("centre")) if isinstance(head, dict) else None
        radius = head.get("radius") if isinstance(head, dict) else None
        if side in SIDES and centre and isinstance(radius, int | float) and 5 < radius < 60:
            out.heads[side] = (np.array(centre), float(radius))
        else:
            message = f"femoral head '{one_line(side)}': expected centre [x, y, z] and radius in mm"
            errors.append(Problem(path, _line_of(text, json.dumps(side)), message))
    data = document["muscles"]
    if not isinstance(data, dict):
        return out, [*errors, Problem(path, 1, "'muscles' must map muscle ids to fascicles")]
    for muscle, fascicles in data.items():
        parsed = [_fascicle(f) for f in fascicles] if isinstance(fascicles, list) and fascicles else [None]
        if any(f is None for f in parsed):
            expected = "fascicles with a name and knots [{bone, point}, ...]"
            message = f"muscle '{one_line(muscle)}': expected {expected}"
            errors.append(Problem(path, _line_of(text, json.dumps(muscle)), message))
            continue
        out.muscles[str(muscle)] = [f for f in parsed if f is not None]
    return out, errors


def _fascicle(entry: object) -> Fascicle | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    raw = entry.get("knots")
    if not isinstance(raw, list) or len(raw) < 2:
        return None
    knots = []
    for k in raw:
        point = _point(k.get("point")) if isinstance(k, dict) else None
        bone = k.get("bone") if isinstance(k, dict) else None
        if (
            point is None
            or not isinstance(bone, str)
            or (segment_of(bone) is None and disc_segments(bone) is None)
        ):
            return None
        knots.append(Knot(bone, np.array(point)))
    wrap = entry.get("wrap")
    if wrap is not None and (
        not isinstance(wrap, int) or isinstance(wrap, bool) or not 0 <= wrap < len(knots) - 1
    ):
        return None
    origin = entry.get("origin", "")
    if not isinstance(origin, str):
        return None
    return Fascicle(entry["name"], tuple(knots), wrap, origin)


def fascicles_between(origin: Attachment, insertions: list[Attachment]) -> list[Fascicle]:
    """Straight fascicles from the middle of a muscle's origin to the middle of each of its
    insertions, each knot fixed to its bone. For the quadratus lumborum: the iliocostal
    fascicles (iliac crest to the 12th rib) and the iliolumbar ones (crest to the transverse
    processes), two of its three groups (Phillips, Mercer and Bogduk 2008, "Anatomy and
    biomechanics of quadratus lumborum", Proc Inst Mech Eng H 222:151-159); the third, the
    lumbocostal, joins two of its insertions and is left out."""
    start = Knot(origin.bone, np.asarray(origin.points, dtype=float).mean(axis=0))
    return [
        Fascicle(end.name, (start, Knot(end.bone, np.asarray(end.points, dtype=float).mean(axis=0))))
        for end in insertions
    ]


def paths_from_attachments(paths: Paths, attachments: list[Attachment]) -> None:
    """Give each muscle with no path, one origin and insertions on bones that move (a
    rib, a vertebra, the pelvis: not a disc) the fascicles between them, in ``paths``."""
    by_muscle: dict[str, list[Attachment]] = {}
    for attachment in attachments:
        by_muscle.setdefault(attachment.muscle, []).append(attachment)
    for muscle, sites in by_muscle.items():
        origins = [a for a in sites if a.role == "origin"]
        insertions = [a for a in sites if a.role == "insertion" and segment_of(a.bone) is not None]
        if muscle in paths.muscles or len(origins) != 1 or segment_of(origins[0].bone) is None:
            continue
        if insertions:
            paths.muscles[muscle] = fascicles_between(origins[0], insertions)


def wrapped_length(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float) -> float:
    """Shortest length from ``p`` to ``q`` that stays outside a sphere: the straight line if
    it misses the sphere, else tangent, great-circle arc, tangent (OpenSim's WrapSphere)."""
    d = q - p
    straight = float(np.linalg.norm(d))
    if straight == 0.0:
        return 0.0
    t = float(np.clip((centre - p) @ d / (straight * straight), 0.0, 1.0))
    if np.linalg.norm(p + t * d - centre) >= radius:
        return straight
    dp, dq = float(np.linalg.norm(p - centre)), float(np.linalg.norm(q - centre))
    if dp <= radius or dq <= radius:  # an end inside the sphere: nothing to wrap around
        return straight
    angle = math.acos(float(np.clip((p - centre) @ (q - centre) / (dp * dq), -1.0, 1.0)))
    arc = angle - math.acos(radius / dp) - math.acos(radius / dq)
    if arc <= 0:
        return straight
    return math.sqrt(dp * dp - radius * radius) + math.sqrt(dq * dq - radius * radius) + radius * arc


class Mechanics:
    """Lengths and moment arms of the muscles with paths, for any pose of a rig."""

    def __init__(self, rig: Rig, paths: Paths):
        self.rig = rig
        self.paths = paths
        # The last few poses' lengths: the readout, the colours and the plot's marker ask
        # for the same pose in one frame.
        self._recent = lru_cache(maxsize=REMEMBERED_POSES)(self._measure)

    @property
    def muscles(self) -> list[str]:
        return list(self.paths.muscles)

    def knots(self, fascicle: Fascicle, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """The fascicle's knots placed by the segments' transforms (a disc's halfway between
        its two: the mean of the two transforms, as they are affine)."""
        pairs = fascicle.segments
        both = np.stack([transforms[upper] + transforms[lower] for upper, lower in pairs])
        return (np.einsum("kij,kj->ki", both[:, :3, :3], fascicle.points) + both[:, :3, 3]) / 2

    def fascicle_length(self, muscle: str, fascicle: Fascicle, transforms: dict[str, np.ndarray]) -> float:
        points = self.knots(fascicle, transforms)
        pieces = np.linalg.norm(np.diff(points, axis=0), axis=1)
        side = muscle.rsplit("_", 1)[-1]
        head = self.paths.heads.get(side)
        if fascicle.wrap is not None and head is not None:
            centre, radius = head
            # The femur turns about its head's centre, but the body may lie down: the centre
            # goes where the femur puts it.
            femur = transforms.get(f"femur_{side}")
            if femur is not None:
                centre = femur[:3, :3] @ centre + femur[:3, 3]
            i = fascicle.wrap
            pieces[i] = wrapped_length(points[i], points[i + 1], centre, radius + WRAP_CLEARANCE_MM)
        return float(pieces.sum())

    def length(self, muscle: str, pose: Pose, transforms: dict[str, np.ndarray] | None = None) -> float:
        """Musculotendon length (mm): the mean over the muscle's fascicles."""
        transforms = transforms or self.rig.transforms(pose)
        fascicles = self.paths.muscles[muscle]
        return sum(self.fascicle_length(muscle, f, transforms) for f in fascicles) / len(fascicles)

    def fascicle_lengths(self, muscle: str, pose: Pose) -> dict[str, float]:
        """Each of the muscle's fascicles' length (mm) in ``pose``, by name (the psoas': the
        lumbar model's, ``Ps_L1_VB`` ... ``Ps_L5_VB``)."""
        transforms = self.rig.transforms(pose)
        return {f.name: self.fascicle_length(muscle, f, transforms) for f in self.paths.muscles[muscle]}

    def fascicle_moment_arms(self, muscle: str, pose: Pose, joint: str) -> dict[str, float]:
        """Each fascicle's moment arm (mm) about ``joint``, by name: -dL/dθ as
        :meth:`moment_arm` takes it; their mean is the muscle's."""
        low, high = self._step(joint, pose)
        before = self.fascicle_lengths(muscle, pose.updated({joint: low}))
        after = self.fascicle_lengths(muscle, pose.updated({joint: high}))
        return {name: -(after[name] - before[name]) / math.radians(high - low) for name in before}

    def lengths(self, pose: Pose) -> dict[str, float]:
        """Every muscle's length (mm) in ``pose``; the last few poses' are remembered."""
        return dict(self._recent(pose))

    def _measure(self, pose: Pose) -> dict[str, float]:
        transforms = self.rig.transforms(pose)
        return {m: self.length(m, pose, transforms) for m in self.paths.muscles}

    @cached_property
    def neutral(self) -> dict[str, float]:
        """Every muscle's length (mm) standing in the rest position."""
        return self._measure(Pose())

    def length_changes(self, pose: Pose) -> dict[str, float]:
        """Every muscle's length change from neutral standing, in % of its neutral length:
        negative when it shortens."""
        return {m: 100 * (length / self.neutral[m] - 1) for m, length in self.lengths(pose).items()}

    def curve(self, joint: str, pose: Pose, samples: int = CURVE_SAMPLES) -> Curve:
        """Each muscle's length at ``samples`` angles evenly over ``joint``'s whole range, the
        other joints as in ``pose``: what the Motion panel plots."""
        spec = JOINTS[joint]
        angles = np.linspace(spec.lower, spec.upper, samples)
        rows = [self._measure(pose.updated({joint: float(angle)})) for angle in angles]
        return Curve(joint, angles, {m: np.array([row[m] for row in rows]) for m in self.paths.muscles})

    def moment_arm(self, muscle: str, pose: Pose, joint: str) -> float:
        """Moment arm (mm) about ``joint``: -dL/dθ, by a central difference inside the range."""
        low, high = self._step(joint, pose)
        before = self.length(muscle, pose.updated({joint: low}))
        after = self.length(muscle, pose.updated({joint: high}))
        return -(after - before) / math.radians(high - low)

    @staticmethod
    def _step(joint: str, pose: Pose) -> tuple[float, float]:
        """The two angles of a moment arm's central difference, inside the joint's range."""
        spec = JOINTS[joint]
        angle = pose[joint]
        return max(spec.lower, angle - MOMENT_ARM_STEP_DEG), min(spec.upper, angle + MOMENT_ARM_STEP_DEG)

    def hip_flexion_moment_arm(self, muscle: str, pose: Pose) -> float:
        side = muscle.rsplit("_", 1)[-1]
        return self.moment_arm(muscle, pose, f"hip_flexion_{side}")

    def crosses_knee(self, muscle: str) -> bool:
        """Whether a muscle's path reaches below the knee (the rectus femoris: to the patella,
        which moves with the tibia), so that knee flexion changes its length."""
        return any(pair[0].startswith("tibia_") for f in self.paths.muscles[muscle] for pair in f.segments)

    def knee_flexion_moment_arm(self, muscle: str, pose: Pose) -> float:
        """Moment arm (mm) about its side's knee: negative for an extensor (the rectus
        femoris lengthens as the knee flexes)."""
        side = muscle.rsplit("_", 1)[-1]
        return self.moment_arm(muscle, pose, f"knee_flexion_{side}")
