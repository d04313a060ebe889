"""The Slice View dock in the real window: it draws the scene's section, follows the
section as it moves (throttled), and a click on a face selects its structure."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text
from PySide6.QtCore import QPoint, Qt

from app.qt.docks import RIGHT_WIDTH


@pytest.fixture
def window(qtbot, window):
    window.resize(1600, 1000)
    window.slice_dock.raise_()
    qtbot.waitUntil(lambda: window.slice_view.on_screen)
    return window


def test_no_canvas_until_the_tab_is_shown(qtbot, new_window):
    window = new_window((1600, 1000))
    # Behind the Information tab at the start: no canvas, no matplotlib Qt backend yet.
    assert window.slice_view.canvas is None
    window.slice_dock.raise_()
    qtbot.waitUntil(lambda: window.slice_view.on_screen)


def title(view) -> str:
    return " ".join(t.get_text() for t in view.canvas.figure.texts if t.get_fontweight() == "bold")


def test_hint_without_a_section_then_the_drawing(window, qtbot):
    view = window.slice_view
    assert view.stack.currentWidget() is view.hint and not view.export_button.isEnabled()
    scene = window.scene
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L4_L5"))
    assert view.stack.currentWidget() is view.scrolled and view.scrolled.widget() is view.canvas
    assert "Axial section at L4/L5" in title(view)
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L2_L3"))
    assert "L2/L3" in title(view)
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(None)
    assert view.stack.currentWidget() is view.hint


def test_a_dragged_plane_is_drawn_at_most_every_100_ms_and_at_the_end(window, qtbot):
    scene, view = window.scene, window.slice_view
    start = scene.sections.at("L4_L5")
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(start)
    before = view.draws
    for step in range(30):  # thirty moves in a burst, as a drag sends them
        scene.set_section(start.moved_to(start.offset_mm + step))
    qtbot.waitUntil(lambda: view.draws > before, timeout=10_000)
    qtbot.wait(300)
    assert view.draws - before <= 3
    assert view.piece is not None and view.piece.section == scene.section  # the last one drawn
    assert "+" in title(view)  # no longer at a level: at an offset


def test_clicking_a_face_selects_its_structure(window, qtbot):
    scene, view = window.scene, window.slice_view
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L4_L5"))
    view.canvas.draw()
    (axes,) = [a for a in view.canvas.figure.axes if a.get_label() == "section"]
    psoas = view.piece.cuts["psoas_major_left"].shape
    nerves = [c.shape.buffer(5) for sid, c in view.piece.cuts.items() if "nerve" in sid or "plexus" in sid]
    core = psoas.buffer(-3)
    for nerve in nerves:
        core = core.difference(nerve)
    u, v = core.representative_point().coords[0]
    x, y = axes.transData.transform((u, v))
    ratio = view.canvas.device_pixel_ratio
    at = QPoint(round(x / ratio), round(view.canvas.height() - y / ratio))
    with qtbot.waitSignal(view.drawn, timeout=10_000):  # drawn again, the face outlined
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=at)
    assert scene.selected == "psoas_major_left"
    (axes,) = [a for a in view.canvas.figure.axes if a.get_label() == "section"]  # drawn anew
    patch = next(p for p in axes.patches if p.get_gid() == "psoas_major_left")
    assert patch.get_linewidth() > 2
    # A nerve's dot wins over the muscle around it.
    femoral = view.piece.nerves["femoral_nerve_right"].at
    assert view.structure_at(*femoral) == "femoral_nerve_right"
    assert view.structure_at(*np.add(femoral, (500.0, 500.0))) is None


def test_export_writes_the_drawing(window, qtbot, tmp_path):
    scene, view = window.scene, window.slice_view
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L3_L4"))
    view.safe_zones.setChecked(True)
    assert view.export(tmp_path / "slice.svg")
    text = (tmp_path / "slice.svg").read_text(encoding="utf-8")
    assert "<text" in text and "Uribe" in text and "L3/L4" in text


def overlaps(boxes) -> list[tuple[int, int]]:
    """The pairs of boxes that overlap by more than a pixel."""
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[:i])
        if min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1
    ]


def test_at_its_default_width_the_slice_view_reads_whole(window, qtbot):
    """Issue 28: labels cut at both edges, headers over their columns, a raw pose id."""
    scene, view = window.scene, window.slice_view
    assert window.slice_dock.width() <= RIGHT_WIDTH + 10  # the dock's default, not the 1600 px window
    scene.set_pose({"hip_flexion_right": 90})
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L4_L5"))
    canvas = view.canvas
    canvas.draw()
    renderer, figure = canvas.get_renderer(), canvas.figure
    assert figure.bbox.width == pytest.approx(canvas.width() * canvas.device_pixel_ratio, abs=2)
    (axes,) = [a for a in figure.axes if a.get_label() == "section"]
    labels = [t for t in axes.texts if hasattr(t, "arrow_patch")]  # the named faces
    texts = [t for t in figure.texts if t.get_text()]
    assert len(labels) >= 10 and len(texts) >= 20
    whole = figure.bbox.padded(0.5)
    for text in labels + texts:
        box = Text.get_window_extent(text, renderer)
        assert whole.containsx(box.x0) and whole.containsx(box.x1), text.get_text()
        assert whole.containsy(box.y0) and whole.containsy(box.y1), text.get_text()
    pairs = overlaps([t.get_window_extent(renderer) for t in texts])
    assert [(texts[i].get_text(), texts[j].get_text()) for i, j in pairs] == []  # title, headers, cells
    assert overlaps([Text.get_window_extent(t, renderer) for t in labels]) == []  # text, not leader
    title_text = texts[0].get_text()
    assert "Right hip flexion 90°" in title_text.replace("\n", " ") and "hip_flexion" not in title_text
    assert "\n" in title_text  # wrapped to the dock's width
    # The drawing's own height: all of it shown, the dock scrolling if it is taller.
    assert canvas.height() >= canvas.minimumHeight() >= 220


def test_a_named_pose_is_titled_by_its_name(window, qtbot):
    scene, view = window.scene, window.slice_view
    lift = scene.body.motion.poses["leg_lift"]
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_section(scene.sections.at("L4_L5"))
    with qtbot.waitSignal(view.drawn, timeout=10_000):
        scene.set_pose(lift.pose)
    assert lift.title in title(view).replace("\n", " ")
