"""Atomic file writing: a user's file or folder is never left half-written.

A file is written to a temporary name beside it and renamed into place, keeping the mode of
the file it replaces; a set of files (an export, a rendered lesson) is written into a
temporary folder that replaces the output folder only once everything is in it.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class FolderInUseError(Exception):
    """An output folder that holds files the command did not write: it is not replaced."""


def _new_mode(existing: Path, default: int) -> int:
    """The mode a replacement takes: the replaced file's, else the default less the umask."""
    try:
        return stat.S_IMODE(existing.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return default & ~umask


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl+C and SIGTERM back while a temporary file is made and its name kept, so that
    an interruption comes when the name is known and what was made can be removed."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _new_mode(path, 0o666)
    tmp: str | None = None
    try:
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def file_replaced_whole(path: Path) -> Iterator[Path]:
    """Yield a temporary path for ``path`` (same name, for writers that go by its suffix, such
    as a video encoder), in a temporary folder beside it; when the block succeeds it is renamed
    to ``path``, and when it fails the folder is removed, leaving ``path`` as it was.

    The folder, not just the file: a writer in another process (ffmpeg) that is stopped
    late may still open its output after the failure was seen; with the folder gone it cannot
    make the file again."""
    path = Path(path)
    mode = _new_mode(path, 0o666)
    folder: Path | None = None
    try:
        with _signals_held():
            folder = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent))
        partial = folder / path.name
        yield partial
        os.chmod(partial, mode)
        with _signals_held():
            os.replace(partial, path)
            folder.rmdir()
    except BaseException:
        if folder is not None:
            _remove_folder(folder)
        raise


def _remove_folder(folder: Path, tries: int = 50) -> None:
    """Remove ``folder`` and what is in it, again while another process still adds to it."""
    for _ in range(tries):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.01)


def atomic_write_text(path: Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def folder_replaced_whole(target: Path, ours: Callable[[str], bool]) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; when the block succeeds it becomes
    ``target``, replacing the folder of an earlier run, so no file of that run is left over.
    When the block fails, ``target`` is as it was and the temporary folder is gone.

    ``ours(name)`` says which file names the command itself writes: a folder holding any
    other file is refused with :class:`FolderInUseError`, never deleted.
    """
    target = Path(target).resolve()
    if target.exists():
        others = sorted(p.name for p in target.iterdir() if not (p.is_file() and ours(p.name)))
        if others:
            listed = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise FolderInUseError(
                f"cannot write to {target}: it holds other files ({listed}); choose a new or empty folder"
            )
    mode = _new_mode(target, 0o777)
    fresh: Path | None = None
    try:
        with _signals_held():
            fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        yield fresh
        os.chmod(fresh, mode)
        with _signals_held():  # the swap is whole: an interruption comes before or after it
            if target.exists():
                old = fresh.with_name(fresh.name + ".old")
                target.rename(old)
                try:
                    fresh.rename(target)
                except BaseException:
                    old.rename(target)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                fresh.rename(target)
    except BaseException:
        if fresh is not None:
            _remove_folder(fresh)
        raise


def not_a_regular_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (``"a named pipe"``...), else None;
    ``OSError`` when it cannot be looked at. Only regular files are read: opening a named pipe
    waits for a writer forever, and a device may never end."""
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return None
    kinds = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a named pipe", stat.S_ISSOCK: "a socket"}
    return next((name for test, name in kinds.items() if test(mode)), "a device")


#: The longest name of one file or folder on Linux file systems (bytes).
NAME_MAX = 255


def output_problem(path: Path, folder: bool = False) -> str | None:
    """Why a command cannot write ``path`` (a file, or with ``folder`` a folder), or None.
    Checked before any work is done, so a bad path costs a moment and leaves nothing."""
    path = Path(path)
    long_name = next((p for p in path.parts if len(os.fsencode(p)) > NAME_MAX), None)
    if long_name is not None:
        return f"a name in the path is too long ({len(os.fsencode(long_name)):,} bytes; at most {NAME_MAX})"
    parent = Path(os.path.realpath(path.parent))
    try:
        if not stat.S_ISDIR(os.stat(parent).st_mode):
            return f"{parent} is a file"
        if not os.access(parent, os.W_OK):
            return f"folder {parent} is not writable"
        os.stat(path)  # FileNotFoundError: a new file, as most are
    except FileNotFoundError:
        return None if parent.is_dir() else f"folder {parent} does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link in the path leads back to itself"
        if exc.errno == errno.ENOTDIR:
            return f"a part of {parent} is a file"
        return str(exc.strerror or exc)
    kind = not_a_regular_file(path)
    if folder:
        return None if kind == "a folder" else f"it is {kind or 'a file'}"
    return f"it is {kind}" if kind else None


def aside_name(path: Path) -> Path:
    """A free name beside ``path`` to keep a user's file that did not read under
    (``name.unreadable-<time>``), so that it is never written over."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    number = 2
    while aside.exists():
        aside = path.with_name(f"{path.name}.unreadable-{stamp}-{number}")
        number += 1
    return aside
