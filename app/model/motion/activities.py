"""Everyday activities from measured data: one cycle of joint angles (walking: a gait cycle
from right initial contact; climbing stairs: a stride from the right foot's contact with a
step), or one movement played once (rising from a chair), read from
``annotations/activities/*.yaml`` and played in place.

Each file gives its source, licence, population, units and sampling, and a table of angles of
one side (Plug-in Gait conventions, relative to the pelvis). In a cyclic activity
(``periodic: true``, the default) the other side is the same curve half a cycle later; in one
done with both legs at once (``other_side: same``) it is the same curve. A file may give its
published key values (``keys``: for each angle, the % of the cycle and the value the study
reports) and the rows a shape-preserving cubic through them (``scripts/activity_keys.py``
writes the rows; every key must be in the rows). Each file names its own phases (Perry's for
walking, McFadyen and Winter's for stairs, Schenkman's for rising from a chair) and the
postures it is done in (``postures``: the posture from each % on; standing if none). They are
mapped onto this rig's joints (:mod:`.kinematics`):

- ``pelvic_tilt`` in a cyclic activity is the data's tilt less its mean over the cycle (our
  neutral pelvis is the data's pelvis at its mean tilt); in one played once it is the data's,
  which are then relative to standing (where it ends);
- ``hip_flexion_{side}`` is the thigh in the body's frame, so the hip's own flexion
  (``hip_flexion + pelvic_tilt``, :meth:`~.kinematics.Pose.hip_flexion`) is the data's hip
  flexion less the mean tilt;
- the pelvis neither drops nor turns here, so the thigh's adduction is the data's less the
  pelvis's obliquity on that side (+ up) and its rotation the data's plus the pelvis's
  rotation on that side (+ forward): the feet land as the data's do;
- knee flexion and ankle dorsiflexion are the data's; the lumbar joints stay still unless
  the data have lumbar angles (``lumbar_flexion``, ``lumbar_lateral_bending``,
  ``lumbar_rotation`` columns, our signs).

Every angle is clamped to its joint's range; the posture is the file's (standing, the floor
under the lower foot, unless it says otherwise: :mod:`.posture`): the body walks in place.
Checked like every annotation file: each problem is one ``file:line: message`` and a bad file is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.model.io.documents import (
    Problem,
    did_you_mean,
    line_at,
    plain,
    pydantic_problems,
    read_mapping,
    read_text,
)
from app.model.motion.kinematics import JOINTS, SIDES, Pose
from app.model.motion.posture import POSTURES, STANDING

ACTIVITIES_DIR = "activities"
#: The data's columns (one side's angles, degrees) and the lumbar ones this rig can take.
DATA_COLUMNS = (
    "pelvic_tilt",
    "pelvic_obliquity",
    "pelvic_rotation",
    "hip_flexion",
    "hip_adduction",
    "hip_rotation",
    "knee_flexion",
    "ankle_dorsiflexion",
    "lumbar_flexion",
    "lumbar_lateral_bending",
    "lumbar_rotation",
)
REQUIRED_COLUMNS = ("cycle_percent", "hip_flexion", "knee_flexion")
#: The most samples a cycle is resampled to (rows closer than 0.1 % are read at 0.1 %).
MAX_SAMPLES = 1000
#: How far a row may be from a key value it should pass through (degrees).
KEY_TOLERANCE = 0.01
#: The phases of gait a walking file may name (Perry and Burnfield 2010), in order.
GAIT_PHASES = (
    "initial_contact",
    "loading_response",
    "mid_stance",
    "terminal_stance",
    "pre_swing",
    "initial_swing",
    "mid_swing",
    "terminal_swing",
)


class ActivityFile(BaseModel):
    """An activity file as written."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    title: str = Field(min_length=3, max_length=80)
    source: str = Field(min_length=10, max_length=1000)
    licence: str = Field(min_length=3, max_length=300)
    population: str = Field(min_length=3, max_length=300)
    units: str = Field(min_length=3, max_length=200)
    sampling: str = Field(min_length=3, max_length=200)
    conventions: str = Field(default="", max_length=1000)
    cycle_seconds: float = Field(ge=0.3, le=10)
    #: A cycle that repeats (walking, stairs) or a movement played once (rising from a chair).
    periodic: bool = True
    #: The other leg: the same curve half a cycle later, or the same curve at once.
    other_side: Literal["half_cycle", "same"] = "half_cycle"
    #: The posture from each % of the cycle on (standing throughout if none).
    postures: dict[str, float] = Field(default_factory=dict)
    phases_source: str = Field(default="", max_length=1000)
    phases: dict[str, float] = Field(default_factory=dict)
    keys_source: str = Field(default="", max_length=3000)
    #: Published key values: for an angle, ``[cycle_percent, degrees]`` pairs the rows pass through.
    keys: dict[str, tuple[tuple[float, float], ...]] = Field(default_factory=dict)
    columns: tuple[str, ...] = Field(min_length=2)
    rows: tuple[tuple[float, ...], ...] = Field(min_length=4)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = ("cycle_percent", *DATA_COLUMNS)
        for name in value:
            if name not in known:
                raise ValueError(f"unknown column {name!r}{did_you_mean(name, known)}")
        if len(set(value)) != len(value):
            raise ValueError("a column is named twice")
        missing = [name for name in REQUIRED_COLUMNS if name not in value]
        if missing:
            raise ValueError(f"missing the column(s) {', '.join(missing)}")
        return value

    @field_validator("phases")
    @classmethod
    def _phases(cls, value: dict[str, float]) -> dict[str, float]:
        return _starts(value, "phase")

    @field_validator("postures")
    @classmethod
    def _postures(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in POSTURES:
                raise ValueError(f"unknown posture {name!r}{did_you_mean(name, POSTURES)}")
        return _starts(value, "posture")

    @field_validator("keys")
    @classmethod
    def _keys(cls, value: dict[str, tuple[tuple[float, float], ...]]) -> dict:
        for name, pairs in value.items():
            if name not in DATA_COLUMNS:
                raise ValueError(f"unknown key column {name!r}{did_you_mean(name, DATA_COLUMNS)}")
            percents = [p for p, _ in pairs]
            if (
                len(pairs) < 2
                or percents != sorted(set(percents))
                or not 0 <= percents[0] <= percents[-1] <= 100
            ):
                raise ValueError(
                    f"{name}: at least two keys, each [cycle_percent, degrees], 0 to 100 % in order"
                )
            if not all(math.isfinite(p) and math.isfinite(v) and -180 <= v <= 180 for p, v in pairs):
                raise ValueError(f"{name}: every key must be a finite % and an angle in degrees")
        return value

    @model_validator(mode="after")
    def _table(self) -> ActivityFile:
        _check_rows(self.columns, self.rows)
        if self.phases and not self.phases_source.strip():
            raise ValueError("'phases_source': say where the phases come from")
        if self.keys and not self.keys_source.strip():
            raise ValueError("'keys_source': say where the key values come from")
        percent = self.columns.index("cycle_percent")
        for name, pairs in self.keys.items():
            if name not in self.columns:
                raise ValueError(f"'keys': {name} has key values but no column in the rows")
            column = self.columns.index(name)
            for p, v in pairs:
                row = next((r for r in self.rows if abs(r[percent] - p) < 1e-9), None)
                if row is None or abs(row[column] - v) > KEY_TOLERANCE:
                    found = "no row" if row is None else f"{row[column]:g} in the rows"
                    rewrite = "scripts/activity_keys.py writes the rows"
                    raise ValueError(f"'keys': {name} = {v:g} at {p:g} %, {found} ({rewrite})")
        if self.periodic:
            first, last = self.rows[0], self.rows[-1]
            ends = [
                c
                for i, c in enumerate(self.columns)
                if c != "cycle_percent" and abs(first[i] - last[i]) > 1.0
            ]
            if ends:
                raise ValueError(f"a periodic cycle ends where it starts: {ends[0]} at 0 % and 100 % differ")
        return self


def _starts(value: dict[str, float], what: str) -> dict[str, float]:
    """Named starts (% of the cycle), from 0 and in order."""
    for name, start in value.items():
        if not 0 <= start < 100:
            raise ValueError(f"{what} {name!r} starts at {start:g} %: expected 0 to under 100")
    starts = list(value.values())
    if starts and (starts[0] != 0 or starts != sorted(set(starts))):
        raise ValueError(f"{what}s must start at 0 % and follow each other in order")
    return value


class RowError(ValueError):
    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


def _check_rows(columns: tuple[str, ...], rows: tuple[tuple[float, ...], ...]) -> None:
    """Every row as long as the columns, finite, the cycle from 0 to 100 % in order; raises
    :class:`RowError` at the first row that is not."""
    percent = columns.index("cycle_percent")
    previous = -math.inf
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise RowError(i, f"row {i + 1} has {len(row)} values for {len(columns)} columns")
        if not all(math.isfinite(v) for v in row):
            raise RowError(i, f"row {i + 1}: every value must be a finite number")
        if row[percent] <= previous:
            message = f"cycle_percent must increase ({row[percent]:g} after {previous:g})"
            raise RowError(i, f"row {i + 1}: {message}")
        for name, value in zip(columns, row, strict=True):
            if name != "cycle_percent" and not -180 <= value <= 180:
                raise RowError(i, f"row {i + 1}: {name} = {value:g} is not an angle in degrees")
        previous = row[percent]
    if rows[0][percent] != 0 or rows[-1][percent] != 100:
        where = 0 if rows[0][percent] != 0 else len(rows) - 1
        raise RowError(where, "the rows must run from 0 to 100 % of the cycle")


FIELDS = tuple(ActivityFile.model_fields)


@dataclass(frozen=True)
class Phase:
    name: str
    start: float  # % of the cycle
    end: float

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").capitalize()


@dataclass(frozen=True, eq=False)  # one per file: the same when it is the same object
class Activity:
    """One cycle of an activity (or one movement played once, when not ``periodic``), as this
    rig's joint angles at evenly spaced samples."""

    name: str
    title: str
    source: str
    licence: str
    population: str
    cycle_seconds: float
    #: Joint names and their angles at each sample: rows over [0, 1) of the cycle, evenly
    #: spaced, when periodic; over [0, 1], first and last included, when played once.
    joints: tuple[str, ...]
    table: np.ndarray = field(repr=False)
    phases: tuple[Phase, ...] = ()
    periodic: bool = True
    #: (start %, posture) from 0 on: the posture the body is in from each % of the cycle.
    postures: tuple[tuple[float, str], ...] = ((0.0, STANDING),)
    #: The published key values, by data column: ((cycle %, degrees), ...).
    keys: dict[str, tuple[tuple[float, float], ...]] = field(default_factory=dict, repr=False)
    #: Both legs do the same at once (``other_side: same``: rising from a chair).
    legs_together: bool = False

    @classmethod
    def from_file(cls, name: str, data: ActivityFile) -> Activity:
        rows = np.asarray(data.rows, dtype=float)
        percent = rows[:, data.columns.index("cycle_percent")]
        # Evenly resampled at the rows' finest step: over [0, 100) when periodic (the 100 %
        # sample closes the loop), over [0, 100] when played once.
        step = float(np.min(np.diff(percent)))
        count = min(MAX_SAMPLES, max(4, round(100 / step)))
        grid = np.linspace(0.0, 100.0, count + 1)
        angles = {
            col: np.interp(grid, percent, rows[:, i])
            for i, col in enumerate(data.columns)
            if col != "cycle_percent"
        }
        if data.periodic:
            for values in angles.values():  # the cycle's two ends meet halfway
                values[0] = (values[0] + values[-1]) / 2
            angles = {col: values[:-1] for col, values in angles.items()}
        joints, table = _mapped(angles, data.periodic, data.other_side == "half_cycle")
        starts = list(data.phases.items())
        phases = tuple(
            Phase(key, start, starts[i + 1][1] if i + 1 < len(starts) else 100.0)
            for i, (key, start) in enumerate(starts)
        )
        postures = tuple((start, posture) for posture, start in data.postures.items()) or ((0.0, STANDING),)
        return cls(
            name, data.title, " ".join(data.source.split()), data.licence, " ".join(data.population.split()),
            data.cycle_seconds, joints, table, phases, data.periodic, postures, dict(data.keys),
            data.other_side == "same",
        )  # fmt: skip

    def angles_at(self, fraction: float) -> dict[str, float]:
        """The joint angles ``fraction`` of the way through the cycle: a Catmull-Rom spline
        through the samples, periodic (smooth across the cycle's end) or, for a movement
        played once, from its first sample to its last (``fraction`` held to 0 to 1)."""
        n = len(self.table)
        if self.periodic:
            x = (fraction % 1.0) * n
            i = math.floor(x) % n
            t = x - math.floor(x)
            p0, p1, p2, p3 = (self.table[(i + k) % n] for k in (-1, 0, 1, 2))
        else:
            x = min(1.0, max(0.0, fraction)) * (n - 1)
            i = min(math.floor(x), n - 2)
            t = x - i
            p0, p1, p2, p3 = (self.table[min(n - 1, max(0, i + k))] for k in (-1, 0, 1, 2))
        a, b, c = -p0 + p2, 2 * p0 - 5 * p1 + 4 * p2 - p3, -p0 + 3 * p1 - 3 * p2 + p3
        value = p1 + 0.5 * (a * t + b * t * t + c * t**3)
        return {joint: _clamped(joint, v) for joint, v in zip(self.joints, value, strict=True)}

    def pose_at(self, fraction: float) -> Pose:
        return Pose.of(self.angles_at(fraction), self.posture_at(fraction))

    def percent_at(self, fraction: float) -> float:
        """Where ``fraction`` of the cycle is, in % (a cycle wraps; a movement played once
        is held to 0 to 100)."""
        if self.periodic:
            return (fraction % 1.0) * 100
        return min(1.0, max(0.0, fraction)) * 100

    def posture_at(self, fraction: float) -> str:
        """The posture the body is in ``fraction`` of the way through the cycle."""
        percent = self.percent_at(fraction)
        return next((p for start, p in reversed(self.postures) if start <= percent), self.postures[0][1])

    def phase_at(self, fraction: float) -> Phase | None:
        """The phase (of the right side) at ``fraction`` of the cycle, if the file names them
        (a movement played once is in its last phase at its end)."""
        percent = self.percent_at(fraction)
        for phase in self.phases:
            if phase.start <= percent < phase.end or (percent == 100 and phase.end == 100):
                return phase
        return None

    def track(self, speed: float = 1.0) -> ActivityTrack:
        return ActivityTrack(self, self.cycle_seconds / speed)


def _clamped(joint: str, value: float) -> float:
    spec = JOINTS[joint]
    return round(min(spec.upper, max(spec.lower, float(value))), 3)


def _mapped(
    data: dict[str, np.ndarray], periodic: bool = True, half_cycle: bool = True
) -> tuple[tuple[str, ...], np.ndarray]:
    """The data's one-side angles as this rig's joints (see the module's docstring)."""
    n = len(next(iter(data.values())))
    zero = np.zeros(n)
    half = n // 2 if half_cycle else 0

    def of(name: str, side: str = "right") -> np.ndarray:
        values = data.get(name, zero)
        return values if side == "right" else np.roll(values, -half)

    tilt = of("pelvic_tilt")
    out: dict[str, np.ndarray] = {}
    out["pelvic_tilt"] = tilt - (tilt.mean() if periodic else 0.0)
    for side in SIDES:
        # The thigh in the body's frame: the hip's own flexion less the pelvis's tilt.
        out[f"hip_flexion_{side}"] = of("hip_flexion", side) - tilt
        out[f"hip_adduction_{side}"] = of("hip_adduction", side) - of("pelvic_obliquity", side)
        out[f"hip_rotation_{side}"] = of("hip_rotation", side) + of("pelvic_rotation", side)
        out[f"knee_flexion_{side}"] = of("knee_flexion", side)
        out[f"ankle_flexion_{side}"] = of("ankle_dorsiflexion", side)
    for lumbar in ("lumbar_flexion", "lumbar_lateral_bending", "lumbar_rotation"):
        if lumbar in data:
            out[lumbar] = data[lumbar]
    joints = tuple(out)
    return joints, np.column_stack([out[j] for j in joints])


@dataclass(frozen=True)
class ActivityTrack:
    """An activity played as the player plays a movement: ``seconds`` a cycle, looping round
    (not there and back); played once a cycle ends where it began, and a movement played once
    (rising from a chair) ends at its end (looped, it starts again from the chair)."""

    activity: Activity
    seconds: float
    still: bool = False

    def at(self, time: float, loop: bool = False) -> Pose:
        fraction = max(0.0, time) / self.seconds if self.seconds > 0 else 0.0
        if loop and not self.activity.periodic and fraction > 1.0:
            fraction = self.fraction(time)
        return self.activity.pose_at(fraction if loop else min(1.0, fraction))

    def fraction(self, time: float) -> float:
        if self.seconds <= 0:
            return 0.0
        fraction = max(0.0, time) / self.seconds
        if not self.activity.periodic and fraction > 0 and fraction % 1.0 == 0:
            return 1.0  # a movement played once is at its end, not back at its start
        return fraction % 1.0

    def fractions(self, fps: float, cycles: int = 1) -> list[float]:
        """Where in the cycle each frame of a video of ``cycles`` cycles at ``fps`` is
        (seamless when looped; a movement played once shows its first and last pose each
        time)."""
        count = max(2, round(self.seconds * fps))
        if not self.activity.periodic:
            return [i / (count - 1) for i in range(count)] * cycles
        return [i / count for i in range(count * cycles)]

    def frames(self, fps: float, cycles: int = 1) -> list[Pose]:
        """The poses of those frames (:meth:`fractions`)."""
        return [self.activity.pose_at(fraction) for fraction in self.fractions(fps, cycles)]


def load_activities(annotations_dir: Path) -> tuple[dict[str, Activity], list[Problem]]:
    """Every ``annotations_dir / activities / *.yaml``, by file name (a bad one left out)."""
    activities: dict[str, Activity] = {}
    problems: list[Problem] = []
    for path in sorted((Path(annotations_dir) / ACTIVITIES_DIR).glob("*.yaml")):
        activity, found = read_activity(path)
        problems += found
        if activity is not None:
            activities[activity.name] = activity
    return activities, problems


def read_activity(path: Path) -> tuple[Activity | None, list[Problem]]:
    """An activity file, or None and one problem a line."""
    path = Path(path)
    name = path.stem
    if not name.replace("_", "").isalnum():
        return None, [Problem(path, 0, f"activity name {name!r}: use letters, digits and _")]
    document, problems = read_mapping(path, expected="rows")
    if document is None:
        return None, problems
    try:
        data = ActivityFile.model_validate(plain(document))
    except ValidationError as exc:
        items = exc.errors()
        out = []
        for item in items:
            ctx = item.get("ctx") or {}
            error = ctx.get("error")
            if isinstance(error, RowError):
                out.append(Problem(path, _row_line(path, document.line_of("rows"), error.index), str(error)))
        located = [item for item in items if not isinstance((item.get("ctx") or {}).get("error"), RowError)]
        for loc, message in pydantic_problems(located, FIELDS):
            loc = tuple(loc)
            line = line_at(document, loc)
            if loc[:1] == ("rows",) and len(loc) > 1 and isinstance(loc[1], int):
                line = _row_line(path, document.line_of("rows"), loc[1])
                message = f"row {loc[1] + 1}: {message.split(': ', 1)[-1]}"
            out.append(Problem(path, line, message))
        return None, out
    return Activity.from_file(name, data), []


def _row_line(path: Path, rows_line: int, index: int) -> int:
    """The line of the ``index``-th row of the table under ``rows:`` (one row a line, as the
    files are written), or the ``rows:`` line."""
    try:
        lines = read_text(path).splitlines()
    except (OSError, ValueError):
        return rows_line
    seen = -1
    for number, text in enumerate(lines[rows_line:], start=rows_line + 1):
        if text.lstrip().startswith("-"):
            seen += 1
            if seen == index:
                return number
        elif text.strip() and not text.startswith((" ", "\t", "-")):
            break
    return rows_line
