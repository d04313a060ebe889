"""Bookmarks: named views of the scene that a user saves, restores and turns into a lesson.

A bookmark *is* a lesson step (camera, what is shown, selected, X-ray, opacities, the pose,
a caption) whose title is its name: restoring one is applying a step, and a set of them is
a lesson. They are kept as one lesson file, ``bookmarks.yaml`` in the user's data folder (or
the file it links to), written atomically under a lock, so windows open at once never lose
each other's bookmarks; a bad bookmark in it is kept as it is, and a file that does not read
is set aside, never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from filelock import FileLock
from platformdirs import user_data_dir

from app.model.anatomy.structures import Catalogue, Problem
from app.model.io.atomic import aside_name, atomic_write_bytes, atomic_write_text
from app.model.io.documents import Located, plain, read_mapping
from app.model.scene.emphasis import XRAY_OPACITY
from app.model.scene.palette import STANDARD
from app.model.scene.state import XRAY_KINDS, SceneModel
from app.model.scene.views import view_of
from app.model.sections.planes import SectionSpec
from app.model.teaching.lessons import (
    MAX_TITLE,
    CameraPose,
    Lesson,
    Step,
    check_step,
    lesson_data_yaml,
    lesson_yaml,
)

BOOKMARKS_TITLE = "Bookmarks"
#: A bookmark's picture in the list (pixels; drawn at half this size, sharp on high-DPI screens).
THUMBNAIL_SIZE = (256, 144)
#: Bigger than any thumbnail: a file over this is not read.
MAX_THUMBNAIL_BYTES = 2_000_000
#: How a standard view is named in a proposed bookmark name ("anterior view").
VIEW_PHRASES = {
    "anterior": "anterior",
    "posterior": "posterior",
    "left": "left lateral",
    "right": "right lateral",
    "superior": "superior",
    "inferior": "inferior",
    "oblique": "oblique",
}
#: How long a change waits for another window's change to the file to finish.
LOCK_TIMEOUT_S = 10.0

_T = TypeVar("_T")
_UNREAD = object()  # a file this store has not read (or could not)


def data_dir() -> Path:
    """The user's data folder (``PSOAS_ATLAS_DATA`` overrides it, for tests and portable use)."""
    override = os.environ.get("PSOAS_ATLAS_DATA")
    return Path(override) if override else Path(user_data_dir("psoas-atlas", appauthor=False))


def capture(scene: SceneModel, camera: CameraPose, name: str, caption: str = "") -> Step:
    """The scene as it is now, seen through ``camera`` and in its pose, as a bookmark named
    ``name``."""
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
        pose=scene.pose.specs() or None,  # written only when posed
        section=SectionSpec.of(scene.section) if scene.section else None,  # only when cut
    )


def describe(scene: SceneModel) -> str:
    """A caption for a bookmark saved without one: what is selected and how much is shown."""
    shown = f"{len(scene.shown_ids)} of {len(scene.catalogue)} structures shown"
    names = [scene.catalogue[sid].name for sid in scene.highlighted]
    if not names:
        return f"Nothing selected; {shown}."
    return f"{', '.join(names)} selected; {shown}."


def proposed_name(scene: SceneModel, camera: CameraPose, taken: Collection[str] = ()) -> str:
    """A name for a new bookmark from what is selected and the view: ``Right psoas major —
    anterior view``, ``Whole region — oblique view``, ``... — custom view`` when the camera
    was turned away from the standard views; numbered (``(2)``) when ``taken`` has it."""
    names = [scene.catalogue[sid].name for sid in scene.highlighted]
    if not names:
        subject = "Whole region"
    elif len(names) == 1:
        subject = names[0]
    elif len(names) == 2:
        subject = f"{names[0]} and {names[1]}"
    else:
        subject = f"{names[0]} and {len(names) - 1} more"
    view = view_of(camera)
    phrase = f"{VIEW_PHRASES.get(view.name, view.name)} view" if view else "custom view"
    name = f"{subject} — {phrase}"
    if len(name) > MAX_TITLE:
        name = subject[: MAX_TITLE - len(phrase) - 4].rstrip() + f"… — {phrase}"
    return _numbered(name, set(taken)) if name in taken else name


@dataclass(frozen=True)
class _Entry:
    """One step of the bookmarks file: its data as written there, and the bookmark it is
    (``None`` for a step that is not valid, which is kept and written back as it is)."""

    data: Any
    step: Step | None = None


def _numbered(name: str, taken: set[str]) -> str:
    """``name (2)``, ``name (3)``, ...: the first not in ``taken`` (within the title length)."""
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: MAX_TITLE - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _same(a: Any, b: Any) -> bool:
    """Whether two bookmarks' data are the same (as YAML, so NaN is NaN)."""
    return a == b or yaml.safe_dump(a, sort_keys=True) == yaml.safe_dump(b, sort_keys=True)


def _bad_step(path: Path, index: int, data: Any, errors: list[Problem]) -> Problem:
    """One problem for a bookmark that is not valid: where its first problem is, and all of them."""
    title = data.get("title") if isinstance(data, dict) else None
    name = f"bookmark '{title}'" if isinstance(title, str) and title else "a bookmark"
    details = "; ".join(
        error.message.removeprefix(f"step {index + 1}: ").replace(f"'steps.{index}.", "'") for error in errors
    )
    return Problem(
        path, errors[0].line, f"{name} (step {index + 1}) is kept in the file but not shown: {details}"
    )


class BookmarkStore:
    """The user's bookmarks, in file order, mirrored to a lesson file on every change.

    Every step of the file is checked on its own: a valid one is a bookmark, a bad one is
    reported (``file:line: message``) and kept as it is, so the next write puts it back
    unchanged. A repeated title gets a number (``Name (2)``). Only a file that does not read
    at all is set aside, as ``bookmarks.yaml.unreadable-<time>``, when the store next writes.

    Several windows (processes) may share the file: every change is a read-modify-write under
    a lock file beside it (``bookmarks.yaml.lock``). When the file changed since this store
    last read or wrote it, the store reads it again and makes its own change on what it finds,
    so no window's bookmarks are lost; :meth:`refresh` reads another window's changes without
    writing.
    """

    def __init__(self, path: Path, catalogue: Catalogue):
        self.path = Path(path)
        self.catalogue = catalogue
        self.problems: list[Problem] = []
        #: Bookmarks another window had added, found by the last save or delete.
        self.merged: list[str] = []
        self._entries: list[_Entry] = []
        self._header: dict[str, Any] = {"title": BOOKMARKS_TITLE}
        self._unreadable = False
        self._seen: object = _UNREAD  # the file's bytes as last read or written (None: no file)
        self.refresh()

    @classmethod
    def default(cls, catalogue: Catalogue) -> BookmarkStore:
        return cls(data_dir() / "bookmarks.yaml", catalogue)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def thumbnails(self) -> ThumbnailFiles:
        """The bookmarks' pictures, in a folder beside the file (``bookmarks-thumbnails``)."""
        return ThumbnailFiles(self.path.with_name(f"{self.path.stem}-thumbnails"))

    def names(self) -> list[str]:
        return [entry.step.title for entry in self._entries if entry.step is not None]

    def __contains__(self, name: str) -> bool:
        return self._index(name) is not None

    def __len__(self) -> int:
        return len(self.names())

    def get(self, name: str) -> Step:
        index = self._index(name)
        if index is None:
            raise KeyError(f"no bookmark named {name!r}")
        step = self._entries[index].step
        assert step is not None
        return step

    def refresh(self) -> list[str]:
        """Read the file again if it changed since this store last read or wrote it (another
        window saved); the names of the bookmarks that appeared."""
        try:
            data: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:  # as a file that does not parse: set aside at the next write
            self._clear()
            self.problems = [Problem(self.path, 0, f"cannot read file: {exc.strerror or exc}")]
            self._unreadable = True
            self._seen = _UNREAD
            return []
        if data == self._seen:
            return []
        before = set(self.names())
        self._load(data)
        return [name for name in self.names() if name not in before]

    def save(self, step: Step) -> str:
        """Add a bookmark, or replace the one with the same name (it keeps its place); the name
        it is saved under. If another window saved a bookmark of that name since this store
        last looked (a new one, or a change this store has not seen), that one is kept and this
        one is saved beside it with a number: ``Name (2)``."""
        seen = self._data(step.title)

        def edit() -> str:
            index = self._index(step.title)
            saved = step
            if index is not None and not _same(self._entries[index].data, seen):
                saved = step.model_copy(update={"title": self._unique(step.title)})
                index = None
            entry = _Entry(saved.model_dump(mode="json", exclude_defaults=True), saved)
            if index is None:
                self._entries.append(entry)
            else:
                self._entries[index] = entry
            return saved.title

        return self._change(edit)

    def delete(self, name: str) -> bool:
        """Delete a bookmark; False if another window deleted it already, or changed it since
        this store last looked (that change is kept)."""
        seen = self._data(name)
        if seen is None:
            raise KeyError(f"no bookmark named {name!r}")

        def edit() -> bool:
            index = self._index(name)
            if index is None or not _same(self._entries[index].data, seen):
                return False
            del self._entries[index]
            return True

        return self._change(edit)

    def as_lesson(self, title: str, names: list[str] | None = None) -> Lesson:
        """Some bookmarks (all by default), in order, as a lesson."""
        chosen = self.names() if names is None else names
        return Lesson(title=title, steps=tuple(self.get(name) for name in chosen))

    # reading
    def _clear(self) -> None:
        self._entries = []
        self._header = {"title": BOOKMARKS_TITLE}
        self._unreadable = False
        self.problems = []

    def _load(self, data: bytes | None) -> None:
        """Take the file's contents (``data``, as read just before) as this store's."""
        self._clear()
        self._seen = data
        if data is None:
            return
        document, self.problems = read_mapping(self.path, expected="steps")
        steps = document.value["steps"] if document is not None else None
        if document is None or not isinstance(steps, list):
            if document is not None:
                line = document.line_of("steps")
                self.problems = [Problem(self.path, line, "expected 'steps:' with a list of bookmarks")]
            self._unreadable = True
            return
        self._header = {"title": BOOKMARKS_TITLE} | {
            key: plain(value) for key, value in document.value.items() if key != "steps"
        }
        checked = [check_step(self.path, document, index, self.catalogue) for index in range(len(steps))]
        taken = {step.title for step, _ in checked if step is not None}
        first: dict[str, int] = {}
        for index, (step, errors) in enumerate(checked):
            raw = steps[index]
            kept = plain(raw)
            if step is None:
                self._entries.append(_Entry(kept))
                self.problems.append(_bad_step(self.path, index, kept, errors))
                continue
            if step.title in first:
                title = _numbered(step.title, taken)
                taken.add(title)
                line = raw.line_of("title") if isinstance(raw, Located) else document.line
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        f"bookmark '{step.title}' (step {index + 1}) has the title of step "
                        f"{first[step.title] + 1}; it is kept as '{title}'",
                    )
                )
                self._entries.append(
                    _Entry({**kept, "title": title}, step.model_copy(update={"title": title}))
                )
            else:
                first[step.title] = index
                self._entries.append(_Entry(kept, step))

    def _index(self, name: str) -> int | None:
        for index, entry in enumerate(self._entries):
            if entry.step is not None and entry.step.title == name:
                return index
        return None

    def _data(self, name: str) -> Any:
        index = self._index(name)
        return None if index is None else self._entries[index].data

    def _unique(self, name: str) -> str:
        return _numbered(name, {entry.step.title for entry in self._entries if entry.step is not None})

    # writing
    def _change(self, edit: Callable[[], _T]) -> _T:
        """Under the lock: read what other windows wrote, edit, write; if writing fails,
        the file is as it was and so is this store (with the other windows' changes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.lock_path, timeout=LOCK_TIMEOUT_S):
            self.merged = self.refresh()
            before = list(self._entries)
            result = edit()
            try:
                self._write()
            except OSError:
                self._entries = before
                raise
        return result

    def _write(self) -> None:
        # Through a symbolic link to the file it names (kept in a synced folder, say): renaming
        # onto the link itself would replace it with a regular file.
        target = Path(os.path.realpath(self.path))
        aside = None
        if self._unreadable and target.exists():
            # Keep the file that did not read: the user may want to mend it by hand.
            aside = aside_name(target)
            target.replace(aside)
        try:
            if self._entries:
                text = lesson_data_yaml({**self._header, "steps": [entry.data for entry in self._entries]})
                atomic_write_text(target, text)
                self._seen = text.encode("utf-8")
            else:
                target.unlink(missing_ok=True)
                self._seen = None
        except OSError:
            if aside is not None and not target.exists():
                aside.replace(target)
            raise
        if aside is not None:
            self.problems.append(Problem(self.path, 1, f"could not be read; kept as {aside.name}"))
        self._unreadable = False


def thumbnail_key(step: Step, look: str = "") -> str:
    """What a bookmark's picture depends on, as a short hash: the same for two bookmarks that
    show the same (their names and captions are not drawn), another once a bookmark changes,
    or once the window's ``look`` does (:func:`look_of`: its palette, length colours)."""
    drawn = step.model_dump(mode="json", exclude={"title", "caption"})
    for still in ("pose", "motion", "section"):  # none: the key it had before steps could pose or cut
        if drawn.get(still) is None:
            drawn.pop(still, None)
    key: dict[str, object] = {"size": THUMBNAIL_SIZE, "step": drawn}
    if look:  # (none: the key the standard look had before there were others)
        key["look"] = look
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def look_of(scene: SceneModel) -> str:
    """How the window draws what a step shows, which its pictures take (not part of a step):
    "" for the standard palette without length colours."""
    parts = [] if scene.palette.name == STANDARD.name else [scene.palette.name]
    if scene.length_colours:
        parts.append("length colours")
    return "+".join(parts)


class ThumbnailFiles:
    """Bookmark pictures as PNG files named by :func:`thumbnail_key`, so that every window
    sharing the bookmarks shares them. They are a cache: a file that is missing, cannot be
    read or written is no error (the picture is drawn again, or the list shows none)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, step: Step, look: str = "") -> Path:
        return self.folder / f"{thumbnail_key(step, look)}.png"

    def read(self, step: Step, look: str = "") -> bytes | None:
        """The PNG saved for ``step`` drawn in ``look``, or ``None``."""
        path = self.path(step, look)
        try:
            if path.stat().st_size > MAX_THUMBNAIL_BYTES:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def write(self, step: Step, png: bytes, look: str = "") -> bool:
        """Save ``png`` for ``step`` in ``look`` (atomically); False if it could not be written."""
        try:
            atomic_write_bytes(self.path(step, look), png)
        except OSError:
            return False
        return True

    def prune(self, steps: Sequence[Step], look: str = "") -> None:
        """Delete the pictures of bookmarks that are gone (or changed since), and those of
        other looks (drawn again if the window takes that look again)."""
        keep = {f"{thumbnail_key(step, look)}.png" for step in steps}
        try:
            files = [p for p in self.folder.iterdir() if p.suffix == ".png" and p.name not in keep]
        except OSError:
            return
        for path in files:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def write_lesson(path: Path, lesson: Lesson) -> None:
    """Write a lesson file atomically (it reads back with :func:`load_lesson`)."""
    atomic_write_text(Path(path), lesson_yaml(lesson))
