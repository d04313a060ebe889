"""The main window: 3D scene, structure tree, information panel, search, menus, status bar."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QByteArray, QStringListModel, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QCompleter,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.memory import IDLE_RELEASE_MS, release_free_memory
from app.model.anatomy.content import Library
from app.model.anatomy.search import Places
from app.model.anatomy.structures import Group, Problem
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.io.atomic import atomic_write_bytes
from app.model.quiz.questions import Question
from app.model.quiz.quiz_files import Quiz, load_quiz, quiz_lesson
from app.model.quiz.review import QuizSession
from app.model.quiz.scenes import set_question, show_answer
from app.model.scene.history import History
from app.model.scene.palette import PALETTES
from app.model.scene.state import Aspect, SceneModel, SceneState
from app.model.scene.views import VIEWS, CameraPose, view_of
from app.model.sections.cross_section import SectionFacts
from app.model.teaching.bookmarks import BookmarkStore
from app.model.teaching.lessons import Lesson, load_lesson, load_lessons
from app.qt.bookmarks_panel import BookmarksPanel
from app.qt.commands import COMMANDS, MENUS
from app.qt.export_dialog import export_image, export_scene_folder, export_video
from app.qt.flight import CameraFlight
from app.qt.info_panel import InfoPanel
from app.qt.interactor import AtlasInteractor
from app.qt.motion_panel import MotionPanel
from app.qt.player import PlayBar, PosePlayer
from app.qt.presentation import NEXT_KEYS, PREVIOUS_KEYS, Presentation
from app.qt.quiz_panel import QuizPanel
from app.qt.section_handle import SectionHandle
from app.qt.section_panel import SectionPanel
from app.qt.seek import Seeker
from app.qt.slice_view import SliceView
from app.qt.structure_tree import StructureTree
from app.qt.viewport import ClickSelector
from app.render.scene_renderer import SceneRenderer
from app.render.snapshot import Annotations, Exporter
from app.render.thumbnails import StepThumbnails

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
        problems: list[Problem] | None = None,
        parent=None,
        bookmarks: BookmarkStore | None = None,
        detail: str = "standard",
        lessons: list[tuple[Path, Lesson]] | None = None,
        places: Places | None = None,
        section_facts: SectionFacts | None = None,
    ):
        super().__init__(parent)
        self.scene = scene
        self.library = library or Library()
        self.problems = list(problems or [])
        if lessons is None:
            lessons, lesson_problems = load_lessons(paths.annotations_dir(), scene.catalogue, scene.poses)
            self.problems += lesson_problems
        self.lessons = lessons
        self.presentation: Presentation | None = None
        self.exporter: Exporter | None = None
        self.history = History(scene)
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
        style.AddObserver("EndInteractionEvent", self._update_status)
        QTimer.singleShot(0, self.renderer.enable_lod)
        # Memory that drawing freed goes back to the system once the view rests (app.memory).
        self._rest = QTimer(self, singleShot=True, interval=IDLE_RELEASE_MS)
        self._rest.timeout.connect(self._rested)
        self.plotter.render_window.AddObserver("EndEvent", lambda *_: self._rest.start())
        self.flight = CameraFlight(self.renderer, self)
        self.flight.landed.connect(self._update_status)
        self.seeker = Seeker(self.renderer, self.flight, self, places)  # search; flights to places and sites
        self.seeker.message.connect(self.statusBar().showMessage)
        self.problems += self.seeker.problems

        self.tree = StructureTree(scene, self)
        self.structures_dock = self._dock("Structures", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea, 270)
        self.bookmarks = BookmarksPanel(bookmarks, self.flight, self, thumbnail=StepThumbnails(scene))
        self.bookmarks.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.bookmarks.present_requested.connect(self.present)
        self.bookmarks_dock = self._dock(
            "Bookmarks", self.bookmarks, Qt.DockWidgetArea.LeftDockWidgetArea, 270
        )
        self.tabifyDockWidget(self.structures_dock, self.bookmarks_dock)
        self.motion: MotionPanel | None = None
        self.motion_dock: QDockWidget | None = None
        self.play_bar: PlayBar | None = None
        #: Plays movements: from the Motion dock, and a lesson step's in presentation mode.
        self.player = PosePlayer(self.renderer, self)
        if scene.body is not None:
            self.motion = MotionPanel(scene, scene.body, self)
            # While a slider is held only the low-detail surfaces are posed.
            self.motion.dragging.connect(
                lambda held: self.renderer.begin_interaction() if held else self.renderer.end_interaction()
            )
            self.play_bar = PlayBar(self.player, scene.body.motion, self)
            playing = QGroupBox("Play a movement")
            QVBoxLayout(playing).addWidget(self.play_bar)
            column = QWidget(self)
            stack = QVBoxLayout(column)
            stack.setContentsMargins(0, 0, 0, 0)
            stack.addWidget(playing)
            stack.addWidget(self.motion, 1)
            # ten joints and a table
            self.motion_dock = self._dock("Motion", column, Qt.DockWidgetArea.LeftDockWidgetArea, 270, True)
            self.motion_dock.visibilityChanged.connect(self.motion.set_on_screen)
            self.tabifyDockWidget(self.bookmarks_dock, self.motion_dock)
        self._add_section_dock()
        self.structures_dock.raise_()
        self.info = InfoPanel(scene, self.library, self)
        self.info_dock = self._dock(
            "Information", self._info_widget(), Qt.DockWidgetArea.RightDockWidgetArea, 360
        )
        # The section drawn in 2D, tabbed behind the information (View ▸ Slice View).
        self.slice_view = SliceView(scene, section_facts or SectionFacts(), self.library.sources, self)
        self.slice_view.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.slice_dock = self._dock(
            "Slice View", self.slice_view, Qt.DockWidgetArea.RightDockWidgetArea, 360
        )
        self.slice_dock.visibilityChanged.connect(self.slice_view.set_on_screen)
        self.tabifyDockWidget(self.info_dock, self.slice_dock)
        self._add_quiz_dock()
        self.info_dock.raise_()

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.actions_by_name: dict[str, QAction] = {}
        self._chrome: list[QWidget] = []
        self._front_docks: list[QDockWidget] = []
        self._geometry = QByteArray()
        self._build_menus()
        self._build_toolbar()
        for action in self.quiz.key_actions:
            self.addAction(action)

        scene.changed.connect(self._on_scene_changed)
        self.history.changed.connect(self._update_undo)
        self._on_scene_changed(Aspect.selection | Aspect.picture)
        self._update_undo()
        if self.problems:
            self.statusBar().showMessage(
                f"{len(self.problems)} problem(s) in the annotation files: Help ▸ Annotation Problems", 15000
            )

    @classmethod
    def for_atlas(
        cls, atlas: Atlas, bookmarks: BookmarkStore | None = None, detail: str = "standard"
    ) -> MainWindow:
        """The window on a fresh scene of ``atlas``, with its content, lessons, places and
        problems (:meth:`Atlas.load_teaching` is done here if it was not)."""
        if atlas.places is None:
            atlas.load_teaching()
        facts = atlas.section_facts  # read first: its problems join the atlas'
        return cls(
            atlas.scene(), atlas.library, atlas.problems, bookmarks=bookmarks, detail=detail,
            lessons=atlas.lessons, places=atlas.places, section_facts=facts,
        )  # fmt: skip

    # layout
    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, width: int, scrolled: bool = False
    ) -> QDockWidget:
        """A dock of ``widget``; ``scrolled``, a tall one scrolls rather than set the window's
        height."""
        dock = QDockWidget(title, self)
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
        self.addDockWidget(area, dock)
        self.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
        return dock

    def _add_section_dock(self) -> None:
        """The Section dock (tabbed with Motion) and the section's plane handle in the view."""
        self.section_panel = SectionPanel(self.scene, self)
        self.section_dock = self._dock(
            "Section", self.section_panel, Qt.DockWidgetArea.LeftDockWidgetArea, 270
        )
        self.tabifyDockWidget(self.motion_dock or self.bookmarks_dock, self.section_dock)
        self.section_handle = SectionHandle(self.renderer, self.plotter.iren.interactor, self)
        self.section_panel.handle_toggled.connect(self.section_handle.set_wanted)
        self.section_handle.held_changed.connect(self.section_panel.set_paused)
        # While the slider is held the low-detail surfaces are drawn and cut.
        self.section_panel.dragging.connect(
            lambda held: self.renderer.begin_interaction() if held else self.renderer.end_interaction()
        )

    def _add_quiz_dock(self) -> None:
        """The Quiz dock, tabbed behind the information (Quiz ▸ Start Quiz raises it)."""
        self.quiz = QuizPanel(self.scene, self.library, self)
        self.quiz_dock = self._dock("Quiz", self.quiz, Qt.DockWidgetArea.RightDockWidgetArea, 360, True)
        self.tabifyDockWidget(self.slice_dock, self.quiz_dock)
        self.quiz.asked.connect(self._quiz_asked)
        self.quiz.answered.connect(self._quiz_answered)
        self.quiz.keys_changed.connect(self._quiz_keys)
        self._quiz_before: SceneState | None = None
        self._quiz_camera: CameraPose | None = None
        self._quiz_hidden_docks: list[QDockWidget] = []

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
    def _action(self, name: str, text: str, key, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        if key is not None:
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setStatusTip(tip or text.replace("&", "").replace("…", ""))
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        menus = {title: self.menuBar().addMenu(title) for title in MENUS}
        for command in COMMANDS:
            menu = menus[command.menu]
            if command.separator:
                menu.addSeparator()
            action = self._action(
                command.name,
                command.text,
                command.key,
                lambda _=False, run=command.run: run(self),
                command.tip,
            )
            action.setCheckable(command.checkable)
            menu.addAction(action)
        # Generated entries: the standard views, group opacity, the lessons, the docks.
        view_menu, lessons_menu = menus["&View"], menus["&Lessons"]
        first = view_menu.actions()[0]
        for view in VIEWS.values():
            action = self._action(
                f"view_{view.name}", f"{view.label} View", view.shortcut,
                lambda _=False, n=view.name: self.scene.set_view(n),
            )  # fmt: skip
            view_menu.insertAction(first, action)
        colours = view_menu.addMenu("&Colours")
        self.palette_actions = QActionGroup(self)
        for palette in PALETTES.values():
            action = self._action(
                f"palette_{palette.name}", palette.title, None,
                lambda _=False, n=palette.name: self.scene.set_palette(n),
                "Colours of the selection, attachments and root foramina",
            )  # fmt: skip
            action.setCheckable(True)
            action.setChecked(palette.name == self.scene.palette.name)
            self.palette_actions.addAction(action)
            colours.addAction(action)
        opacity_menu = view_menu.addMenu("Group &Opacity")
        for group in Group:
            sub = opacity_menu.addMenu(group.value)
            for percent in (100, 60, 30, 10):
                sub.addAction(
                    self._action(
                        f"opacity_{group.value}_{percent}", f"{percent}%", None,
                        lambda _=False, g=group, p=percent: self.scene.set_group_opacity(g, p / 100),
                    )
                )  # fmt: skip
        view_menu.addSeparator()
        for dock in (
            self.structures_dock,
            self.info_dock,
            self.slice_dock,
            self.quiz_dock,
            self.motion_dock,
            self.section_dock,
        ):
            if dock is not None:
                view_menu.addAction(dock.toggleViewAction())
        menus["&Bookmarks"].addSeparator()
        menus["&Bookmarks"].addAction(self.bookmarks_dock.toggleViewAction())
        before = self.actions_by_name["open_lesson"]
        lessons_menu.insertSeparator(before)
        for number, (_path, lesson) in enumerate(self.lessons, start=1):
            action = self._action(
                f"lesson_{number}", f"{number}. {lesson.title}", None,
                lambda _=False, chosen=lesson: self.present(chosen),
            )  # fmt: skip
            lessons_menu.insertAction(before, action)
        lessons_menu.insertSeparator(before)
        self.xray_action = self.actions_by_name["xray"]
        self.labels_action = self.actions_by_name["labels"]

    def _build_toolbar(self) -> None:
        bar = QToolBar("Search", self)
        bar.setObjectName("search_toolbar")
        bar.setMovable(False)
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Find a structure or a landmark (English or Latin)…  Ctrl+F")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(320)
        completer = QCompleter(QStringListModel(self.seeker.names(), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._search)
        self.search_box.setCompleter(completer)
        self.search_box.returnPressed.connect(lambda: self._search(self.search_box.text()))
        bar.addWidget(self.search_box)
        bar.addSeparator()
        for command in COMMANDS:
            if command.toolbar:
                bar.addAction(self.actions_by_name[command.name])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    # commands
    def find_structure(self, text: str) -> str | None:
        """Do what the best match for a name means (typos forgiven): select a structure, a
        group's members, or a place's bone with the place marked and flown to (see
        :class:`Seeker`); say so when nothing matches."""
        return self.seeker.find(text)

    def _search(self, text: str) -> None:
        """Enter in the search box: find, then give the keys back to the 3D view."""
        self.find_structure(text)
        self.focus_view()

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def focus_view(self) -> None:
        """The view and selection keys work at once (after a search, say)."""
        self.plotter.interactor.setFocus()

    def hide_selected(self) -> None:
        if self.scene.selected:
            self.scene.hide(self.scene.selected)

    def isolate_selected(self) -> None:
        if self.scene.selected:
            self.scene.isolate(self.scene.selected)

    def toggle_xray(self, checked: bool | None = None) -> None:
        self.scene.set_xray(self.xray_action.isChecked() if checked is None else bool(checked))

    def toggle_labels(self, checked: bool | None = None) -> None:
        on = self.labels_action.isChecked() if checked is None else bool(checked)
        self.scene.set_picture(labels=on)
        self.statusBar().showMessage("Labels shown" if on else "Labels hidden (L shows them)", 3000)

    def toggle_play(self) -> None:
        if self.play_bar is None or self.motion_dock is None:
            self.statusBar().showMessage("This data set cannot be posed (Help ▸ Annotation Problems)", 5000)
            return
        self.motion_dock.raise_()
        self.play_bar.toggle()

    def set_group_opacity(self, group: Group, opacity: float) -> None:
        self.scene.set_group_opacity(group, opacity)

    def undo(self) -> None:
        if not self.history.undo():
            self.statusBar().showMessage("Nothing to undo", 3000)

    def redo(self) -> None:
        if not self.history.redo():
            self.statusBar().showMessage("Nothing to redo", 3000)

    def step_opacity(self, step: float) -> None:
        if self.scene.selected:
            value = self.scene.opacity(self.scene.selected) + step
            self.scene.set_opacity(self.scene.selected, round(min(1.0, max(0.05, value)), 2))

    def _on_slider(self, value: int) -> None:
        if self.scene.selected:
            self.scene.set_opacity(self.scene.selected, value / 100)

    # listeners
    def _on_scene_changed(self, aspects: Aspect) -> None:
        if Aspect.selection in aspects:
            self._on_selection(self.scene.selected)
        if aspects & (Aspect.opacity | Aspect.selection):
            self._sync_slider()
        if Aspect.opacity in aspects:
            self.xray_action.setChecked(self.scene.xray)
        if Aspect.picture in aspects:
            self.labels_action.setChecked(self.scene.picture.labels)
        self._update_status()

    def view_name(self) -> str:
        """What the status bar calls the camera's view: a standard view, or a custom one."""
        view = view_of(self.renderer.camera_pose())
        return f"{view.label} view" if view is not None else "Custom view"

    def _update_status(self, *_args) -> None:
        total = len(self.scene.catalogue)
        shown = len(self.scene.shown_ids)
        self.status_label.setText(f"{shown} of {total} structures shown · {self.view_name()}")

    def _update_undo(self) -> None:
        asking = self.quiz.waiting  # undoing the quiz's own set-up would show the answer
        self.actions_by_name["undo"].setEnabled(self.history.can_undo and not asking)
        self.actions_by_name["redo"].setEnabled(self.history.can_redo and not asking)

    def _on_selection(self, structure_id: str | None) -> None:
        enabled = structure_id is not None
        for command in COMMANDS:
            if command.needs_selection:
                self.actions_by_name[command.name].setEnabled(enabled)
        self.opacity_slider.setEnabled(enabled)
        if structure_id is None:
            self.statusBar().clearMessage()
            self.opacity_label.setText("Opacity")
            return
        if self.quiz.waiting:  # the name would give the answer away
            self.statusBar().clearMessage()
            self.opacity_label.setText("Opacity")
            return
        structure = self.scene.catalogue[structure_id]
        self.statusBar().showMessage(f"{structure.name} — {structure.latin}")
        self.opacity_label.setText(f"Opacity of {structure.name}")

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
        if self.exporter is None:  # kept for the exports that follow, until the view rests
            self.exporter = Exporter(self.scene, self.renderer.detail)
        atomic_write_bytes(Path(path), self.exporter.png(size, notes, self.renderer.camera_pose()))
        release_free_memory()  # an export's buffers: up to hundreds of MB at 4K
        self._rest.start()

    def _rested(self) -> None:
        """The view has rested: close the exporter and give freed memory back. The exporter
        has its own OpenGL context, and software OpenGL's caches in it grow with every
        export (about 25 MB over 1,000 soak actions if it is kept; the soak measures it)."""
        self._close_exporter()
        release_free_memory()

    def _close_exporter(self) -> None:
        if self.exporter is not None:
            self.exporter.close()
            self.exporter = None

    def export_image_dialog(self) -> None:
        selected = self.scene.selected
        title = self.scene.catalogue[selected].name if selected else ""
        export_image(self, self.view_size(), title, self.save_screenshot, self.statusBar().showMessage)

    def export_video_dialog(self) -> None:
        if self.play_bar is None:
            self.statusBar().showMessage("This data set cannot be posed (Help ▸ Annotation Problems)", 5000)
            return
        self.player.pause()
        export_video(
            self, self.scene, self.renderer.camera_pose(), self.play_bar.tween(), self.statusBar().showMessage
        )

    def export_dialog(self) -> None:
        export_scene_folder(self, self.scene, paths.meshes_dir(), self.statusBar().showMessage)

    # lessons and presentation
    def present(self, lesson: Lesson) -> Presentation:
        """Present ``lesson`` full screen (Esc leaves)."""
        if self.presentation is not None:
            self.presentation.stop()
        self.presentation = Presentation(self, lesson, self)
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
        self._update_status()  # the camera is back where it was
        self.statusBar().showMessage("Presentation ended", 4000)

    def open_lesson_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open Lesson", str(paths.annotations_dir() / "lessons"), "Lessons (*.yaml *.yml)"
        )
        if not name:
            return
        lesson, errors = load_lesson(Path(name), self.scene.catalogue, self.scene.poses)
        if lesson is None:
            QMessageBox.warning(self, "Lesson not opened", "\n".join(str(e) for e in errors))
            return
        self.present(lesson)

    # quiz mode
    @property
    def in_quiz(self) -> bool:
        return self._quiz_before is not None

    def toggle_quiz(self) -> None:
        """Q: practise the questions that are due, or leave the quiz."""
        if self.in_quiz:
            self.leave_quiz()
        else:
            self.start_quiz()

    def start_quiz(self, session: QuizSession | None = None, multiple_choice: bool = False) -> None:
        """Quiz mode: the scene is kept to be put back, the docks that name the selection
        leave, clicks answer; ``session`` (a practice session by default) is asked."""
        if self.presentation is not None:
            self.presentation.stop()
        if not self.in_quiz:
            self._quiz_before = self.scene.state()
            self._quiz_camera = self.renderer.camera_pose()  # each question starts from it
            left = (self.structures_dock, self.bookmarks_dock, self.motion_dock, self.section_dock)
            self._quiz_hidden_docks = [d for d in left if d is not None and d.isVisible()]
            for dock in self._quiz_hidden_docks:  # the tree would name the highlighted structure
                dock.hide()
            self.clicks.on_click = self.quiz.answer_click
            self.actions_by_name["quiz"].setText("Leave &Quiz")
        self.quiz_dock.show()
        self.quiz_dock.raise_()
        if session is None:
            self.quiz.start_practice()
        else:
            self.quiz.start(session, multiple_choice)
        self._progress_problems()

    def _progress_problems(self) -> None:
        """Say what went wrong with the progress file (set aside, not saved), once each,
        in the status bar and under Help ▸ Annotation Problems."""
        fresh = [p for p in self.quiz.progress.problems if p not in self.problems]
        if fresh:
            self.problems += fresh
            self.statusBar().showMessage(str(fresh[-1]), 15000)

    def leave_quiz(self) -> None:
        """Back to the atlas as it was before the quiz."""
        before, self._quiz_before = self._quiz_before, None
        if before is None:
            return
        self.quiz.stop()
        self._reveal()
        self.clicks.on_click = None
        for dock in self._quiz_hidden_docks:
            dock.show()
        self.structures_dock.raise_()
        with self.renderer.hold():
            self.scene.restore(before)
            if self._quiz_camera is not None:
                self.renderer.apply_camera(self._quiz_camera)
        self.info_dock.raise_()
        self.actions_by_name["quiz"].setText("Start &Quiz")
        self.statusBar().showMessage("Quiz ended; the scene is as it was", 4000)

    def _quiz_asked(self, question: Question) -> None:
        """Set the scene for a question (:func:`set_question`) from the scene and camera the
        quiz found, showing nothing that gives its answer away: no names on hover or notes."""
        if self._quiz_before is None:
            return
        self.clicks.tooltips = False
        QToolTip.hideText()
        self.info.withhold(True)
        self.flight.finish()  # an answer's flight to its attachment
        with self.renderer.hold():
            self.scene.restore(self._quiz_before)
            if self._quiz_camera is not None:
                self.renderer.apply_camera(self._quiz_camera)
            set_question(self.scene, question)
        self.statusBar().clearMessage()
        self._update_undo()

    def _quiz_answered(self, question: Question, _grade: object) -> None:
        """Show the answer in 3D (:func:`show_answer`); the notes come back."""
        self._reveal()
        self._progress_problems()
        with self.renderer.hold():
            show_answer(self.scene, question)

    def _reveal(self) -> None:
        self.clicks.tooltips = True
        self.info.withhold(False)
        self._on_selection(self.scene.selected)
        self._update_undo()

    def _quiz_keys(self) -> None:
        """The quiz's answer keys win over the views' (1-4) while they answer."""
        live = {
            key.toString()
            for action in self.quiz.key_actions
            if action.isEnabled()
            for key in action.shortcuts()
        }
        for view in VIEWS.values():
            self.actions_by_name[f"view_{view.name}"].setEnabled(view.shortcut not in live)

    def _open_quiz(self, title: str) -> Quiz | None:
        """A quiz file the user chooses, or None (its problems shown, one per line)."""
        name, _ = QFileDialog.getOpenFileName(
            self, title, str(paths.annotations_dir() / "quizzes"), "Quizzes (*.yaml *.yml)"
        )
        if not name:
            return None
        quiz, errors = load_quiz(Path(name), self.quiz.bank)
        if quiz is None:
            QMessageBox.warning(self, "Quiz not opened", "\n".join(str(e) for e in errors))
        return quiz

    def open_quiz_dialog(self) -> None:
        quiz = self._open_quiz("Open Quiz")
        if quiz is not None:
            self.start_quiz(QuizSession(quiz.questions, self.quiz.progress), quiz.multiple_choice)
            self.statusBar().showMessage(f"Quiz: {quiz.title}", 5000)

    def present_quiz_dialog(self) -> None:
        quiz = self._open_quiz("Present Quiz")
        if quiz is not None:
            self.present_quiz(quiz)

    def present_quiz(self, quiz: Quiz) -> Presentation:
        """A class quiz full screen: each question, then its answer on the next key."""
        self.leave_quiz()
        return self.present(quiz_lesson(quiz))

    def export_progress_dialog(self) -> None:
        self.quiz.export_dialog()

    def escape(self) -> None:
        """Escape leaves presentation mode, or the search box, or else clears the selection
        (not a question's highlighted structure)."""
        if self.presentation is not None:
            self.presentation.stop()
        elif self.search_box.hasFocus():
            self.focus_view()
        elif not self.quiz.waiting:
            self.scene.select(None)

    # the stage a presentation runs on (see app.qt.presentation.Stage)
    def enter_full_screen(self) -> None:
        """Only the 3D view, full screen: menus, toolbars, docks and status bar hidden."""
        self._geometry = self.saveGeometry()
        chrome = [self.menuBar(), self.statusBar(), *self.toolbars(), *self.docks()]
        self._chrome = [widget for widget in chrome if widget.isVisible()]
        # Of tabbed docks only the front one has a visible region: bring it back to the front.
        self._front_docks = [d for d in self.docks() if d.isVisible() and not d.visibleRegion().isEmpty()]
        for widget in self._chrome:
            widget.hide()
        if self.screen() is not None:  # with no window manager (a bare X server) nothing else sizes it
            self.setGeometry(self.screen().geometry())
        self.showFullScreen()
        self.focus_view()

    def leave_full_screen(self) -> None:
        self.showNormal()
        self.restoreGeometry(self._geometry)
        for widget in self._chrome:
            widget.show()
        for dock in self._front_docks:
            dock.raise_()

    def screen_height(self) -> int:
        return self.screen().size().height() if self.screen() else 800

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
            "Christophy et al. 2012; hip bones and sacrum from one subject's CT (gias3.examples, "
            "MPL-2.0). Muscles and nerves built by the project from attachment data.",
        )

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.presentation is not None:
            self.presentation.stop()
        self.leave_quiz()
        self.flight.finish()
        self.bookmarks.release_thumbnails()
        self._rest.stop()
        self._close_exporter()
        self.renderer.disconnect()
        self.plotter.close()
        super().closeEvent(event)
