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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from app.model.anatomy.structures import Catalogue, Kind
from app.model.io.atomic import atomic_write_bytes
from app.model.motion.kinematics import JOINTS
from app.model.scene.palette import Palette, rgb
from app.model.sections.cross_section import ZONES, Cut, SectionFacts, Slice
from app.model.sections.planes import level_label
from app.render.slice_tables import (
    INK,
    SAFE_COLOR,
    Column,
    Ruler,
    area_table,
    nerve_table,
    short_citation,
    short_name,
    zone_note,
)

__all__ = ["DEFAULT_SIZE", "DPI", "FORMATS", "draw_slice", "short_citation", "slice_bytes", "title_of"]

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
#: The safe zones' bands.
ZONE_COLORS = ("#deebf7", "#6baed6")
#: Narrower than this (inches), the tables under the drawing are stacked, not side by side.
NARROW_IN = 7.0
#: The labels' columns may take this share of the width at most; longer names are shortened.
LABELS_SHARE = 0.5
#: A label's leader line, between its text and the drawing (share of the figure's width).
LEAD = 0.03
VIEWED_FROM = {"A": "the front", "P": "behind", "R": "the right", "L": "the left"}


def title_of(piece: Slice, pose_name: str | None = None) -> str:
    """``Axial section at L4/L5, seen from below`` (and the pose, when posed)."""
    section = piece.section
    where = f"at {level_label(section.level)}" if section.level else f"at {section.offset_mm:+.0f} mm"
    seen = "below" if piece.frame.axial else VIEWED_FROM.get(_letter(piece.frame.normal), "the side")
    title = f"{section.orientation.capitalize()} section {where}, seen from {seen}"
    if piece.pose:
        title += f"; pose: {pose_name or pose_words(piece.pose)}"
    return title


def pose_words(pose: Mapping[str, float]) -> str:
    """A pose as a reader says it: ``Right hip flexion 90°`` (not ``hip_flexion_right=90``)."""
    return (
        ", ".join(f"{JOINTS[j].label if j in JOINTS else j} {a:g}°" for j, a in pose.items() if a)
        or "neutral"
    )


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
    flow: bool = False,
) -> Figure:
    """Draw ``piece`` on ``figure`` (cleared; a new one of :data:`DEFAULT_SIZE` if None).

    ``facts`` and ``sources``: the published areas, safe zones and the citations of both;
    ``palette``: the scene's colours; ``selected``: a structure outlined in the palette's
    selection colour; ``pose_name``: the pose as the title names it. The section's axes is
    labelled "section" (clicks find it). On a page the drawing takes the figure's upper part
    and the tables its lower; with ``flow`` (a window's scrolled panel) everything is set from
    the top at sizes that follow the width only, and :func:`content_height` says how tall
    the figure must be to show it all. The labels' columns, the title and the tables are
    measured so that each fits its room; under :data:`NARROW_IN` the tables are stacked."""
    if figure is None:
        figure = Figure(figsize=(DEFAULT_SIZE[0] / DPI, DEFAULT_SIZE[1] / DPI), dpi=DPI)
    figure.clear()
    figure.set_facecolor("white")
    width_in, height_in = figure.get_size_inches()
    page = min(width_in / 11.69, height_in / 8.27) if not flow else width_in / 11.69
    scale = page**0.5  # text grows a little on larger pages
    size = max(6.0, 8.5 * scale)
    ruler, line = Ruler(figure), size * 1.5 / 72 / height_in
    title = ruler.wrap(title_of(piece, pose_name), 0.96, size * 1.55, "bold")
    top = 1 - (0.08 if flow else 0.025 * height_in) / height_in
    figure.text(0.5, top, title, ha="center", va="top", fontsize=size * 1.55, fontweight="bold", color=INK)
    top -= 1.55 * line * (title.count("\n") + 1) + 2.4 * line  # room for the "A" over the drawing

    bounds = _extent(piece)
    entries = _label_entries(piece, catalogue, bounds)
    left_w, right_w = _fit_labels(entries, ruler, size)
    x0, x1 = 0.02 + left_w + LEAD, 0.98 - right_w - LEAD
    if flow and bounds is not None:  # as tall as the drawing's shape at this width, or its labels
        aspect = (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1e-6)
        labels_in = max(len(labels) for labels in entries.values()) * size * 1.45 / 72 / 1.12
        bottom = top - max(min(aspect, 0.75) * (x1 - x0) * width_in, labels_in) / height_in
    else:
        bottom = 0.36
    axes = figure.add_axes((x0, bottom, x1 - x0, top - bottom), label="section")
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

    if bounds is not None:
        left, low, right, high = bounds
        pad = 0.06 * max(right - left, high - low)
        axes.set_xlim(left - pad, right + pad)
        axes.set_ylim(low - pad, high + pad)
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
        _labels(figure, axes, entries, size, (bottom - 1.5 * line, top + 1.2 * line))
    _edge_letters(axes, piece, size)
    top = min(axes.get_position().y0, bottom) - 2.6 * line  # under the "P" and the labels
    narrow = width_in < NARROW_IN
    if safe_zones:
        note = Column(figure, ruler, size, 0.03, 0.97, top)
        zone_note(note, piece, facts, sources)
        top = note.y - 0.5 * line
    areas = Column(figure, ruler, size, 0.03, 0.97 if narrow else 0.40, top)
    area_table(areas, piece, catalogue, facts, sources)
    nerves = Column(
        figure, ruler, size, 0.03 if narrow else 0.45, 0.97, areas.y - 0.5 * line if narrow else top
    )
    nerve_table(nerves, piece, catalogue, stacked=narrow)
    return figure


def content_height(figure: Figure) -> float:
    """How tall (inches) the drawing's text needs the figure to be: its lowest text's foot,
    measured from the top, and a line's margin (a flowing drawing may need more than it has)."""
    from matplotlib.backends.backend_agg import RendererAgg

    renderer = RendererAgg(1, 1, figure.dpi)
    lowest = min((t.get_window_extent(renderer).y0 for t in figure.texts if t.get_text()), default=0.0)
    return float(figure.get_size_inches()[1] - lowest / figure.dpi + 0.15)


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


@dataclass
class _Label:
    """A face's name beside the drawing, and the point (drawing mm) its leader line goes to."""

    u: float
    v: float
    text: str
    nerve: bool


def _label_entries(piece: Slice, catalogue: Catalogue, bounds) -> dict[str, list[_Label]]:
    """The main faces and every nerve, in the column on their side of the midline (the
    midline's vertebra and disc where there is room), top to bottom."""
    columns: dict[str, list[_Label]] = {"left": [], "right": []}
    if bounds is None:
        return columns
    midline = _midline_u(piece, catalogue)
    middle: list[_Label] = []
    for sid, cut in piece.cuts.items():
        structure = catalogue[sid]
        if structure.kind is Kind.nerve:
            at = piece.nerves[sid].at if sid in piece.nerves else cut.shape.centroid.coords[0]
        elif cut.area_cm2 >= LABEL_MIN_CM2:
            biggest = max(cut.parts(), key=lambda p: p.area)
            at = biggest.representative_point().coords[0]
        else:
            continue
        label = _Label(float(at[0]), float(at[1]), short_name(structure), structure.kind is Kind.nerve)
        if structure.side.value == "midline":
            middle.append(label)
        else:
            columns["left" if label.u < midline else "right"].append(label)
    for label in middle:  # the vertebra and disc go where there is room
        columns[min(columns, key=lambda c: len(columns[c]))].append(label)
    for labels in columns.values():
        labels.sort(key=lambda e: -e.v)
    return columns


def _fit_labels(columns: dict[str, list[_Label]], ruler: Ruler, size: float) -> tuple[float, float]:
    """The widths of the left and right columns of labels (shares of the figure's width),
    the names shortened word by word ("Quadratus lumborum": "Quadr. lumborum") while the
    two take more than :data:`LABELS_SHARE` of it (a narrow panel)."""

    def widths() -> tuple[float, float]:
        def width(labels: list[_Label]) -> float:
            return max(
                (ruler.width(e.text, size, style="italic" if e.nerve else "normal") for e in labels),
                default=0.0,
            )

        return width(columns["left"]), width(columns["right"])

    for keep in (8, 6, 5, 4):
        if sum(widths()) <= LABELS_SHARE:
            break
        for label in (e for labels in columns.values() for e in labels):
            label.text = " ".join(w if len(w) <= keep + 1 else w[:keep] + "." for w in label.text.split())
    return widths()


def _labels(
    figure: Figure, axes: Axes, columns: dict[str, list[_Label]], size: float, room: tuple[float, float]
) -> None:
    """Name the faces in two columns beside the drawing, each with a leader line to its
    face; the labels of a column are spread over ``room`` (figure fraction, bottom to top:
    the drawing's place, which its shape may not fill) so that none overlap, in the order
    of their faces from top to bottom (so leader lines do not cross)."""
    to_figure = axes.transData + figure.transFigure.inverted()
    box = axes.get_position()
    gap = size * 1.45 / 72 / figure.get_size_inches()[1]
    for column, labels in columns.items():
        points = [to_figure.transform((e.u, e.v)) for e in labels]
        slots = _spread([float(p[1]) for p in points], gap, low=room[0], high=room[1])
        x_text = box.x0 - LEAD if column == "left" else box.x1 + LEAD
        for label, point, slot in zip(labels, points, slots, strict=True):
            axes.annotate(
                label.text, xy=(float(point[0]), float(point[1])), xycoords="figure fraction",
                xytext=(x_text, slot), textcoords="figure fraction", va="center",
                ha="right" if column == "left" else "left", fontsize=size, color=INK,
                fontstyle="italic" if label.nerve else "normal", annotation_clip=False, zorder=11,
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
