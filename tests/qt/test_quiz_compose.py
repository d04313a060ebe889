"""The quiz beside what else the window can do (issue 28): a section, a pose, a movement
playing, colours by length change, hidden structures, a close-up, a presentation. A
question starts from the quiz's own scene (the atlas as it opens), whatever the user had
made, and leaving gives the user's scene back whole; real keys and clicks, real frames."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.quiz.review import QuizSession
from app.model.scene.views import CameraPose
from app.model.sections.planes import Section
from app.render.picking import THIN_TOLERANCE_PX
from tests.qt.conftest import ready_for_the_quiz

SIZE = (1366, 768)


@pytest.fixture
def window(qtbot, window, quiz_data_dir, monkeypatch):
    return ready_for_the_quiz(qtbot, window, quiz_data_dir, monkeypatch, SIZE)


def start(window, *ids: str) -> None:
    bank = window.quiz.bank.by_id()
    window.start_quiz(QuizSession([bank[i] for i in ids], window.quiz.progress))


def key(qtbot, window, name: str) -> None:
    qtbot.keyClick(window.plotter.interactor, getattr(Qt.Key, f"Key_{name}"))


def click(qtbot, window, pixel: QPoint | None) -> None:
    assert pixel is not None
    qtbot.mouseClick(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=pixel)


def slab_at_l4_l5(window) -> Section:
    scene = window.scene
    section = scene.sections.snapped(Section(slab_mm=10.0), "L4_L5")
    scene.set_section(section)
    window.plotter.render()
    assert window.section_handle.shown
    return section


def user_scene(window) -> tuple:
    """What leaving the quiz must give back: the scene, the camera, the length colours."""
    return window.scene.state(), window.renderer.camera_pose(), window.scene.length_colours


def drawn_label_texts(window) -> list[str]:
    return [label.text for label in window.renderer.emphasis.labels.labels]


def pixel_of_point(window, point) -> QPoint:
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*point)
    x, y = coordinate.GetComputedDoubleDisplayValue(window.plotter.renderer)
    return QPoint(round(x), round(window.plotter.interactor.height() - 1 - y))


def test_a_section_is_the_users_and_each_question_starts_uncut(qtbot, window):
    """An axial slab at L4/L5: "Click the left inguinal ligament" asked with no ligament on
    screen, answers over the slab, the cut put back before every question."""
    scene = window.scene
    section = slab_at_l4_l5(window)
    before = user_scene(window)
    start(window, "find:inguinal_ligament_left", "attachment:iliacus_right:origin", "roots:femoral_nerve")

    assert scene.section is None and not window.section_handle.shown
    assert scene.shown("inguinal_ligament_left")
    click(qtbot, window, window.clicks.pixel_of("inguinal_ligament_left"))
    assert window.quiz.feedback.text().startswith("✔"), window.quiz.feedback.text()
    assert scene.section is None  # the answer is shown on the whole, not over the slab
    scene.set_section(section)  # the user cuts again while the answer is shown
    key(qtbot, window, "N")
    assert scene.section is None and not window.section_handle.shown  # the quiz decides

    # the attachment's answer: every region named once, on the bone that is all there
    qtbot.mouseClick(window.quiz.skip_button, Qt.MouseButton.LeftButton)
    texts = drawn_label_texts(window)
    question = window.quiz.session.current
    assert {r.name for r in question.regions} <= set(texts)
    assert len(texts) == len(set(texts)), texts
    assert scene.emphasis.focus_attachment in question.regions

    key(qtbot, window, "N")
    key(qtbot, window, "Q")  # leave: the slab, the handle and the camera come back
    assert not window.in_quiz and user_scene(window) == before
    assert scene.section == section and window.section_handle.shown
    assert window.section_panel.orientation.currentData() == "axial"


def test_a_pose_and_a_movement_playing_are_the_users(qtbot, window):
    """Posed and playing a movement (K): the movement stops where it is, each question is
    asked standing, a motion answer takes its pose, and the user's pose comes back."""
    scene, player = window.scene, window.player
    scene.set_pose(scene.poses.resolve(["thomas_test"]))
    key(qtbot, window, "K")  # the Motion dock's movement plays
    qtbot.waitUntil(lambda: player.playing)
    qtbot.wait(150)
    asked = ("attachment:iliacus_right:insertion", "motion:iliacus_right:shortens", "roots:femoral_nerve")
    start(window, *asked)
    assert not player.playing
    kept = window.quiz_mode._before  # where the movement stopped
    assert kept is not None and not kept.pose.neutral
    assert scene.pose.neutral  # the question is asked standing

    points = np.vstack([scene.posed_attachment(a).points for a in window.quiz.question.regions])
    hits = [pixel_of_point(window, p) for p in points[:: max(1, len(points) // 40)]]
    click(qtbot, window, next(p for p in hits if window.clicks.pick_at(p) is not None))
    assert window.quiz.feedback.text().startswith("✔"), window.quiz.feedback.text()
    key(qtbot, window, "N")
    question = window.quiz.question
    key(qtbot, window, str(question.choice_index + 1))  # the motion question: its pose taken
    assert scene.pose == scene.poses.resolve([question.pose]) and not scene.pose.neutral
    key(qtbot, window, "N")
    assert scene.pose.neutral  # the next question stands again

    key(qtbot, window, "Q")
    assert not window.in_quiz and scene.state() == kept and not player.playing


def test_length_colours_are_off_in_the_quiz_and_back_after(qtbot, window):
    scene, panel = window.scene, window.motion
    panel.colour_by_length.click()  # the Motion dock's check box
    assert scene.length_colours
    scene.set_pose(scene.poses.resolve([next(n for n in scene.poses.poses if n != "neutral")]))
    coloured = window.renderer.actors["psoas_major_right"].prop.color
    before = user_scene(window)
    start(window, "find:psoas_major_right", "motion:iliacus_right:shortens")

    usual = scene.catalogue["psoas_major_right"].color
    assert not scene.length_colours and not panel.colour_by_length.isChecked()
    assert window.renderer.actors["psoas_major_right"].prop.color == usual != coloured
    click(qtbot, window, window.clicks.pixel_of("psoas_major_right"))
    key(qtbot, window, "N")
    assert not scene.length_colours

    key(qtbot, window, "Q")
    assert user_scene(window) == before and panel.colour_by_length.isChecked()
    assert window.renderer.actors["psoas_major_right"].prop.color == coloured


def test_hidden_structures_xray_and_a_close_up_are_the_users(qtbot, window):
    scene = window.scene
    scene.hide("inguinal_ligament_left")
    scene.set_xray(True)
    scene.select("femur_right")
    close_up = CameraPose(position=(60.0, -400.0, -120.0), focal_point=(-90.0, 0.0, -140.0), up=(0, 0, 1.0))
    window.renderer.apply_camera(close_up)  # the femur's head, close
    before = user_scene(window)
    start(window, "find:inguinal_ligament_left", "name:iliacus_right")

    assert scene.shown("inguinal_ligament_left") and not scene.xray and scene.selected is None
    assert window.renderer.camera_pose() != before[1]  # the quiz's view of the whole
    pixel = window.clicks.pixel_of("inguinal_ligament_left")
    assert pixel is not None
    click(qtbot, window, pixel)
    key(qtbot, window, "N")
    assert scene.selected == "iliacus_right"
    key(qtbot, window, "Q")
    assert user_scene(window) == before
    assert not scene.shown("inguinal_ligament_left") and scene.xray and scene.selected == "femur_right"


def test_the_quiz_entered_from_a_presentation(qtbot, window):
    """Q while a lesson is presented: the presentation ends (the user's scene back, not full
    screen), the quiz starts from its own; leaving it gives the scene before presenting."""
    scene = window.scene
    slab_at_l4_l5(window)
    before = user_scene(window)
    window.present(window.lessons[1][1])
    assert window.presentation is not None and scene.picture.title
    key(qtbot, window, "Q")
    assert window.presentation is None and window.in_quiz and not window.isFullScreen()
    assert scene.section is None and window.quiz.waiting and not scene.picture.title
    key(qtbot, window, "Q")
    assert not window.in_quiz and user_scene(window) == before


def test_the_inguinal_ligament_is_picked_beside_it_as_a_nerve_is(qtbot, window):
    """Thin as a nerve (a band a few pixels wide from the standard view): a click a pixel or
    two beside it, on the bone or muscle behind, finds it."""
    start(window, "find:inguinal_ligament_left")
    clicks, mesh = window.clicks, window.renderer.meshes["inguinal_ligament_left"]
    on = [pixel_of_point(window, p) for p in mesh.points[:: max(1, mesh.n_points // 300)]]
    on = [p for p in on if clicks.pick_at(p, tolerant=False) == "inguinal_ligament_left"]
    assert on, "the ligament is not in view"
    near = round(THIN_TOLERANCE_PX / 3)  # the picker's first ring
    beside = [
        pixel + QPoint(dx, dy)
        for pixel in on
        for dx, dy in ((near, 0), (-near, 0), (0, near), (0, -near))
        if clicks.pick_at(pixel + QPoint(dx, dy), tolerant=False) not in (None, *window.renderer.picker.thin)
    ]
    assert beside, "no pixel beside the ligament on a bone or muscle"
    click(qtbot, window, beside[0])
    assert window.quiz.feedback.text().startswith("✔"), window.quiz.feedback.text()


def test_the_quiz_leaves_the_undo_history_as_it_was(qtbot, window):
    """The quiz's scenes were undo steps: Ctrl+Z after leaving brought its last answer
    back, and after an answer it went back through the user's own steps inside the quiz."""
    scene, undo = window.scene, window.actions_by_name["undo"]
    scene.hide("inguinal_ligament_left")  # the user's two steps
    scene.select("femur_right")
    user = scene.state()
    start(window, "find:psoas_major_right", "roots:femoral_nerve")
    click(qtbot, window, window.clicks.pixel_of("psoas_major_right"))
    assert not window.quiz.waiting and not undo.isEnabled()  # nothing of the user's to undo here
    key(qtbot, window, "N")
    key(qtbot, window, "Q")
    assert scene.state() == user and undo.isEnabled()
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert scene.selected is None and not scene.shown("inguinal_ligament_left")  # the user's last step undone
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert scene.shown("inguinal_ligament_left")
