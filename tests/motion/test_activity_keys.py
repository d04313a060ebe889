"""Activities from published key values: climbing stairs (a cycle) and rising from a chair
(played once, from sitting to standing): the files, their keys reached where the studies put
them, smooth curves, their phases and postures, and how bad key values are refused."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.io import paths
from app.model.motion.activities import ActivityTrack, load_activities, read_activity

FOLDER = paths.annotations_dir() / "activities"
KEYED = ("stair_ascent", "sit_to_stand")


@pytest.fixture(scope="module")
def activities():
    found, problems = load_activities(paths.annotations_dir())
    assert problems == []
    return found


@pytest.mark.parametrize("name", KEYED)
def test_the_file_says_where_its_numbers_come_from(activities, name):
    activity = activities[name]
    document = yaml.safe_load((FOLDER / f"{name}.yaml").read_text())
    assert "adults" in activity.population and "key values typed from the cited" in activity.licence
    assert "deg" in document["units"] and document["keys_source"] and document["phases_source"]
    assert set(activity.keys) <= {c for c in document["columns"]}


def _data_angle(activity, column: str, fraction: float) -> float:
    """The data's own angle of the right side at ``fraction``, back from the rig's joints."""
    pose = activity.pose_at(fraction)
    return {
        "hip_flexion": pose.hip_flexion("right"),
        "knee_flexion": pose["knee_flexion_right"],
        "ankle_dorsiflexion": pose["ankle_flexion_right"],
        "pelvic_tilt": pose["pelvic_tilt"],
        "lumbar_flexion": pose["lumbar_flexion"],
    }[column]


@pytest.mark.parametrize("name", KEYED)
def test_every_key_value_is_reached_at_its_percent_within_a_degree(activities, name):
    activity = activities[name]
    assert activity.keys
    for column, pairs in activity.keys.items():
        for percent, value in pairs:
            reached = _data_angle(activity, column, percent / 100)
            assert reached == pytest.approx(value, abs=1.0), (column, percent)


@pytest.mark.parametrize("name", KEYED)
def test_the_curves_are_smooth_and_peak_at_the_keys(activities, name):
    activity = activities[name]
    grid = np.linspace(0, 1, 1001)
    for column, pairs in activity.keys.items():
        values = np.array([_data_angle(activity, column, f) for f in grid])
        step = np.abs(np.diff(values)).max()
        assert step < 1.0, (column, step)  # no jump: under a degree in 0.1 % of the cycle
        second = np.abs(np.diff(values, 2)).max()
        assert second < 0.2, (column, second)  # no kink
        # A shape-preserving curve: no overshoot beyond the published extremes.
        keyed = [v for _, v in pairs]
        assert values.max() <= max(keyed) + 0.5 and values.min() >= min(keyed) - 0.5


def test_stairs_flex_the_hip_and_knee_of_the_leg_that_steps_up(activities):
    stairs = activities["stair_ascent"]
    grid = np.arange(100) / 100
    hip = [stairs.pose_at(f).hip_flexion("right") for f in grid]
    knee = [stairs.pose_at(f)["knee_flexion_right"] for f in grid]
    assert max(hip) == pytest.approx(66.3, abs=0.2) and int(np.argmax(hip)) == 92
    assert max(knee) == pytest.approx(90.5, abs=0.2) and int(np.argmax(knee)) == 74
    assert stairs.periodic and stairs.pose_at(0.25) == stairs.pose_at(1.25)
    left, right = stairs.pose_at(0.1).hip_flexion("left"), stairs.pose_at(0.6).hip_flexion("right")
    assert left == pytest.approx(right, abs=0.01)  # the left leg half a stride later
    names = [p.name for p in stairs.phases]
    stance = ["weight_acceptance", "pull_up", "forward_continuance"]
    assert names == [*stance, "foot_clearance", "foot_placement"]  # McFadyen and Winter 1988
    assert stairs.phase_at(0.99).name == "foot_placement" and stairs.phase_at(1.0).name == "weight_acceptance"


def _curve(activity, column: str) -> np.ndarray:
    """The data's angle of the right side every 1 % of the cycle, 0 to 100 %."""
    return np.array([_data_angle(activity, column, p / 100) for p in range(101)])


# Published extremes: (activity, column, "max"/"min", degrees, % of the cycle where the file
# puts it, what the % rests on). Each is checked to 2 deg at its % (to 3 %).
PUBLISHED = [
    # Rising from a chair: seated as J Orthop Sci 2012 (17:682) measured, the
    # largest hip flexion and trunk lean at lift-off (Tully et al. 2005, Gait Posture 22:338).
    ("sit_to_stand", "hip_flexion", "max", 106.2, 35),
    ("sit_to_stand", "hip_flexion", "min", 0.0, 85),
    ("sit_to_stand", "pelvic_tilt", "min", -18.3, 0),
    ("sit_to_stand", "pelvic_tilt", "max", 16.2, 35),
    ("sit_to_stand", "lumbar_flexion", "max", 28.1, 35),
    ("sit_to_stand", "ankle_dorsiflexion", "max", 15.0, 45),
    # Climbing stairs: the lead limb's peaks (Physiotherapy 2009, 20.3 cm step), the stance
    # leg's extremes (Int J Phys Med Rehabil 2:231, Table 3, 17 cm steps).
    ("stair_ascent", "hip_flexion", "max", 66.3, 92),
    ("stair_ascent", "knee_flexion", "max", 90.5, 74),
    ("stair_ascent", "hip_flexion", "min", 9.6, 60),
    ("stair_ascent", "knee_flexion", "min", 7.5, 55),
    ("stair_ascent", "ankle_dorsiflexion", "max", 15.8, 30),
]


@pytest.mark.parametrize(("name", "column", "kind", "degrees", "percent"), PUBLISHED)
def test_the_published_extremes_are_reached_where_the_file_puts_them(
    activities, name, column, kind, degrees, percent
):
    values = _curve(activities[name], column)
    found = values.max() if kind == "max" else values.min()
    where = min(i for i, v in enumerate(values) if abs(v - found) < 0.01)  # held still: its first %
    assert found == pytest.approx(degrees, abs=2.0), (name, column)
    assert abs(where - percent) <= 3, (name, column, where)


def test_the_rise_leans_the_trunk_as_tully_measured_at_lift_off(activities):
    """Pelvis and lumbar spine together lean the trunk 90 - 45.7 = 44.3 deg from the vertical
    at lift-off (Tully et al. 2005), upright while seated (J Orthop Sci 2012, 17:682: -18.3 + 16.6)."""
    rise = activities["sit_to_stand"]
    lean = _curve(rise, "pelvic_tilt") + _curve(rise, "lumbar_flexion")
    assert lean[0] == pytest.approx(-1.7, abs=0.05)
    assert lean.max() == pytest.approx(44.3, abs=2.0) and abs(int(np.argmax(lean)) - 35) <= 3
    # Hip and lumbar flexion share the lean 3:1 up to lift-off.
    hip = _curve(rise, "hip_flexion")
    lumbar = _curve(rise, "lumbar_flexion")
    assert (hip[35] - hip[0]) / (lumbar[35] - lumbar[0]) == pytest.approx(3.0, abs=0.05)
    # Seated, the hip is flexed within 2 deg of the elderly's 73.6-78.1 deg at the start (Gelain et al. 2018).
    assert 73.58 - 2 <= hip[0] <= 78.06


def test_rising_from_a_chair_starts_seated_and_ends_standing(activities):
    rise = activities["sit_to_stand"]
    assert not rise.periodic
    start, end = rise.pose_at(0.0), rise.pose_at(1.0)
    assert start.posture == "sitting" and end.posture == "rising" and not end.angles
    # Seated: the thighs level, the pelvis tilted back and the lordosis flattened (J Orthop Sci 2012, 17:682).
    assert start["hip_flexion_right"] == pytest.approx(90)
    assert start["pelvic_tilt"] == pytest.approx(-18.3) and start["lumbar_flexion"] == pytest.approx(16.6)
    assert start.hip_flexion("right") == pytest.approx(71.7)
    assert start["knee_flexion_right"] == pytest.approx(90)
    assert rise.pose_at(1.7) == end and rise.pose_at(-1) == start  # played once: held at its ends
    lift_off = rise.pose_at(0.35)
    assert lift_off["pelvic_tilt"] == pytest.approx(16.2, abs=0.05)  # 3:1 of a 46 deg lean, Tully et al.
    assert lift_off["lumbar_flexion"] == pytest.approx(28.1, abs=0.05)
    assert lift_off["hip_flexion_right"] == pytest.approx(90, abs=0.05)  # the thigh still level
    # Both legs alike, and the thighs stay on the seat until lift-off.
    for f in np.linspace(0, 1, 41):
        pose = rise.pose_at(f)
        assert pose["hip_flexion_left"] == pose["hip_flexion_right"]
        if f < 0.35:
            assert pose["hip_flexion_right"] == pytest.approx(90, abs=0.05)
    names = [p.name for p in rise.phases]
    assert names == ["flexion_momentum", "momentum_transfer", "extension", "stabilisation"]
    assert rise.phase_at(1.0).name == "stabilisation" and rise.phase_at(0.4).name == "momentum_transfer"


def test_the_chair_stays_where_it_stood_as_the_body_rises(activities):
    """Seated on it at the start, the body leaves the chair behind: the same chair (moved
    only as the feet are, which the room follows) at every instant, the floor under the feet."""
    from app.model.atlas import Atlas

    rig = Atlas.load().body.rig
    rise = activities["sit_to_stand"]

    def chair_and_feet(fraction):
        placement = rig.placement(rise.pose_at(fraction))
        chair = next(p for p in placement.props if p.name == "chair")
        support = rig._support_in(rig.transforms(rise.pose_at(fraction)))
        feet = np.vstack([support["foot_right"], support["foot_left"]])
        seat = np.array(chair.boxes[0])  # the seat: (low corner, high corner)
        return seat, feet.mean(axis=0), placement.surfaces["floor"]

    seat0, feet0, floor0 = chair_and_feet(0.0)
    for f in (0.01, 0.2, 0.35, 0.5, 0.8, 1.0):
        seat, feet, floor = chair_and_feet(f)
        # The seat keeps its place beside the feet (to the rounding of the boxes, 0.1 mm) ...
        assert np.allclose(seat[:, :2] - feet[:2], seat0[:, :2] - feet0[:2], atol=0.2), f
        # ... and its height over the floor (the body rises: the floor drops below the hips).
        assert seat[1, 2] - floor == pytest.approx(seat0[1, 2] - floor0, abs=0.2), f
    assert floor < floor0 - 300  # standing, the hips are far higher over the floor


def test_a_movement_played_once_ends_at_its_end(activities):
    rise = activities["sit_to_stand"]
    track = ActivityTrack(rise, 2.0)
    assert track.at(2.0) == rise.pose_at(1.0) and track.fraction(2.0) == 1.0
    assert track.at(3.0, loop=True) == rise.pose_at(0.5)  # looped: from the chair again
    frames = track.frames(10, cycles=2)
    assert len(frames) == 40 and frames[0] == frames[20] == rise.pose_at(0) and frames[19] == rise.pose_at(1)


def _script():
    spec = importlib.util.spec_from_file_location("activity_keys", Path("scripts/activity_keys.py").resolve())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["activity_keys"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", KEYED)
def test_the_rows_are_what_the_script_writes_from_the_keys(name, tmp_path):
    pytest.importorskip("scipy")
    path = tmp_path / f"{name}.yaml"
    text = (FOLDER / f"{name}.yaml").read_text()
    path.write_text(text)
    _script().main(path)
    assert path.read_text() == text


GOOD = (FOLDER / "sit_to_stand.yaml").read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("  knee_flexion: [[0, 90.0]", "  knee_flexion: [[0, 80.0]"),
            "'keys': knee_flexion = 80 at 0 %, 90 in the rows",
        ),
        (("  knee_flexion: [[0, 90.0]", "  knee_flexon: [[0, 90.0]"), "unknown key column 'knee_flexon'"),
        (("[[0, 16.6], [35, 28.1]", "[[35, 28.1], [0, 16.6]"), "0 to 100 % in order"),
        (("  rising: 1", "  risng: 1"), "unknown posture 'risng' (did you mean 'rising'?)"),
        (("  rising: 1", "  rising: 0"), "postures must start at 0 % and follow each other in order"),
        (("other_side: same", "other_side: later"), "'other_side'"),
        (("periodic: false", "periodic: true"), "a periodic cycle ends where it starts"),
        (("keys_source: >-", "keys_sourc: >-"), "'keys_sourc': unknown field"),
    ],
)
def test_bad_keys_are_one_line_a_problem(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    path = tmp_path / "sit_to_stand.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    activity, problems = read_activity(path)
    assert activity is None and problems
    text = [str(p) for p in problems]
    assert any(expected in t for t in text), text
    assert all("\n" not in t and t.startswith(f"{path}:") for t in text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(-2, 3, allow_nan=False))
def test_any_instant_is_within_every_joints_range(activities, fraction):
    from app.model.motion.kinematics import JOINTS

    for name in KEYED:
        pose = activities[name].pose_at(fraction)
        for joint, value in pose.angles:
            assert JOINTS[joint].lower <= value <= JOINTS[joint].upper


def test_validate_takes_the_keyed_files(capsys):
    from app.cli import main

    files = [str(FOLDER / f"{name}.yaml") for name in KEYED]
    assert main(["validate", *files]) == 0
    assert "2 file(s) valid" in capsys.readouterr().out


_KEYS = st.lists(
    st.tuples(st.floats(-20, 120, allow_nan=False), st.floats(-200, 200, allow_nan=False)), max_size=5
)


@settings(max_examples=40, deadline=None)
@given(_KEYS, st.booleans())
def test_any_keys_are_read_or_refused_in_one_line_each(keys, periodic):
    import tempfile

    text = GOOD.replace("periodic: false", f"periodic: {str(periodic).lower()}")
    start = text.index("  knee_flexion: [[")
    end = text.index("\n", start)
    text = text[:start] + f"  knee_flexion: {[list(k) for k in keys]}" + text[end:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sit_to_stand.yaml"
        path.write_text(text)
        activity, problems = read_activity(path)
    assert (activity is None) == bool(problems)
    assert all("\n" not in str(p) and str(p).startswith(str(path)) for p in problems)
