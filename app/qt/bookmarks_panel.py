"""The Bookmarks dock: save the current view under a name, go back to it, delete it, and
turn a set of bookmarks into a lesson file or present them.

The list and the file are the :class:`~app.model.teaching.bookmarks.BookmarkStore`'s; this widget only
asks for names and shows errors. Other windows may save to the same file: the list is read
again whenever it is shown or changed, so it shows their bookmarks too.

Each bookmark shows a small picture of its view. The window gives the panel a function that
draws a step off screen (:class:`app.render.thumbnails.StepThumbnails`); a picture is drawn
when its bookmark is saved, kept in memory and in a folder beside the bookmarks file
(:class:`~app.model.teaching.bookmarks.ThumbnailFiles`), and drawn again only when that file is missing
or unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
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

from app.fonts import text_problem
from app.model.scene.state import Aspect
from app.model.teaching.bookmarks import (
    THUMBNAIL_SIZE,
    BookmarkStore,
    capture,
    look_of,
    proposed_name,
    thumbnail_key,
    write_lesson,
)
from app.model.teaching.lessons import MAX_TITLE, Lesson, Step
from app.qt.export_dialog import DOCUMENTS, ask_where_to_save, file_stem
from app.qt.flight import CameraFlight
from app.render.snapshot import EXPORT_BACKGROUND, RenderError

#: Draws a bookmark's picture: a step in, PNG bytes out.
ThumbnailRenderer = Callable[[Step], bytes]
#: The renderer's off-screen plotter is freed after this long with nothing to draw.
THUMBNAIL_IDLE_MS = 30_000


class BookmarksPanel(QWidget):
    """A list of the user's bookmarks, with their pictures, and Add, Go To, Delete, Save as
    Lesson and Present. Save as Lesson and Present take every bookmark unless two or more are
    selected (one selected item is where the user last went, not a choice)."""

    present_requested = Signal(object)  # a Lesson made of the chosen bookmarks
    message = Signal(str)
    #: A bookmark's picture was drawn and is in the list (its name).
    thumbnail_ready = Signal(str)

    def __init__(
        self,
        store: BookmarkStore,
        flight: CameraFlight,
        parent: QWidget | None = None,
        thumbnail: ThumbnailRenderer | None = None,
    ):
        super().__init__(parent)
        self.store = store
        self.flight = flight
        self.scene = flight.scene
        # The pictures take the window's look (palette, length colours): drawn again when it changes.
        self.scene.changed.connect(self._on_scene_changed)
        self.thumbnail = thumbnail
        self.thumbnail_size = QSize(THUMBNAIL_SIZE[0] // 2, THUMBNAIL_SIZE[1] // 2)
        self._pixmaps: dict[str, QPixmap] = {}  # by thumbnail key
        self._pending: dict[str, Step] = {}  # pictures to draw, by thumbnail key
        self._blank = QPixmap(self.thumbnail_size)
        self._blank.fill(QColor(EXPORT_BACKGROUND))
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.timeout.connect(self._draw_next)
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(THUMBNAIL_IDLE_MS)
        self._idle_timer.timeout.connect(self.release_thumbnails)
        self.empty_hint = QLabel(
            "No bookmarks yet.\nSet up a view (rotate, select, hide, X-ray) and press Add… (Ctrl+D).", self
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: palette(mid); padding: 6px;")
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setIconSize(self.thumbnail_size)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setToolTip(
            "Double-click to go back to a view; select two or more to save or present only those"
        )
        self.list.itemActivated.connect(lambda item: self.restore(item.data(Qt.ItemDataRole.UserRole)))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        buttons = {
            "add": ("Add…", "Save the current view under a name (Ctrl+D)", self.add_dialog),
            "restore": ("Go To", "Go back to the selected view", self._restore_selected),
            "delete": ("Delete", "Delete the selected bookmarks", self._delete_selected),
            "lesson": ("Save as Lesson…", "", self.save_lesson_dialog),
            "present": (
                "Present",
                "",
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

    def use_store(self, store: BookmarkStore) -> None:
        """List another store's bookmarks; the pictures of this one's are forgotten."""
        self.release_thumbnails()
        self.store = store
        self._pixmaps = {}
        self.refresh()

    def refresh(self, current: str | None = None) -> list[str]:
        """List the bookmarks, reading the file again first if another window changed it (the
        selection is kept); the names another window added since."""
        added = self.store.refresh()
        selected = {item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()}
        self.list.clear()
        for name in self.store.names():
            step = self.store.get(name)
            item = QListWidgetItem(name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(step.caption)
            if self.thumbnail is not None:
                item.setIcon(QIcon(self._picture(step)))
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
        selected = len(self.list.selectedItems())
        self.buttons["restore"].setEnabled(selected == 1)
        self.buttons["delete"].setEnabled(selected > 0)
        which = self._which()
        self.buttons["lesson"].setToolTip(f"Write {which} as a lesson file")
        self.buttons["present"].setToolTip(f"Present {which} full screen")
        for name in ("lesson", "present"):
            self.buttons[name].setEnabled(len(self.store) > 0)

    def _selected_names(self) -> list[str]:
        """The selected bookmarks, in list order."""
        names = [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]
        order = self.store.names()
        return sorted((name for name in names if name in order), key=order.index)

    def chosen(self) -> list[str]:
        """What Save as Lesson and Present take: the selected bookmarks in list order when two
        or more are selected on purpose, else all of them (a double-click, or Go To, leaves
        one selected: that is where the user went, not a choice of one)."""
        names = self._selected_names()
        return names if len(names) >= 2 else self.store.names()

    def _which(self) -> str:
        """``all 3 bookmarks`` or ``the 2 selected bookmarks`` (of 5), for the buttons."""
        total, chosen = len(self.store), len(self.chosen())
        if chosen < total:
            return f"the {chosen} selected bookmarks (of {total})"
        return "the bookmark" if total == 1 else f"all {total} bookmarks"

    # commands (the dialogs call these; tests call them directly)
    def add(self, name: str, note: str = "") -> bool:
        """Save the current view as ``name`` (replacing one of that name); False on failure."""
        name = name.strip()
        if not name:
            return False
        # A bookmark's name and note are drawn when presented: what the loader would refuse
        # (and keep in the file unshown) is not saved.
        if problem := text_problem(name) or text_problem(note, line_breaks=True):
            self.message.emit(f"Bookmark not saved: {problem}")
            return False
        step = capture(self.scene, self.flight.renderer.camera_pose(), name, note)
        try:
            saved = self.store.save(step)
        except OSError as exc:
            self._cannot_write(self.store.path, exc)
            return False
        merged = self.store.merged
        if self.thumbnail is not None:
            self._queue(self.store.get(saved), first=True)
            self._prune()  # the picture of the bookmark it replaced
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
        self._prune()
        self.refresh()
        if kept:
            listed = ", ".join(f"“{name}”" for name in kept)
            self.message.emit(f"Not deleted: another window changed {listed} since" + _by_others(merged))
        elif merged:
            self.message.emit("Bookmarks deleted" + _by_others(merged))

    def lesson(self, title: str) -> Lesson:
        return self.store.as_lesson(title, self.chosen())

    def save_lesson(self, path: Path, title: str) -> bool:
        lesson = self.lesson(title)
        try:
            write_lesson(path, lesson)
        except OSError as exc:
            self._cannot_write(path, exc)
            return False
        written = f"{len(lesson.steps)} of {len(self.store)} bookmarks written"
        self.message.emit(f"{written} to {path} as the lesson “{title}”")
        return True

    def proposed_name(self) -> str:
        """A name for the current view: what is selected and from where, not yet taken."""
        return proposed_name(self.scene, self.flight.renderer.camera_pose(), self.store.names())

    # pictures
    def _picture(self, step: Step) -> QPixmap:
        """The step's picture from memory or its file; if neither has it, blank, and drawn
        soon (when the list is on screen)."""
        key = self._key(step)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._pixmap(self.store.thumbnails.read(step, look_of(self.scene)))
            if pixmap is not None:
                self._pixmaps[key] = pixmap
            elif self.isVisible():
                self._queue(step)
        return pixmap or self._blank

    def _pixmap(self, png: bytes | None) -> QPixmap | None:
        if not png:
            return None
        pixmap = QPixmap()
        if not pixmap.loadFromData(png, "PNG") or pixmap.isNull():
            return None
        return pixmap.scaled(
            self.thumbnail_size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )

    def _on_scene_changed(self, aspects: Aspect) -> None:
        if Aspect.palette in aspects and self.thumbnail is not None and len(self.store):
            self.refresh()

    def _key(self, step: Step) -> str:
        """The picture's key: the step as the window draws it now (its look)."""
        return thumbnail_key(step, look_of(self.scene))

    def _queue(self, step: Step, first: bool = False) -> None:
        key = self._key(step)
        if key in self._pixmaps:
            return
        if first:
            self._pending = {key: step, **self._pending}
        else:
            self._pending.setdefault(key, step)
        self._idle_timer.stop()
        self._draw_timer.start(0)  # after this event: the list and the message come first

    def _draw_next(self) -> None:
        """Draw one waiting picture (one per turn of the event loop, so the window stays
        responsive), save it beside the bookmarks and put it in the list."""
        if not self._pending or self.thumbnail is None:
            return
        key = next(iter(self._pending))
        step = self._pending.pop(key)
        if key != self._key(step):  # the window's look changed since: queued again in the new one
            if self._pending:
                self._draw_timer.start(0)
            else:
                self._idle_timer.start()
            return
        try:
            png = self.thumbnail(step)
        except RenderError:
            png = b""  # nothing to draw (everything hidden): the list shows it blank
        pixmap = self._pixmap(png) or self._blank
        self._pixmaps[key] = pixmap
        if png:
            self.store.thumbnails.write(step, png, look_of(self.scene))
        for index in range(self.list.count()):
            item = self.list.item(index)
            name = item.data(Qt.ItemDataRole.UserRole)
            if name in self.store and self._key(self.store.get(name)) == key:
                item.setIcon(QIcon(pixmap))
                self.thumbnail_ready.emit(name)
        if self._pending:
            self._draw_timer.start(0)
        else:
            self._idle_timer.start()

    def _prune(self) -> None:
        """Forget the pictures of bookmarks that are gone, here and on disk."""
        if self.thumbnail is None:
            return
        steps = [self.store.get(name) for name in self.store.names()]
        keys = {self._key(step) for step in steps}
        self._pixmaps = {key: pixmap for key, pixmap in self._pixmaps.items() if key in keys}
        self.store.thumbnails.prune(steps, look_of(self.scene))

    def release_thumbnails(self) -> None:
        """Stop drawing pictures and free what draws them (made again for the next one): after
        a while with nothing to draw, and when the window closes."""
        self._idle_timer.stop()
        self._draw_timer.stop()
        self._pending = {}
        close = getattr(self.thumbnail, "close", None)
        if close is not None:
            close()

    # dialogs
    def add_dialog(self) -> None:
        self.refresh()  # another window may have saved since: the next free name, and Replace?
        dialog = QDialog(self)
        dialog.setWindowTitle("Add Bookmark")
        name = QLineEdit(self.proposed_name(), dialog)
        name.setMaxLength(MAX_TITLE)
        name.selectAll()
        note = QLineEdit(dialog)
        note.setPlaceholderText("Optional: what this view shows (the caption in a lesson)")
        # Wide enough for the proposed name and the note's hint whole (Qt's default cut them).
        metrics, screen = name.fontMetrics(), self.screen().availableGeometry().width()
        longest = max(metrics.horizontalAdvance(text) for text in (name.text(), note.placeholderText()))
        name.setMinimumWidth(min(longest + 4 * metrics.averageCharWidth(), screen * 2 // 3))
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
        names = self._selected_names()
        if names:
            self.delete(names)

    def save_lesson_dialog(self) -> None:
        self.refresh()
        if not len(self.store):
            self.message.emit("No bookmarks yet: Add… (Ctrl+D) saves the current view")
            return
        title, ok = QInputDialog.getText(
            self, "Save as Lesson", f"Lesson title ({self._which()}):", text="My lesson"
        )
        if not ok or len(title.strip()) < 3:
            return
        stem = file_stem(title, "my-lesson")
        name = ask_where_to_save(self, "Save Lesson", f"{stem}.yaml", "Lessons (*.yaml)", DOCUMENTS)
        if name:
            self.save_lesson(Path(name), title.strip())

    def _cannot_write(self, path: Path, exc: OSError) -> None:
        QMessageBox.warning(self, "Not saved", f"Cannot write {path}:\n{exc.strerror or exc}")


def _by_others(names: list[str]) -> str:
    """`` (2 added by another window)`` for bookmarks another window had saved, or ``""``."""
    if not names:
        return ""
    return f" ({len(names)} added by another window)"
