"""Start the viewer application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.model.anatomy import AnnotationError
from app.model.content import Library
from app.model.scene import SceneModel


def run_viewer(
    scene: SceneModel,
    library: Library | None = None,
    problems: list[AnnotationError] | None = None,
    view: str | None = None,
    detail: str = "standard",
) -> int:
    """Open the main window on ``scene`` and run Qt's event loop until it closes.

    Problems found in the annotation files are shown without blocking: the app runs with
    whatever was valid.
    """
    from app.qt.main_window import MainWindow

    application = QApplication.instance() or QApplication(sys.argv)
    application.setApplicationName("Psoas Atlas")
    application.setOrganizationName("Psoas Atlas")
    window = MainWindow(scene, library, problems, detail=detail)
    if view:
        scene.set_view(view)
    window.show()
    if problems:
        window.show_problems()
    return int(application.exec())
