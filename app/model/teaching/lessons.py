"""Lessons: a title and ordered steps, each a view, what is shown, selected, and a caption.

A lesson is a YAML file under ``annotations/lessons/`` (schema in ``annotations/README.md``),
validated like every annotation file; applying a step only calls the scene model, so the
same lesson drives the window, presentation mode and ``render-lesson``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.fonts import text_problem
from app.model.anatomy.content import SIDE_SUFFIXES
from app.model.anatomy.structures import Catalogue, Group, Problem
from app.model.io.documents import Located, did_you_mean, line_at, plain, pydantic_problems, read_mapping
from app.model.motion.activities import Activity
from app.model.motion.cycles import ActivityPart, CycleSpan
from app.model.motion.kinematics import Pose, PoseError
from app.model.motion.playback import Span, Tween, reel
from app.model.motion.poses import Motion, Movement, pose_specs
from app.model.scene.state import Picture, SceneModel
from app.model.scene.views import VIEWS, CameraPose
from app.model.sections.planes import SectionError, SectionSpec

#: Shortest lesson title (a quiz file's title is its lesson's too).
MIN_TITLE = 3
#: Longest step title and caption: what fits on a slide (and renders in bounded time).
MAX_TITLE = 120
MAX_CAPTION = 1200


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    caption: str = Field(min_length=10, max_length=MAX_CAPTION)
    view: str = "oblique"
    camera: CameraPose | None = None
    show: Literal["all"] | tuple[str, ...] = "all"
    hide: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    xray: bool = False
    opacity: dict[str, float] = Field(default_factory=dict)
    labels: bool = True
    #: The pose the step shows (a pose's name, specs or angles; neutral standing if left out).
    pose: tuple[str, ...] | None = None
    #: Or a movement the step plays, ending in the pose it shows.
    motion: Movement | None = None
    #: Or a stretch of an activity's measured cycle it plays (walking...), ending in the pose
    #: at its ``to``.
    activity: ActivityPart | None = None
    #: Where the scene is cut open (a level such as ``L4/L5``, or a plane); not cut if left out.
    section: SectionSpec | None = None

    _pose_specs = field_validator("pose", mode="before")(pose_specs)

    @model_validator(mode="after")
    def _one_pose(self) -> Step:
        given = [name for name in ("pose", "motion", "activity") if getattr(self, name) is not None]
        if len(given) > 1:
            both = " and ".join(given)
            either = "either 'pose' or 'motion' (its 'from' is where it starts) or 'activity'"
            raise ValueError(f"give {either}, not {both}")
        return self

    @field_validator("view")
    @classmethod
    def _known_view(cls, value: str) -> str:
        if value not in VIEWS:
            raise ValueError(f"unknown view {value!r}; use one of {', '.join(VIEWS)}")
        return value

    @field_validator("opacity")
    @classmethod
    def _fractions(cls, value: dict[str, float]) -> dict[str, float]:
        for sid, opacity in value.items():
            if not 0.05 <= opacity <= 1.0:
                raise ValueError(f"opacity of {sid!r} must be between 0.05 and 1, got {opacity}")
        return value


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=MIN_TITLE, max_length=MAX_TITLE)
    summary: str = Field(default="", max_length=MAX_CAPTION)
    steps: tuple[Step, ...] = Field(min_length=1, max_length=200)


#: Every field name of a lesson, for spelling hints.
LESSON_FIELDS = {
    *Lesson.model_fields,
    *Step.model_fields,
    *CameraPose.model_fields,
    *Movement.model_fields,
    *SectionSpec.model_fields,
    *ActivityPart.model_fields,
    "from",
}


#: A group of the structure tree as a lesson names it (``context_skeleton``, ``nerves``).
GROUP_NAMES = {group.value.lower().replace(" ", "_"): group for group in Group}


def expand_ids(ids: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    """Structure ids, where an id without its side stands for both sides and a group's
    name (:data:`GROUP_NAMES`) for every structure in it."""
    out: list[str] = []
    for sid in ids:
        if sid in catalogue:
            out.append(sid)
        elif sid in GROUP_NAMES:
            out.extend(s.id for s in catalogue.in_group(GROUP_NAMES[sid]))
        else:
            out.extend(sid + s for s in SIDE_SUFFIXES if sid + s in catalogue)
    return out


def load_lesson(
    path: Path,
    catalogue: Catalogue,
    motion: Motion | None = None,
    activities: Mapping[str, Activity] | None = None,
) -> tuple[Lesson | None, list[Problem]]:
    """Read and check a lesson; every problem is reported with its line. Pose names are
    checked against ``motion``'s named poses when it is given, activities' names against
    ``activities``."""
    path = Path(path)
    document, problems = read_mapping(path, expected="steps")
    if document is None:
        return None, problems
    errors: list[Problem] = []
    try:
        lesson = Lesson.model_validate(plain(document))
    except ValidationError as exc:
        for loc, message in pydantic_problems(exc.errors(), LESSON_FIELDS):
            errors.append(Problem(path, line_at(document, loc), message))
        return None, errors
    for field, text in (("title", lesson.title), ("summary", lesson.summary)):
        problem = text_problem(text, line_breaks=field == "summary")  # the handout wraps the summary
        if problem:
            errors.append(Problem(path, document.line_of(field), f"'{field}': {problem}"))
    for index, step in enumerate(lesson.steps):
        errors.extend(step_problems(path, document, index, step, catalogue, motion, activities))
    return (lesson if not errors else None), errors


def check_step(
    path: Path,
    document: Located,
    index: int,
    catalogue: Catalogue,
    motion: Motion | None = None,
    activities: Mapping[str, Activity] | None = None,
) -> tuple[Step | None, list[Problem]]:
    """Step ``index`` of a lesson file checked on its own, with :func:`load_lesson`'s messages
    and lines: the step, or ``None`` and its problems (bookmarks keep the others)."""
    errors: list[Problem] = []
    try:
        step = Step.model_validate(plain(document.value["steps"][index]))
    except ValidationError as exc:
        located = [{**item, "loc": ("steps", index, *item["loc"])} for item in exc.errors()]
        for loc, message in pydantic_problems(located, LESSON_FIELDS):
            errors.append(Problem(path, line_at(document, loc), message))
        return None, errors
    errors = step_problems(path, document, index, step, catalogue, motion, activities)
    return (None if errors else step), errors


def step_problems(
    path: Path,
    document: Located,
    index: int,
    step: Step,
    catalogue: Catalogue,
    motion: Motion | None = None,
    activities: Mapping[str, Activity] | None = None,
) -> list[Problem]:
    """What the model alone cannot check in step ``index`` (valid as a :class:`Step`) of a
    lesson file: that its structure ids exist, its texts can be drawn and its poses exist
    (with ``motion``), and its activity (with ``activities``)."""
    errors: list[Problem] = []
    raw = document.value["steps"][index]

    def line_of(field: str) -> int:
        return raw.line_of(field) if isinstance(raw, Located) else document.line

    title = document.value.get("title")
    for field, text in (
        ("title", step.title),
        ("caption", step.caption),
        ("title", f"{title} — {step.title}"),
    ):
        problem = text_problem(text, line_breaks=field == "caption")
        if problem:  # the combined title is what a screenshot of the step draws
            errors.append(Problem(path, line_of(field), f"step {index + 1}: '{field}': {problem}"))
            break
    for field in ("show", "hide", "select", "opacity"):
        ids = getattr(step, field)
        if ids == "all":
            continue
        for sid in ids:
            left_out = {sid, *(sid + suffix for suffix in SIDE_SUFFIXES)} & catalogue.left_out
            known = expand_ids((sid,), catalogue) or sid in GROUP_NAMES  # a group may be empty
            if not known and not left_out:  # left out: reported already
                errors.append(
                    Problem(path, line_of(field), f"step {index + 1}: unknown structure id '{sid}'")
                )
    if motion is not None:
        try:
            step_tween(step, motion)
        except PoseError as exc:
            field = "pose" if step.pose is not None else "motion"
            errors.append(Problem(path, line_of(field), f"step {index + 1}: '{field}': {exc}"))
    if activities is not None and step.activity is not None and step.activity.name not in activities:
        name = step.activity.name
        names = ", ".join(activities) or "none"
        hint = did_you_mean(name, activities)
        message = f"step {index + 1}: 'activity': unknown activity {name!r}{hint}; activities: {names}"
        errors.append(Problem(path, line_of("activity"), message))
    return errors


def step_tween(step: Step, motion: Motion) -> Tween:
    """Where a step's pose starts and ends, and how long it takes to get there (a still
    step starts and ends in its pose; no pose is neutral standing, so every step says the
    whole scene). Raises :class:`PoseError` for an unknown pose or joint."""
    if step.motion is not None:
        start, end = motion.resolve(step.motion.start), motion.resolve(step.motion.to)
        return Tween(start, end, step.motion.seconds)
    pose = motion.resolve(step.pose) if step.pose is not None else Pose()
    return Tween(pose, pose, 0.0)


def step_track(step: Step, motion: Motion, activities: Mapping[str, Activity] | None = None) -> Span:
    """What a step plays: its stretch of an activity's cycle (:class:`CycleSpan`), or its
    movement (:func:`step_tween`). Raises :class:`PoseError` for an unknown pose, joint or
    activity."""
    if step.activity is not None:
        activity = (activities or {}).get(step.activity.name)
        if activity is None:
            raise PoseError(f"unknown activity {step.activity.name!r}")
        return CycleSpan.of(activity, step.activity)
    return step_tween(step, motion)


def apply_step(scene: SceneModel, step: Step, picture: Picture | None = None, at_start: bool = False) -> None:
    """Show, hide, select, pose, cut and look as the step says (and draw ``picture``), as
    one change. The pose is the one the step's movement ends in (where it starts, ``at_start``:
    the player moves it on from there).

    The one interpreter of a step: the window (bookmarks), presentation mode, ``screenshot
    --lesson``, ``render-lesson``, ``animate`` and the handout all come through here."""
    catalogue = scene.catalogue
    if step.show == "all":
        shown = {s.id for s in catalogue if s.visible}
    else:
        shown = set(expand_ids(step.show, catalogue))
    shown -= set(expand_ids(step.hide, catalogue))
    with scene.batch():
        for sid in catalogue.ids:
            scene.set_visible(sid, sid in shown)
        scene.reset_opacity()
        scene.set_xray(step.xray)
        for sid, opacity in step.opacity.items():
            for each in expand_ids((sid,), catalogue):
                scene.set_opacity(each, opacity)
        scene.select_many(expand_ids(step.select, catalogue))
        if step.camera is not None:
            scene.set_camera(step.camera)
        else:
            scene.set_view(step.view)
        if picture is not None:
            scene.set_picture(picture)
        if scene.body is not None:
            try:
                tween = step_track(step, scene.body.motion, scene.body.activities)
            except PoseError:  # a pose the loader was not asked to check: the scene stays put
                pass
            else:
                scene.set_pose(tween.start if at_start else tween.end)
        try:
            scene.set_section(step.section.section(scene.sections) if step.section else None)
        except SectionError:  # a level this data set cannot place: the scene stays whole
            scene.set_section(None)


def lesson_reel(
    lesson: Lesson, motion: Motion, fps: float, activities: Mapping[str, Activity] | None = None
) -> list[tuple[int, Pose]]:
    """A video of a lesson, frame by frame: (step index, pose). Each step is held still, or
    plays its movement or its stretch of an activity with a pause before and after
    (``app.model.motion.playback.reel``). Raises :class:`PoseError` for a pose ``motion``
    does not know, or an activity ``activities`` does not."""
    return [
        (index, pose)
        for index, step in enumerate(lesson.steps)
        for pose in reel(step_track(step, motion, activities), fps)
    ]


def step_picture(lesson: Lesson, index: int, **changes: Any) -> Picture:
    """What a picture of step ``index`` (from 0) says: the step's title and caption, the
    lesson and the step's number in the footnote; ``changes`` adjust it (presentation mode
    draws it larger)."""
    step = lesson.steps[index]
    counter = f"{lesson.title} · step {index + 1} of {len(lesson.steps)}"
    return replace(
        Picture(title=step.title, caption=step.caption, footnote=counter, labels=step.labels), **changes
    )


def show_step(scene: SceneModel, lesson: Lesson, index: int, **changes: Any) -> None:
    """Put step ``index`` (from 0) of ``lesson`` on the scene, with its picture."""
    apply_step(scene, lesson.steps[index], step_picture(lesson, index, **changes))


def lesson_yaml(lesson: Lesson) -> str:
    """A lesson as the YAML that :func:`load_lesson` reads back (defaults left out)."""
    return lesson_data_yaml(lesson.model_dump(mode="json", exclude_defaults=True, by_alias=True))


def lesson_data_yaml(data: dict[str, Any]) -> str:
    """Plain lesson data (``title``, ``steps``, ...) as YAML, written as lessons are by hand."""
    return yaml.dump(data, Dumper=_LessonDumper, sort_keys=False, allow_unicode=True, width=100)


class _LessonDumper(yaml.SafeDumper):
    """Lists of plain values (ids, coordinates) on one line, as lessons are written by hand."""


def _represent_list(dumper: yaml.SafeDumper, items: list) -> yaml.Node:
    flow = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


#: What YAML reads as a line break besides \n and \r.
_YAML_LINE_BREAKS = "\x85\u2028\u2029"


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    # PyYAML writes NEL and the Unicode line/paragraph separators raw inside single quotes,
    # and reads them back as a space: double quotes escape them (as \N, \L and \P).
    style = '"' if any(char in text for char in _YAML_LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_LessonDumper.add_representer(list, _represent_list)
_LessonDumper.add_representer(str, _represent_str)


def lesson_files(annotations_dir: Path) -> list[Path]:
    return sorted((Path(annotations_dir) / "lessons").glob("*.yaml"))


def load_lessons(
    annotations_dir: Path,
    catalogue: Catalogue,
    motion: Motion | None = None,
    activities: Mapping[str, Activity] | None = None,
) -> tuple[list[tuple[Path, Lesson]], list[Problem]]:
    """The shipped lessons that read, and the problems of the others."""
    lessons, problems = [], []
    for path in lesson_files(annotations_dir):
        lesson, errors = load_lesson(path, catalogue, motion, activities)
        problems.extend(errors)
        if lesson is not None:
            lessons.append((path, lesson))
    return lessons, problems
