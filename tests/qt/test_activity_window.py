"""An activity in the real window: the Play tab's scrub slider over the cycle, both legs'
phases named, the plot of the lengths over the cycle with its phases and marker, and a
lesson step's stretch of walking played in presentation mode."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.model.io import paths
from app.model.motion.activities import ActivityTrack
from app.model.motion.cycles import CycleSpan
from app.model.teaching.lessons import load_lesson

LESSON = paths.annotations_dir() / "lessons" / "09-the-psoas-when-you-walk.yaml"


@pytest.fixture
def walking(qtbot, window):
    """The Play tab in sight with walking chosen; the walking activity."""
    window.motion_dock.raise_()
    window.motion_pages.setCurrentIndex(1)
    bar = window.play_bar
    bar.activity.setCurrentIndex(bar.activity.findData("walking"))
    qtbot.waitUntil(lambda: bar.cycle is not None and bar.cycle.isVisible())
    yield window.scene.body.activities["walking"]
    window.player.pause()


@pytest.mark.parametrize(
    ("percent", "right", "left"),
    [
        (1, "initial contact", "pre-swing"),
        (20, "mid-stance", "initial swing"),
        (40, "terminal stance", "terminal swing"),
        (54, "pre-swing", "loading response"),
        (70, "initial swing", "mid-stance"),
        (90, "terminal swing", "terminal stance"),
    ],
)
def test_the_scrub_slider_poses_the_body_and_names_both_legs_phases(window, walking, percent, right, left):
    bar, scene, player = window.play_bar, window.scene, window.player
    bar.scrub.setValue(percent * 10)
    assert not player.playing and isinstance(player.tween, ActivityTrack)
    expected = walking.pose_at(percent / 100)
    for joint in ("hip_flexion_right", "knee_flexion_right", "hip_flexion_left"):
        assert scene.pose[joint] == pytest.approx(expected[joint], abs=0.01)
    assert bar.phase.text() == (f"Walking, {percent} % of the cycle: right leg {right}, left leg {left}")
    plot = bar.cycle.plot
    assert plot.marker.get_xdata()[0] == pytest.approx(percent)
    assert plot.time_marker.get_xdata()[0] == pytest.approx(percent)
    # The readout and the Joints tab follow the pose the slider set.
    lengths = scene.body.mechanics.lengths(scene.pose)
    assert f"{lengths['psoas_major_right']:.0f} mm" in bar.cycle.readout.text()
    assert window.motion.sliders["knee_flexion_right"].value() == round(scene.pose["knee_flexion_right"])


def test_playing_moves_the_slider_and_a_scrub_while_playing_plays_on_from_there(qtbot, window, walking):
    bar, player = window.play_bar, window.player
    bar.scrub.setValue(300)
    player.clock = itertools.count(0.0, 0.05).__next__  # a twentieth of a second a frame
    bar.toggle()
    assert player.playing and player.elapsed == pytest.approx(0.3 * walking.cycle_seconds)  # on from 30 %
    qtbot.waitUntil(lambda: bar.scrub.value() >= 400, timeout=10_000)  # the slider follows
    assert "% of the cycle" in bar.phase.text()
    marker = bar.cycle.plot.marker.get_xdata()[0]
    assert marker == pytest.approx(bar.scrub.value() / 10, abs=0.2)
    bar.scrub.setValue(800)  # dragged while it plays: it goes on from 80 %
    assert player.playing
    qtbot.waitUntil(lambda: bar.scrub.value() > 810 or bar.scrub.value() < 100, timeout=10_000)
    assert player.playing
    bar.toggle()


def test_the_plot_shows_each_muscle_over_the_cycle_with_its_phases(window, walking):
    bar, scene = window.play_bar, window.scene
    plot = bar.cycle.plot
    muscles = {"psoas_major", "iliacus", "rectus_femoris"}
    assert {m.rsplit("_", 1)[0] for m in plot.lines} == muscles and len(plot.lines) == 6
    psoas = plot.lines["psoas_major_right"]
    x, y = psoas.get_xdata(), psoas.get_ydata()
    assert (x[0], x[-1]) == (0, 100) and y[0] == y[-1]  # the whole cycle, closed
    assert x[np.argmax(y)] == pytest.approx(54, abs=4) and x[np.argmin(y)] == pytest.approx(90, abs=4)
    assert plot.lines["psoas_major_left"].get_linestyle() == "--"
    # The phases the activity names, each on the timeline, in order.
    assert list(plot.phase_texts) == [phase.name for phase in walking.phases]
    assert plot.phase_texts["terminal_stance"] == "terminal\nstance"
    assert plot.phase_texts["initial_contact"] == "IC"  # 2 % of the cycle: its initials
    named = [t.get_text() for t in plot.timeline.texts]
    assert named == list(plot.phase_texts.values())
    assert "children" in bar.cycle.note.text()
    # Hide the rectus femoris: its curves go; show it again: they come back.
    scene.set_visible("rectus_femoris_right", False)
    scene.set_visible("rectus_femoris_left", False)
    assert set(plot.lines) == {"psoas_major_right", "iliacus_right", "psoas_major_left", "iliacus_left"}
    scene.set_visible("rectus_femoris_right", True)
    scene.set_visible("rectus_femoris_left", True)
    assert len(plot.lines) == 6
    # The cycle's lengths are computed once for the activity, whatever is shown (one was
    # kept for every set of muscles a user had shown: the soak).
    assert list(bar.cycle._lengths) == ["walking"]


def test_the_length_colours_follow_the_cycle(window, walking):
    bar, scene = window.play_bar, window.scene
    scene.set_length_colours(True)
    bar.scrub.setValue(540)
    longest = scene.length_color("psoas_major_right")
    bar.scrub.setValue(900)
    shortest = scene.length_color("psoas_major_right")
    assert longest != shortest


def test_a_lesson_step_plays_its_stretch_of_walking_in_presentation(qtbot, window):
    scene, player = window.scene, window.player
    lesson, errors = load_lesson(LESSON, scene.catalogue, scene.poses, scene.activities)
    assert not errors
    walking = scene.activities["walking"]
    player.clock = itertools.count(0.0, 0.25).__next__  # twelve frames a 3 s step
    presentation = window.present(lesson)
    seen = []
    scene.pose_changed.connect(seen.append)
    with qtbot.waitSignal(player.finished, timeout=20_000):
        presentation.next()  # "Longest at the end of stance": 10 to 54 % of the cycle
    assert isinstance(player.tween, CycleSpan)
    assert scene.pose == walking.pose_at(0.54)
    hips = [pose["hip_flexion_right"] + pose["pelvic_tilt"] for pose in seen]
    assert len(set(hips)) >= 5 and hips[0] > hips[-1]  # the hip extends through stance
    # The Play tab (hidden while presenting) says where in the cycle the step ended.
    assert window.play_bar.phase.text().startswith("Walking, 54 % of the cycle: right leg pre-swing")
    window.presentation.stop()
    assert not player.playing


def test_a_bad_activity_in_an_opened_lesson_is_one_line(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from app.qt.file_actions import open_lesson_dialog

    path = tmp_path / "bad.yaml"
    path.write_text(
        "title: Walking badly\nsteps:\n  - title: A stride\n    caption: A stride of a walk.\n"
        "    activity: {name: walkng, from: 40}\n"
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    open_lesson_dialog(window)
    assert len(warned) == 1 and "\n" not in warned[0]
    assert warned[0].startswith(f"{path}:5: step 1: 'activity': unknown activity 'walkng' (did you mean")
    assert window.presentation is None
