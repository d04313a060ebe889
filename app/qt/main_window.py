"""The main window: 3D scene, structure tree, information panel, search, menus, status bar."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCompleter,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSlider,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import __version__, paths
from app.export import export_scene
from app.files import atomic_write_bytes
from app.model.anatomy import AnnotationError, Group
from app.model.bookmarks import BookmarkStore
from app.model.content import Library
from app.model.lessons import Lesson, lesson_files, load_lesson
from app.model.scene import SceneModel
from app.model.views import DEFAULT_VIEW, VIEWS
from app.qt.bookmarks_panel import BookmarksPanel
from app.qt.export_dialog import ExportImageDialog
from app.qt.flight import CameraFlight
from app.qt.info_panel import InfoPanel
from app.qt.interactor import AtlasInteractor
from app.qt.presentation import NEXT_KEYS, PREVIOUS_KEYS, Presentation
from app.qt.structure_tree import StructureTree
from app.qt.viewport import ClickSelector
from app.render.scene_renderer import SceneRenderer
from app.render.snapshot import Annotations, Exporter

MOUSE_HELP = [
    ("Left drag", "rotate"),
    ("Left click", "select (click empty space to clear)"),
    ("Right drag / wheel", "zoom"),
    ("Middle drag / Shift+left drag", "pan"),
]


class MainWindow(QMainWindow):
    """Psoas Atlas' window; everything it shows comes from the scene model."""

    def __init__(
        self,
        scene: SceneModel,
        library: Library | None = None,
        problems: list[AnnotationError] | None = None,
        parent=None,
        bookmarks: BookmarkStore | None = None,
        detail: str = "standard",
    ):
        super().__init__(parent)
        self.scene = scene
        self.library = library or Library()
        self.problems = list(problems or [])
        self.lessons = self._load_lessons()
        self.presentation: Presentation | None = None
        self.exporter: Exporter | None = None
        bookmarks = bookmarks if bookmarks is not None else BookmarkStore.default(scene.catalogue)
        self.problems.extend(bookmarks.problems)
        self.setWindowTitle("Psoas Atlas")
        self.resize(1280, 800)

        # Frames are drawn on model events; no periodic re-render burning CPU while idle.
        self.plotter = AtlasInteractor(self, auto_update=False)
        # No multisampling: 8x MSAA costs three times the frame with software OpenGL.
        self.plotter.render_window.SetMultiSamples(0)
        # VTK's own one-letter keys (w: wireframe, e/q: quit, 3: stereo...) would surprise users.
        self.plotter.iren.interactor.RemoveObservers("CharEvent")
        self.setCentralWidget(self.plotter.interactor)
        self.renderer = SceneRenderer(self.plotter, scene, detail=detail)
        self.clicks = ClickSelector(self.plotter.interactor, scene, self.renderer)
        # Level of detail while the camera moves; the low-detail actors are made once the
        # first frame is up, so they do not delay it.
        style = self.plotter.iren.interactor.GetInteractorStyle()
        style.AddObserver("StartInteractionEvent", self.renderer.begin_interaction)
        style.AddObserver("EndInteractionEvent", self.renderer.end_interaction)
        QTimer.singleShot(0, self.renderer.enable_lod)
        self.flight = CameraFlight(self.renderer, self)

        self.tree = StructureTree(scene, self)
        self.structures_dock = self._dock("Structures", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea, 270)
        self.bookmarks = BookmarksPanel(bookmarks, self.flight, self)
        self.bookmarks.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.bookmarks.present_requested.connect(self.present)
        self.bookmarks_dock = self._dock(
            "Bookmarks", self.bookmarks, Qt.DockWidgetArea.LeftDockWidgetArea, 270
        )
        self.tabifyDockWidget(self.structures_dock, self.bookmarks_dock)
        self.structures_dock.raise_()
        self.info = InfoPanel(scene, self.library, self)
        self.info_dock = self._dock(
            "Information", self._info_widget(), Qt.DockWidgetArea.RightDockWidgetArea, 360
        )

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        self._build_toolbar()

        scene.visibility_changed.connect(self._update_status)
        scene.view_changed.connect(self._update_status)
        scene.selection_changed.connect(self._on_selection)
        scene.opacity_changed.connect(self._on_opacity)
        self._update_status()
        self._on_selection(scene.selected)
        if self.problems:
            self.statusBar().showMessage(
                f"{len(self.problems)} problem(s) in the annotation files: Help ▸ Annotation Problems", 15000
            )

    # layout
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea, width: int) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower() + "_dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        self.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
        return dock

    def _info_widget(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setContentsMargins(6, 4, 6, 0)
        self.opacity_label = QLabel("Opacity")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setToolTip("Opacity of the selected structure")
        self.opacity_slider.valueChanged.connect(self._on_slider)
        row.addWidget(self.opacity_label)
        row.addWidget(self.opacity_slider)
        layout.addLayout(row)
        layout.addWidget(self.info)
        return box

    # actions
    def _action(self, name: str, text: str, shortcut, slot, help_text: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setStatusTip(help_text or text.replace("&", "").replace("…", ""))
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        a = self._action
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(
            a(
                "screenshot",
                "&Export Image…",
                "Ctrl+E",
                self.export_image_dialog,
                "Save an annotated PNG at slide or print resolution",
            )
        )
        file_menu.addAction(a("export", "Export &3D Scene…", "Ctrl+Shift+E", self.export_dialog))
        file_menu.addSeparator()
        file_menu.addAction(a("quit", "&Quit", QKeySequence.StandardKey.Quit, self.close))

        edit_menu = self.menuBar().addMenu("&Selection")
        edit_menu.addAction(a("find", "&Find Structure…", "Ctrl+F", self._focus_search))
        edit_menu.addAction(a("clear", "&Clear Selection", "Esc", self._escape))
        edit_menu.addSeparator()
        edit_menu.addAction(a("hide", "&Hide Selected", "H", self.hide_selected))
        edit_menu.addAction(
            a(
                "isolate",
                "&Isolate Selected",
                "I",
                self.isolate_selected,
                "Show only the selection and its context",
            )
        )
        edit_menu.addAction(a("show_all", "Show &All", "A", self.scene.show_all))
        edit_menu.addSeparator()
        edit_menu.addAction(a("more_opaque", "More &Opaque", "]", lambda: self._step_opacity(0.15)))
        edit_menu.addAction(a("less_opaque", "More &Transparent", "[", lambda: self._step_opacity(-0.15)))

        view_menu = self.menuBar().addMenu("&View")
        for view in VIEWS.values():
            view_menu.addAction(
                a(
                    f"view_{view.name}",
                    f"{view.label} View",
                    view.shortcut,
                    lambda _=False, n=view.name: self.scene.set_view(n),
                )
            )
        view_menu.addAction(a("reset", "&Reset View", "Home", lambda: self.scene.set_view(DEFAULT_VIEW)))
        view_menu.addSeparator()
        self.xray_action = a("xray", "&X-ray Bones", "X", self.toggle_xray, "See through the bones")
        self.xray_action.setCheckable(True)
        view_menu.addAction(self.xray_action)
        opacity_menu = view_menu.addMenu("Group &Opacity")
        for group in Group:
            sub = opacity_menu.addMenu(group.value)
            for percent in (100, 60, 30, 10):
                sub.addAction(
                    a(
                        f"opacity_{group.value}_{percent}",
                        f"{percent}%",
                        None,
                        lambda _=False, g=group, p=percent: self.set_group_opacity(g, p / 100),
                    )
                )
        view_menu.addSeparator()
        for dock in (self.structures_dock, self.info_dock):
            view_menu.addAction(dock.toggleViewAction())

        marks = self.menuBar().addMenu("&Bookmarks")
        marks.addAction(a("bookmark", "&Add Bookmark…", "Ctrl+D", self.bookmarks.add_dialog))
        marks.addAction(
            a("bookmarks_lesson", "Save Bookmarks as &Lesson…", None, self.bookmarks.save_lesson_dialog)
        )
        marks.addAction(a("present_bookmarks", "&Present Bookmarks", None, self.present_bookmarks))
        marks.addSeparator()
        marks.addAction(self.bookmarks_dock.toggleViewAction())

        lessons = self.menuBar().addMenu("&Lessons")
        lessons.addAction(
            a(
                "present",
                "&Present Lesson",
                "F5",
                self.present_default,
                "Present the first lesson full screen",
            )
        )
        lessons.addSeparator()
        for number, (_path, lesson) in enumerate(self.lessons, start=1):
            lessons.addAction(
                a(
                    f"lesson_{number}",
                    f"{number}. {lesson.title}",
                    None,
                    lambda _=False, chosen=lesson: self.present(chosen),
                )
            )
        lessons.addSeparator()
        lessons.addAction(a("open_lesson", "&Open Lesson File…", "Ctrl+O", self.open_lesson_dialog))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(a("shortcuts", "&Keyboard Shortcuts", "F1", self.show_shortcuts))
        help_menu.addAction(a("problems", "Annotation &Problems", None, self.show_problems))
        help_menu.addAction(a("about", "&About Psoas Atlas", None, self.show_about))

    def _build_toolbar(self) -> None:
        bar = QToolBar("Search", self)
        bar.setObjectName("search_toolbar")
        bar.setMovable(False)
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Find a structure (English or Latin)…  Ctrl+F")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(320)
        names = sorted({s.name for s in self.scene.catalogue} | {s.latin for s in self.scene.catalogue})
        completer = QCompleter(QStringListModel(names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self.find_structure)
        self.search_box.setCompleter(completer)
        self.search_box.returnPressed.connect(lambda: self.find_structure(self.search_box.text()))
        bar.addWidget(self.search_box)
        bar.addSeparator()
        for name in ("screenshot", "bookmark", "present"):
            bar.addAction(self.actions_by_name[name])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    # commands
    def find_structure(self, text: str) -> str | None:
        """Select the best match for a name (typos forgiven); say so when nothing matches."""
        matches = self.scene.search(text)
        if not matches:
            self.statusBar().showMessage(f"No structure matches “{text}”", 5000)
            return None
        best = matches[0]
        if not self.scene.is_visible(best.structure_id):
            self.scene.set_visible(best.structure_id, True)
        self.scene.select(best.structure_id)
        others = ", ".join(self.scene.catalogue[m.structure_id].name for m in matches[1:4])
        if others:
            self.statusBar().showMessage(f"Also matching: {others}", 6000)
        return best.structure_id

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def hide_selected(self) -> None:
        if self.scene.selected:
            self.scene.hide(self.scene.selected)

    def isolate_selected(self) -> None:
        if self.scene.selected:
            self.scene.isolate(self.scene.selected)

    def toggle_xray(self, checked: bool | None = None) -> None:
        self.scene.set_xray(self.xray_action.isChecked() if checked is None else bool(checked))

    def set_group_opacity(self, group: Group, opacity: float) -> None:
        for structure in self.scene.catalogue.in_group(group):
            self.scene.set_opacity(structure.id, opacity)

    def _step_opacity(self, step: float) -> None:
        if self.scene.selected:
            value = self.scene.opacity(self.scene.selected) + step
            self.scene.set_opacity(self.scene.selected, round(min(1.0, max(0.05, value)), 2))

    def _on_slider(self, value: int) -> None:
        if self.scene.selected:
            self.scene.set_opacity(self.scene.selected, value / 100)

    # listeners
    def _update_status(self, *_args) -> None:
        total = len(self.scene.catalogue)
        visible = len(self.scene.visible_ids)
        self.status_label.setText(f"{visible} of {total} structures shown · {self.scene.view.label} view")

    def _on_selection(self, structure_id: str | None) -> None:
        enabled = structure_id is not None
        for name in ("hide", "isolate", "more_opaque", "less_opaque"):
            self.actions_by_name[name].setEnabled(enabled)
        self.opacity_slider.setEnabled(enabled)
        if structure_id is None:
            self.statusBar().clearMessage()
            self.opacity_label.setText("Opacity")
            return
        structure = self.scene.catalogue[structure_id]
        self.statusBar().showMessage(f"{structure.name} — {structure.latin}")
        self.opacity_label.setText(f"Opacity of {structure.name}")
        self._sync_slider()

    def _on_opacity(self, structure_id: str, _opacity: float) -> None:
        if structure_id == self.scene.selected:
            self._sync_slider()

    def _sync_slider(self) -> None:
        if self.scene.selected:
            self.opacity_slider.blockSignals(True)
            self.opacity_slider.setValue(round(self.scene.opacity(self.scene.selected) * 100))
            self.opacity_slider.blockSignals(False)

    # files
    def view_size(self) -> tuple[int, int]:
        size = self.plotter.interactor.size()
        return size.width(), size.height()

    def save_screenshot(
        self, path: Path, size: tuple[int, int] | None = None, notes: Annotations | None = None
    ) -> None:
        """Write what the 3D view shows, from the window's camera, as an annotated PNG
        rendered off screen at ``size`` (the view's own size by default), atomically."""
        size = size or self.view_size()
        notes = notes or Annotations()
        if self.exporter is None:  # made at the first export, kept: no re-upload after that
            self.exporter = Exporter(self.scene, self.renderer.detail)
        atomic_write_bytes(Path(path), self.exporter.png(size, notes, self.renderer.camera_pose()))

    def export_image_dialog(self) -> None:
        selected = self.scene.selected
        title = self.scene.catalogue[selected].name if selected else ""
        dialog = ExportImageDialog(self.view_size(), title, self)
        if dialog.exec() != ExportImageDialog.DialogCode.Accepted:
            return
        size, notes = dialog.options()
        name, _ = QFileDialog.getSaveFileName(self, "Export Image", "psoas-atlas.png", "PNG images (*.png)")
        if not name:
            return
        if not name.lower().endswith(".png"):
            name += ".png"
        self.statusBar().showMessage(f"Rendering {size[0]} x {size[1]}…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.save_screenshot(Path(name), size, notes)
        except OSError as exc:
            QMessageBox.warning(self, "Image not saved", f"Cannot write {name}:\n{exc.strerror or exc}")
            self.statusBar().clearMessage()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.statusBar().showMessage(f"Saved {name} ({size[0]} x {size[1]})", 8000)

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

    # lessons and presentation
    def _load_lessons(self) -> list[tuple[Path, Lesson]]:
        """The shipped lessons that read; the others' problems join the window's list."""
        lessons = []
        for path in lesson_files(paths.annotations_dir()):
            lesson, errors = load_lesson(path, self.scene.catalogue)
            self.problems.extend(errors)
            if lesson is not None:
                lessons.append((path, lesson))
        return lessons

    def present(self, lesson: Lesson) -> Presentation:
        """Present ``lesson`` full screen (Esc leaves)."""
        if self.presentation is not None:
            self.presentation.stop()
        self.presentation = Presentation(self, lesson)
        self.presentation.finished.connect(self._presentation_ended)
        self.presentation.start()
        return self.presentation

    def present_bookmarks(self) -> None:
        if len(self.bookmarks.store):
            self.present(self.bookmarks.lesson("Bookmarks"))
        else:
            self.statusBar().showMessage("No bookmarks yet: Bookmarks ▸ Add Bookmark (Ctrl+D)", 5000)

    def present_default(self) -> None:
        if self.lessons:
            self.present(self.lessons[0][1])

    def _presentation_ended(self) -> None:
        self.presentation = None
        self.statusBar().showMessage("Presentation ended", 4000)

    def open_lesson_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open Lesson", str(paths.annotations_dir() / "lessons"), "Lessons (*.yaml *.yml)"
        )
        if not name:
            return
        lesson, errors = load_lesson(Path(name), self.scene.catalogue)
        if lesson is None:
            QMessageBox.warning(self, "Lesson not opened", "\n".join(str(e) for e in errors))
            return
        self.present(lesson)

    def _escape(self) -> None:
        """Escape leaves presentation mode, or else clears the selection."""
        if self.presentation is not None:
            self.presentation.stop()
        else:
            self.scene.select(None)

    def docks(self) -> list[QDockWidget]:
        return self.findChildren(QDockWidget)

    def toolbars(self) -> list[QToolBar]:
        return self.findChildren(QToolBar)

    # dialogs
    def shortcuts_html(self) -> str:
        def names(keys: tuple[Qt.Key, ...]) -> str:
            native = QKeySequence.SequenceFormat.NativeText
            return ", ".join(QKeySequence(key).toString(native) for key in keys)

        pairs = list(MOUSE_HELP)
        for action in self.actions_by_name.values():
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key:
                pairs.append((key, action.text().replace("&", "")))
        pairs += [
            (names(NEXT_KEYS), "Presentation: next step"),
            (names(PREVIOUS_KEYS), "Presentation: previous step"),
            ("Esc", "Presentation: leave"),
        ]
        rows = [f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in pairs]
        return "<table cellspacing='4'>" + "".join(rows) + "</table>"

    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard Shortcuts", self.shortcuts_html(), parent=self)
        box.setModal(False)
        box.show()

    def show_problems(self) -> None:
        text = "\n".join(str(p) for p in self.problems) or "All annotation files are valid."
        box = QMessageBox(
            QMessageBox.Icon.Warning if self.problems else QMessageBox.Icon.Information,
            "Annotation Problems",
            text,
            parent=self,
        )
        box.setModal(False)
        box.show()
        self.problems_box = box

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Psoas Atlas",
            f"<b>Psoas Atlas {__version__}</b><br>A free, offline 3D atlas of the lumbopelvic region.<br>"
            "Bone geometry: myo-sim (Apache-2.0), after Rajagopal et al. 2016 and "
            "Christophy et al. 2012. Muscles and nerves built by the project from attachment data.",
        )

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.presentation is not None:
            self.presentation.stop()
        self.flight.finish()
        if self.exporter is not None:
            self.exporter.close()
            self.exporter = None
        self.renderer.disconnect()
        self.plotter.close()
        super().closeEvent(event)
