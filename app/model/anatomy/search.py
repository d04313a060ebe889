"""Find what a name means: a structure, a group of structures, or a place on a bone.

Structures come from the catalogue; places (landmarks and bony features) and group terms from
``annotations/search.yaml`` (schema in ``annotations/README.md``), resolved against the
landmarks and attachment regions of ``meshes/``. Every name is searched in English, in Latin,
by its synonyms and abbreviations, typos forgiven.

Ranking: an exact name (case, punctuation and side words aside) beats a name the query begins,
which beats a name whose words all begin with the query's words, which beats a fuzzy match
(difflib's similarity per word, for a word that is a typo of one of the name's, within a budget
by its length, or lies inside one: "psoas" in iliopsoas), so "trochanter minor" finds the
lesser trochanter and not the psoas minor, and "psoas" no longer finds PSIS. On a tie a group
wins over a structure, and a structure over a place.

Sides: "left lesser trochanter" (or *sinister*) picks that side. A query without a side picks,
for a structure or a place, the side of the current selection, or the right one when the
selection has no side (or there is none); a group term without a side selects both sides.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz.distance import OSA

from app.fonts import DrawnLine
from app.model.anatomy.landmarks import Attachment, Point
from app.model.anatomy.structures import Catalogue, Structure
from app.model.io.documents import (
    Located,
    Problem,
    did_you_mean,
    plain,
    pydantic_problems,
    read_mapping,
)

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = ("right", "left")
#: Words that say a side, in English and Latin; they are not part of any name's match.
SIDE_WORDS: dict[str, Side] = {
    "left": "left",
    "sinister": "left",
    "sinistra": "left",
    "sinistrum": "left",
    "right": "right",
    "dexter": "right",
    "dextra": "right",
    "dextrum": "right",
}
#: Fuzzy matches scoring below this are not matches.
CUTOFF = 0.6
#: Typos forgiven in a query word, by its length: none up to 2 letters, one up to 5, two
#: beyond (Elasticsearch's ``fuzziness: AUTO``). Without it difflib's ratio alone let "psoas"
#: match "PSIS" (0.67: three letters of nine in common), two letters changed in five.
TYPO_BUDGET = ((2, 0), (5, 1))
#: A query word this long found inside a longer name word matches it ("psoas" in iliopsoas).
INFIX_MIN = 4
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


# --- the annotation file -------------------------------------------------------------------


class _Named(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: DrawnLine = Field(min_length=1, max_length=80, description="English name, without a side (a label)")
    latin: DrawnLine = Field(min_length=1, max_length=120, description="Terminologia Anatomica name")
    synonyms: tuple[str, ...] = Field(default=(), description="other names and abbreviations (ASIS)")
    sources: tuple[str, ...] = Field(min_length=1, description="keys of sources.yaml")

    @field_validator("synonyms")
    @classmethod
    def _synonyms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not 0 < len(s) <= 80 for s in value):
            raise ValueError("each synonym must be 1 to 80 characters")
        return value


class PlaceEntry(_Named):
    """A landmark or bony feature: where it is and the bone it lies on."""

    bone: tuple[str, ...] = Field(min_length=1, description="structure id(s), or id(s) without the side")
    landmark: str | None = Field(default=None, description="landmark name without its side")
    regions: tuple[str, ...] = Field(default=(), description="attachment region names")

    @field_validator("bone", "regions", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _somewhere(self) -> PlaceEntry:
        if self.landmark is None and not self.regions:
            raise ValueError("a place needs a 'landmark' or 'regions' that say where it is")
        return self


class GroupEntry(_Named):
    """A term that means several structures (iliopsoas: psoas major and iliacus)."""

    members: tuple[str, ...] = Field(min_length=1, description="structure ids, or ids without the side")


ENTRY_FIELDS = {*PlaceEntry.model_fields, *GroupEntry.model_fields}


@dataclass(frozen=True)
class Target:
    """What a search result does: select ``structure_ids`` (the first selected, the others
    highlighted with it) and, for a place, mark ``point`` with ``name`` and look at ``centre``."""

    kind: Literal["structure", "group", "place"]
    key: str  # a structure id, a group or place key with its side ("lesser_trochanter_left")
    name: str  # as shown: "Left lesser trochanter"
    structure_ids: tuple[str, ...]
    side: Side | None = None
    point: Point | None = None  # where a place is marked: on its bone
    centre: Point | None = None  # the middle of a place (of a line, such as the pelvic brim)


@dataclass(frozen=True)
class Term:
    """One searchable thing under all its names, with what it means on each side (``None``:
    no side given, or a thing without sides)."""

    labels: tuple[str, ...]
    targets: Mapping[Side | None, Target]
    rank: int  # the tie-break: groups 2, structures 1, places 0
    suggestions: tuple[str, ...]  # what the search box offers while typing

    def target(self, side: Side | None, prefer: Side | None) -> Target:
        if side is not None and side in self.targets:
            return self.targets[side]
        if None in self.targets:
            return self.targets[None]
        return self.targets.get(prefer or "right") or next(iter(self.targets.values()))


@dataclass(frozen=True)
class Places:
    """The places and group terms of a search annotation file, resolved, as search terms."""

    terms: tuple[Term, ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key -> source keys


def _side_of(structure_id: str) -> Side | None:
    for side in SIDES:
        if structure_id.endswith("_" + side):
            return side
    return None


def in_sentence(name: str) -> str:
    """A name as it reads inside a sentence: ``Right iliacus`` -> ``right iliacus``, while
    ``L3 vertebra`` keeps its capital."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def sided_name(name: str, side: Side | None) -> str:
    """``Lesser trochanter`` on the left: ``Left lesser trochanter`` (``L3 ...`` keeps its case)."""
    if side is None:
        return name
    return f"{side.capitalize()} {in_sentence(name)}"


def _resolve_ids(names: Iterable[str], catalogue: Catalogue, side: Side | None) -> list[str]:
    """Structure ids for ids or base ids on a side (None: both sides)."""
    out: list[str] = []
    for name in names:
        if name in catalogue:
            out.append(name)
        else:
            out.extend(f"{name}_{s}" for s in ([side] if side else SIDES) if f"{name}_{s}" in catalogue)
    return out


def _unknown(names: Iterable[str], catalogue: Catalogue) -> list[str]:
    """The names that are neither a structure id nor an id without its side. Structures left
    out for a broken mesh are known (their own problem says why they are missing)."""
    known = {*catalogue.ids, *catalogue.left_out}
    return [n for n in names if n not in known and not any(f"{n}_{s}" in known for s in SIDES)]


def _point(values: np.ndarray) -> Point:
    return (round(float(values[0]), 2), round(float(values[1]), 2), round(float(values[2]), 2))


def _place_targets(
    key: str,
    entry: PlaceEntry,
    catalogue: Catalogue,
    landmarks: Mapping[str, Point],
    attachments: list[Attachment],
) -> tuple[dict[Side | None, Target], list[tuple[str, str]]]:
    """The place on each of its sides, or the problems (field, message) that stop it."""
    problems: list[tuple[str, str]] = []
    lm = entry.landmark
    if lm is not None and lm not in landmarks and not any(f"{lm}_{s}" in landmarks for s in SIDES):
        names = {re.sub(r"_(left|right)$", "", n) for n in landmarks}
        problems.append(("landmark", f"unknown landmark '{lm}'{did_you_mean(lm, names)}"))
    region_names = {a.name for a in attachments}
    for region in entry.regions:
        if region not in region_names:
            problems.append(
                ("regions", f"unknown attachment region '{region}'{did_you_mean(region, region_names)}")
            )
    problems += [("bone", f"unknown structure id '{bone}'") for bone in _unknown(entry.bone, catalogue)]
    if problems or not _resolve_ids(entry.bone, catalogue, None):
        return {}, problems
    sided = (
        (lm is not None and lm not in landmarks)
        or any(_side_of(a.muscle) for a in attachments if a.name in entry.regions)
        or any(b not in catalogue for b in entry.bone)
    )
    targets: dict[Side | None, Target] = {}
    for side in SIDES if sided else (None,):
        parts: list[np.ndarray] = []  # the landmark, each region: each weighs the same
        if lm is not None:
            point = (landmarks.get(f"{lm}_{side}") if side else None) or landmarks.get(lm)
            if point is None:
                problems.append(("landmark", f"landmark '{lm}' has no {side} side"))
                continue
            parts.append(np.asarray([point], dtype=float))
        regions = {  # one region may be listed for several muscles: once
            (a.name, a.bone): a
            for a in attachments
            if a.name in entry.regions and _side_of(a.muscle) in (side, None)
        }
        if entry.regions and not regions:
            problems.append(("regions", f"no {side} attachment region named {', '.join(entry.regions)}"))
            continue
        parts += [np.asarray(a.points, dtype=float) for a in regions.values()]
        centre = np.mean([part.mean(axis=0) for part in parts], axis=0)
        points = np.vstack(parts)
        nearest = points[int(np.argmin(np.linalg.norm(points - centre, axis=1)))]
        targets[side] = Target(
            "place",
            f"{key}_{side}" if side else key,
            sided_name(entry.name, side),
            tuple(dict.fromkeys(_resolve_ids(entry.bone, catalogue, side))),
            side,
            _point(nearest),
            _point(centre),
        )
    return targets, problems


def _group_targets(key: str, entry: GroupEntry, catalogue: Catalogue) -> dict[Side | None, Target]:
    targets: dict[Side | None, Target] = {}
    sided = any(m not in catalogue for m in entry.members)
    for side in (*SIDES, None) if sided else (None,):
        ids = _resolve_ids(entry.members, catalogue, side)
        if not ids:
            continue
        if side is None and sided:  # both sides: one side's members, then the other's
            ids = sorted(ids, key=lambda i: SIDES.index(_side_of(i) or "right"))
        name = sided_name(entry.name, side)
        targets[side] = Target("group", f"{key}_{side}" if side else key, name, tuple(ids), side)
    return targets


def load_places(
    path: Path,
    catalogue: Catalogue,
    landmarks: Mapping[str, Point],
    attachments: list[Attachment],
    sources: Mapping[str, str] | None = None,
) -> tuple[Places, list[Problem]]:
    """Read a search annotation file (``places:`` and ``groups:``); keep every valid entry and
    report every problem as ``file:line: message``. Source keys are checked when ``sources``
    is given."""
    path = Path(path)
    document, errors = read_mapping(path, expected="places")
    if document is None:
        return Places(), errors
    terms: list[Term] = []
    cited: dict[str, tuple[str, ...]] = {}
    for section, model in (("places", PlaceEntry), ("groups", GroupEntry)):
        if section not in document.value:
            continue
        table = document.value[section]
        if not isinstance(table, Located):
            errors.append(Problem(path, document.line_of(section), f"'{section}' must map keys to entries"))
            continue
        for key, raw in table.value.items():
            line = table.line_of(key)
            if not _KEY.match(key):
                errors.append(Problem(path, line, f"'{key}': keys are lower_snake_case"))
                continue
            if key in cited:
                errors.append(Problem(path, line, f"'{key}': a place and a group share this key"))
                continue
            if not isinstance(raw, Located):
                errors.append(Problem(path, line, f"'{key}': expected a mapping of fields"))
                continue
            try:
                entry = model.model_validate(plain(raw))
            except ValidationError as exc:
                for loc, message in pydantic_problems(exc.errors(), ENTRY_FIELDS, prefix=f"{key}."):
                    if not loc:  # the entry as a whole
                        errors.append(Problem(path, line, message.replace(f"'{key}.'", f"'{key}'", 1)))
                    else:
                        errors.append(Problem(path, raw.line_of(loc[0]), message))
                continue
            unknown = [s for s in entry.sources if sources is not None and s not in sources]
            for source in unknown:
                errors.append(Problem(path, raw.line_of("sources"), f"'{key}': unknown source '{source}'"))
            if isinstance(entry, PlaceEntry):
                targets, problems = _place_targets(key, entry, catalogue, landmarks, attachments)
                for name, message in problems:
                    errors.append(Problem(path, raw.line_of(name), f"'{key}.{name}': {message}"))
                if problems:
                    continue
                rank = 0
            else:
                assert isinstance(entry, GroupEntry)
                bad = _unknown(entry.members, catalogue)
                for name in bad:
                    message = f"'{key}.members': unknown structure id '{name}'"
                    errors.append(Problem(path, raw.line_of("members"), message))
                if bad:
                    continue
                targets, rank = _group_targets(key, entry, catalogue), 2
            if unknown or not targets:  # not targets: every member left out for its mesh
                continue
            cited[key] = entry.sources
            labels = (entry.name, entry.latin, *entry.synonyms, key.replace("_", " "))
            # A place is offered on each side; a group term as it is (it means both sides).
            names = [t.name for t in targets.values() if t.side is not None and rank == 0] or [entry.name]
            terms.append(Term(labels, targets, rank, (*names, entry.latin, *entry.synonyms)))
    return Places(tuple(terms), cited), errors


def load_shipped_places(
    annotations_dir: Path,
    catalogue: Catalogue,
    landmarks: Mapping[str, Point],
    attachments: list[Attachment],
) -> tuple[Places, list[Problem]]:
    """``annotations_dir/search.yaml``, its sources checked against ``sources.yaml``."""
    from app.model.anatomy.content import load_sources

    sources, _ = load_sources(Path(annotations_dir) / "sources.yaml")  # its problems: the library's
    return load_places(Path(annotations_dir) / "search.yaml", catalogue, landmarks, attachments, sources)


# --- searching -----------------------------------------------------------------------------


@dataclass(order=True, frozen=True)
class Match:
    """A search result: the score it ranked by, what it does, and the name that matched."""

    score: float
    target: Target = field(compare=False)
    matched: str = field(compare=False)

    @property
    def structure_id(self) -> str:
        """The structure it selects (the first, for a group or a place)."""
        return self.target.structure_ids[0]

    @property
    def kind(self) -> str:
        return self.target.kind

    @property
    def name(self) -> str:
        return self.target.name


@dataclass(frozen=True)
class Mark:
    """A place marked in the scene (a landmark found by search): a name at a point (RAS mm)."""

    name: str
    point: Point
    #: The bones it lies on: it moves with them in a pose.
    on: tuple[str, ...] = ()


def words(text: str) -> list[str]:
    """The words of a name or query, lower case, parenthesised asides left out."""
    return re.findall(r"[a-z0-9]+", re.sub(r"\([^)]*\)", " ", text.lower()))


def split_side(text: str) -> tuple[list[str], Side | None]:
    """A query's words without its side words, and the side they name (the last one wins)."""
    side: Side | None = None
    kept = []
    for word in words(text):
        if word in SIDE_WORDS:
            side = SIDE_WORDS[word]
        else:
            kept.append(word)
    return kept, side


def structure_terms(catalogue: Catalogue) -> list[Term]:
    """The catalogue's structures as search terms, the two sides of one under one term."""
    by_base: dict[str, list[Structure]] = {}
    for structure in catalogue:
        side = _side_of(structure.id)
        base = structure.id[: -len(side) - 1] if side and structure.side.value == side else structure.id
        by_base.setdefault(base, []).append(structure)
    terms = []
    for base, structures in by_base.items():
        labels = [label for s in structures for label in (s.name, s.latin)]
        labels.append(base.replace("_", " "))
        targets: dict[Side | None, Target] = {}
        for s in structures:
            side = s.side.value if s.side.value in SIDES else None
            targets[side] = Target("structure", s.id, s.name, (s.id,), side)
        suggestions = tuple(dict.fromkeys(label for s in structures for label in (s.name, s.latin)))
        terms.append(Term(tuple(dict.fromkeys(labels)), targets, 1, suggestions))
    return terms


class _Ratios:
    """difflib's similarity of query words to name words, each pair computed once a search."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], float] = {}

    def __call__(self, word: str, candidate: str) -> float:
        pair = (word, candidate)
        if pair not in self._cache:
            self._cache[pair] = difflib.SequenceMatcher(None, word, candidate).ratio()
        return self._cache[pair]


def typos(word: str, other: str) -> int:
    """Letters to change, add, remove or swap with a neighbour to make ``other`` from ``word``
    (the optimal string alignment distance, rapidfuzz's)."""
    return int(OSA.distance(word, other))


def typo_budget(word: str) -> int:
    """How many typos a query word may have (see :data:`TYPO_BUDGET`)."""
    return next((edits for longest, edits in TYPO_BUDGET if len(word) <= longest), 2)


def word_score(word: str, candidate: str, ratio: _Ratios) -> float:
    """How well one query word matches one word of a name: 1 when it begins it; difflib's
    similarity when it lies inside it (a compound) or is a typo of it; else 0."""
    if candidate.startswith(word):
        return 1.0
    if len(word) >= INFIX_MIN and word in candidate:
        return ratio(word, candidate)
    if abs(len(word) - len(candidate)) > typo_budget(word):  # more typos than allowed
        return 0.0
    return ratio(word, candidate) if typos(word, candidate) <= typo_budget(word) else 0.0


def score(query: list[str], name: list[str], ratio: _Ratios) -> float:
    """How well query words match a name's words: 3 exact, 2 to 3 a prefix of the whole name,
    1 to 2 every query word begins a word of the name, under 1 fuzzy (0 for no match). A
    fuzzy match averages each query word's best :func:`word_score`: a word that is no typo of
    any word of the name counts 0 (so "psoas major" does not find the trochanter major)."""
    if not query or not name:
        return 0.0
    if query == name:
        return 3.0
    query_text, name_text = " ".join(query), " ".join(name)
    if name_text.startswith(query_text):
        return 2.0 + len(query_text) / len(name_text)
    free = list(name)
    for word in query:
        hit = next((w for w in free if w.startswith(word)), None)
        if hit is None:
            break
        free.remove(hit)
    else:
        covered = sum(len(w) for w in query) / sum(len(w) for w in name)
        return 1.0 + min(covered, 0.999)
    best = [max(word_score(word, w, ratio) for w in name) for word in query]
    fuzzy = sum(best) / len(best) - 0.01 * max(0, len(name) - len(query))
    return min(fuzzy, 0.999)


class SearchIndex:
    """Every structure, group and place under all its names."""

    def __init__(self, catalogue: Catalogue, places: Places | None = None):
        self.catalogue = catalogue
        self.places = places or Places()
        self.terms: list[Term] = [*structure_terms(catalogue), *self.places.terms]
        self._label_words = [[(label, words(label)) for label in term.labels] for term in self.terms]
        for labelled in self._label_words:  # side words in a name ("Right femur") are no match
            for i, (label, name_words) in enumerate(labelled):
                labelled[i] = (label, [w for w in name_words if w not in SIDE_WORDS])

    def search(
        self, query: str, limit: int = 10, prefer: Side | None = None, cutoff: float = CUTOFF
    ) -> list[Match]:
        """The best matches for ``query``, best first, one per term; a term's side is the
        query's, else ``prefer``'s (the selection's), else the right."""
        query_words, side = split_side(query)
        if not query_words:
            return []
        ratio = _Ratios()
        found: list[tuple[float, int, int, Match]] = []
        for order, (term, labelled) in enumerate(zip(self.terms, self._label_words, strict=True)):
            best, matched = 0.0, ""
            for label, name_words in labelled:
                value = score(query_words, name_words, ratio)
                if value > best:
                    best, matched = value, label
            if best >= cutoff:
                target = term.target(side, prefer)
                if split_side(matched)[0] == split_side(target.name)[0]:
                    matched = target.name  # "Right lumbar plexus" matched the left one
                match = Match(round(best, 6), target, matched)
                found.append((-match.score, -term.rank, order, match))
        found.sort(key=lambda item: item[:3])
        return [item[3] for item in found[:limit]]

    def names(self) -> list[str]:
        """What the search box suggests: every name (with its side, for what has one), Latin
        name and synonym."""
        return sorted({name for term in self.terms for name in term.suggestions}, key=str.lower)


def preferred_side(catalogue: Catalogue, selected: str | None) -> Side | None:
    """The side a query without one means: the side of the selected structure, if it has one."""
    if selected is None or selected not in catalogue:
        return None
    side = catalogue[selected].side.value
    return side if side in SIDES else None


def search(catalogue: Catalogue, query: str, limit: int = 10, cutoff: float = CUTOFF) -> list[Match]:
    """Structures whose English or Latin name (or id) matches ``query``, best first."""
    return SearchIndex(catalogue).search(query, limit, cutoff=cutoff)
