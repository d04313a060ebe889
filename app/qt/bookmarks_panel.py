"""The Bookmarks dock: save the current view under a name, go back to it, delete it, and
turn a set of bookmarks into a lesson file or present them.

The list and the file are the :class:`~app.model.bookmarks.BookmarkStore`'s; this widget only
asks for names and shows errors. Other windows may save to the same file: the list is read
again whenever it is shown or changed, so it shows their bookmarks too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.model.bookmarks import BookmarkStore, capture, write_lesson
from app.model.lessons import MAX_TITLE, Lesson
from app.qt.flight import CameraFlight


class BookmarksPanel(QWidget):
    """A list of the user's bookmarks with Add, Go To, Delete, Save as Lesson and Present."""

    present_requested = Signal(object)  # a Lesson made of the chosen bookmarks
    message = Signal(str)

    def __init__(self, store: BookmarkStore, flight: CameraFlight, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.flight = flight
        self.scene = flight.scene
        self.empty_hint = QLabel(
            "No bookmarks yet.\nSet up a view (rotate, select, hide, X-ray) and press Add… (Ctrl+D).", self
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: palette(mid); padding: 6px;")
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setToolTip("Double-click to go back to a view; select several to save them as a lesson")
        self.list.itemActivated.connect(lambda item: self.restore(item.data(Qt.ItemDataRole.UserRole)))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        buttons = {
            "add": ("Add…", "Save the current view under a name (Ctrl+D)", self.add_dialog),
            "restore": ("Go To", "Go back to the selected view", self._restore_selected),
            "delete": ("Delete", "Delete the selected bookmarks", self._delete_selected),
            "lesson": (
                "Save as Lesson…",
                "Write the selected (or all) bookmarks as a lesson file",
                self.save_lesson_dialog,
            ),
            "present": (
                "Present",
                "Present the selected (or all) bookmarks full screen",
                lambda: self.present_requested.emit(self.lesson("Bookmarks")),
            ),
        }
        self.buttons: dict[str, QPushButton] = {}
        rows = [QHBoxLayout(), QHBoxLayout()]
        for i, (name, (text, tip, slot)) in enumerate(buttons.items()):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            rows[0 if i < 3 else 1].addWidget(button)
            self.buttons[name] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.list)
        for row in rows:
            layout.addLayout(row)
        self.refresh()

    def refresh(self, current: str | None = None) -> list[str]:
        """List the bookmarks, reading the file again first if another window changed it (the
        selection is kept); the names another window added since."""
        added = self.store.refresh()
        selected = {item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()}
        self.list.clear()
        for name in self.store.names():
            item = QListWidgetItem(name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(self.store.get(name).caption)
            item.setSelected(name in selected)
            if name == current:  # shown, not selected: a selection narrows Save and Present
                self.list.scrollToItem(item)
        self._update_buttons()
        return added

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.refresh()

    def _update_buttons(self) -> None:
        self.empty_hint.setVisible(len(self.store) == 0)
        chosen = bool(self.list.selectedItems())
        self.buttons["restore"].setEnabled(len(self.list.selectedItems()) == 1)
        self.buttons["delete"].setEnabled(chosen)
        for name in ("lesson", "present"):
            self.buttons[name].setEnabled(len(self.store) > 0)

    def chosen(self) -> list[str]:
        """The selected bookmarks in list order, or all of them when none is selected."""
        names = [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]
        order = self.store.names()
        return sorted(names, key=order.index) if names else order

    # commands (the dialogs call these; tests call them directly)
    def add(self, name: str, note: str = "") -> bool:
        """Save the current view as ``name`` (replacing one of that name); False on failure."""
        name = name.strip()
        if not name:
            return False
        step = capture(self.scene, self.flight.renderer.camera_pose(), name, note)
        try:
            saved = self.store.save(step)
        except OSError as exc:
            self._cannot_write(self.store.path, exc)
            return False
        merged = self.store.merged
        self.refresh(current=saved)
        if saved != name:
            text = f"Bookmark saved as “{saved}”: another window saved one named “{name}”"
        else:
            text = f"Bookmark “{name}” saved"
        self.message.emit(text + _by_others(merged))
        return True

    def restore(self, name: str, animate: bool = True) -> None:
        self.flight.go(self.store.get(name), animate=animate)
        self.message.emit(f"Bookmark “{name}”")

    def delete(self, names: list[str]) -> None:
        kept: list[str] = []
        merged: list[str] = []
        for name in names:
            if name not in self.store:  # another window deleted it already
                continue
            try:
                if not self.store.delete(name) and name in self.store:
                    kept.append(name)  # changed by another window since: that change is kept
            except OSError as exc:
                self._cannot_write(self.store.path, exc)
                break
            merged += self.store.merged
        self.refresh()
        if kept:
            listed = ", ".join(f"“{name}”" for name in kept)
            self.message.emit(f"Not deleted: another window changed {listed} since" + _by_others(merged))
        elif merged:
            self.message.emit("Bookmarks deleted" + _by_others(merged))

    def lesson(self, title: str) -> Lesson:
        return self.store.as_lesson(title, self.chosen())

    def save_lesson(self, path: Path, title: str) -> bool:
        try:
            write_lesson(path, self.lesson(title))
        except OSError as exc:
            self._cannot_write(path, exc)
            return False
        self.message.emit(f"Lesson “{title}” written to {path}")
        return True

    # dialogs
    def add_dialog(self) -> None:
        self.refresh()  # another window may have saved since: the next free name, and Replace?
        dialog = QDialog(self)
        dialog.setWindowTitle("Add Bookmark")
        name = QLineEdit(f"View {len(self.store) + 1}", dialog)
        name.setMaxLength(MAX_TITLE)
        name.selectAll()
        note = QLineEdit(dialog)
        note.setPlaceholderText("Optional: what this view shows (the caption in a lesson)")
        form = QFormLayout(dialog)
        form.addRow("Name", name)
        form.addRow("Note", note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(dialog.accept)
        box.rejected.connect(dialog.reject)
        form.addRow(box)
        if dialog.exec() != QDialog.DialogCode.Accepted or not name.text().strip():
            return
        if name.text().strip() in self.store:
            answer = QMessageBox.question(self, "Replace Bookmark", f"Replace the bookmark “{name.text()}”?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.add(name.text(), note.text())

    def _restore_selected(self) -> None:
        if len(self.list.selectedItems()) == 1:
            self.restore(self.list.selectedItems()[0].data(Qt.ItemDataRole.UserRole))

    def _delete_selected(self) -> None:
        names = self.chosen() if self.list.selectedItems() else []
        if names:
            self.delete(names)

    def save_lesson_dialog(self) -> None:
        title, ok = QInputDialog.getText(self, "Save as Lesson", "Lesson title:", text="My lesson")
        if not ok or len(title.strip()) < 3:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save Lesson", f"{title.strip().lower().replace(' ', '-')}.yaml", "Lessons (*.yaml)"
        )
        if name:
            self.save_lesson(Path(name), title.strip())

    def _cannot_write(self, path: Path, exc: OSError) -> None:
        QMessageBox.warning(self, "Not saved", f"Cannot write {path}:\n{exc.strerror or exc}")


def _by_others(names: list[str]) -> str:
    """`` (2 added by another window)`` for bookmarks another window had saved, or ``""``."""
    if not names:
        return ""
    return f" ({len(names)} added by another window)"
