"""The menu bar and the search toolbar, made from the command table (:mod:`app.qt.commands`)
and from the data: the standard views, the palettes, group opacities, the lessons and the
docks. Every action is added to the window too, so its key works wherever the focus is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QCompleter, QDockWidget, QLineEdit, QMenuBar, QToolBar, QWidget

from app.model.anatomy.structures import Group
from app.model.scene.palette import PALETTES
from app.model.scene.views import VIEWS
from app.model.teaching.lessons import Lesson
from app.qt.commands import COMMANDS, MENUS, Window
from app.qt.presentation import Presentation

#: The percentages View ▸ Group Opacity offers for each group.
GROUP_OPACITIES = (100, 60, 30, 10)


class MenuHost(Window, Protocol):
    """What the menus need of the main window, beyond what the commands call."""

    actions_by_name: dict[str, QAction]
    lessons: list[tuple[Path, Lesson]]
    bookmarks_dock: QDockWidget

    def window(self) -> QWidget: ...
    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt API
    def addAction(self, action: QAction) -> None: ...  # noqa: N802 - Qt API
    def addToolBar(self, area: Qt.ToolBarArea, toolbar: QToolBar) -> None: ...  # noqa: N802 - Qt API
    def present(self, lesson: Lesson) -> Presentation: ...


def add_action(window: MenuHost, name: str, text: str, key, slot: Callable, tip: str = "") -> QAction:
    """An action of the window, known by ``name`` in ``window.actions_by_name``."""
    action = QAction(text, window.window())
    if key is not None:
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip(tip or text.replace("&", "").replace("…", ""))
    action.triggered.connect(slot)
    window.addAction(action)
    window.actions_by_name[name] = action
    return action


def build_menus(window: MenuHost, view_docks: Sequence[QDockWidget | None]) -> None:
    """The menu bar: the commands in their menus, then the generated entries; View lists
    ``view_docks`` to show or hide."""
    menus = {title: window.menuBar().addMenu(title) for title in MENUS}
    for command in COMMANDS:
        menu = menus[command.menu]
        if command.separator:
            menu.addSeparator()
        run = command.run
        slot = lambda _=False, r=run: r(window)  # noqa: E731 - the checked flag is not passed on
        action = add_action(window, command.name, command.text, command.key, slot, command.tip)
        action.setCheckable(command.checkable)
        menu.addAction(action)
    _add_view_entries(window, menus["&View"], view_docks)
    menus["&Bookmarks"].addSeparator()
    menus["&Bookmarks"].addAction(window.bookmarks_dock.toggleViewAction())
    lessons_menu, before = menus["&Lessons"], window.actions_by_name["open_lesson"]
    lessons_menu.insertSeparator(before)
    for number, (_path, lesson) in enumerate(window.lessons, start=1):
        action = add_action(
            window, f"lesson_{number}", f"{number}. {lesson.title}", None,
            lambda _=False, chosen=lesson: window.present(chosen),
        )  # fmt: skip
        lessons_menu.insertAction(before, action)
    lessons_menu.insertSeparator(before)


def _add_view_entries(window: MenuHost, view_menu, view_docks: Sequence[QDockWidget | None]) -> None:
    """The standard views (first), the palettes, group opacity and the docks (last)."""
    scene = window.scene
    first = view_menu.actions()[0]
    for view in VIEWS.values():
        action = add_action(
            window, f"view_{view.name}", f"{view.title} View", view.shortcut,
            lambda _=False, n=view.name: scene.set_view(n),
        )  # fmt: skip
        view_menu.insertAction(first, action)
    colours = view_menu.addMenu("&Colours")
    palettes = QActionGroup(window.window())
    for palette in PALETTES.values():
        action = add_action(
            window, f"palette_{palette.name}", palette.title, None,
            lambda _=False, n=palette.name: scene.set_palette(n),
            "Colours of the selection, attachments and root foramina",
        )  # fmt: skip
        action.setCheckable(True)
        action.setChecked(palette.name == scene.palette.name)
        palettes.addAction(action)
        colours.addAction(action)
    opacity_menu = view_menu.addMenu("Group &Opacity")
    for group in Group:
        sub = opacity_menu.addMenu(group.value)
        for percent in GROUP_OPACITIES:
            sub.addAction(
                add_action(
                    window, f"opacity_{group.value}_{percent}", f"{percent}%", None,
                    lambda _=False, g=group, p=percent: scene.set_group_opacity(g, p / 100),
                )
            )  # fmt: skip
    view_menu.addAction(_context_skeleton_action(window))
    view_menu.addSeparator()
    for dock in view_docks:
        if dock is not None:
            view_menu.addAction(dock.toggleViewAction())


def _context_skeleton_action(window: MenuHost) -> QAction:
    """View ▸ Context Skeleton: shows or hides the context skeleton as one group; the
    window ticks it while all of it is shown, whoever changed it (the tree, a lesson, undo)."""
    scene = window.scene
    action = add_action(
        window, "context_skeleton", "Context &Skeleton", None,
        lambda checked: scene.set_group_visible(Group.context, bool(checked)),
        "Show or hide the rest of the skeleton, drawn dimmed around the lumbar region",
    )  # fmt: skip
    action.setCheckable(True)
    action.setChecked(scene.group_visible(Group.context))
    action.setEnabled(bool(scene.catalogue.in_group(Group.context)))
    return action


def search_box(parent: QWidget, names: list[str], search: Callable[[str], None]) -> QLineEdit:
    """The search box: completes any of ``names`` (by any part, in any case), and hands
    what is chosen or entered to ``search``."""
    box = QLineEdit(parent)
    box.setPlaceholderText("Find a structure or a landmark (English or Latin)…  Ctrl+F")
    box.setClearButtonEnabled(True)
    box.setMinimumWidth(320)
    completer = QCompleter(QStringListModel(names, parent), parent)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.activated.connect(search)
    box.setCompleter(completer)
    box.returnPressed.connect(lambda: search(box.text()))
    return box


def build_toolbar(window: MenuHost, box: QLineEdit) -> None:
    """The toolbar: the search box, then the commands marked for it."""
    bar = QToolBar("Search", window.window())
    bar.setObjectName("search_toolbar")
    bar.setMovable(False)
    bar.addWidget(box)
    bar.addSeparator()
    for command in COMMANDS:
        if command.toolbar:
            bar.addAction(window.actions_by_name[command.name])
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
