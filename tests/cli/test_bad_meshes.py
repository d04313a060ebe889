"""Damaged meshes found by throwing bad input at the atlas (issue 26), kept found: each is
refused before VTK reads it, in one line of our own, and never opened if it is not a regular
file."""

from __future__ import annotations

import os
import warnings

from app.model.anatomy.meshes import check_mesh
from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from tests.cli.test_bad_data import warnings_about
from tests.commands import run_cli

NERVE = "nerves/femoral_nerve_left.ply"


def _with_header_line(data: bytes, line: bytes) -> bytes:
    first, rest = data.split(b"\n", 1)
    return first + b"\n" + line + b"\n" + rest


def test_a_mesh_header_too_long_for_vtk_is_refused(data_root):
    """VTK read nothing from a 3 MB header comment: a traceback computing normals."""
    path = data_root / "meshes" / NERVE
    path.write_bytes(_with_header_line(path.read_bytes(), b"comment " + b"x" * 3_000_000))
    result = run_cli("list", root=data_root)
    assert result.returncode == 1
    (warning,) = warnings_about(result, "structures.yaml")
    assert f"'mesh': {NERVE}: no end_header in the first 4,000 bytes" in warning


def test_a_lod_mesh_that_vtk_cannot_read_is_not_drawn(tmp_path):
    from app.render.meshes import LOD_DIR, load_lod_mesh

    data = (paths.meshes_dir() / NERVE).read_bytes()
    lod = tmp_path / LOD_DIR / NERVE
    lod.parent.mkdir(parents=True)
    lod.write_bytes(_with_header_line(data, b"comment " + b"x" * 5000))
    assert load_lod_mesh(tmp_path, NERVE) is None


def test_a_mesh_of_the_wrong_byte_order_is_refused_without_numpy_warnings(tmp_path):
    path = tmp_path / "m.ply"
    data = (paths.meshes_dir() / NERVE).read_bytes()
    path.write_bytes(data.replace(b"binary_little_endian", b"binary_big_endian", 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning printed its source line beside ours
        assert check_mesh(path) == "coordinates that are not finite numbers (NaN or infinity)"


def test_a_named_pipe_as_a_mesh_is_not_a_regular_file(data_root):
    """It was "file not found"; opening one for reading waits for a writer forever."""
    path = data_root / "meshes" / NERVE
    path.unlink()
    os.mkfifo(path)
    catalogue, problems = load_catalogue(data_root / "annotations" / "structures.yaml", data_root / "meshes")
    assert "femoral_nerve_left" not in catalogue
    (problem,) = problems
    assert problem.message == f"'mesh': {NERVE}: not a regular file: it is a named pipe"
    assert check_mesh(path) == "not a regular file: it is a named pipe"
