"""``psoas-atlas mechanics --activity`` and ``screenshot --activity --at``: an activity's
lengths over its cycle, one instant drawn, and bad input as one line."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.commands import one_line_error, run_cli


@pytest.fixture(scope="module")
def walking_rows():
    result = run_cli("mechanics", "--activity", "walking", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_mechanics_over_the_walking_cycle(walking_rows):
    document = walking_rows
    assert document["activity"] == "walking" and "Schwartz" in document["source"]
    assert document["units"] == {"cycle_percent": "%", "angles": "deg", "length": "mm", "moment_arm": "mm"}
    rows = document["rows"]
    assert [r["cycle_percent"] for r in rows] == list(range(0, 101, 2))
    first = rows[0]
    joints = {"hip_flexion_right", "knee_flexion_right", "pelvic_tilt", "ankle_flexion_left"}
    assert joints <= set(first["angles"])
    assert set(first["length"]) == set(first["moment_arm"]) and "psoas_major_right" in first["length"]
    assert first["phase"] == "initial_contact" and rows[-1]["angles"] == first["angles"]  # 100 % is 0 %
    psoas = [r["length"]["psoas_major_right"] for r in rows]
    longest = rows[psoas.index(max(psoas))]
    assert 46 <= longest["cycle_percent"] <= 58  # hip extended: terminal stance to pre-swing
    assert all(r["moment_arm"]["psoas_major_right"] > 0 for r in rows)  # a hip flexor throughout


def test_mechanics_of_rising_from_a_chair_as_a_table():
    result = run_cli("mechanics", "--activity", "sit_to_stand")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Rising from a chair (healthy adults") and len(lines) == 2 + 51
    assert lines[2].split()[-1] == "flexion_momentum" and lines[-1].split()[-1] == "stabilisation"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("mechanics", "--activity", "walkng"), "unknown activity 'walkng' (did you mean 'walking'?)"),
        (("mechanics", "--activity", "walking", "--joint", "hip_flexion_right"), "leave out --joint"),
        (("mechanics", "--activity", "walking", "--pose", "trunk_fold"), "leave out --pose"),
        (("mechanics", "--joint", "hip_flexion_right"), "--from is needed"),
        (("mechanics",), "--joint is needed (or --activity NAME"),
        (("screenshot", "x.png", "--at", "50"), "--at needs --activity"),
        (("screenshot", "x.png", "--activity", "walking", "--at", "101"), "--at must be 0 to 100"),
        (("screenshot", "x.png", "--activity", "walking", "--at", "-0.5"), "--at must be 0 to 100"),
        (("screenshot", "x.png", "--activity", "walking", "--at", "nan"), "expected a finite number"),
        (("screenshot", "x.png", "--activity", "walking", "--pose", "trunk_fold"), "leave out --pose"),
    ],
)
def test_bad_input_is_one_line(tmp_path, args, expected):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert expected in one_line_error(result)
    assert not (tmp_path / "x.png").exists()


@settings(max_examples=25, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 100))
def test_any_percentage_outside_the_cycle_is_refused(at):
    result = run_cli("screenshot", "never.png", "--activity", "walking", f"--at={at!r}")
    assert result.returncode == 2 and "--at must be 0 to 100" in one_line_error(result)


def test_an_unknown_activity_to_draw_is_one_line(tmp_path):
    result = run_cli("screenshot", str(tmp_path / "x.png"), "--activity", "stairs", "--at", "30")
    assert result.returncode == 2
    assert "unknown activity 'stairs'" in one_line_error(result) and "stair_ascent" in result.stderr


def test_one_instant_of_rising_from_a_chair_drawn(tmp_path):
    out = tmp_path / "rise.png"
    result = run_cli(
        "screenshot", str(out), "--activity", "sit_to_stand", "--at", "0", "--size", "320x240", process=True
    )
    assert result.returncode == 0, result.stderr
    assert "view right" in result.stdout
    with Image.open(out) as image:
        assert image.size == (320, 240)
        colours = image.convert("RGB").getcolors(320 * 240)
    assert colours is not None and len(colours) > 50  # a body and a chair, not a blank frame


def test_one_instant_is_named_as_the_play_tab_names_it():
    """The picture's phases are both legs', in the Play tab's words (the title named the
    right leg's phase alone, as "Terminal Stance")."""
    from app.cli.images import _show_activity_instant
    from app.model.atlas import Atlas
    from app.model.motion.cycles import phase_label

    atlas = Atlas.load()
    scene = atlas.scene()
    _show_activity_instant(atlas, scene, "walking", 50)
    assert atlas.body is not None
    walking = atlas.body.activities["walking"]
    assert scene.picture.title == "Walking at 50 %"
    assert scene.picture.caption.lower().startswith(phase_label(walking, 0.5).split(": ")[1])
    assert "right leg" in scene.picture.caption.lower() and "left leg" in scene.picture.caption
    assert walking.population[1:] in scene.picture.caption


@pytest.mark.parametrize(
    ("activity", "shortest", "longest"),
    [
        ("sit_to_stand", (30, 38), (84, 100)),  # hips most flexed at lift-off (35 %); standing at the end
        ("stair_ascent", (88, 96), (56, 64)),  # the leg lifted to the next step; the hip extended on it
    ],
)
def test_the_psoas_is_shortest_where_the_hip_flexes_most(activity, shortest, longest):
    result = run_cli("mechanics", "--activity", activity, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    psoas = [r["length"]["psoas_major_right"] for r in rows]
    hip = [r["angles"]["hip_flexion_right"] + r["angles"].get("pelvic_tilt", 0.0) for r in rows]
    low, high = rows[psoas.index(min(psoas))]["cycle_percent"], rows[psoas.index(max(psoas))]["cycle_percent"]
    assert shortest[0] <= low <= shortest[1] and longest[0] <= high <= longest[1]
    assert abs(hip.index(max(hip)) - psoas.index(min(psoas))) <= 2  # within 4 % of the hip's peak
