"""Presentation mode: a lesson full screen, one step at a time, for teaching in class.

Only the 3D view stays; titles, captions and labels are the scene's picture drawn large by
VTK, so they are as sharp on a projector as in an export. Presentation clickers send Page Up
/ Page Down; the arrow keys, space and backspace work too; Escape leaves and puts the window
and the scene back as they were before (selection, what is shown, opacities, camera, pose).
A step with a movement (or a stretch of an activity's cycle) plays it once the camera has
arrived; P plays it again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from app.model.motion.kinematics import PoseError
from app.model.motion.playback import Span
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import Lesson, step_picture, step_track
from app.qt.flight import FLIGHT_MS, CameraFlight
from app.qt.player import PosePlayer
from app.render.scene_renderer import SceneRenderer

NEXT_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space)
PREVIOUS_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace)
REPLAY_KEYS = (Qt.Key.Key_P,)
#: Text and labels in presentation mode, relative to the window's (for the back of the room).
PRESENTATION_SCALE = 1.6
FIRST_STEP_HINT = "Page Down, Space or Right: next · Page Up or Left: back · P: play again · Esc: leave"


class Stage(Protocol):
    """What a presentation needs of the window it runs in."""

    scene: SceneModel
    renderer: SceneRenderer
    player: PosePlayer

    def enter_full_screen(self) -> None:
        """Hide everything but the 3D view and fill the screen."""

    def leave_full_screen(self) -> None:
        """Give the window back as it was."""

    def screen_height(self) -> int: ...

    def addAction(self, action: QAction) -> None: ...  # noqa: N802 - Qt API

    def removeAction(self, action: QAction) -> None: ...  # noqa: N802 - Qt API


class Presentation(QObject):
    """Presents a lesson on a stage; :meth:`stop` restores the stage and the scene."""

    step_changed = Signal(int)
    finished = Signal()

    def __init__(
        self, stage: Stage, lesson: Lesson, parent: QObject | None = None, flight_ms: int = FLIGHT_MS
    ):
        super().__init__(parent)
        self.stage = stage
        self.scene = stage.scene
        self.lesson = lesson
        self.index = -1
        self.active = False
        self.flight = CameraFlight(stage.renderer, self, flight_ms)
        self.flight.landed.connect(self._landed)
        self.player = stage.player
        self._movement: Span | None = None  # the step's, played when the camera lands
        self._before = self.scene.state()
        self._camera_before = stage.renderer.camera_pose()
        self._actions = [
            self._action("Next Step", NEXT_KEYS, self.next),
            self._action("Previous Step", PREVIOUS_KEYS, self.previous),
            self._action("Play the Movement Again", REPLAY_KEYS, self.replay),
        ]

    def _action(self, text: str, keys: tuple[Qt.Key, ...], slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        return action

    @property
    def scale(self) -> float:
        return PRESENTATION_SCALE * max(1.0, self.stage.screen_height() / 800)

    def start(self) -> None:
        """Go full screen and show the first step."""
        self.active = True
        self._before = self.scene.state()
        self._camera_before = self.stage.renderer.camera_pose()
        for action in self._actions:
            self.stage.addAction(action)
        self.stage.enter_full_screen()
        self.go(0, animate=False)

    def stop(self) -> None:
        """Back to the window and the scene as they were before presenting."""
        if not self.active:
            return
        self.active = False
        self.flight.finish()
        self._movement = None
        self.player.pause()
        for action in self._actions:
            self.stage.removeAction(action)
        self.stage.leave_full_screen()
        with self.stage.renderer.hold():
            self.scene.restore(self._before)
            self.stage.renderer.apply_camera(self._camera_before)
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
            counter = step_picture(self.lesson, self.index).footnote
            self.scene.set_picture(footnote=f"{counter}    {edge} · Esc to leave")
            return
        self.index = index
        picture = step_picture(self.lesson, index, label_scale=self.scale, legend_on_top=True)
        if index == 0:
            picture = replace(picture, footnote=f"{picture.footnote}    {FIRST_STEP_HINT}")
        self.player.pause()
        self._movement = self.movement(index)
        moves = self._movement is not None
        self.flight.go(self.lesson.steps[index], animate=animate, picture=picture, at_start=moves)
        self.step_changed.emit(index)

    def movement(self, index: int) -> Span | None:
        """The movement (or stretch of an activity) step ``index`` plays, if it has one and
        the scene can move."""
        poses, step = self.scene.poses, self.lesson.steps[index]
        if poses is None or (step.motion is None and step.activity is None):
            return None
        try:
            return step_track(step, poses, self.scene.activities)
        except PoseError:
            return None

    def replay(self) -> None:
        """Play the step's movement again from its start."""
        if self.active and 0 <= self.index < len(self.lesson.steps):
            tween = self.movement(self.index)
            if tween is not None:
                self.player.play(tween, loop=False)

    def _landed(self) -> None:
        if self.active and self._movement is not None:
            tween, self._movement = self._movement, None
            self.player.play(tween, loop=False)
