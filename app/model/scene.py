"""The scene state: what is visible, selected, how opaque, and from where it is seen.

Widgets and the renderer never talk to each other: they call this model and listen to its
signals (psygnal, the Qt-free event library napari uses).
"""

from __future__ import annotations

from psygnal import Signal

from app.model.anatomy import Catalogue, Group, Kind
from app.model.landmarks import Attachment
from app.model.teaching import XRAY_OPACITY, Emphasis, Match, context_of, emphasis, search
from app.model.views import DEFAULT_VIEW, VIEWS, View

#: The kinds made see-through by X-ray mode.
XRAY_KINDS = (Kind.bone, Kind.disc)


class SceneModel:
    """Visibility, opacity, selection and view of the structures in a catalogue."""

    visibility_changed = Signal(str, bool)
    opacity_changed = Signal(str, float)
    selection_changed = Signal(object)  # the selected id, or None
    emphasis_changed = Signal(object)  # an Emphasis, after every selection or focus change
    view_changed = Signal(object)  # a View
    camera_changed = Signal(object)  # an exact camera pose (lessons, bookmarks)

    def __init__(
        self,
        catalogue: Catalogue,
        landmarks: dict[str, tuple[float, float, float]] | None = None,
        attachments: list[Attachment] | None = None,
    ):
        self.catalogue = catalogue
        self.landmarks = dict(landmarks or {})
        self.attachments = list(attachments or [])
        self._visible = {s.id for s in catalogue if s.visible}
        self._opacity = {s.id: 1.0 for s in catalogue}
        self._selected: str | None = None
        self._focus: Attachment | None = None
        self._also: tuple[str, ...] = ()
        self._view: View = VIEWS[DEFAULT_VIEW]
        self._camera: object | None = None

    def attachments_of(self, structure_id: str) -> list[Attachment]:
        """Origins and insertions of a muscle, or what attaches to a bone."""
        return [a for a in self.attachments if structure_id in (a.muscle, a.bone)]

    # visibility
    def is_visible(self, structure_id: str) -> bool:
        self.catalogue[structure_id]
        return structure_id in self._visible

    @property
    def visible_ids(self) -> list[str]:
        return [sid for sid in self.catalogue.ids if sid in self._visible]

    def set_visible(self, structure_id: str, visible: bool) -> None:
        if self.is_visible(structure_id) == visible:
            return
        (self._visible.add if visible else self._visible.discard)(structure_id)
        self.visibility_changed.emit(structure_id, visible)

    def set_group_visible(self, group: Group, visible: bool) -> None:
        for structure in self.catalogue.in_group(group):
            self.set_visible(structure.id, visible)

    def show_all(self) -> None:
        for structure_id in self.catalogue.ids:
            self.set_visible(structure_id, True)

    # opacity
    def opacity(self, structure_id: str) -> float:
        return self._opacity[self.catalogue[structure_id].id]

    def set_opacity(self, structure_id: str, opacity: float) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be between 0 and 1, got {opacity}")
        if self.opacity(structure_id) == opacity:
            return
        self._opacity[structure_id] = opacity
        self.opacity_changed.emit(structure_id, opacity)

    # selection
    @property
    def selected(self) -> str | None:
        return self._selected

    def select(self, structure_id: str | None) -> None:
        if structure_id is not None:
            self.catalogue[structure_id]
        if structure_id == self._selected:
            return
        self._selected = structure_id
        self._focus = None
        self._also = ()
        self.selection_changed.emit(structure_id)
        self.emphasis_changed.emit(self.emphasis)

    def select_many(self, structure_ids: list[str]) -> None:
        """Select the first structure and highlight the others with it (for figures)."""
        for structure_id in structure_ids:
            self.catalogue[structure_id]
            self.set_visible(structure_id, True)
        self.select(structure_ids[0] if structure_ids else None)
        self._also = tuple(structure_ids[1:])
        self.emphasis_changed.emit(self.emphasis)

    @property
    def highlighted(self) -> tuple[str, ...]:
        """The selection followed by the structures highlighted with it."""
        return (self._selected, *self._also) if self._selected else ()

    @property
    def emphasis(self) -> Emphasis:
        """What the current selection paints, reveals and makes see-through."""
        return emphasis(self.catalogue, self.attachments, self._selected, self._focus, self._also)

    def focus_attachment(self, attachment: Attachment | None) -> None:
        """Single out one of the painted attachments (from the panel's list)."""
        self._focus = attachment
        self.emphasis_changed.emit(self.emphasis)

    # showing what you want
    def hide(self, structure_id: str) -> None:
        self.set_visible(structure_id, False)
        if self._selected == structure_id:
            self.select(None)

    def isolate(self, structure_id: str) -> None:
        """Show only a structure and its context (see :func:`context_of`)."""
        keep = context_of(self.catalogue, self.attachments, structure_id)
        for sid in self.catalogue.ids:
            self.set_visible(sid, sid in keep)

    def set_kind_opacity(self, kind: Kind, opacity: float) -> None:
        """Opacity of every structure of a kind (bones at 0.25 is the X-ray mode)."""
        for structure in self.catalogue:
            if structure.kind is kind:
                self.set_opacity(structure.id, opacity)

    def set_xray(self, on: bool) -> None:
        """Bones and discs see-through (X-ray mode), or back to opaque."""
        for kind in XRAY_KINDS:
            self.set_kind_opacity(kind, XRAY_OPACITY if on else 1.0)

    @property
    def xray(self) -> bool:
        """Whether every bone and disc is at the X-ray opacity."""
        return all(self.opacity(s.id) == XRAY_OPACITY for s in self.catalogue if s.kind in XRAY_KINDS)

    def search(self, query: str, limit: int = 10) -> list[Match]:
        return search(self.catalogue, query, limit)

    # view
    @property
    def view(self) -> View:
        return self._view

    @property
    def camera(self) -> object | None:
        """The exact camera pose last asked for, or None when a standard view is in use."""
        return self._camera

    def set_camera(self, pose: object) -> None:
        """Go to an exact camera pose (a lessons.CameraPose)."""
        self._camera = pose
        self.camera_changed.emit(pose)

    def set_view(self, name: str) -> None:
        """Go to a standard view; emits even when it is the current one (the user moved away)."""
        if name not in VIEWS:
            raise KeyError(f"unknown view {name!r}; choose from {', '.join(VIEWS)}")
        self._view = VIEWS[name]
        self._camera = None
        self.view_changed.emit(self._view)
