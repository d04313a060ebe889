"""Quiz mode in the window: what the window withholds while a question waits, and puts back.

The scene a question and its answer show is the model's (:mod:`app.model.quiz.scenes`): the
quiz's own, not the user's. Here is what belongs to the window: the user's scene, camera,
length colours and undo steps kept to go back to whole (a movement playing stops where it
is), the quiz's camera, the docks that would name the answer (hidden), clicks that answer,
tooltips and notes withheld, and the Quiz menu's dialogs. The Quiz dock itself is
:class:`app.qt.quiz_panel.QuizPanel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox, QStatusBar, QToolTip, QWidget

from app.model.anatomy.structures import Problem
from app.model.quiz.questions import Question
from app.model.quiz.quiz_files import Quiz, load_quiz, quiz_lesson
from app.model.quiz.review import QuizSession
from app.model.quiz.scenes import quiz_scene, set_question, show_answer
from app.model.scene.history import History
from app.model.scene.state import SceneModel, SceneState
from app.model.scene.views import VIEWS, CameraPose
from app.model.teaching.lessons import Lesson
from app.qt.file_actions import annotations_dir
from app.qt.flight import CameraFlight
from app.qt.info_panel import InfoPanel
from app.qt.player import PosePlayer
from app.qt.presentation import Presentation
from app.qt.quiz_panel import QuizPanel
from app.qt.viewport import ClickSelector
from app.render.scene_renderer import SceneRenderer


class QuizHost(Protocol):
    """What quiz mode needs of the main window."""

    scene: SceneModel
    history: History
    renderer: SceneRenderer
    clicks: ClickSelector
    info: InfoPanel
    flight: CameraFlight
    player: PosePlayer
    quiz: QuizPanel
    quiz_dock: QDockWidget
    structures_dock: QDockWidget
    info_dock: QDockWidget
    actions_by_name: dict[str, QAction]
    problems: list[Problem]
    presentation: Presentation | None

    def window(self) -> QWidget: ...
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt API
    def present(self, lesson: Lesson) -> Presentation: ...


class QuizMode(QObject):
    """Enters and leaves quiz mode, and sets the window for each question and answer."""

    #: What is withheld changed (a question asked, answered, or the quiz left): the status
    #: bar's name of the selection and the undo commands are to be checked again.
    withholding_changed = Signal()

    def __init__(self, host: QuizHost, hidden_docks: Sequence[QDockWidget | None]):
        super().__init__(host.window())
        self.host = host
        #: The docks that would name the highlighted structure (the tree would): hidden.
        self.hidden_docks = [d for d in hidden_docks if d is not None]
        #: The user's scene, camera and length colours, put back on leaving.
        self._before: SceneState | None = None
        self._camera: CameraPose | None = None
        self._length_colours = False
        #: The quiz's scene and camera: each question starts from them.
        self._start: SceneState | None = None
        self._quiz_camera: CameraPose | None = None
        self._hidden: list[QDockWidget] = []
        host.quiz.asked.connect(self._asked)
        host.quiz.answered.connect(self._answered)
        host.quiz.keys_changed.connect(self._keys)

    @property
    def active(self) -> bool:
        return self._before is not None

    def toggle(self) -> None:
        """Q: practise the questions that are due, or leave the quiz."""
        if self.active:
            self.leave()
        else:
            self.start()

    def start(self, session: QuizSession | None = None, multiple_choice: bool = False) -> None:
        """Quiz mode: the scene is kept to be put back, the docks that name the selection
        leave, clicks answer; ``session`` (a practice session by default) is asked."""
        host = self.host
        if host.presentation is not None:
            host.presentation.stop()  # the user's scene is back: the quiz keeps that one
        if not self.active:
            host.player.pause()
            host.flight.finish()
            scene = host.scene
            self._before = scene.state()
            self._camera = host.renderer.camera_pose()
            self._length_colours = scene.length_colours
            host.history.set_aside()  # the quiz's scenes are no steps of the user's
            self._start = quiz_scene(scene)
            with host.renderer.hold():
                scene.restore(self._start)
                scene.set_length_colours(False)
                scene.set_view(self._start.view)  # framed on the whole, not the user's cut
            self._quiz_camera = host.renderer.camera_pose()
            self._hidden = [d for d in self.hidden_docks if d.isVisible()]
            for dock in self._hidden:
                dock.hide()
            host.clicks.on_click = host.quiz.answer_click
            host.actions_by_name["quiz"].setText("Leave &Quiz")
        host.quiz_dock.show()
        host.quiz_dock.raise_()
        if session is None:
            host.quiz.start_practice()
        else:
            host.quiz.start(session, multiple_choice)
        self._progress_problems()

    def _progress_problems(self) -> None:
        """Say what went wrong with the progress file (set aside, not saved), once each,
        in the status bar and under Help ▸ Annotation Problems."""
        fresh = [p for p in self.host.quiz.progress.problems if p not in self.host.problems]
        if fresh:
            self.host.problems += fresh
            self.host.statusBar().showMessage(str(fresh[-1]), 15000)

    def leave(self) -> None:
        """Back to the atlas as it was before the quiz."""
        before, self._before, self._start = self._before, None, None
        if before is None:
            return
        host = self.host
        host.quiz.stop()
        self._reveal()
        host.clicks.on_click = None
        for dock in self._hidden:
            dock.show()
        host.structures_dock.raise_()
        with host.renderer.hold():
            host.scene.restore(before)
            host.scene.set_length_colours(self._length_colours)
            if self._camera is not None:
                host.renderer.apply_camera(self._camera)
        host.history.put_back()
        host.info_dock.raise_()
        host.actions_by_name["quiz"].setText("Start &Quiz")
        host.statusBar().showMessage("Quiz ended; the scene is as it was", 4000)

    def _asked(self, question: Question) -> None:
        """Set the scene for a question (:func:`set_question`) from the quiz's scene and
        camera (whatever the last answer or the user changed), showing nothing that gives
        its answer away: no names on hover or notes."""
        if self._start is None or not self.active:
            return
        host = self.host
        host.clicks.tooltips = False
        QToolTip.hideText()
        host.info.withhold(True)
        host.flight.finish()  # an answer's flight to its attachment
        with host.renderer.hold():
            host.scene.restore(self._start)
            if self._quiz_camera is not None:
                host.renderer.apply_camera(self._quiz_camera)
            set_question(host.scene, question)
        host.statusBar().clearMessage()
        self.withholding_changed.emit()

    def _answered(self, question: Question, _grade: object) -> None:
        """Show the answer in 3D (:func:`show_answer`); the notes come back."""
        self._reveal()
        self._progress_problems()
        with self.host.renderer.hold():
            show_answer(self.host.scene, question)

    def _reveal(self) -> None:
        self.host.clicks.tooltips = True
        self.host.info.withhold(False)
        self.withholding_changed.emit()

    def _keys(self) -> None:
        """The quiz's answer keys win over the views' (1-4) while they answer."""
        live = {
            key.toString()
            for action in self.host.quiz.key_actions
            if action.isEnabled()
            for key in action.shortcuts()
        }
        for view in VIEWS.values():
            self.host.actions_by_name[f"view_{view.name}"].setEnabled(view.shortcut not in live)

    # the Quiz menu's files
    def _open(self, title: str) -> Quiz | None:
        """A quiz file the user chooses, or None (its problems shown, one per line)."""
        window = self.host.window()
        name, _ = QFileDialog.getOpenFileName(
            window, title, str(annotations_dir(self.host.renderer) / "quizzes"), "Quizzes (*.yaml *.yml)"
        )
        if not name:
            return None
        quiz, errors = load_quiz(Path(name), self.host.quiz.bank)
        if quiz is None:
            QMessageBox.warning(window, "Quiz not opened", "\n".join(str(e) for e in errors))
        return quiz

    def open_dialog(self) -> None:
        quiz = self._open("Open Quiz")
        if quiz is not None:
            self.start(QuizSession(quiz.questions, self.host.quiz.progress), quiz.multiple_choice)
            self.host.statusBar().showMessage(f"Quiz: {quiz.title}", 5000)

    def present_dialog(self) -> None:
        quiz = self._open("Present Quiz")
        if quiz is not None:
            self.present(quiz)

    def present(self, quiz: Quiz) -> Presentation:
        """A class quiz full screen: each question, then its answer on the next key."""
        self.leave()
        return self.host.present(quiz_lesson(quiz))
