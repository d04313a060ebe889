"""The main window: the 3D scene, the structure tree, menus with standard views, a status bar."""

from __future__ import annotations

import io
import os
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
)
from pyvistaqt import QtInteractor

from app import __version__, paths
from app.export import export_scene
from app.files import atomic_write_bytes
from app.model.scene import SceneModel
from app.model.views import DEFAULT_VIEW, VIEWS, View
from app.qt.structure_tree import StructureTree
from app.render.scene_renderer import SceneRenderer

SHORTCUTS_HELP = """<table>
<tr><td><b>Left drag</b></td><td>rotate</td></tr>
<tr><td><b>Right drag / wheel</b></td><td>zoom</td></tr>
<tr><td><b>Middle drag / Shift+left drag</b></td><td>pan</td></tr>
{views}
<tr><td><b>Home</b></td><td>reset view</td></tr>
<tr><td><b>Ctrl+Shift+A</b></td><td>show all structures</td></tr>
<tr><td><b>Ctrl+E</b></td><td>save a screenshot</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit</td></tr>
</table>"""


class MainWindow(QMainWindow):
    """Psoas Atlas' window; everything it shows comes from the scene model."""

    def __init__(self, scene: SceneModel, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.setWindowTitle("Psoas Atlas")
        self.resize(1280, 800)

        self.plotter = QtInteractor(self)
        # No multisampling: 8x MSAA costs three times the frame with software OpenGL.
        self.plotter.render_window.SetMultiSamples(0)
        # VTK's own one-letter keys (w: wireframe, e/q: quit, 3: stereo...) would surprise users.
        self.plotter.iren.interactor.RemoveObservers("CharEvent")
        self.setCentralWidget(self.plotter.interactor)
        self.renderer = SceneRenderer(self.plotter, scene)

        self.tree = StructureTree(scene, self)
        dock = QDockWidget("Structures", self)
        dock.setObjectName("structures_dock")
        dock.setWidget(self.tree)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [260], Qt.Orientation.Horizontal)

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.view_actions: dict[str, QAction] = {}
        self._build_menus(dock)

        scene.visibility_changed.connect(self._update_status)
        scene.view_changed.connect(self._on_view_changed)
        scene.selection_changed.connect(self._on_selection)
        self._update_status()

    # menus
    def _action(
        self, text: str, shortcut: str | QKeySequence | QKeySequence.StandardKey | None, slot
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        return action

    def _build_menus(self, dock: QDockWidget) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self._action("Save &Screenshot…", "Ctrl+E", self.save_screenshot_dialog))
        file_menu.addAction(self._action("&Export Scene…", "Ctrl+Shift+E", self.export_dialog))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))

        view_menu = self.menuBar().addMenu("&View")
        for view in VIEWS.values():
            action = self._action(
                f"{view.label} View", view.shortcut, lambda _=False, n=view.name: self.scene.set_view(n)
            )
            self.view_actions[view.name] = action
            view_menu.addAction(action)
        self.reset_action = self._action("&Reset View", "Home", lambda: self.scene.set_view(DEFAULT_VIEW))
        view_menu.addAction(self.reset_action)
        view_menu.addSeparator()
        view_menu.addAction(self._action("Show &All Structures", "Ctrl+Shift+A", self.scene.show_all))
        toggle = dock.toggleViewAction()
        toggle.setText("Structures &Panel")
        view_menu.addAction(toggle)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard Shortcuts", "F1", self.show_shortcuts))
        help_menu.addAction(self._action("&About Psoas Atlas", None, self.show_about))
        for action in self.view_actions.values():
            self.addAction(action)

    # listeners
    def _update_status(self, *_args) -> None:
        total = len(self.scene.catalogue)
        visible = len(self.scene.visible_ids)
        self.status_label.setText(f"{visible} of {total} structures shown · {self.scene.view.label} view")

    def _on_view_changed(self, view: View) -> None:
        self._update_status()

    def _on_selection(self, structure_id: str | None) -> None:
        if structure_id is None:
            self.statusBar().clearMessage()
        else:
            structure = self.scene.catalogue[structure_id]
            self.statusBar().showMessage(f"{structure.name} — {structure.latin}")

    # commands
    def save_screenshot(self, path: Path) -> None:
        """Write what the 3D view shows now as a PNG (atomically)."""
        image = self.plotter.screenshot(return_img=True)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        atomic_write_bytes(Path(path), buffer.getvalue())

    def save_screenshot_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save Screenshot", "psoas-atlas.png", "PNG images (*.png)"
        )
        if not name:
            return
        try:
            self.save_screenshot(Path(name))
        except OSError as exc:
            QMessageBox.warning(self, "Screenshot not saved", f"Cannot write {name}:\n{exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"Saved {name}", 5000)

    def export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export Scene To Folder")
        if not folder:
            return
        try:
            export_scene(self.scene, paths.meshes_dir(), Path(folder))
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Cannot export to {folder}:\n{exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"Exported {len(self.scene.visible_ids)} meshes to {folder}", 5000)

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{v.shortcut}</b></td><td>{v.label.lower()} view</td></tr>" for v in VIEWS.values()
        )
        QMessageBox.information(self, "Keyboard Shortcuts", SHORTCUTS_HELP.format(views=rows))

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Psoas Atlas",
            f"<b>Psoas Atlas {__version__}</b><br>A free, offline 3D atlas of the lumbopelvic region.<br>"
            "Bone geometry: myo-sim (Apache-2.0), after Rajagopal et al. 2016 and "
            "Christophy et al. 2012.",
        )

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.renderer.disconnect()
        self.plotter.close()
        super().closeEvent(event)
