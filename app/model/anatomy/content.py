"""Teaching content: what the panel says about each structure, every fact with its source.

Content lives in YAML under ``annotations/content/`` (one file per topic) and the shared
bibliography in ``annotations/sources.yaml``; the schema is in ``annotations/README.md``.
A content entry is keyed by a structure id, or by an id without its side
(``psoas_major`` covers ``psoas_major_left`` and ``psoas_major_right``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.fonts import DrawnLine, DrawnLines
from app.model.anatomy.structures import Catalogue, Kind, Problem
from app.model.io.documents import Located, line_at, plain, pydantic_problems, read_mapping

#: Longest text of one fact, correction or citation (the longest shipped is under 700).
MAX_TEXT = 4000

SIDE_SUFFIXES = ("_left", "_right")


class Fact(BaseModel):
    """One statement in the project's own words, with the sources that support it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Drawn too: quiz questions and answers are made of the facts.
    text: DrawnLines = Field(min_length=10, max_length=MAX_TEXT)
    sources: tuple[str, ...] = Field(min_length=1)


class Clinical(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: DrawnLine = Field(min_length=3, max_length=200)
    text: DrawnLines = Field(min_length=10, max_length=MAX_TEXT)
    sources: tuple[str, ...] = Field(min_length=1)


class Misconception(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: DrawnLines = Field(min_length=5, max_length=MAX_TEXT)
    correction: DrawnLines = Field(min_length=10, max_length=MAX_TEXT)
    sources: tuple[str, ...] = Field(min_length=1)


class Entry(BaseModel):
    """Everything the panel shows for one structure (or both sides of one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    summary: Fact
    # muscles
    origin: tuple[Fact, ...] = ()
    insertion: tuple[Fact, ...] = ()
    action: tuple[Fact, ...] = ()
    innervation: tuple[Fact, ...] = ()
    # nerves
    course: tuple[Fact, ...] = ()
    supplies: tuple[Fact, ...] = ()
    # bones, discs, ligaments
    features: tuple[Fact, ...] = ()
    clinical: tuple[Clinical, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()

    def facts(self) -> list[tuple[str, Fact | Clinical | Misconception]]:
        """Every sourced item with the name of its field."""
        out: list[tuple[str, Fact | Clinical | Misconception]] = [("summary", self.summary)]
        for name in ("origin", "insertion", "action", "innervation", "course", "supplies", "features"):
            out.extend((name, fact) for fact in getattr(self, name))
        out.extend(("clinical", c) for c in self.clinical)
        out.extend(("misconceptions", m) for m in self.misconceptions)
        return out


#: Fields each kind must have (beyond the summary) and may have.
REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.muscle: ("origin", "insertion", "action", "innervation"),
    Kind.nerve: ("course", "supplies"),
    Kind.bone: ("features",),
    Kind.disc: ("features",),
    Kind.ligament: ("features",),
}
ALLOWED: dict[Kind, set[str]] = {
    kind: set(fields) | {"summary", "clinical", "misconceptions"} for kind, fields in REQUIRED.items()
}
#: Every field name in a content entry, for spelling hints.
CONTENT_FIELDS = {
    *Entry.model_fields,
    *Fact.model_fields,
    *Clinical.model_fields,
    *Misconception.model_fields,
}


@dataclass
class Library:
    """The bibliography and the content entries, looked up by structure id."""

    sources: dict[str, str] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)

    def entry_for(self, structure_id: str) -> Entry | None:
        if structure_id in self.entries:
            return self.entries[structure_id]
        return self.entries.get(base_id(structure_id))


def base_id(structure_id: str) -> str:
    for suffix in SIDE_SUFFIXES:
        if structure_id.endswith(suffix):
            return structure_id[: -len(suffix)]
    return structure_id


def _targets(key: str, catalogue: Catalogue) -> list[str]:
    """Structure ids a content key covers: the id itself, or both sides of a base id."""
    if key in catalogue:
        return [key]
    return [key + suffix for suffix in SIDE_SUFFIXES if key + suffix in catalogue]


def load_sources(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """The bibliography: ``sources: {key: full citation}``."""
    document, errors = read_mapping(Path(path), expected="sources")
    if document is None:
        return {}, errors
    table = document.value.get("sources")
    if not isinstance(table, Located):
        return {}, [Problem(Path(path), document.line, "expected 'sources:' with key: citation")]
    out = {}
    for key, value in table.value.items():
        if not isinstance(value, str) or not 10 <= len(value) <= MAX_TEXT:
            errors.append(Problem(Path(path), table.line_of(key), f"source '{key}': give the full citation"))
        else:
            out[key] = value
    return out, errors


def _cited(located: Any) -> list[tuple[str, int]]:
    """Every (source key, line of its 'sources' key) inside a parsed entry."""
    found: list[tuple[str, int]] = []
    if isinstance(located, Located):
        for key, value in located.value.items():
            if key == "sources" and isinstance(value, list):
                found.extend((str(v), located.line_of(key)) for v in value)
            else:
                found.extend(_cited(value))
    elif isinstance(located, list):
        for item in located:
            found.extend(_cited(item))
    return found


def load_content(
    paths: list[Path], catalogue: Catalogue, sources: dict[str, str]
) -> tuple[dict[str, Entry], list[Problem]]:
    """Read content files; keep every valid entry and report every problem with its line."""
    entries: dict[str, Entry] = {}
    defined: dict[str, tuple[Path, int]] = {}
    errors: list[Problem] = []
    for path in paths:
        path = Path(path)
        document, problems = read_mapping(path, expected="content")
        errors.extend(problems)
        if document is None:
            continue
        table = document.value.get("content")
        if not isinstance(table, Located):
            errors.append(
                Problem(path, document.line, "expected 'content:' mapping structure ids to entries")
            )
            continue
        for key, raw in table.value.items():
            line = table.line_of(key)
            targets = _targets(key, catalogue)
            if not targets:
                errors.append(Problem(path, line, f"unknown structure id '{key}'"))
                continue
            if not isinstance(raw, Located):
                errors.append(Problem(path, line, f"'{key}': expected a mapping of fields"))
                continue
            try:
                entry = Entry.model_validate(plain(raw))
            except ValidationError as exc:
                for loc, message in pydantic_problems(exc.errors(), CONTENT_FIELDS, prefix=f"{key}."):
                    errors.append(Problem(path, line_at(raw, loc), message))
                continue
            kind = catalogue[targets[0]].kind
            bad_fields = [f for f in raw.value if f not in ALLOWED[kind]]
            missing = [f for f in REQUIRED[kind] if not getattr(entry, f)]
            for name in bad_fields:
                errors.append(
                    Problem(path, raw.line_of(name), f"'{key}.{name}': not a field for a {kind.value}")
                )
            for name in missing:
                errors.append(Problem(path, raw.line, f"'{key}': a {kind.value} needs '{name}'"))
            unknown = [(s, ln) for s, ln in _cited(raw) if s not in sources]
            for source, source_line in unknown:
                errors.append(Problem(path, source_line, f"'{key}': unknown source '{source}'"))
            clash = [t for t in targets if t in defined]
            if clash:
                first_path, first_line = defined[clash[0]]
                errors.append(
                    Problem(
                        path, line, f"duplicate content for '{clash[0]}' (first in {first_path}:{first_line})"
                    )
                )
            if bad_fields or missing or unknown or clash:
                continue
            for target in targets:
                entries[target] = entry
                defined[target] = (path, line)
    return entries, errors


def load_library(annotations_dir: Path, catalogue: Catalogue) -> tuple[Library, list[Problem]]:
    """The shipped bibliography and every content file under ``annotations_dir/content``."""
    sources, errors = load_sources(Path(annotations_dir) / "sources.yaml")
    files = sorted((Path(annotations_dir) / "content").glob("*.yaml"))
    entries, content_errors = load_content(files, catalogue, sources)
    return Library(sources, entries), errors + content_errors
