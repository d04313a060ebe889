"""Presentation mode's stage: the window's 3D view alone, full screen, and the window given
back as it was (its geometry, the panels that were shown, the dock tabs that were in front).
The section's plane handle is an editing tool: it is not shown on the stage (its frame and
plane covered a step's title), and comes back as the user had it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from app.qt.section_handle import SectionHandle


class FullScreen:
    """Hides a main window's menus, toolbars, docks and status bar and fills the screen."""

    def __init__(self, window: QMainWindow):
        self.window = window
        self._geometry = QByteArray()
        self._chrome: list[QWidget] = []
        self._front_docks: list[QDockWidget] = []
        self._handles: list[SectionHandle] = []  # the plane handles that were wanted

    def enter(self) -> None:
        window = self.window
        self._geometry = window.saveGeometry()
        docks = window.findChildren(QDockWidget)
        chrome = [window.menuBar(), window.statusBar(), *window.findChildren(QToolBar), *docks]
        self._chrome = [widget for widget in chrome if widget.isVisible()]
        # Of tabbed docks only the front one has a visible region: bring it back to the front.
        self._front_docks = [d for d in docks if d.isVisible() and not d.visibleRegion().isEmpty()]
        for widget in self._chrome:
            widget.hide()
        self._handles = [h for h in window.findChildren(SectionHandle) if h.wanted]
        for handle in self._handles:
            handle.set_wanted(False)
        if window.screen() is not None:  # with no window manager (a bare X server) nothing else sizes it
            window.setGeometry(window.screen().geometry())
        window.showFullScreen()

    def leave(self) -> None:
        window = self.window
        window.showNormal()
        window.restoreGeometry(self._geometry)
        for widget in self._chrome:
            widget.show()
        for handle in self._handles:
            handle.set_wanted(True)
        self._handles = []
        for dock in self._front_docks:
            dock.raise_()
