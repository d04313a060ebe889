"""The ``psoas-atlas`` command: open the viewer, list structures, screenshot, export, build.

:func:`main` parses the command line (:mod:`app.cli.parser`) and runs the command, from its
module by what it does: :mod:`~app.cli.window` (view, bench), :mod:`~app.cli.images`
(screenshot, section, animate, render-lesson), :mod:`~app.cli.data` (list, export, validate,
build-meshes), :mod:`~app.cli.quiz`, :mod:`~app.cli.mechanics`. Heavy imports (Qt, VTK,
MuJoCo) happen inside the command that needs them, so ``psoas-atlas list`` answers at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from app.cli.common import UsageError
from app.cli.parser import make_parser
from app.cli.window import cmd_bench, cmd_view
from app.interrupts import interruption, stopped, unwinding

__all__ = ["UsageError", "main", "make_parser"]


def _stdout_closed() -> None:
    """Point standard output at /dev/null: what is left in its buffer cannot be written, and
    Python would say so with a traceback when it flushes at exit."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        with unwinding(args.func not in (cmd_view, cmd_bench)):
            return int(args.func(args))
    except UsageError as exc:
        print(f"psoas-atlas: error: {exc}", file=sys.stderr)
        return 2
    except BaseException as error:
        if (signum := interruption(error)) is not None:
            return stopped(signum)
        if isinstance(error, BrokenPipeError):  # the reader stopped reading (| head): not an error
            _stdout_closed()
            return 0
        if isinstance(error, OSError):  # what no command foresaw: standard output on a full disk
            _stdout_closed()
            where = f" ({error.filename})" if error.filename else " (standard output)"
            print(f"psoas-atlas: error: cannot write: {error.strerror or error}{where}", file=sys.stderr)
            return 2
        raise
