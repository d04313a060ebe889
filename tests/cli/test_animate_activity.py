"""``psoas-atlas animate --activity walking``: a video of the measured gait cycle."""

from __future__ import annotations

import imageio.v2 as imageio

from tests.commands import run_cli


def test_walking_as_a_video(tmp_path):
    out = tmp_path / "walk.mp4"
    result = run_cli(
        "animate", str(out), "--activity", "walking", "--fps", "10", "--size", "320x240", "--cycles", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Walking, 2 cycle(s) of 1.1 s" in result.stdout and "22 frames" in result.stdout
    with imageio.get_reader(out) as reader:
        frames = [frame for frame in reader]
    assert len(frames) == 22 and frames[0].shape == (240, 320, 3)


def test_an_unknown_activity_is_one_line(tmp_path):
    result = run_cli("animate", str(tmp_path / "x.mp4"), "--activity", "walkng")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown activity 'walkng' (did you mean 'walking'?)" in lines[0]


def test_each_frame_names_the_phases_it_shows():
    """The video's caption names each leg's phase at each frame (issue 32: the phases in the
    picture), both legs at once when they move together."""
    import argparse

    from app.cli.images import _activity_frames
    from app.model.atlas import Atlas

    atlas = Atlas.load()

    def captions(activity: str, cycles: int) -> list[str]:
        args = argparse.Namespace(activity=activity, cycles=cycles, seconds=None, fps=10, view=None)
        frames, captions, _ = _activity_frames(atlas, atlas.scene(), args)
        assert len(captions) == len(frames)
        return captions

    walking = captions("walking", 2)
    assert len(walking) == 22 and walking[0] == walking[11] == "right leg initial contact, left leg pre-swing"
    assert walking[5] == "right leg terminal stance, left leg terminal swing"  # 45 % of the cycle
    rising = captions("sit_to_stand", 1)
    assert rising[0] == "flexion momentum" and rising[-1] == "stabilisation"
