"""What a selection shows: painted attachments, the plexus seen through psoas, the foramina
its roots leave by.

Pure functions of the scene state, so the rules that make the anatomy teach are tested
without Qt or VTK; the renderer only draws what :func:`emphasis` returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.model.anatomy.landmarks import Attachment
from app.model.anatomy.structures import Catalogue, Group, Kind, Structure

#: Opacity of bones and discs in the X-ray mode.
XRAY_OPACITY = 0.25
#: Opacity of a muscle made see-through so the nerves inside it show.
SEE_THROUGH = 0.3
#: Opacity the context skeleton (legs below the thigh, trunk and arms) is drawn with until
#: the user changes it: there to say where the body is, not to be looked at.
CONTEXT_OPACITY = 0.35


def default_opacity(structure: Structure) -> float:
    """The opacity a structure opens with, and goes back to (X-ray off, a lesson's step):
    dimmed for the context skeleton, opaque for the rest."""
    return CONTEXT_OPACITY if structure.group is Group.context else 1.0


ROOT_VERTEBRA = {
    "T12": "vertebra_t12",
    "L1": "vertebra_l1",
    "L2": "vertebra_l2",
    "L3": "vertebra_l3",
    "L4": "vertebra_l4",
    "L5": "vertebra_l5",
}
#: The intervertebral foramen each spinal nerve leaves by: below the pedicle of its own
#: vertebra, so the L2 nerve leaves through the L2/L3 foramen (and L5 through L5/S1).
ROOT_FORAMEN = {
    "T12": "t12_l1",
    "L1": "l1_l2",
    "L2": "l2_l3",
    "L3": "l3_l4",
    "L4": "l4_l5",
    "L5": "l5_s1",
}
#: The bone below each foramen (isolating a nerve keeps both bones around its foramina).
_BELOW = {
    "T12": "vertebra_l1",
    "L1": "vertebra_l2",
    "L2": "vertebra_l3",
    "L3": "vertebra_l4",
    "L4": "vertebra_l5",
    "L5": "sacrum",
}
_FORAMEN = re.compile(r"^intervertebral_foramen_([a-z0-9]+)_([a-z0-9]+)_(left|right)$")


def foramen_landmark(root: str, side: str) -> str | None:
    """The landmark of the foramen the spinal nerve ``root`` leaves by on ``side``
    (``"L2"``, ``"right"`` -> ``intervertebral_foramen_l2_l3_right``), or None."""
    level = ROOT_FORAMEN.get(root)
    return f"intervertebral_foramen_{level}_{side}" if level else None


def foramen_level(landmark: str) -> str | None:
    """The spinal nerve that leaves by a foramen landmark (``..._l2_l3_right`` -> ``"L2"``)."""
    match = _FORAMEN.match(landmark)
    return match.group(1).upper() if match else None


@dataclass(frozen=True)
class Emphasis:
    """How the scene is emphasised for the current selection."""

    selected: str | None = None
    attachments: tuple[Attachment, ...] = ()
    see_through: frozenset[str] = frozenset()  # muscles drawn translucent
    reveal: frozenset[str] = frozenset()  # structures shown even if hidden (the plexus path)
    #: The foramina a nerve's roots leave by (landmark names), on the nerve's side.
    root_levels: tuple[str, ...] = ()
    focus_attachment: Attachment | None = None
    also: tuple[str, ...] = ()  # further structures highlighted and labelled with the selection
    ghosted: frozenset[str] = frozenset()  # in front of the focused site (see app.model.scene.sites)


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
    - a nerve: the intervertebral foramina its roots leave by, on its side, are marked.
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
        sides = (side,) if side else ("right", "left")
        found = (foramen_landmark(r, s) for r in structure.roots for s in sides)
        roots = tuple(name for name in found if name is not None)
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
    attached to a bone, the vertebrae around the foramina of a nerve's roots and the psoas it
    runs through."""
    structure = catalogue[structure_id]
    keep = {structure_id}
    for a in attachments:
        if structure_id == a.muscle:
            keep.add(a.bone)
        if structure_id == a.bone:
            keep.add(a.muscle)
    if structure.kind is Kind.nerve:
        keep |= {ROOT_VERTEBRA[r] for r in structure.roots if r in ROOT_VERTEBRA}
        keep |= {_BELOW[r] for r in structure.roots if r in _BELOW}
        side = side_of(structure)
        if side:
            keep |= {f"psoas_major_{side}", f"hip_bone_{side}", "sacrum"}
    return {sid for sid in keep if sid in catalogue}
