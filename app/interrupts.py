"""Ctrl+C and SIGTERM stop a command cleanly, from its first moment.

Each unwinds the command like an exception, so what it was writing (a temporary file or
folder, see :mod:`app.model.io.atomic`) is removed on the way out and the earlier output is kept; the
command then says so in one line and exits with the status a shell expects (130, 143).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn


class Terminated(BaseException):
    """SIGTERM, raised where the command is (Python raises Ctrl+C as KeyboardInterrupt)."""


def _terminate(signum: int, _frame: object) -> NoReturn:
    raise Terminated(signum)


@contextmanager
def unwinding(wanted: bool = True) -> Iterator[None]:
    """SIGTERM unwinds the block while ``wanted``; else it ends the process at once, as by
    default (in Qt's event loop a Python exception has nowhere to go)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a command called in a test's thread)
        return
    previous = signal.signal(signal.SIGTERM, _terminate if wanted else signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped(interruption: BaseException) -> int:
    """Say in one line that the command was stopped; return its exit status."""
    signum, name = (
        (signal.SIGTERM, "SIGTERM") if isinstance(interruption, Terminated) else (signal.SIGINT, "Ctrl+C")
    )
    print(
        f"psoas-atlas: interrupted ({name}): nothing half-written is left, earlier files are kept",
        file=sys.stderr,
    )
    return 128 + signum
