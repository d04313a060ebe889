"""Go to a lesson step or a bookmark with a smooth camera move instead of a cut.

The step (with a bookmark's pose) is applied to the model while the renderer holds its
frames, so the scene changes in one go; then the camera swings from where it was to where
the step puts it (:func:`app.model.scene.views.interpolate`) with low-detail meshes, and the last
frame is drawn at full detail.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QObject, QVariantAnimation, Signal

from app.model.scene.state import Aspect, Picture
from app.model.scene.views import CameraPose, interpolate
from app.model.teaching.lessons import Step, apply_step
from app.render.scene_renderer import SceneRenderer

FLIGHT_MS = 700


class CameraFlight(QObject):
    """Applies steps to a scene and animates the camera between them."""

    landed = Signal()

    def __init__(self, renderer: SceneRenderer, parent: QObject | None = None, duration_ms: int = FLIGHT_MS):
        super().__init__(parent)
        self.renderer = renderer
        self.scene = renderer.scene
        self.frames = 0  # frames drawn by the last flight (for tests and the bench)
        self._start: CameraPose | None = None
        self._end: CameraPose | None = None
        self.animation = QVariantAnimation(self)
        self.animation.setDuration(duration_ms)
        self.animation.setStartValue(0.0)
        self.animation.setEndValue(1.0)
        self.animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self.animation.valueChanged.connect(self._frame)
        self.animation.finished.connect(self._land)

    @property
    def duration_ms(self) -> int:
        """How long a flight takes (tests make it short; the user sees :data:`FLIGHT_MS`)."""
        return self.animation.duration()

    @duration_ms.setter
    def duration_ms(self, ms: int) -> None:
        self.animation.setDuration(ms)

    @property
    def flying(self) -> bool:
        return self.animation.state() == QVariantAnimation.State.Running

    def go(
        self, step: Step, animate: bool = True, picture: Picture | None = None, at_start: bool = False
    ) -> None:
        """Apply ``step`` (with ``picture``, if given; in the pose its movement starts from,
        ``at_start``); move the camera there smoothly, or cut when ``animate`` is false."""
        self.finish()
        start = self.renderer.camera_pose()
        with self.renderer.hold(render=not animate):
            apply_step(self.scene, step, picture, at_start=at_start)
        if not animate:
            self.landed.emit()
            return
        self._fly(start, self.renderer.camera_pose())

    def fly_to(
        self, pose: CameraPose, change: Callable[[], object] | None = None, animate: bool = True
    ) -> None:
        """Move the camera only, smoothly, to ``pose`` (a place found by search, a site
        singled out). ``change``, a change of the model, is made first, with its labels
        placed for the view at the end, as a lesson step's are."""
        self.finish()
        start = self.renderer.camera_pose()
        with self.renderer.hold(render=False):
            self.renderer.apply_camera(pose, render=False)
            if change is not None:
                change()
        if not animate:
            self.renderer.render()
            self.landed.emit()
            return
        self._fly(start, pose)

    def finish(self) -> None:
        """Jump to the end of a flight under way (a key pressed again, mode left)."""
        if self.flying:
            self.animation.stop()
            self._land()

    def _fly(self, start: CameraPose, end: CameraPose) -> None:
        self._start, self._end = start, end
        self.renderer.apply_camera(start, render=False)
        self.frames = 0
        self.renderer.begin_interaction()
        self.scene.changed.connect(self._on_changed)  # while flying only
        self.animation.start()

    def _on_changed(self, aspects: Aspect) -> None:
        """A view asked for while flying (a view key pressed, a step) wins: the flight stops
        where it is, instead of taking the camera back from the view at its next frame."""
        if Aspect.view in aspects and self.flying:
            self.animation.stop()
            self._end = None
            self._land()

    def _frame(self, t: object) -> None:
        if self._start is None or self._end is None:
            return
        self.renderer.apply_camera(interpolate(self._start, self._end, float(t)))  # type: ignore[arg-type]
        self.frames += 1

    def _land(self) -> None:
        self.scene.changed.disconnect(self._on_changed)
        if self._end is not None:
            self.renderer.apply_camera(self._end, render=False)
        self._start = self._end = None
        if self.renderer.interacting:
            self.renderer.end_interaction()  # full detail again, and the final frame
        else:
            self.renderer.render()
        self.landed.emit()
