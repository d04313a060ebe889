"""The command-line tests' helpers: one way to run ``psoas-atlas``, and a copy of the data set
to damage."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.model.io import paths


@dataclass
class Result:
    """What a command did: its exit status and what it printed (as subprocess.run says)."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str,
    root: Path | None = None,
    cwd: Path | None = None,
    process: bool = False,
    timeout: int = 180,
    **popen,
) -> Result:
    """Run ``psoas-atlas ARGS`` on the data set under ``root`` (default: the shipped one).

    In this process (``main(argv)``: no second of imports per call) unless ``process``: a
    real process started as a user starts it, for what only a process shows (the entry point,
    signals, resource limits, what C libraries write to the file descriptors); ``popen`` goes
    to :func:`subprocess.run` then.
    """
    argv = [*(("--root", str(root)) if root is not None else ()), *args]
    if process:
        done = subprocess.run(
            [sys.executable, "-m", "app", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            **popen,
        )
        return Result(done.returncode, done.stdout, done.stderr)
    from app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        contextlib.chdir(cwd or Path.cwd()),
    ):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: a bad argument, --help, --version
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return Result(code, out.getvalue(), err.getvalue())


def one_line_error(result: Result) -> str:
    """The error a command printed: exactly one line besides warnings, and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(autouse=True)
def every_plotter_closed(plotters_closed):
    """A command run in this process closes every plotter it opens, whether it succeeds or
    fails (``plotters_closed``, tests/conftest.py)."""


@pytest.fixture
def data_root(tmp_path) -> Path:
    """A copy of the data set to damage (the tests never touch the shipped files)."""
    root = tmp_path / "atlas"
    shutil.copytree(paths.annotations_dir(), root / "annotations")
    shutil.copytree(paths.meshes_dir(), root / "meshes")
    return root
