"""Start the viewer application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.model.atlas import Atlas


def run_viewer(atlas: Atlas, view: str | None = None, detail: str = "standard") -> int:
    """Open the main window on the data set and run Qt's event loop until it closes.

    Problems found in the data and annotation files are shown without blocking: the app
    runs with whatever was valid.
    """
    from app.qt.main_window import MainWindow

    application = QApplication.instance() or QApplication(sys.argv)
    application.setApplicationName("Psoas Atlas")
    application.setOrganizationName("Psoas Atlas")
    window = MainWindow.for_atlas(atlas, detail=detail)
    if view:
        window.scene.set_view(view)
    window.show()
    if window.problems:
        window.show_problems()
    return int(application.exec())
