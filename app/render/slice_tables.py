"""The text under the slice drawing: the safe zones' note, the muscles' areas beside the
published ones, and where each nerve lies, laid out by measuring the text as matplotlib
draws it, so that no header runs over its column at any width.

Side by side (areas left, nerves right) on a page; stacked, each nerve's sides on lines of
their own, in a narrow column such as the window's dock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from app.model.anatomy.structures import Catalogue, Kind, Structure
from app.model.sections.cross_section import NervePlace, SectionFacts, Slice
from app.model.sections.planes import DISC_LEVELS, level_label

INK = "#222222"
SAFE_COLOR = "#1a9850"
#: Shorter names for long nerve labels.
SHORT_NAMES = {"lateral_femoral_cutaneous_nerve": "Lat. fem. cutaneous"}
Style = Literal["normal", "italic", "oblique"]
#: Space between two columns, as a share of the figure's width.
GUTTER = 0.025


def short_name(structure: Structure) -> str:
    """The name without its side (the drawing's letters say the side) nor "nerve"."""
    base = structure.id.removesuffix("_right").removesuffix("_left")
    if base in SHORT_NAMES:
        return SHORT_NAMES[base]
    name = re.sub(r"^(Right|Left) ", "", structure.name)
    name = name[0].upper() + name[1:]
    return name.removesuffix(" nerve") if structure.kind is Kind.nerve else name


def short_citation(key: str, sources: Mapping[str, str]) -> str:
    """``Reid et al. 1994`` from a bibliography entry (the key where it has none)."""
    text = sources.get(key, "")
    author = re.match(r"\s*([^\s,]+)", text)
    year = re.search(r"\b(19|20)\d\d\b", text)
    if not author or not year:
        return key
    return f"{author.group(1)} et al. {year.group(0)}"


class Ruler:
    """Text widths as shares of a figure's width, measured by the renderer that draws it."""

    def __init__(self, figure: Figure):
        from matplotlib.backends.backend_agg import RendererAgg

        self.renderer = RendererAgg(1, 1, figure.dpi)
        self.width_px = figure.get_size_inches()[0] * figure.dpi

    def width(self, text: str, size: float, weight: str = "normal", style: Style = "normal") -> float:
        font = FontProperties(size=size, weight=weight, style=style)
        lines = text.split("\n")
        measure = self.renderer.get_text_width_height_descent
        return max(measure(line, font, ismath=False)[0] for line in lines) / self.width_px

    def wrap(
        self, text: str, width: float, size: float, weight: str = "normal", style: Style = "normal"
    ) -> str:
        """``text`` broken between words into lines no wider than ``width`` (a word longer
        than that has a line of its own)."""
        lines: list[str] = []
        for word in text.split():
            wider = f"{lines[-1]} {word}" if lines else word
            if lines and self.width(wider, size, weight, style) <= width:
                lines[-1] = wider
            else:
                lines.append(word)
        return "\n".join(lines) or text


class Column:
    """Text set down a column of the figure, from ``top`` (figure fraction) downwards."""

    def __init__(self, figure: Figure, ruler: Ruler, size: float, left: float, right: float, top: float):
        self.figure, self.ruler, self.size = figure, ruler, size
        self.left, self.right, self.y = left, right, top
        self.line = size * 1.5 / 72 / figure.get_size_inches()[1]

    def text(self, x: float, text: str, scale: float = 1.0, **style: Any) -> int:
        """``text`` at ``x`` on the current line; returns its number of lines."""
        style.setdefault("color", INK)
        self.figure.text(x, self.y, text, fontsize=self.size * scale, va="top", **style)
        return text.count("\n") + 1

    def wrapped(
        self, x: float, text: str, scale: float = 1.0, weight: str = "normal", color: str = INK
    ) -> None:
        """``text`` wrapped from ``x`` to the column's right edge, on lines of its own."""
        said = self.ruler.wrap(text, self.right - x, self.size * scale, weight)
        lines = self.text(x, said, scale, fontweight=weight, color=color)
        self.y -= self.line * (1 + 0.9 * scale * (lines - 1))

    def skip(self, lines: float = 1.0) -> None:
        self.y -= self.line * lines


def zone_note(column: Column, piece: Slice, facts: SectionFacts, sources: Mapping[str, str]) -> None:
    """What the zones are, the working zone at this level, the paper."""
    key = facts.safe_zones_source
    if not piece.frame.axial:
        text = "Safe zones are drawn on axial sections, at the disc spaces."
    elif not piece.zone_bounds:
        studied = [level_label(level) for level in DISC_LEVELS if level in facts.safe_zones]
        span = f" ({studied[0]} to {studied[-1]})" if studied else ""
        text = f"Trans-psoas safe zones are defined at the disc spaces{span}, not at this level."
    else:
        zone = facts.safe_zones.get(piece.level or "")
        level = level_label(piece.level) if piece.level else "this disc"
        if zone is None:
            working = f"no safe working zone was published for {level}"
        else:
            working = f"working zone at {level} (green arrows): {zone.says}"
        text = f"Safe zones I to IV: the disc's depth in quarters, front to back; {working}."
    column.wrapped(column.left, text, color=SAFE_COLOR)
    column.wrapped(column.left, f"{short_citation(key, sources)}: {sources.get(key, key)}", 0.85, color="0.3")


def _where(place: NervePlace, name_of: Callable[[str], str]) -> str:
    """:meth:`NervePlace.describe`, less a zone that is outside the disc's depth."""
    text = place.describe(name_of)
    return re.sub(r" \(zone (anterior|posterior) to [IV]+\)$", "", text)


def area_table(
    column: Column, piece: Slice, catalogue: Catalogue, facts: SectionFacts, sources: Mapping[str, str]
) -> None:
    """The muscles' areas (right, left) under a heading of their own, each with the
    published values, columns as wide as their widest text; then the papers cited."""
    muscles: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    for sid, cut in piece.cuts.items():
        structure = catalogue[sid]
        if structure.kind is Kind.muscle:
            base = sid.removesuffix("_right").removesuffix("_left")
            muscles.setdefault(base, {})[structure.side.value] = cut.area_cm2
            names[base] = short_name(structure)
    ruler, size = column.ruler, column.size
    column.text(column.left, "Cross-sectional area (cm²)", fontweight="bold")
    column.skip()
    if not muscles:
        column.text(column.left, "No muscle is cut here.", color="0.4")
        column.skip()
        return
    name_w = max(ruler.width(t, size) for t in ["Muscle", *names.values()])
    value_w = max(ruler.width(t, size, "bold") for t in ("Right", "Left", "88.8"))
    x_right = column.left + name_w + GUTTER + value_w  # right-aligned numbers
    x_left = x_right + GUTTER + value_w
    for text, x, ha in (
        ("Muscle", column.left, "left"),
        ("Right", x_right, "right"),
        ("Left", x_left, "right"),
    ):
        column.text(x, text, fontweight="bold", ha=ha)
    column.skip()
    cited: list[str] = []
    for base in sorted(muscles, key=lambda b: (not b.startswith("psoas_major"), b)):
        column.text(column.left, names[base])
        for side, x in (("right", x_right), ("left", x_left)):
            value = muscles[base].get(side)
            column.text(x, "—" if value is None else f"{value:.1f}", ha="right")
        column.skip()
        for published in facts.published(base):
            here = " (this level)" if published.level == piece.level else ""
            said = (
                f"published: {published.cm2:g} cm² at {level_label(published.level)}{here}, "
                f"{published.who} ({short_citation(published.source, sources)})"
            )
            column.wrapped(column.left + 0.015, said, 0.9, color="0.3")
            if published.source not in cited:
                cited.append(published.source)
    for key in cited:
        column.skip(0.3)
        cite = f"{short_citation(key, sources)}: {sources.get(key, key)}"
        column.wrapped(column.left, cite, 0.8, color="0.35")


def nerve_table(column: Column, piece: Slice, catalogue: Catalogue, stacked: bool) -> None:
    """Where each nerve lies: name, right, left in three columns; ``stacked``, each nerve's
    name on a line of its own and its sides under it (a narrow column)."""

    def name_of(sid: str) -> str:
        return short_name(catalogue[sid]).lower() if sid in catalogue else sid

    rows: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for nid, place in piece.nerves.items():
        base = nid.removesuffix("_right").removesuffix("_left")
        rows.setdefault(base, {})[catalogue[nid].side.value] = _where(place, name_of)
        names[base] = short_name(catalogue[nid])
    if not rows:
        column.text(column.left, "Nerve", fontweight="bold")
        column.skip()
        column.text(column.left, "No nerve is cut here.", color="0.4")
        column.skip()
        return
    ruler, size, left = column.ruler, column.size, column.left
    if stacked:
        column.text(left, "Where each nerve lies", fontweight="bold")
        column.skip()
        for base, sides in rows.items():
            column.skip(0.3)
            column.text(left, names[base], fontstyle="italic", fontweight="bold")
            column.skip()
            right, other = sides.get("right"), sides.get("left")
            sides_said = [f"Right: {right or '—'}", f"Left: {other or '—'}"]
            if right and right == other:
                sides_said = [f"Both sides: {right}"]
            for line in sides_said:
                column.wrapped(left + 0.02, line, 0.9)
        return
    x_right = left + max(ruler.width(t, size, style="italic") for t in ["Nerve", *names.values()]) + GUTTER
    x_left = (x_right + column.right + GUTTER) / 2
    for text, x in (("Nerve", left), ("Right", x_right), ("Left", x_left)):
        column.text(x, text, fontweight="bold")
    column.skip()
    for base, sides in rows.items():
        column.text(left, names[base], fontstyle="italic")
        right, other = sides.get("right"), sides.get("left")
        lines = 1
        if right and right == other:
            both = ruler.wrap(f"both sides: {right}", column.right - x_right, size * 0.9)
            lines = column.text(x_right, both, 0.9)
        else:
            for where, x, end in ((right, x_right, x_left - GUTTER), (other, x_left, column.right)):
                lines = max(lines, column.text(x, ruler.wrap(where or "—", end - x, size * 0.9), 0.9))
        column.skip(1 + 0.9 * (lines - 1))
