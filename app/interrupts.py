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
from typing import Any, NoReturn


class Terminated(BaseException):
    """SIGTERM, raised where the command is (Python raises Ctrl+C as KeyboardInterrupt)."""


#: The signals received while a command ran: an exception that comes after one is taken as
#: the interruption itself (VTK's module loader turns it into an ImportError, for one).
_received: list[int] = []


#: How deep the blocks are in which an interruption waits (:func:`deferred`).
_deferring = 0


def _raise(signum: int) -> NoReturn:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _stop(signum: int, _frame: object) -> None:
    _received.append(signum)
    if not _deferring:
        _raise(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold an interruption back while VTK may call Python (an observer during a render) and
    raise it when the block ends: VTK ends the process at once when Ctrl+C is raised in an
    observer ("Caught a Ctrl-C within python, exiting program.", status 1, nothing removed),
    and prints and forgets any other exception there. A block costs a frame at most."""
    global _deferring
    seen = len(_received)
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if not _deferring and len(_received) > seen:
        _raise(_received[-1])


@contextmanager
def unwinding(wanted: bool = True) -> Iterator[None]:
    """Ctrl+C and SIGTERM unwind the block while ``wanted``; else SIGTERM ends the process at
    once, as by default (in Qt's event loop a Python exception has nowhere to go). Ctrl+C
    that the shell made the command ignore (``cmd &``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a command called in a test's thread)
        return
    handlers: dict[int, Any] = {signal.SIGTERM: _stop if wanted else signal.SIG_DFL}
    if wanted and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        handlers[signal.SIGINT] = _stop
    _received.clear()
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interruption(error: BaseException) -> int | None:
    """The signal that stopped the command, if ``error`` is it or came of it; else None."""
    if isinstance(error, Terminated):
        return signal.SIGTERM
    if isinstance(error, KeyboardInterrupt):
        return signal.SIGINT
    return _received[-1] if _received else None


def stopped(signum: int) -> int:
    """Say in one line that the command was stopped; return its exit status."""
    name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl+C"
    print(
        f"psoas-atlas: interrupted ({name}): no file was left half-written",
        file=sys.stderr,
    )
    return 128 + signum
