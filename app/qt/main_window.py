"""The main window: 3D scene, structure tree, information panel, search, menus, status bar."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QToolBar, QVBoxLayout, QWidget

from app.memory import IDLE_RELEASE_MS, release_free_memory
from app.model.anatomy.content import Library
from app.model.anatomy.search import Places
from app.model.anatomy.structures import Group, Problem
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.io.atomic import atomic_write_bytes
from app.model.quiz.quiz_files import Quiz
from app.model.quiz.review import QuizSession
from app.model.scene.history import History
from app.model.scene.state import Aspect, SceneModel
from app.model.scene.views import view_of
from app.model.sections.cross_section import SectionFacts
from app.model.teaching.bookmarks import BookmarkStore
from app.model.teaching.lessons import Lesson, load_lessons
from app.qt.bookmarks_panel import BookmarksPanel
from app.qt.commands import COMMANDS
from app.qt.docks import Pages, add_dock, fit_to_screen, motion_column, set_dock_widths
from app.qt.file_actions import CANNOT_POSE
from app.qt.flight import CameraFlight
from app.qt.full_screen import FullScreen
from app.qt.help_dialogs import shortcuts_html, show_problems
from app.qt.info_panel import InfoPanel
from app.qt.interactor import AtlasInteractor
from app.qt.menus import build_menus, build_toolbar, search_box
from app.qt.motion_panel import MotionPanel
from app.qt.opacity_row import OpacityRow
from app.qt.player import PlayBar, PosePlayer
from app.qt.presentation import Presentation
from app.qt.quiz_mode import QuizMode
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
            lessons, lesson_problems = load_lessons(
                paths.annotations_dir(), scene.catalogue, scene.poses, scene.activities
            )
            self.problems += lesson_problems
        self.lessons = lessons
        self.presentation: Presentation | None = None
        self.exporter: Exporter | None = None
        self.history = History(scene)
        bookmarks = bookmarks if bookmarks is not None else BookmarkStore.default(scene.catalogue)
        self.problems.extend(bookmarks.problems)
        self.setWindowTitle("Psoas Atlas")

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
        # After its last frame the view rests, then gives memory back (tests make it short).
        self.rest_timer = QTimer(self, singleShot=True, interval=IDLE_RELEASE_MS)
        self.rest_timer.timeout.connect(self._rested)
        self.plotter.render_window.AddObserver("EndEvent", lambda *_: self.rest_timer.start())
        self.flight = CameraFlight(self.renderer, self)
        self.flight.landed.connect(self._update_status)
        self.seeker = Seeker(self.renderer, self.flight, self, places)  # search; flights to places and sites
        self.seeker.message.connect(self.statusBar().showMessage)
        self.problems += self.seeker.problems

        #: Plays movements: from the Motion dock, and a lesson step's in presentation mode.
        self.player = PosePlayer(self.renderer, self)
        self._add_left_docks(bookmarks)
        self._add_right_docks(section_facts or SectionFacts())

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.actions_by_name: dict[str, QAction] = {}
        self.full_screen = FullScreen(self)
        build_menus(self, (self.structures_dock, self.info_dock, self.slice_dock, self.quiz_dock,
                           self.motion_dock, self.section_dock))  # fmt: skip
        self.xray_action = self.actions_by_name["xray"]
        self.labels_action = self.actions_by_name["labels"]
        self.search_box = search_box(self, self.seeker.names(), self._search)
        build_toolbar(self, self.search_box)
        for action in self.quiz.key_actions:
            self.addAction(action)
        left = (self.structures_dock, self.bookmarks_dock, self.motion_dock, self.section_dock)
        self.quiz_mode = QuizMode(self, hidden_docks=left)
        self.quiz_mode.withholding_changed.connect(self._quiz_withholding_changed)
        fit_to_screen(self)  # within the screen; the docks' widths for the size it is shown at
        QTimer.singleShot(0, lambda: set_dock_widths(self, [d for d in left if d], self.right_docks()))

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

    # the docks (app.qt.docks)
    def _add_left_docks(self, bookmarks: BookmarkStore) -> None:
        """Structures, Bookmarks, Motion and Section, tabbed; the section's plane handle."""
        scene, left = self.scene, Qt.DockWidgetArea.LeftDockWidgetArea
        self.tree = StructureTree(scene, self)
        self.structures_dock = add_dock(self, "Structures", self.tree, left, 270)
        self.bookmarks = BookmarksPanel(bookmarks, self.flight, self, thumbnail=StepThumbnails(scene))
        self.bookmarks.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.bookmarks.present_requested.connect(self.present)
        self.bookmarks_dock = add_dock(self, "Bookmarks", self.bookmarks, left, 270)
        self.tabifyDockWidget(self.structures_dock, self.bookmarks_dock)
        self.motion: MotionPanel | None = None
        self.motion_dock: QDockWidget | None = None
        self.motion_pages: Pages | None = None
        self.play_bar: PlayBar | None = None
        if scene.body is not None:
            self.motion = MotionPanel(scene, scene.body, self)
            self.motion.dragging.connect(self._hold_detail)  # held: only low detail is posed
            self.player.playing_changed.connect(self.motion.follow_playing)
            self.play_bar = PlayBar(self.player, scene.body.motion, self, scene.body.activities)
            self.motion_pages = motion_column(self, self.play_bar, self.motion)  # joints; player
            self.motion_dock = add_dock(self, "Motion", self.motion_pages, left, 270)
            self.motion_dock.visibilityChanged.connect(self.motion.set_on_screen)
            self.tabifyDockWidget(self.bookmarks_dock, self.motion_dock)
        self.section_panel = SectionPanel(scene, self)
        self.section_dock = add_dock(self, "Section", self.section_panel, left, 270)
        self.tabifyDockWidget(self.motion_dock or self.bookmarks_dock, self.section_dock)
        self.section_handle = SectionHandle(self.renderer, self.plotter.iren.interactor, self)
        self.section_panel.handle_toggled.connect(self.section_handle.set_wanted)
        self.section_handle.held_changed.connect(self.section_panel.set_paused)
        self.section_panel.dragging.connect(self._hold_detail)  # held: low detail drawn and cut
        self.structures_dock.raise_()

    def _add_right_docks(self, section_facts: SectionFacts) -> None:
        """Information (with the selection's opacity), Slice View and Quiz, tabbed."""
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.info = InfoPanel(self.scene, self.library, self)
        self.info_dock = add_dock(self, "Information", self._info_widget(), right, 360)
        # The section drawn in 2D, tabbed behind the information (View ▸ Slice View).
        self.slice_view = SliceView(self.scene, section_facts, self.library.sources, self)
        self.slice_view.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.slice_dock = add_dock(self, "Slice View", self.slice_view, right, 360)
        self.slice_dock.visibilityChanged.connect(self.slice_view.set_on_screen)
        self.tabifyDockWidget(self.info_dock, self.slice_dock)
        # Quiz ▸ Start Quiz raises it.
        self.quiz = QuizPanel(self.scene, self.library, self)
        self.quiz_dock = add_dock(self, "Quiz", self.quiz, right, 360, True)
        self.tabifyDockWidget(self.slice_dock, self.quiz_dock)
        self.info_dock.raise_()

    def _hold_detail(self, held: bool) -> None:
        """While a slider is held, the low-detail surfaces are drawn."""
        if held:
            self.renderer.begin_interaction()
        else:
            self.renderer.end_interaction()

    def _info_widget(self) -> QWidget:
        """The Information panel under the selection's opacity slider."""
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.opacity_row = OpacityRow(self.scene, box)
        self.opacity_label, self.opacity_slider = self.opacity_row.label, self.opacity_row.slider
        layout.addWidget(self.opacity_row)
        layout.addWidget(self.info)
        return box

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
            self.statusBar().showMessage(CANNOT_POSE, 5000)
            return
        self.motion_dock.raise_()
        if self.motion_pages is not None:  # the player in sight, where it shows its progress
            self.motion_pages.ensureWidgetVisible(self.play_bar)
        self.play_bar.toggle()

    def set_group_opacity(self, group: Group, opacity: float) -> None:
        self.scene.set_group_opacity(group, opacity)

    def undo(self) -> None:
        if not self.history.undo():
            self.statusBar().showMessage("Nothing to undo", 3000)

    def redo(self) -> None:
        if not self.history.redo():
            self.statusBar().showMessage("Nothing to redo", 3000)

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
        context = self.actions_by_name.get("context_skeleton")
        if Aspect.visibility in aspects and context is not None:
            context.setChecked(self.scene.group_visible(Group.context))
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
        # While a question waits the name would give the answer away.
        structure = None if structure_id is None or self.quiz.waiting else self.scene.catalogue[structure_id]
        self.opacity_row.show_for(enabled, structure.name if structure else None)
        if structure is None:
            self.statusBar().clearMessage()
        else:
            self.statusBar().showMessage(f"{structure.name} — {structure.latin}")

    def _sync_slider(self) -> None:
        self.opacity_row.sync()

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
        self.rest_timer.start()

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

    # lessons and presentation
    def present(self, lesson: Lesson) -> Presentation:
        """Present ``lesson`` full screen (Esc leaves)."""
        if self.presentation is not None:
            self.presentation.stop()
        # It flies as the window does (tests make the window's flights short).
        self.presentation = Presentation(self, lesson, self, flight_ms=self.flight.duration_ms)
        self.presentation.finished.connect(self._presentation_ended)
        self.presentation.start()
        return self.presentation

    def _presentation_ended(self) -> None:
        if self.presentation is not None:  # a child of the window: freed, not kept for ever
            self.presentation.deleteLater()
        self.presentation = None
        self._update_status()  # the camera is back where it was
        self.statusBar().showMessage("Presentation ended", 4000)

    # quiz mode (app.qt.quiz_mode)
    @property
    def in_quiz(self) -> bool:
        return self.quiz_mode.active

    def start_quiz(self, session: QuizSession | None = None, multiple_choice: bool = False) -> None:
        self.quiz_mode.start(session, multiple_choice)

    def leave_quiz(self) -> None:
        self.quiz_mode.leave()

    def present_quiz(self, quiz: Quiz) -> Presentation:
        return self.quiz_mode.present(quiz)

    def export_progress_dialog(self) -> None:
        self.quiz.export_dialog()

    def _quiz_withholding_changed(self) -> None:
        self._on_selection(self.scene.selected)
        self._update_undo()

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
        self.full_screen.enter()
        self.focus_view()

    def leave_full_screen(self) -> None:
        self.full_screen.leave()

    def screen_height(self) -> int:
        return self.screen().size().height() if self.screen() else 800

    def right_docks(self) -> list[QDockWidget]:
        return [self.info_dock, self.slice_dock, self.quiz_dock]

    def docks(self) -> list[QDockWidget]:
        return self.findChildren(QDockWidget)

    def toolbars(self) -> list[QToolBar]:
        return self.findChildren(QToolBar)

    # Help (app.qt.help_dialogs)
    def shortcuts_html(self) -> str:
        return shortcuts_html(self.actions_by_name.values(), self.quiz.key_actions)

    def show_problems(self) -> None:
        self.problems_box = show_problems(self, self.problems)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.presentation is not None:
            self.presentation.stop()
        self.leave_quiz()
        self.flight.finish()
        self.bookmarks.release_thumbnails()
        self.rest_timer.stop()
        self._close_exporter()
        self.renderer.disconnect()
        self.plotter.close()
        super().closeEvent(event)
