"""The selected structure's opacity, as a slider above the Information panel.

The slider follows the scene (a new selection, an undo, ] and [); its signals are held
while it does, so following the scene is not taken for the user moving it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from app.model.scene.state import SceneModel


class OpacityRow(QWidget):
    """ "Opacity of <structure>" and a slider from 5 % to 100 %."""

    def __init__(self, scene: SceneModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 0)
        self.label = QLabel("Opacity")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(5, 100)
        self.slider.setToolTip("Opacity of the selected structure")
        self.slider.valueChanged.connect(self._moved)
        row.addWidget(self.label)
        row.addWidget(self.slider)

    def _moved(self, value: int) -> None:
        if self.scene.selected:
            self.scene.set_opacity(self.scene.selected, value / 100)

    def show_for(self, selected: bool, name: str | None) -> None:
        """Shown only with something selected (a slider that moves nothing is noise), named
        after ``name`` where it may be said (not while a quiz question waits)."""
        self.setVisible(selected)
        self.slider.setEnabled(selected)
        self.label.setText(f"Opacity of {name}" if name else "Opacity")

    def sync(self) -> None:
        """Show the selected structure's opacity (the slider's signals held)."""
        if self.scene.selected:
            self.slider.blockSignals(True)
            self.slider.setValue(round(self.scene.opacity(self.scene.selected) * 100))
            self.slider.blockSignals(False)
