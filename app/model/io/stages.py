"""Where a frame's time goes: named stages timed while someone is listening.

``psoas-atlas bench`` turns :data:`STAGES` on and reads, per frame, how long the body's
deformation, its normals, the readout and the plot took; the window's code marks those
stages and pays nothing else for it (a flag test) when nobody listens. So the bench's
per-stage rows time the real code paths, not a copy of them, and a regression shows where
it is.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import AbstractContextManager, nullcontext


class _Stage:
    def __init__(self, stages: Stages, name: str) -> None:
        self.stages, self.name = stages, name

    def __enter__(self) -> None:
        self.began = time.perf_counter()

    def __exit__(self, *_exc: object) -> None:
        self.stages.spent[self.name] += time.perf_counter() - self.began


class Stages:
    """Seconds spent in each named stage since :meth:`start`; off until started (a stage
    inside another counts in both)."""

    def __init__(self) -> None:
        self.on = False
        self.spent: defaultdict[str, float] = defaultdict(float)

    def start(self) -> None:
        """Listen, from nothing spent."""
        self.on = True
        self.spent.clear()

    def stop(self) -> dict[str, float]:
        """Stop listening; what was spent in each stage (seconds)."""
        self.on = False
        return dict(self.spent)

    def take(self) -> dict[str, float]:
        """What was spent in each stage since the last take (seconds), still listening."""
        spent = dict(self.spent)
        self.spent.clear()
        return spent

    def __call__(self, name: str) -> AbstractContextManager[None]:
        return _Stage(self, name) if self.on else _OFF


_OFF = nullcontext()

#: The one listener the app's stages report to.
STAGES = Stages()
