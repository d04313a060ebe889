"""The File menu's exports and Lessons ▸ Open Lesson File, as the window runs them: what
each takes from the window, and what it says in the status bar when it cannot run. The
dialogs themselves are in :mod:`app.qt.export_dialog`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QFileDialog, QMessageBox, QStatusBar, QWidget

from app.model.io import paths
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import Lesson, load_lesson
from app.qt.export_dialog import export_image, export_scene_folder, export_video_with_options
from app.qt.player import PlayBar, PosePlayer
from app.qt.presentation import Presentation
from app.render.scene_renderer import SceneRenderer
from app.render.snapshot import Annotations

#: Said when a command needs a body to pose and the data set has none.
CANNOT_POSE = "This data set cannot be posed (Help ▸ Annotation Problems)"


class FileHost(Protocol):
    """What the File and Lessons commands need of the main window."""

    scene: SceneModel
    renderer: SceneRenderer
    player: PosePlayer
    play_bar: PlayBar | None

    def window(self) -> QWidget: ...
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt API
    def view_size(self) -> tuple[int, int]: ...
    def save_screenshot(
        self, path: Path, size: tuple[int, int] | None = None, notes: Annotations | None = None
    ) -> None: ...
    def present(self, lesson: Lesson) -> Presentation: ...


def export_image_dialog(window: FileHost) -> None:
    """File ▸ Export Image, titled with the selected structure's name."""
    selected = window.scene.selected
    title = window.scene.catalogue[selected].name if selected else ""
    export_image(
        window.window(), window.view_size(), title, window.save_screenshot, window.statusBar().showMessage
    )


def export_video_dialog(window: FileHost) -> None:
    """File ▸ Export Video: the Motion dock's movement (paused first), from this camera or
    a standard view, as the dialog says."""
    bar = window.play_bar
    if bar is None:
        window.statusBar().showMessage(CANNOT_POSE, 5000)
        return
    window.player.pause()
    movement = bar.title()
    export_video_with_options(
        window.window(), window.scene, window.renderer.camera_pose(), bar.tween(), movement,
        window.statusBar().showMessage,
    )  # fmt: skip


def annotations_dir(renderer: SceneRenderer) -> Path:
    """The annotations of the data set drawn (``--root``), beside its meshes."""
    return paths.annotations_dir(renderer.meshes_dir.parent)


def export_scene_dialog(window: FileHost) -> None:
    """File ▸ Export 3D Scene."""
    meshes = window.renderer.meshes_dir  # the data set drawn (--root)
    export_scene_folder(window.window(), window.scene, meshes, window.statusBar().showMessage)


def open_lesson_dialog(window: FileHost) -> None:
    """Lessons ▸ Open Lesson File: present the lesson chosen, or say what is wrong with it."""
    folder = annotations_dir(window.renderer) / "lessons"
    kinds = "Lessons (*.yaml *.yml)"
    name, _ = QFileDialog.getOpenFileName(window.window(), "Open Lesson", str(folder), kinds)
    if not name:
        return
    scene = window.scene
    lesson, errors = load_lesson(Path(name), scene.catalogue, scene.poses, scene.activities)
    if lesson is None:
        QMessageBox.warning(window.window(), "Lesson not opened", "\n".join(str(e) for e in errors))
        return
    window.present(lesson)
