"""Damaged data files found by throwing bad input at the atlas (issue 26), kept found: each is
one ``file:line: message`` warning and exit status 1, what it spoils is left out, and never
a traceback, a hang or normal-looking numbers from NaN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.model.anatomy.landmarks import load_attachments, load_centrelines, load_landmarks
from app.model.io import paths
from app.model.motion.mechanics import load_paths
from tests.commands import run_cli

LOADERS = {
    "landmarks.json": load_landmarks,
    "attachments.json": load_attachments,
    "paths.json": load_paths,
    "centrelines.json": load_centrelines,
}


def warnings_about(result, name: str) -> list[str]:
    """The warnings a command printed about the file ``name``, each checked to be one
    ``warning: file:line: message`` line; and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    found = [line for line in result.stderr.splitlines() if name in line]
    for line in found:
        assert re.match(rf"^warning: /\S+/{re.escape(name)}(:\d+)?: \S", line), line
    return found


def _first_number(text: str) -> re.Match[str]:
    match = re.search(r"(?<=[\s\[])-?\d+\.\d+(?=[\s,\]])", text)
    assert match is not None
    return match


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize(
    "bad",
    ["NaN", "-Infinity", "1e999", "9" * 5000, "1" + "0" * 400],
    ids=["nan", "inf", "1e999", "5000-digits", "401-digits"],
)
def test_a_number_that_is_not_finite_or_too_long_is_one_located_problem(tmp_path, name, bad):
    """Over 4,300 digits was Python's ValueError as a traceback, over 309 an OverflowError."""
    text = (paths.meshes_dir() / name).read_text()
    at = _first_number(text)
    path = tmp_path / name
    path.write_text(text[: at.start()] + bad + text[at.end() :])
    _, problems = LOADERS[name](path)
    line = text.count("\n", 0, at.start()) + 1
    assert problems, bad
    assert all(str(p).startswith(f"{path}:") and "\n" not in str(p) for p in problems)
    if len(bad) > 300:
        assert [(p.line, p.message) for p in problems] == [(line, "number too long (over 300 digits)")]


@pytest.mark.parametrize(
    "data",
    [b"", b'{\n "units": "mm",\n "frame": "RAS",\n "centrelines": {\n  "a": [[1', bytes(range(256)), None],
    ids=["empty", "cut", "binary", "missing"],
)
def test_a_damaged_centrelines_file_is_a_warning(data_root, data):
    path = data_root / "meshes" / "centrelines.json"
    path.unlink()
    if data is not None:
        path.write_bytes(data)
    result = run_cli("list", root=data_root)
    assert result.returncode == 1 and "psoas_major_right" in result.stdout
    assert len(warnings_about(result, "centrelines.json")) == 1


def test_a_centreline_that_is_not_finite_is_left_out(tmp_path):
    text = (paths.meshes_dir() / "centrelines.json").read_text()
    document = json.loads(text)
    first, second = list(document["centrelines"])[:2]
    document["centrelines"][first][3][1] = float("nan")
    document["centrelines"][second] = [[1.0, 2.0, 3.0]]  # one point is no line
    path = tmp_path / "centrelines.json"
    path.write_text(json.dumps(document, indent=1))
    lines, problems = load_centrelines(path)
    assert first not in lines and second not in lines and len(lines) == len(document["centrelines"]) - 2
    assert [p.line for p in problems] == [_line(path, first), _line(path, second)]


def _line(path: Path, name: str) -> int:
    text = path.read_text()
    return text.count("\n", 0, text.index(f'"{name}"')) + 1


def test_mechanics_leaves_out_a_muscle_whose_path_is_not_finite(data_root):
    path = data_root / "meshes" / "paths.json"
    text = path.read_text()
    at = text.index('"iliacus_right"')
    knot = _first_number(text[at:])
    path.write_text(text[: at + knot.start()] + "NaN" + text[at + knot.end() :])
    result = run_cli(
        "mechanics", "--joint", "hip_flexion_right", "--from", "0", "--to", "10", "--step", "10", "--json",
        root=data_root,
    )  # fmt: skip
    assert result.returncode == 1
    (warning,) = warnings_about(result, "paths.json")
    assert f"paths.json:{_line(path, 'iliacus_right')}: muscle 'iliacus_right'" in warning
    rows = json.loads(result.stdout)["rows"]
    assert "iliacus_right" not in rows[0]["length"] and "psoas_major_right" in rows[0]["length"]


def test_femoral_heads_of_the_wrong_shape_are_a_problem(tmp_path):
    """A list where the sides were mapped was an AttributeError."""
    document = json.loads((paths.meshes_dir() / "paths.json").read_text())
    path = tmp_path / "paths.json"
    for heads in ([1, 2], {"right": {"centre": [1, 2, 3], "radius": float("nan")}}):
        path.write_text(json.dumps({**document, "femoral_heads": heads}, indent=1))
        found, problems = load_paths(path)
        assert found.heads == {} and len(problems) == 1 and "femoral" in problems[0].message
        assert found.muscles.keys() == load_paths(paths.paths_file())[0].muscles.keys()


def test_lumbar_ranges_all_zero_are_a_warning(data_root):
    path = data_root / "annotations" / "motion.yaml"
    text = path.read_text()
    path.write_text(re.sub(r"(flexion|lateral_bending|rotation): \d+", r"\1: 0", text))
    result = run_cli("list", root=data_root)
    assert result.returncode == 1
    (warning,) = warnings_about(result, "motion.yaml")
    joints = text[: text.index("  joints:")].count("\n") + 1
    assert f"motion.yaml:{joints}: 'rhythm.joints': every joint's flexion range is 0" in warning


@pytest.mark.parametrize("number", ["9" * 5000, "0x" + "f" * 400, ":".join(["1"] * 100_000)])
def test_a_yaml_integer_too_long_is_a_warning(data_root, number):
    """Over 4,300 digits was a ValueError traceback; base 60 would take minutes."""
    path = data_root / "annotations" / "motion.yaml"
    text = path.read_text()
    at = text.index("\nposes:") + 1
    path.write_text(text[:at] + f"spare: {number}\n" + text[at:])
    result = run_cli("list", root=data_root)
    line = text[:at].count("\n") + 1
    assert result.returncode == 1
    assert warnings_about(result, "motion.yaml") == [
        f"warning: {path}:{line}: number too long (over 300 digits)"
    ]
