"""Named points, attachment regions and centre lines (RAS mm) that the mesh build writes into
``meshes/``.

Each file is read entry by entry, like the annotation files: a bad entry (wrong shape,
not a finite number) is reported as ``file:line: message`` and left out, the rest is kept,
so a damaged file never stops the viewer and never puts NaN into an export.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.model.io.documents import DocumentError, Problem, one_line, parse_json, read_text

T = TypeVar("T")

Point = tuple[float, float, float]
#: Farthest a landmark or attachment point may lie from the origin (mm): the atlas spans
#: under a metre.
MAX_COORDINATE_MM = 5_000.0
#: Landmarks on each hip bone, by name without the side.
_ON_HIP_BONE = (
    "asis",
    "psis",
    "anterior_inferior_iliac_spine",
    "pubic_tubercle",
    "iliopubic_eminence",
    "obturator_canal",
)
_ON_FEMUR_CONDYLES = ("femoral_epicondyle_lateral", "femoral_epicondyle_medial")
#: Landmarks of the leg below the hip, by name without the side: the bones they lie on (a
#: joint centre between the two it joins).
_AT_JOINT = {
    "knee_joint_center": ("femur", "tibia"),
    "patella_center": ("patella",),
    "tibial_tuberosity": ("tibia",),
    "malleolus_medial": ("tibia",),
    "malleolus_lateral": ("fibula",),
    "ankle_joint_center": ("tibia", "foot"),
    "heel": ("foot",),
    "toe_tip": ("foot",),
    "first_metatarsal_head": ("foot",),
    "fifth_metatarsal_head": ("foot",),
}
_SIDED = re.compile(r"^(.*)_(left|right)$")
_FORAMEN = re.compile(r"^intervertebral_foramen_([a-z0-9]+)_([a-z0-9]+)$")


def landmark_bones(name: str) -> tuple[str, ...]:
    """The bones (structure ids) a landmark lies on, so that it moves with them in a pose, as
    ``annotations/search.yaml`` names them: a foramen between its two vertebrae (or L5 and
    the sacrum), the hip joint centre between hip bone and femur. A name not known here
    gives ``()``: such a landmark stays where it is."""
    sided = _SIDED.match(name)
    base, side = (sided.group(1), sided.group(2)) if sided else (name, None)
    if side is not None:
        if base == "hip_joint_center":
            return (f"hip_bone_{side}", f"femur_{side}")
        if base in _ON_HIP_BONE:
            return (f"hip_bone_{side}",)
        if base in ("lesser_trochanter", "greater_trochanter", *_ON_FEMUR_CONDYLES):
            return (f"femur_{side}",)
        if base in _AT_JOINT:
            return tuple(f"{bone}_{side}" for bone in _AT_JOINT[base])
        if base == "sacral_ala":
            return ("sacrum",)
        foramen = _FORAMEN.match(base)
        if foramen:
            return tuple("sacrum" if level == "s1" else f"vertebra_{level}" for level in foramen.groups())
        return ()
    if name == "s1_endplate_center":
        return ("sacrum",)
    if name.startswith("vertebral_body_center_"):
        return ("vertebra_" + name.removeprefix("vertebral_body_center_"),)
    return ()


@dataclass(frozen=True)
class Attachment:
    """Where a muscle attaches: an origin or insertion region on a bone (surface points, mm)."""

    muscle: str
    role: str  # "origin" or "insertion"
    bone: str
    name: str
    points: tuple[Point, ...]


def _read_json(path: Path, key: str) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """A JSON data file in mm and RAS that has a ``key`` member, and the file's text, or the
    one problem that stops it."""
    path = Path(path)
    text = ""
    try:
        text = read_text(path, limit=16_000_000)
        data = parse_json(text)
    except OSError as exc:
        return None, text, [Problem(path, 0, f"cannot read file: {exc.strerror or exc}")]
    except DocumentError as exc:
        return None, text, [Problem(path, exc.line, exc.message)]
    if not isinstance(data, dict) or key not in data:
        return None, text, [Problem(path, 1, f"expected an object with '{key}'")]
    if data.get("units") != "mm" or data.get("frame") != "RAS":
        return None, text, [Problem(path, 1, "expected units 'mm' and frame 'RAS'")]
    return data, text, []


def _point(value: object) -> Point | None:
    """A finite 3D point within reach, or None."""
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in value):
        return None
    point = (float(value[0]), float(value[1]), float(value[2]))
    if not all(math.isfinite(c) and abs(c) <= MAX_COORDINATE_MM for c in point):
        return None
    return point


def _points(value: object, least: int) -> tuple[Point, ...] | None:
    """At least ``least`` points as :func:`_point` reads them, or None if any is bad."""
    if not isinstance(value, list) or len(value) < least:
        return None
    points = [_point(p) for p in value]
    return tuple(p for p in points if p is not None) if None not in points else None


def _line_of(text: str, needle: str) -> int:
    """The line where ``needle`` first appears (JSON keeps no lines; good enough for a name)."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _named_table(
    path: Path, key: str, parse: Callable[[object], T | None], what: str, expected: str
) -> tuple[dict[str, T], list[Problem]]:
    """The entries of a JSON file's ``{key: {name: value}}`` that ``parse`` accepts; every
    other is one problem at the line that names it (``what 'name': expected ...``)."""
    path = Path(path)
    document, text, errors = _read_json(path, key)
    if document is None:
        return {}, errors
    table = document[key]
    if not isinstance(table, dict):
        return {}, [Problem(path, 1, f"'{key}' must map names to {expected.split(',')[0]}")]
    kept: dict[str, T] = {}
    for name, value in table.items():
        parsed = parse(value)
        if parsed is None:
            line = _line_of(text, json.dumps(name))
            errors.append(Problem(path, line, f"{what} '{one_line(name)}': expected {expected}"))
        else:
            kept[str(name)] = parsed
    return kept, errors


def load_landmarks(path: Path) -> tuple[dict[str, Point], list[Problem]]:
    """The landmarks that are finite points; every bad one is reported."""
    return _named_table(path, "landmarks", _point, "landmark", "[x, y, z], finite mm")


def load_attachments(path: Path) -> tuple[list[Attachment], list[Problem]]:
    """The attachment regions that are well formed; every bad one is reported."""
    path = Path(path)
    document, _text, errors = _read_json(path, "attachments")
    if document is None:
        return [], errors
    entries = document["attachments"]
    if not isinstance(entries, list):
        return [], [Problem(path, 1, "'attachments' must be a list")]
    out: list[Attachment] = []
    for index, entry in enumerate(entries):
        attachment = _attachment(entry)
        if attachment is None:
            errors.append(
                Problem(
                    path,
                    1,
                    f"attachment {index + 1}: expected muscle, role (origin or insertion), bone, "
                    "name and points [[x, y, z], ...] in finite mm",
                )
            )
        else:
            out.append(attachment)
    return out, errors


def _attachment(entry: object) -> Attachment | None:
    if not isinstance(entry, dict):
        return None
    names = [entry.get(key) for key in ("muscle", "role", "bone", "name")]
    if not all(isinstance(n, str) and 0 < len(n) <= 200 for n in names):
        return None
    points = _points(entry.get("points"), least=1)
    if entry["role"] not in ("origin", "insertion") or points is None:
        return None
    return Attachment(
        muscle=entry["muscle"], role=entry["role"], bone=entry["bone"], name=entry["name"], points=points
    )


def load_centrelines(path: Path) -> tuple[dict[str, tuple[Point, ...]], list[Problem]]:
    """The nerves' and ligaments' centre lines (the mesh build's ``centrelines.json``) that
    are finite polylines; every bad one is reported."""
    return _named_table(
        path,
        "centrelines",
        lambda value: _points(value, least=2),
        "centreline",
        "[[x, y, z], ...], at least 2 points, finite mm",
    )
