"""Lessons: a title and ordered steps, each a view, what is shown, selected, and a caption.

A lesson is a YAML file under ``annotations/lessons/`` (schema in ``annotations/README.md``),
validated like every annotation file; applying a step only calls the scene model, so the
same lesson drives the window, presentation mode and ``render-lesson``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.model.anatomy import AnnotationError, Catalogue
from app.model.content import SIDE_SUFFIXES, read_mapping
from app.model.scene import SceneModel
from app.model.views import VIEWS, CameraPose
from app.model.yaml_lines import Located, plain


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=1)
    caption: str = Field(min_length=10)
    view: str = "oblique"
    camera: CameraPose | None = None
    show: Literal["all"] | tuple[str, ...] = "all"
    hide: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    xray: bool = False
    opacity: dict[str, float] = Field(default_factory=dict)
    labels: bool = True

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
    title: str = Field(min_length=3)
    summary: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)


def expand_ids(ids: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    """Structure ids, where an id without its side stands for both sides."""
    out: list[str] = []
    for sid in ids:
        if sid in catalogue:
            out.append(sid)
        else:
            out.extend(sid + s for s in SIDE_SUFFIXES if sid + s in catalogue)
    return out


def load_lesson(path: Path, catalogue: Catalogue) -> tuple[Lesson | None, list[AnnotationError]]:
    """Read and check a lesson; every problem is reported with its line."""
    path = Path(path)
    document, problems = read_mapping(path)
    if document is None:
        return None, problems
    if "steps" not in document.value:
        return None, [AnnotationError(path, 1, "expected a mapping with 'title:' and 'steps:'")]
    errors: list[AnnotationError] = []
    try:
        lesson = Lesson.model_validate(plain(document))
    except ValidationError as exc:
        for item in exc.errors():
            errors.append(AnnotationError(path, _line(document, item["loc"]), _message(item)))
        return None, errors
    steps = document.value["steps"]
    for index, step in enumerate(lesson.steps):
        raw = steps[index]
        for field in ("show", "hide", "select", "opacity"):
            ids = getattr(step, field)
            if ids == "all":
                continue
            for sid in ids:
                if not expand_ids((sid,), catalogue):
                    line = raw.line_of(field) if isinstance(raw, Located) else document.line
                    errors.append(
                        AnnotationError(path, line, f"step {index + 1}: unknown structure id '{sid}'")
                    )
    return (lesson if not errors else None), errors


def _line(document: Located, loc: tuple) -> int:
    """The line of the deepest located mapping along a pydantic error location."""
    node: object = document
    line = document.line
    for key in loc:
        if isinstance(node, Located):
            line = node.line_of(key)
            node = node.value.get(str(key))
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            if isinstance(node, Located):
                line = node.line
        else:
            break
    return line


def _message(item: Any) -> str:
    where = ".".join(str(p) for p in item["loc"])
    if item["type"] == "extra_forbidden":
        return f"'{where}': unknown field"
    if item["type"] == "missing":
        return f"'{where}': missing required field"
    return f"'{where}': {item['msg']}"


def apply_step(scene: SceneModel, step: Step) -> None:
    """Show, hide, select and look as the step says."""
    catalogue = scene.catalogue
    if step.show == "all":
        shown = {s.id for s in catalogue if s.visible}
    else:
        shown = set(expand_ids(step.show, catalogue))
    shown -= set(expand_ids(step.hide, catalogue))
    for sid in catalogue.ids:
        scene.set_visible(sid, sid in shown)
    for structure in catalogue:
        scene.set_opacity(structure.id, 1.0)
    scene.set_xray(step.xray)
    for sid, opacity in step.opacity.items():
        for each in expand_ids((sid,), catalogue):
            scene.set_opacity(each, opacity)
    selected = expand_ids(step.select, catalogue)
    if selected:
        scene.select_many(selected)
    else:
        scene.select(None)
    if step.camera is not None:
        scene.set_camera(step.camera)
    else:
        scene.set_view(step.view)


def lesson_yaml(lesson: Lesson) -> str:
    """A lesson as the YAML that :func:`load_lesson` reads back (defaults left out)."""
    data = lesson.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(data, Dumper=_LessonDumper, sort_keys=False, allow_unicode=True, width=100)


class _LessonDumper(yaml.SafeDumper):
    """Lists of plain values (ids, coordinates) on one line, as lessons are written by hand."""


def _represent_list(dumper: yaml.SafeDumper, items: list) -> yaml.Node:
    flow = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_LessonDumper.add_representer(list, _represent_list)


def lesson_files(annotations_dir: Path) -> list[Path]:
    return sorted((Path(annotations_dir) / "lessons").glob("*.yaml"))
