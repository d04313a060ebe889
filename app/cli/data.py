"""The commands about the data set itself: ``list``, ``export``, ``validate`` and
``build-meshes``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import UsageError, exit_status, load_atlas, output_folder, resolve_pose
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.io.atomic import FolderInUseError

#: Top-level keys that tell annotation files apart.
KINDS = ("structures", "sources", "content", "steps", "places", "poses", "safe_zones", "areas")


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
        return exit_status(atlas)
    columns = ["id", "name", "latin", "kind", "side", "group", "roots"]
    table = [[", ".join(r.get(c, [])) if c == "roots" else str(r[c]) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return exit_status(atlas)


def cmd_export(args: argparse.Namespace) -> int:
    from app.export import export_glb, export_scene

    out_dir = Path(args.outdir)
    output_folder(out_dir)
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
    return exit_status(atlas)


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
    "activities": "activity",
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
            if not kinds[path] and isinstance(keys, dict) and {"columns", "cycle_seconds"} & set(keys):
                kinds[path] = "activity"
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
    from app.model.motion.activities import load_activities

    activities = load_activities(paths.annotations_dir(args.root))[0]  # their problems: below
    for lesson_path in (p for p in files if kinds[p] == "steps"):
        errors += load_lesson(lesson_path, catalogue, motion, activities)[1]
    from app.model.motion.activities import read_activity

    for activity_path in (p for p in files if kinds[p] == "activity"):
        errors += read_activity(activity_path)[1]
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


def cmd_build_meshes(args: argparse.Namespace) -> int:
    try:
        from app.build import build_meshes
    except ImportError as exc:
        raise UsageError(f"building meshes needs the build extra (pip install -e '.[build]'): {exc}") from exc
    out = Path(args.out) if args.out else paths.meshes_dir(args.root)
    output_folder(out)
    try:
        provenance = build_meshes(out)
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc} ({exc.filename or out})") from exc
    files = provenance["files"]
    print(f"wrote {len(files)} files to {args.out or out}")  # type: ignore[arg-type]
    return 0
