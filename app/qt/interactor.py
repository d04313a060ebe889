"""The 3D widget: pyvistaqt's ``QtInteractor`` without its second render per frame.

pyvistaqt renders the VTK scene again inside every ``paintGL``, and every VTK render
(a camera drag, a selection) schedules a paint, so each frame was drawn twice. Like the
C++ ``QVTKOpenGLNativeWidget``, this widget skips the render in a paint that only shows a
frame VTK has just finished, and blits it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from pyvistaqt import QtInteractor


class AtlasInteractor(QtInteractor):
    def __init__(self, *args: Any, **kwargs: Any):
        self._fresh = False
        self._painting = False
        super().__init__(*args, **kwargs)
        self.render_window.AddObserver("EndEvent", self._on_frame)
        # Every pixel is VTK's: Qt need not paint the window's background under the view
        # first. Without this, any widget redrawn beside it (a joint slider and its box)
        # made Qt repaint the main window under the whole 3D view at each frame.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def _on_frame(self, *_args: Any) -> None:
        if not self._painting:
            self._fresh = True

    def resizeGL(self, w: int, h: int) -> None:  # noqa: N802 - Qt API
        self._fresh = False  # a new size needs a new frame
        super().resizeGL(w, h)

    def paintGL(self) -> None:  # noqa: N802 - Qt API
        window = self._RenderWindow
        if not self._fresh or window is None or not window.GetReadyForRendering():
            self._painting = True
            try:
                super().paintGL()
            finally:
                self._painting = False
            return
        self._fresh = False
        QOpenGLWidget.paintGL(self)
        state = window.GetState()
        state.Reset()
        state.Push()
        self.makeCurrent()
        ratio = self.devicePixelRatioF()
        rect = QRect(0, 0, max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        self._blit(self.defaultFramebufferObject(), rect)
        state.Pop()
