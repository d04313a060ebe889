"""One way to run ``psoas-atlas`` in the tests: in this process, or as a real process."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


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
