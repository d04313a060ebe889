"""The commands that draw with no display: ``screenshot``, ``section``, ``animate`` and
``render-lesson`` (VTK off screen through EGL, imported by the command that needs it)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import (
    UsageError,
    exit_status,
    find_activity,
    load_atlas,
    output_folder,
    read_lesson,
    resolve_pose,
    show_lesson_step,
    writable_file,
    writing,
)
from app.model.scene.state import SceneModel
from app.model.scene.views import DEFAULT_VIEW


def cmd_screenshot(args: argparse.Namespace) -> int:
    out = writable_file(Path(args.out))
    if out.suffix.lower() != ".png":
        raise UsageError(f"cannot write {out}: screenshots are PNG files (use a .png name)")
    if args.step is not None and not args.lesson:
        raise UsageError("--step needs --lesson (the lesson whose step to draw)")
    at = _activity_instant_asked(args)
    section = _section_asked(args)
    from app.render.snapshot import Annotations, ensure_headless_vtk, save_screenshot

    ensure_headless_vtk()
    atlas = load_atlas(args)
    scene = atlas.scene()
    unknown = [sid for sid in args.select if sid not in scene.catalogue]
    if unknown:
        raise UsageError(f"unknown structure id {unknown[0]!r} (psoas-atlas list shows the ids)")
    if args.lesson:
        show_lesson_step(scene, Path(args.lesson), 1 if args.step is None else args.step)
    if args.pose:
        scene.set_pose(resolve_pose(atlas, args.pose))
    if at is not None:
        _show_activity_instant(atlas, scene, args.activity, at)
    if section is not None:
        scene.set_section(_placed_section(scene, section))
    # Given with a lesson, --view and --select take the place of the step's.
    if args.view or not args.lesson:
        scene.set_view(args.view or ("right" if at is not None else DEFAULT_VIEW))
    if args.select:
        scene.select_many(args.select)
    picture = scene.picture
    scene.set_picture(
        title=args.title or picture.title,
        caption=args.caption or picture.caption,
        labels=args.labels and picture.labels,
    )
    notes = Annotations(transparent=args.transparent)
    with writing(out):
        save_screenshot(scene, out, args.size, notes)
    print(f"wrote {out} ({args.size[0]}x{args.size[1]}, view {scene.view.name})")
    return exit_status(atlas)


def _activity_instant_asked(args: argparse.Namespace) -> float | None:
    """The % of the cycle ``--activity`` is drawn at (``--at``, default 0), checked before
    anything loads, or None without ``--activity``."""
    if args.activity is None:
        if args.at is not None:
            raise UsageError("--at needs --activity (the activity to draw, e.g. walking)")
        return None
    for option, given in (("--pose", args.pose), ("--lesson", args.lesson)):
        if given:
            raise UsageError(f"--activity draws the activity's own pose: leave out {option}")
    at = 0.0 if args.at is None else args.at
    if not 0 <= at <= 100:
        raise UsageError(f"--at must be 0 to 100 (% of the cycle), not {at:g}")
    return at


def _show_activity_instant(atlas, scene: SceneModel, name: str, at: float) -> None:
    """The scene posed ``at`` % of the way through activity ``name``, titled with it and
    captioned with its phases in the words the Play tab and a video use (both legs'), and
    the population it was measured in."""
    from app.model.motion.cycles import phase_label

    activity = find_activity(atlas, name)
    fraction = at / 100
    scene.set_pose(activity.pose_at(fraction))
    _, _, phases = phase_label(activity, fraction).partition(": ")
    caption = ". ".join(part[0].upper() + part[1:] for part in (phases, activity.population) if part)
    scene.set_picture(title=f"{activity.title} at {at:g} %", caption=caption)


def _section_asked(args: argparse.Namespace) -> tuple[str, str, float | None, bool] | None:
    """The section a screenshot asks for (level, orientation, slab, hidden side), checked
    before anything loads, or None; a UsageError names the option at fault."""
    from app.model.sections.planes import Section, SectionError, parse_level

    if args.section is None:
        for option, value in (
            ("--orientation", args.orientation),
            ("--slab", args.slab),
            ("--flip", args.flip),
        ):
            if value is not None and value is not False:
                raise UsageError(f"{option} needs --section (the level to cut at)")
        return None
    try:
        level = parse_level(args.section)
    except SectionError as exc:
        raise UsageError(f"--section: {exc}") from None
    try:
        Section(slab_mm=args.slab)
    except SectionError as exc:
        raise UsageError(f"--slab: {exc}") from None
    return level, args.orientation or "axial", args.slab, args.flip


def _placed_section(scene: SceneModel, asked: tuple[str, str, float | None, bool]):
    """The section asked for, at its level as this data set places it."""
    from dataclasses import replace

    from app.model.sections.planes import SectionError

    level, orientation, slab, flip = asked
    try:
        return replace(scene.sections.at(level, orientation, slab), flipped=flip)
    except SectionError as exc:
        raise UsageError(f"--section: {exc}") from None


def cmd_animate(args: argparse.Namespace) -> int:
    out = writable_file(Path(args.out))
    from app.render.video import video_problem, write_video

    problem = video_problem(out, args.size)
    if problem:
        raise UsageError(f"cannot write {out}: {problem}")
    if not 1 <= args.fps <= 60:
        raise UsageError(f"--fps must be 1 to 60, not {args.fps:g}")
    if args.seconds is not None and not 0.5 <= args.seconds <= 60:
        raise UsageError(f"--seconds must be 0.5 to 60, not {args.seconds:g}")
    if args.lesson and args.seconds is not None:
        raise UsageError("--seconds is for --motion: a lesson's steps say how long each movement takes")
    from tqdm import tqdm

    from app.model.motion.playback import Tween
    from app.model.teaching.lessons import lesson_reel, show_step
    from app.render.snapshot import ensure_headless_vtk

    ensure_headless_vtk()
    atlas = load_atlas(args)
    scene = atlas.scene()
    if atlas.body is None:
        raise UsageError("cannot animate: the landmarks lack the joint centres")
    motion = atlas.body.motion
    show = None
    captions: list[str] | None = None
    if args.lesson:
        lesson = read_lesson(scene, Path(args.lesson))
        frames = lesson_reel(lesson, motion, args.fps, atlas.body.activities)

        def show(index: int) -> None:
            show_step(scene, lesson, index)
            if args.view:
                scene.set_view(args.view)

        what = f"{lesson.title!r}, {len(lesson.steps)} steps"
    elif args.activity:
        frames, captions, what = _activity_frames(atlas, scene, args)
    else:
        start, end = (resolve_pose(atlas, [spec], "--motion") for spec in args.motion)
        tween = Tween(start, end, args.seconds or 3.0)
        frames = [(0, pose) for pose in tween.frames(args.fps)]
        first, last = (_pose_title(motion, spec) for spec in args.motion)
        scene.set_picture(title=f"{first} to {last}")
        scene.set_view(args.view or "right")  # the body's side shows flexion and tilt best
        what = f"{args.motion[0]} to {args.motion[1]}"
    with (
        writing(out),
        tqdm(total=len(frames), unit="frame", desc=out.name, disable=None, leave=False) as bar,
    ):
        write_video(scene, out, frames, args.size, args.fps, show, bar.update, captions)
    width, height = args.size
    timing = f"{len(frames)} frames, {len(frames) / args.fps:.1f} s at {args.fps:g} fps"
    print(f"wrote {out} ({what}; {timing}, {width}x{height})")
    return exit_status(atlas)


def _activity_frames(atlas, scene: SceneModel, args: argparse.Namespace) -> tuple[list, list[str], str]:
    """The frames of ``--cycles`` cycles of ``--activity`` (``--seconds`` a cycle, else the
    data's), titled with the activity and the population it was measured in, and each
    frame's caption: its phases in words, as the Play tab names them ("right leg
    mid-stance, left leg mid-swing")."""
    from dataclasses import replace

    from app.model.motion.cycles import frame_captions

    activity = find_activity(atlas, args.activity)
    if not 1 <= args.cycles <= 20:
        raise UsageError(f"--cycles must be 1 to 20, not {args.cycles}")
    track = activity.track()
    if args.seconds is not None:
        track = replace(track, seconds=args.seconds)
    scene.set_picture(title=f"{activity.title} ({activity.population.split(' (')[0]})")
    scene.set_view(args.view or "right")
    frames = [(0, pose) for pose in track.frames(args.fps, args.cycles)]
    captions = frame_captions(track, args.fps, args.cycles) or []
    return frames, captions, f"{activity.title}, {args.cycles} cycle(s) of {track.seconds:g} s"


def _pose_title(motion, spec: str) -> str:
    """A pose's title for a video's heading (a spec as it was written)."""
    named = motion.poses.get(spec)
    return named.title if named is not None else spec


def cmd_section(args: argparse.Namespace) -> int:
    out = writable_file(Path(args.out))
    from app.render.slice_drawing import FORMATS, write_slice

    if out.suffix.lower() not in FORMATS:
        raise UsageError(
            f"cannot write {out}: a section is drawn as {', '.join(FORMATS)} (use one of those names)"
        )
    from app.model.anatomy.content import load_sources
    from app.model.sections.planes import SectionError

    atlas = load_atlas(args)
    scene = atlas.scene()
    unknown = [sid for sid in args.show if sid != "all" and sid not in scene.catalogue]
    if unknown:
        raise UsageError(f"--show: unknown structure id {unknown[0]!r} (psoas-atlas list shows the ids)")
    try:
        section = scene.sections.at(args.level, args.orientation, args.slab)
    except SectionError as exc:
        # The message quotes the level as repr(): a control character stays on one line.
        raise UsageError(f"--level: {exc}" if "level" in str(exc) else str(exc)) from None
    if args.pose:
        scene.set_pose(resolve_pose(atlas, args.pose))
    with scene.batch():
        for sid in scene.catalogue.ids if "all" in args.show else args.show:
            scene.set_visible(sid, True)
    scene.set_section(section)
    piece = scene.slice()
    known = len(atlas.problems)
    facts = atlas.section_facts
    sources, source_problems = load_sources(atlas.annotations_dir / "sources.yaml")
    for problem in [*atlas.problems[known:], *source_problems]:
        print(f"warning: {problem}", file=sys.stderr)
    with writing(out):
        write_slice(piece, out, scene.catalogue, facts, sources, args.size, safe_zones=args.safe_zones)
    if args.json:
        report = piece.as_json()
        published = {
            sid: [area.model_dump() | {"citation": sources.get(area.source, area.source)}
                  for area in facts.published(sid)]
            for sid in piece.cuts
            if facts.published(sid)
        }  # fmt: skip
        if published:
            report["references"] = published
        zone = facts.safe_zones.get(piece.level or "") if piece.disc else None
        if zone is not None:
            report["zones"]["safe_at"] = zone.at
            report["zones"]["says"] = zone.says
            report["zones"]["citation"] = sources.get(facts.safe_zones_source, facts.safe_zones_source)
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        print(f"wrote {out} ({section.describe()}, {len(piece.cuts)} faces, {len(piece.nerves)} nerves)")
    return exit_status(atlas)


def cmd_render_lesson(args: argparse.Namespace) -> int:
    from app.render.handout import render_lesson
    from app.render.snapshot import ensure_headless_vtk

    lesson_path, out_dir = Path(args.lesson), Path(args.outdir)
    output_folder(out_dir)
    ensure_headless_vtk()
    atlas = load_atlas(args)
    scene = atlas.scene()
    lesson = read_lesson(scene, lesson_path)
    with writing(out_dir, to="to ", drawing=lesson_path):
        written = render_lesson(scene, lesson, out_dir, args.size)
    print(f"wrote {len(written) - 1} step images and {written[-1]}")
    return exit_status(atlas)
