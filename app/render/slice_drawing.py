"""The slice view's drawing: what a section plane cuts, as an atlas draws a cross-section.

Each cut face is filled in its structure's colour with a darker outline (holes left open),
each nerve is a dot, and the main structures and every nerve are named in two columns beside
the drawing with leader lines, spread so that no two labels overlap. Under it: the muscles'
areas in cm² beside the published MRI values, and where each nerve lies. With the safe zones
asked for, Uribe's four zones of the disc are drawn across its depth with the working zone
his study recommends at that level, and the paper cited.

Drawn with matplotlib (no Qt): the window shows the figure on its Qt canvas, and
``psoas-atlas section`` writes it as PNG, or as SVG and PDF with real, selectable text.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from app.model.anatomy.structures import Catalogue, Kind, Structure
from app.model.io.atomic import atomic_write_bytes
from app.model.motion.kinematics import Pose
from app.model.scene.palette import Palette, rgb
from app.model.sections.cross_section import ZONES, Cut, NervePlace, SectionFacts, Slice
from app.model.sections.planes import DISC_LEVELS, level_label

#: The formats ``section`` writes, by file suffix.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Pixels per inch of a drawing: a size in pixels is a page of size/DPI inches (the
#: default 1169x827 is A4 landscape as a PDF).
DPI = 100
DEFAULT_SIZE = (1169, 827)
#: Cut faces smaller than this (cm²) are drawn but not labelled: slivers of a bone's edge.
LABEL_MIN_CM2 = 0.5
#: Drawing order, bottom to top.
LAYERS = {Kind.bone: 0, Kind.disc: 1, Kind.ligament: 2, Kind.muscle: 3, Kind.nerve: 4}
#: The working zone Uribe et al. recommend, and the zones' bands.
SAFE_COLOR = "#1a9850"
ZONE_COLORS = ("#deebf7", "#6baed6")
INK = "#222222"
#: Shorter names for long nerve labels.
SHORT_NAMES = {"lateral_femoral_cutaneous_nerve": "Lat. fem. cutaneous"}
VIEWED_FROM = {"A": "the front", "P": "behind", "R": "the right", "L": "the left"}


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


def title_of(piece: Slice, pose_name: str | None = None) -> str:
    """``Axial section at L4/L5, seen from below`` (and the pose, when posed)."""
    section = piece.section
    where = f"at {level_label(section.level)}" if section.level else f"at {section.offset_mm:+.0f} mm"
    seen = "below" if piece.frame.axial else VIEWED_FROM.get(_letter(piece.frame.normal), "the side")
    title = f"{section.orientation.capitalize()} section {where}, seen from {seen}"
    if piece.pose:
        title += f"; pose: {pose_name or Pose.of(piece.pose).describe()}"
    return title


def _letter(direction: np.ndarray) -> str:
    axis = int(np.argmax(np.abs(direction)))
    return ("LR", "PA", "IS")[axis][int(direction[axis] > 0)]


def _darker(color: str, factor: float = 0.55) -> tuple[float, float, float]:
    r, g, b = rgb(color)
    return (r * factor, g * factor, b * factor)


def face_path(cut: Cut) -> MplPath:
    """The face as one matplotlib path: every ring closed, holes drawn by the even-odd
    rule (shapely's holes wind the other way; the path's fill follows the winding)."""
    rings = cut.rings()
    return MplPath.make_compound_path(*(MplPath(ring, closed=True) for ring in rings if len(ring) >= 3))


def draw_slice(
    piece: Slice,
    catalogue: Catalogue,
    facts: SectionFacts,
    sources: Mapping[str, str],
    safe_zones: bool = False,
    figure: Figure | None = None,
    palette: Palette | None = None,
    selected: str | None = None,
    pose_name: str | None = None,
) -> Figure:
    """Draw ``piece`` on ``figure`` (cleared; a new one of :data:`DEFAULT_SIZE` if None).

    ``facts`` and ``sources``: the published areas, safe zones and the citations of both;
    ``palette``: the scene's colours; ``selected``: a structure outlined in the palette's
    selection colour. The section's axes is labelled "section" (clicks find it)."""
    if figure is None:
        figure = Figure(figsize=(DEFAULT_SIZE[0] / DPI, DEFAULT_SIZE[1] / DPI), dpi=DPI)
    figure.clear()
    figure.set_facecolor("white")
    width_in, height_in = figure.get_size_inches()
    scale = min(width_in / 11.69, height_in / 8.27) ** 0.5  # text grows a little on larger pages
    size = max(6.0, 8.5 * scale)
    figure.text(
        0.5, 0.975, title_of(piece, pose_name), ha="center", va="top", fontsize=size * 1.55,
        fontweight="bold", color=INK,
    )  # fmt: skip

    axes = figure.add_axes((0.2, 0.36, 0.6, 0.55), label="section")
    axes.set_axis_off()
    axes.set_anchor("N")  # the tables go right under the drawing, whatever its shape
    color_of = _colors(catalogue, palette)
    order = sorted(piece.cuts, key=lambda sid: LAYERS.get(catalogue[sid].kind, 2))
    for sid in order:
        cut = piece.cuts[sid]
        structure = catalogue[sid]
        fill = color_of(sid)
        is_selected = sid == selected
        edge = (palette.selection if palette else "#ffcc00") if is_selected else _darker(fill)
        axes.add_patch(
            PathPatch(
                face_path(cut), facecolor=fill, edgecolor=edge, linewidth=2.2 if is_selected else 0.8,
                zorder=1 + LAYERS.get(structure.kind, 2), gid=sid,
            )
        )  # fmt: skip
    for nid, place in piece.nerves.items():
        chosen = nid == selected
        axes.plot(
            *place.at, "o", markersize=(8 if chosen else 5.5) * scale, markerfacecolor=color_of(nid),
            markeredgecolor=(palette.selection if palette else "#ffcc00") if chosen else INK,
            markeredgewidth=2 if chosen else 0.8, zorder=8, gid=nid,
        )  # fmt: skip

    bounds = _extent(piece)
    if bounds is not None:
        left, bottom, right, top = bounds
        pad = 0.06 * max(right - left, top - bottom)
        axes.set_xlim(left - pad, right + pad)
        axes.set_ylim(bottom - pad, top + pad)
    axes.set_aspect("equal", adjustable="box")
    axes.apply_aspect()
    if not piece.cuts:
        axes.text(
            0.5, 0.5, "The plane cuts none of the structures shown.", transform=axes.transAxes,
            ha="center", va="center", fontsize=size * 1.2, color="0.4",
        )  # fmt: skip
    else:
        if safe_zones:
            _draw_zones(axes, piece, facts, size)
        _scale_bar(axes, size)
        _labels(figure, axes, piece, catalogue, size)
    _edge_letters(axes, piece, size)
    line = size * 1.5 / 72 / height_in
    top = axes.get_position().y0 - 2.6 * line  # under the "P" below the drawing
    if safe_zones:
        top = _zone_note(figure, piece, facts, sources, size, top) - 0.8 * line
    _tables(figure, piece, catalogue, facts, sources, size, top)
    return figure


def _colors(catalogue: Catalogue, palette: Palette | None) -> Callable[[str], str]:
    def color(sid: str) -> str:
        structure = catalogue[sid]
        return palette.structure_color(structure.kind.value, structure.color) if palette else structure.color

    return color


def _extent(piece: Slice) -> tuple[float, float, float, float] | None:
    """The drawing's bounds: all faces (the zones' lines reach no further)."""
    if not piece.cuts:
        return None
    boxes = np.array([cut.shape.bounds for cut in piece.cuts.values()])
    return (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())


def _edge_letters(axes: Axes, piece: Slice, size: float) -> None:
    """The body's directions at the drawing's edges (R on the left, A at the top, as CT)."""
    spots = {"left": (0.01, 0.97), "right": (0.99, 0.97), "top": (0.5, 1.03), "bottom": (0.5, -0.04)}
    for edge, letter in piece.frame.edge_letters().items():
        x, y = spots[edge]
        axes.text(
            x, y, letter, transform=axes.transAxes, ha="center", va="center", fontsize=size * 1.5,
            fontweight="bold", color="#1f5fa8", zorder=10,
        )  # fmt: skip


def _scale_bar(axes: Axes, size: float) -> None:
    """A bar of a round length near a fifth of the drawing's width, bottom left."""
    left, right = axes.get_xlim()
    bottom, top = axes.get_ylim()
    span = (right - left) / 5
    length = max(v for v in (5, 10, 20, 50, 100, 200) if v <= max(span, 5))
    x0, y0 = left + 0.02 * (right - left), bottom + 0.03 * (top - bottom)
    axes.plot([x0, x0 + length], [y0, y0], color=INK, linewidth=2.5, solid_capstyle="butt", zorder=9)
    axes.text(
        x0 + length / 2, y0 + 0.012 * (top - bottom), f"{length} mm", ha="center", va="bottom",
        fontsize=size, color=INK, zorder=9,
    )  # fmt: skip


def _midline_u(piece: Slice, catalogue: Catalogue) -> float:
    middle = [c for sid, c in piece.cuts.items() if catalogue[sid].side.value == "midline"]
    if middle:
        return float(max(middle, key=lambda c: c.area_cm2).shape.centroid.x)
    return 0.0


def _labels(figure: Figure, axes: Axes, piece: Slice, catalogue: Catalogue, size: float) -> None:
    """Name the main faces and every nerve in two columns beside the drawing, each with a
    leader line to its face; the labels of a column are spread so that none overlap, in
    the order of their faces from top to bottom (so leader lines do not cross)."""
    to_axes = axes.transData + axes.transAxes.inverted()
    midline = float(to_axes.transform((_midline_u(piece, catalogue), 0))[0])
    columns: dict[str, list[tuple[float, float, str, bool]]] = {"left": [], "right": []}
    middle: list[tuple[float, float, str, bool]] = []
    for sid, cut in piece.cuts.items():
        structure = catalogue[sid]
        if structure.kind is Kind.nerve:
            at = piece.nerves[sid].at if sid in piece.nerves else cut.shape.centroid.coords[0]
        elif cut.area_cm2 >= LABEL_MIN_CM2:
            biggest = max(cut.parts(), key=lambda p: p.area)
            at = biggest.representative_point().coords[0]
        else:
            continue
        x, y = to_axes.transform(at)
        entry = (float(x), float(y), short_name(structure), structure.kind is Kind.nerve)
        if structure.side.value == "midline":
            middle.append(entry)
        else:
            columns["left" if x < midline else "right"].append(entry)
    for entry in middle:  # the vertebra and disc go where there is room
        columns[min(columns, key=lambda c: len(columns[c]))].append(entry)

    height_in = axes.get_position().height * figure.get_size_inches()[1]
    gap = size * 1.45 / 72 / height_in
    for column, entries in columns.items():
        entries.sort(key=lambda e: -e[1])
        slots = _spread([e[1] for e in entries], gap, low=-0.1, high=1.08)
        x_text = -0.04 if column == "left" else 1.04
        for (x, y, text, nerve), slot in zip(entries, slots, strict=True):
            axes.annotate(
                text, xy=(x, y), xycoords="axes fraction", xytext=(x_text, slot),
                textcoords="axes fraction", ha="right" if column == "left" else "left", va="center",
                fontsize=size, fontstyle="italic" if nerve else "normal", color=INK,
                annotation_clip=False, zorder=11,
                arrowprops={
                    "arrowstyle": "-", "color": "0.35", "linewidth": 0.6, "shrinkA": 1, "shrinkB": 0,
                    "relpos": (1.0, 0.5) if column == "left" else (0.0, 0.5),
                },
            )  # fmt: skip


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` (descending) as may be, at least ``gap`` apart, within
    ``low``..``high`` where there is room (else centred on the wanted ones)."""
    if not wanted:
        return []
    slots = [min(wanted[0], high)]
    for want in wanted[1:]:
        slots.append(min(want, slots[-1] - gap))
    if slots[-1] < low:
        slots[-1] = low
        for i in range(len(slots) - 2, -1, -1):
            slots[i] = max(slots[i], slots[i + 1] + gap)
    if slots[0] > high:  # too many for the room: centre the column on the drawing
        shift = (slots[0] - high + low - slots[-1]) / 2 if slots[-1] > low else 0.0
        slots = [s - (slots[0] - high) + shift for s in slots] if shift else slots
    return slots


def _draw_zones(axes: Axes, piece: Slice, facts: SectionFacts, size: float) -> None:
    """Uribe's zones I-IV across the disc's depth on both sides of it, where the psoas is
    crossed in a lateral approach, and the working zone he recommends at this level."""
    if not piece.zone_bounds or piece.disc is None:
        return
    bounds = piece.zone_bounds
    disc = piece.cuts[piece.disc].shape
    d_left, _, d_right, _ = disc.bounds
    left, right = axes.get_xlim()
    for start, stop in ((left, d_left), (d_right, right)):
        for k, zone in enumerate(ZONES):
            front, back = bounds[k], bounds[k + 1]
            axes.fill_between(
                [start, stop], back, front, color=ZONE_COLORS[k % 2], alpha=0.35, zorder=6, linewidth=0
            )
            outer = start if start == left else stop
            axes.text(
                outer + (0.01 if start == left else -0.01) * (right - left), (front + back) / 2, zone,
                ha="left" if start == left else "right", va="center", fontsize=size * 0.95,
                fontweight="bold", color="#444444", zorder=9,
            )  # fmt: skip
        for v in bounds:
            axes.plot([start, stop], [v, v], color="#555555", linewidth=0.7, linestyle="--", zorder=7)
    working = facts.safe_zones.get(piece.level or "")
    if working is None:
        return
    v = bounds[0] - working.at * (bounds[0] - bounds[-1])
    inset = 0.045 * (right - left)  # clear of the zones' numerals
    for start, stop in ((left + inset, d_left), (right - inset, d_right)):
        axes.annotate(
            "", xy=(stop, v), xytext=(start, v),
            arrowprops={"arrowstyle": "-|>", "color": SAFE_COLOR, "linewidth": 2.2, "mutation_scale": 14},
            zorder=9,
        )  # fmt: skip


def _wrap(figure: Figure, text: str, width: float, size: float) -> str:
    """``text`` broken into lines that fit ``width`` (a share of the figure's width) at
    ``size`` points (DejaVu Sans averages about 0.55 em a character)."""
    chars = max(20, int(width * figure.get_size_inches()[0] * 72 / (0.55 * size)))
    return "\n".join(textwrap.wrap(text, chars)) or text


def _zone_note(
    figure: Figure, piece: Slice, facts: SectionFacts, sources: Mapping[str, str], size: float, top: float
) -> float:
    """Under the drawing: what the zones are, the working zone at this level, the paper.
    Returns where the next text may start (figure fraction)."""
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
    line = size * 1.5 / 72 / figure.get_size_inches()[1]
    note = figure.text(0.5, top, _wrap(figure, text, 0.94, size), ha="center", va="top", fontsize=size,
                       color=SAFE_COLOR)  # fmt: skip
    top -= line * (note.get_text().count("\n") + 1)
    cite = _wrap(figure, f"{short_citation(key, sources)}: {sources.get(key, key)}", 0.94, size * 0.85)
    figure.text(0.5, top, cite, ha="center", va="top", fontsize=size * 0.85, color="0.3")
    return top - line * 0.9 * (cite.count("\n") + 1)


def _where(place: NervePlace, name_of: Callable[[str], str]) -> str:
    """:meth:`NervePlace.describe`, less a zone that is outside the disc's depth."""
    text = place.describe(name_of)
    return re.sub(r" \(zone (anterior|posterior) to [IV]+\)$", "", text)


def _tables(
    figure: Figure,
    piece: Slice,
    catalogue: Catalogue,
    facts: SectionFacts,
    sources: Mapping[str, str],
    size: float,
    top: float,
) -> None:
    """The muscles' areas (right, left, published) and where each nerve lies, as text."""
    line = size * 1.5 / 72 / figure.get_size_inches()[1]
    muscles: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    for sid, cut in piece.cuts.items():
        structure = catalogue[sid]
        if structure.kind is not Kind.muscle:
            continue
        base = sid.removesuffix("_right").removesuffix("_left")
        muscles.setdefault(base, {})[structure.side.value] = cut.area_cm2
        names[base] = short_name(structure)
    bold: dict[str, Any] = {"fontsize": size, "fontweight": "bold", "color": INK, "va": "top"}
    plain: dict[str, Any] = {"fontsize": size, "color": INK, "va": "top"}
    figure.text(0.03, top, "Cross-sectional area (cm²)", **bold)
    columns = {"right": 0.27, "left": 0.34}
    for side, x in columns.items():
        figure.text(x, top, side.capitalize(), ha="right", **bold)
    cited: list[str] = []
    y = top
    for base in sorted(muscles, key=lambda b: (not b.startswith("psoas_major"), b)):
        y -= line
        figure.text(0.03, y, names[base], **plain)
        for side, x in columns.items():
            value = muscles[base].get(side)
            figure.text(x, y, "—" if value is None else f"{value:.1f}", ha="right", **plain)
        for published in facts.published(base):
            here = " (this level)" if published.level == piece.level else ""
            said = (
                f"published: {published.cm2:g} cm² at {level_label(published.level)}{here}, "
                f"{published.who} ({short_citation(published.source, sources)})"
            )
            said = _wrap(figure, said, 0.38, size * 0.9)
            y -= line
            figure.text(0.045, y, said, fontsize=size * 0.9, color="0.3", va="top")
            y -= line * 0.9 * said.count("\n")
            if published.source not in cited:
                cited.append(published.source)
    if not muscles:
        y -= line
        figure.text(0.03, y, "No muscle is cut here.", fontsize=size, color="0.4", va="top")
    for key in cited:
        cite = _wrap(figure, f"{short_citation(key, sources)}: {sources.get(key, key)}", 0.4, size * 0.8)
        y -= line * 1.3
        figure.text(0.03, y, cite, fontsize=size * 0.8, color="0.35", va="top")

    def name_of(sid: str) -> str:
        return short_name(catalogue[sid]).lower() if sid in catalogue else sid

    rows: dict[str, dict[str, str]] = {}
    for nid, place in piece.nerves.items():
        base = nid.removesuffix("_right").removesuffix("_left")
        rows.setdefault(base, {})[catalogue[nid].side.value] = _where(place, name_of)
        names[base] = short_name(catalogue[nid])
    x_name, x_right, x_left = 0.45, 0.585, 0.79
    figure.text(x_name, top, "Nerve", **bold)
    figure.text(x_right, top, "Right", **bold)
    figure.text(x_left, top, "Left", **bold)
    y = top
    small = size * 0.9
    for base, sides in rows.items():
        y -= line
        figure.text(x_name, y, names[base], fontsize=size, fontstyle="italic", color=INK, va="top")
        right, left = sides.get("right"), sides.get("left")
        height = 1
        if right and right == left:
            said = _wrap(figure, f"both sides: {right}", 0.98 - x_right, small)
            figure.text(x_right, y, said, fontsize=small, color=INK, va="top")
            height = said.count("\n") + 1
        else:
            for text, x in ((right, x_right), (left, x_left)):
                said = _wrap(figure, text or "—", x_left - x_right - 0.01, small)
                figure.text(x, y, said, fontsize=small, color=INK, va="top")
                height = max(height, said.count("\n") + 1)
        y -= line * 0.9 * (height - 1)
    if not rows:
        figure.text(x_name, top - line, "No nerve is cut here.", fontsize=size, color="0.4", va="top")


def slice_bytes(figure: Figure, suffix: str) -> bytes:
    """The drawing as a PNG, SVG or PDF file's bytes (text kept as text in SVG and PDF)."""
    import matplotlib

    form = FORMATS[suffix.lower()]
    buffer = io.BytesIO()
    # Text in SVG stays text, and PDF embeds TrueType fonts: both selectable and searchable.
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        metadata = {"Creator": "Psoas Atlas"} if form != "png" else {"Software": "Psoas Atlas"}
        figure.savefig(buffer, format=form, dpi=figure.dpi, facecolor="white", metadata=metadata)
    return buffer.getvalue()


def write_slice(
    piece: Slice,
    out: Path,
    catalogue: Catalogue,
    facts: SectionFacts,
    sources: Mapping[str, str],
    size: tuple[int, int] = DEFAULT_SIZE,
    safe_zones: bool = False,
    pose_name: str | None = None,
) -> None:
    """Draw ``piece`` at ``size`` pixels (PNG; SVG and PDF at size/100 inches) into ``out``,
    atomically: its suffix (.png, .svg, .pdf) says the format."""
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    draw_slice(piece, catalogue, facts, sources, safe_zones=safe_zones, figure=figure, pose_name=pose_name)
    atomic_write_bytes(Path(out), slice_bytes(figure, Path(out).suffix))
