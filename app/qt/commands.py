"""The window's commands as one table: the menus, the toolbar and the F1 list are made from it.

Each command names the function it runs, so a renamed or removed method is a type error
here rather than an ``AttributeError`` when a menu item is first chosen (the table used to
name methods by string). The functions take the window as a :class:`Window`, a protocol of
what they call, because the window imports this table and may not be imported back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtGui import QAction, QKeySequence

from app.model.scene.state import SceneModel
from app.model.scene.views import DEFAULT_VIEW
from app.model.teaching.lessons import Lesson
from app.qt.bookmarks_panel import BookmarksPanel
from app.qt.file_actions import (
    FileHost,
    export_image_dialog,
    export_scene_dialog,
    export_video_dialog,
    open_lesson_dialog,
)
from app.qt.help_dialogs import show_about, show_shortcuts
from app.qt.quiz_mode import QuizMode


class Window(FileHost, Protocol):
    """What the commands call on the main window."""

    scene: SceneModel
    bookmarks: BookmarksPanel
    quiz_mode: QuizMode
    lessons: list[tuple[Path, Lesson]]
    actions_by_name: dict[str, QAction]

    def close(self) -> bool: ...
    def undo(self) -> None: ...
    def redo(self) -> None: ...
    def focus_search(self) -> None: ...
    def escape(self) -> None: ...
    def hide_selected(self) -> None: ...
    def isolate_selected(self) -> None: ...
    def toggle_xray(self) -> None: ...
    def toggle_labels(self) -> None: ...
    def toggle_play(self) -> None: ...
    def export_progress_dialog(self) -> None: ...
    def show_problems(self) -> None: ...


@dataclass(frozen=True)
class Command:
    """One thing the user can do: a menu item, maybe a key and a toolbar button."""

    name: str
    menu: str
    text: str
    run: Callable[[Window], object]
    key: str | QKeySequence.StandardKey | None = None
    tip: str = ""
    checkable: bool = False  # the action is checked or not; ``run`` reads which
    toolbar: bool = False
    needs_selection: bool = False
    separator: bool = False  # a separator before it


def step_opacity(scene: SceneModel, step: float) -> None:
    """More Opaque (]) or More Transparent ([): the selection's opacity by ``step``, kept
    between 5 % and 100 %."""
    if scene.selected:
        value = scene.opacity(scene.selected) + step
        scene.set_opacity(scene.selected, round(min(1.0, max(0.05, value)), 2))


def present_bookmarks(window: Window) -> None:
    """Bookmarks ▸ Present Bookmarks, as a lesson; or say how to add one."""
    if len(window.bookmarks.store):
        window.present(window.bookmarks.lesson("Bookmarks"))
    else:
        window.statusBar().showMessage("No bookmarks yet: Bookmarks ▸ Add Bookmark (Ctrl+D)", 5000)


def present_first_lesson(window: Window) -> None:
    """F5: the first lesson, full screen."""
    if window.lessons:
        window.present(window.lessons[0][1])


#: How much More Opaque (]) and More Transparent ([) change the selection's opacity.
OPACITY_STEP = 0.15

COMMANDS: tuple[Command, ...] = (
    Command("screenshot", "&File", "&Export Image…", export_image_dialog, "Ctrl+E",
            "Save an annotated PNG at slide or print resolution", toolbar=True),
    Command("export", "&File", "Export &3D Scene…", export_scene_dialog, "Ctrl+Shift+E"),
    Command("export_video", "&File", "Export &Video…", export_video_dialog, None,
            "The movement chosen in the Motion dock as an MP4 or GIF, from this camera"),
    Command("quit", "&File", "&Quit", lambda w: w.close(), QKeySequence.StandardKey.Quit, separator=True),
    Command("undo", "&Edit", "&Undo", lambda w: w.undo(), "Ctrl+Z", "Undo the last change of the scene"),
    Command("redo", "&Edit", "&Redo", lambda w: w.redo(), "Ctrl+Shift+Z", "Redo what was undone"),
    Command("find", "&Selection", "&Find…", lambda w: w.focus_search(), "Ctrl+F",
            "Find a structure or a landmark by name"),
    Command("clear", "&Selection", "&Clear Selection", lambda w: w.escape(), "Esc"),
    Command("hide", "&Selection", "&Hide Selected", lambda w: w.hide_selected(), "H", needs_selection=True,
            separator=True),
    Command("isolate", "&Selection", "&Isolate Selected", lambda w: w.isolate_selected(), "I",
            "Show only the selection and its context, framed", needs_selection=True),
    Command("show_all", "&Selection", "Show &All", lambda w: w.scene.show_all(), "A"),
    Command("more_opaque", "&Selection", "More &Opaque", lambda w: step_opacity(w.scene, OPACITY_STEP), "]",
            needs_selection=True, separator=True),
    Command("less_opaque", "&Selection", "More &Transparent", lambda w: step_opacity(w.scene, -OPACITY_STEP),
            "[", needs_selection=True),
    Command("reset", "&View", "&Reset View", lambda w: w.scene.set_view(DEFAULT_VIEW), "Home",
            separator=True),
    Command("xray", "&View", "&X-ray Bones", lambda w: w.toggle_xray(), "X", "See through the bones",
            checkable=True, separator=True),
    Command("labels", "&View", "&Labels", lambda w: w.toggle_labels(), "L",
            "Labels and leader lines on or off", checkable=True),
    Command("play", "&View", "&Play or Pause Movement", lambda w: w.toggle_play(), "K",
            "Play the movement chosen in the Motion dock, or pause it", separator=True),
    Command("bookmark", "&Bookmarks", "&Add Bookmark…", lambda w: w.bookmarks.add_dialog(), "Ctrl+D",
            toolbar=True),
    Command("bookmarks_lesson", "&Bookmarks", "Save Bookmarks as &Lesson…",
            lambda w: w.bookmarks.save_lesson_dialog()),
    Command("present_bookmarks", "&Bookmarks", "&Present Bookmarks", present_bookmarks),
    Command("present", "&Lessons", "&Present Lesson", present_first_lesson, "F5",
            "Present the first lesson full screen", toolbar=True),
    Command("open_lesson", "&Lessons", "&Open Lesson File…", open_lesson_dialog, "Ctrl+O"),
    Command("quiz", "&Quiz", "Start &Quiz", lambda w: w.quiz_mode.toggle(), "Q",
            "Questions on the atlas, one at a time; Q again leaves and puts the scene back"),
    Command("open_quiz", "&Quiz", "&Open Quiz File…", lambda w: w.quiz_mode.open_dialog(), None,
            "A class quiz (a YAML file) answered here", separator=True),
    Command("present_quiz", "&Quiz", "&Present Quiz File…", lambda w: w.quiz_mode.present_dialog(), None,
            "A class quiz full screen: each question, then its answer on the next key"),
    Command("export_progress", "&Quiz", "&Export Progress CSV…", lambda w: w.export_progress_dialog(), None,
            separator=True),
    Command("shortcuts", "&Help", "&Keyboard Shortcuts",
            lambda w: show_shortcuts(w.window(), w.actions_by_name.values()), "F1"),
    Command("problems", "&Help", "Annotation &Problems", lambda w: w.show_problems()),
    Command("about", "&Help", "&About Psoas Atlas", lambda w: show_about(w.window())),
)  # fmt: skip
#: Menus in the menu bar, in order.
MENUS = ("&File", "&Edit", "&Selection", "&View", "&Bookmarks", "&Lessons", "&Quiz", "&Help")
