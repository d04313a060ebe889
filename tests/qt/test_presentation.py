"""Presentation mode, bookmarks and image export in the real window (pytest-qt under Xvfb)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from app.model.teaching.bookmarks import BookmarkStore
from app.model.teaching.lessons import Step, load_lesson
from app.qt.export_dialog import ExportImageDialog
from app.qt.presentation import PRESENTATION_SCALE


@pytest.fixture
def store(window):
    """The window's bookmarks, in ``tmp_path/data``."""
    return window.bookmarks.store


def press(qtbot, window, key):
    qtbot.keyClick(window.plotter.interactor, key)


def test_presentation_steps_with_clicker_keys_and_leaves_with_escape(window, qtbot, scene):
    lesson = window.lessons[1][1]  # the iliopsoas and the lesser trochanter, 4 steps
    assert window.actions_by_name["present"].shortcut().toString() == "F5"
    # The scene as the user left it: restored on Escape.
    scene.select("obturator_nerve_left")
    scene.set_visible("femur_right", False)
    scene.set_opacity("hip_bone_left", 0.4)
    window.plotter.camera.azimuth = 23.0
    window.renderer.render()
    before, camera_before = scene.state(), window.renderer.camera_pose()
    window.flight.duration_ms = 400  # a move of several frames on a busy machine (tests fly in 100 ms)
    presentation = window.present(lesson)
    qtbot.waitUntil(window.isFullScreen)
    hidden = [window.menuBar(), window.statusBar(), *window.toolbars(), *window.docks()]
    assert not any(widget.isVisible() for widget in hidden)
    overlay = window.renderer.overlay
    assert presentation.index == 0
    assert overlay.title.GetInput() == lesson.steps[0].title
    assert "step 1 of 4" in overlay.footnote.GetInput()
    assert overlay.caption.GetTextProperty().GetFontSize() >= round(17 * PRESENTATION_SCALE)
    assert window.renderer.emphasis.labels.font_size >= round(15 * PRESENTATION_SCALE)

    # Page Down (a clicker), space and the right arrow go forward, each with a smooth move.
    for key, expected in ((Qt.Key.Key_PageDown, 1), (Qt.Key.Key_Space, 2), (Qt.Key.Key_Right, 3)):
        start = window.renderer.camera_pose()
        with qtbot.waitSignal(presentation.flight.landed, timeout=5000):
            press(qtbot, window, key)
        assert presentation.index == expected
        assert presentation.flight.frames >= 3, "the camera moved in steps, not a cut"
        assert overlay.title.GetInput() == lesson.steps[expected].title
        step = lesson.steps[expected]
        assert scene.selected == (step.select[0] if step.select else None) or step.select[0] in scene.selected
        if step.view != lesson.steps[expected - 1].view:
            assert window.renderer.camera_pose() != start
    assert not window.renderer.interacting, "full detail once the camera stops"
    press(qtbot, window, Qt.Key.Key_Right)  # past the end: stays, says so
    assert presentation.index == 3 and "End of the lesson" in overlay.footnote.GetInput()
    # Page Up and the left arrow go back.
    for key, expected in ((Qt.Key.Key_PageUp, 2), (Qt.Key.Key_Left, 1)):
        with qtbot.waitSignal(presentation.flight.landed, timeout=5000):
            press(qtbot, window, key)
        assert presentation.index == expected

    selected = scene.selected
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert window.presentation is None
    assert all(widget.isVisible() for widget in (window.menuBar(), window.statusBar(), *window.toolbars()))
    assert window.structures_dock.isVisible() or window.bookmarks_dock.isVisible()
    assert window.renderer.emphasis.labels.font_size == 15
    assert selected != "obturator_nerve_left"
    assert scene.state() == before, "the scene is back as it was before presenting"
    assert window.renderer.camera_pose() == camera_before
    assert not overlay.title.GetVisibility() and not overlay.caption.GetVisibility()
    assert "Custom view" in window.status_label.text()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert scene.selected is None


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_presentation_frames_are_captioned_and_labels_keep_clear(window, qtbot):
    presentation = window.present(window.lessons[0][1])
    qtbot.waitUntil(window.isFullScreen)
    presentation.go(2, animate=False)  # the lesser trochanter's label sits low, by the caption
    image = window.plotter.screenshot(return_img=True)
    height = image.shape[0]
    bottom = image[int(height * 0.8) :, :, :3].astype(int)
    assert (bottom.min(axis=2) > 225).mean() > 0.005, "no caption text at the bottom"
    labels = window.renderer.emphasis.labels
    texts = window.renderer.overlay.rects() + window.renderer.emphasis.legend_rects()
    assert len(labels.boxes) >= 3 and len(texts) == 4
    for x, y, w, h in labels.boxes:
        for rect in texts:
            assert not overlaps((x, y, x + w, y + h), rect), f"a label covers {rect}"
    presentation.stop()


@pytest.mark.parametrize("name", ["Psoas \x1b[2J", "العضلة القطنية", "bone \U0001f9b4"])
def test_a_bookmark_name_that_cannot_be_drawn_is_not_saved(window, qtbot, store, name):
    """Issue 26, defect 6: the name was saved, then on the next start refused by the loader
    and kept in the file unshown."""
    with qtbot.waitSignal(window.bookmarks.message) as said:
        assert not window.bookmarks.add(name)
    assert said.args[0].startswith("Bookmark not saved: ") and len(store) == 0
    assert not store.path.exists()


def test_bookmarks_add_restore_delete_and_survive_a_restart(new_window, qtbot, tmp_path, catalogue):
    # A window of its own: it is closed and opened again.
    window = new_window(bookmarks=BookmarkStore(tmp_path / "data" / "bookmarks.yaml", catalogue))
    scene, store, panel = window.scene, window.bookmarks.store, window.bookmarks
    scene.select("femoral_nerve_right")
    scene.set_view("anterior")
    window.plotter.camera.Azimuth(25)
    pose = window.renderer.camera_pose()
    assert panel.add("Femoral nerve")
    assert panel.list.count() == 1 and panel.list.item(0).text() == "Femoral nerve"

    scene.select(None)
    scene.set_view("posterior")
    scene.set_visible("sacrum", False)
    with qtbot.waitSignal(window.flight.landed, timeout=5000):
        panel.restore("Femoral nerve")
    assert scene.selected == "femoral_nerve_right" and scene.is_visible("sacrum")
    assert np.allclose(window.renderer.camera_pose().position, pose.position, atol=0.05)

    window.close()
    reopened = new_window(bookmarks=BookmarkStore(store.path, catalogue))
    assert [reopened.bookmarks.list.item(i).text() for i in range(reopened.bookmarks.list.count())] == [
        "Femoral nerve"
    ]
    reopened.bookmarks.add("Second")
    reopened.bookmarks.delete(["Femoral nerve"])
    assert BookmarkStore(store.path, catalogue).names() == ["Second"]


def test_bookmarks_save_as_a_lesson_and_present(window, qtbot, scene, tmp_path, catalogue):
    panel = window.bookmarks
    for name, view in (("From the front", "anterior"), ("From the side", "left")):
        scene.set_view(view)
        panel.add(name, f"The region seen {name.lower()[5:]}.")
    assert panel.save_lesson(tmp_path / "my-lesson.yaml", "My lesson")
    lesson, errors = load_lesson(tmp_path / "my-lesson.yaml", catalogue)
    assert errors == [] and [s.title for s in lesson.steps] == ["From the front", "From the side"]
    panel.buttons["present"].click()
    assert window.presentation is not None and len(window.presentation.lesson.steps) == 2
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.presentation is None


def test_export_image_from_the_window(window, tmp_path, scene):
    dialog = ExportImageDialog(window.view_size(), "Right psoas major", window)
    sizes = [dialog.size_box.itemData(i) for i in range(dialog.size_box.count())]
    assert (3840, 2160) in [tuple(s) for s in sizes] and dialog.labels.isChecked()
    dialog.size_box.setCurrentIndex(1)
    size, notes = dialog.options()
    assert size == (1280, 720) and notes.title == "Right psoas major" and notes.labels
    scene.select("psoas_major_right")
    window.plotter.camera.Azimuth(30)
    out = tmp_path / "figure.png"
    window.save_screenshot(out, size, notes)
    image = Image.open(out)
    assert image.size == (1280, 720)
    info = json.loads(image.text["Description"])
    assert info["selected"] == "psoas_major_right" and info["title"] == "Right psoas major"
    assert np.allclose(info["camera"]["position"], window.renderer.camera_pose().position)
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]
    with pytest.raises(OSError):
        window.save_screenshot(tmp_path, size, notes)  # a folder: nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def test_bookmarks_saved_by_another_window_join_the_list(window, qtbot, store, catalogue):
    panel = window.bookmarks
    other = BookmarkStore(store.path, catalogue)  # another window on the same file
    assert panel.add("Mine")
    other.save(Step(title="Theirs", caption="Saved in the other window."))
    other.save(Step(title="View 4", caption="Saved in the other window too."))
    with qtbot.waitSignal(panel.message) as said:
        assert panel.add("Mine again")
    assert said.args == ["Bookmark “Mine again” saved (2 added by another window)"]
    listed = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert listed == ["Mine", "Theirs", "View 4", "Mine again"]
    other.save(Step(title="Latest", caption="Saved in the other window last."))
    panel.hide()
    panel.show()  # shown again (its tab chosen): the list is read again
    assert panel.list.item(panel.list.count() - 1).text() == "Latest"
    other.save(Step(title="View 6", caption="The other window's sixth view."))
    with qtbot.waitSignal(panel.message) as said:
        assert panel.add("View 6")  # the same name, chosen in both windows: both kept
    assert "View 6 (2)" in said.args[0]
    assert BookmarkStore(store.path, catalogue).names() == [*listed, "Latest", "View 6", "View 6 (2)"]


def muscle_red_pixels(png: bytes) -> int:
    """Pixels in the muscles' own red hues (hue under 15 degrees, saturated)."""
    import io

    image = np.asarray(Image.open(io.BytesIO(png)).convert("HSV"), dtype=float)
    hue, saturation, value = image[..., 0] * 360 / 255, image[..., 1] / 255, image[..., 2] / 255
    return int(((hue < 15) & (saturation > 0.45) & (value > 0.25)).sum())


def test_bookmark_thumbnails_show_the_length_colours_when_they_are_on(window, qtbot, store, scene):
    """Issue 28, item 4: a bookmark saved with the muscles coloured by length change got a
    picture in their own colours."""
    from app.render.thumbnails import StepThumbnails

    scene.set_pose(scene.poses.resolve(["knee_to_chest"]))
    scene.set_view("right")
    scene.set_length_colours(True)
    with qtbot.waitSignal(window.bookmarks.thumbnail_ready, timeout=20_000):
        assert window.bookmarks.add("Coloured knee to chest")
    coloured = store.thumbnails.read(store.get("Coloured knee to chest"), "length colours")
    assert coloured

    plain = StepThumbnails(scene)  # the same step, drawn with the colours off
    try:
        scene.set_length_colours(False)
        own = plain(store.get("Coloured knee to chest"))
    finally:
        plain.close()
    assert muscle_red_pixels(own) > 200, "the muscles show in their own red"
    assert muscle_red_pixels(coloured) < muscle_red_pixels(own) / 10, "and in the length colours"


def test_bookmark_pictures_follow_the_windows_look(window, qtbot, store, scene):
    """A picture drawn with the length colours off was kept (its key was the step's alone)
    when they were turned on, and the other way: the list now shows each look's own, drawn
    again when the look changes and kept apart on disk."""
    from app.model.teaching.bookmarks import look_of

    scene.set_pose(scene.poses.resolve(["knee_to_chest"]))
    scene.set_view("right")
    panel = window.bookmarks
    window.bookmarks_dock.raise_()
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=20_000):
        assert panel.add("Knee to chest")
    step = store.get("Knee to chest")
    plain = store.thumbnails.read(step)
    assert plain and muscle_red_pixels(plain) > 200
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=20_000):
        scene.set_length_colours(True)  # the list draws the picture again, coloured
    assert look_of(scene) == "length colours"
    coloured = store.thumbnails.read(step, look_of(scene))
    assert coloured and muscle_red_pixels(coloured) < muscle_red_pixels(plain) / 10
    # Back to the usual colours: the plain picture, kept in memory, at once (nothing to draw).
    scene.set_length_colours(False)
    assert panel._pending == {} and panel._key(step) in panel._pixmaps
