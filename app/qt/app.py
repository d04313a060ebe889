"""Start the viewer application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.model.scene import SceneModel


def run_viewer(scene: SceneModel, view: str | None = None) -> int:
    """Open the main window on ``scene`` and run Qt's event loop until it closes."""
    from app.qt.main_window import MainWindow

    application = QApplication.instance() or QApplication(sys.argv)
    application.setApplicationName("Psoas Atlas")
    application.setOrganizationName("Psoas Atlas")
    window = MainWindow(scene)
    if view:
        scene.set_view(view)
    window.show()
    return int(application.exec())
