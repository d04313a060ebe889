"""The Motion panel: a slider and a number box per joint, named poses, Reset, a plot of the
muscles' lengths over the range of the joint being moved, colours by length change, and the
muscles' lengths and hip-flexion moment arms, live.

It only listens to the scene and calls it: dragging a slider sets the scene's pose (the
renderer poses the low-detail surfaces while the slider is held, the full ones when it is
let go), and every pose change, from here, a bookmark or a lesson, moves the sliders back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.model.io.stages import STAGES
from app.model.motion.body import Body
from app.model.motion.kinematics import JOINTS, Pose
from app.model.motion.posture import POSTURES
from app.model.motion.thomas import MOST_SHORTENED, thomas_rest
from app.model.scene.state import Aspect, SceneModel

if TYPE_CHECKING:
    from app.qt.length_plot import LengthChangeBar, LengthPlot

#: Muscles whose length the panel reads out and plots (those of the shown ones with a path).
READOUT = ("psoas_major", "iliacus", "psoas_minor", "rectus_femoris", "quadratus_lumborum")
#: How often the readout and the plot follow a held slider (ms): ten times a second.
READOUT_MS = 100
#: The joint plotted until the user moves one.
FIRST_PLOTTED = "hip_flexion_right"


#: The sliders' headings, each with the start of the labels of the joints under it (which
#: the label under the heading leaves out: "Right hip flexion" is "Hip flexion" under
#: "Right leg"): hip, knee and ankle of a side together. A joint under none (pelvic tilt)
#: is its own heading, a row saved: the column and the lengths fit a laptop's screen.
HEADINGS = {
    "Right leg": "Right ",
    "Left leg": "Left ",
    "Lumbar spine": "Lumbar ",
}


def heading_of(label: str) -> tuple[str, str]:
    """A joint's heading and its name under it: narrow rows, long sliders."""
    for heading, start in HEADINGS.items():
        if label.startswith(start):
            return heading, label.removeprefix(start).capitalize()
    return "", label


def name_and_side(muscle: str) -> tuple[str, str]:
    """``psoas_major_right`` -> ("Psoas major", "right")."""
    base, side = muscle.rsplit("_", 1)
    return base.replace("_", " ").capitalize(), side


def short_name(muscle: str) -> str:
    """``psoas_major_right`` -> "Psoas major (R)": the plot legend's narrow name."""
    name, side = name_and_side(muscle)
    return f"{name} ({side[0].upper()})"


def _right_cells(texts: list[str], tag: str = "td") -> str:
    """Table cells aligned right (numbers and their headings)."""
    return "".join(f"<{tag} align='right'>{text}</{tag}>" for text in texts)


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
        #: The joint whose range is plotted: the last one moved here.
        self.plotted_joint = FIRST_PLOTTED
        #: Built when the panel is first on screen (see :meth:`set_on_screen`).
        self.on_screen = False
        self.plot: LengthPlot | None = None
        self.bar: LengthChangeBar | None = None
        self._plotted: tuple[str, Pose, tuple[str, ...]] | None = None  # joint, other joints, muscles

        #: While a slider is held, the readout and plot follow at most every READOUT_MS;
        #: while a movement plays, so do the sliders and their boxes (every joint moves).
        self._held = False
        self._playing = False
        self._readout_due = QTimer(self)
        self._readout_due.setSingleShot(True)
        self._readout_due.setInterval(READOUT_MS)
        self._readout_due.timeout.connect(self._catch_up)
        self.dragging.connect(self.hold)

        layout = QVBoxLayout(self)
        poses = QHBoxLayout()
        self.poses = QComboBox()
        self.poses.setAccessibleName("Named pose")
        self.poses.addItem("Choose a pose…", None)
        for name, named in body.motion.poses.items():
            self.poses.addItem(named.title, name)
            self.poses.setItemData(self.poses.count() - 1, named.source, Qt.ItemDataRole.ToolTipRole)
        self.poses.activated.connect(self._pose_chosen)
        # As narrow as the dock; the list that drops down shows the long titles whole.
        self.poses.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.poses.setMinimumContentsLength(12)
        self.poses.view().setMinimumWidth(self.poses.view().sizeHintForColumn(0))
        poses.addWidget(self.poses, 1)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Back to neutral standing")
        self.reset.clicked.connect(lambda: self.scene.set_pose(Pose()))
        poses.addWidget(self.reset)
        layout.addLayout(poses)
        layout.addLayout(self._posture_row())
        layout.addWidget(self._thomas_row())

        grid = QGridLayout()
        grid.setVerticalSpacing(0)
        last_heading = None
        for joint in JOINTS.values():
            heading, name = heading_of(joint.label)
            if heading != last_heading and heading:
                title = QLabel(f"<b>{heading}</b>")
                grid.addWidget(title, grid.rowCount(), 0, 1, 3)
            last_heading = heading
            row = grid.rowCount()
            label = QLabel(name if heading else f"<b>{name}</b>")
            label.setToolTip(f"{joint.label}: {joint.meaning}")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(int(joint.lower), int(joint.upper))
            slider.setAccessibleName(joint.label)
            slider.setToolTip(f"{joint.label}: {joint.meaning}, {joint.lower:g} to {joint.upper:g}°")
            box = QDoubleSpinBox()
            box.setRange(joint.lower, joint.upper)
            box.setDecimals(0)
            box.setSuffix("°")
            # No arrows (the slider beside it steps a degree), and only as tall as its text:
            # with the knees and ankles the column still fits a laptop with its lengths.
            box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.setFixedHeight(box.fontMetrics().height() + 6)
            box.setAccessibleName(f"{joint.label} (degrees)")
            slider.valueChanged.connect(lambda value, name=joint.name: self._set(name, float(value)))
            box.valueChanged.connect(lambda value, name=joint.name: self._set(name, float(value)))
            slider.sliderPressed.connect(lambda: self.dragging.emit(True))
            slider.sliderReleased.connect(lambda: self.dragging.emit(False))
            if not body.rig.can_turn(joint.name):  # an older data set: no knee or ankle axis
                for widget in (label, slider, box):
                    widget.setEnabled(False)
                    widget.setToolTip(f"{joint.label}: {body.rig.missing}")
            grid.addWidget(label, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(box, row, 2)
            self.sliders[joint.name] = slider
            self.boxes[joint.name] = box
        layout.addLayout(grid)

        self.colour_by_length = QCheckBox("Colour muscles by length change")
        self.colour_by_length.setToolTip(
            "The muscles with a path (psoas, iliacus, rectus femoris, quadratus lumborum) drawn "
            "brown when shorter than standing, grey as long, teal when longer"
        )
        self.colour_by_length.toggled.connect(scene.set_length_colours)
        layout.addWidget(self.colour_by_length)

        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setAccessibleName("Muscle lengths")
        self.readout.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.readout)
        layout.addLayout(form)
        layout.addStretch(1)
        scene.changed.connect(self._on_scene_changed)
        scene.length_colours_changed.connect(self._show_length_colours)
        self._on_scene_changed(Aspect.pose)

    def _posture_row(self) -> QHBoxLayout:
        """Where the body is: standing, sitting, kneeling, lying (the props follow)."""
        row = QHBoxLayout()
        self.posture = QComboBox()
        self.posture.setAccessibleName("Posture")
        self.posture.setToolTip("Where the body is: the floor, a chair or a table is drawn under it")
        for name, posture in POSTURES.items():
            self.posture.addItem(posture.label, name)
        self.posture.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.posture.setMinimumContentsLength(12)
        self.posture.view().setMinimumWidth(self.posture.view().sizeHintForColumn(0))
        self.posture.activated.connect(
            lambda index: self.scene.set_pose(self.scene.pose.in_posture(self.posture.itemData(index)))
        )
        row.addWidget(QLabel("Posture"))
        row.addWidget(self.posture, 1)
        return row

    def _thomas_row(self) -> QWidget:
        """The Thomas test's settings: shorten the tested leg's hip flexors and see where it
        comes to rest (:func:`~app.model.motion.thomas.thomas_rest`); shown in that posture."""
        self.thomas = QWidget()
        grid = QGridLayout(self.thomas)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(0)
        self.shortened: dict[str, QSpinBox] = {}
        for key, label in (("iliopsoas", "Iliopsoas"), ("rectus_femoris", "Rectus femoris")):
            box = QSpinBox()
            box.setRange(0, round(100 * MOST_SHORTENED))
            box.setSuffix(" %")
            box.setAccessibleName(f"Right {label.lower()} shortened by")
            box.setToolTip(
                f"Right {label.lower()} shorter than normal by this share: "
                "the hanging leg rests where it allows"
            )
            box.valueChanged.connect(self._thomas_changed)
            row = grid.rowCount()
            grid.addWidget(QLabel(f"{label} shortened"), row, 0)
            grid.addWidget(box, row, 1)
            self.shortened[key] = box
        self.thomas.setVisible(False)
        return self.thomas

    def _thomas_changed(self) -> None:
        if self._updating:
            return
        named = self.body.motion.poses.get("thomas_test")
        normal = self.scene.pose
        if named is not None:  # the tested leg's normal resting angles
            normal = normal.updated({j: named.pose[j] for j in ("hip_flexion_right", "knee_flexion_right")})
        self.scene.set_pose(
            thomas_rest(
                self.body.mechanics,
                normal,
                "right",
                self.shortened["iliopsoas"].value() / 100,
                self.shortened["rectus_femoris"].value() / 100,
            )
        )

    def _pose_chosen(self, index: int) -> None:
        name = self.poses.itemData(index)
        if name:
            self.scene.set_pose(self.body.motion.poses[name].pose)

    def _set(self, joint: str, value: float) -> None:
        if not self._updating:
            self.plotted_joint = joint
            self.scene.set_pose({joint: value})

    def _on_scene_changed(self, aspects: Aspect) -> None:
        if Aspect.pose in aspects and not self._playing:
            self._show_pose(self.scene.pose)
        if aspects & (Aspect.pose | Aspect.visibility):
            if self._held and Aspect.visibility not in aspects:
                if not self._readout_due.isActive():  # at most every READOUT_MS while dragging
                    self._readout_due.start()
            else:
                self._refresh_readout()

    def _refresh_readout(self) -> None:
        """The lengths, moment arms and the plot's marker for the scene's pose."""
        self._readout_due.stop()
        with STAGES("readout"):
            self.readout.setText(self.lengths_text(self.scene.pose))
        with STAGES("plot"):
            self._update_plot()

    def hold(self, held: bool) -> None:
        """A slider is pressed or let go, a movement starts or stops: while the body moves
        the readout and plot follow ten times a second (each frame is the body's only: the
        readout took a third of a playing frame); once it rests they are exact."""
        self._held = held
        if not held:
            self._refresh_readout()

    def follow_playing(self, playing: bool) -> None:
        """A movement starts or stops: as :meth:`hold`, and the sliders and boxes too follow
        ten times a second while it plays (set at every frame, the sixteen of them took a
        fifth of a playing frame to redraw), exactly when it stops."""
        self._playing = playing
        self.hold(playing)
        if not playing:
            self._show_pose(self.scene.pose)

    def _catch_up(self) -> None:
        """Due while the body moves: the readout and plot, and while a movement plays the
        sliders and boxes."""
        if self._playing:
            self._show_pose(self.scene.pose)
        self._refresh_readout()

    def _show_pose(self, pose: Pose) -> None:
        """Sliders, boxes and the pose box as the scene's pose says: the box names a pose
        only while the body is in it (after Reset, "Neutral standing"; after a movement, the
        pose it ended in; moved by hand, none)."""
        self._updating = True
        try:
            for name, slider in self.sliders.items():
                # Only what changed: setting a spin box's value repaints it even when the
                # value is the same (sixteen boxes redrawn at every frame of a drag).
                if slider.value() != round(pose[name]):
                    slider.setValue(round(pose[name]))
                angle = self.boxes[name]
                if abs(angle.value() - pose[name]) >= 0.5 * 10.0 ** -angle.decimals():
                    angle.setValue(pose[name])
            named = (key for key, each in self.body.motion.poses.items() if each.pose == pose)
            self.poses.setCurrentIndex(max(0, self.poses.findData(next(named, None))))
            self.posture.setCurrentIndex(max(0, self.posture.findData(pose.posture)))
            thomas = pose.posture == "thomas_test"
            named_thomas = self.body.motion.poses.get("thomas_test")
            if not thomas or (named_thomas is not None and pose == named_thomas.pose):
                for box in self.shortened.values():
                    box.setValue(0)
            self.thomas.setVisible(thomas)
        finally:
            self._updating = False

    def shown_muscles(self) -> list[str]:
        """The shown muscles that are read out and plotted: the right side's, then the left's,
        each in :data:`READOUT`'s order."""
        scene = self.scene
        shown = [
            m
            for m in self.body.mechanics.muscles
            if m.startswith(READOUT) and m in scene.catalogue and scene.is_visible(m)
        ]
        order = {base: i for i, base in enumerate(READOUT)}
        return sorted(shown, key=lambda m: (name_and_side(m)[1] != "right", order[m.rsplit("_", 1)[0]]))

    def lengths_text(self, pose: Pose) -> str:
        """The readout: each shown muscle's length (mm, % of neutral) and hip-flexion moment
        arm (mm), and a Knee column with the knee's where a shown muscle crosses it (the
        rectus femoris), under a heading per side, in columns narrow enough for the dock."""
        mechanics = self.body.mechanics
        lengths, changes = mechanics.lengths(pose), mechanics.length_changes(pose)
        shown = self.shown_muscles()
        knee = any(mechanics.crosses_knee(m) for m in shown)
        columns = 5 if knee else 4
        rows = []
        side = None
        for muscle in shown:
            name, muscle_side = name_and_side(muscle)
            if muscle_side != side:
                side = muscle_side
                rows.append(f"<tr><td colspan='{columns}'><b>{side.capitalize()}</b></td></tr>")
            percent = 100 + changes[muscle]
            arm = round(mechanics.hip_flexion_moment_arm(muscle, pose))  # no "-0"
            cells = [f"{lengths[muscle]:.0f}", f"{percent:.0f}", str(arm)]  # "%" heads its column
            if knee:
                crosses = mechanics.crosses_knee(muscle)
                cells.append(str(round(mechanics.knee_flexion_moment_arm(muscle, pose))) if crosses else "")
            rows.append(f"<tr><td style='white-space: nowrap'>{name}</td>{_right_cells(cells)}</tr>")
        heads = ["mm", "%", "Arm", *(["Knee"] if knee else [])]
        header = (  # one line: two-line headers read across as "Length of / mm neutral"
            "<tr><th align='left'>Muscle</th>"
            + "".join(f"<th align='right'>{h}</th>" for h in heads)
            + "</tr>"
        )
        arms = "Arm: moment arm for hip flexion" + ("; Knee: for knee flexion" if knee else "")
        note = f"<tr><td colspan='{columns}'><small>Length in mm and in % of standing; {arms}, mm"
        note += "</small></td></tr>"
        return f"<table cellspacing='1'>{header}{''.join(rows)}{note}</table>"

    # the plot and the colour bar
    def set_on_screen(self, on_screen: bool) -> None:
        """Whether the panel is on screen (its dock's tab is the one shown: a dock behind
        another's tab is moved off screen, still "visible"). The figures are built the first
        time it is (matplotlib's Qt canvas is imported then, not at the window's start) and
        follow the pose only while it is."""
        self.on_screen = on_screen
        if on_screen and self.plot is None:
            from app.qt.length_plot import LengthChangeBar, LengthPlot

            self.plot = LengthPlot(self)
            self.bar = LengthChangeBar(self)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            at = layout.indexOf(self.colour_by_length)
            layout.insertWidget(at + 1, self.bar)  # the colour bar under the check box
            layout.insertWidget(at + 3, self.plot)  # under the table: both in sight on a laptop
            self._show_length_colours(self.scene.length_colours)
        self._update_plot()

    def _update_plot(self) -> None:
        """Move the plot's marker to the current angle; draw the curves again only when the
        joint, the other joints or the muscles shown changed. Nothing while hidden."""
        if self.plot is None or not self.on_screen:
            return
        pose, joint = self.scene.pose, self.plotted_joint
        muscles = tuple(self.shown_muscles())
        plotted = (joint, pose.updated({joint: 0.0}), muscles)
        mechanics = self.body.mechanics
        if plotted != self._plotted:
            same_curve = self._plotted is not None and plotted[:2] == self._plotted[:2]
            curve = self.plot.curve if same_curve and self.plot.curve else mechanics.curve(joint, pose)
            self.plot.show_curve(curve, JOINTS[joint].label, {m: short_name(m) for m in muscles})
            self._plotted = plotted
        lengths = mechanics.lengths(pose)
        self.plot.move_marker(pose[joint], {m: lengths[m] for m in muscles})

    def _show_length_colours(self, on: bool) -> None:
        """The check box and the colour bar as the scene says."""
        self.colour_by_length.blockSignals(True)
        self.colour_by_length.setChecked(on)
        self.colour_by_length.blockSignals(False)
        if self.bar is not None:
            self.bar.setVisible(on)
