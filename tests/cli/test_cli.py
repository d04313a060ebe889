"""The psoas-atlas command: list, screenshot with no display, export, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import pyvista as pv
from PIL import Image

from app.cli import main
from app.model.io import paths
from tests.commands import run_cli


def test_list_table_and_json(capsys, catalogue):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "NAME", "LATIN", "KIND", "SIDE", "GROUP", "ROOTS"]
    femoral = next(line for line in out.splitlines() if line.startswith("femoral_nerve_right "))
    assert femoral.rstrip().endswith("L2, L3, L4")
    assert all(sid in out for sid in catalogue.ids)
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == catalogue.ids
    assert rows[0].keys() == {"id", "name", "latin", "kind", "side", "group"}
    femur = next(r for r in rows if r["id"] == "femur_left")
    assert femur == {
        "id": "femur_left",
        "name": "Left femur",
        "latin": "Os femoris",
        "kind": "bone",
        "side": "left",
        "group": "Bones",
    }
    nerve = next(r for r in rows if r["id"] == "obturator_nerve_left")
    assert nerve["roots"] == ["L2", "L3", "L4"] and nerve["group"] == "Nerves"


def test_screenshot_renders_with_no_display_at_all(tmp_path):
    out = tmp_path / "front.png"
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"}}
    result = run_cli("screenshot", str(out), "--view", "anterior", "--size", "640x480", process=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "PySide6" not in result.stderr
    image = np.asarray(Image.open(out))
    assert image.shape[:2] == (480, 640)
    bright = image[..., :3].astype(int).sum(axis=2) > 330
    assert 0.03 < bright.mean() < 0.6  # bones drawn on the dark background
    # Symmetric skeleton in the anterior view: bone pixels balance left and right.
    columns = np.nonzero(bright)[1]
    assert abs(columns.mean() - 320) < 15
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "12"], "invalid size '12'"),
        (["--size", "0x100"], "each side must be 16 to"),
        (["--view", "sideways"], "invalid choice: 'sideways'"),
    ],
)
def test_screenshot_rejects_bad_arguments(tmp_path, args, message):
    result = run_cli("screenshot", str(tmp_path / "x.png"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_unwritable_paths_fail_clearly(tmp_path, make_read_only):
    result = run_cli("screenshot", str(tmp_path / "missing" / "x.png"))
    assert result.returncode == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    result = run_cli("screenshot", str(tmp_path / "x.jpg"))
    assert result.returncode == 2 and "PNG" in result.stderr
    locked = tmp_path / "locked"
    locked.mkdir()
    make_read_only(locked)
    result = run_cli("screenshot", str(locked / "x.png"))
    assert result.returncode == 2 and "not writable" in result.stderr
    assert list(locked.iterdir()) == []


def test_export_writes_visible_meshes_and_scene_json(tmp_path, catalogue, landmarks, capsys):
    assert main(["export", str(tmp_path / "scene")]) == 0
    scene = json.loads((tmp_path / "scene" / "scene.json").read_text())
    assert scene["units"] == "mm" and scene["frame"] == "RAS"
    assert [s["id"] for s in scene["structures"]] == [s.id for s in catalogue if s.visible]
    first = scene["structures"][0]
    assert first.keys() == {"id", "name", "latin", "kind", "side", "group", "color", "file"}
    for entry in scene["structures"]:
        mesh = pv.read(tmp_path / "scene" / entry["file"])
        assert mesh.n_cells > 300
        original = pv.read(paths.meshes_dir() / catalogue[entry["id"]].mesh)
        assert np.allclose(mesh.bounds, original.bounds)
    assert scene["landmarks"].keys() == landmarks.keys()
    roots = {s["id"]: s.get("roots") for s in scene["structures"]}
    assert roots["femoral_nerve_right"] == ["L2", "L3", "L4"]
    assert roots["psoas_major_right"] is None
    assert "psoas_minor_right" not in roots  # a variant, hidden by default: not exported
    origins = [a for a in scene["attachments"] if a["muscle"] == "psoas_major_left" and a["role"] == "origin"]
    assert {a["bone"] for a in origins} >= {"vertebra_t12", "vertebra_l4", "disc_l4_l5", "vertebra_l5"}
    assert all(len(a["points"]) >= 3 for a in scene["attachments"])
    assert scene["landmarks"]["hip_joint_center_right"][0] > 60  # mm, subject's right is +x


def test_export_into_a_file_fails_clearly(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("keep me")
    assert main(["export", str(target)]) == 2
    assert "it is a file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("display", "message"),
    [(None, "neither DISPLAY nor WAYLAND_DISPLAY is set"), (":4321", "no X server at DISPLAY=:4321")],
)
def test_the_viewer_without_a_display_says_so_in_one_line(display, message):
    """Qt would abort (SIGABRT) with a page about its platform plugins."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if display:
        env["DISPLAY"] = display
    for args in (["view"], []):
        result = run_cli(*args, process=True, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and message in result.stderr and "xvfb-run" in result.stderr


@pytest.mark.parametrize("option", ["--from", "--to", "--step"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_numbers_that_are_not_finite_are_refused_in_one_line(capsys, option, value):
    """They passed every range test made (NaN compares false) and reached the arithmetic."""
    args = {"--from": "0", "--to": "90", "--step": "10"} | {option: value}
    with pytest.raises(SystemExit) as stop:
        main(["mechanics", "--joint", "hip_flexion_right", *(f"{k}={v}" for k, v in args.items())])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "expected a finite number" in err, err


@pytest.mark.parametrize("args", [["list", "--json"], ["list"], ["quiz", "--generate", "5"]])
def test_output_to_a_full_disk_is_one_line(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "app", *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [
        "psoas-atlas: error: cannot write: No space left on device (standard output)"
    ]
