"""Mouse handling on the 3D view: a click selects, a drag only rotates, hovering names.

A press and release with (almost) no movement between them is a click: it picks the
structure under the cursor and selects it, or clears the selection on empty space. Any
drag is left to VTK's camera interaction, as in MNE-Python's brain viewer: the press is
handed to VTK only once the mouse has moved past a few pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.scene.state import SceneModel

if TYPE_CHECKING:
    from app.render.scene_renderer import SceneRenderer

CLICK_SLOP_PX = 4
HOVER_INTERVAL_S = 0.05
#: A hook that may take a click instead of the selection: given the structure picked (or
#: None) and the world point picked (or None), it returns True when it used the click.
ClickHook = Callable[[str | None, tuple[float, float, float] | None], bool]


class ClickSelector(QObject):
    """Event filter on the interactor widget that turns clicks into ``scene.select``."""

    def __init__(self, widget: QWidget, scene: SceneModel, renderer: SceneRenderer):
        super().__init__(widget)
        self.widget = widget
        self.scene = scene
        self.renderer = renderer
        self._pressed_at: QPoint | None = None
        self._press_event: QMouseEvent | None = None
        self._dragging = False
        self._replaying = False
        self._last_hover = 0.0
        self.hovered: str | None = None
        #: Takes clicks first (a quiz question grades them instead of selecting).
        self.on_click: ClickHook | None = None
        #: Hovering names the structure; off while a quiz question waits.
        self.tooltips = True
        widget.setMouseTracking(True)
        widget.installEventFilter(self)

    def pick_at(self, pos: QPoint, tolerant: bool = True) -> str | None:
        """The structure under a widget position (Qt's origin is top-left, VTK's bottom-left)."""
        ratio = self.widget.devicePixelRatioF()
        x = pos.x() * ratio
        y = (self.widget.height() - 1 - pos.y()) * ratio
        return self.renderer.pick(x, y, tolerant)

    def pixel_of(self, structure_id: str, samples: int = 300) -> QPoint | None:
        """A widget pixel where a click would pick ``structure_id`` (searched over its
        vertices), or None when it is not visible in the view. Used by tests and the bench."""
        ratio = self.widget.devicePixelRatioF()
        renderer = self.renderer.plotter.renderer
        coordinate = vtkCoordinate()
        coordinate.SetCoordinateSystemToWorld()
        mesh = self.renderer.meshes[structure_id]
        # A click picks a structure that is not thin only where it is under the pixel (and no
        # thin one is near): one exact pick rules out most vertices before the tolerant one,
        # which tries up to 37 pixels around.
        thick = structure_id not in self.renderer.picker.thin
        for point in mesh.points[:: max(1, mesh.n_points // samples)]:
            coordinate.SetValue(*point)
            x, y = coordinate.GetComputedDoubleDisplayValue(renderer)
            qt = QPoint(round(x / ratio), round(self.widget.height() - 1 - y / ratio))
            inside = 5 < qt.x() < self.widget.width() - 5 and 5 < qt.y() < self.widget.height() - 5
            if not inside or (thick and self.pick_at(qt, tolerant=False) != structure_id):
                continue
            if self.pick_at(qt) == structure_id:  # as a click picks: thin nerves win nearby
                return qt
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Hold a left press back from VTK until the mouse moves: a click then costs one
        frame (the highlighted one) instead of VTK's end-of-rotation frame as well."""
        if self._replaying or not isinstance(event, QMouseEvent):
            if event.type() == QEvent.Type.Leave:
                self.hovered = None
                QToolTip.hideText()
            return False
        kind = event.type()
        left = event.button() == Qt.MouseButton.LeftButton
        if kind == QEvent.Type.MouseButtonPress and left:
            self._pressed_at = event.position().toPoint()
            self._press_event = QMouseEvent(
                event.type(), event.position(), event.globalPosition(), event.button(),
                event.buttons(), event.modifiers(),
            )  # fmt: skip
            self._dragging = False
            return True
        if kind == QEvent.Type.MouseMove:
            if self._pressed_at is not None and not self._dragging:
                moved = (event.position().toPoint() - self._pressed_at).manhattanLength()
                if moved <= CLICK_SLOP_PX:
                    return True
                self._dragging = True  # a drag after all: give VTK the press it missed
                self._replay(self._press_event)
            elif event.buttons() == Qt.MouseButton.NoButton and self.tooltips:
                self._hover(event)
            return False
        if kind == QEvent.Type.MouseButtonRelease and left and self._pressed_at is not None:
            point, dragging = self._pressed_at, self._dragging
            self._pressed_at, self._dragging = None, False
            if dragging:
                return False
            picked = self.pick_at(point)
            if self.on_click is not None:
                where = self.renderer.picker.pick_point() if picked is not None else None
                if self.on_click(picked, where):
                    return True
            self.scene.select(picked)
            return True
        return False

    def _replay(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        self._replaying = True
        try:
            QApplication.sendEvent(self.widget, event)
        finally:
            self._replaying = False

    def _hover(self, event: QMouseEvent) -> None:
        now = time.perf_counter()
        if now - self._last_hover < HOVER_INTERVAL_S:
            return
        self._last_hover = now
        structure_id = self.pick_at(event.position().toPoint())
        if structure_id == self.hovered:
            return
        self.hovered = structure_id
        if structure_id is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(
                event.globalPosition().toPoint(), self.scene.catalogue[structure_id].name, self.widget
            )
