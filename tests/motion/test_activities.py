"""Everyday activities from measured data: the walking file, how bad files are refused, the
cycle mapped onto our joints, and the psoas's length over a gait cycle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.io import paths
from app.model.motion.activities import ActivityTrack, load_activities, read_activity
from app.model.motion.kinematics import JOINTS

WALKING = paths.annotations_dir() / "activities" / "walking.yaml"


@pytest.fixture(scope="module")
def walking():
    activities, problems = load_activities(paths.annotations_dir())
    assert problems == []
    return activities["walking"]


def test_the_walking_file_says_where_it_comes_from(walking):
    assert "Schwartz" in walking.source and "CC-BY-SA" in walking.licence
    assert "children" in walking.population
    assert walking.cycle_seconds == pytest.approx(1.1)
    assert [p.name for p in walking.phases][:2] == ["initial_contact", "loading_response"]
    assert (walking.phases[0].start, walking.phases[-1].end) == (0, 100)
    assert (WALKING.parent / "LICENSE.md").is_file()


def test_the_phases_of_gait(walking):
    at = {pct: walking.phase_at(pct / 100).name for pct in (1, 5, 20, 40, 55, 70, 80, 95, 100)}
    assert at == {
        1: "initial_contact", 5: "loading_response", 20: "mid_stance", 40: "terminal_stance",
        55: "pre_swing", 70: "initial_swing", 80: "mid_swing", 95: "terminal_swing", 100: "initial_contact",
    }  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(-3, 3, allow_nan=False))
def test_the_cycle_is_periodic_and_within_every_range(walking, fraction):
    pose = walking.pose_at(fraction)
    later = walking.pose_at(fraction + 1)  # the same, to the floating point of fraction + 1
    assert pose.posture == later.posture and set(pose.as_dict()) <= set(later.as_dict()) | {
        j for j, v in pose.angles if abs(v) < 0.01
    }
    assert all(abs(pose[j] - later[j]) < 0.01 for j in {*pose.as_dict(), *later.as_dict()})
    for joint, value in pose.angles:
        assert JOINTS[joint].lower <= value <= JOINTS[joint].upper
    assert pose.posture == "standing"


def test_smooth_across_the_cycle_end(walking):
    before, after = walking.angles_at(0.999), walking.angles_at(0.0)
    assert all(abs(before[j] - after[j]) < 0.5 for j in after)


def test_the_hips_extend_in_terminal_stance_and_flex_in_terminal_swing(walking):
    grid = np.arange(100) / 100
    hip = [walking.pose_at(f).hip_flexion("right") for f in grid]
    assert 45 <= int(np.argmin(hip)) <= 56  # most extended: terminal stance to pre-swing
    assert 85 <= int(np.argmax(hip)) <= 96  # most flexed: terminal swing
    assert min(hip) < -10 and max(hip) > 20
    knee = [walking.pose_at(f)["knee_flexion_right"] for f in grid]
    assert 65 <= int(np.argmax(knee)) <= 78 and max(knee) > 50  # the swing's knee flexion
    # The left leg does the same half a cycle later: the legs alternate.
    for f in (0.1, 0.3, 0.7):
        left, right = walking.pose_at(f).hip_flexion("left"), walking.pose_at(f + 0.5).hip_flexion("right")
        assert left == pytest.approx(right, abs=0.01)


def test_the_right_psoas_is_longest_in_terminal_stance_and_shortens_in_swing(walking):
    from app.model.atlas import Atlas

    body = Atlas.load().body
    lengths = [body.mechanics.length("psoas_major_right", walking.pose_at(i / 50)) for i in range(50)]
    longest, shortest = int(np.argmax(lengths)) * 2, int(np.argmin(lengths)) * 2
    assert 46 <= longest <= 58  # terminal stance / pre-swing, the hip extended
    assert 80 <= shortest <= 98  # late swing, the hip flexed
    assert 10 < max(lengths) - min(lengths) < 40  # mm
    swing = lengths[31:44]  # 62 to 86 %: shortening as the thigh swings forward
    assert all(b < a for a, b in itertools.pairwise(swing))


def test_a_track_loops_round_and_plays_once_to_its_start(walking):
    track = ActivityTrack(walking, 1.1)
    assert track.at(1.1 * 2.25, loop=True) == walking.pose_at(0.25)
    assert track.at(5.0) == walking.pose_at(1.0) == walking.pose_at(0.0)
    frames = track.frames(30, cycles=2)
    assert len(frames) == 66 and frames[33] == frames[0]
    assert walking.track(speed=2.0).seconds == pytest.approx(0.55)


GOOD = WALKING.read_text()


def write(tmp_path, text: str, name: str = "walking.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  - [2, 12.03,", "  - [2, 12.03, 1,"), "row 2 has 10 values for 9 columns"),
        (("  - [4, 11.84,", "  - [3, 11.84,"), None),  # still increasing: fine
        (("  - [6, 11.56,", "  - [2, 11.56,"), "row 4: cycle_percent must increase (2 after 4)"),
        (("  - [8, 11.23,", "  - [8, .nan,"), "row 5:"),
        (("  - [10, 10.94,", "  - [10, x,"), "row 6:"),
        (("  - [100,", "  - [99,"), "the rows must run from 0 to 100 % of the cycle"),
        (
            ("knee_flexion, ankle", "knee_flexon, ankle"),
            "unknown column 'knee_flexon' (did you mean 'knee_flexion'?)",
        ),
        (("cycle_seconds: 1.1", "cycle_seconds: 0"), "'cycle_seconds': "),
        (("  mid_stance: 12", "  mid_stance: 1"), "phases must start at 0 % and follow each other in order"),
        (("title: Walking", "titel: Walking"), "'titel': unknown field (did you mean 'title'?)"),
        (("licence: CC-BY-SA", "# licence: CC-BY-SA"), "'licence': missing required field"),
    ],
)
def test_a_bad_file_is_one_line_a_problem_at_its_line(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    activity, problems = read_activity(path)
    if expected is None:
        assert activity is not None and problems == []
        return
    assert activity is None and len(problems) >= 1
    text = [str(p) for p in problems]
    assert any(expected in t for t in text), text
    lines = path.read_text().splitlines()
    for problem in problems:
        assert "\n" not in str(problem) and str(problem).startswith(f"{path}:")
        if expected.startswith("row") and "row" in problem.message:
            assert lines[problem.line - 1].lstrip().startswith("- [")  # the row's own line


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_without_a_traceback(text):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "walking.yaml"
        path.write_text(text)
        activity, problems = read_activity(path)
    assert activity is None and problems
    assert all("\n" not in str(p) for p in problems)


def test_validate_checks_activity_files(tmp_path, capsys):
    """`psoas-atlas validate` knows an activity file by its keys and reports its problems."""
    from app.cli import main
    from app.model.io import paths

    shipped = paths.annotations_dir() / "activities" / "walking.yaml"
    assert main(["validate", str(shipped)]) == 0
    bad = tmp_path / "walk.yaml"
    bad.write_text(shipped.read_text().replace("cycle_seconds: 1.1", "cycle_seconds: fast"))
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[-1].startswith(f"{bad}:") and "cycle_seconds" in out[-1]
