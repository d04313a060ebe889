"""Play a movement: the scene's pose follows an eased tween in real time (at a chosen speed,
once or there and back in a loop), in the window's Motion dock and in presentation mode.

The player only sets the scene's pose; the renderer poses the low-detail surfaces while it
plays and the full ones when it stops. Any other change of pose (a slider, a bookmark, a
lesson step) pauses it, so the user is never fought for the controls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QWidget,
)

from app.model.motion.activities import Activity, ActivityTrack
from app.model.motion.cycles import activity_of, cycle_fraction, phase_label
from app.model.motion.kinematics import Pose
from app.model.motion.playback import Track, Tween
from app.model.motion.poses import Motion
from app.render.scene_renderer import SceneRenderer

if TYPE_CHECKING:
    from app.qt.cycle_plot import CyclePanel

#: The frame interval asked of the timer (a frame that takes longer just comes later).
FRAME_MS = 16
SPEEDS = (0.25, 0.5, 1.0, 2.0)
#: The scrub slider's steps over a cycle (tenths of a per cent).
SCRUB_STEPS = 1000


class PosePlayer(QObject):
    """Plays a :class:`~app.model.motion.playback.Tween` (or an activity's cycle, looping
    round) on a renderer's scene."""

    playing_changed = Signal(bool)
    #: A movement played to its end (not looping, not paused).
    finished = Signal()

    def __init__(
        self,
        renderer: SceneRenderer,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ):
        super().__init__(parent)
        #: Where the movement's time comes from (seconds): real time; a test steps its own.
        self.clock = clock
        self.renderer = renderer
        self.scene = renderer.scene
        self.tween: Track | None = None
        self.speed = 1.0
        self.loop = False
        self.elapsed = 0.0  # seconds of the movement played (at speed 1)
        self.frame_times: list[float] = []  # seconds each frame took to show its pose
        self._set: Pose | None = None
        self._clock = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.step)
        self.scene.pose_changed.connect(self._pose_changed)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def play(self, tween: Track | None = None, loop: bool | None = None) -> None:
        """Play ``tween`` from its start (or go on with the one paused); ``loop`` there and
        back until paused, or once (unchanged if not given)."""
        if loop is not None:
            self.loop = loop
        if tween is not None:
            self.tween, self.elapsed = tween, 0.0
        if self.tween is None:
            return
        if self.done:
            self.elapsed = 0.0
        self.frame_times = []
        self._clock = self.clock()
        self.renderer.begin_interaction()
        self.timer.start()
        self._show(self.tween.at(self.elapsed, self.loop))
        self.playing_changed.emit(True)

    def pause(self) -> None:
        """Stop where it is; the full-detail surfaces catch up."""
        if not self.playing:
            return
        self.timer.stop()
        if self.renderer.interacting:
            self.renderer.end_interaction()
        self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, track: Track, time: float) -> None:
        """Put the body where ``track`` is ``time`` seconds in (a scrub), playing on from
        there if it plays; ``track`` becomes the one played."""
        self.tween, self.elapsed = track, max(0.0, time)
        self._clock = self.clock()
        self._show(track.at(self.elapsed, loop=True))

    @property
    def shown_pose(self) -> Pose | None:
        """The pose the player last set (the scene's, unless someone moved the body since)."""
        return self._set

    @property
    def done(self) -> bool:
        return self.tween is not None and not self.loop and self.elapsed >= self.tween.seconds

    def step(self) -> None:
        """One frame: the clock read, the pose shown (the timer calls it every FRAME_MS)."""
        if self.tween is None:
            return
        began = time.perf_counter()
        now = self.clock()
        self.elapsed += (now - self._clock) * self.speed
        self._clock = now
        self._show(self.tween.at(self.elapsed, self.loop))
        self.frame_times.append(time.perf_counter() - began)
        if self.done:
            self.pause()
            self.finished.emit()

    def _show(self, pose: Pose) -> None:
        self._set = pose
        self.scene.set_pose(pose)

    def _pose_changed(self, pose: Pose) -> None:
        if self.playing and pose != self._set:
            self.pause()  # someone else moved the body


class PlayBar(QWidget):
    """From, to, seconds, speed, loop and Play/Pause: a movement between named poses."""

    def __init__(
        self,
        player: PosePlayer,
        motion: Motion,
        parent: QWidget | None = None,
        activities: dict[str, Activity] | None = None,
    ):
        super().__init__(parent)
        self.player = player
        self.motion = motion
        self.activities = dict(activities or {})
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # A movement between two poses, or an activity's measured cycle (walking...).
        self.activity = QComboBox()
        self.activity.setAccessibleName("Play a movement or an activity")
        self.activity.addItem("Movement between poses", None)
        for key, activity in self.activities.items():
            self.activity.addItem(f"{activity.title} (measured cycle)", key)
            index = self.activity.count() - 1
            self.activity.setItemData(index, _activity_tip(activity), Qt.ItemDataRole.ToolTipRole)
        self.activity.currentIndexChanged.connect(self._activity_chosen)
        self.phase = QLabel()
        self.phase.setAccessibleName("Phase of the activity")
        self.phase.setWordWrap(True)
        # Where in the cycle: dragged, the body is posed there (and plays on from there).
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setRange(0, SCRUB_STEPS)
        self.scrub.setSingleStep(SCRUB_STEPS // 100)  # the arrow keys: 1 %
        self.scrub.setPageStep(SCRUB_STEPS // 20)
        self.scrub.setAccessibleName("Where in the cycle (%)")
        self.scrub.setToolTip("Drag to pose the body at that instant of the cycle (0 to 100 %)")
        self.scrub.valueChanged.connect(self._scrubbed)
        self.scrub.sliderPressed.connect(lambda: self._hold(True))
        self.scrub.sliderReleased.connect(lambda: self._hold(False))
        self.scrub_label = QLabel("Cycle")
        self._scrubbing = False  # the slider follows the player: not a scrub
        #: The plot of the lengths over the cycle, built when an activity is first chosen.
        self.cycle: CyclePanel | None = None
        self.start = self._poses("Play from pose", "neutral")
        self.end = self._poses("Play to pose", "leg_lift")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.5, 30)
        self.seconds.setValue(3.0)
        self.seconds.setSingleStep(0.5)
        self.seconds.setSuffix(" s")
        self.seconds.setAccessibleName("Movement duration (seconds)")
        self.speed = QComboBox()
        self.speed.setAccessibleName("Playback speed")
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}\N{MULTIPLICATION SIGN}", speed)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(self._speed_chosen)
        self.loop = QCheckBox("Loop")
        self.loop.setToolTip("Play there and back until paused")
        self.loop.toggled.connect(self._loop_chosen)
        self.button = QPushButton()
        self.button.setAccessibleName("Play or pause the movement")
        self.button.setToolTip("Play or pause the movement (K)")
        self.button.clicked.connect(self.toggle)
        self._show_playing(False)
        row = 0
        if self.activities:  # data sets without activities show the bar as before
            layout.addWidget(QLabel("Play"), 0, 0)
            layout.addWidget(self.activity, 0, 1, 1, 2)
            row = 1
        layout.addWidget(QLabel("From"), row, 0)
        layout.addWidget(self.start, row, 1, 1, 2)
        layout.addWidget(QLabel("To"), row + 1, 0)
        layout.addWidget(self.end, row + 1, 1, 1, 2)
        layout.addWidget(self.seconds, row + 2, 0, 1, 2)
        layout.addWidget(self.speed, row + 2, 2)
        layout.addWidget(self.button, row + 3, 0, 1, 2)
        layout.addWidget(self.loop, row + 3, 2)
        layout.addWidget(self.scrub_label, row + 4, 0)
        layout.addWidget(self.scrub, row + 4, 1, 1, 2)
        layout.addWidget(self.phase, row + 5, 0, 1, 3)
        self.cycle_row = row + 6
        for widget in (self.phase, self.scrub, self.scrub_label):
            widget.hide()
        layout.setColumnStretch(1, 1)
        player.playing_changed.connect(self._show_playing)
        player.scene.pose_changed.connect(self._show_phase)

    def _poses(self, name: str, default: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        # Long pose titles are elided rather than set the dock's width.
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        for key, named in self.motion.poses.items():
            box.addItem(named.title, key)
        index = box.findData(default)
        box.setCurrentIndex(max(0, index))
        return box

    def chosen_activity(self) -> Activity | None:
        key = self.activity.currentData()
        return self.activities.get(key) if key is not None else None

    def title(self) -> str:
        """What the bar plays, in words (a video's name for it)."""
        activity = self.chosen_activity()
        if activity is not None:
            return f"{activity.title}, one cycle ({activity.population})"
        return f"{self.start.currentText()} to {self.end.currentText()}"

    def tween(self) -> Track:
        """The movement the bar describes now (an activity's cycle when one is chosen)."""
        activity = self.chosen_activity()
        if activity is not None:
            return activity.track()
        start = self.motion.resolve([self.start.currentData()])
        end = self.motion.resolve([self.end.currentData()])
        return Tween(start, end, self.seconds.value())

    def toggle(self) -> None:
        """Pause a movement that plays; otherwise play the chosen one (from the start, or on
        from where it was paused when nothing was changed)."""
        player = self.player
        if player.playing:
            player.pause()
        elif player.tween == self.tween() and not player.done and player.elapsed > 0:
            player.play(loop=self.loop.isChecked())
        else:
            player.play(self.tween(), loop=self.loop.isChecked())

    def _speed_chosen(self, index: int) -> None:
        self.player.speed = float(self.speed.itemData(index))

    def _loop_chosen(self, on: bool) -> None:
        self.player.loop = on

    def _show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.button.setIcon(self.style().standardIcon(icon))
        self.button.setText("Pause" if playing else "Play")
        movement = self.chosen_activity() is None
        for widget in (self.start, self.end, self.seconds):
            widget.setEnabled(not playing and movement)
        self.activity.setEnabled(not playing)

    def _activity_chosen(self, _index: int) -> None:
        activity = self.chosen_activity()
        if activity is not None:
            self.loop.setChecked(True)  # a cycle is played round and round
            self.phase.setText(f"{activity.title}: {activity.population}")
            self.phase.setToolTip(_activity_tip(activity))
            self._cycle_panel().set_activity(activity, self.scrub.value() / SCRUB_STEPS)
        for widget in (self.phase, self.scrub, self.scrub_label):
            widget.setVisible(activity is not None)
        if self.cycle is not None:
            self.cycle.setVisible(activity is not None)
        self._show_playing(self.player.playing)

    def _cycle_panel(self) -> CyclePanel:
        """The plot of the lengths over the cycle (matplotlib imported the first time)."""
        if self.cycle is None:
            from app.qt.cycle_plot import CyclePanel

            self.cycle = CyclePanel(self.player.scene, self)
            layout = self.layout()
            assert isinstance(layout, QGridLayout)
            layout.addWidget(self.cycle, self.cycle_row, 0, 1, 3)
        return self.cycle

    def _hold(self, held: bool) -> None:
        """The scrub slider held: the low-detail surfaces while it is dragged (the player's
        own while it plays)."""
        renderer = self.player.renderer
        if self.player.playing:
            return
        if held:
            renderer.begin_interaction()
        elif renderer.interacting:
            renderer.end_interaction()

    def _scrubbed(self, value: int) -> None:
        """The body at ``value`` of the cycle, for the activity chosen (playing on from
        there if it plays)."""
        activity = self.chosen_activity()
        if self._scrubbing or activity is None:
            return
        track = self.player.tween
        if activity_of(track) is not activity or not isinstance(track, ActivityTrack):
            track = self.tween()
        self.player.seek(track, value / SCRUB_STEPS * track.seconds)

    def _show_phase(self, pose: Pose) -> None:
        """While the body is where the player put it in an activity's cycle: where in the
        cycle it is and both legs' phases, on the label, the scrub slider and the plot."""
        player = self.player
        fraction = cycle_fraction(player.tween, player.elapsed)
        activity = activity_of(player.tween)
        if fraction is None or activity is None or pose != player.shown_pose:
            return
        self.phase.setText(phase_label(activity, fraction))
        if activity is self.chosen_activity():
            self._scrubbing = True
            try:
                self.scrub.setValue(round(fraction * SCRUB_STEPS))
            finally:
                self._scrubbing = False
        if self.cycle is not None and self.cycle.activity is activity and self.cycle.isVisible():
            self.cycle.show_instant(fraction, playing=player.playing)


def _activity_tip(activity: Activity) -> str:
    return f"{activity.population}. Source: {activity.source} Licence: {activity.licence}."
