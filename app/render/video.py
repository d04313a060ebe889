"""Videos of the body moving: frames drawn off screen by the exporter's plotter (titles,
captions and labels as in a screenshot), encoded by ffmpeg (imageio-ffmpeg's own binary,
H.264) for MP4 or by Pillow for an animated GIF; written to a temporary file and renamed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from app.model.io.atomic import file_replaced_whole
from app.model.motion.kinematics import Pose
from app.model.scene.state import SceneModel
from app.render.snapshot import Exporter

VIDEO_SUFFIXES = (".mp4", ".gif")
#: ffmpeg's quality scale for H.264 (0 to 10): 8 keeps thin nerves and text sharp.
MP4_QUALITY = 8


class VideoError(Exception):
    """A video that cannot be written (its size or its name), or that the encoder could not
    finish."""


def video_problem(out: Path, size: tuple[int, int]) -> str | None:
    """Why ``out`` at ``size`` cannot be written, or None."""
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        return f"videos are {' or '.join(VIDEO_SUFFIXES)} files, not {out.suffix or 'a name without one'!r}"
    if out.suffix.lower() == ".mp4" and (size[0] % 2 or size[1] % 2):
        return f"an MP4 needs an even width and height, not {size[0]}x{size[1]}"
    return None


def write_video(
    scene: SceneModel,
    out: Path,
    frames: Sequence[tuple[int, Pose]],
    size: tuple[int, int],
    fps: float,
    show_step: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    captions: Sequence[str] | None = None,
) -> int:
    """Draw ``frames`` (a step number and a pose each) and write them to ``out``; return how
    many frames were drawn (a held frame is drawn once and repeated).

    ``show_step(n)`` puts step ``n`` on the scene when the step changes (a lesson);
    ``progress(1)`` is called after each frame written; ``captions``, one a frame, are the
    picture's caption at each (an activity's phase).
    """
    out = Path(out)
    problem = video_problem(out, size)
    if problem:
        raise VideoError(f"cannot write {out}: {problem}")
    drawn = 0

    def images() -> Iterable[Any]:
        nonlocal drawn
        shown: tuple[int, Pose] | None = None
        image = camera = None
        with Exporter(scene) as exporter:
            for index, (step, pose) in enumerate(frames):
                if shown is None or step != shown[0]:
                    if show_step is not None:
                        show_step(step)
                    camera = _steady_camera(exporter, scene, [p for s, p in frames if s == step], size)
                if captions is not None and captions[index] != scene.picture.caption:
                    scene.set_picture(caption=captions[index])
                    shown = None  # a new caption is a new picture
                if (step, pose) != shown or image is None:
                    scene.set_pose(pose)
                    image = exporter.render(size, camera=camera)
                    drawn += 1
                    shown = (step, pose)
                yield image
                if progress is not None:
                    progress(1)

    with file_replaced_whole(out) as partial:
        if out.suffix.lower() == ".gif":
            _write_gif(partial, images(), fps)
        else:
            _write_mp4(partial, images(), fps, size)
    return drawn


def _steady_camera(exporter: Exporter, scene: SceneModel, poses: list[Pose], size: tuple[int, int]):
    """One camera for a step's frames, so the view holds still while the body moves: the
    step's exact camera, else its view fitted to the first and the last pose, whichever
    stands farther back (the body stays in frame all the way)."""
    if scene.camera is not None:
        return scene.camera
    fitted = []
    for pose in (poses[0], poses[-1]):
        scene.set_pose(pose)
        exporter.renderer.sync()
        fitted.append(exporter.renderer.camera_pose())
    return max(fitted, key=lambda c: math.dist(c.position, c.focal_point))


def _write_mp4(path: Path, images: Iterable[Any], fps: float, size: tuple[int, int]) -> None:
    import imageio.v2 as imageio

    writer = imageio.get_writer(
        path,
        format="FFMPEG",
        fps=fps,
        codec="libx264",
        quality=MP4_QUALITY,
        pixelformat="yuv420p",  # what every player reads
        macro_block_size=2,  # even sizes as they are, never rescaled
        ffmpeg_log_level="quiet",  # its failure is said once, in our words (_check_mp4)
    )
    written = 0
    try:
        for image in images:
            writer.append_data(image[..., :3])
            written += 1
    finally:
        writer.close()
    _check_mp4(path, written)


def _check_mp4(path: Path, frames: int) -> None:
    """Read the written file back: ffmpeg that could not finish it (a full disk, a file size
    limit) exits with an error that imageio-ffmpeg does not report, leaving a file cut short."""
    import imageio_ffmpeg

    try:
        readable, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    except (RuntimeError, OSError):
        readable = 0
    if readable != frames:
        raise VideoError(
            f"the video encoder could not finish the file ({readable} of {frames} frames readable;"
            " is the disk full?)"
        )


def _write_gif(path: Path, images: Iterable[Any], fps: float) -> None:
    """An endlessly looping GIF; each frame gets its own 256-colour palette as it comes (a
    GIF holds no more), so a long video does not keep its full-colour frames in memory."""
    from PIL import Image

    frames = []
    last = None
    for image in images:
        if image is not last:
            frames.append(Image.fromarray(image[..., :3]).quantize(colors=256, dither=Image.Dither.NONE))
            last = image
        else:
            frames.append(frames[-1])
    frames[0].save(
        path, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0
    )
