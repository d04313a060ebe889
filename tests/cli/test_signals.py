"""A command stopped by Ctrl+C or SIGTERM while it writes: what it was writing is removed, the
previous output is kept, and it says so in one line with the status a shell expects."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import paths

LESSON = paths.annotations_dir() / "lessons" / "03-hip-flexion-leg-lift-and-trunk-fold.yaml"
COMMANDS = {
    "animate": (["animate", "m.mp4", "--motion", "neutral", "leg_lift", "--seconds", "20", "--fps", "10",
                 "--size", "320x240"], "m.mp4", ".m.*.mp4"),
    "render-lesson": (["render-lesson", str(LESSON), "out", "--size", "640x360"], "out", ".out.*.tmp"),
}  # fmt: skip


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
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
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
