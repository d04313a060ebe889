"""The Section panel: cut the scene open along an axial, coronal or sagittal plane, snap it
to a level (T12 ... hip joint) or slide it in millimetres, hide one side or keep a slab.

It only listens to the scene and calls it: every change of the section, from here, the
plane handle in the 3D view, a lesson or undo, sets the controls back (with no echo).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from app.model.scene.state import Aspect, SceneModel
from app.model.sections.planes import LEVELS, MAX_OFFSET_MM, ORIENTATIONS, Section, level_label

#: The orientations offered, as the combo box lists them (Oblique only while a tilted plane is on).
CHOICES = ("off", "axial", "coronal", "sagittal", "oblique")
#: What each orientation's two sides are called: (the side its normal points to, the other).
SIDES = {
    "axial": ("above", "below"),
    "coronal": ("in front", "behind"),
    "sagittal": ("right", "left"),
    "oblique": ("on the arrow's side", "on the other side"),
}
#: The level a new section starts at: the disc where the trans-psoas approach is weighed.
FIRST_LEVEL = "L4_L5"
#: How far past the outermost levels the slider reaches (mm): the whole scene.
SLIDER_MARGIN_MM = 150.0
DEFAULT_SLAB_MM = 10.0


class LevelSlider(QSlider):
    """A horizontal slider (mm along the plane's normal) with a tick under each level: a long
    one at each vertebra, a short one at each disc."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.marks: dict[str, float] = {}
        self.setMinimumHeight(self.sizeHint().height() + 8)

    def set_marks(self, marks: dict[str, float]) -> None:
        self.marks = dict(marks)
        self.setToolTip(
            "Move the plane (mm from the origin); ticks mark the levels: "
            + ", ".join(level_label(level) for level in marks)
        )
        self.update()

    def position_of(self, value: float) -> int:
        """The x pixel of a value, where the handle's centre would be."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )
        span = max(1, groove.width() - handle.width())
        fraction = (value - self.minimum()) / max(1, self.maximum() - self.minimum())
        return groove.x() + handle.width() // 2 + round(fraction * span)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if not self.marks:
            return
        painter = QPainter(self)
        painter.setPen(QColor(self.palette().text().color()))
        bottom = self.height() - 1
        for level, offset in self.marks.items():
            if self.minimum() <= offset <= self.maximum():
                x = self.position_of(offset)
                length = 3 if "_" in level else 6
                painter.drawLine(x, bottom - length, x, bottom)
        painter.end()


class SectionPanel(QWidget):
    """Orientation, level, position and kept side of one scene's section."""

    #: The slider is held (True) or let go (False): the window swaps detail levels.
    dragging = Signal(bool)
    #: The user asked to show (True) or hide the plane handle in the 3D view.
    handle_toggled = Signal(bool)

    def __init__(self, scene: SceneModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        self._updating = False
        #: While the plane handle is held the panel waits (a repaint of the dock beside the
        #: 3D view costs each frame a fifth); it catches up when the handle is let go.
        self.paused = False
        form = QFormLayout()

        self.orientation = QComboBox()
        self.orientation.setAccessibleName("Section orientation")
        for choice in CHOICES[:4]:
            self.orientation.addItem(choice.capitalize(), choice)
        self.orientation.activated.connect(self._orientation_chosen)
        form.addRow("Cut", self.orientation)

        self.level = QComboBox()
        self.level.setAccessibleName("Snap to level")
        self.level.setToolTip("Snap the plane to a level: it then moves with that level's bones in any pose")
        self.level.addItem("—", None)
        for level in LEVELS:
            if level in scene.sections.levels:
                self.level.addItem(level_label(level), level)
        self.level.activated.connect(self._level_chosen)
        form.addRow("Level", self.level)

        self.slider = LevelSlider()
        self.slider.setAccessibleName("Section position (mm)")
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderPressed.connect(lambda: self.dragging.emit(True))
        self.slider.sliderReleased.connect(lambda: self.dragging.emit(False))
        self.position = QLabel()
        self.position.setAccessibleName("Section position")
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(self.slider)
        column.addWidget(self.position)
        form.addRow("Position", column)

        self.keep = QComboBox()
        self.keep.setAccessibleName("Hide a side or keep a slab")
        self.keep.activated.connect(self._keep_chosen)
        form.addRow("Hide", self.keep)

        self.slab = QDoubleSpinBox()
        self.slab.setAccessibleName("Slab thickness")
        self.slab.setRange(1.0, 100.0)
        self.slab.setDecimals(0)
        self.slab.setSuffix(" mm")
        self.slab.setValue(DEFAULT_SLAB_MM)
        self.slab.valueChanged.connect(self._slab_set)
        form.addRow("Slab", self.slab)

        self.show_handle = QCheckBox("Show plane handle")
        self.show_handle.setToolTip("Drag the plane in the 3D view (its arrow tilts it)")
        self.show_handle.setChecked(True)
        self.show_handle.toggled.connect(self.handle_toggled)
        form.addRow(self.show_handle)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        scene.changed.connect(self._on_scene_changed)
        self._show(scene.section)

    # the model -> the controls
    def _on_scene_changed(self, aspects: Aspect) -> None:
        if Aspect.section in aspects and not self.paused:
            self._show(self.scene.section)

    def set_paused(self, paused: bool) -> None:
        """Wait while the plane handle is held (True); catch up when let go."""
        self.paused = paused
        if not paused:
            self._show(self.scene.section)

    def _show(self, section: Section | None) -> None:
        self._updating = True
        try:
            self._show_section(section)
        finally:
            self._updating = False

    def _show_section(self, section: Section | None) -> None:
        orientation = section.orientation if section is not None else "off"
        oblique = self.orientation.findData("oblique")
        if orientation == "oblique" and oblique < 0:
            self.orientation.addItem("Oblique", "oblique")
        elif orientation != "oblique" and oblique >= 0:
            self.orientation.removeItem(oblique)
        self.orientation.setCurrentIndex(self.orientation.findData(orientation))
        for widget in (self.level, self.slider, self.keep, self.slab, self.show_handle):
            widget.setEnabled(section is not None)
        if section is None:
            self.position.setText("")
            return
        self.level.setCurrentIndex(max(0, self.level.findData(section.level)))
        marks = self.scene.sections.level_offsets(section.normal)
        if not self.slider.isSliderDown():  # a held slider keeps its range under the mouse
            if marks != self.slider.marks:  # a new orientation: the range and ticks along it
                low = min([*marks.values(), section.offset_mm], default=0.0) - SLIDER_MARGIN_MM
                high = max([*marks.values(), section.offset_mm], default=0.0) + SLIDER_MARGIN_MM
                self.slider.setRange(round(max(-MAX_OFFSET_MM, low)), round(min(MAX_OFFSET_MM, high)))
                self.slider.set_marks(marks)
            self.slider.setValue(round(section.offset_mm))
        where = level_label(section.level) if section.level else "free"
        self.position.setText(f"{section.offset_mm:+.0f} mm ({where})")
        towards, away = SIDES[orientation]
        if self.keep.itemText(0) != f"Hide {towards}":  # the sides' names follow the orientation
            self.keep.clear()
            self.keep.addItem(f"Hide {towards}", "towards")
            self.keep.addItem(f"Hide {away}", "away")
            self.keep.addItem("Keep a slab", "slab")
        kept = "slab" if section.slab_mm else ("away" if section.flipped else "towards")
        self.keep.setCurrentIndex(self.keep.findData(kept))
        self.slab.setEnabled(bool(section.slab_mm))
        if section.slab_mm:
            self.slab.setValue(section.slab_mm)

    # the controls -> the model
    def _set(self, section: Section | None) -> None:
        if not self._updating:
            self.scene.set_section(section)

    def _orientation_chosen(self, index: int) -> None:
        choice = self.orientation.itemData(index)
        section = self.scene.section
        if choice == "off":
            self._set(None)
        elif choice in ORIENTATIONS and (section is None or section.orientation != choice):
            self._set(self._oriented(section, choice))

    def _oriented(self, section: Section | None, orientation: str) -> Section:
        """``section`` turned to ``orientation`` (a new one at :data:`FIRST_LEVEL` if none)."""
        sections = self.scene.sections
        level = section.level if section is not None and section.level else None
        if section is None:
            level = FIRST_LEVEL if FIRST_LEVEL in sections.levels else None
            section = Section()
        turned = replace(section, normal=ORIENTATIONS[orientation])
        return sections.snapped(turned, level) if level else turned

    def _level_chosen(self, index: int) -> None:
        level = self.level.itemData(index)
        section = self.scene.section
        if section is not None and level is not None:
            self._set(self.scene.sections.snapped(section, level))

    def _slid(self, value: int) -> None:
        section = self.scene.section
        if section is not None and round(section.offset_mm) != value:
            self._set(section.moved_to(float(value)))

    def _keep_chosen(self, index: int) -> None:
        section = self.scene.section
        if section is None:
            return
        kept = self.keep.itemData(index)
        if kept == "slab":
            self._set(replace(section, slab_mm=section.slab_mm or self.slab.value(), flipped=False))
        else:
            self._set(replace(section, slab_mm=None, flipped=kept == "away"))

    def _slab_set(self, value: float) -> None:
        section = self.scene.section
        if section is not None and section.slab_mm and section.slab_mm != value:
            self._set(replace(section, slab_mm=float(value)))
