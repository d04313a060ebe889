"""Movements over time and lessons that pose and move the body (Qt-free)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.io import paths
from app.model.motion.body import Body
from app.model.motion.kinematics import JOINTS, Pose
from app.model.motion.playback import HOLD_END, HOLD_START, HOLD_STILL, Tween, ease, reel
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import (
    apply_step,
    lesson_files,
    lesson_reel,
    lesson_yaml,
    load_lesson,
    step_tween,
)


@pytest.fixture(scope="module")
def body(landmarks):
    body, problems = Body.load(paths.annotations_dir(), landmarks, paths.paths_file())
    assert body is not None and not problems
    return body


LIFT = Tween(Pose(), Pose.of({"hip_flexion_right": 90}), 3.0)


def test_ease_starts_and_stops_gently():
    assert ease(0) == 0 and ease(1) == 1 and ease(0.5) == pytest.approx(0.5)
    assert ease(0.05) < 0.05 and ease(0.95) > 0.95  # slow at both ends
    assert all(b > a for a, b in itertools.pairwise(ease(i / 20) for i in range(21)))


def test_a_tween_runs_from_its_start_to_its_end():
    assert LIFT.at(0) == Pose() and LIFT.at(3) == LIFT.end and LIFT.at(10) == LIFT.end
    assert LIFT.at(1.5)["hip_flexion_right"] == pytest.approx(45)
    angles = [LIFT.at(t / 10)["hip_flexion_right"] for t in range(31)]
    assert all(b >= a for a, b in itertools.pairwise(angles))


def test_a_looping_tween_goes_there_and_back():
    assert LIFT.at(3, loop=True) == LIFT.end
    assert LIFT.at(6, loop=True) == Pose()  # back at the start, no jump
    assert LIFT.at(4, loop=True) == LIFT.at(2, loop=True)
    assert LIFT.at(7.5, loop=True) == LIFT.at(1.5, loop=True)


def test_frames_of_three_seconds_at_thirty_per_second():
    frames = LIFT.frames(30)
    assert len(frames) == 91 and frames[0] == Pose() and frames[-1] == LIFT.end


def test_a_reel_holds_a_still_and_pauses_around_a_movement():
    still = Tween(LIFT.end, LIFT.end, 0.0)
    assert reel(still, 10) == [LIFT.end] * round(HOLD_STILL * 10)
    moving = reel(LIFT, 10)
    assert len(moving) == round(HOLD_START * 10) + 31 + round(HOLD_END * 10)
    assert moving[0] == Pose() and moving[-1] == LIFT.end


def _in_range(angles: dict[str, float]) -> dict[str, float]:
    """Angles clipped to their joints' ranges (a knee does not extend past straight)."""
    return {j: min(max(v, JOINTS[j].lower), JOINTS[j].upper) for j, v in angles.items()}


@given(
    st.dictionaries(st.sampled_from(sorted(JOINTS)), st.floats(-10, 10), max_size=4).map(_in_range),
    st.dictionaries(st.sampled_from(sorted(JOINTS)), st.floats(-10, 10), max_size=4).map(_in_range),
    st.floats(0, 1),
)
def test_a_pose_part_way_keeps_every_joint_in_range(a, b, fraction):
    start, end = Pose.of(a), Pose.of(b)
    between = start.towards(end, fraction)  # Pose.of checks every range
    for joint in JOINTS:
        low, high = sorted((start[joint], end[joint]))
        assert low - 1e-9 <= between[joint] <= high + 1e-9


def test_the_shipped_movement_lessons_move_the_body(motion, catalogue):
    moving = {}
    for path in lesson_files(paths.annotations_dir()):
        lesson, errors = load_lesson(path, catalogue, motion)
        assert not errors, errors
        moving[path.stem] = [not step_tween(s, motion).still for s in lesson.steps]
    for stem in (
        "03-hip-flexion-leg-lift-and-trunk-fold",
        "04-the-psoas-and-the-lumbar-curve",
        "06-why-sit-ups-use-the-hip-flexors",
        "07-stretching-the-hip-flexors-well-and-badly",
    ):
        assert sum(moving[stem]) >= 2, stem


def test_the_leg_lift_step_lifts_the_right_thigh(motion, catalogue):
    path = paths.annotations_dir() / "lessons" / "03-hip-flexion-leg-lift-and-trunk-fold.yaml"
    lesson, _ = load_lesson(path, catalogue, motion)
    leg_lift = next(s for s in lesson.steps if s.title == "Leg lift")
    tween = step_tween(leg_lift, motion)
    assert tween.start == Pose() and tween.end["hip_flexion_right"] > 45


def test_a_step_ends_in_its_pose_and_a_still_step_is_neutral(motion, catalogue, landmarks, attachments, body):
    path = paths.annotations_dir() / "lessons" / "07-stretching-the-hip-flexors-well-and-badly.yaml"
    lesson, _ = load_lesson(path, catalogue, motion)
    scene = SceneModel(catalogue, landmarks, attachments, body=body)
    apply_step(scene, lesson.steps[1])
    assert scene.pose == motion.resolve(["lunge_stretch_bad"])
    apply_step(scene, lesson.steps[1], at_start=True)
    assert scene.pose == motion.resolve(["lunge_stretch_good"])
    apply_step(scene, lesson.steps[0])  # a still step in a named pose: the kneeling lunge
    assert scene.pose == motion.resolve(["lunge_stretch_good"])
    still = lesson.steps[0].model_copy(update={"pose": None})
    apply_step(scene, still)
    assert scene.pose.neutral


def test_a_lesson_reel_plays_each_step(motion, catalogue):
    path = paths.annotations_dir() / "lessons" / "06-why-sit-ups-use-the-hip-flexors.yaml"
    lesson, _ = load_lesson(path, catalogue, motion)
    frames = lesson_reel(lesson, motion, 10)
    assert sorted({step for step, _ in frames}) == list(range(len(lesson.steps)))
    assert frames[-1][1] == motion.resolve(["sit_up_sitting"])
    curl = [pose for step, pose in frames if step == 1]
    assert curl[0] == motion.resolve(["sit_up_start"]) and curl[-1] == motion.resolve(["sit_up_curl"])


def test_a_posed_lesson_round_trips_through_yaml(motion, catalogue, tmp_path):
    path = paths.annotations_dir() / "lessons" / "06-why-sit-ups-use-the-hip-flexors.yaml"
    lesson, _ = load_lesson(path, catalogue, motion)
    copy = tmp_path / "copy.yaml"
    copy.write_text(lesson_yaml(lesson))
    assert "from: [sit_up_curl]" in copy.read_text()
    again, errors = load_lesson(copy, catalogue, motion)
    assert not errors and again == lesson


STEP = "title: A lesson\nsteps:\n  - title: S\n    caption: A caption of the step.\n"


@pytest.mark.parametrize(
    "extra,line,message",
    [
        ("    pose: trunk_fald\n", 5, "unknown pose 'trunk_fald' (did you mean 'trunk_fold'?)"),
        ("    pose: {hip_flexion_right: 200}\n", 5, "hip_flexion_right=200 is out of its range"),
        ("    pose: {hip_flexion_right: yes}\n", 5, "expected an angle in degrees, got True"),
        ("    pose: {knee_flexion: 20}\n", 5, "unknown joint 'knee_flexion'"),
        ("    motion: {from: neutral, to: leg_lfit}\n", 5, "did you mean 'leg_lift'"),
        ("    motion: {from: neutral}\n", 5, "'steps.0.motion.to': missing required field"),
        ("    motion: {to: leg_lift, seconds: 0}\n", 5, "greater than or equal to 0.5"),
        ("    motion: {to: leg_lift, speed: 2}\n", 5, "unknown field"),
        ("    pose: leg_lift\n    motion: {to: leg_lift}\n", 3, "either 'pose' or 'motion'"),
    ],
)
def test_a_bad_pose_in_a_lesson_is_one_line_with_its_line_number(
    tmp_path: Path, motion, catalogue, extra, line, message
):
    path = tmp_path / "lesson.yaml"
    path.write_text(STEP + extra)
    lesson, errors = load_lesson(path, catalogue, motion)
    assert lesson is None and len(errors) == 1
    assert errors[0].line == line and message in errors[0].message, errors[0]
    assert str(errors[0]).startswith(f"{path}:{line}: ")
