"""The code's shape that issue 27 set: no module of ``app/`` outside ``build/`` over 600 lines,
and the window and the command line thin (each module under 450), so that a module that grows
past them is split by its domain rather than left to grow."""

from __future__ import annotations

from pathlib import Path

import app

APP = Path(app.__file__).parent
MOST_LINES = 600


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_outside_the_build_is_over_600_lines():
    long = {
        str(path.relative_to(APP)): _lines(path)
        for path in APP.rglob("*.py")
        if path.relative_to(APP).parts[0] != "build" and _lines(path) > MOST_LINES
    }
    assert not long, long


def test_the_window_and_the_command_line_stay_thin():
    modules = [APP / "qt" / "main_window.py", *sorted((APP / "cli").glob("*.py"))]
    assert len(modules) > 2
    long = {str(path.relative_to(APP)): _lines(path) for path in modules if _lines(path) >= 450}
    assert not long, long
