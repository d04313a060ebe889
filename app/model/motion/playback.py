"""Poses over time: a movement eased from one pose to another, played in the window, in
presentation mode and written frame by frame to a video (one timing for all three)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from app.model.motion.kinematics import Pose

#: Seconds a video holds a still lesson step, and the start and end of a movement.
HOLD_STILL = 2.5
HOLD_START = 0.5
HOLD_END = 1.0


def ease(fraction: float) -> float:
    """Slow in, slow out (smoothstep): a limb starts and stops moving gently, never with a
    jerk, as the camera flights do."""
    t = min(1.0, max(0.0, fraction))
    return t * t * (3 - 2 * t)


class Track(Protocol):
    """What the player plays: a movement (:class:`Tween`) or an activity's cycle
    (:class:`~app.model.motion.activities.ActivityTrack`)."""

    @property
    def seconds(self) -> float: ...

    def at(self, time: float, loop: bool = False) -> Pose: ...

    def frames(self, fps: float) -> list[Pose]: ...


class Span(Track, Protocol):
    """A track played once, from the pose it starts in to the one it ends in: a movement, or
    a stretch of an activity's cycle (:class:`~app.model.motion.cycles.CycleSpan`)."""

    @property
    def still(self) -> bool: ...

    @property
    def start(self) -> Pose: ...

    @property
    def end(self) -> Pose: ...


@dataclass(frozen=True)
class Tween:
    """One movement: ``start`` to ``end`` over ``seconds``."""

    start: Pose
    end: Pose
    seconds: float

    @property
    def still(self) -> bool:
        return self.start == self.end

    def at(self, time: float, loop: bool = False) -> Pose:
        """The pose ``time`` seconds in; with ``loop`` the movement goes there and back
        for ever (a return, not a jump back to the start)."""
        if self.seconds <= 0:
            return self.end
        if loop:
            phase = math.fmod(max(0.0, time), 2 * self.seconds)
            time = phase if phase <= self.seconds else 2 * self.seconds - phase
        return self.start.towards(self.end, ease(time / self.seconds))

    def frames(self, fps: float) -> list[Pose]:
        """The poses of a video of the movement at ``fps``, first and last included."""
        count = max(2, round(self.seconds * fps) + 1)
        return [self.at(self.seconds * i / (count - 1)) for i in range(count)]


def hold(pose: Pose, seconds: float, fps: float) -> list[Pose]:
    """A still of ``seconds`` at ``fps`` (at least one frame)."""
    return [pose] * max(1, round(seconds * fps))


def reel(tween: Span, fps: float) -> list[Pose]:
    """The frames a video gives one step: a still held, or a movement with a pause before
    and after it so the viewer sees where it starts and ends."""
    if tween.still:
        return hold(tween.end, HOLD_STILL, fps)
    return [
        *hold(tween.start, HOLD_START, fps),
        *tween.frames(fps),
        *hold(tween.end, HOLD_END, fps),
    ]
