"""How the window's side panels are docked: one way for all of them (movable, closable, a
set width), and a scrolled dock for a tall panel so that it does not set the window's height.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QGroupBox, QMainWindow, QScrollArea, QVBoxLayout, QWidget


def add_dock(
    window: QMainWindow,
    title: str,
    widget: QWidget,
    area: Qt.DockWidgetArea,
    width: int,
    scrolled: bool = False,
) -> QDockWidget:
    """A dock of ``widget`` on ``window``; ``scrolled``, a tall one scrolls rather than set
    the window's height."""
    dock = QDockWidget(title, window)
    dock.setObjectName(title.lower() + "_dock")
    if scrolled:
        scroll = QScrollArea()
        scroll.setWidget(widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        widget = scroll
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    window.addDockWidget(area, dock)
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    return dock


def motion_column(parent: QWidget, play_bar: QWidget, joints: QWidget) -> QWidget:
    """The Motion dock's content: the movement player boxed above the joints' sliders."""
    playing = QGroupBox("Play a movement")
    QVBoxLayout(playing).addWidget(play_bar)
    column = QWidget(parent)
    stack = QVBoxLayout(column)
    stack.setContentsMargins(0, 0, 0, 0)
    stack.addWidget(playing)
    stack.addWidget(joints, 1)
    return column
