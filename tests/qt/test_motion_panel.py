"""The Motion panel in the real window: drag a slider, pick a pose, read the lengths, plot
them over a joint's range, colour the muscles by length change."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from app.model.motion.kinematics import JOINTS, Pose
from app.model.scene.palette import (
    DISTINCT_DE,
    LENGTH_CHANGE_COLORS,
    LENGTH_UNCHANGED,
    delta_e,
    length_change_color,
    length_legend,
    rgb,
)
from app.model.sections.planes import SectionSpec


@pytest.fixture
def window(qtbot, window):
    window.motion_dock.raise_()
    qtbot.wait(50)
    return window


def test_no_figures_until_the_motion_tab_is_shown(qtbot, new_window):
    window = new_window()
    # The Motion tab is behind Structures at the start: no figures yet, no matplotlib canvas.
    assert window.motion.plot is None
    window.motion_dock.raise_()
    qtbot.waitUntil(lambda: window.motion.plot is not None)


def handle_centre(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


def drag(qtbot, slider, fraction: float, steps: int = 10, held=None) -> None:
    """Drag a slider's handle by ``fraction`` of its width with the mouse; ``held()`` runs
    before letting go."""
    start = handle_centre(slider)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, steps + 1):
        qtbot.mouseMove(slider, start + QPoint(round(step * fraction * slider.width() / steps), 0))
        qtbot.wait(10)
    if held is not None:
        held()
    end = start + QPoint(round(fraction * slider.width()), 0)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=end)


def test_dragging_the_hip_flexion_slider_lifts_the_thigh_and_shortens_the_psoas(qtbot, window):
    scene, panel = window.scene, window.motion
    slider = panel.sliders["hip_flexion_right"]
    femur = window.renderer.meshes["femur_right"]
    knee_before = np.asarray(femur.points)[np.argmin(femur.points[:, 2])].copy()
    before = panel.body.mechanics.length("psoas_major_right", scene.pose)
    held = []  # low detail while the slider is held
    drag(qtbot, slider, 0.4, held=lambda: held.append(window.renderer.interacting))
    assert held == [True]
    angle = scene.pose["hip_flexion_right"]
    assert angle > 30, angle
    assert panel.boxes["hip_flexion_right"].value() == pytest.approx(angle)
    assert not window.renderer.interacting
    femur = window.renderer.meshes["femur_right"]  # the posed copy
    assert np.asarray(femur.points)[:, 2].min() > knee_before[2] + 50, "the thigh did not lift"
    after = panel.body.mechanics.length("psoas_major_right", scene.pose)
    assert after < before - 10
    assert f">{after:.0f}<" in panel.readout.text()


def test_a_named_pose_and_reset(qtbot, window):
    scene, panel = window.scene, window.motion
    index = panel.poses.findData("side_bend_right")
    panel.poses.setCurrentIndex(index)
    panel.poses.activated.emit(index)
    assert scene.pose == panel.body.motion.poses["side_bend_right"].pose
    assert panel.sliders["lumbar_lateral_bending"].value() == 25
    t12 = window.renderer.meshes["vertebra_t12"]
    assert np.asarray(t12.points)[:, 0].mean() > 20  # bent to the right
    # Clicking still selects in the pose: the moved T12 is where the picker finds it.
    point = window.clicks.pixel_of("vertebra_t12", samples=40)
    assert point is not None
    qtbot.mouseClick(window.plotter.interactor, Qt.MouseButton.LeftButton, pos=point)
    assert scene.selected == "vertebra_t12"
    qtbot.mouseClick(panel.reset, Qt.MouseButton.LeftButton)
    assert scene.pose == Pose()
    assert panel.sliders["lumbar_lateral_bending"].value() == 0


def test_the_plot_is_the_length_over_the_moved_joints_range_and_marks_the_angle(qtbot, window, monkeypatch):
    scene, panel = window.scene, window.motion
    mechanics = panel.body.mechanics
    plot = panel.plot
    assert plot is not None and plot.isVisible()
    assert panel.plotted_joint == "hip_flexion_right"
    two_joint = ("rectus_femoris",) if "rectus_femoris_right" in mechanics.muscles else ()  # once built
    assert set(plot.lines) == {
        f"{muscle}_{side}"
        for muscle in ("psoas_major", "iliacus", "quadratus_lumborum", *two_joint)
        for side in ("right", "left")
    }
    for muscle, line in plot.lines.items():  # the drawn curves are the model's lengths
        angles, lengths = line.get_data()
        assert (angles[0], angles[-1]) == (-30, 120)
        for i in (0, 10, 20, len(angles) - 1):
            expected = mechanics.length(muscle, Pose.of({"hip_flexion_right": float(angles[i])}))
            assert lengths[i] == pytest.approx(expected)

    curves = []
    real_curve = mechanics.curve
    monkeypatch.setattr(mechanics, "curve", lambda *args: curves.append(args) or real_curve(*args))
    drag(qtbot, panel.sliders["hip_flexion_right"], 0.3)
    angle = scene.pose["hip_flexion_right"]
    assert angle > 20, angle
    assert curves == []  # the same joint dragged: only the marker moved
    assert plot.marker.get_xdata()[0] == angle
    dots = plot.dots.get_offsets()
    assert dots[:, 0] == pytest.approx([angle] * len(plot.lines))
    assert dots[:, 1] == pytest.approx([mechanics.length(m, scene.pose) for m in plot.lines])
    # The marker is drawn where the angle is: a dark column in the canvas' picture.
    qtbot.wait(50)
    image = plot.grab().toImage()
    x, _ = plot.axes.transData.transform((angle, 0.0))
    top, bottom = plot.axes.bbox.y1, plot.axes.bbox.y0
    column = [
        image.pixelColor(round(x), round(plot.height() - y)).value()
        for y in np.linspace(bottom + 5, top - 5, 20)
    ]
    assert np.median(column) < 160, column

    # Another joint moved: its curve, with the hip where it was left.
    drag(qtbot, panel.sliders["pelvic_tilt"], 0.2)
    assert panel.plotted_joint == "pelvic_tilt"
    assert [args[0] for args in curves] == ["pelvic_tilt"]
    assert plot.axes.get_xlabel() == f"{JOINTS['pelvic_tilt'].label} (°)"
    angles, lengths = plot.lines["psoas_major_right"].get_data()
    tilt = float(angles[12])
    expected = mechanics.length("psoas_major_right", scene.pose.updated({"pelvic_tilt": tilt}))
    assert lengths[12] == pytest.approx(expected)
    assert plot.marker.get_xdata()[0] == scene.pose["pelvic_tilt"]
    # Hiding a muscle takes its curve away without measuring again.
    scene.set_visible("iliacus_left", False)
    assert "iliacus_left" not in plot.lines and len(curves) == 1
    # Behind another tab the plot rests; back in front it catches up with the pose.
    window.structures_dock.raise_()
    qtbot.waitUntil(lambda: not panel.on_screen)
    scene.set_pose({"pelvic_tilt": 30.0})
    assert plot.marker.get_xdata()[0] != 30.0
    window.motion_dock.raise_()
    qtbot.waitUntil(lambda: panel.on_screen)
    assert plot.marker.get_xdata()[0] == 30.0


def test_colouring_muscles_by_length_change(qtbot, window):
    scene, panel, renderer = window.scene, window.motion, window.renderer
    psoas = renderer.actors["psoas_major_right"]
    own = psoas.prop.color.hex_rgb
    assert not panel.bar.isVisible()
    window.motion_dock.widget().ensureWidgetVisible(panel.colour_by_length)  # the dock scrolls
    qtbot.mouseClick(panel.colour_by_length, Qt.MouseButton.LeftButton)
    assert scene.length_colours and panel.bar.isVisible()
    assert psoas.prop.color.hex_rgb == LENGTH_UNCHANGED  # neutral
    assert renderer.actors["femur_right"].prop.color.hex_rgb != LENGTH_UNCHANGED  # bones keep theirs

    index = panel.poses.findData("knee_to_chest")
    panel.poses.setCurrentIndex(index)
    panel.poses.activated.emit(index)
    colour = psoas.prop.color.hex_rgb
    shortened, lengthened = rgb(LENGTH_CHANGE_COLORS[0]), rgb(LENGTH_CHANGE_COLORS[-1])
    drawn = np.array(rgb(colour))
    assert np.linalg.norm(drawn - shortened) < np.linalg.norm(drawn - lengthened)  # brown, not teal
    change = panel.body.mechanics.length_changes(scene.pose)["psoas_major_right"]
    assert change < -15 and colour == length_change_color(change)

    # While a slider is held the low-detail surfaces are drawn: in the pose's colours too.
    lod = renderer.lod_actors["psoas_major_right"]
    during = []
    drag(
        qtbot,
        panel.sliders["hip_flexion_right"],
        -0.5,
        held=lambda: during.append((lod.prop.color.hex_rgb, scene.length_color("psoas_major_right"))),
    )
    assert during[0][0] == during[0][1] != colour

    scene.select("psoas_major_right")  # the selection still shows
    assert psoas.prop.color.hex_rgb == scene.palette.selection
    scene.select(None)
    assert psoas.prop.color.hex_rgb == scene.length_color("psoas_major_right")
    qtbot.mouseClick(panel.colour_by_length, Qt.MouseButton.LeftButton)
    assert not scene.length_colours and not panel.bar.isVisible()
    assert psoas.prop.color.hex_rgb == own


def test_the_pose_box_names_the_pose_the_body_is_in(qtbot, window):
    """Issue 28, item 6: the box said "Thomas test" after Reset and after another movement."""
    scene, panel, bar = window.scene, window.motion, window.play_bar
    box = panel.poses
    last = list(panel.body.motion.poses)[-1]
    title = panel.body.motion.poses[last].title
    qtbot.keyClick(box, Qt.Key.Key_End)  # the last pose, chosen with the keyboard
    assert box.currentData() == last
    assert scene.pose == panel.body.motion.poses[last].pose
    qtbot.mouseClick(panel.reset, Qt.MouseButton.LeftButton)
    assert scene.pose.neutral
    assert box.currentData() == "neutral" and box.currentText() == "Neutral standing"

    qtbot.keyClick(box, Qt.Key.Key_End)
    assert box.currentData() == last
    window.player.clock = iter(np.arange(0.0, 100.0, 0.2)).__next__  # five frames a second
    bar.start.setCurrentIndex(bar.start.findData("neutral"))
    bar.end.setCurrentIndex(bar.end.findData("trunk_fold"))
    bar.seconds.setValue(1.0)
    during = []
    window.player.playing_changed.connect(lambda _on: during.append(box.currentText()))
    scene.changed.connect(lambda _aspects: during.append(box.currentText()))
    with qtbot.waitSignal(window.player.finished, timeout=10_000):
        qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert scene.pose == panel.body.motion.poses["trunk_fold"].pose
    assert box.currentData() == "trunk_fold"
    assert title not in " ".join(during[1:]), during  # not while it played either
    assert "Choose a pose…" in during  # between two named poses: none named

    drag(qtbot, panel.sliders["lumbar_flexion"], 0.1)  # moved by hand: no named pose
    assert box.currentData() is None and box.currentText() == "Choose a pose…"


def test_length_colours_say_so_survive_reset_and_colour_the_quadratus_lumborum(qtbot, window):
    """Issue 28, item 4: a muscle at rest looked like bone, the colours stayed on after Reset,
    in a section and in the quiz with nothing saying so, and the quadratus lumborum was
    neither coloured nor listed. Reset keeps them (a way of looking, like the palette): the
    legend in the view says what they mean wherever they are on."""
    scene, panel, renderer = window.scene, window.motion, window.renderer
    legend = renderer.emphasis.legend
    assert not any("standing" in name for name, *_ in legend.entries)
    window.motion_dock.widget().ensureWidgetVisible(panel.colour_by_length)
    qtbot.mouseClick(panel.colour_by_length, Qt.MouseButton.LeftButton)
    assert scene.selected is None and legend.shown
    said = [(name, swatch) for name, _text, swatch in legend.entries]
    assert said == length_legend()
    assert ("Muscle as long as standing", LENGTH_UNCHANGED) in said

    # The quadratus lumborum has a length now: coloured, listed, shorter on the side bent to.
    assert "Quadratus lumborum" in panel.readout.text()
    index = panel.poses.findData("side_bend_right")
    panel.poses.setCurrentIndex(index)
    panel.poses.activated.emit(index)
    changes = panel.body.mechanics.length_changes(scene.pose)
    assert changes["quadratus_lumborum_right"] < -5 < 5 < changes["quadratus_lumborum_left"]
    for side in ("right", "left"):
        colour = renderer.actors[f"quadratus_lumborum_{side}"].prop.color.hex_rgb
        assert colour == length_change_color(changes[f"quadratus_lumborum_{side}"])
    assert "quadratus_lumborum_right" in panel.plot.lines

    # Reset: standing again, colours still on and still saying so; a muscle at rest is grey,
    # a clear colour distance from bone.
    qtbot.mouseClick(panel.reset, Qt.MouseButton.LeftButton)
    assert scene.pose.neutral and scene.length_colours and panel.colour_by_length.isChecked()
    assert [(name, swatch) for name, _t, swatch in legend.entries] == said
    psoas = renderer.actors["psoas_major_right"].prop.color.hex_rgb
    femur = renderer.actors["femur_right"].prop.color.hex_rgb
    assert psoas == LENGTH_UNCHANGED and delta_e(psoas, femur) >= DISTINCT_DE

    # Cut open, and with a structure selected: the legend keeps both meanings.
    scene.set_section(SectionSpec.model_validate("L4/L5").section(scene.sections))
    scene.select("femur_right")
    names = [name for name, *_ in legend.entries]
    assert names[0] == "Selected" and names[-3:] == [name for name, _ in said]
    qtbot.mouseClick(panel.colour_by_length, Qt.MouseButton.LeftButton)
    assert not any("standing" in name for name, *_ in legend.entries)


def test_while_a_slider_is_held_the_readout_follows_ten_times_a_second_and_is_exact_on_release(qtbot, window):
    """Issue 31: the readout was recomputed at every mouse move of a slider."""
    from app.qt.motion_panel import READOUT_MS

    scene, panel = window.scene, window.motion
    assert READOUT_MS <= 100  # at least ten updates a second
    panel.dragging.emit(True)
    shown = panel.readout.text()
    for angle in (10, 20, 30):
        scene.set_pose({"hip_flexion_right": angle})
    assert panel.readout.text() == shown  # not at every move...
    qtbot.waitUntil(lambda: panel.readout.text() != shown, timeout=3 * READOUT_MS + 500)  # ...but soon
    assert panel.readout.text() == panel.lengths_text(scene.pose)
    scene.set_pose({"hip_flexion_right": 40})
    panel.dragging.emit(False)  # let go: exact at once
    assert panel.readout.text() == panel.lengths_text(scene.pose)
    scene.set_pose({"hip_flexion_right": 50})  # not held: every change at once
    assert panel.readout.text() == panel.lengths_text(scene.pose)
    scene.set_pose(Pose())
