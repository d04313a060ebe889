"""Undo and redo of scene changes (Ctrl+Z / Ctrl+Shift+Z).

Every change of the scene model is a step (a batch, such as a lesson step or Isolate, is
one); moving an opacity or a joint slider, or playing a movement, is one step however
many values it passes through, and so is dragging or sliding a section's plane. Camera
drags are not scene changes and are not undone.
"""

from __future__ import annotations

import time

from psygnal import Signal

from app.model.scene.state import Aspect, SceneModel, SceneState

#: Opacity or pose changes closer together than this (seconds) are one step (a slider being
#: moved, a movement playing).
COALESCE_S = 1.5
#: The changes that a slider makes by the dozen.
SLIDING = (Aspect.opacity, Aspect.pose)


class History:
    """The scene's past and undone states."""

    changed = Signal()  # after every step, undo or redo (to enable the menu items)

    def __init__(self, scene: SceneModel, limit: int = 200):
        self.scene = scene
        self.limit = limit
        self._undo: list[SceneState] = []
        self._redo: list[SceneState] = []
        self._current = scene.state()
        self._restoring = False
        self._last_slide: tuple[Aspect, float] = (Aspect(0), 0.0)
        self._aside: tuple[list[SceneState], list[SceneState]] | None = None
        scene.changed.connect(self._on_changed)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def _on_changed(self, aspects: Aspect) -> None:
        if self._restoring or self._aside is not None:
            return
        state = self.scene.state()
        if state == self._current:
            return
        now = time.monotonic()
        last, at = self._last_slide
        slide = aspects in SLIDING or self._moves_section(aspects, state)
        sliding = slide and aspects == last and now - at < COALESCE_S and self._undo
        self._last_slide = (aspects, now) if slide else (Aspect(0), 0.0)
        if not sliding:
            self._undo = [*self._undo, self._current][-self.limit :]
        self._redo = []
        self._current = state
        self.changed.emit()

    def _moves_section(self, aspects: Aspect, state: SceneState) -> bool:
        """A section's plane dragged or slid (moved or tilted, no longer snapped to a level),
        keeping its side or slab; not a new orientation chosen."""
        before, after = self._current.section, state.section
        if aspects != Aspect.section or before is None or after is None or after.level is not None:
            return False
        turned = (
            "oblique" not in (before.orientation, after.orientation)
            and before.orientation != after.orientation
        )
        return (before.slab_mm, before.flipped) == (after.slab_mm, after.flipped) and not turned

    def set_aside(self) -> None:
        """Keep the steps so far aside and record none until :meth:`put_back` (quiz mode:
        its scenes are its own, not steps of the user's to undo)."""
        if self._aside is None:
            self._aside = (self._undo, self._redo)
            self._undo, self._redo = [], []
            self.changed.emit()

    def put_back(self) -> None:
        """The steps set aside come back, the scene (put back as it was) the current one."""
        if self._aside is not None:
            (self._undo, self._redo), self._aside = self._aside, None
            self._current = self.scene.state()
            self._last_slide = (Aspect(0), 0.0)
            self.changed.emit()

    def undo(self) -> bool:
        """Go back one step; False when there is none."""
        if not self._undo:
            return False
        self._redo.append(self._current)
        self._go(self._undo.pop())
        return True

    def redo(self) -> bool:
        """Go forward one undone step; False when there is none."""
        if not self._redo:
            return False
        self._undo.append(self._current)
        self._go(self._redo.pop())
        return True

    def _go(self, state: SceneState) -> None:
        self._restoring = True
        try:
            self.scene.restore(state)
        finally:
            self._restoring = False
        self._current = self.scene.state()
        self._last_slide = (Aspect(0), 0.0)
        self.changed.emit()
