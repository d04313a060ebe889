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
from types import FrameType
from typing import Any, NoReturn


class Terminated(BaseException):
    """SIGTERM, raised where the command is (Python raises Ctrl+C as KeyboardInterrupt)."""


#: How deep the blocks are in which an interruption waits (:func:`deferred`), and the signal
#: not yet answered by :func:`stopped`: an exception that comes while one is pending is taken
#: as the interruption itself (a library may turn it into its own error).
_deferring = 0
_pending: int | None = None
#: How many :func:`unwinding` blocks hold the command now.
_depth = 0
#: Where Python runs while it loads a module.
_IMPORTING = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")
#: How soon a waiting interruption is looked at again while a module loads (s).
RETRY_S = 0.05


def _raise(signum: int) -> NoReturn:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename in _IMPORTING:
            return True
        frame = frame.f_back
    return False


def _stop(signum: int, frame: FrameType | None) -> None:
    global _pending
    _pending = signum
    _answer(frame)


def _answer(frame: FrameType | None) -> None:
    """Raise the waiting interruption now, unless that would do harm; then it waits:
    - inside :func:`deferred`, which raises it at its end;
    - while a module loads: an extension module stopped half-way through its set-up crashed
      the interpreter as it exited (SIGSEGV), and VTK's loader turned the interruption into an
      ImportError.
    It is looked at again every 50 ms (SIGALRM) until :func:`stopped` answers it: Python
    prints and forgets an exception raised in a weakref callback or a ``__del__``."""
    if _pending is None or _deferring:
        return
    if isinstance(sys.exc_info()[1], KeyboardInterrupt | Terminated):
        return  # already on its way out, removing what it wrote
    signal.setitimer(signal.ITIMER_REAL, RETRY_S)
    if not _importing(frame):
        _raise(_pending)


def _look_again(_signum: int, frame: FrameType | None) -> None:
    _answer(frame)


def _unraisable(unraisable: Any) -> None:
    """An interruption Python forgot (raised in a weakref callback or a ``__del__``) is said
    by no traceback: it is raised again 50 ms later."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt | Terminated):
        sys.__unraisablehook__(unraisable)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold an interruption back while VTK may call Python (an observer during a render) and
    raise it when the block ends: VTK ends the process at once when Ctrl+C is raised in an
    observer ("Caught a Ctrl-C within python, exiting program.", status 1, nothing removed),
    and prints and forgets any other exception there. A block costs a frame at most."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    _answer(None)


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
    global _pending, _depth
    if not _depth:  # a new command (run() holds main(): one command)
        _pending = None
    _depth += 1
    if wanted:
        handlers[signal.SIGALRM] = _look_again
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable if wanted else sys.unraisablehook
    try:
        yield
    finally:
        sys.unraisablehook = hook
        _depth -= 1
        if not _depth:
            signal.setitimer(signal.ITIMER_REAL, 0)  # no second look after the command
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interruption(error: BaseException) -> int | None:
    """The signal that stopped the command, if ``error`` is it or came of it; else None."""
    if isinstance(error, Terminated):
        return signal.SIGTERM
    if isinstance(error, KeyboardInterrupt):
        return signal.SIGINT
    return _pending


def stopped(signum: int) -> int:
    """Say in one line that the command was stopped; return its exit status."""
    global _pending
    _pending = None
    signal.setitimer(signal.ITIMER_REAL, 0)
    name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl+C"
    print(
        f"psoas-atlas: interrupted ({name}): no file was left half-written",
        file=sys.stderr,
    )
    return 128 + signum
