"""An activity's cycle in a lesson step (a stretch of it played once), the phases of both
legs at a percentage, and the muscles' lengths over the cycle that the Play tab plots."""

from __future__ import annotations

import textwrap

import pytest

from app.model.io import paths
from app.model.motion.activities import load_activities
from app.model.motion.cycles import ActivityPart, CycleSpan, cycle_lengths, phase_label, phases_at
from app.model.motion.playback import reel
from app.model.teaching.lessons import lesson_reel, load_lesson, load_lessons

LESSON = paths.annotations_dir() / "lessons" / "09-the-psoas-when-you-walk.yaml"


@pytest.fixture(scope="module")
def activities():
    found, problems = load_activities(paths.annotations_dir())
    assert problems == []
    return found


def test_a_stretch_of_the_cycle_plays_once_from_its_start_to_its_end(activities):
    walking = activities["walking"]
    span = CycleSpan.of(walking, ActivityPart.model_validate({"name": "walking", "from": 40, "to": 100}))
    assert span.seconds == pytest.approx(walking.cycle_seconds * 0.6)  # the data's own pace
    assert span.start == walking.pose_at(0.4) and span.at(0) == span.start
    assert span.at(span.seconds) == span.end == walking.pose_at(0.999999999)
    assert span.fraction(span.seconds / 2) == pytest.approx(0.7)
    frames = reel(span, 30)  # held at its start, played, held at its end: as a movement is
    assert frames[0] == span.start and frames[-1] == span.end and len(set(frames)) > 10
    whole = ActivityPart.model_validate("walking")  # `activity: walking`: the whole cycle
    assert (whole.start, whole.to, whole.seconds) == (0, 100, None)


def test_both_legs_phases_half_a_cycle_apart(activities):
    walking = activities["walking"]
    at = phases_at(walking, 0.54)
    assert (at.right.name, at.left.name) == ("pre_swing", "loading_response")
    assert phases_at(walking, 0.0).left.name == "pre_swing"
    assert phase_label(walking, 0.9) == (
        "Walking, 90 % of the cycle: right leg terminal swing, left leg terminal stance"
    )


def test_the_psoas_is_longest_at_the_end_of_stance_and_shortest_in_late_swing(mechanics, activities):
    muscles = ["psoas_major_right", "iliacus_right", "psoas_major_left", "rectus_femoris_right"]
    lengths = cycle_lengths(mechanics, activities["walking"], muscles)
    psoas = lengths.lengths["psoas_major_right"]
    assert lengths.percents[psoas.argmax()] == pytest.approx(54, abs=4)  # the lesson's numbers
    assert lengths.percents[psoas.argmin()] == pytest.approx(90, abs=4)
    assert round(psoas.max()) == 270 and round(psoas.min()) == 251
    assert psoas[0] == psoas[-1]  # the cycle closes
    assert lengths.at(0.54)["psoas_major_left"] == pytest.approx(251, abs=1.5)  # half a cycle on
    assert lengths.at(0.5)["psoas_major_right"] == pytest.approx(mechanics.lengths(
        activities["walking"].pose_at(0.5))["psoas_major_right"], abs=0.01)  # fmt: skip


def test_the_walking_lesson_reads_and_plays(catalogue, motion, activities):
    lessons, problems = load_lessons(paths.annotations_dir(), catalogue, motion, activities)
    assert problems == []
    lesson = next(lesson for path, lesson in lessons if path == LESSON)
    assert [step.activity.name for step in lesson.steps if step.activity] == ["walking"] * 5
    frames = lesson_reel(lesson, motion, 10, activities)
    second = [pose for index, pose in frames if index == 1]
    assert second[-1] == activities["walking"].pose_at(0.54)  # the step ends where its 'to' is


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("activity: {name: walkin}", "step 1: 'activity': unknown activity 'walkin' (did you mean"),
        ("activity: {name: walking, from: 60, to: 40}", "'from' (60 %) must come before 'to' (40 %)"),
        ("activity: {name: walking, to: 120}", "less than or equal to 100"),
        ("activity: {name: walking, speed: 2}", "speed"),
        ("activity: walking\n    pose: leg_lift", "or 'activity', not pose and activity"),
    ],
)
def test_a_bad_activity_in_a_lesson_is_one_line(tmp_path, catalogue, motion, activities, written, message):
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            title: A bad step
            steps:
              - title: Walking
                caption: A step that names an activity badly.
            """
        )
        + f"    {written}\n"
    )
    lesson, problems = load_lesson(path, catalogue, motion, activities)
    assert lesson is None and len(problems) == 1, problems
    text = str(problems[0])
    assert text.startswith(f"{path}:") and message in text and "\n" not in text
    assert problems[0].line in (3, 5)
