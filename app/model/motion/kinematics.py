"""Joints, poses and the rigid motion of every bone: the skeleton of the Motion panel.

Frame and units as everywhere (RAS mm, origin midway between the hip joint centres). The
segments are the pelvis (hip bones and sacrum), each femur, each shank (tibia, fibula and
patella), each foot and each vertebra, L5 up to T12 (the 12th ribs, and the trunk and arms
drawn as context above them, ride on T12). What moves what:

- ``pelvic_tilt`` turns the pelvis *and the spine on it* about the line through both hip
  joint centres while the thighs stay where they are: bending forward at the hips (the
  trunk fold) is anterior tilt;
- the hip joints turn each femur about its hip joint centre, in the room's frame, so the
  hip's own flexion is ``hip_flexion + pelvic_tilt``;
- the lumbar joints are spread over the six intervertebral joints T12/L1 ... L5/S1 by a
  segmental rhythm (published ranges of motion, ``annotations/motion.yaml``), each vertebra
  turning on the one below about its own joint centre (the middle of its disc);
- the knee turns the shank on its femur about the transepicondylar axis (the line through
  the femoral epicondyles, through the knee joint centre), and the ankle the foot on its
  shank about the line through the malleoli (through the ankle joint centre). Both are
  plain hinges: a simplification of the leg model's knee (Rajagopal et al. 2016), whose
  tibia also slides and turns a little with flexion (coupled translations) and whose
  patella glides on the femur; here the patella moves with the tibia. Without their
  landmarks (an older data set) the knees and ankles stay straight (:attr:`Rig.missing`).

Signs follow the issue and the clinical conventions: + hip flexion brings the thigh
forward, + adduction brings it toward the midline, + rotation is internal; + tilt is
anterior, + knee flexion brings the heel back, + ankle flexion is dorsiflexion (the toes
up), + lumbar flexion bends forward, + lateral bending bends to the subject's right, +
rotation turns the trunk to the right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from app.model.io.documents import did_you_mean
from app.model.motion.posture import CHAIR_POSE, POSTURES, STANDING, Placement, Support, body_turn, place

SIDES = ("right", "left")


@dataclass(frozen=True)
class Joint:
    """A joint angle the user can set (degrees) and its range."""

    name: str
    label: str
    lower: float
    upper: float
    meaning: str


def _leg_joints(side: str) -> tuple[Joint, ...]:
    # Ranges as in the leg model our femurs come from (Rajagopal et al. 2016; myo-sim's
    # myolegs: ankle_angle -40 to 30 deg), but the knee's: the leg model stops at 120 deg,
    # a knee flexes to about 140 (Roaas and Andersson 1982, Acta Orthop Scand 53:205-208,
    # men of 30-40: 143 deg on average), which kneeling and a squat need.
    title = side.capitalize()
    return (
        Joint(f"hip_flexion_{side}", f"{title} hip flexion", -30, 120, "+ thigh forward"),
        Joint(f"hip_adduction_{side}", f"{title} hip adduction", -50, 30, "+ toward the midline"),
        Joint(f"hip_rotation_{side}", f"{title} hip rotation", -40, 40, "+ internal"),
        Joint(f"knee_flexion_{side}", f"{title} knee flexion", 0, 140, "+ heel back"),
        Joint(f"ankle_flexion_{side}", f"{title} ankle flexion", -40, 30, "+ dorsiflexion (toes up)"),
    )


#: Every joint, in the order the Motion panel lists them. The lumbar ranges are the sums of
#: the segmental ranges in ``annotations/motion.yaml`` (rounded).
JOINTS: dict[str, Joint] = {
    j.name: j
    for j in (
        *_leg_joints("right"),
        *_leg_joints("left"),
        Joint("pelvic_tilt", "Pelvic tilt", -30, 90, "+ anterior (trunk folds forward)"),
        Joint("lumbar_flexion", "Lumbar flexion", -30, 60, "+ bending forward"),
        Joint("lumbar_lateral_bending", "Lumbar side bending", -30, 30, "+ toward the right"),
        Joint("lumbar_rotation", "Lumbar rotation", -10, 10, "+ turning to the right"),
        # Both arms together, straight, about the shoulders (the humeral heads): enough to
        # reach for the knees in a curl or rest the hands on the thighs; the arms are context.
        Joint("shoulder_flexion", "Shoulder flexion", -50, 180, "+ both arms forward and up"),
    )
}

#: The lumbar motions and the segmental rhythm's keys for them.
LUMBAR_MOTIONS = {
    "lumbar_flexion": "flexion",
    "lumbar_lateral_bending": "lateral_bending",
    "lumbar_rotation": "rotation",
}
#: Vertebrae from the sacrum up, each with the intervertebral joint below it.
SPINE = (
    ("vertebra_l5", "l5_s1"),
    ("vertebra_l4", "l4_l5"),
    ("vertebra_l3", "l3_l4"),
    ("vertebra_l2", "l2_l3"),
    ("vertebra_l1", "l1_l2"),
    ("vertebra_t12", "t12_l1"),
)
#: The joints a rig turns only when its landmarks place them (:attr:`Rig.missing`).
LOWER_LEG_JOINTS = tuple(f"{joint}_{side}" for side in SIDES for joint in ("knee_flexion", "ankle_flexion"))
SEGMENTS = (
    "pelvis",
    "femur_right",
    "femur_left",
    *(v for v, _ in SPINE),
    "tibia_right",
    "tibia_left",
    "foot_right",
    "foot_left",
    "patella_right",
    "patella_left",
    "arm_right",
    "arm_left",
)
#: Each segment's column in a skin's weights (its place in :data:`SEGMENTS`).
SEGMENT_INDEX = {segment: i for i, segment in enumerate(SEGMENTS)}
#: How the patella glides on the femur with the knee angle q (radians): its forward and
#: upward shift (m) and its turn (radians, - as the knee flexes) in the femur's frame, as
#: polynomials in q (lowest power first): the leg model's patellofemoral coupling
#: (Rajagopal et al. 2016, IEEE Trans Biomed Eng 63:2068-79; myo-sim's ``myolegs``
#: equality constraints ``knee_angle_beta_translation1/2`` and ``knee_angle_beta_rotation1``).
PATELLA_GLIDE = {
    "forward": (0.0524192, -0.0150188, -0.0340522, 0.0133393, -0.000879151),
    "up": (-0.0108281, -0.0487847, 0.00927644, 0.0131673, -0.00349673),
    "turn": (0.010506, 0.0247615, -1.31647, 0.716337, -0.138302),
}
#: Where the leg model's patella frame lies from the patella's centre (mm; back, down): the
#: point it turns about.
PATELLA_ORIGIN_FROM_CENTRE = np.array([0.0, -1.2, -25.9])
#: The bones drawn as context above the lumbar spine: they ride on T12, as the 12th ribs do
#: (ids, or the start of sided ids).
UPPER_BODY = (
    "rib_cage",
    "sternum",
    "thoracic_spine",
    "cervical_spine",
    "skull",
    "clavicle_",
    "scapula_",
)
#: The bones of each upper limb: they turn together about the shoulder (``arm_{side}``).
ARM_BONES = ("humerus_", "radius_", "ulna_", "hand_")


class PoseError(ValueError):
    """An unknown joint or an angle out of its range (the message names which)."""


@dataclass(frozen=True)
class Pose:
    """Joint angles in degrees (a joint not named is at 0) and the posture they are taken in
    (:mod:`.posture`: standing, lying on a table...); neutral is standing upright."""

    angles: tuple[tuple[str, float], ...] = ()
    posture: str = STANDING

    @classmethod
    def of(cls, angles: Mapping[str, float] | Iterable[tuple[str, float]], posture: str = STANDING) -> Pose:
        """A checked pose: every joint known, every angle finite and within its range, the
        posture one of :data:`~.posture.POSTURES`."""
        items = dict(angles.items() if isinstance(angles, Mapping) else angles)
        for name, value in items.items():
            check_angle(name, value)
        check_posture(posture)
        return cls(tuple(sorted((k, float(v)) for k, v in items.items() if float(v) != 0.0)), posture)

    def __getitem__(self, joint: str) -> float:
        return dict(self.angles).get(joint, 0.0)

    def as_dict(self) -> dict[str, float]:
        return dict(self.angles)

    def updated(self, angles: Mapping[str, float]) -> Pose:
        """This pose with ``angles`` set (later ones win), in the same posture."""
        return Pose.of({**self.as_dict(), **angles}, self.posture)

    def in_posture(self, posture: str) -> Pose:
        """The same angles taken in another posture."""
        return Pose.of(self.angles, posture)

    @property
    def neutral(self) -> bool:
        return not self.angles and self.posture == STANDING

    def hip_flexion(self, side: str) -> float:
        """The hip's own flexion: the thigh's against the pelvis (tilt counts)."""
        return self[f"hip_flexion_{side}"] + self["pelvic_tilt"]

    def specs(self) -> tuple[str, ...]:
        """The pose as ``JOINT=DEG`` specs (and ``posture=NAME`` unless standing), as lessons,
        bookmarks and the command line write it."""
        posture = () if self.posture == STANDING else (f"posture={self.posture}",)
        return (*posture, *(f"{k}={_degrees(v)}" for k, v in self.angles))

    def describe(self) -> str:
        return ", ".join(self.specs()) or "neutral"

    def towards(self, other: Pose, fraction: float) -> Pose:
        """The pose ``fraction`` (0 to 1) of the way to ``other``, every joint turning at
        once: joint angles blend linearly, so each joint stays within its range. The body
        takes ``other``'s posture from the start (it lies down, then moves)."""
        f = min(1.0, max(0.0, float(fraction)))
        joints = {*self.as_dict(), *other.as_dict()}
        return Pose.of({j: self[j] + (other[j] - self[j]) * f for j in joints}, other.posture)


def _degrees(value: float) -> str:
    """An angle as people write it (``90``, ``12.5``), exact when it needs more digits."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def check_angle(name: str, value: object) -> float:
    """``value`` as a float in ``name``'s range, or :class:`PoseError` saying what is wrong."""
    joint = JOINTS.get(name)
    if joint is None:
        raise PoseError(f"unknown joint {name!r}{did_you_mean(str(name), JOINTS)}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PoseError(f"{name}: expected an angle in degrees, got {value!r}")
    if not joint.lower <= value <= joint.upper:
        raise PoseError(f"{name}={value:g} is out of its range, {joint.lower:g} to {joint.upper:g} degrees")
    return float(value)


def check_posture(name: object) -> str:
    """``name`` if it is a posture, else :class:`PoseError` naming the postures."""
    if not isinstance(name, str) or name not in POSTURES:
        raise PoseError(
            f"unknown posture {name!r}{did_you_mean(str(name), POSTURES)}; postures: {', '.join(POSTURES)}"
        )
    return name


def rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    """3x3 rotation by ``degrees`` about ``axis`` (right hand), Rodrigues' formula."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    t = math.radians(degrees)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)


def about(centre: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """4x4 transform turning by the 3x3 ``turn`` about the point ``centre``."""
    out = np.eye(4)
    out[:3, :3] = turn
    out[:3, 3] = np.asarray(centre) - turn @ np.asarray(centre)
    return out


def apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` (N, 3) moved by a 4x4 transform."""
    return np.asarray(points) @ transform[:3, :3].T + transform[:3, 3]


X = np.array([1.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])


def hip_turn(side: str, flexion: float, adduction: float, rotation_deg: float) -> np.ndarray:
    """3x3 turn of a femur: flexion about the mediolateral axis, then adduction about the
    anteroposterior axis, then rotation about the long axis (the leg model's order)."""
    mirror = 1.0 if side == "right" else -1.0
    return rotation(X, flexion) @ rotation(Y, mirror * adduction) @ rotation(Z, mirror * rotation_deg)


def lumbar_turn(flexion: float, lateral: float, axial: float) -> np.ndarray:
    """3x3 turn of a vertebra on the one below by the given share of each lumbar motion."""
    return rotation(X, -flexion) @ rotation(Y, lateral) @ rotation(Z, -axial)


#: How many poses' placements a rig keeps (a frame and its moment arms' neighbours).
PLACED_KEPT = 64


@dataclass(frozen=True)
class Rig:
    """Joint centres (from the landmarks) and the segmental rhythm: all it takes to place
    every segment for a pose."""

    hip_centres: dict[str, np.ndarray]
    #: Centre of each intervertebral joint (``l4_l5``...), in the middle of its disc.
    joint_centres: dict[str, np.ndarray]
    #: Share of each lumbar motion taken by each joint (each motion's shares sum to 1).
    rhythm: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Centre of each vertebral body (``vertebra_l4``...) and of the S1 endplate (``pelvis``).
    body_centres: dict[str, np.ndarray] = field(default_factory=dict)
    #: Each knee's and ankle's hinge (``knee_flexion_right``...): a point on its axis and the
    #: unit axis, turned about by + angles, in the frame of the segment above (the femur's,
    #: the tibia's).
    hinges: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: Why the knees and ankles cannot turn (a landmark missing), or "".
    missing: str = ""
    #: The point each patella turns about as it glides (from its centre), by side.
    patellae: dict[str, np.ndarray] = field(default_factory=dict)
    #: The centre of each humeral head, the arms' pivot (none: the arms ride T12).
    shoulders: dict[str, np.ndarray] = field(default_factory=dict)
    #: The points of each segment's bones that can rest on the floor or a table (None: the
    #: body is turned to lie down, never pitched to rest on two places).
    support: Support | None = field(default=None, compare=False, repr=False)
    _recent: Callable[[Pose], dict[str, np.ndarray]] = field(init=False, compare=False, repr=False)

    @classmethod
    def from_landmarks(
        cls,
        landmarks: Mapping[str, Iterable[float]],
        rhythm: dict[str, dict[str, float]],
        support: Support | None = None,
        shoulders: Mapping[str, np.ndarray] | None = None,
    ) -> Rig:
        """The rig of the shipped skeleton. Raises KeyError naming a missing landmark."""

        def point(name: str) -> np.ndarray:
            if name not in landmarks:
                raise KeyError(f"landmark '{name}' is missing (meshes/landmarks.json)")
            return np.asarray(list(landmarks[name]), dtype=float)

        hips = {side: point(f"hip_joint_center_{side}") for side in SIDES}
        bodies = {vertebra: point(f"vertebral_body_center_{vertebra.split('_')[1]}") for vertebra, _ in SPINE}
        bodies["pelvis"] = point("s1_endplate_center")
        centres = {}
        below = ["pelvis", *(v for v, _ in SPINE)]
        for (vertebra, joint), lower in zip(SPINE, below, strict=False):
            if lower == "pelvis":
                # The L5/S1 disc lies just above the endplate: the body centre is half a body
                # height up, the endplate is the disc's floor.
                centres[joint] = bodies["pelvis"] + 0.15 * (bodies[vertebra] - bodies["pelvis"])
            else:
                centres[joint] = (bodies[vertebra] + bodies[lower]) / 2
        try:
            hinges = {name: hinge for side in SIDES for name, hinge in _leg_hinges(point, side).items()}
            missing = ""
        except KeyError as exc:
            hinges, missing = {}, f"{exc.args[0]}: the knees and ankles cannot bend"
        patellae = {
            side: np.asarray(landmarks[f"patella_center_{side}"], dtype=float) + PATELLA_ORIGIN_FROM_CENTRE
            for side in SIDES
            if f"patella_center_{side}" in landmarks and f"knee_flexion_{side}" in hinges
        }
        shoulders = {side: np.asarray(c, dtype=float) for side, c in (shoulders or {}).items()}
        return cls(hips, centres, rhythm, bodies, hinges, missing, patellae, shoulders, support)

    def can_turn(self, joint: str) -> bool:
        """Whether this rig turns ``joint`` (the knees and ankles need their landmarks, the
        arms their humeri)."""
        if joint == "shoulder_flexion":
            return bool(self.shoulders)
        return joint in JOINTS and (joint not in LOWER_LEG_JOINTS or joint in self.hinges)

    def pelvis(self, pose: Pose) -> np.ndarray:
        """4x4 placement of the pelvis: tilted about the line through both hip centres."""
        axis = self.hip_centres["right"] - self.hip_centres["left"]
        middle = (self.hip_centres["right"] + self.hip_centres["left"]) / 2
        return about(middle, rotation(axis, -pose["pelvic_tilt"]))

    def femur(self, pose: Pose, side: str) -> np.ndarray:
        """4x4 placement of a femur, turned about its hip centre in the room's frame."""
        turn = hip_turn(
            side, pose[f"hip_flexion_{side}"], pose[f"hip_adduction_{side}"], pose[f"hip_rotation_{side}"]
        )
        return about(self.hip_centres[side], turn)

    def hinge(self, pose: Pose, joint: str) -> np.ndarray:
        """4x4 turn of a knee or an ankle about its axis, in the frame of the segment above
        (the identity where the rig has no hinge for it)."""
        if joint not in self.hinges:
            return np.eye(4)
        centre, axis = self.hinges[joint]
        return about(centre, rotation(axis, pose[joint]))

    def patella_glide(self, pose: Pose, side: str) -> np.ndarray:
        """4x4 glide of a patella on its femur for ``pose``'s knee angle, in the femur's
        frame (:data:`PATELLA_GLIDE`); the knee's own turn where the rig has no patella."""
        if side not in self.patellae:
            return self.hinge(pose, f"knee_flexion_{side}")
        q = math.radians(pose[f"knee_flexion_{side}"])

        def change(name: str) -> float:
            coefficients = PATELLA_GLIDE[name]
            return sum(c * (q**k - (k == 0)) for k, c in enumerate(coefficients))

        out = about(self.patellae[side], rotation(X, math.degrees(change("turn"))))
        out[:3, 3] += 1000.0 * np.array([0.0, change("forward"), change("up")])
        return out

    def transforms(self, pose: Pose) -> dict[str, np.ndarray]:
        """4x4 placement of every segment (see :data:`SEGMENTS`) for ``pose`` (shared: do
        not modify)."""
        return self._recent(pose)

    def __post_init__(self) -> None:
        # The placements of recent poses: a frame asks for the same pose's many times
        # (every surface, every muscle's length), the moment arms for its neighbours.
        object.__setattr__(self, "_recent", lru_cache(maxsize=PLACED_KEPT)(self._place))

    def placement(self, pose: Pose) -> Placement:
        """Where ``pose`` puts the body in the room and what it rests on (the floor, a chair,
        a table; :mod:`.posture`)."""
        transforms = self.transforms(pose)
        seated = None
        if POSTURES[pose.posture].furniture == "chair_left":  # the chair it rises from
            chair = Pose.of(CHAIR_POSE, "sitting")
            seated = (self.placement(chair), self._support_in(self.transforms(chair)))
        return place(pose.posture, self.turn(pose), self._support_in(transforms), seated)

    def turn(self, pose: Pose) -> np.ndarray:
        """4x4 turn of the whole body in the room for ``pose``'s posture (how the standard
        views follow the body)."""
        return self.transforms(pose)["pelvis"] @ np.linalg.inv(self.pelvis(pose))

    def _support_in(self, transforms: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        points = self.support.points if self.support is not None else {}
        return {s: apply(transforms[s], p) for s, p in points.items() if s in transforms}

    def _place(self, pose: Pose) -> dict[str, np.ndarray]:
        out = self._bend(pose)
        if pose.posture == STANDING:
            return out
        needs_support = POSTURES[pose.posture].level and self.support is not None
        turn = body_turn(pose.posture, self._support_in(out) if needs_support else None)
        return {k: turn @ v for k, v in out.items()}

    def _bend(self, pose: Pose) -> dict[str, np.ndarray]:
        """Every segment's placement as the joints bend the upright body."""
        out = {"pelvis": self.pelvis(pose)}
        for side in SIDES:
            out[f"femur_{side}"] = femur = self.femur(pose, side)
            # The shank follows the femur, the foot the shank.
            out[f"tibia_{side}"] = tibia = femur @ self.hinge(pose, f"knee_flexion_{side}")
            out[f"foot_{side}"] = tibia @ self.hinge(pose, f"ankle_flexion_{side}")
            out[f"patella_{side}"] = femur @ self.patella_glide(pose, side)
        parent = out["pelvis"]
        for vertebra, joint in SPINE:
            share = self.rhythm.get(joint, {})
            turn = lumbar_turn(
                *(pose[motion] * share.get(key, 0.0) for motion, key in LUMBAR_MOTIONS.items())
            )
            parent = parent @ about(self.joint_centres[joint], turn)
            out[vertebra] = parent
        for side in SIDES:  # the arms hang from the shoulders, on the trunk
            centre = self.shoulders.get(side)
            swing = about(centre, rotation(X, pose["shoulder_flexion"])) if centre is not None else np.eye(4)
            out[f"arm_{side}"] = out["vertebra_t12"] @ swing
        return out


def _leg_hinges(point: Callable[[str], np.ndarray], side: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The knee's and the ankle's hinge of one side from the landmarks (KeyError naming a
    missing one): through the joint centre, along the line through the two epicondyles
    (the malleoli), pointing so that + angles flex the knee (heel back) and dorsiflex the
    ankle (toes up): about the subject's left for the knee, the right for the ankle."""
    out = {}
    for joint, centre, ends, sense in (
        ("knee_flexion", "knee_joint_center", "femoral_epicondyle", -1.0),
        ("ankle_flexion", "ankle_joint_center", "malleolus", 1.0),
    ):
        axis = point(f"{ends}_lateral_{side}") - point(f"{ends}_medial_{side}")
        length = float(np.linalg.norm(axis))
        if length < 1.0 or abs(axis[0]) < 0.5 * length:  # not across the limb
            raise KeyError(
                f"landmarks '{ends}_lateral_{side}' and '{ends}_medial_{side}' do not span the limb"
            )
        axis = axis / length
        out[f"{joint}_{side}"] = (point(f"{centre}_{side}"), axis * sense * np.sign(axis[0]))
    return out


def segment_of(structure_id: str) -> str | None:
    """The segment a bone moves with (None for soft tissue and discs)."""
    if structure_id in ("sacrum",) or structure_id.startswith("hip_bone_"):
        return "pelvis"
    if structure_id.startswith(("rib_12_", *UPPER_BODY)):
        return "vertebra_t12"
    if structure_id in SEGMENTS and structure_id.startswith(("femur_", "vertebra_")):
        return structure_id
    if structure_id.startswith(("vertebra_t", "vertebra_c")):  # a vertebra above T12: context
        return "vertebra_t12"
    side = next((s for s in SIDES if structure_id.endswith("_" + s)), None)
    if side is not None and structure_id.startswith("patella_"):
        return f"patella_{side}"
    if side is not None and structure_id.startswith(ARM_BONES):
        return f"arm_{side}"
    if side is not None and structure_id.startswith(("tibia_", "fibula_")):
        return f"tibia_{side}"
    if side is not None and structure_id.startswith("foot_"):
        return f"foot_{side}"
    return None


def disc_segments(structure_id: str) -> tuple[str, str] | None:
    """The (upper, lower) segments a disc lies between, e.g. ``disc_l5_s1`` -> (L5, pelvis)."""
    if not structure_id.startswith("disc_"):
        return None
    upper, lower = structure_id.removeprefix("disc_").split("_", 1)
    return f"vertebra_{upper}", ("pelvis" if lower == "s1" else f"vertebra_{lower}")
