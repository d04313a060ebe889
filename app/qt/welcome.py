"""The first run's welcome: five things to try, shown once.

That it was shown is remembered in the user's data folder (where the bookmarks and quiz
progress are kept), written atomically; a folder that cannot be written only means the
welcome may come again, never an error at start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from app.model.io.atomic import atomic_write_bytes
from app.model.teaching.bookmarks import data_dir

#: The file whose presence says the welcome was shown.
SEEN_FILE = "welcome-seen"
TRY_FIRST = (
    "<b>Click</b> a structure to select it and read what it is; drag to turn the body.",
    "<b>Type a name</b> in the search box, English or Latin (typos forgiven).",
    "<b>H</b> hides the selection, <b>I</b> isolates it, <b>X</b> shows the bones as X-ray.",
    "<b>F5</b> presents the first lesson full screen (Lessons lists them all).",
    "The <b>Motion</b> tab moves the joints; the <b>Section</b> tab cuts the body, drawn in "
    "<b>Slice View</b>.",
)
WELCOME_HTML = (
    "<p><b>Welcome to Psoas Atlas</b>: a 3D atlas of the psoas and its neighbours.</p>"
    "<p>Five things to try:</p><ol>"
    + "".join(f"<li>{line}</li>" for line in TRY_FIRST)
    + "</ol><p><b>F1</b> lists every key. This note is not shown again.</p>"
)


def seen_path() -> Path:
    return data_dir() / SEEN_FILE


def welcome_once(parent: QWidget) -> QMessageBox | None:
    """Show the welcome (not modal) unless it was shown before, and remember that it was."""
    path = seen_path()
    if path.exists():
        return None
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Welcome to Psoas Atlas", WELCOME_HTML, parent=parent)
    box.setModal(False)
    box.show()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, b"shown\n")
    except OSError:
        pass  # a read-only data folder: the welcome comes again next time, nothing worse
    return box
