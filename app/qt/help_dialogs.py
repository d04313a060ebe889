"""The Help menu's windows: the keyboard and mouse list (F1), the annotation problems, About.

The F1 list is read from the window's actions, so it shows the keys that really work.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from itertools import zip_longest

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__
from app.model.anatomy.structures import Problem
from app.qt.presentation import NEXT_KEYS, PREVIOUS_KEYS, REPLAY_KEYS
from app.qt.quiz_panel import QuizPanel

MOUSE_HELP = [
    ("Left drag", "rotate"),
    ("Left click", "select (click empty space to clear)"),
    ("Right drag / wheel", "zoom"),
    ("Middle drag / Shift+left drag", "pan"),
]
ABOUT_HTML = (
    f"<b>Psoas Atlas {__version__}</b><br>A free, offline 3D atlas of the lumbopelvic region.<br>"
    "Bone geometry: myo-sim (Apache-2.0), after Rajagopal et al. 2016 and "
    "Christophy et al. 2012; hip bones and sacrum from one subject's CT (gias3.examples, "
    "MPL-2.0). Muscles and nerves built by the project from attachment data."
)


def shortcuts_html(actions: Iterable[QAction], quiz_keys: Iterable[QAction] = ()) -> str:
    """The mouse, every action's keys, presentation mode's keys and the quiz's answer keys
    (live only while a question waits), as an HTML table."""

    def names(keys: tuple[Qt.Key, ...]) -> str:
        native = QKeySequence.SequenceFormat.NativeText
        return ", ".join(QKeySequence(key).toString(native) for key in keys)

    def keys_of(action: QAction) -> str:
        native = QKeySequence.SequenceFormat.NativeText
        return ", ".join(key.toString(native) for key in action.shortcuts())

    pairs = list(MOUSE_HELP)
    pairs += [(keys_of(a), a.text().replace("&", "")) for a in actions if keys_of(a)]
    pairs += [
        (names(NEXT_KEYS), "Presentation: next step"),
        (names(PREVIOUS_KEYS), "Presentation: previous step"),
        (names(REPLAY_KEYS), "Presentation: play the step's movement again"),
        ("Esc", "Presentation: leave"),
    ]
    pairs += [(keys_of(a), f"Quiz: {a.text().replace('&', '')}") for a in quiz_keys if keys_of(a)]
    cells = [f"<td><b>{escape(k)}</b></td><td>{escape(v)}</td>" for k, v in pairs]
    half = (len(cells) + 1) // 2  # two columns of keys: one was taller than a laptop's screen
    pairs_of_cells = zip_longest(cells[:half], cells[half:], fillvalue="")
    rows = [f"<tr>{a}<td width='24'></td>{b}</tr>" for a, b in pairs_of_cells]
    return "<table cellspacing='4'>" + "".join(rows) + "</table>"


def show_shortcuts(parent: QWidget, actions: Iterable[QAction]) -> QMessageBox:
    """The F1 list, not modal: the keys can be tried with it open."""
    quiz = [a for a in parent.actions() if isinstance(a.parent(), QuizPanel)]  # the answer keys
    text = shortcuts_html(actions, quiz)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard Shortcuts", text, parent=parent)
    box.setModal(False)
    box.show()
    return box


def show_problems(parent: QWidget, problems: list[Problem]) -> QMessageBox:
    """The problems found in the annotation files, one a line, not modal."""
    text = "\n".join(str(p) for p in problems) or "All annotation files are valid."
    box = QMessageBox(
        QMessageBox.Icon.Warning if problems else QMessageBox.Icon.Information,
        "Annotation Problems",
        text,
        parent=parent,
    )
    box.setModal(False)
    box.show()
    return box


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About Psoas Atlas", ABOUT_HTML)
