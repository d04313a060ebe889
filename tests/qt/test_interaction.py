"""Real clicks on the rendered window under Xvfb: selection, painted attachments, the panel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtWidgets import QApplication

from app.model.anatomy.structures import Problem
from app.qt.main_window import MainWindow
from app.render.emphasis import INSERTION_COLOR, ORIGIN_COLOR


def widget_point(window: MainWindow, structure_id: str) -> QPoint:
    point = window.clicks.pixel_of(structure_id)
    assert point is not None, f"{structure_id} is not visible anywhere in the view"
    return point


def click(qtbot, window: MainWindow, point: QPoint) -> None:
    qtbot.mouseClick(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=point)


def test_click_selects_and_everything_agrees(window, scene, qtbot):
    scene.set_view("anterior")
    click(qtbot, window, widget_point(window, "psoas_major_left"))
    assert scene.selected == "psoas_major_left"
    assert window.tree.currentItem() is window.tree.items["psoas_major_left"]
    html = window.info.toHtml()
    for heading in (
        "Left psoas major",
        "Musculus psoas major",
        "Origin",
        "Insertion",
        "Action",
        "Nerve supply",
        "Sources",
    ):
        assert heading in html
    assert "Gray" in html  # the sources are listed in full
    # Its origins and insertion are painted on the bones in two colours, with a legend.
    patches = window.renderer.emphasis.patches
    assert set(patches) == {"origin", "insertion"}  # one merged actor per role
    painted = [a for a in scene.attachments if a.muscle == "psoas_major_left"]
    expected = sum(window.renderer.emphasis.patch_mesh(a).n_cells for a in painted if a.role == "origin")
    assert patches["origin"].mapper.dataset.n_cells == expected
    colours = {tuple(np.round(actor.prop.color.float_rgb, 3)) for actor in patches.values()}
    assert len(colours) == 2
    assert window.renderer.emphasis.legend_shown
    # The psoas turns see-through and the plexus path shows.
    assert window.renderer.actors["psoas_major_left"].prop.opacity < 0.5
    assert window.renderer.actors["lumbar_plexus_left"].visibility


def test_click_on_empty_space_clears_and_a_drag_only_rotates(window, scene, qtbot):
    scene.set_view("anterior")
    click(qtbot, window, widget_point(window, "femur_right"))
    assert scene.selected == "femur_right"
    html = window.info.toHtml()
    assert "What attaches here" in html and "Lesser trochanter" in html
    camera = window.plotter.camera
    before = np.array(camera.position)
    start = widget_point(window, "sacrum")
    qtbot.mousePress(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 8):
        qtbot.mouseMove(window.plotter.interactor, start + QPoint(12 * step, 3 * step))
    qtbot.mouseRelease(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=start + QPoint(84, 21))
    assert scene.selected == "femur_right", "a drag must not change the selection"
    assert np.linalg.norm(np.array(camera.position) - before) > 1.0, "the drag rotated the camera"
    click(qtbot, window, QPoint(6, 6))
    assert scene.selected is None
    assert "Click a structure" in window.info.toPlainText()


def test_hover_names_the_structure_under_the_cursor(window, scene, qtbot):
    scene.set_view("anterior")
    point = widget_point(window, "vertebra_l3")
    qtbot.mouseMove(window.plotter.interactor, point)
    qtbot.waitUntil(lambda: window.clicks.hovered == "vertebra_l3", timeout=2000)


def test_labels_do_not_overlap_and_stay_in_view(window, scene, qtbot):
    scene.set_view("oblique")
    click(qtbot, window, widget_point(window, "psoas_major_right"))
    window.plotter.render()
    boxes = window.renderer.emphasis.labels.boxes
    assert len(boxes) >= 4
    width, height = window.plotter.renderer.GetSize()
    for i, (x, y, w, h) in enumerate(boxes):
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            overlap = min(x + w, x2 + w2) > max(x, x2) and min(y + h, y2 + h2) > max(y, y2)
            assert not overlap, "two labels overlap"


def test_selecting_a_nerve_marks_the_foramina_of_its_roots(window, scene):
    scene.select("obturator_nerve_left")
    actors = window.renderer.actors
    for level in ("l2", "l3", "l4"):  # no longer whole vertebrae lit, on both sides
        assert actors[f"vertebra_{level}"].prop.color == actors["vertebra_l1"].prop.color
    texts = [label.text for label in window.renderer.emphasis.labels.labels]
    assert {"L2 foramen", "L3 foramen", "L4 foramen"} <= set(texts)
    assert window.renderer.emphasis.markers is not None
    assert "Roots:</b> L2, L3, L4" in window.info.toHtml() or "L2, L3, L4" in window.info.toPlainText()


def test_panel_link_singles_out_one_attachment(window, scene):
    scene.select("vertebra_l4")
    painted = scene.emphasis.attachments
    window.info.anchorClicked.emit(QUrl("focus:1"))
    assert scene.emphasis.focus_attachment == painted[1]
    focus = window.renderer.emphasis.patches["focus"]
    assert tuple(round(c, 3) for c in focus.prop.color.float_rgb) == (1.0, 1.0, 1.0)
    assert ORIGIN_COLOR != INSERTION_COLOR


def test_search_shortcuts_hide_isolate_xray(window, scene, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_box.hasFocus()
    qtbot.keyClicks(window.search_box, "psoaz majr")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert scene.selected in ("psoas_major_left", "psoas_major_right")
    window.plotter.interactor.setFocus()
    selected = scene.selected
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_I)
    assert set(scene.visible_ids) >= {selected, "vertebra_l2"} and len(scene.visible_ids) < 20
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_A)
    assert len(scene.visible_ids) == len(scene.catalogue)
    scene.select(selected)
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_H)
    assert not scene.is_visible(selected) and scene.selected is None
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_X)
    assert scene.opacity("femur_left") < 0.5 and scene.opacity("psoas_major_left") == 1.0
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_X)
    assert scene.opacity("femur_left") == 1.0
    shortcuts = window.shortcuts_html()
    for key in ("Ctrl+F", "Esc", ">H<", ">I<", ">X<", "F1"):
        assert key in shortcuts


def test_broken_annotations_are_reported_without_blocking(qtbot, scene, tmp_path):
    problem = Problem(tmp_path / "content.yaml", 3, "unknown structure id 'psoas_majr'")
    w = MainWindow(scene, None, [problem])
    qtbot.addWidget(w)
    w.show()
    w.show_problems()
    assert not w.problems_box.isModal()
    assert "content.yaml:3: unknown structure id 'psoas_majr'" in w.problems_box.text()
    assert "problem" in w.statusBar().currentMessage()
    QApplication.processEvents()
    w.problems_box.close()  # a dialog of its own: left open, the next test's F1 box is not the only one
    w.close()
