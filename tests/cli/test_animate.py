"""``psoas-atlas animate``: real MP4 and GIF files read back frame by frame, and one-line
refusals of bad input."""

from __future__ import annotations

import itertools
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from tests.commands import run_cli


def frames_of(path) -> list[np.ndarray]:
    with imageio.get_reader(path) as reader:
        return [np.asarray(frame, dtype=int) for frame in reader]


def changed(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.abs(a[..., :3] - b[..., :3]).sum(axis=2) > 30).mean())


def test_a_movement_as_mp4(tmp_path):
    out = tmp_path / "lift.mp4"
    result = run_cli(
        "animate", str(out), "--motion", "neutral", "leg_lift", "--seconds", "1", "--fps", "10",
        "--size", "320x240", process=True,  # the one process of animate: its entry point
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "11 frames, 1.1 s at 10 fps, 320x240" in result.stdout
    frames = frames_of(out)
    assert len(frames) == 11 and frames[0].shape == (240, 320, 3)
    with imageio.get_reader(out) as reader:
        meta = reader.get_meta_data()
    assert meta["codec"] == "h264" and meta["fps"] == 10
    steps = [changed(a, b) for a, b in itertools.pairwise(frames)]
    assert all(step > 0.001 for step in steps[1:-1])  # the leg moves in every frame
    assert changed(frames[0], frames[-1]) > 0.03
    middle = frames[5]  # half way: unlike either end (no jump)
    assert changed(frames[0], middle) > 0.01 and changed(middle, frames[-1]) > 0.01
    assert [p.name for p in tmp_path.iterdir()] == ["lift.mp4"]  # no temporary file left


def test_a_lesson_as_gif(tmp_path):
    lesson = tmp_path / "lesson.yaml"
    lesson.write_text(
        "title: Two poses\nsteps:\n"
        "  - title: Standing\n    caption: The body at rest, standing.\n    view: right\n"
        "  - title: Folding\n    caption: The trunk folds over the thighs.\n    view: right\n"
        "    motion: {to: trunk_fold, seconds: 1}\n"
    )
    out = tmp_path / "lesson.gif"
    result = run_cli("animate", str(out), "--lesson", str(lesson), "--fps", "5", "--size", "200x150")
    assert result.returncode == 0, result.stderr
    assert "'Two poses', 2 steps" in result.stdout
    with Image.open(out) as gif:
        assert gif.size == (200, 150) and gif.info["loop"] == 0
        assert gif.n_frames >= 3  # held frames are merged, the moving ones are not
    frames = frames_of(out)
    assert changed(frames[0], frames[-1]) > 0.03


@pytest.mark.parametrize(
    "args,message",
    [
        (["out.avi", "--motion", "neutral", "leg_lift"], "videos are .mp4 or .gif files"),
        (["out.mp4", "--motion", "neutral", "leg_lift", "--size", "321x240"], "even width and height"),
        (["out.mp4", "--motion", "neutral", "leg_lfit"], "did you mean 'leg_lift'"),
        (["out.mp4", "--motion", "neutral", "knee=20"], "unknown joint 'knee'"),
        (["out.mp4", "--motion", "neutral", "leg_lift", "--fps", "0"], "--fps must be 1 to 60"),
        (["out.mp4", "--motion", "neutral", "leg_lift", "--seconds", "-1"], "--seconds must be 0.5 to 60"),
        (["out.mp4", "--lesson", "x.yaml", "--seconds", "2"], "--seconds is for --motion"),
        (["out.mp4"], "one of the arguments --lesson --motion --activity is required"),
        (["out.mp4", "--lesson", "nowhere.yaml"], "nowhere.yaml"),
        (["nofolder/out.mp4", "--motion", "neutral", "leg_lift"], "does not exist"),
    ],
)
def test_bad_input_is_one_line(tmp_path, args, message):
    result = run_cli("animate", *args, cwd=tmp_path)  # relative output names land there
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and message in lines[-1], result.stderr  # argparse adds its usage line
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("out.*")) and not list(tmp_path.glob(".out*"))


@pytest.mark.parametrize("name", ["cut.mp4", "cut.gif"])
def test_a_video_the_disk_cannot_hold_is_an_error_and_no_file(tmp_path, name):
    """A full disk, as a file size limit: ffmpeg cannot write the MP4's trailer and exits
    with an error that imageio-ffmpeg does not report; Pillow's GIF raises. Either way: one
    line, exit 2, and neither the video nor a temporary file is left."""
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, resource.RLIM_INFINITY))

    result = subprocess.run(
        [sys.executable, "-m", "app", "animate", name, "--motion", "neutral", "leg_lift",
         "--seconds", "1", "--fps", "10", "--size", "320x240"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, preexec_fn=small_files,
    )  # fmt: skip
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"psoas-atlas: error: cannot write {name}"), result.stderr
    assert "wrote" not in result.stdout
    assert list(tmp_path.iterdir()) == []
