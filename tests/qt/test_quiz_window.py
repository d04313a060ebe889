"""Quiz mode in the real window: every question type answered right and wrong with real
clicks and key presses, the answer shown in 3D, nothing given away while a question waits,
progress kept on disk across windows, the scene put back, and a quiz file presented."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.io.paths import annotations_dir
from app.model.quiz.quiz_files import load_quiz
from app.model.quiz.review import Progress, QuizSession
from tests.qt.conftest import ready_for_the_quiz

SIZE = (1600, 1000)


@pytest.fixture
def window(qtbot, window, quiz_data_dir, monkeypatch):
    return ready_for_the_quiz(qtbot, window, quiz_data_dir, monkeypatch, SIZE)


def start(window, *ids: str, multiple_choice: bool = False) -> None:
    bank = window.quiz.bank.by_id()
    window.start_quiz(QuizSession([bank[i] for i in ids], window.quiz.progress), multiple_choice)


def key(qtbot, window, name: str) -> None:
    qtbot.keyClick(window.plotter.interactor, getattr(Qt.Key, f"Key_{name}"))


def click(qtbot, window, pixel: QPoint | None) -> None:
    assert pixel is not None
    qtbot.mouseClick(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=pixel)


def region_pixel(window, points: np.ndarray, far: bool = False) -> QPoint:
    """A widget pixel over an attachment region (one that picks a point on it), or, ``far``,
    a bone pixel well away from it."""
    widget, clicks = window.plotter.interactor, window.clicks
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    candidates: list[QPoint] = []
    if far:
        bone = window.quiz.question.regions[0].bone
        candidates = [clicks.pixel_of(sid) for sid in ("vertebra_l1", bone) if sid in window.renderer.meshes]
        candidates = [c for c in candidates if c is not None]
    else:
        for point in points[:: max(1, len(points) // 60)]:
            coordinate.SetValue(*point)
            x, y = coordinate.GetComputedDoubleDisplayValue(window.plotter.renderer)
            candidates.append(QPoint(round(x), round(widget.height() - 1 - y)))
    for pixel in candidates:
        if clicks.pick_at(pixel) is None:
            continue
        hit = np.asarray(window.renderer.picker.pick_point())
        distance = np.min(np.linalg.norm(points - hit, axis=1))
        if (distance > 40) if far else (distance < 5):
            return pixel
    raise AssertionError("no pixel found")


def answered(window, right: bool, structure: str | None) -> None:
    quiz = window.quiz
    assert not quiz.waiting
    assert quiz.feedback.text().startswith("✔" if right else "✘"), quiz.feedback.text()
    assert quiz.feedback.accessibleName().startswith("Right" if right else "Wrong")
    assert window.scene.selected == structure
    assert window.scene.picture.labels and window.clicks.tooltips and not window.info.withheld


def waiting(window) -> None:
    quiz, scene = window.quiz, window.scene
    assert quiz.waiting and quiz.prompt.accessibleName() == "Question"
    assert quiz.prompt.accessibleDescription() == quiz.question.prompt
    assert not scene.picture.labels and not window.clicks.tooltips and window.info.withheld
    assert window.statusBar().currentMessage() == ""
    assert not window.structures_dock.isVisible()
    # undoing the quiz's own set-up would show the answer
    assert not window.actions_by_name["undo"].isEnabled() and not window.actions_by_name["redo"].isEnabled()


def test_every_question_type_right_and_wrong(qtbot, window, quiz_data_dir):
    scene, quiz = window.scene, window.quiz
    before = scene.state()
    ids = [
        "find:psoas_major_right", "find:femoral_nerve_right",
        "name:iliacus_right", "name:iliacus_right", "name:iliacus_right",
        "attachment:iliacus_right:insertion", "attachment:iliacus_right:insertion",
        "roots:femoral_nerve", "roots:femoral_nerve", "supply:iliacus", "supply:iliacus",
        "myth:psoas_major:1", "myth:psoas_major:1", "motion:iliacus_right:shortens",
        "motion:iliacus_right:shortens",
    ]  # fmt: skip
    start(window, *ids)
    assert window.quiz_dock.isVisible() and not window.quiz_dock.visibleRegion().isEmpty()

    def choice(right: bool) -> None:
        """Answer the waiting multiple-choice question by its key, right or wrong."""
        q = quiz.question
        index = q.choice_index if right else next(i for i in range(len(q.choices)) if i != q.choice_index)
        assert quiz.choice_buttons[index].text() == f"{index + 1}. {q.choices[index]}"
        key(qtbot, window, str(index + 1))
        answered(window, right, q.structure)

    def next_question() -> None:
        key(qtbot, window, "N")

    # find it: a muscle clicked right; a nerve, seen through the muscles, missed
    waiting(window)
    assert scene.selected is None
    click(qtbot, window, window.clicks.pixel_of("psoas_major_right"))
    answered(window, True, "psoas_major_right")
    next_question()
    waiting(window)
    assert scene.opacity("psoas_major_right") == pytest.approx(0.3)
    click(qtbot, window, window.clicks.pixel_of("vertebra_l3"))
    answered(window, False, "femoral_nerve_right")
    assert "femoral nerve" in quiz.feedback.text()
    next_question()

    # name it: typed with a typo, a wrong name, then by choice key
    waiting(window)
    assert scene.selected == "iliacus_right" and quiz.name_edit.isVisible()
    key(qtbot, window, "Escape")  # Esc keeps the highlighted structure the question is about
    assert scene.selected == "iliacus_right" and quiz.waiting
    quiz.name_edit.setFocus()
    qtbot.keyClicks(quiz.name_edit, "ilacus")
    qtbot.keyClick(quiz.name_edit, Qt.Key.Key_Return)
    answered(window, True, "iliacus_right")
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_Return)  # Enter: the next question
    waiting(window)
    qtbot.keyClicks(quiz.name_edit, "psoas major")
    qtbot.keyClick(quiz.name_edit, Qt.Key.Key_Return)
    answered(window, False, "iliacus_right")
    next_question()
    waiting(window)
    qtbot.mouseClick(quiz.show_choices_button, Qt.MouseButton.LeftButton)
    assert not window.actions_by_name["view_anterior"].isEnabled()  # 1 answers, not the view
    choice(True)
    assert window.actions_by_name["view_anterior"].isEnabled()
    next_question()

    # attachment: a click on the lesser trochanter region, and one far from it
    for right in (True, False):
        waiting(window)
        assert not any(scene.is_visible(s.id) for s in scene.catalogue if s.kind.value == "muscle")
        points = np.vstack([scene.posed_attachment(a).points for a in quiz.question.regions])
        click(qtbot, window, region_pixel(window, points, far=not right))
        answered(window, right, "iliacus_right")
        assert scene.state().focus in quiz.question.regions
        next_question()

    # roots (which selects nothing while it waits), supply: choice keys
    for kind in ("roots", "supply"):
        for right in (True, False):
            waiting(window)
            assert quiz.question.type.value == kind
            assert scene.selected == (None if kind == "roots" else "iliacus_right")
            choice(right)
            next_question()

    # myth: T and F
    waiting(window)
    key(qtbot, window, "F")
    answered(window, True, "psoas_major_right")
    next_question()
    key(qtbot, window, "T")
    answered(window, False, "psoas_major_right")
    next_question()

    # motion: the answer's pose is taken
    waiting(window)
    choice(True)
    assert scene.pose == scene.poses.resolve([quiz.question.pose])
    next_question()
    choice(False)
    next_question()

    # the wrong answers come back at the end; leave instead, and all is as it was
    assert quiz.waiting and quiz.session.answered == len(ids)
    key(qtbot, window, "Q")
    assert not window.in_quiz and scene.state() == before
    assert window.structures_dock.isVisible() and window.clicks.on_click is None
    cards = Progress.default().cards
    assert cards["name:iliacus_right"].reviews == 3 and cards["find:psoas_major_right"].right == 1

    # a class quiz presented: each question, then its answer on Page Down
    quiz_file, errors = load_quiz(annotations_dir() / "quizzes" / "iliopsoas-and-the-plexus.yaml", quiz.bank)
    assert quiz_file is not None, errors
    total = len(quiz_file.questions)
    window.present_quiz(quiz_file)
    assert scene.picture.title == f"Question 1 of {total}"
    key(qtbot, window, "PageDown")
    qtbot.waitUntil(lambda: scene.picture.title == f"Answer 1 of {total}")
    key(qtbot, window, "Escape")
    assert window.presentation is None and scene.state() == before


def test_progress_survives_a_new_window_and_exports(qtbot, window, quiz_data_dir, tmp_path, monkeypatch):
    start(window, "roots:femoral_nerve")
    reviews = window.quiz.progress.card("roots:femoral_nerve").reviews
    key(qtbot, window, str(window.quiz.question.choice_index + 1))
    window.leave_quiz()
    window.quiz._progress = None  # read again from data_dir, as a new window does
    start(window, "roots:femoral_nerve")
    assert window.quiz.progress.card("roots:femoral_nerve").reviews == reviews + 1
    table = window.quiz.table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert int(table.item(rows["nerves"], 2).text()) >= 1  # seen, as the table says
    window.quiz.export_csv(tmp_path / "progress.csv")
    text = (tmp_path / "progress.csv").read_text()
    assert text.startswith("topic,questions,seen,due,new,reviews,right_percent,next_due")
    # A "folder" that is a file: one warning, no traceback, no file.
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    (tmp_path / "a-file").write_text("not a folder")
    missing = tmp_path / "a-file" / "progress.csv"
    warned = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), "CSV (*.csv)"))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    window.export_progress_dialog()
    assert len(warned) == 1 and warned[0].startswith(f"Cannot write {missing}")
    assert (tmp_path / "a-file").read_text() == "not a folder"
    window.leave_quiz()


def test_a_corrupt_progress_file_is_set_aside_and_said(qtbot, new_window, tmp_path, monkeypatch):
    monkeypatch.setenv("PSOAS_ATLAS_DATA", str(tmp_path))
    (tmp_path / "quiz-progress.json").write_text("{ not json")
    window = new_window(SIZE)
    start(window, "roots:femoral_nerve")
    (aside,) = tmp_path.glob("quiz-progress.json.unreadable-*")
    assert aside.read_text() == "{ not json"
    said = window.statusBar().currentMessage()
    assert "quiz-progress.json" in said and aside.name in said
    assert any(aside.name in str(problem) for problem in window.problems)
    window.quiz.choose(window.quiz.question.choice_index)
    assert Progress(tmp_path / "quiz-progress.json").card("roots:femoral_nerve").reviews == 1
    window.leave_quiz()
