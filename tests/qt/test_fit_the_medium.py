"""The window's exports and presentation fit their medium (issue 28, items 10 and 12):
Export Video says what it records and asks how before writing, save dialogs open in the
user's Pictures (or last-used) folder, and presentation mode hides the section's handle."""

from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import pytest
from PySide6.QtCore import QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from app.qt import export_dialog
from app.qt.export_dialog import ExportVideoDialog


@pytest.fixture
def saved_to(monkeypatch, tmp_path):
    """The save dialog, answered with ``tmp_path / name``: records where it opened."""
    opened: list[str] = []

    def answer(name: str):
        def save(parent, caption, start, filters):
            opened.append(start)
            return str(tmp_path / name), filters.split(";;")[0]

        monkeypatch.setattr(QFileDialog, "getSaveFileName", save)

    monkeypatch.setattr(export_dialog, "_last_folder", None)
    return answer, opened


def _in_dialog(qtbot, act) -> list[str]:
    """Run ``act(dialog)`` on the Export Video dialog once it is open; what it said."""
    seen: list[str] = []

    def when_open() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ExportVideoDialog):
            QTimer.singleShot(20, when_open)
            return
        seen.extend([dialog.movement.text(), dialog.view_box.currentText(), dialog.note.text()])
        act(dialog)

    QTimer.singleShot(0, when_open)
    return seen


def test_export_video_says_what_it_records_and_writes_it_as_asked(window, qtbot, saved_to, tmp_path):
    """File ▸ Export Video opened a file dialog straight away, and recorded the Motion dock's
    movement from the window's camera at 1280x720, 30 fps, without saying so: a leg lift
    seen from the front was foreshortened. Now the dialog names the movement, the view (the
    window's camera, with a warning), the size and the frame rate; the video follows them."""
    answer, opened = saved_to
    answer("lift.mp4")
    window.play_bar.seconds.setValue(1.0)
    camera = window.renderer.camera_pose()

    def choose(dialog: ExportVideoDialog) -> None:
        dialog.view_box.setCurrentIndex(dialog.view_box.findData("right"))
        dialog.size_box.setCurrentIndex(export_dialog.VIDEO_SIZES.index((480, 270)))
        dialog.fps.clear()
        qtbot.keyClicks(dialog.fps, "12")
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)

    said = _in_dialog(qtbot, choose)
    window.actions_by_name["export_video"].trigger()
    movement, view, note = said
    bar = window.play_bar
    assert bar.start.currentText() in movement and bar.end.currentText() in movement and "1 s" in movement
    assert view == export_dialog.WINDOW_CAMERA and "side view" in note
    out = tmp_path / "lift.mp4"
    with imageio.get_reader(out) as reader:
        meta = reader.get_meta_data()
        frames = [frame for frame in reader]
    assert meta["fps"] == 12 and len(frames) == 13  # 1 s at 12 fps, both ends
    assert frames[0].shape[:2] == (270, 480)
    assert window.renderer.camera_pose() == camera and window.scene.pose.neutral  # window untouched
    assert Path(opened[0]).parent == _pictures()


def test_export_video_of_an_activity_is_its_cycle_captioned_with_the_phases(
    window, qtbot, saved_to, tmp_path, monkeypatch
):
    """With walking chosen in the Play tab, File ▸ Export Video records one cycle of it,
    says so with the population it was measured in, and captions each frame with both
    legs' phases, as ``animate --activity`` does."""
    from app.render import video

    answer, _ = saved_to
    answer("walk.mp4")
    bar = window.play_bar
    bar.activity.setCurrentIndex(bar.activity.findData("walking"))
    activity = bar.chosen_activity()
    written: list[list[str] | None] = []
    real = video.write_video

    def write_video(*args, **kwargs):
        written.append(kwargs.get("captions"))
        return real(*args, **kwargs)

    monkeypatch.setattr(export_dialog, "write_video", write_video)

    def choose(dialog: ExportVideoDialog) -> None:
        dialog.size_box.setCurrentIndex(export_dialog.VIDEO_SIZES.index((480, 270)))
        dialog.fps.clear()
        qtbot.keyClicks(dialog.fps, "10")
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)

    try:
        said = _in_dialog(qtbot, choose)
        window.actions_by_name["export_video"].trigger()
    finally:
        bar.activity.setCurrentIndex(0)
    assert activity is not None and activity.title in said[0] and "one cycle" in said[0]
    assert activity.population.split(" (")[0] in said[0]
    with imageio.get_reader(tmp_path / "walk.mp4") as reader:
        frames = [frame for frame in reader]
    count = round(activity.track().seconds * 10)
    assert len(frames) == count  # one cycle, seamless when looped: not its first pose twice
    captions = written[0]
    assert captions is not None and len(captions) == count
    assert captions[0].startswith("right leg initial contact") and "left leg" in captions[0]
    assert len(set(captions)) >= 6  # the phases change over the cycle


def _pictures() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def test_save_dialogs_open_in_pictures_then_where_the_last_file_went(window, qtbot, saved_to, tmp_path):
    """They opened in the folder the program was started from (the installation's)."""
    answer, opened = saved_to
    answer("figure.png")
    image_dialog = []

    def save_image() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, save_image)
            return
        image_dialog.append(dialog)
        dialog.size_box.setCurrentIndex(0)  # the window's size: quick
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, save_image)
    window.actions_by_name["screenshot"].trigger()
    assert image_dialog and (tmp_path / "figure.png").is_file()
    assert Path(opened[0]).parent == _pictures() and Path(opened[0]).parent != Path.cwd()
    answer("lift.gif")
    _in_dialog(qtbot, lambda dialog: dialog.reject())
    window.actions_by_name["export_video"].trigger()  # cancelled: no file dialog
    assert len(opened) == 1
    _in_dialog(qtbot, lambda dialog: qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton))
    window.play_bar.seconds.setValue(0.5)
    window.actions_by_name["export_video"].trigger()
    assert Path(opened[1]).parent == tmp_path  # where the image went


def test_presentation_hides_the_section_handle_and_gives_it_back(window, qtbot):
    """Lesson 08 presented full screen showed the plane's frame and handle, over step 7's
    title."""
    scene, handle = window.scene, window.section_handle
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    assert handle.shown
    lesson = next(lesson for path, lesson in window.lessons if path.name.startswith("08"))
    presentation = window.present(lesson)
    presentation.go(6, animate=False)  # the coronal cut
    qtbot.waitUntil(lambda: scene.section is not None and not presentation.flight.flying, timeout=5000)
    assert scene.section is not None and not handle.shown
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert handle.wanted and handle.shown  # the user's section and handle, back


def test_every_panels_save_dialog_starts_in_the_users_folders(window, qtbot, saved_to, tmp_path):
    """The quiz progress, the slice drawing and a bookmarks lesson opened their save dialogs
    in the folder the program was started from: they start in Documents (Pictures for the
    drawing), then where the last file went."""
    answer, opened = saved_to
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    documents = Path(documents) if documents and Path(documents).is_dir() else Path.home()
    answer("progress.csv")
    window.quiz.export_dialog()
    assert (tmp_path / "progress.csv").is_file()
    assert Path(opened[0]).parent == documents and Path(opened[0]).name == "quiz-progress.csv"
    window.scene.set_section(window.scene.sections.at("L4_L5", "axial"))
    window.slice_dock.raise_()
    qtbot.waitUntil(lambda: window.slice_view.current_slice() is not None, timeout=10000)
    answer("slice.png")
    window.slice_view.export_dialog()
    assert (tmp_path / "slice.png").is_file()
    assert Path(opened[1]).parent == tmp_path  # where the progress went
