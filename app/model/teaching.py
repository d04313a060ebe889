"""What a selection shows: painted attachments, the plexus seen through psoas, root levels.

Pure functions of the scene state, so the rules that make the anatomy teach are tested
without Qt or VTK; the renderer only draws what :func:`emphasis` returns.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from app.model.anatomy import Catalogue, Kind, Structure
from app.model.landmarks import Attachment

#: Opacity of bones and discs in the X-ray mode.
XRAY_OPACITY = 0.25
#: Opacity of a muscle made see-through so the nerves inside it show.
SEE_THROUGH = 0.3
ROOT_VERTEBRA = {
    "T12": "vertebra_t12",
    "L1": "vertebra_l1",
    "L2": "vertebra_l2",
    "L3": "vertebra_l3",
    "L4": "vertebra_l4",
    "L5": "vertebra_l5",
}


@dataclass(frozen=True)
class Emphasis:
    """How the scene is emphasised for the current selection."""

    selected: str | None = None
    attachments: tuple[Attachment, ...] = ()
    see_through: frozenset[str] = frozenset()  # muscles drawn translucent
    reveal: frozenset[str] = frozenset()  # structures shown even if hidden (the plexus path)
    root_levels: tuple[str, ...] = ()  # vertebrae lit for a nerve's roots
    focus_attachment: Attachment | None = None
    also: tuple[str, ...] = ()  # further structures highlighted and labelled with the selection


def side_of(structure: Structure) -> str | None:
    return structure.side.value if structure.side.value in ("left", "right") else None


def _plexus_path(catalogue: Catalogue, side: str | None) -> set[str]:
    return {s.id for s in catalogue if s.kind is Kind.nerve and (side is None or s.side.value == side)}


def emphasis(
    catalogue: Catalogue,
    attachments: list[Attachment],
    selected: str | None,
    focus: Attachment | None = None,
    also: tuple[str, ...] = (),
) -> Emphasis:
    """The emphasis rules.

    - a muscle: its origins and insertions are painted;
    - a bone or disc: what attaches to it is painted;
    - psoas major, the lumbar plexus or any of its nerves: psoas turns see-through and the
      plexus path of that side is revealed;
    - a nerve: the vertebrae of its root levels light up.
    """
    if selected is None:
        return Emphasis()
    structure = catalogue[selected]
    painted = tuple(a for a in attachments if selected in (a.muscle, a.bone))
    see_through: set[str] = set()
    reveal: set[str] = set()
    roots: tuple[str, ...] = ()
    side = side_of(structure)
    if structure.kind is Kind.nerve or selected.startswith("psoas_major"):
        psoas = f"psoas_major_{side}"
        if psoas in catalogue:
            see_through.add(psoas)
        reveal |= _plexus_path(catalogue, side)
    if structure.kind is Kind.nerve:
        levels = (ROOT_VERTEBRA.get(r) for r in structure.roots)
        roots = tuple(v for v in levels if v is not None and v in catalogue)
    return Emphasis(
        selected=selected,
        attachments=painted,
        see_through=frozenset(see_through),
        reveal=frozenset(reveal),
        root_levels=roots,
        focus_attachment=focus if focus in painted else None,
        also=tuple(a for a in also if a != selected),
    )


def context_of(catalogue: Catalogue, attachments: list[Attachment], structure_id: str) -> set[str]:
    """What isolating a structure keeps beside it: the bones it attaches to, the muscles
    attached to a bone, a nerve's root vertebrae and the psoas it runs through."""
    structure = catalogue[structure_id]
    keep = {structure_id}
    for a in attachments:
        if structure_id == a.muscle:
            keep.add(a.bone)
        if structure_id == a.bone:
            keep.add(a.muscle)
    if structure.kind is Kind.nerve:
        keep |= {ROOT_VERTEBRA[r] for r in structure.roots if r in ROOT_VERTEBRA}
        side = side_of(structure)
        if side:
            keep |= {f"psoas_major_{side}", f"hip_bone_{side}", "sacrum"}
    return {sid for sid in keep if sid in catalogue}


@dataclass(order=True)
class Match:
    score: float
    structure_id: str = field(compare=False)
    matched: str = field(compare=False)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def search(catalogue: Catalogue, query: str, limit: int = 10, cutoff: float = 0.6) -> list[Match]:
    """Structures whose English or Latin name (or id) matches ``query``, best first.

    Tolerant of typos: each query word is matched to the closest word of the name with
    difflib's similarity ratio; a name scores the mean over the query's words.
    """
    words = _words(query)
    if not words:
        return []
    found: list[Match] = []
    for structure in catalogue:
        best: Match | None = None
        for label in (structure.name, structure.latin, structure.id.replace("_", " ")):
            name_words = _words(label)
            if not name_words:
                continue
            scores = []
            for word in words:
                ratios = [
                    1.0
                    if candidate.startswith(word) and len(word) >= 2
                    else difflib.SequenceMatcher(None, word, candidate).ratio()
                    for candidate in name_words
                ]
                scores.append(max(ratios))
            score = sum(scores) / len(scores) - 0.01 * max(0, len(name_words) - len(words))
            if best is None or score > best.score:
                best = Match(score, structure.id, label)
        if best is not None and best.score >= cutoff:
            found.append(best)
    found.sort(reverse=True)
    return found[:limit]
