"""The motion commands: mechanics tables and JSON, posed screenshots, one-line refusals."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from tests.cli.test_cli import run_cli


def test_mechanics_json_over_hip_flexion(capsys):
    assert (
        main(
            [
                "mechanics",
                "--joint",
                "hip_flexion_right",
                "--from",
                "0",
                "--to",
                "90",
                "--step",
                "30",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["joint"] == "hip_flexion_right"
    assert result["units"] == {"angle": "deg", "length": "mm", "moment_arm": "mm"}
    assert [row["angle"] for row in result["rows"]] == [0, 30, 60, 90]
    psoas = [row["length"]["psoas_major_right"] for row in result["rows"]]
    assert all(b < a for a, b in itertools.pairwise(psoas))  # shortens all the way
    assert all(row["moment_arm"]["iliacus_right"] > 10 for row in result["rows"])
    assert all(row["moment_arm"]["iliacus_left"] == 0 for row in result["rows"])  # the other hip


def test_mechanics_with_a_pose_and_as_a_table(capsys):
    sweep = ["--joint", "lumbar_lateral_bending", "--from", "-20", "--to", "20", "--step", "20"]
    assert main(["mechanics", *sweep, "--pose", "trunk_fold"]) == 0
    out = capsys.readouterr().out
    assert "other joints: lumbar_flexion=15, pelvic_tilt=70" in out
    assert len(out.strip().splitlines()) == 2 + 3


HIP = ["--joint", "hip_flexion_right", "--from", "0"]


@pytest.mark.parametrize(
    "args,message",
    [
        ([*HIP, "--to", "200"], "ranges from -30 to 120"),
        ([*HIP, "--to", "10", "--step", "0"], "must be positive"),
        (
            [*HIP, "--to", "10", "--pose", "trunk_fol"],
            "did you mean 'trunk_fold'",
        ),
        (
            [*HIP, "--to", "10", "--pose", "pelvic_tilt=x"],
            "JOINT=DEGREES",
        ),
        (
            [*HIP, "--to", "10", "--pose", "pelvic_tilt=400"],
            "out of its range",
        ),
    ],
)
def test_mechanics_refuses_bad_arguments_in_one_line(capsys, args, message):
    assert main(["mechanics", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_mechanics_unknown_joint_is_one_line():
    result = run_cli("mechanics", "--joint", "hip_flexon_right", "--from", "0", "--to", "10")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_screenshot_in_a_pose_differs_from_neutral(tmp_path):
    neutral, posed = tmp_path / "neutral.png", tmp_path / "posed.png"
    assert run_cli("screenshot", str(neutral), "--view", "right", "--size", "320x240").returncode == 0
    result = run_cli("screenshot", str(posed), "--view", "right", "--size", "320x240", "--pose", "leg_lift",
                     "hip_flexion_left=-20")  # fmt: skip
    assert result.returncode == 0, result.stderr
    a = np.asarray(Image.open(neutral).convert("L"), dtype=float)
    b = np.asarray(Image.open(posed).convert("L"), dtype=float)
    assert np.abs(a - b).mean() > 2  # the thigh moved
    bad = run_cli("screenshot", str(tmp_path / "bad.png"), "--pose", "hip_flexion_right=130")
    assert bad.returncode == 2 and "out of its range" in bad.stderr and not (tmp_path / "bad.png").exists()
