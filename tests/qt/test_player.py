"""Playing movements in the real window: the Motion dock's Play, the K key, presentation
mode playing a lesson step's movement."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app import paths
from app.model.atlas import Atlas
from app.model.kinematics import Pose
from app.model.lessons import load_lesson
from app.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    window = MainWindow.for_atlas(Atlas.load(teaching=True))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.motion_dock.raise_()
    qtbot.wait(50)
    yield window
    window.player.pause()


def choose(box, key: str) -> None:
    box.setCurrentIndex(box.findData(key))


def femur_tip(window) -> np.ndarray:
    points = np.asarray(window.renderer.meshes["femur_right"].points)
    return points[np.argmin(points[:, 2])].copy()


def test_play_lifts_the_leg_in_real_time_and_ends_in_the_chosen_pose(qtbot, window):
    bar, player, scene = window.play_bar, window.player, window.scene
    choose(bar.start, "neutral")
    choose(bar.end, "leg_lift")
    bar.seconds.setValue(1.0)
    knee_before = femur_tip(window)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert player.playing and bar.button.text().endswith("Pause")
    assert window.renderer.interacting  # low detail while it plays
    with qtbot.waitSignal(player.finished, timeout=10_000):
        pass
    assert not player.playing and bar.button.text().endswith("Play")
    assert scene.pose == scene.poses.resolve(["leg_lift"])
    assert len(player.frame_times) >= 3  # it moved through frames, not one jump
    assert not window.renderer.interacting  # full detail when it stops
    knee_after = femur_tip(window)
    assert knee_after[1] - knee_before[1] > 100  # the knee came forward (+y is anterior)
    assert window.history.can_undo
    window.undo()  # the whole movement is one step back
    assert scene.pose.neutral


def test_pause_and_go_on_and_loop_there_and_back(qtbot, window):
    bar, player, scene = window.play_bar, window.player, window.scene
    choose(bar.end, "trunk_fold")
    bar.seconds.setValue(0.5)
    bar.loop.setChecked(True)
    window.actions_by_name["play"].trigger()  # K
    qtbot.waitUntil(lambda: player.elapsed > 0.6, timeout=10_000)  # past the end: coming back
    window.actions_by_name["play"].trigger()
    assert not player.playing
    paused = scene.pose
    assert 0 < paused["pelvic_tilt"] < 70
    qtbot.wait(100)
    assert scene.pose == paused  # stays where it was paused
    window.actions_by_name["play"].trigger()
    assert player.playing and player.elapsed > 0.6  # goes on, not from the start
    qtbot.waitUntil(lambda: player.elapsed > 1.05, timeout=10_000)
    assert player.playing  # looping: it does not stop at the end
    window.actions_by_name["play"].trigger()


def test_moving_a_slider_while_it_plays_pauses_it(qtbot, window):
    bar, player, scene = window.play_bar, window.player, window.scene
    choose(bar.end, "knee_to_chest")
    bar.seconds.setValue(5.0)
    bar.toggle()
    qtbot.waitUntil(lambda: player.elapsed > 0.2, timeout=10_000)
    window.motion.boxes["lumbar_flexion"].setValue(20)
    assert not player.playing
    assert scene.pose["lumbar_flexion"] == 20  # the user's change stands


def test_presentation_plays_a_lesson_step_movement(qtbot, window):
    path = paths.annotations_dir() / "lessons" / "03-hip-flexion-leg-lift-and-trunk-fold.yaml"
    lesson, errors = load_lesson(path, window.scene.catalogue, window.scene.poses)
    assert not errors
    player, scene = window.player, window.scene
    scene.set_pose({"hip_flexion_left": 30})
    before = scene.state()
    presentation = window.present(lesson)
    assert scene.pose.neutral  # the first step stands still, in neutral
    seen: list[Pose] = []
    scene.pose_changed.connect(seen.append)
    with qtbot.waitSignal(player.finished, timeout=20_000):
        presentation.next()  # "Leg lift": the camera flies, then the leg lifts
    lift = scene.poses.resolve(["leg_lift"])
    assert seen[0] == Pose() or seen[0]["hip_flexion_right"] < 10
    assert scene.pose == lift
    between = [p["hip_flexion_right"] for p in seen]
    assert len(set(between)) >= 5 and between == sorted(between)  # smoothly up
    with qtbot.waitSignal(player.finished, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_P)  # play it again
    assert scene.pose == lift
    presentation.next()  # "Knee to chest" starts from the leg lift
    assert scene.pose == lift
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not player.playing
    assert scene.state() == before  # the pose put back as it was
