"""The Motion panel: a slider and a number box per joint, named poses, Reset, and the
muscles' lengths and hip-flexion moment arms, live.

It only listens to the scene and calls it: dragging a slider sets the scene's pose (the
renderer poses the low-detail surfaces while the slider is held, the full ones when it is
let go), and every pose change, from here, a bookmark or a lesson, moves the sliders back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.model.body import Body
from app.model.kinematics import JOINTS, Pose
from app.model.scene import SceneModel

#: Muscles whose length the panel reads out (those of the shown ones with a path).
READOUT = ("psoas_major", "iliacus", "psoas_minor")


class MotionPanel(QWidget):
    """Joint sliders, named poses and the live length readout of one scene."""

    #: A slider is held (True) or let go (False): the window swaps detail levels.
    dragging = Signal(bool)

    def __init__(self, scene: SceneModel, body: Body, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        self.body = body
        self.sliders: dict[str, QSlider] = {}
        self.boxes: dict[str, QDoubleSpinBox] = {}
        self._updating = False

        layout = QVBoxLayout(self)
        poses = QHBoxLayout()
        self.poses = QComboBox()
        self.poses.setAccessibleName("Named pose")
        self.poses.addItem("Choose a pose…", None)
        for name, named in body.motion.poses.items():
            self.poses.addItem(named.title, name)
            self.poses.setItemData(self.poses.count() - 1, named.source, Qt.ItemDataRole.ToolTipRole)
        self.poses.activated.connect(self._pose_chosen)
        poses.addWidget(self.poses, 1)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to neutral standing")
        self.reset.clicked.connect(lambda: self.scene.set_pose(Pose()))
        poses.addWidget(self.reset)
        layout.addLayout(poses)

        grid = QGridLayout()
        for row, joint in enumerate(JOINTS.values()):
            label = QLabel(joint.label)
            label.setToolTip(joint.meaning)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(int(joint.lower), int(joint.upper))
            slider.setAccessibleName(joint.label)
            slider.setToolTip(f"{joint.label}: {joint.meaning}, {joint.lower:g} to {joint.upper:g}°")
            box = QDoubleSpinBox()
            box.setRange(joint.lower, joint.upper)
            box.setDecimals(0)
            box.setSuffix("°")
            box.setAccessibleName(f"{joint.label} (degrees)")
            slider.valueChanged.connect(lambda value, name=joint.name: self._set(name, float(value)))
            box.valueChanged.connect(lambda value, name=joint.name: self._set(name, float(value)))
            slider.sliderPressed.connect(lambda: self.dragging.emit(True))
            slider.sliderReleased.connect(lambda: self.dragging.emit(False))
            grid.addWidget(label, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(box, row, 2)
            self.sliders[joint.name] = slider
            self.boxes[joint.name] = box
        layout.addLayout(grid)

        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setAccessibleName("Muscle lengths")
        self.readout.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.readout)
        layout.addLayout(form)
        layout.addStretch(1)
        self._neutral = body.mechanics.lengths(Pose())
        scene.pose_changed.connect(self._show_pose)
        self._show_pose(scene.pose)

    def _pose_chosen(self, index: int) -> None:
        name = self.poses.itemData(index)
        if name:
            self.scene.set_pose(self.body.motion.poses[name].pose)

    def _set(self, joint: str, value: float) -> None:
        if not self._updating:
            self.scene.set_pose({joint: value})

    def _show_pose(self, pose: Pose) -> None:
        """Sliders, boxes and the readout as the scene's pose says."""
        self._updating = True
        try:
            for name, slider in self.sliders.items():
                slider.setValue(round(pose[name]))
                self.boxes[name].setValue(pose[name])
        finally:
            self._updating = False
        self.readout.setText(self.lengths_text(pose))

    def lengths_text(self, pose: Pose) -> str:
        """The readout: each shown muscle's length (mm, % of neutral) and hip-flexion
        moment arm (mm)."""
        mechanics = self.body.mechanics
        lengths = mechanics.lengths(pose)
        rows = []
        for muscle, length in lengths.items():
            if not muscle.startswith(READOUT) or not self.scene.is_visible(muscle):
                continue
            percent = 100 * length / self._neutral[muscle]
            arm = mechanics.hip_flexion_moment_arm(muscle, pose)
            name = self.scene.catalogue[muscle].name if muscle in self.scene.catalogue else muscle
            rows.append(
                f"<tr><td>{name}</td><td align='right'>{length:.0f} mm</td>"
                f"<td align='right'>{percent:.0f}%</td><td align='right'>{arm:.0f} mm</td></tr>"
            )
        header = "<tr><th align='left'>Muscle</th><th>Length</th><th>of neutral</th><th>Flexion arm</th></tr>"
        return f"<table cellspacing='4'>{header}{''.join(rows)}</table>"
