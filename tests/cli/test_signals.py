"""A command stopped by Ctrl+C or SIGTERM while it writes: what it was writing is removed, the
previous output is kept, and it says so in one line with the status a shell expects."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.io import paths

LESSON = paths.annotations_dir() / "lessons" / "03-hip-flexion-leg-lift-and-trunk-fold.yaml"
COMMANDS = {
    "animate": (["animate", "m.mp4", "--motion", "neutral", "leg_lift", "--seconds", "20", "--fps", "10",
                 "--size", "320x240"], "m.mp4", ".m.*"),
    "render-lesson": (["render-lesson", str(LESSON), "out", "--size", "640x360"], "out", ".out.*.tmp"),
}  # fmt: skip


def _start(args: list[str], folder: Path) -> subprocess.Popen:
    """The command as a terminal starts it: Ctrl+C not ignored (a shell ignores it in the
    commands it runs in the background, and so in this test run's, when it runs there)."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def _whole(output: Path) -> bool:
    """Whether an output is complete: a video every frame of which reads, a PDF with its end,
    a folder with its last file (the handout, or scene.json) and nothing temporary."""
    if output.suffix == ".mp4":
        import imageio_ffmpeg

        return imageio_ffmpeg.count_frames_and_secs(str(output))[0] > 0
    if output.suffix == ".pdf":
        return output.read_bytes().rstrip().endswith(b"%%EOF")
    names = [p.name for p in output.iterdir()]
    return not any(name.startswith(".") for name in names) and any(
        name.endswith(".pdf") or name == "scene.json" for name in names
    )


def _started_writing(folder: Path, pattern: str, process: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not list(folder.glob(pattern)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never started writing"
        time.sleep(0.05)
    time.sleep(0.3)  # well into it


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_stopped_command_leaves_the_earlier_output_and_no_temporary_file(tmp_path, command, stop):
    args, output, partial = COMMANDS[command]
    earlier = tmp_path / output
    if command == "animate":
        earlier.write_bytes(b"an earlier video")
    else:
        earlier.mkdir()
        (earlier / "step-01.png").write_bytes(b"an earlier picture")
    process = _start(args, tmp_path)
    _started_writing(tmp_path, partial, process)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + stop, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "interrupted" in err, err
    assert "wrote" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [output]
    if command == "animate":
        assert earlier.read_bytes() == b"an earlier video"
    else:
        assert [p.name for p in earlier.iterdir()] == ["step-01.png"]


#: Each command that writes, with the output it writes (in the working folder).
WRITERS = {
    **{name: (args, output) for name, (args, output, _) in COMMANDS.items()},
    "export": (["export", "out"], "out"),
    "quiz --export": (["quiz", "--generate", "4", "--export", "q.pdf", "--size", "200x150"], "q.pdf"),
}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(sorted(WRITERS)),
    stop=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    after=st.floats(0.0, 4.0),
)
def test_a_signal_at_any_moment_leaves_whole_files_only(tmp_path_factory, command, stop, after):
    """Whenever the signal comes (while Python starts, the modules load, the data set is read,
    frames are drawn or files renamed): the command either finished, or says in one line that
    it stopped, with 130 or 143, leaving nothing: no temporary file, no part of an output."""
    folder = tmp_path_factory.mktemp("stopped")
    args, output = WRITERS[command]
    process = _start(args, folder)
    time.sleep(after)
    process.send_signal(stop)
    out, err = process.communicate(timeout=120)
    names = sorted(p.name for p in folder.iterdir())
    if err.startswith(("Fatal Python error: init_import_site", "Fatal Python error: init_sys_streams")):
        # Ctrl+C while the interpreter itself starts (its site module or its standard streams),
        # before any of the program runs: Python's own words, out of the program's hands; it
        # had written nothing.
        assert stop == signal.SIGINT and names == [], (err, names)
        return
    assert "Traceback" not in err, err
    if process.returncode == 0:  # it finished first
        assert names == [output] and "wrote" in out
    else:
        assert process.returncode in (128 + stop, -stop), err  # -stop: before Python could answer
        # Nothing, or (the signal held back while the finished output was put in place, then
        # answered) the whole output.
        assert names == [] or (names == [output] and _whole(folder / output)), names
        if process.returncode > 0:
            assert err.strip().splitlines()[-1].startswith("psoas-atlas: interrupted"), err
