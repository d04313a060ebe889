"""Playing movements in the real window: the Motion dock's Play, the K key, presentation
mode playing a lesson step's movement."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.model.io import paths
from app.model.motion.kinematics import Pose
from app.model.teaching.lessons import load_lesson


@pytest.fixture
def window(qtbot, window):
    window.motion_dock.raise_()
    qtbot.wait(50)
    yield window
    window.player.pause()


def choose(box, key: str) -> None:
    box.setCurrentIndex(box.findData(key))


def femur_tip(window) -> np.ndarray:
    points = np.asarray(window.renderer.meshes["femur_right"].points)
    return points[np.argmin(points[:, 2])].copy()


def test_play_lifts_the_leg_through_frames_and_ends_in_the_chosen_pose(qtbot, window):
    bar, player, scene = window.play_bar, window.player, window.scene
    choose(bar.start, "neutral")
    choose(bar.end, "leg_lift")
    bar.seconds.setValue(1.0)
    # A quarter of a second a frame whatever the machine's load (a busy one drew two frames
    # in a real second): at least three frames between the poses.
    player.clock = itertools.count(0.0, 0.25).__next__
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


def test_the_sliders_follow_a_played_movement_ten_times_a_second_and_exactly_at_its_end(qtbot, window):
    """Every joint moves in a movement between poses: set at every frame, the sixteen
    sliders and boxes took a fifth of a frame to redraw. They follow at most every
    READOUT_MS while it plays, and show the pose it ends in exactly."""
    from app.qt.motion_panel import READOUT_MS

    bar, player, scene, motion = window.play_bar, window.player, window.scene, window.motion
    choose(bar.start, "neutral")
    choose(bar.end, "trunk_fold")
    bar.seconds.setValue(1.0)
    player.clock = itertools.count(0.0, 0.05).__next__  # twenty frames, however fast drawn
    motion._readout_due.setInterval(500)  # (READOUT_MS) longer than any frame here
    changes: list[int] = []
    motion.boxes["pelvic_tilt"].valueChanged.connect(lambda _: changes.append(1))
    started = time.perf_counter()
    try:
        with qtbot.waitSignal(player.finished, timeout=20_000):
            bar.toggle()
    finally:
        motion._readout_due.setInterval(READOUT_MS)
    took = time.perf_counter() - started
    assert len(player.frame_times) >= 15
    # Every interval at most while it plays, and once more at its end.
    assert len(changes) <= took / 0.5 + 2 < len(player.frame_times)
    end = scene.poses.resolve(["trunk_fold"])
    assert motion.boxes["pelvic_tilt"].value() == pytest.approx(end["pelvic_tilt"], abs=0.05)
    assert motion.sliders["pelvic_tilt"].value() == round(end["pelvic_tilt"])


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
    player.clock = itertools.count(0.0, 0.25).__next__  # a quarter of a second a frame: 12 frames a lift
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


def test_export_video_from_the_window_leaves_the_window_as_it_was(qtbot, window, tmp_path, monkeypatch):
    import imageio.v2 as imageio
    from PySide6.QtWidgets import QFileDialog

    from app.model.motion.playback import Tween
    from app.qt.export_dialog import export_video

    out = tmp_path / "lift"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "Animated GIF (*.gif)"))
    scene = window.scene
    tween = Tween(Pose(), scene.poses.resolve(["leg_lift"]), 0.5)
    camera = window.renderer.camera_pose()
    messages = []
    written = export_video(window, scene, camera, tween, lambda *a: messages.append(a[0]), size=(240, 160))
    assert written == tmp_path / "lift.gif" and "16 frames" in messages[-1]
    with imageio.get_reader(written) as reader:
        frames = [frame for frame in reader]
    assert frames[0].shape[:2] == (160, 240) and len(frames) >= 8
    assert scene.pose.neutral and window.renderer.camera_pose() == camera  # the window untouched


def test_cancelling_a_video_leaves_no_file(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QProgressDialog

    from app.model.motion.playback import Tween
    from app.qt.export_dialog import export_video

    out = tmp_path / "lift.mp4"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "MP4 video (*.mp4)"))
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: self.value() >= 3)
    tween = Tween(Pose(), window.scene.poses.resolve(["leg_lift"]), 1.0)
    messages = []
    written = export_video(
        window,
        window.scene,
        window.renderer.camera_pose(),
        tween,
        lambda *a: messages.append(a[0]),
        (240, 160),
    )
    assert written is None and messages[-1] == "Video export cancelled"
    assert list(tmp_path.iterdir()) == []
