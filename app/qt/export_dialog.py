"""Exports from the window: the Export Image dialog (size, labels, title, caption and
background of an annotated PNG), the Export Video dialog (the movement, the view, size and
frame rate, said before anything is written) and the 3D scene export to a folder. Save
dialogs open in the folder last saved to in this session, else the user's Pictures folder
(never the installation's).

The image itself is rendered off screen at the chosen size by
:class:`app.render.snapshot.Exporter`, so labels, legend and text are drawn at the output
resolution, not scaled up from the screen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
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
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.export import export_scene
from app.fonts import text_problem
from app.model.io.atomic import FolderInUseError
from app.model.motion.cycles import frame_captions
from app.model.motion.playback import Track
from app.model.scene.state import SceneModel
from app.model.scene.views import VIEWS, CameraPose
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


PICTURES = QStandardPaths.StandardLocation.PicturesLocation
DOCUMENTS = QStandardPaths.StandardLocation.DocumentsLocation
#: The folder the last file was saved to in this session (None: none yet).
_last_folder: Path | None = None


def save_path(name: str, first: QStandardPaths.StandardLocation = PICTURES) -> str:
    """Where a save dialog opens, with ``name`` proposed: the folder last saved to, else the
    user's ``first`` folder (Pictures for images; else home), never the installation's."""
    if _last_folder is not None and _last_folder.is_dir():
        return str(_last_folder / name)
    standard = QStandardPaths.writableLocation(first)
    folder = Path(standard) if standard and Path(standard).is_dir() else Path.home()
    return str(folder / name)


def ask_where_to_save(
    parent: QWidget, caption: str, name: str, kinds: str, first: QStandardPaths.StandardLocation = PICTURES
) -> str:
    """A save dialog started by :func:`save_path`; the file chosen ("" if none), its
    folder remembered for the next."""
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, save_path(name, first), kinds)
    if chosen:
        remember_folder(Path(chosen))
    return chosen


def remember_folder(path: Path) -> None:
    """The next save dialog opens where ``path`` (a file or a folder written) is."""
    global _last_folder
    _last_folder = path if path.is_dir() else path.parent


def save_or_cancel(dialog: QDialog) -> tuple[QDialogButtonBox, QPushButton]:
    """A save dialog's Save and Cancel buttons, answering it; and the Save button."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, buttons.button(QDialogButtonBox.StandardButton.Save)


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
        buttons, self.save = save_or_cancel(self)
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
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export Image", save_path(dialog.file_name()), "PNG images (*.png)"
    )
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
    remember_folder(Path(name))
    status(f"Saved {name} ({size[0]} x {size[1]})", 8000)
    return Path(name)


def export_scene_folder(
    parent: QWidget, scene: SceneModel, meshes_dir: Path, status: Callable[..., None]
) -> Path | None:
    """File ▸ Export 3D Scene: the shown meshes and scene.json into a folder, written whole."""
    start = str(Path(save_path("scene")).parent)
    folder = QFileDialog.getExistingDirectory(parent, "Export Scene To Folder", start)
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
    remember_folder(Path(folder))
    status(f"Exported {len(scene.shown_ids)} meshes to {folder}", 5000)
    return Path(folder)


#: What File ▸ Export Video writes: 720p at 30 frames a second, as ``animate`` does by default.
VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 30


class _CancelledError(Exception):
    """The user pressed Cancel while a video was being drawn."""


#: Video sizes offered (even, as MP4 needs), and the frame rates.
VIDEO_SIZES = [(480, 270), (640, 360), (1280, 720), (1920, 1080)]
FPS_RANGE = (10, 60)
#: The view box's first entry: the window's own camera.
WINDOW_CAMERA = "As the window shows it now"


class ExportVideoDialog(QDialog):
    """Says what File ▸ Export Video records, the Motion dock's movement, and asks from
    which view, at which size and frame rate, before anything is written."""

    def __init__(self, movement: str, seconds: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self.movement = QLabel(f"{movement} ({seconds:g} s), as chosen in the Motion dock", self)
        self.movement.setWordWrap(True)
        self.view_box = QComboBox(self)
        self.view_box.addItem(WINDOW_CAMERA, None)
        for name, view in VIEWS.items():
            self.view_box.addItem(f"{view.title} view", name)
        self.size_box = QComboBox(self)
        for width, height in VIDEO_SIZES:
            self.size_box.addItem(f"{width} x {height}", (width, height))
        self.size_box.setCurrentIndex(VIDEO_SIZES.index(VIDEO_SIZE))
        self.fps = QSpinBox(self)
        self.fps.setRange(*FPS_RANGE)
        self.fps.setValue(VIDEO_FPS)
        self.fps.setSuffix(" frames a second")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Movement", self.movement)
        form.addRow("View", self.view_box)
        form.addRow("", self.note)
        form.addRow("Size", self.size_box)
        form.addRow("Frame rate", self.fps)
        buttons, self.save = save_or_cancel(self)
        form.addRow(buttons)
        self.view_box.currentIndexChanged.connect(self._say_view)
        self._say_view()

    def _say_view(self) -> None:
        self.note.setText(
            "The camera stays where the window's is. A movement forward and back (a leg lift,"
            " a forward bend) looks short seen from the front or back: a side view shows it whole."
            if self.view_box.currentData() is None
            else "The camera looks from this side, framing the body; the window stays as it is."
        )

    def options(self) -> tuple[str | None, tuple[int, int], int]:
        """The view (None: the window's camera), the size and the frame rate chosen."""
        return self.view_box.currentData(), VIDEO_SIZES[self.size_box.currentIndex()], self.fps.value()


def export_video_with_options(
    parent: QWidget,
    scene: SceneModel,
    camera: CameraPose,
    tween: Track,
    movement: str,
    status: Callable[..., None],
) -> Path | None:
    """File ▸ Export Video: say what is recorded and ask how (:class:`ExportVideoDialog`),
    then :func:`export_video`; the file written, or None."""
    dialog = ExportVideoDialog(movement, tween.seconds, parent)
    if dialog.exec() != ExportVideoDialog.DialogCode.Accepted:
        return None
    view, size, fps = dialog.options()
    return export_video(parent, scene, camera, tween, status, size, fps, view)


def export_video(
    parent: QWidget,
    scene: SceneModel,
    camera: CameraPose,
    tween: Track,
    status: Callable[..., None],
    size: tuple[int, int] = VIDEO_SIZE,
    fps: int = VIDEO_FPS,
    view: str | None = None,
) -> Path | None:
    """The movement as MP4 or GIF, seen from the window's ``camera`` (or the standard
    ``view``), drawn off screen on a copy of the scene (the window stays as it is), with a
    progress dialog that can cancel (then no file is left); the file written, or None."""
    name, chosen = QFileDialog.getSaveFileName(
        parent, "Export Video", save_path("movement.mp4"), "MP4 video (*.mp4);;Animated GIF (*.gif)"
    )
    if not name:
        return None
    if not name.lower().endswith(VIDEO_SUFFIXES):
        name += ".gif" if "GIF" in chosen else ".mp4"
    copy = scene.fresh()
    copy.restore(scene.state())
    if view is None:
        copy.set_camera(camera)
    else:
        copy.set_view(view)
    frames = [(0, pose) for pose in tween.frames(fps)]
    captions = frame_captions(tween, fps)  # an activity's phases, as `animate --activity` has them
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
        write_video(copy, Path(name), frames, size, fps, progress=advance, captions=captions)
    except _CancelledError:
        status("Video export cancelled", 5000)
        return None
    except (OSError, RenderError, VideoError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        QMessageBox.warning(parent, "Video not saved", f"Cannot write {name}:\n{reason}")
        return None
    finally:
        progress.close()
        progress.deleteLater()  # a child of the window: each export's dialog stayed (the soak)
    remember_folder(Path(name))
    status(f"Saved {name} ({len(frames)} frames, {size[0]} x {size[1]}, {fps} fps)", 8000)
    return Path(name)
