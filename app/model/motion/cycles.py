"""An activity's cycle as the window, a lesson and a video use it: a stretch of the cycle
played once (a lesson step's ``activity:``), where in the cycle a track is, the phases at a
percentage for both legs, and the muscles' lengths over the whole cycle (the Play tab's plot).

Nothing here is specific to walking: the phases are those the activity's file names
(:attr:`~app.model.motion.activities.Activity.phases`), whatever the activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.model.motion.activities import Activity, ActivityTrack, Phase
from app.model.motion.kinematics import Pose
from app.model.motion.mechanics import Mechanics

#: Samples of the cycle the length plot draws (every 2 %: the data's own spacing).
CYCLE_SAMPLES = 51


class ActivityPart(BaseModel):
    """A lesson step's activity: its name and the stretch of its cycle played, ``from`` to
    ``to`` % (the whole cycle when left out), in ``seconds`` (the data's own pace when left
    out). Written ``activity: walking`` or ``activity: {name: walking, from: 40, to: 100}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)
    name: str = Field(min_length=1, max_length=80)
    start: float = Field(default=0.0, ge=0, le=100, alias="from")
    to: float = Field(default=100.0, ge=0, le=100)
    seconds: float | None = Field(default=None, ge=0.5, le=60)

    @model_validator(mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _order(self) -> ActivityPart:
        if self.to <= self.start:
            raise ValueError(f"'from' ({self.start:g} %) must come before 'to' ({self.to:g} %)")
        return self


@dataclass(frozen=True)
class CycleSpan:
    """A stretch of an activity's cycle played once: from ``start`` to ``end`` (fractions
    of the cycle) in ``seconds``. Played as a movement is (:class:`~.playback.Tween`): a
    video holds its first and last pose; a lesson step shows its last."""

    activity: Activity
    start_fraction: float
    end_fraction: float
    seconds: float

    @classmethod
    def of(cls, activity: Activity, part: ActivityPart) -> CycleSpan:
        share = (part.to - part.start) / 100
        seconds = part.seconds if part.seconds is not None else activity.cycle_seconds * share
        return cls(activity, part.start / 100, part.to / 100, max(0.1, seconds))

    @property
    def still(self) -> bool:
        return False

    @property
    def start(self) -> Pose:
        return self.activity.pose_at(self.start_fraction)

    @property
    def end(self) -> Pose:
        # The cycle's 100 % is its 0 %: pose_at wraps, so 1.0 is asked as 0.999999.
        return self.activity.pose_at(min(self.end_fraction, 1 - 1e-9))

    def fraction(self, time: float) -> float:
        """Where in the cycle the span is ``time`` seconds in (0 to under 1)."""
        t = min(1.0, max(0.0, time) / self.seconds) if self.seconds > 0 else 1.0
        return min(self.start_fraction + (self.end_fraction - self.start_fraction) * t, 1 - 1e-9)

    def at(self, time: float, loop: bool = False) -> Pose:
        if loop and self.seconds > 0:
            time = max(0.0, time) % self.seconds
        return self.activity.pose_at(self.fraction(time))

    def frames(self, fps: float) -> list[Pose]:
        count = max(2, round(self.seconds * fps) + 1)
        return [self.at(self.seconds * i / (count - 1)) for i in range(count)]


def cycle_fraction(track: object, elapsed: float) -> float | None:
    """Where in its activity's cycle ``track`` is ``elapsed`` seconds in, if it plays one."""
    if isinstance(track, ActivityTrack | CycleSpan):
        return track.fraction(elapsed)
    return None


def activity_of(track: object) -> Activity | None:
    return track.activity if isinstance(track, ActivityTrack | CycleSpan) else None


@dataclass(frozen=True)
class PhasesAt:
    """Each leg's phase at one instant of the cycle (the left leg half a cycle on)."""

    percent: float
    right: Phase | None
    left: Phase | None


def phases_at(activity: Activity, fraction: float) -> PhasesAt:
    """The right leg's phase at ``fraction`` of the cycle, and the left's (half a cycle
    later in the data: :func:`~app.model.motion.activities._mapped`; the same phase when
    both legs move together, as in rising from a chair)."""
    right = activity.phase_at(fraction)
    left = right if activity.legs_together else activity.phase_at(fraction + 0.5)
    return PhasesAt(activity.percent_at(fraction), right, left)


#: Words a phase's name joins to the next with a hyphen ("mid_stance": "mid-stance").
PREFIXES = ("pre", "mid", "post")


def phase_words(phase: Phase) -> str:
    """A phase's name in words: "initial contact", "mid-stance", "pre-swing"."""
    out: list[str] = []
    for word in phase.name.split("_"):
        if out and out[-1] in PREFIXES:
            out[-1] += f"-{word}"
        else:
            out.append(word)
    return " ".join(out)


def phase_label(activity: Activity, fraction: float) -> str:
    """The instant in words: "Walking, 54 % of the cycle: right leg pre-swing, left leg
    loading response"."""
    at = phases_at(activity, fraction)
    text = f"{activity.title}, {at.percent:.0f} % of the {'cycle' if activity.periodic else 'movement'}"
    if activity.legs_together:
        return f"{text}: {phase_words(at.right)}" if at.right is not None else text
    legs = [
        f"{side} leg {phase_words(phase)}"
        for side, phase in (("right", at.right), ("left", at.left))
        if phase is not None
    ]
    return f"{text}: {', '.join(legs)}" if legs else text


def frame_captions(track: object, fps: float, cycles: int = 1) -> list[str] | None:
    """Each frame's phases in words for a video of ``cycles`` cycles of an activity's
    ``track`` at ``fps`` ("right leg mid-stance, left leg mid-swing"), the frames its
    :meth:`~app.model.motion.activities.ActivityTrack.frames` gives; None for a movement
    between poses, which has no phases."""
    if not isinstance(track, ActivityTrack):
        return None
    return [phase_label(track.activity, f).split(": ", 1)[-1] for f in track.fractions(fps, cycles)]


def abbreviation(phase: Phase) -> str:
    """A phase's initials ("initial_contact" -> "IC"), for a band too narrow for its name."""
    return "".join(word[0].upper() for word in phase.name.split("_") if word)


@dataclass(frozen=True)
class CycleLengths:
    """Each muscle's length (mm) at evenly spaced percentages of an activity's cycle."""

    activity: Activity
    percents: np.ndarray
    lengths: dict[str, np.ndarray]
    #: Each muscle's length in neutral standing (mm).
    standing: dict[str, float]

    def at(self, fraction: float) -> dict[str, float]:
        """The lengths at ``fraction`` of the cycle, interpolated between the samples."""
        percent = (fraction % 1.0) * 100
        return {m: float(np.interp(percent, self.percents, v)) for m, v in self.lengths.items()}

    def of_standing(self, muscle: str) -> np.ndarray:
        """``muscle``'s lengths in % of its length in neutral standing."""
        return 100 * self.lengths[muscle] / self.standing[muscle]


def cycle_lengths(
    mechanics: Mechanics, activity: Activity, muscles: Iterable[str], samples: int = CYCLE_SAMPLES
) -> CycleLengths:
    """The lengths of ``muscles`` over ``activity``'s cycle, 0 to 100 % (the 100 % sample is
    the 0 % one: the cycle closes)."""
    muscles = tuple(muscles)
    percents = np.linspace(0.0, 100.0, samples)
    rows: list[Mapping[str, float]] = [mechanics.lengths(activity.pose_at(p / 100)) for p in percents[:-1]]
    rows.append(rows[0])
    lengths = {m: np.array([row[m] for row in rows]) for m in muscles}
    return CycleLengths(activity, percents, lengths, {m: mechanics.neutral[m] for m in muscles})
