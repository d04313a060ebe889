"""The Motion panel in the real window: drag a slider, pick a pose, read the lengths."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from app.model.atlas import Atlas
from app.model.kinematics import Pose
from app.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    atlas = Atlas.load(teaching=True)
    window = MainWindow.for_atlas(atlas)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.motion_dock.raise_()
    qtbot.wait(50)
    return window


def handle_centre(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


def test_dragging_the_hip_flexion_slider_lifts_the_thigh_and_shortens_the_psoas(qtbot, window):
    scene, panel = window.scene, window.motion
    slider = panel.sliders["hip_flexion_right"]
    femur = window.renderer.meshes["femur_right"]
    knee_before = np.asarray(femur.points)[np.argmin(femur.points[:, 2])].copy()
    before = panel.body.mechanics.length("psoas_major_right", scene.pose)
    start = handle_centre(slider)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(slider, start + QPoint(step * slider.width() // 25, 0))
        qtbot.wait(10)
    assert window.renderer.interacting  # low detail while the slider is held
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=start + QPoint(10 * slider.width() // 25, 0))
    angle = scene.pose["hip_flexion_right"]
    assert angle > 30, angle
    assert panel.boxes["hip_flexion_right"].value() == pytest.approx(angle)
    assert not window.renderer.interacting
    femur = window.renderer.meshes["femur_right"]  # the posed copy
    assert np.asarray(femur.points)[:, 2].min() > knee_before[2] + 50, "the thigh did not lift"
    after = panel.body.mechanics.length("psoas_major_right", scene.pose)
    assert after < before - 10
    assert f"{after:.0f} mm" in panel.readout.text()


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
