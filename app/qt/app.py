"""Start the viewer application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.memory import keep_for_good
from app.model.atlas import Atlas


def run_viewer(atlas: Atlas, view: str | None = None, detail: str = "standard") -> int:
    """Open the main window on the data set and run Qt's event loop until it closes.

    Problems found in the data and annotation files are shown without blocking: the app
    runs with whatever was valid.
    """
    from app.qt.docks import fit_to_screen
    from app.qt.main_window import MainWindow
    from app.qt.welcome import welcome_once

    application = QApplication.instance() or QApplication(sys.argv)
    application.setApplicationName("Psoas Atlas")
    application.setOrganizationName("Psoas Atlas")
    window = MainWindow.for_atlas(atlas, detail=detail)
    if view:
        window.scene.set_view(view)
    window.show()
    application.processEvents()  # the window manager's frame, known once the window is shown
    fit_to_screen(window)
    if window.problems:
        window.show_problems()
    welcome_once(window)  # the first run only (the window keeps the box)
    keep_for_good()  # start-up's objects live as long as the window
    return int(application.exec())
