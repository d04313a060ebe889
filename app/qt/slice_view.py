"""The Slice view dock: the scene's section drawn as a labelled cross-section.

It shows :func:`app.render.slice_drawing.draw_slice` of ``scene.slice()`` on matplotlib's Qt
canvas, and follows the scene: a new section, pose, palette, selection or set of structures
shown draws it again. While a plane is dragged the slice is drawn at most every
:data:`REDRAW_MS` (each draw costs a cut of every shown mesh and a full figure), and once
more when the dragging stops. Clicking a face selects its structure; Export writes the same
drawing as ``psoas-atlas section`` (PNG, SVG or PDF).

The canvas is built when the dock is first on screen: matplotlib's Qt backend imports its
Agg backend, which the window's start leaves out (app.render.deferred_imports).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from app.model.anatomy.structures import Kind
from app.model.scene.state import Aspect, SceneModel
from app.model.sections.cross_section import SectionFacts, Slice
from app.qt.export_dialog import ask_where_to_save

if TYPE_CHECKING:
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

#: The shortest time between two drawings while the section, pose or shown set changes.
REDRAW_MS = 100
#: What the drawing shows, of what the scene says changed.
FOLLOWS = Aspect.section | Aspect.pose | Aspect.visibility | Aspect.palette | Aspect.selection
#: How near a click must come to a nerve's dot (mm) to pick the nerve.
NERVE_PICK_MM = 3.0
HINT = "Choose a section (a level in the Section panel) to see what the plane cuts: areas and nerves."


class SliceView(QWidget):
    """The scene's section as a 2D drawing, with a safe-zones switch and Export."""

    #: A line for the status bar (what Export wrote, or why it could not).
    message = Signal(str)
    #: After each drawing, or the hint shown instead (tests wait on it).
    drawn = Signal()

    def __init__(self, scene: SceneModel, facts: SectionFacts, sources: dict[str, str], parent=None):
        super().__init__(parent)
        self.scene, self.facts, self.sources = scene, facts, sources
        self.canvas: FigureCanvasQTAgg | None = None
        #: The canvas scrolls: in a narrow dock the drawing and its tables are taller than it.
        self.scrolled = QScrollArea()
        self.scrolled.setWidgetResizable(True)
        self.scrolled.setFrameShape(QFrame.Shape.NoFrame)
        self.scrolled.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.piece: Slice | None = None
        self._cut_for: tuple | None = None  # what self.piece was cut for
        self.on_screen = False
        self.draws = 0

        self.safe_zones = QCheckBox("Safe zones")
        self.safe_zones.setToolTip(
            "Draw the trans-psoas safe zones I-IV of the disc (Uribe et al. 2010), at disc levels"
        )
        self.safe_zones.toggled.connect(lambda _on: self.schedule())
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this drawing as PNG, SVG or PDF")
        self.export_button.clicked.connect(self.export_dialog)
        row = QHBoxLayout()
        row.setContentsMargins(6, 4, 6, 0)
        row.addWidget(self.safe_zones)
        row.addStretch(1)
        row.addWidget(self.export_button)

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setMargin(12)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(self.stack, 1)

        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        scene.changed.connect(self._on_scene_changed)
        self._show_state()

    # following the scene
    def set_on_screen(self, on_screen: bool) -> None:
        """Whether the dock is on screen (its tab shown): the canvas is built the first time,
        and the drawing follows the scene only while it is."""
        self.on_screen = on_screen
        if on_screen:
            self.redraw()

    def _on_scene_changed(self, aspects: Aspect) -> None:
        if aspects & FOLLOWS:
            self.schedule()

    @property
    def redraw_ms(self) -> int:
        """The least time between two drawings (:data:`REDRAW_MS`; tests may change it)."""
        return self._timer.interval()

    @redraw_ms.setter
    def redraw_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)

    def schedule(self) -> None:
        """Draw soon: at most one drawing per :data:`REDRAW_MS`, the last change included."""
        if not self._timer.isActive():
            self._timer.start()

    def _show_state(self) -> None:
        has_section = self.scene.section is not None and self.scene.surfaces is not None
        self.export_button.setEnabled(has_section)
        self.safe_zones.setEnabled(has_section)
        if not has_section or self.canvas is None:
            self.stack.setCurrentWidget(self.hint)
        else:
            self.stack.setCurrentWidget(self.scrolled)

    def current_slice(self) -> Slice | None:
        """The scene's slice, cut again only when the section, pose or shown set changed."""
        scene = self.scene
        if scene.section is None or scene.surfaces is None:
            return None
        key = (scene.section, scene.pose, tuple(scene.shown_ids))
        if key != self._cut_for:
            self.piece, self._cut_for = scene.slice(), key
        return self.piece

    def redraw(self) -> None:
        """Draw the scene's slice now (nothing while off screen: drawn when shown)."""
        self._timer.stop()
        if not self.on_screen:
            return
        piece = self.current_slice()
        if piece is not None and self.canvas is None:
            self._build_canvas()
        self._show_state()
        if piece is None or self.canvas is None:
            self.drawn.emit()  # the hint is what is shown
            return
        from app.render.slice_drawing import content_height, draw_slice

        figure = self.canvas.figure
        draw_slice(
            piece, self.scene.catalogue, self.facts, self.sources, safe_zones=self.safe_zones.isChecked(),
            figure=figure, palette=self.scene.palette, selected=self.scene.selected,
            pose_name=self.pose_name(), flow=True,
        )  # fmt: skip
        # As tall as what is drawn (the dock scrolls); the width decides it, so once is enough.
        need = round(content_height(figure) * figure.dpi / self.canvas.device_pixel_ratio)
        if need != self.canvas.minimumHeight():
            self.canvas.setMinimumHeight(need)
        self.canvas.draw_idle()
        self.draws += 1
        self.drawn.emit()

    def _build_canvas(self) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        from app.render.slice_drawing import DPI

        canvas = FigureCanvasQTAgg(Figure(figsize=(6, 4.5), dpi=DPI))
        canvas.setMinimumSize(280, 220)
        canvas.setAccessibleName("Slice view: the section's cut faces, areas and nerves")
        canvas.mpl_connect("button_press_event", self._clicked)
        canvas.mpl_connect("resize_event", lambda _event: self.schedule())
        self.scrolled.setWidget(canvas)
        self.stack.addWidget(self.scrolled)
        self.canvas = canvas

    def pose_name(self) -> str | None:
        """The scene's pose by its title when it is a named pose ("Leg lift (right hip
        flexion)"), else None: the drawing names the joints itself."""
        body = self.scene.body
        if body is None:
            return None
        return next((p.title for p in body.motion.poses.values() if p.pose == self.scene.pose), None)

    # clicks
    def structure_at(self, u: float, v: float) -> str | None:
        """The structure drawn at drawing point (u, v) mm: a nerve's dot first, then the
        topmost face there (nerve, muscle, ligament, disc, bone)."""
        import shapely

        piece = self.piece
        if piece is None:
            return None
        for nid, place in piece.nerves.items():
            if (place.at[0] - u) ** 2 + (place.at[1] - v) ** 2 <= NERVE_PICK_MM**2:
                return nid
        point = shapely.Point(u, v)
        order = (Kind.nerve, Kind.muscle, Kind.ligament, Kind.disc, Kind.bone)
        catalogue = self.scene.catalogue
        hits = [sid for sid, cut in piece.cuts.items() if cut.shape.contains(point)]
        hits.sort(key=lambda sid: order.index(catalogue[sid].kind))
        return hits[0] if hits else None

    def _clicked(self, event) -> None:
        axes = event.inaxes
        if axes is None or axes.get_label() != "section" or event.xdata is None:
            return
        sid = self.structure_at(float(event.xdata), float(event.ydata))
        if sid is not None:
            self.scene.select(sid)

    # export
    def export_dialog(self) -> None:
        piece = self.current_slice()
        if piece is None:
            return
        level = (piece.level or "section").replace("_", "-")
        path = ask_where_to_save(
            self, "Export the slice drawing", f"slice-{level}.png",
            "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)",
        )  # fmt: skip
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> bool:
        """Write the drawing to ``path`` (its suffix says PNG, SVG or PDF; none: PNG)."""
        from app.render.slice_drawing import FORMATS, write_slice

        piece = self.current_slice()
        if piece is None:
            return False
        if path.suffix.lower() not in FORMATS:
            path = path.with_name(path.name + ".png")
        try:
            write_slice(
                piece, path, self.scene.catalogue, self.facts, self.sources,
                safe_zones=self.safe_zones.isChecked(),
            )  # fmt: skip
        except OSError as exc:
            self.message.emit(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.message.emit(f"Wrote {path}")
        return True
