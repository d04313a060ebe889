"""The ``psoas-atlas`` command: open the viewer, list structures, screenshot, export, build.

Heavy imports (Qt, VTK, MuJoCo) happen inside the subcommand that needs them, so
``psoas-atlas list`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from app import __version__
from app.fonts import text_problem
from app.interrupts import Terminated, stopped, unwinding
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.io.atomic import FolderInUseError, output_problem
from app.model.motion.kinematics import JOINTS
from app.model.scene.state import SceneModel
from app.model.scene.views import DEFAULT_VIEW, VIEWS
from app.model.teaching.lessons import MAX_CAPTION, MAX_TITLE

#: The largest image drawn: 8K on a side and 40 megapixels (A3 at 300 dpi is 17). An image
#: of 30 megapixels takes about 16 s and 2.5 GB with software OpenGL.
MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
POSE_HELP = "pose: JOINT=DEG (e.g. hip_flexion_right=90) or a pose name (e.g. trunk_fold), later ones adding"
#: Top-level keys that tell annotation files apart.
KINDS = ("structures", "sources", "content", "steps", "places", "poses", "safe_zones", "areas")


class UsageError(Exception):
    """A bad argument or path: printed as one line, exit status 2."""


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080"
        ) from None
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: each side must be 16 to {MAX_SIDE} pixels")
    if width * height > MAX_PIXELS:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: at most {MAX_PIXELS // 1_000_000} megapixels (e.g. 8192x4608)"
        )
    return width, height


def _folder(text: str) -> Path:
    """An argument type for a data set's root: a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text!r}")
    return path


def _finite(text: str) -> float:
    """An argument type for a number: NaN and infinities are refused (they pass every
    comparison test the commands make, or none, and reach the arithmetic)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, not {text!r}")
    return value


def _text(limit: int, line_breaks: bool = False):
    """An argument type for text drawn on an image: at most ``limit`` characters, that
    :func:`app.fonts.text_problem` lets be drawn (line breaks only with ``line_breaks``)."""

    def check(text: str) -> str:
        if len(text) > limit:
            raise argparse.ArgumentTypeError(f"too long: {len(text):,} characters (at most {limit})")
        if undecodable := re.search("[\udc80-\udcff]", text):  # how Python keeps a byte that is not UTF-8
            byte = ord(undecodable[0]) - 0xDC00
            raise argparse.ArgumentTypeError(
                f"not UTF-8 text (the byte 0x{byte:02X}): check the terminal's encoding"
            )
        if problem := text_problem(text, line_breaks):
            raise argparse.ArgumentTypeError(f"cannot be drawn: {problem}")
        return text

    return check


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
    return atlas


def _status(atlas: Atlas) -> int:
    """Exit status of a command that did its work: 1 if the data set had problems."""
    return 1 if atlas.problems else 0


def _writable_file(path: Path) -> Path:
    if problem := output_problem(path):
        raise UsageError(f"cannot write {path}: {problem}")
    return path


def display_problem(environ: Mapping[str, str]) -> str | None:
    """Why no window can open here, or None: said in one line before Qt is loaded, since Qt
    aborts (SIGABRT) with a page about its platform plugins when it finds no display."""
    if not sys.platform.startswith("linux"):
        return None
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None  # a platform chosen on purpose: Qt says itself what it lacks
    if environ.get("WAYLAND_DISPLAY"):
        return None
    display = environ.get("DISPLAY", "")
    hint = "run it on a desktop, or on a virtual display: xvfb-run -a psoas-atlas (as make run does)"
    if not display:
        return f"no display to open the viewer on (neither DISPLAY nor WAYLAND_DISPLAY is set): {hint}"
    local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if local and not Path(f"/tmp/.X11-unix/X{local[1]}").exists():
        return f"no X server at DISPLAY={display}: {hint}"
    return None


def cmd_view(args: argparse.Namespace) -> int:
    if missing := display_problem(os.environ):
        raise UsageError(missing)
    from app.qt.app import run_viewer

    atlas = load_atlas(args)
    known = len(atlas.problems)
    atlas.load_teaching()
    for problem in atlas.problems[known:]:
        print(f"warning: {problem}", file=sys.stderr)
    return run_viewer(atlas, view=args.view, detail=args.detail)


def cmd_list(args: argparse.Namespace) -> int:
    atlas = load_atlas(args)
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "latin": s.latin,
            "kind": s.kind.value,
            "side": s.side.value,
            "group": s.group.value,
            **({"roots": list(s.roots)} if s.roots else {}),
        }
        for s in atlas.catalogue
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return _status(atlas)
    columns = ["id", "name", "latin", "kind", "side", "group", "roots"]
    table = [[", ".join(r.get(c, [])) if c == "roots" else str(r[c]) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return _status(atlas)


def cmd_screenshot(args: argparse.Namespace) -> int:
    out = _writable_file(Path(args.out))
    if out.suffix.lower() != ".png":
        raise UsageError(f"cannot write {out}: screenshots are PNG files (use a .png name)")
    if args.step is not None and not args.lesson:
        raise UsageError("--step needs --lesson (the lesson whose step to draw)")
    section = _section_asked(args)
    from app.render.snapshot import Annotations, RenderError, ensure_headless_vtk, save_screenshot

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
    if section is not None:
        scene.set_section(_placed_section(scene, section))
    # Given with a lesson, --view and --select take the place of the step's.
    if args.view or not args.lesson:
        scene.set_view(args.view or DEFAULT_VIEW)
    if args.select:
        scene.select_many(args.select)
    picture = scene.picture
    scene.set_picture(
        title=args.title or picture.title,
        caption=args.caption or picture.caption,
        labels=args.labels and picture.labels,
    )
    notes = Annotations(transparent=args.transparent)
    try:
        save_screenshot(scene, out, args.size, notes)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    except RenderError as exc:
        raise UsageError(f"cannot render {out}: {exc}") from exc
    print(f"wrote {out} ({args.size[0]}x{args.size[1]}, view {scene.view.name})")
    return _status(atlas)


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
    out = _writable_file(Path(args.out))
    from app.render.video import VideoError, video_problem, write_video

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
    from app.render.snapshot import RenderError, ensure_headless_vtk

    ensure_headless_vtk()
    atlas = load_atlas(args)
    scene = atlas.scene()
    if atlas.body is None:
        raise UsageError("cannot animate: the landmarks lack the joint centres")
    motion = atlas.body.motion
    show = None
    if args.lesson:
        lesson = read_lesson(scene, Path(args.lesson))
        frames = lesson_reel(lesson, motion, args.fps)

        def show(index: int) -> None:
            show_step(scene, lesson, index)
            if args.view:
                scene.set_view(args.view)

        what = f"{lesson.title!r}, {len(lesson.steps)} steps"
    else:
        start, end = (resolve_pose(atlas, [spec], "--motion") for spec in args.motion)
        tween = Tween(start, end, args.seconds or 3.0)
        frames = [(0, pose) for pose in tween.frames(args.fps)]
        first, last = (_pose_title(motion, spec) for spec in args.motion)
        scene.set_picture(title=f"{first} to {last}")
        scene.set_view(args.view or "right")  # the body's side shows flexion and tilt best
        what = f"{args.motion[0]} to {args.motion[1]}"
    try:
        with tqdm(total=len(frames), unit="frame", desc=out.name, disable=None, leave=False) as bar:
            write_video(scene, out, frames, args.size, args.fps, show, bar.update)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    except VideoError as exc:
        raise UsageError(f"cannot write {out}: {exc}") from exc
    except RenderError as exc:
        raise UsageError(f"cannot render {out}: {exc}") from exc
    width, height = args.size
    timing = f"{len(frames)} frames, {len(frames) / args.fps:.1f} s at {args.fps:g} fps"
    print(f"wrote {out} ({what}; {timing}, {width}x{height})")
    return _status(atlas)


def _pose_title(motion, spec: str) -> str:
    """A pose's title for a video's heading (a spec as it was written)."""
    named = motion.poses.get(spec)
    return named.title if named is not None else spec


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


def cmd_section(args: argparse.Namespace) -> int:
    out = _writable_file(Path(args.out))
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
    try:
        write_slice(piece, out, scene.catalogue, facts, sources, args.size, safe_zones=args.safe_zones)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
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
    return _status(atlas)


def cmd_mechanics(args: argparse.Namespace) -> int:
    atlas = load_atlas(args)
    body = atlas.body
    base = resolve_pose(atlas, args.pose)
    if body is None:  # resolve_pose refused already
        return 2
    joint = JOINTS[args.joint]
    start, stop = getattr(args, "from"), args.to
    for label, value in (("--from", start), ("--to", stop)):
        if not joint.lower <= value <= joint.upper:
            raise UsageError(
                f"{label} {value:g}: {joint.name} ranges from {joint.lower:g} to {joint.upper:g} degrees"
            )
    if args.step <= 0 or (stop - start) / args.step > 10_000:
        raise UsageError(f"--step {args.step:g}: must be positive, at most 10,000 steps")
    count = int(abs(stop - start) / args.step + 1e-9) + 1
    direction = 1 if stop >= start else -1
    mechanics = body.mechanics
    rows = []
    for i in range(count):
        angle = round(start + direction * i * args.step, 6)
        pose = base.updated({joint.name: angle})
        lengths = mechanics.lengths(pose)
        arms = {m: mechanics.moment_arm(m, pose, joint.name) for m in mechanics.muscles}
        rows.append(
            {
                "angle": angle,
                "length": {m: round(v, 2) for m, v in lengths.items()},
                "moment_arm": {m: round(v, 2) + 0.0 for m, v in arms.items()},
            }
        )
    if args.json:
        units = {"angle": "deg", "length": "mm", "moment_arm": "mm"}
        print(
            json.dumps({"joint": joint.name, "pose": base.as_dict(), "units": units, "rows": rows}, indent=1)
        )
        return _status(atlas)
    muscles = mechanics.muscles
    print(f"{joint.label} ({joint.meaning}); lengths and moment arms in mm; other joints: {base.describe()}")
    print("angle  " + "  ".join(f"{m:>28}" for m in muscles))
    for row in rows:
        cells = [f"{row['length'][m]:7.1f} mm, arm {row['moment_arm'][m]:6.1f}" for m in muscles]
        print(f"{row['angle']:5g}  " + "  ".join(f"{c:>28}" for c in cells))
    return _status(atlas)


def read_lesson(scene: SceneModel, path: Path):
    """A valid lesson, or a UsageError that lists its problems as file:line: message."""
    from app.model.teaching.lessons import load_lesson

    lesson, errors = load_lesson(path, scene.catalogue, scene.poses)
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


def cmd_render_lesson(args: argparse.Namespace) -> int:
    from app.render.handout import render_lesson
    from app.render.snapshot import RenderError, ensure_headless_vtk

    lesson_path, out_dir = Path(args.lesson), Path(args.outdir)
    _output_folder(out_dir)
    ensure_headless_vtk()
    atlas = load_atlas(args)
    scene = atlas.scene()
    lesson = read_lesson(scene, lesson_path)
    try:
        written = render_lesson(scene, lesson, out_dir, args.size)
    except FolderInUseError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    except RenderError as exc:
        raise UsageError(f"cannot render {lesson_path}: {exc}") from exc
    print(f"wrote {len(written) - 1} step images and {written[-1]}")
    return _status(atlas)


def _output_folder(out_dir: Path) -> None:
    """Refuse an output folder that cannot be made: a file, or one under a missing folder."""
    if problem := output_problem(out_dir, folder=True):
        raise UsageError(f"cannot write to {out_dir}: {problem}")


def cmd_export(args: argparse.Namespace) -> int:
    from app.export import export_glb, export_scene

    out_dir = Path(args.outdir)
    _output_folder(out_dir)
    atlas = load_atlas(args)
    scene = atlas.scene()
    if not scene.shown_ids:
        raise UsageError("nothing to export: no structure is visible")
    if args.pose:
        scene.set_pose(resolve_pose(atlas, args.pose))
    posed = "" if scene.pose.neutral else f", posed: {scene.pose.describe()}"
    try:
        if args.format == "glb":
            glb = export_glb(scene, atlas.meshes_dir, out_dir)
            print(f"wrote {glb} ({len(scene.shown_ids)} structures{posed})")
        else:
            scene_file = export_scene(scene, atlas.meshes_dir, out_dir)
            print(f"wrote {len(scene.shown_ids)} meshes and {scene_file}{posed}")
    except FolderInUseError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot export to {out_dir}: {exc.strerror or exc}") from exc
    return _status(atlas)


def _choice_list(values: list[str], allowed: Sequence[str], option: str) -> list[str]:
    """``values`` checked against ``allowed``; an unknown one is a UsageError naming the
    option, with a "did you mean"."""
    from app.model.io.documents import did_you_mean

    for value in values:
        if value not in allowed:
            hint = did_you_mean(value, allowed) or f" (one of: {', '.join(allowed)})"
            raise UsageError(f"{option}: unknown {option.removeprefix('--')} {value!r}{hint}")
    return values


def cmd_quiz(args: argparse.Namespace) -> int:
    from app.model.quiz.questions import QuestionBank, QuestionType, Topic
    from app.model.quiz.quiz_files import MAX_QUESTIONS, Quiz, load_quiz

    if (args.quiz is None) == (args.generate is None):
        raise UsageError("give a quiz file or --generate N (one of them)")
    if args.quiz is not None and (args.topic or args.type or args.seed is not None):
        raise UsageError("--topic, --type and --seed are for --generate: a quiz file sets its own")
    if args.generate is not None and not 1 <= args.generate <= MAX_QUESTIONS:
        raise UsageError(f"--generate: N must be 1 to {MAX_QUESTIONS}, not {args.generate}")
    topics = _choice_list(args.topic, [t.value for t in Topic], "--topic")
    types = _choice_list(args.type, [t.value for t in QuestionType], "--type")
    out = None
    if args.export is not None:
        out = _writable_file(Path(args.export))
        if out.suffix.lower() != ".pdf":
            raise UsageError(f"cannot write {out}: a quiz is exported as PDF (use a .pdf name)")
    elif args.size is not None:
        raise UsageError("--size is for --export (the size of its pictures)")
    atlas = load_atlas(args)
    known = len(atlas.problems)
    atlas.load_teaching()
    for problem in atlas.problems[known:]:
        print(f"warning: {problem}", file=sys.stderr)
    bank = QuestionBank.for_atlas(atlas)
    if args.quiz is not None:
        quiz, errors = load_quiz(Path(args.quiz), bank)
        if quiz is None:
            for error in errors:  # each file:line: message, as validate prints them
                print(error, file=sys.stderr)
            return 2
    else:
        seed = args.seed or 0
        drawn = bank.draw(args.generate, seed, topics=topics, types=types)
        if not drawn:
            raise UsageError("no question matches these topics and types")
        quiz = Quiz(f"Psoas Atlas quiz (seed {seed})", tuple(drawn), multiple_choice=True)
    if out is not None:
        from app.render.quiz_sheet import write_quiz_sheet
        from app.render.snapshot import RenderError, ensure_headless_vtk

        ensure_headless_vtk()
        try:
            pages = write_quiz_sheet(
                atlas.scene(), quiz, atlas.library.sources, out, args.size or (1200, 900)
            )
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
        except RenderError as exc:
            raise UsageError(f"cannot render {out}: {exc}") from exc
        done = f"{len(quiz.questions)} questions: {pages[0]} sheet pages, {pages[1]} answer-key pages"
        print(f"wrote {out} ({done})", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        questions = [q.as_json() for q in quiz.questions]
        print(json.dumps({"title": quiz.title, "questions": questions}, indent=1, ensure_ascii=False))
    elif out is None:
        print(quiz_listing(quiz))
    return _status(atlas)


def quiz_listing(quiz) -> str:
    """A quiz as numbered questions with their lettered choices and answers, for a terminal."""
    from app.model.quiz.quiz_files import lettered_answer, question_text

    blocks = [quiz.title]
    for number, question in enumerate(quiz.questions, start=1):
        asked = question_text(question, quiz.multiple_choice).replace("\n", "\n    ")
        blocks.append(f"{number:2d}. {asked}\n    Answer: {lettered_answer(question)}")
    return "\n\n".join(blocks)


#: Keys only a quiz file has (a lesson has a title too, and steps).
QUIZ_KEYS = frozenset({"topics", "types", "questions", "count", "seed", "multiple_choice"})


def _is_quiz(path: Path, keys: object) -> bool:
    """Whether a file is a quiz: a title, no steps, and a quiz's own key or folder."""
    if not isinstance(keys, dict) or "title" not in keys or "steps" in keys:
        return False
    return path.parent.name == "quizzes" or bool(QUIZ_KEYS & set(keys))


#: What a file is when its keys do not say (a list, say): told by its name, or its folder's.
KINDS_BY_NAME = {
    "structures.yaml": "structures", "sources.yaml": "sources", "motion.yaml": "poses",
    "search.yaml": "places", "sections.yaml": "areas", "lessons": "steps", "quizzes": "quiz",
}  # fmt: skip


def _kind_by_name(path: Path) -> str:
    """The kind of a file whose keys do not tell it: its checks then name the keys it lacks."""
    return KINDS_BY_NAME.get(path.name, KINDS_BY_NAME.get(path.parent.name, "content"))


def cmd_validate(args: argparse.Namespace) -> int:
    from app.model.anatomy.content import load_content, load_sources
    from app.model.anatomy.structures import load_catalogue
    from app.model.io.documents import Located, load_located

    files = [Path(f) for f in args.files]
    kinds: dict[Path, str] = {}
    for path in files:
        try:
            document = load_located(path)
            keys = document.value if isinstance(document, Located) else {}
            kinds[path] = "quiz" if _is_quiz(path, keys) else next((k for k in KINDS if k in keys), "")
        except Exception:  # reported by the loader below with its line
            kinds[path] = ""
        kinds[path] = kinds[path] or _kind_by_name(path)
    structures_path = next((p for p in files if kinds[p] == "structures"), paths.structures_file(args.root))
    catalogue, errors = load_catalogue(structures_path, paths.meshes_dir(args.root))
    if structures_path not in files:
        errors = []  # the shipped catalogue is only context here
    sources_path = next(
        (p for p in files if kinds[p] == "sources"), paths.annotations_dir(args.root) / "sources.yaml"
    )
    sources, source_errors = load_sources(sources_path)
    if sources_path in files:
        errors += source_errors
    _, content_errors = load_content([p for p in files if kinds[p] in ("content", "")], catalogue, sources)
    errors += content_errors
    from app.model.anatomy.landmarks import load_attachments, load_landmarks
    from app.model.anatomy.search import load_places

    for places_path in (p for p in files if kinds[p] == "places"):
        landmarks = load_landmarks(paths.landmarks_file(args.root))[0]
        attachments = load_attachments(paths.attachments_file(args.root))[0]
        errors += load_places(places_path, catalogue, landmarks, attachments, sources)[1]
    from app.model.motion.poses import read_motion
    from app.model.teaching.lessons import load_lesson

    motion_path = next(
        (p for p in files if kinds[p] == "poses"), paths.annotations_dir(args.root) / "motion.yaml"
    )
    motion, motion_errors = read_motion(motion_path)
    if motion_path in files:
        errors += motion_errors
    for lesson_path in (p for p in files if kinds[p] == "steps"):
        errors += load_lesson(lesson_path, catalogue, motion)[1]
    from app.model.sections.cross_section import read_section_facts

    for facts_path in (p for p in files if kinds[p] in ("safe_zones", "areas")):
        errors += read_section_facts(facts_path, sources)[1]
    quiz_paths = [p for p in files if kinds[p] == "quiz"]
    if quiz_paths:
        from app.model.quiz.questions import QuestionBank
        from app.model.quiz.quiz_files import load_quiz

        bank = QuestionBank.for_atlas(Atlas.load(args.root, structures=structures_path, teaching=True))
        for quiz_path in quiz_paths:
            errors += load_quiz(quiz_path, bank)[1]
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} problem(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    print(f"{len(files)} file(s) valid")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError("bench measures the real window: run it under a display (e.g. xvfb-run -a)")
    from app.bench import run

    result = run(size=args.size, clicks=args.clicks, screenshot_size=args.screenshot_size)
    print(json.dumps(result.as_json(), indent=2) if args.json else result.table())
    return 0


def cmd_build_meshes(args: argparse.Namespace) -> int:
    try:
        from app.build import build_meshes
    except ImportError as exc:
        raise UsageError(f"building meshes needs the build extra (pip install -e '.[build]'): {exc}") from exc
    out = Path(args.out) if args.out else paths.meshes_dir(args.root)
    _output_folder(out)
    try:
        provenance = build_meshes(out)
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc} ({exc.filename or out})") from exc
    files = provenance["files"]
    print(f"wrote {len(files)} files to {args.out or out}")  # type: ignore[arg-type]
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage is for --help), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="psoas-atlas",
        description="A 3D atlas of the lumbar spine, pelvis, iliopsoas and lumbar plexus.",
    )
    parser.add_argument("--version", action="version", version=f"psoas-atlas {__version__}")
    parser.add_argument(
        "--root",
        type=_folder,
        metavar="FOLDER",
        help="the data set: a folder holding meshes/ and annotations/ (default: the installed one)",
    )
    parser.set_defaults(func=cmd_view, view=DEFAULT_VIEW, detail="standard")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    view = sub.add_parser("view", help="open the viewer (the default)")
    view.add_argument("--view", choices=list(VIEWS), default=DEFAULT_VIEW, help="initial view")
    view.add_argument(
        "--detail",
        choices=["standard", "high"],
        default="standard",
        help="mesh detail: high doubles the triangles, for a machine with a real GPU",
    )
    view.set_defaults(func=cmd_view)

    lister = sub.add_parser("list", help="list the structures")
    lister.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lister.set_defaults(func=cmd_list)

    shot = sub.add_parser("screenshot", help="render a PNG with no display")
    shot.add_argument("out", metavar="OUT.png")
    shot.add_argument("--view", choices=list(VIEWS), help=f"standard view (default: {DEFAULT_VIEW})")
    shot.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH")
    shot.add_argument("--select", nargs="+", default=[], metavar="ID", help="structures to highlight")
    shot.add_argument(
        "--labels", action=argparse.BooleanOptionalAction, default=True, help="labels and leader lines"
    )
    shot.add_argument("--title", type=_text(MAX_TITLE), help="title drawn at the top of the image")
    shot.add_argument(
        "--caption", type=_text(MAX_CAPTION, line_breaks=True), help="caption drawn in a box at the bottom"
    )
    shot.add_argument("--transparent", action="store_true", help="transparent background")
    shot.add_argument("--lesson", metavar="FILE", help="take the scene from a lesson step")
    shot.add_argument("--step", type=int, metavar="N", help="lesson step (from 1; default 1)")
    shot.add_argument("--pose", nargs="+", default=[], metavar="SPEC", help=POSE_HELP)
    shot.add_argument("--section", metavar="LEVEL", help="cut the scene at a level: T12, L4/L5 ... S1, hip")
    shot.add_argument(
        "--orientation", choices=("axial", "coronal", "sagittal"), help="the section's plane (default: axial)"
    )
    shot.add_argument("--slab", type=_finite, metavar="MM", help="keep only a slab this thick (mm)")
    shot.add_argument("--flip", action="store_true", help="hide the other side of the section")
    shot.set_defaults(func=cmd_screenshot)

    export = sub.add_parser("export", help="write the visible meshes (PLY, mm, RAS) and scene.json")
    export.add_argument("outdir", metavar="OUTDIR")
    export.add_argument(
        "--format", choices=["ply", "glb"], default="ply", help="PLY files + scene.json, or one glTF binary"
    )
    export.add_argument("--pose", nargs="+", default=[], metavar="SPEC", help="export posed; " + POSE_HELP)
    export.set_defaults(func=cmd_export)

    validate = sub.add_parser("validate", help="check annotation files; print file:line: message")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_validate)

    lesson = sub.add_parser("render-lesson", help="one annotated PNG per lesson step, plus a PDF handout")
    lesson.add_argument("lesson", metavar="LESSON.yaml")
    lesson.add_argument("outdir", metavar="OUTDIR")
    lesson.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH")
    lesson.set_defaults(func=cmd_render_lesson)

    quiz = sub.add_parser("quiz", help="generate quiz questions, or print a quiz file as a PDF sheet and key")
    quiz.add_argument("quiz", nargs="?", metavar="QUIZ.yaml", help="an instructor's quiz file")
    quiz.add_argument("--generate", type=int, metavar="N", help="draw N questions from the atlas' data")
    quiz.add_argument(
        "--topic",
        action="extend",
        nargs="+",
        default=[],
        metavar="T",
        help="bones, muscles, nerves, myths, motion",
    )
    quiz.add_argument(
        "--type",
        action="extend",
        nargs="+",
        default=[],
        metavar="TYPE",
        help="find, name, attachment, roots, supply, myth, motion",
    )
    quiz.add_argument("--seed", type=int, metavar="S", help="which questions --generate draws (default 0)")
    quiz.add_argument("--json", action="store_true", help="print the questions as JSON")
    quiz.add_argument("--export", metavar="OUT.pdf", help="write the question sheet and the answer key")
    quiz.add_argument("--size", type=_size, metavar="WxH", help="pixels of each picture (default 1200x900)")
    quiz.set_defaults(func=cmd_quiz)

    anim = sub.add_parser("animate", help="an MP4 or GIF of a lesson or a movement, with no display")
    anim.add_argument("out", metavar="OUT.mp4|OUT.gif")
    source = anim.add_mutually_exclusive_group(required=True)
    source.add_argument("--lesson", metavar="FILE", help="play a lesson, step by step")
    source.add_argument(
        "--motion", nargs=2, metavar=("POSE_A", "POSE_B"), help="move from one pose to another"
    )
    anim.add_argument("--seconds", type=_finite, metavar="S", help="how long the movement takes (default 3)")
    anim.add_argument("--view", choices=list(VIEWS), help="standard view (default: the lesson's, or right)")
    anim.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
    anim.add_argument("--fps", type=_finite, default=30.0, metavar="N", help="frames per second (default 30)")
    anim.set_defaults(func=cmd_animate)

    cut = sub.add_parser("section", help="draw what a section plane cuts (PNG, SVG or PDF), with areas")
    cut.add_argument("out", metavar="OUT.png|OUT.svg|OUT.pdf")
    cut.add_argument("--level", required=True, metavar="LEVEL", help="e.g. L4_L5, L4/L5, S1, hip_joint")
    cut.add_argument("--orientation", choices=["axial", "coronal", "sagittal"], default="axial")
    cut.add_argument("--slab", type=_finite, metavar="MM", help="keep a slab this thick around the plane")
    cut.add_argument("--pose", nargs="+", default=[], metavar="SPEC", help="cut posed; " + POSE_HELP)
    cut.add_argument("--safe-zones", action="store_true", help="draw the trans-psoas safe zones (Uribe 2010)")
    cut.add_argument(
        "--size", type=_size, default=(1169, 827), metavar="WxH", help="pixels (SVG, PDF: /100 in)"
    )
    cut.add_argument(
        "--show", nargs="+", default=[], metavar="ID", help="also cut these hidden structures (or all)"
    )
    cut.add_argument("--json", action="store_true", help="print the areas and nerve positions as JSON")
    cut.set_defaults(func=cmd_section)

    mech = sub.add_parser("mechanics", help="muscle lengths and moment arms over a joint's range")
    mech.add_argument(
        "--joint", required=True, choices=list(JOINTS), metavar="JOINT", help="e.g. hip_flexion_right"
    )
    mech.add_argument("--from", type=_finite, required=True, metavar="A", help="first angle (degrees)")
    mech.add_argument("--to", type=_finite, required=True, metavar="B", help="last angle (degrees)")
    mech.add_argument("--step", type=_finite, default=10.0, metavar="S", help="step (degrees, default 10)")
    mech.add_argument("--pose", nargs="+", default=[], metavar="SPEC", help="the other joints: " + POSE_HELP)
    mech.add_argument("--json", action="store_true", help="print JSON instead of a table")
    mech.set_defaults(func=cmd_mechanics)

    bench = sub.add_parser("bench", help="measure frame times, click latency and memory in the window")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    bench.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="3D view size")
    bench.add_argument("--clicks", type=int, default=50, help="clicks to time (at least 50)")
    bench.add_argument(
        "--screenshot-size", type=_size, default=(3840, 2160), metavar="WxH", help="annotated export size"
    )
    bench.set_defaults(func=cmd_bench)

    build = sub.add_parser("build-meshes", help="regenerate meshes/ from the installed myo-sim")
    build.add_argument("--out", help="output folder (default: the data set's meshes/)")
    build.set_defaults(func=cmd_build_meshes)
    return parser


def _stdout_closed() -> None:
    """Point standard output at /dev/null: what is left in its buffer cannot be written, and
    Python would say so with a traceback when it flushes at exit."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        with unwinding(args.func not in (cmd_view, cmd_bench)):
            return int(args.func(args))
    except UsageError as exc:
        print(f"psoas-atlas: error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated) as interruption:
        return stopped(interruption)
    except BrokenPipeError:  # the reader stopped reading (| head): not an error
        _stdout_closed()
        return 0
    except OSError as exc:  # what no command foresaw: standard output on a full disk, say
        _stdout_closed()
        where = f" ({exc.filename})" if exc.filename else " (standard output)"
        print(f"psoas-atlas: error: cannot write: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
