"""What the commands share: the one error they raise for bad input, the data set loaded with its
warnings printed, exit statuses, output paths checked before any work, poses and lessons read
from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.memory import keep_for_good
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.io.atomic import FolderInUseError, output_problem
from app.model.motion.activities import Activity
from app.model.scene.state import SceneModel


class UsageError(Exception):
    """A bad argument or path: printed as one line, exit status 2."""


def load_atlas(args: argparse.Namespace) -> Atlas:
    """The data set under ``--root`` (by default the installed one); its problems are printed
    as warnings and the valid part is kept; with no structure at all there is nothing to do
    (exit status 2)."""
    atlas = Atlas.load(args.root)
    for problem in atlas.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not atlas.usable:
        first = atlas.problems[0] if atlas.problems else paths.structures_file(args.root)
        raise UsageError(f"no structures to show ({first})")
    keep_for_good()  # the modules and the data set live as long as the command
    return atlas


def exit_status(atlas: Atlas) -> int:
    """Exit status of a command that did its work: 1 if the data set had problems."""
    return 1 if atlas.problems else 0


def writable_file(path: Path) -> Path:
    if problem := output_problem(path):
        raise UsageError(f"cannot write {path}: {problem}")
    return path


def output_folder(out_dir: Path) -> None:
    """Refuse an output folder that cannot be made: a file, or one under a missing folder."""
    if problem := output_problem(out_dir, folder=True):
        raise UsageError(f"cannot write to {out_dir}: {problem}")


def resolve_pose(atlas: Atlas, specs: list[str], option: str = "--pose"):
    """The pose that specs given to ``option`` name (JOINT=DEG or pose names), or a
    UsageError naming the option."""
    from app.model.motion.kinematics import PoseError

    if atlas.body is None:
        raise UsageError("cannot pose the skeleton: the landmarks lack its joint centres")
    try:
        return atlas.body.motion.resolve(specs)
    except PoseError as exc:
        raise UsageError(f"{option}: {exc}") from None


def read_lesson(scene: SceneModel, path: Path):
    """A valid lesson, or a UsageError that lists its problems as file:line: message."""
    from app.model.teaching.lessons import load_lesson

    lesson, errors = load_lesson(path, scene.catalogue, scene.poses, scene.activities)
    if lesson is None:
        more = f" (and {len(errors) - 1} more: psoas-atlas validate lists them)" if len(errors) > 1 else ""
        raise UsageError(f"invalid lesson: {errors[0]}{more}")
    return lesson


def show_lesson_step(scene: SceneModel, path: Path, step: int) -> None:
    """Put a lesson step (from 1) on the scene, with its picture."""
    from app.model.teaching.lessons import show_step

    lesson = read_lesson(scene, path)
    if not 1 <= step <= len(lesson.steps):
        raise UsageError(f"{path} has steps 1 to {len(lesson.steps)}, not {step}")
    show_step(scene, lesson, step - 1)


@contextmanager
def writing(out: Path, to: str = "", drawing: Path | None = None) -> Iterator[None]:
    """A command's writing of ``out``, each way it can fail said in one line: a folder that
    holds other files, the disk or the folder (``cannot write [to] OUT``), a video the encoder
    could not finish, a picture OpenGL could not draw (``cannot render`` ``drawing``, by
    default ``out``). Only drawing commands use it: it loads the renderer's errors."""
    from app.render.snapshot import RenderError
    from app.render.video import VideoError

    try:
        yield
    except FolderInUseError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write {to}{out}: {exc.strerror or exc}") from exc
    except VideoError as exc:
        raise UsageError(f"cannot write {out}: {exc}") from exc
    except RenderError as exc:
        raise UsageError(f"cannot render {drawing or out}: {exc}") from exc


def find_activity(atlas, name: str) -> Activity:
    """The activity called ``name``, or a one-line UsageError naming the known ones."""
    from app.model.io.documents import did_you_mean

    activities = atlas.body.activities if atlas.body is not None else {}
    activity = activities.get(name)
    if activity is None:
        hint = did_you_mean(name, activities)
        known = ", ".join(activities) or "none"
        raise UsageError(f"--activity: unknown activity {name!r}{hint}; activities: {known}")
    return activity
