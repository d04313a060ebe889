"""Bookmarks: named views of the scene that a user saves, restores and turns into a lesson.

A bookmark *is* a lesson step (camera, what is shown, selected, X-ray, opacities, a caption)
whose title is its name: restoring one is applying a step, and a set of them is a lesson.
They are kept as one lesson file, ``bookmarks.yaml`` in the user's data folder, written
atomically; a file that does not read is set aside, never overwritten.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from platformdirs import user_data_dir

from app.files import atomic_write_text
from app.model.anatomy import AnnotationError, Catalogue
from app.model.lessons import CameraPose, Lesson, Step, lesson_yaml, load_lesson
from app.model.scene import XRAY_KINDS, SceneModel
from app.model.teaching import XRAY_OPACITY

BOOKMARKS_TITLE = "Bookmarks"


def data_dir() -> Path:
    """The user's data folder (``PSOAS_ATLAS_DATA`` overrides it, for tests and portable use)."""
    override = os.environ.get("PSOAS_ATLAS_DATA")
    return Path(override) if override else Path(user_data_dir("psoas-atlas", appauthor=False))


def capture(scene: SceneModel, camera: CameraPose, name: str, caption: str = "") -> Step:
    """The scene as it is now, seen through ``camera``, as a step named ``name``."""
    xray = scene.xray
    baseline = {s.id: XRAY_OPACITY if xray and s.kind in XRAY_KINDS else 1.0 for s in scene.catalogue}
    opacity = {sid: scene.opacity(sid) for sid, base in baseline.items() if scene.opacity(sid) != base}
    return Step(
        title=name,
        caption=caption.strip() or describe(scene),
        view=scene.view.name,
        camera=camera,
        show=tuple(scene.visible_ids),
        select=scene.highlighted,
        xray=xray,
        opacity=opacity,
    )


def describe(scene: SceneModel) -> str:
    """A caption for a bookmark saved without one: what is selected and how much is shown."""
    shown = f"{len(scene.visible_ids)} of {len(scene.catalogue)} structures shown"
    names = [scene.catalogue[sid].name for sid in scene.highlighted]
    if not names:
        return f"Nothing selected; {shown}."
    return f"{', '.join(names)} selected; {shown}."


class BookmarkStore:
    """The user's bookmarks, in the order saved, mirrored to a lesson file on every change."""

    def __init__(self, path: Path, catalogue: Catalogue):
        self.path = Path(path)
        self.catalogue = catalogue
        self.problems: list[AnnotationError] = []
        self._steps: dict[str, Step] = {}
        self._unreadable = False
        if self.path.exists():
            lesson, self.problems = load_lesson(self.path, catalogue)
            if lesson is None:
                self._unreadable = True
            else:
                self._steps = {step.title: step for step in lesson.steps}

    @classmethod
    def default(cls, catalogue: Catalogue) -> BookmarkStore:
        return cls(data_dir() / "bookmarks.yaml", catalogue)

    def names(self) -> list[str]:
        return list(self._steps)

    def __contains__(self, name: str) -> bool:
        return name in self._steps

    def __len__(self) -> int:
        return len(self._steps)

    def get(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise KeyError(f"no bookmark named {name!r}") from None

    def save(self, step: Step) -> None:
        """Add a bookmark, or replace the one with the same name (it keeps its place)."""
        self._change(lambda steps: steps.__setitem__(step.title, step))

    def delete(self, name: str) -> None:
        self.get(name)
        self._change(lambda steps: steps.pop(name))

    def _change(self, edit) -> None:
        """Edit the bookmarks and write them; if writing fails, nothing changed."""
        before = dict(self._steps)
        edit(self._steps)
        try:
            self._write()
        except OSError:
            self._steps = before
            raise

    def as_lesson(self, title: str, names: list[str] | None = None) -> Lesson:
        """Some bookmarks (all by default), in order, as a lesson."""
        chosen = self.names() if names is None else names
        return Lesson(title=title, steps=tuple(self.get(name) for name in chosen))

    def _write(self) -> None:
        if self._unreadable:
            # Keep the file that did not read: the user may want to mend it by hand.
            aside = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            self.path.replace(aside)
            self.problems.append(AnnotationError(self.path, 1, f"could not be read; kept as {aside.name}"))
            self._unreadable = False
        if not self._steps:
            self.path.unlink(missing_ok=True)
            return
        write_lesson(self.path, Lesson(title=BOOKMARKS_TITLE, steps=tuple(self._steps.values())))


def write_lesson(path: Path, lesson: Lesson) -> None:
    """Write a lesson file atomically (it reads back with :func:`load_lesson`)."""
    atomic_write_text(Path(path), lesson_yaml(lesson))
