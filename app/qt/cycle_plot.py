"""The Play tab's figure while an activity is chosen: each shown muscle's length (psoas,
iliacus, rectus femoris, both sides) over the activity's whole cycle, its phases shaded and
named on a timeline under the plot, and a marker at the current instant; under it the
lengths at that instant in mm.

The curves are drawn in % of each muscle's length in standing: the psoas's 20 mm over a
stride and the rectus femoris's 55 mm, drawn in mm on one scale from 190 to 550 mm, were
flat lines; in % they are curves on a scale of about 94 to 106 %.

The phases are those the activity's file names (:attr:`Activity.phases`), whatever the
activity. The curves cost a length computation per sample (about a tenth of a second for a
cycle) and are drawn again only when the activity or the muscles shown change; while it
plays only the marker moves (blitted, as :class:`~app.qt.length_plot.LengthPlot`'s).

Imported when an activity is first chosen (matplotlib's Qt backend is left out of the
window's start: app.render.deferred_imports).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.model.motion.activities import Activity
from app.model.motion.cycles import CycleLengths, abbreviation, cycle_lengths, phase_words
from app.model.scene.state import Aspect, SceneModel
from app.qt.length_plot import DPI, PLOT_HEIGHT, LengthPlot, muscle_color

#: The muscles the cycle plot draws, when shown (both sides; the left one dashed).
CYCLE_MUSCLES = ("psoas_major", "iliacus", "rectus_femoris")
#: The figure's height (pixels at 96 dpi): the plot, the phases' timeline and the legend.
CYCLE_HEIGHT = PLOT_HEIGHT + 110
#: A phase narrower than this (% of the cycle) is named by its initials on the timeline.
NARROW_PHASE = 6.0
PHASE_FONT_SIZE = 6.5
#: The phases' shading: every other one a little darker.
SHADES = (0.05, 0.14)
#: While it plays the lengths under the plot follow at most this often (ms); the marker
#: follows every frame.
READOUT_MS = 100


def muscle_label(muscle: str) -> str:
    """``psoas_major_right`` -> "Psoas major (R)"."""
    base, side = muscle.rsplit("_", 1)
    return f"{base.replace('_', ' ').capitalize()} ({side[0].upper()})"


class CyclePlot(LengthPlot):
    """Lengths (% of standing) over an activity's cycle (%), its phases shaded and named
    under it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Muscle length over the activity's cycle")
        self.setFixedHeight(CYCLE_HEIGHT)
        self.figure.set_size_inches(self.figure.get_figwidth(), CYCLE_HEIGHT / DPI)
        grid = self.figure.add_gridspec(2, 1, height_ratios=(3.0, 1.0))
        self.axes.set_subplotspec(grid[0])
        self.timeline = self.figure.add_subplot(grid[1], sharex=self.axes)
        self.dress(self.timeline)
        self.timeline.set_yticks([])
        self.timeline.set_ylim(0, 1)
        self.axes.tick_params(labelbottom=False)
        self.time_marker = self.timeline.axvline(0.0, color=self.ink, linewidth=1.5, animated=True)
        self.lengths: CycleLengths | None = None
        #: The phases' names as the timeline writes them, by phase (for the tests and the eye).
        self.phase_texts: dict[str, str] = {}
        self._bands: list = []

    def show_cycle(self, lengths: CycleLengths, labels: Mapping[str, str]) -> None:
        """Draw ``lengths``' curves of the muscles ``labels`` names (id -> legend label),
        the activity's phases shaded and named."""
        self.lengths = lengths
        for line in self.lines.values():
            line.remove()
        self.lines = {}
        for artist in self._bands:
            artist.remove()
        self._bands = []
        for muscle, label in labels.items():
            style = "--" if muscle.endswith("_left") else "-"
            (self.lines[muscle],) = self.axes.plot(
                lengths.percents, lengths.of_standing(muscle), style,
                color=muscle_color(muscle), linewidth=1.5, label=label,
            )  # fmt: skip
        self.dots.set_facecolor([muscle_color(m) for m in labels])
        self._draw_phases(lengths.activity)
        self.axes.set_xlim(-1, 101)
        self.axes.relim()
        self.axes.autoscale_view(scalex=False)
        self.axes.set_xlabel("")
        ylabel = "Length (% of standing)"
        self.axes.set_ylabel(ylabel, fontproperties=self.text_font(ylabel), color=self.ink)
        xlabel = "% of the cycle"
        self.timeline.set_xlabel(xlabel, fontproperties=self.text_font(xlabel), color=self.ink)
        self.timeline.set_xticks([0, 25, 50, 75, 100])
        for legend in self.figure.legends:
            legend.remove()
        if labels:
            self.figure.legend(
                loc="outside lower center", ncols=2, prop=self.text_font("".join(labels.values())),
                frameon=False, labelcolor=self.ink, handlelength=1.5, handletextpad=0.4,
                columnspacing=0.8,
            )  # fmt: skip
        self._picture = None
        self.draw_idle()

    def _draw_phases(self, activity: Activity) -> None:
        """Each phase a band on the plot and the timeline, named on the timeline: in full
        (two lines, upright) where it is wide enough, by its initials where not."""
        self.phase_texts = {}
        font = self.text_font("phase")
        font.set_size(PHASE_FONT_SIZE)
        for i, phase in enumerate(activity.phases):
            shade = SHADES[i % 2]
            for axes in (self.axes, self.timeline):
                band = axes.axvspan(phase.start, phase.end, color=self.ink, alpha=shade, linewidth=0)
                band.set_zorder(0)
                self._bands.append(band)
            middle = (phase.start + phase.end) / 2
            if phase.end - phase.start >= NARROW_PHASE:
                text = phase_words(phase).replace(" ", "\n")
                rotation = 90
            else:
                text, rotation = abbreviation(phase), 90
            self.phase_texts[phase.name] = text
            label = self.timeline.text(
                middle, 0.5, text, rotation=rotation, ha="center", va="center",
                fontproperties=font, color=self.ink, linespacing=0.95, clip_on=False,
            )  # fmt: skip
            self._bands.append(label)

    def move_to(self, percent: float, lengths: Mapping[str, float]) -> None:
        """The marker at ``percent`` of the cycle, a dot on each curve at ``lengths`` (mm)."""
        self.time_marker.set_xdata([percent, percent])
        standing = self.lengths.standing if self.lengths is not None else {}
        self.move_marker(percent, {m: 100 * lengths[m] / standing[m] for m in self.lines})

    def _draw_marker(self) -> None:
        super()._draw_marker()
        self.timeline.draw_artist(self.time_marker)


class CyclePanel(QWidget):
    """The cycle plot and the lengths at the current instant, for one scene's activity."""

    def __init__(self, scene: SceneModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        assert scene.body is not None
        self.mechanics = scene.body.mechanics
        self.activity: Activity | None = None
        self.fraction = 0.0
        self._drawn: tuple[str, tuple[str, ...]] | None = None  # activity, muscles
        #: Each activity's cycle, every plotted muscle's lengths over it (the shown ones are
        #: drawn: keyed by the shown set too, one was kept for every set a user showed).
        self._lengths: dict[str, CycleLengths] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = CyclePlot(self)
        layout.addWidget(self.plot)
        self.readout = QLabel()
        self.readout.setAccessibleName("Muscle lengths at this instant")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        layout.addWidget(self.readout)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self._readout_due = QTimer(self)
        self._readout_due.setSingleShot(True)
        self._readout_due.setInterval(READOUT_MS)
        self._readout_due.timeout.connect(self._show_readout)
        scene.changed.connect(self._scene_changed)

    def muscles(self) -> tuple[str, ...]:
        """The shown muscles the plot draws: the right side's, then the left's."""
        scene, order = self.scene, {base: i for i, base in enumerate(CYCLE_MUSCLES)}
        shown = [
            m for m in self.mechanics.muscles
            if m.rsplit("_", 1)[0] in order and m in scene.catalogue and scene.is_visible(m)
        ]  # fmt: skip
        return tuple(sorted(shown, key=lambda m: (m.endswith("_left"), order[m.rsplit("_", 1)[0]])))

    def set_activity(self, activity: Activity | None, fraction: float = 0.0) -> None:
        self.activity = activity
        self.fraction = fraction
        if activity is not None:
            self.note.setText(f"<small>{activity.title}: {activity.population}.</small>")
        self.refresh()

    def show_instant(self, fraction: float, playing: bool = False) -> None:
        """Where in the cycle the body is now: the marker follows, and the lengths under
        the plot (at once, or at most every READOUT_MS while it ``playing``)."""
        self.fraction = fraction % 1.0
        self.refresh(playing)

    def refresh(self, playing: bool = False) -> None:
        activity = self.activity
        if activity is None:
            return
        muscles = self.muscles()
        key = (activity.name, muscles)
        if key != self._drawn:
            if activity.name not in self._lengths:
                plotted = [m for m in self.mechanics.muscles if m.rsplit("_", 1)[0] in CYCLE_MUSCLES]
                self._lengths[activity.name] = cycle_lengths(self.mechanics, activity, plotted)
            self.plot.show_cycle(self._lengths[activity.name], {m: muscle_label(m) for m in muscles})
            self._drawn = key
        lengths = self.mechanics.lengths(self.scene.pose)
        self.plot.move_to(self.fraction * 100, {m: lengths[m] for m in muscles})
        if not playing:
            self._show_readout(lengths)
        elif not self._readout_due.isActive():
            self._readout_due.start()

    def _show_readout(self, lengths: Mapping[str, float] | None = None) -> None:
        self._readout_due.stop()
        if lengths is None:
            lengths = self.mechanics.lengths(self.scene.pose)
        self.readout.setText(self._readout(lengths, self.muscles()))

    def _readout(self, lengths: Mapping[str, float], muscles: tuple[str, ...]) -> str:
        neutral = self.mechanics.neutral
        rows = "".join(
            f"<tr><td><span style='color:{muscle_color(m)}'>&#9632;</span> {muscle_label(m)}</td>"
            f"<td align='right'>{lengths[m]:.0f} mm</td>"
            f"<td align='right'>{100 * lengths[m] / neutral[m]:.0f} %</td></tr>"
            for m in muscles
        )
        return f"<table cellspacing='1'>{rows}</table><small>Length now, and in % of standing</small>"

    def _scene_changed(self, aspects: Aspect) -> None:
        if Aspect.visibility in aspects and self.isVisible():
            self.refresh()  # a muscle shown or hidden: the curves follow
