"""The structures of the atlas, described in ``annotations/structures.yaml``.

Every structure has a stable id that every other file, command and widget uses. Loading
validates each entry on its own: a bad entry is reported as ``file:line: message`` and
skipped, and the valid ones are kept, so one typo never stops the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.fonts import DrawnLine
from app.model.anatomy.meshes import check_mesh
from app.model.io.documents import Located, Problem, plain, pydantic_problems, read_mapping

__all__ = ["Catalogue", "Group", "Kind", "Problem", "Side", "Structure", "load_catalogue"]


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
    """The groups of the structure tree, in display order: the atlas' own structures, then
    the rest of the skeleton drawn as context (dimmed, shown or hidden together)."""

    bones = "Bones"
    muscles = "Muscles"
    nerves = "Nerves"
    context = "Context skeleton"


_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ROOT = re.compile(r"^(T1[0-2]|T[1-9]|L[1-5]|S[1-5])$")


class Structure(BaseModel):
    """One anatomical structure with its display defaults and mesh."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="stable identifier, lower_snake_case")
    name: DrawnLine = Field(min_length=1, max_length=80, description="English name (labels, quiz prompts)")
    latin: DrawnLine = Field(min_length=1, max_length=120, description="Terminologia Anatomica name")
    kind: Kind
    side: Side
    group: Group
    color: str = Field(description="display colour, #rrggbb")
    mesh: str = Field(max_length=300, description="mesh path relative to meshes/")
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


class Catalogue:
    """The structures, indexed by id, in file order.

    ``left_out`` holds the ids of structures described correctly whose mesh could not be
    used: lessons and bookmarks that name them still work, without them."""

    def __init__(self, structures: list[Structure], left_out: frozenset[str] = frozenset()):
        self._by_id = {s.id: s for s in structures}
        self.left_out = left_out - set(self._by_id)

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


def load_catalogue(path: Path, meshes_dir: Path | None = None) -> tuple[Catalogue, list[Problem]]:
    """Read a structures file; return the valid structures and every problem found.

    ``meshes_dir``, when given, must hold each structure's mesh, inside it (symlinks
    resolved), as a well-formed PLY file: a structure whose mesh is missing, outside or
    broken is left out with its problem, so that the viewer goes on without it.
    """
    path = Path(path)
    document, errors = read_mapping(path, expected="structures")
    if document is None:
        return Catalogue([]), errors
    entries = document.value["structures"]
    if not isinstance(entries, list):
        return Catalogue([]), [Problem(path, document.line_of("structures"), "'structures' must be a list")]
    fields = Structure.model_fields
    structures: list[Structure] = []
    left_out: set[str] = set()
    seen: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry, Located):
            line = document.line_of("structures")
            errors.append(Problem(path, line, "each structure must be a mapping"))
            continue
        try:
            structure = Structure.model_validate(plain(entry))
        except ValidationError as exc:
            for loc, message in pydantic_problems(exc.errors(), fields):
                line = entry.line_of(loc[0]) if loc else entry.line
                errors.append(Problem(path, line, message))
            continue
        if structure.id in seen:
            errors.append(
                Problem(
                    path,
                    entry.line_of("id"),
                    f"duplicate id '{structure.id}' (first defined on line {seen[structure.id]})",
                )
            )
            continue
        if meshes_dir is not None:
            problem = mesh_problem(Path(meshes_dir), structure.mesh)
            if problem:
                errors.append(Problem(path, entry.line_of("mesh"), f"'mesh': {problem}"))
                left_out.add(structure.id)
                continue
        seen[structure.id] = entry.line_of("id")
        structures.append(structure)
    return Catalogue(structures, frozenset(left_out)), errors


def mesh_problem(meshes_dir: Path, relative: str) -> str | None:
    """Why ``relative`` is not a usable mesh inside ``meshes_dir``, or None.

    The path must stay inside the folder (``../`` and symlinks out of it are refused: an
    export would copy whatever they point at), and the file must be a well-formed PLY."""
    root = Path(meshes_dir).resolve()
    target = (root / relative).resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(root):
        return f"{relative} is outside the meshes folder"
    if not target.exists():
        return f"file not found: {relative}"
    problem = check_mesh(target)
    return f"{relative}: {problem}" if problem else None
