"""Named poses and the lumbar rhythm, read from ``annotations/motion.yaml``, and pose specs
as the command line and lessons write them (``hip_flexion_right=90``, ``trunk_fold``).

Checked like every annotation file: a bad entry is one ``file:line: message`` and is left
out, the rest is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.fonts import DrawnLine
from app.model.io.documents import (
    Located,
    Problem,
    did_you_mean,
    line_at,
    plain,
    pydantic_problems,
    read_mapping,
)
from app.model.motion.kinematics import (
    JOINTS,
    LUMBAR_MOTIONS,
    SPINE,
    Pose,
    PoseError,
    check_angle,
    check_posture,
)
from app.model.motion.posture import STANDING

MOTION_FILE = "motion.yaml"
_JOINT_KEYS = {joint for _, joint in SPINE}


class SegmentRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    flexion: float = Field(ge=0, le=45)
    lateral_bending: float = Field(ge=0, le=45)
    rotation: float = Field(ge=0, le=45)


class Rhythm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=10, max_length=1000)
    joints: dict[str, SegmentRange]

    @field_validator("joints")
    @classmethod
    def _every_joint(cls, value: dict[str, SegmentRange]) -> dict[str, SegmentRange]:
        unknown = [k for k in value if k not in _JOINT_KEYS]
        if unknown:
            raise ValueError(f"unknown joint {unknown[0]!r}{did_you_mean(unknown[0], _JOINT_KEYS)}")
        missing = sorted(_JOINT_KEYS - set(value))
        if missing:
            raise ValueError(f"missing the joint(s) {', '.join(missing)}")
        still = [key for key in LUMBAR_MOTIONS.values() if not any(getattr(r, key) for r in value.values())]
        if still:  # no joint to share the motion among: the spine would not move, silently
            raise ValueError(f"every joint's {still[0]} range is 0; the lumbar spine could not move")
        return value

    def shares(self) -> dict[str, dict[str, float]]:
        """Each joint's share of each lumbar motion (each motion's shares sum to 1)."""
        out: dict[str, dict[str, float]] = {joint: {} for joint in self.joints}
        for key in LUMBAR_MOTIONS.values():
            total = sum(getattr(r, key) for r in self.joints.values())
            for joint, r in self.joints.items():
                out[joint][key] = getattr(r, key) / total if total else 0.0
        return out


class NamedPose(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Drawn as a video's heading.
    title: DrawnLine = Field(min_length=3, max_length=120)
    angles: dict[str, float] = Field(default_factory=dict)
    #: Where the body is (:mod:`app.model.motion.posture`): standing unless said.
    posture: str = STANDING
    source: str = Field(min_length=10, max_length=1000)

    @field_validator("posture")
    @classmethod
    def _posture(cls, value: str) -> str:
        try:
            return check_posture(value)
        except PoseError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("angles", mode="before")
    @classmethod
    def _in_range(cls, value: object) -> object:
        """Checked as written (pydantic alone would read ``true`` or ``"10"`` as a number)."""
        if isinstance(value, dict):
            _checked(value)
        return value

    @property
    def pose(self) -> Pose:
        return Pose.of(self.angles, self.posture)


def pose_specs(value: object) -> object:
    """A pose as lessons write it, as the specs :meth:`Motion.resolve` reads: a pose's name
    (``trunk_fold``), a list of specs (``[trunk_fold, hip_flexion_right=30]``) or angles by
    joint (``{hip_flexion_right: 90}``). Anything else is left for pydantic to refuse."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        return _checked(value).specs()
    if isinstance(value, list | tuple):
        for spec in value:  # angles are checked here, pose names against the named poses
            if isinstance(spec, str) and "=" in spec:
                try:
                    posture_of(spec) or joint_angle(spec)
                except PoseError as exc:
                    raise ValueError(str(exc)) from None
        return tuple(value)
    return value


def _checked(angles: dict) -> Pose:
    """Angles as a pose, or the ValueError pydantic reports with the problem's line."""
    try:
        return Pose.of(angles)
    except PoseError as exc:
        raise ValueError(str(exc)) from None


def posture_of(spec: str) -> str | None:
    """The posture a ``posture=NAME`` spec names (checked), or None for any other spec."""
    name, _, value = spec.strip().partition("=")
    return check_posture(value.strip()) if name.strip() == "posture" else None


def joint_angle(spec: str) -> tuple[str, float]:
    """A ``JOINT=DEG`` spec's joint and angle, checked against the joint's range; raises
    :class:`PoseError` saying what is wrong."""
    name, _, text = spec.strip().partition("=")
    name = name.strip()
    try:
        value = float(text)
    except ValueError:
        raise PoseError(f"{spec.strip()!r}: expected JOINT=DEGREES, e.g. hip_flexion_right=90") from None
    if not math.isfinite(value):
        raise PoseError(f"{spec.strip()!r}: the angle must be a finite number")
    return name, check_angle(name, value)


class Movement(BaseModel):
    """A lesson step's movement: from one pose to another over some seconds (from neutral
    standing when ``from`` is left out)."""

    # NaN is refused as not finite (the bounds alone would call .nan "not at most 30").
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)
    start: tuple[str, ...] = Field(default=(), alias="from")
    to: tuple[str, ...] = Field(min_length=1)
    seconds: float = Field(default=3.0, ge=0.5, le=30)

    _specs = field_validator("start", "to", mode="before")(pose_specs)


FIELDS = {"rhythm", "poses", *Rhythm.model_fields, *NamedPose.model_fields, *SegmentRange.model_fields}


@dataclass
class Motion:
    """The lumbar rhythm and the named poses of a data set."""

    rhythm: dict[str, dict[str, float]] = field(default_factory=dict)
    poses: dict[str, NamedPose] = field(default_factory=dict)

    def resolve(self, specs: list[str] | tuple[str, ...]) -> Pose:
        """One pose from specs, each ``JOINT=DEG``, ``posture=NAME`` or a pose name, later
        ones adding to (and overriding) earlier ones; a named pose brings its posture.
        Raises :class:`PoseError` saying what is wrong."""
        angles: dict[str, float] = {}
        posture = STANDING
        for spec in specs:
            spec = spec.strip()
            if "=" in spec:
                if (named := posture_of(spec)) is not None:
                    posture = named
                    continue
                name, value = joint_angle(spec)
                angles[name] = value
            elif spec in self.poses:
                angles.update(self.poses[spec].angles)
                posture = self.poses[spec].posture
            else:
                hint = did_you_mean(spec, [*self.poses, *JOINTS])
                raise PoseError(f"unknown pose {spec!r}{hint}; poses: {', '.join(self.poses)}")
        return Pose.of(angles, posture)


def load_motion(annotations_dir: Path) -> tuple[Motion, list[Problem]]:
    """The rhythm and poses of ``annotations_dir / motion.yaml`` (see :func:`read_motion`)."""
    return read_motion(Path(annotations_dir) / MOTION_FILE)


def read_motion(path: Path) -> tuple[Motion, list[Problem]]:
    """The rhythm and poses of a motion file; without a usable rhythm the lumbar spine
    stays still (and says why)."""
    path = Path(path)
    document, problems = read_mapping(path, expected="poses")
    if document is None:
        return Motion(), problems
    motion = Motion()
    rhythm = document.value.get("rhythm")
    try:
        motion.rhythm = Rhythm.model_validate(plain(rhythm)).shares()
    except ValidationError as exc:
        located = [{**item, "loc": ("rhythm", *item["loc"])} for item in exc.errors()]
        problems += [
            Problem(path, line_at(document, loc), m) for loc, m in pydantic_problems(located, FIELDS)
        ]
    unknown = [k for k in document.value if k not in ("rhythm", "poses")]
    for key in unknown:
        problems.append(
            Problem(path, document.line_of(key), f"'{key}': unknown field{did_you_mean(key, FIELDS)}")
        )
    poses = document.value.get("poses")
    if not isinstance(poses, Located):
        problems.append(
            Problem(path, document.line_of("poses"), "'poses': expected a mapping of names to poses")
        )
        return motion, problems
    for name, entry in poses.value.items():
        if not str(name).replace("_", "").isalnum() or len(str(name)) > 60:
            problems.append(
                Problem(path, poses.line_of(name), f"pose name {name!r}: use letters, digits and _")
            )
            continue
        try:
            motion.poses[str(name)] = NamedPose.model_validate(plain(entry))
        except ValidationError as exc:
            located = [{**item, "loc": ("poses", name, *item["loc"])} for item in exc.errors()]
            for loc, message in pydantic_problems(located, FIELDS):
                problems.append(Problem(path, line_at(document, loc), f"pose '{name}': {message}"))
    return motion, problems
