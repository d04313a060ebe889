"""Generated bad output paths given to every command that writes: symbolic link loops, names
too long, named pipes, missing, read-only or file-shaped folders. Each is refused in one line
with exit status 2 before any work is done, and nothing is written anywhere."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.model.io import paths

LESSON = paths.annotations_dir() / "lessons" / "01-where-the-psoas-attaches.yaml"
QUIZ = paths.annotations_dir() / "quizzes" / "iliopsoas-and-the-plexus.yaml"
#: Each command that writes, with its output (a file ``.png``... or a folder ``""``) last.
WRITERS = {
    "screenshot": (["screenshot", "--size", "64x64"], ".png"),
    "section": (["section", "--level", "L4/L5"], ".svg"),
    "animate": (["animate", "--motion", "neutral", "leg_lift"], ".mp4"),
    "quiz --export": (["quiz", str(QUIZ), "--export"], ".pdf"),
    "export": (["export"], ""),
    "render-lesson": (["render-lesson", str(LESSON)], ""),
}
KINDS = ["symlink loop", "loop above", "long name", "named pipe", "missing folder", "file as folder",
         "read-only folder", "device"]  # fmt: skip
WORDS = {
    "symlink loop": "leads back to itself",
    "loop above": "leads back to itself",
    "long name": "too long",
    "named pipe": "a named pipe",
    "missing folder": "does not exist",
    "file as folder": "is a file",
    "read-only folder": "not writable",
    "device": "a device",
}
TRIED: Counter[str] = Counter()


def _bad_path(root: Path, kind: str, stem: str, suffix: str, make_read_only) -> Path:
    name = stem + suffix
    if kind == "symlink loop":
        (root / name).symlink_to(root / name)
        return root / name
    if kind == "loop above":
        (root / "a").symlink_to(root / "b")
        (root / "b").symlink_to(root / "a")
        return root / "a" / name
    if kind == "long name":
        return root / (stem * (256 // len(stem) + 1) + suffix)
    if kind == "named pipe":
        os.mkfifo(root / name)
        return root / name
    if kind == "missing folder":
        return root / "nowhere" / name
    if kind == "file as folder":
        (root / "notes.txt").write_text("mine")
        return root / "notes.txt" / name
    if kind == "read-only folder":
        (root / "locked").mkdir()
        return make_read_only(root / "locked") / name
    return Path("/dev/null")  # a file there is written to nothing; a folder cannot be made


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(sorted(WRITERS)),
    kind=st.sampled_from(KINDS),
    stem=st.text(st.characters(categories=["L", "N"], max_codepoint=0x2FFF), min_size=1, max_size=12),
)
def _a_bad_output_path_is_one_line_and_nothing_is_written(make_read_only, command, kind, stem):
    root = Path(tempfile.mkdtemp())
    try:
        args, suffix = WRITERS[command]
        out = _bad_path(root, kind, stem, suffix, make_read_only)
        before = sorted(p.name for p in root.iterdir())
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main([*args, str(out)])
        lines = err.getvalue().splitlines()
        assert status == 2, err.getvalue()
        assert len(lines) == 1 and lines[0].startswith("psoas-atlas: error: cannot write"), lines
        assert WORDS[kind] in lines[0], lines[0]
        assert sorted(p.name for p in root.iterdir()) == before  # nothing made, nothing left
        TRIED[f"{command}: {kind}"] += 1
    finally:
        shutil.rmtree(root)


def test_a_bad_output_path_is_one_line_and_nothing_is_written(make_read_only):
    """The generated cases, and what they tried: most pairs of a command and a kind of bad
    path (counted in this test, so that it holds whichever tests ran before)."""
    TRIED.clear()
    _a_bad_output_path_is_one_line_and_nothing_is_written(make_read_only=make_read_only)
    assert len(TRIED) >= len(WRITERS) * len(KINDS) // 2, TRIED
