"""What users hit, driven in the real window with real keys and clicks: focus after a search,
one effective visibility everywhere, the view's name, thin nerves, undo, labels, isolate."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.io import paths
from app.model.scene.state import Aspect, SceneModel


def view_widget(window):
    return window.plotter.interactor


def test_keys_go_back_to_the_view_after_a_search(window, scene, qtbot):
    qtbot.keyClick(view_widget(window), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_box.hasFocus()
    qtbot.keyClicks(window.search_box, "femoral nerve")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert scene.selected and scene.selected.startswith("femoral_nerve")
    assert not window.search_box.hasFocus()
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_2)  # the posterior view, not "femoral nerve2"
    assert scene.view.name == "posterior" and window.search_box.text() == "femoral nerve"
    # Esc in the search box leaves it (and keeps the selection); Esc again clears.
    qtbot.keyClick(view_widget(window), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert not window.search_box.hasFocus() and scene.selected is not None
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_1)
    assert scene.view.name == "anterior"
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Escape)
    assert scene.selected is None


def shown_in_tree(window) -> set[str]:
    return {sid for sid, item in window.tree.items.items() if item.checkState(0) != Qt.CheckState.Unchecked}


def test_tree_count_drawing_and_exports_agree_after_isolate(window, scene, qtbot, tmp_path):
    scene.select("psoas_major_right")
    qtbot.keyClick(view_widget(window), Qt.Key.Key_I)
    drawn = {sid for sid, actor in window.renderer.actors.items() if actor.visibility}
    assert {"femoral_nerve_right", "vertebra_l2"} <= drawn  # the plexus shows through the psoas
    assert shown_in_tree(window) == drawn == set(scene.shown_ids)
    item = window.tree.items["femoral_nerve_right"]
    assert item.checkState(0) == Qt.CheckState.PartiallyChecked  # shown with the selection
    assert window.status_label.text().startswith(f"{len(drawn)} of {len(scene.catalogue)} structures shown")
    window.save_screenshot(tmp_path / "isolated.png", (320, 200))
    info = json.loads(Image.open(tmp_path / "isolated.png").text["Description"])
    assert set(info["structures"]) == drawn
    # A hidden structure selected from the tree is shown, ticked.
    scene.set_visible("iliacus_left", False)
    window.tree.setCurrentItem(window.tree.items["iliacus_left"])
    assert scene.selected == "iliacus_left" and scene.is_visible("iliacus_left")
    assert window.tree.items["iliacus_left"].checkState(0) == Qt.CheckState.Checked
    assert window.renderer.actors["iliacus_left"].visibility


def test_isolate_frames_what_it_isolates(window, scene, qtbot):
    scene.set_view("anterior")
    scene.select("femoral_nerve_left")
    qtbot.keyClick(view_widget(window), Qt.Key.Key_I)
    renderer = window.plotter.renderer
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    bounds = window.renderer.visible_bounds()
    corners = [(x, y, z) for x in bounds[0:2] for y in bounds[2:4] for z in bounds[4:6]]
    width, height = renderer.GetSize()
    xs, ys = [], []
    for corner in corners:
        coordinate.SetValue(*corner)
        x, y = coordinate.GetComputedDoubleDisplayValue(renderer)
        xs.append(x)
        ys.append(y)
    # What is isolated fills the view (more than half its height) and stays inside it.
    assert max(ys) - min(ys) > 0.5 * height or max(xs) - min(xs) > 0.5 * width
    assert min(xs) > -0.05 * width and max(xs) < 1.05 * width


def test_the_status_bar_names_the_view_the_camera_is_in(window, scene, qtbot):
    qtbot.keyClick(view_widget(window), Qt.Key.Key_1)
    assert "Anterior view" in window.status_label.text()
    view = view_widget(window)
    start = QPoint(view.width() // 2, view.height() // 2)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 8):
        qtbot.mouseMove(view, start + QPoint(12 * step, 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(84, 0))
    assert "Custom view" in window.status_label.text()
    qtbot.keyClick(view, Qt.Key.Key_4)
    assert "Right lateral view" in window.status_label.text()


def test_a_click_beside_a_thin_nerve_selects_it(window, scene, qtbot):
    """The genitofemoral nerve is a few pixels wide: a click 4 pixels off it still picks it."""
    scene.set_view("anterior")
    point = window.clicks.pixel_of("genitofemoral_nerve_left")
    assert point is not None
    for offset in (QPoint(4, 0), QPoint(-4, 0), QPoint(0, 4), QPoint(0, -4)):
        if window.clicks.pick_at(point + offset, tolerant=False) not in (None, "genitofemoral_nerve_left"):
            break
    else:
        pytest.skip("no structure beside the nerve in this view")
    qtbot.mouseClick(view_widget(window), Qt.MouseButton.LeftButton, pos=point + offset)
    assert scene.selected == "genitofemoral_nerve_left"


def test_undo_and_redo_scene_changes(window, scene, qtbot):
    view = view_widget(window)
    scene.select("psoas_major_left")
    qtbot.keyClick(view, Qt.Key.Key_H)
    assert not scene.is_visible("psoas_major_left") and scene.selected is None
    scene.select("iliacus_right")
    qtbot.keyClick(view, Qt.Key.Key_I)
    isolated = scene.state()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the isolate
    assert len(scene.visible_ids) > len(isolated.visible)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the selection
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the hide
    assert scene.is_visible("psoas_major_left") and scene.selected == "psoas_major_left"
    assert window.renderer.actors["psoas_major_left"].visibility
    for _ in range(3):
        qtbot.keyClick(
            view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert scene.state() == isolated
    # A slider dragged through many values is one step.
    for value in range(100, 20, -5):
        window.opacity_slider.setValue(value)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert scene.opacity("iliacus_right") == 1.0


def test_labels_toggle(window, scene, qtbot):
    scene.select("psoas_major_right")
    labels = window.renderer.emphasis.labels
    assert labels.labels
    qtbot.keyClick(view_widget(window), Qt.Key.Key_L)
    assert not labels.labels and not scene.picture.labels and not window.labels_action.isChecked()
    scene.select("iliacus_left")
    assert not labels.labels
    qtbot.keyClick(view_widget(window), Qt.Key.Key_L)
    assert labels.labels and labels.labels[0].text == "Left iliacus"


def test_a_lesson_step_is_one_event_and_one_frame(window, scene, qtbot):
    from app.model.teaching.lessons import load_lessons, show_step

    lessons, _ = load_lessons(paths.annotations_dir(), scene.catalogue)
    lesson = lessons[0][1]
    events: list[Aspect] = []
    scene.changed.connect(events.append)
    frames = []
    observer = window.plotter.render_window.AddObserver("EndEvent", lambda *_: frames.append(1))
    show_step(scene, lesson, 1)
    window.plotter.render_window.RemoveObserver(observer)
    lesson_step = Aspect.visibility | Aspect.selection | Aspect.view | Aspect.picture
    assert len(events) == 1 and lesson_step in events[0]
    assert len(frames) == 1
    events.clear()
    scene.show_all()
    assert len(events) == 1


def test_scene_state_round_trip_without_qt(catalogue, landmarks, attachments):
    scene = SceneModel(catalogue, landmarks, attachments)
    before = scene.state()
    scene.select_many(["psoas_major_right", "femoral_nerve_right"])
    scene.set_xray(True)
    scene.set_picture(title="A title", labels=False)
    changed = scene.state()
    scene.restore(before)
    assert scene.state() == before and scene.picture.title is None
    scene.restore(changed)
    assert scene.state() == changed and np.isclose(scene.opacity("femur_left"), 0.25)


def test_the_colour_blind_palette_from_the_view_menu(window, scene):
    from app.model.scene.palette import COLOUR_BLIND_SAFE, STANDARD

    scene.select("femoral_nerve_right")
    outline = window.renderer.emphasis.outline
    assert outline is not None
    before = tuple(outline.prop.color.float_rgb)
    window.actions_by_name["palette_colour-blind-safe"].trigger()
    assert scene.palette is COLOUR_BLIND_SAFE and COLOUR_BLIND_SAFE.selection != STANDARD.selection
    after = window.renderer.emphasis.outline
    assert after is not None and tuple(after.prop.color.float_rgb) != before
    assert window.actions_by_name["palette_colour-blind-safe"].isChecked()


def test_the_opacity_row_shows_only_with_a_selection(window, scene, qtbot):
    scene.select(None)
    assert not window.opacity_row.isVisible()
    scene.select("psoas_major_left")
    assert window.opacity_row.isVisible() and window.opacity_label.text() == "Opacity of Left psoas major"
    qtbot.keyClick(view_widget(window), Qt.Key.Key_Escape)
    assert not window.opacity_row.isVisible()


def test_view_menu_items_are_in_title_case(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    views = [a.text().replace("&", "") for a in menu.actions() if a.text().endswith(" View")]
    assert "Left Lateral View" in views and "Anterolateral Oblique View" in views
    assert all(word[0].isupper() for text in views for word in text.split()), views
    window.scene.set_view("left")
    assert window.view_name() == "Left lateral view"  # the status bar says it as a sentence


def test_f1_lists_the_replay_and_quiz_keys(window, qtbot):
    from PySide6.QtWidgets import QApplication, QMessageBox

    qtbot.keyClick(view_widget(window), Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: any(w.isVisible() and isinstance(w, QMessageBox) for w in QApplication.topLevelWidgets())
    )
    (box,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    text = box.text()
    box.close()
    assert "<b>P</b></td><td>Presentation: play" in text
    for key, what in (
        ("1", "Quiz: Choice 1"),
        ("T", "Quiz: True"),
        ("N, Return, Enter", "Quiz: Next Question"),
    ):
        assert f"<b>{key}</b></td><td>{what}" in text, key
    assert box.sizeHint().height() <= 768  # it fits a laptop's screen
