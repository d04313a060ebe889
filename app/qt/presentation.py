"""Presentation mode: a lesson full screen, one step at a time, for teaching in class.

Only the 3D view stays; captions and labels are drawn large by VTK over it, so they are as
sharp on a projector as in an export. Presentation clickers send Page Up / Page Down; the
arrow keys, space and backspace work too; Escape leaves and gives the window back as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from app.model.lessons import Lesson
from app.qt.flight import CameraFlight
from app.render.overlay import TextOverlay

if TYPE_CHECKING:
    from app.qt.main_window import MainWindow

NEXT_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space)
PREVIOUS_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace)
#: Text and labels in presentation mode, relative to the window's (for the back of the room).
PRESENTATION_SCALE = 1.6


class Presentation(QObject):
    """Presents a lesson in a main window; :meth:`stop` restores the window."""

    step_changed = Signal(int)
    finished = Signal()

    def __init__(self, window: MainWindow, lesson: Lesson):
        super().__init__(window)
        self.window = window
        self.lesson = lesson
        self.index = -1
        self.active = False
        self.flight = CameraFlight(window.renderer, self)
        self.overlay: TextOverlay | None = None
        self._hidden: list = []
        self._in_front: list = []
        self._geometry = QByteArray()
        self._actions = [
            self._action("Next Step", NEXT_KEYS, self.next),
            self._action("Previous Step", PREVIOUS_KEYS, self.previous),
        ]

    def _action(self, text: str, keys: tuple[Qt.Key, ...], slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        return action

    @property
    def scale(self) -> float:
        height = self.window.screen().size().height() if self.window.screen() else 800
        return PRESENTATION_SCALE * max(1.0, height / 800)

    def start(self) -> None:
        """Hide menus, docks, toolbars and status bar, go full screen, show the first step."""
        w = self.window
        self.active = True
        self._geometry = w.saveGeometry()
        chrome = [w.menuBar(), w.statusBar(), *w.toolbars(), *w.docks()]
        self._hidden = [widget for widget in chrome if widget.isVisible()]
        # Of tabbed docks only the front one has a visible region: bring it back to the front.
        self._in_front = [d for d in w.docks() if d.isVisible() and not d.visibleRegion().isEmpty()]
        for widget in self._hidden:
            widget.hide()
        for action in self._actions:
            w.addAction(action)
        if w.screen() is not None:  # with no window manager (a bare X server) nothing else sizes it
            w.setGeometry(w.screen().geometry())
        w.showFullScreen()
        scale = self.scale
        w.renderer.emphasis.labels.set_scale(scale)
        self.overlay = TextOverlay(w.plotter, scale)
        self.overlay.make_room(w.renderer.emphasis.labels)
        w.renderer.emphasis.place_legend(on_top=True)
        self.go(0, animate=False)

    def stop(self) -> None:
        """Back to the window as it was; the scene stays at the step shown last."""
        if not self.active:
            return
        self.active = False
        w = self.window
        self.flight.finish()
        for action in self._actions:
            w.removeAction(action)
        if self.overlay is not None:
            self.overlay.remove()
            self.overlay = None
        w.renderer.emphasis.place_legend(on_top=False)
        w.renderer.emphasis.labels.set_scale(1.0)
        w.showNormal()
        w.restoreGeometry(self._geometry)
        for widget in self._hidden:
            widget.show()
        for dock in self._in_front:
            dock.raise_()
        w.renderer.render()
        self.finished.emit()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def go(self, index: int, animate: bool = True) -> None:
        """Show step ``index`` (from 0); past either end, stay and say so."""
        if not self.active:
            return
        count = len(self.lesson.steps)
        if not 0 <= index < count:
            edge = "End of the lesson" if index >= count else "First step"
            self._caption(self.index, note=f"{edge} · Esc to leave")
            self.window.renderer.render()
            return
        self.index = index
        step = self.lesson.steps[index]
        self._caption(index)
        self.flight.go(step, animate=animate)
        if not step.labels:
            self.window.renderer.emphasis.labels.set_labels([])
        self.step_changed.emit(index)

    def _caption(self, index: int, note: str | None = None) -> None:
        if self.overlay is None:
            return
        step = self.lesson.steps[index]
        counter = f"{self.lesson.title} · step {index + 1} of {len(self.lesson.steps)}"
        hint = note or (
            "Page Down, Space or Right: next · Page Up or Left: back · Esc: leave" if index == 0 else ""
        )
        self.overlay.set(title=step.title, caption=step.caption, footnote=f"{counter}    {hint}".rstrip())
