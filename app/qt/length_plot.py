"""The Motion panel's figures, drawn by matplotlib's Qt canvas: each shown muscle's length
against the angle of the joint being moved, and the colour bar of the colours by length
change.

A curve costs about thirty lengths and a full draw of the figure: it is drawn once per joint
and pose of the other joints. While a slider is dragged only the marker moves: the figure
without it is kept as a picture and the marker drawn over a copy of it (blitting), a
millisecond or two instead of a full draw's tens.

Imported when the Motion panel is first shown: matplotlib's Qt backend imports its Agg
backend, which the window's start leaves out (app.render.deferred_imports).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.model.motion.mechanics import Curve
from app.model.scene.palette import LENGTH_CHANGE_COLORS, LENGTH_CHANGE_RANGE
from app.render.fonts import matplotlib_font

#: Okabe and Ito's colour-blind-safe colours, one per muscle; the left side's line dashed.
MUSCLE_COLORS = {
    "psoas_major": "#d55e00",
    "iliacus": "#0072b2",
    "psoas_minor": "#009e73",
    "rectus_femoris": "#e69f00",
    "quadratus_lumborum": "#cc79a7",
}
#: A muscle with a path the table above does not know yet.
OTHER_MUSCLE = "#000000"
#: Heights of the figures (pixels at 96 dpi), their text and tick label sizes (points, as
#: small as the panel's width asks: the legend's two columns fit 240 pixels) and resolution.
PLOT_HEIGHT = 270
BAR_HEIGHT = 64
FONT_SIZE = 7.5
TICK_SIZE = 7.5
DPI = 96


def muscle_color(muscle: str) -> str:
    return MUSCLE_COLORS.get(muscle.rsplit("_", 1)[0], OTHER_MUSCLE)


def signed_percent(value: float) -> str:
    """ "+15%", "0%" or "-15%" with a true minus sign, as matplotlib writes negative numbers."""
    return f"{value:+.0f}%".replace("-", "\N{MINUS SIGN}") if round(value) else "0%"


class _Canvas(FigureCanvasQTAgg):
    """A figure as wide as the panel, of a fixed height, in the panel's colours."""

    def __init__(self, height: int, parent: QWidget | None = None):
        figure = Figure(figsize=(320 / DPI, height / DPI), dpi=DPI, layout="constrained")
        super().__init__(figure)
        self.setParent(parent)
        self.setFixedHeight(height)
        self.setMinimumWidth(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        palette = (parent or self).palette()  # the canvas' own is plain white
        self.background = palette.color(QPalette.ColorRole.Window).name()
        self.ink = palette.color(QPalette.ColorRole.WindowText).name()
        figure.set_facecolor(self.background)

    def dress(self, axes) -> None:
        """Ticks, labels and frame in the panel's text colour."""
        axes.tick_params(colors=self.ink, labelsize=TICK_SIZE)
        for spine in axes.spines.values():
            spine.set_color(self.ink)

    def text_font(self, text: str) -> FontProperties:
        """The app's font for ``text`` (app.fonts), at the figures' size."""
        font = matplotlib_font(text)
        font.set_size(FONT_SIZE)
        return font


class LengthPlot(_Canvas):
    """Musculotendon length (mm) of each shown muscle over one joint's range, with a
    marker and dots at the current angle."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(PLOT_HEIGHT, parent)
        self.setAccessibleName("Muscle length against joint angle")
        self.axes = self.figure.add_subplot()
        self.dress(self.axes)
        self.axes.grid(True, color=self.ink, alpha=0.15, linewidth=0.5)
        self.curve: Curve | None = None
        self.lines: dict[str, Line2D] = {}
        # Animated: left out of full draws, drawn over the kept picture (see _draw_marker).
        self.marker = self.axes.axvline(0.0, color=self.ink, linewidth=1.0, alpha=0.7, animated=True)
        self.dots = self.axes.scatter([], [], s=22, zorder=3, animated=True, edgecolors=self.background)
        self._picture = None  # the figure without the marker, once drawn
        self.mpl_connect("draw_event", self._drawn)

    def show_curve(self, curve: Curve, joint_label: str, labels: Mapping[str, str]) -> None:
        """Draw ``curve``'s lengths of the muscles ``labels`` names (id -> legend label)."""
        self.curve = curve
        for line in self.lines.values():
            line.remove()
        self.lines = {}
        for muscle, label in labels.items():
            style = "--" if muscle.endswith("_left") else "-"
            (self.lines[muscle],) = self.axes.plot(
                curve.angles,
                curve.lengths[muscle],
                style,
                color=muscle_color(muscle),
                linewidth=1.5,
                label=label,
            )
        self.dots.set_facecolor([muscle_color(m) for m in labels])
        pad = (curve.angles[-1] - curve.angles[0]) * 0.02  # a marker at either end still shows
        self.axes.set_xlim(curve.angles[0] - pad, curve.angles[-1] + pad)
        self.axes.relim()
        self.axes.autoscale_view(scalex=False)
        self.axes.set_xlabel(f"{joint_label} (°)", fontproperties=self.text_font(joint_label), color=self.ink)
        self.axes.set_ylabel("Length (mm)", fontproperties=self.text_font("Length (mm)"), color=self.ink)
        for legend in self.figure.legends:
            legend.remove()
        if labels:
            self.figure.legend(
                loc="outside lower center",
                ncols=2,
                prop=self.text_font("".join(labels.values())),
                frameon=False,
                labelcolor=self.ink,
                handlelength=1.5,
                handletextpad=0.4,
                columnspacing=0.8,
            )
        self._picture = None  # the next full draw keeps a new one
        self.draw_idle()

    def move_marker(self, angle: float, lengths: Mapping[str, float]) -> None:
        """Put the marker at ``angle`` and a dot on each curve at its muscle's length there;
        only the marker is redrawn when the figure is drawn already."""
        self.marker.set_xdata([angle, angle])
        self.dots.set_offsets(np.array([[angle, lengths[m]] for m in self.lines]).reshape(-1, 2))
        if self._picture is None:
            self.draw_idle()
            return
        self.restore_region(self._picture)
        self._draw_marker()
        # Painted with the panel's other changes: blit() would repaint at once, and a
        # repaint of its own cost ten times the drawing (its flush to the screen).
        self.update()

    def _drawn(self, _event) -> None:
        """After a full draw: keep the picture, and draw the marker over it."""
        self._picture = self.copy_from_bbox(self.figure.bbox)
        self._draw_marker()

    def _draw_marker(self) -> None:
        self.axes.draw_artist(self.marker)
        self.axes.draw_artist(self.dots)


class LengthChangeBar(_Canvas):
    """The legend of the colours by length change: the scale from shortened to
    lengthened, in % of neutral length."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(BAR_HEIGHT, parent)
        self.setAccessibleName("Colours by length change: shortened to lengthened")
        axes = self.figure.add_subplot()
        scale = LinearSegmentedColormap.from_list("length change", LENGTH_CHANGE_COLORS)
        span = LENGTH_CHANGE_RANGE
        bar = self.figure.colorbar(
            ScalarMappable(Normalize(-span, span), scale), cax=axes, orientation="horizontal"
        )
        ticks = [float(t) for t in np.linspace(-span, span, 5)]
        bar.set_ticks(ticks, labels=[signed_percent(t) for t in ticks])
        bar.outline.set_edgecolor(self.ink)
        self.dress(axes)
        for x, text, align in ((0.0, "◀ shortened", "left"), (1.0, "lengthened ▶", "right")):
            axes.text(
                x, 1.15, text, transform=axes.transAxes, ha=align, va="bottom",
                fontproperties=self.text_font(text), color=self.ink,
            )  # fmt: skip
