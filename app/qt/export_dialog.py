"""Exports from the window: the Export Image dialog (size, labels, title, caption and
background of an annotated PNG) and the 3D scene export to a folder.

The image itself is rendered off screen at the chosen size by
:class:`app.render.snapshot.Exporter`, so labels, legend and text are drawn at the output
resolution, not scaled up from the screen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from app.export import export_scene
from app.fonts import text_problem
from app.model.io.atomic import FolderInUseError
from app.model.motion.playback import Tween
from app.model.scene.state import SceneModel
from app.model.scene.views import CameraPose
from app.render.snapshot import Annotations, RenderError
from app.render.video import VIDEO_SUFFIXES, VideoError, write_video

#: Sizes offered, from slides to print (A4 landscape at 300 dpi).
SIZES: list[tuple[str, tuple[int, int]]] = [
    ("HD slide — 1280 x 720", (1280, 720)),
    ("Full HD slide — 1920 x 1080", (1920, 1080)),
    ("4K — 3840 x 2160", (3840, 2160)),
    ("A4 print, 300 dpi — 3508 x 2480", (3508, 2480)),
]

#: Longest file name proposed from a title, before the extension.
MAX_STEM = 80
#: Names Windows keeps for devices: never proposed as a file name.
_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def file_stem(title: str | None, fallback: str = "psoas-atlas") -> str:
    """A file name (without extension) made from a title: ``Right psoas major`` ->
    ``right-psoas-major``. Latin letters lose their accents (``Psóas`` -> ``psoas``), letters
    and digits of other scripts are kept, everything else (spaces, punctuation, slashes,
    dots) becomes one hyphen, and it is cut at :data:`MAX_STEM` characters; ``fallback``
    when nothing is left."""
    text = "".join(_plain_latin(c) for c in unicodedata.normalize("NFKC", title or "")).casefold()
    stem = re.sub(r"[^\w]+|_+", "-", text).strip("-")
    stem = stem[:MAX_STEM].rstrip("-")
    if not stem or stem in _DEVICE_NAMES:
        return fallback
    return stem


def _plain_latin(char: str) -> str:
    """``é`` -> ``e``: a Latin letter without its accent; any other character as it is."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base.isascii() and base.isalpha() else char


class ExportImageDialog(QDialog):
    """Asks how to export; :meth:`options` gives the size and the annotations."""

    def __init__(self, window_size: tuple[int, int], title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export Image")
        self.size_box = QComboBox(self)
        self.size_box.addItem(f"Window — {window_size[0]} x {window_size[1]}", window_size)
        for text, size in SIZES:
            self.size_box.addItem(text, size)
        self.size_box.setCurrentIndex(3)  # 4K: crisp on slides and in print
        self.labels = QCheckBox("Labels, leader lines and legend", self)
        self.labels.setChecked(True)
        self.title = QLineEdit(title, self)
        self.title.setPlaceholderText("Optional title at the top")
        self.caption = QLineEdit(self)
        self.caption.setPlaceholderText("Optional caption at the bottom")
        self.transparent = QCheckBox("Transparent background", self)
        form = QFormLayout(self)
        form.addRow("Size", self.size_box)
        form.addRow("", self.labels)
        form.addRow("Title", self.title)
        form.addRow("Caption", self.caption)
        form.addRow("", self.transparent)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save = buttons.button(QDialogButtonBox.StandardButton.Save)
        #: Why the title or caption cannot be drawn (right-to-left script, no font has it).
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        form.addRow("", self.problem)
        form.addRow(buttons)
        for field in (self.title, self.caption):
            field.textChanged.connect(self._check_text)
        self._check_text()

    def _check_text(self) -> None:
        """Save only text that can be drawn; say why not."""
        problems = [
            f"{name}: {problem}"
            for name, field in (("Title", self.title), ("Caption", self.caption))
            if (problem := text_problem(field.text()))
        ]
        self.problem.setText(problems[0] if problems else "")
        self.problem.setVisible(bool(problems))
        self.save.setEnabled(not problems)

    def file_name(self) -> str:
        """The file name to propose: from the title (``right-psoas-major.png``)."""
        return f"{file_stem(self.title.text())}.png"

    def options(self) -> tuple[tuple[int, int], Annotations]:
        size = tuple(self.size_box.currentData())
        notes = Annotations(
            labels=self.labels.isChecked(),
            title=self.title.text().strip() or None,
            caption=self.caption.text().strip() or None,
            transparent=self.transparent.isChecked(),
        )
        return size, notes


def export_image(
    parent: QWidget,
    view_size: tuple[int, int],
    title: str,
    save: Callable[[Path, tuple[int, int], Annotations], None],
    status: Callable[..., None],
) -> Path | None:
    """File ▸ Export Image: ask how and where, then ``save`` (the window renders off screen
    from its camera); the file written, or None."""
    dialog = ExportImageDialog(view_size, title, parent)
    if dialog.exec() != ExportImageDialog.DialogCode.Accepted:
        return None
    size, notes = dialog.options()
    name, _ = QFileDialog.getSaveFileName(parent, "Export Image", dialog.file_name(), "PNG images (*.png)")
    if not name:
        return None
    if not name.lower().endswith(".png"):
        name += ".png"
    status(f"Rendering {size[0]} x {size[1]}…")
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        save(Path(name), size, notes)
    except (OSError, RenderError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        QMessageBox.warning(parent, "Image not saved", f"Cannot write {name}:\n{reason}")
        status("")
        return None
    finally:
        QApplication.restoreOverrideCursor()
    status(f"Saved {name} ({size[0]} x {size[1]})", 8000)
    return Path(name)


def export_scene_folder(
    parent: QWidget, scene: SceneModel, meshes_dir: Path, status: Callable[..., None]
) -> Path | None:
    """File ▸ Export 3D Scene: the shown meshes and scene.json into a folder, written whole."""
    folder = QFileDialog.getExistingDirectory(parent, "Export Scene To Folder")
    if not folder:
        return None
    try:
        export_scene(scene, meshes_dir, Path(folder))
    except (OSError, FolderInUseError) as exc:
        reason = (
            str(exc)
            if isinstance(exc, FolderInUseError)
            else f"Cannot export to {folder}:\n{exc.strerror or exc}"
        )
        QMessageBox.warning(parent, "Export failed", reason)
        return None
    status(f"Exported {len(scene.shown_ids)} meshes to {folder}", 5000)
    return Path(folder)


#: What File ▸ Export Video writes: 720p at 30 frames a second, as ``animate`` does by default.
VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 30


class _CancelledError(Exception):
    """The user pressed Cancel while a video was being drawn."""


def export_video(
    parent: QWidget,
    scene: SceneModel,
    camera: CameraPose,
    tween: Tween,
    status: Callable[..., None],
    size: tuple[int, int] = VIDEO_SIZE,
) -> Path | None:
    """File ▸ Export Video: the Motion dock's movement as MP4 or GIF, seen from the window's
    camera, drawn off screen on a copy of the scene (the window stays as it is), with a
    progress dialog that can cancel (then no file is left); the file written, or None."""
    name, chosen = QFileDialog.getSaveFileName(
        parent, "Export Video", "movement.mp4", "MP4 video (*.mp4);;Animated GIF (*.gif)"
    )
    if not name:
        return None
    if not name.lower().endswith(VIDEO_SUFFIXES):
        name += ".gif" if "GIF" in chosen else ".mp4"
    copy = scene.fresh()
    copy.restore(scene.state())
    copy.set_camera(camera)
    frames = [(0, pose) for pose in tween.frames(VIDEO_FPS)]
    progress = QProgressDialog("Drawing the video…", "Cancel", 0, len(frames), parent)
    progress.setWindowTitle("Export Video")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)

    def advance(count: int) -> None:
        progress.setValue(progress.value() + count)
        QApplication.processEvents()
        if progress.wasCanceled():
            raise _CancelledError

    try:
        write_video(copy, Path(name), frames, size, VIDEO_FPS, progress=advance)
    except _CancelledError:
        status("Video export cancelled", 5000)
        return None
    except (OSError, RenderError, VideoError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        QMessageBox.warning(parent, "Video not saved", f"Cannot write {name}:\n{reason}")
        return None
    finally:
        progress.close()
    status(f"Saved {name} ({len(frames)} frames, {size[0]} x {size[1]})", 8000)
    return Path(name)
