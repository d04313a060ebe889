"""The structures of the atlas, described in ``annotations/structures.yaml``.

Every structure has a stable id that every other file, command and widget uses. Loading
validates each entry on its own: a bad entry is reported as ``file:line: message`` and
skipped, and the valid ones are kept, so one typo never stops the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.model.yaml_lines import Located, load_located, plain


class Kind(StrEnum):
    bone = "bone"
    disc = "disc"
    muscle = "muscle"
    nerve = "nerve"
    ligament = "ligament"


class Side(StrEnum):
    left = "left"
    right = "right"
    midline = "midline"


class Group(StrEnum):
    """The three groups of the structure tree, in display order."""

    bones = "Bones"
    muscles = "Muscles"
    nerves = "Nerves"


_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ROOT = re.compile(r"^(T1[0-2]|T[1-9]|L[1-5]|S[1-5])$")


class Structure(BaseModel):
    """One anatomical structure with its display defaults and mesh."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="stable identifier, lower_snake_case")
    name: str = Field(min_length=1, description="English name")
    latin: str = Field(min_length=1, description="Terminologia Anatomica name")
    kind: Kind
    side: Side
    group: Group
    color: str = Field(description="display colour, #rrggbb")
    mesh: str = Field(description="mesh path relative to meshes/")
    visible: bool = Field(default=True, description="shown when the atlas opens")
    variant: bool = Field(default=False, description="present in only part of the population")
    roots: tuple[str, ...] = Field(default=(), description="spinal nerve roots of a nerve, e.g. L2")

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be lower_snake_case (a-z, 0-9, _), starting with a letter")
        return value

    @field_validator("roots")
    @classmethod
    def _roots_format(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [root for root in value if not _ROOT.match(root)]
        if bad:
            raise ValueError(f"unknown spinal root {bad[0]!r}: use T12, L1-L5 or S1-S4")
        return value

    @model_validator(mode="after")
    def _roots_only_for_nerves(self) -> Structure:
        if self.kind is Kind.nerve and not self.roots:
            raise ValueError("a nerve needs its roots, e.g. roots: [L2, L3, L4]")
        if self.kind is not Kind.nerve and self.roots:
            raise ValueError(f"only nerves have roots, not a {self.kind.value}")
        return self

    @field_validator("color")
    @classmethod
    def _color_format(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError("must be a hex colour like '#e3dac9'")
        return value.lower()


@dataclass(frozen=True)
class AnnotationError:
    """A problem in an annotation file, printed as ``file:line: message``."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class AnnotationFileError(Exception):
    """Raised when an annotation file has problems and the caller asked for strictness."""

    def __init__(self, errors: list[AnnotationError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class Catalogue:
    """The structures, indexed by id, in file order."""

    def __init__(self, structures: list[Structure]):
        self._by_id = {s.id: s for s in structures}

    def __iter__(self) -> Iterator[Structure]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, structure_id: object) -> bool:
        return structure_id in self._by_id

    def __getitem__(self, structure_id: str) -> Structure:
        try:
            return self._by_id[structure_id]
        except KeyError:
            raise KeyError(f"unknown structure id {structure_id!r}") from None

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def in_group(self, group: Group) -> list[Structure]:
        return [s for s in self if s.group == group]


def _pydantic_messages(error: ValidationError, entry: Located) -> list[tuple[int, str]]:
    found = []
    for item in error.errors():
        key = item["loc"][0] if item["loc"] else None
        label = f"'{key}': " if key is not None else ""
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "missing":
            message = "missing required field"
        elif item["type"] == "enum":
            message = f"must be one of {item.get('ctx', {}).get('expected', '')}"
        found.append((entry.line_of(key) if key is not None else entry.line, f"{label}{message}"))
    return found


def load_catalogue(path: Path, meshes_dir: Path | None = None) -> tuple[Catalogue, list[AnnotationError]]:
    """Read a structures file; return the valid structures and every problem found.

    ``meshes_dir``, when given, is checked for each structure's mesh file.
    """
    path = Path(path)
    errors: list[AnnotationError] = []
    try:
        document = load_located(path)
    except OSError as exc:
        return Catalogue([]), [AnnotationError(path, 0, f"cannot read file: {exc.strerror}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return Catalogue([]), [AnnotationError(path, line, f"invalid YAML: {problem}")]

    if not isinstance(document, Located) or "structures" not in document.value:
        line = document.line if isinstance(document, Located) else 1
        return Catalogue([]), [AnnotationError(path, line, "expected a mapping with 'structures:'")]
    entries = document.value["structures"]
    if not isinstance(entries, list):
        return Catalogue([]), [
            AnnotationError(path, document.line_of("structures"), "'structures' must be a list")
        ]

    structures: list[Structure] = []
    seen: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry, Located):
            line = document.line_of("structures")
            errors.append(AnnotationError(path, line, "each structure must be a mapping"))
            continue
        try:
            structure = Structure.model_validate(plain(entry))
        except ValidationError as exc:
            errors.extend(AnnotationError(path, ln, msg) for ln, msg in _pydantic_messages(exc, entry))
            continue
        if structure.id in seen:
            errors.append(
                AnnotationError(
                    path,
                    entry.line_of("id"),
                    f"duplicate id '{structure.id}' (first defined on line {seen[structure.id]})",
                )
            )
            continue
        if meshes_dir is not None and not (Path(meshes_dir) / structure.mesh).is_file():
            errors.append(
                AnnotationError(path, entry.line_of("mesh"), f"'mesh': file not found: {structure.mesh}")
            )
            continue
        seen[structure.id] = entry.line_of("id")
        structures.append(structure)
    return Catalogue(structures), errors
