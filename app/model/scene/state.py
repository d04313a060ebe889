"""The scene state: what is visible, selected, how opaque, from where it is seen, and what
the picture says beside the anatomy (title, caption, footnote, labels).

Widgets and the renderer never talk to each other: they call this model and listen to its
signals (psygnal, the Qt-free event library napari uses). Every change emits
:attr:`SceneModel.changed` with the :class:`Aspect` it touched; inside
``with scene.batch():`` psygnal holds it back and emits it once, at the end, with every
aspect touched, so isolating, showing all or applying a lesson step is one event, one frame
and one undo step. The renderer and the widgets listen to ``changed``; the few other
signals are there because something listens to them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace

import numpy as np
from psygnal import Signal

from app.model.anatomy.landmarks import Attachment, Point
from app.model.anatomy.search import Mark, Match, search
from app.model.anatomy.structures import Catalogue, Group, Kind
from app.model.motion.activities import Activity
from app.model.motion.body import Body, Surfaces
from app.model.motion.kinematics import Pose
from app.model.motion.poses import Motion
from app.model.scene.emphasis import (
    SEE_THROUGH,
    XRAY_OPACITY,
    Emphasis,
    context_of,
    default_opacity,
    emphasis,
)
from app.model.scene.palette import DEFAULT_PALETTE, Palette, length_change_color, named_palette
from app.model.scene.sites import GHOST_OPACITY, Occluders, ghosted
from app.model.scene.views import DEFAULT_VIEW, VIEWS, CameraPose, View
from app.model.sections.cross_section import Slice, cut_scene
from app.model.sections.planes import Section, SectionPlanes

#: The kinds made see-through by X-ray mode.
XRAY_KINDS = (Kind.bone, Kind.disc)


class Aspect(enum.Flag):
    """What a change of the scene touched, as :attr:`SceneModel.changed` carries it; a batch
    carries the union of its changes' aspects (``Aspect.visibility | Aspect.selection``)."""

    visibility = enum.auto()
    opacity = enum.auto()
    #: The selection, what it highlights and singles out, and the places marked.
    selection = enum.auto()
    #: A standard view or an exact camera pose.
    view = enum.auto()
    #: Title, caption, footnote, labels (:class:`Picture`).
    picture = enum.auto()
    #: The palette, or colouring muscles by their length change.
    palette = enum.auto()
    pose = enum.auto()
    section = enum.auto()


#: Every aspect: what catching up with the whole scene touches.
EVERY_ASPECT = ~Aspect(0)


def _union(first: tuple[Aspect], second: tuple[Aspect]) -> tuple[Aspect]:
    """Reduce the ``changed`` emissions held back by a batch to one (psygnal's reducer)."""
    return (first[0] | second[0],)


@dataclass(frozen=True)
class Picture:
    """What a picture of the scene shows beside the anatomy. The window, presentation mode,
    ``screenshot``, ``render-lesson`` and the handout all draw it the same way."""

    title: str | None = None
    caption: str | None = None
    footnote: str | None = None
    labels: bool = True
    #: Size of labels and texts relative to the window's (presentation mode draws them large).
    label_scale: float = 1.0
    #: The legend at the top right (under the title) instead of the bottom right; it moves
    #: there anyway when a caption takes the bottom.
    legend_on_top: bool = False


@dataclass(frozen=True)
class SceneState:
    """Everything :class:`SceneModel` holds, frozen: for undo, and to put a scene back as it
    was (leaving presentation mode)."""

    visible: frozenset[str]
    opacity: tuple[tuple[str, float], ...]
    selected: str | None
    also: tuple[str, ...]
    focus: Attachment | None
    view: str
    camera: CameraPose | None
    picture: Picture
    pose: Pose = field(default_factory=Pose)
    section: Section | None = None


class SceneModel:
    """Visibility, opacity, selection, view and picture of the structures in a catalogue."""

    #: After every change (once per batch): the :class:`Aspect` touched.
    changed = Signal(Aspect)
    #: Every new pose, as it is set, even inside a batch (the player stops when someone
    #: else moves the body).
    pose_changed = Signal(object)
    #: Muscles coloured by their length change, or not (the motion panel's check box).
    length_colours_changed = Signal(bool)
    #: Frame what is shown, keeping the direction of view (after isolating).
    framing_requested = Signal()

    def __init__(
        self,
        catalogue: Catalogue,
        landmarks: dict[str, tuple[float, float, float]] | None = None,
        attachments: list[Attachment] | None = None,
        body: Body | None = None,
        sections: SectionPlanes | None = None,
        surfaces: Surfaces | None = None,
    ):
        self.catalogue = catalogue
        #: The levels a section snaps to (None: none known; planes can still be set).
        self.sections = sections or SectionPlanes({})
        #: The surfaces as arrays, for measuring what a section cuts (None: no slice view).
        self.surfaces = surfaces
        self._section: Section | None = None
        #: What can pose the scene (None: the scene stays in the rest position).
        self.body = body
        self._pose = Pose()
        self.landmarks = dict(landmarks or {})
        self._posed_landmarks: tuple[Pose, dict[str, Point]] = (Pose(), self.landmarks)
        self.attachments = list(attachments or [])
        self._visible = {s.id for s in catalogue if s.visible}
        self._opacity = {s.id: default_opacity(s) for s in catalogue}
        self._selected: str | None = None
        self._focus: Attachment | None = None
        self._also: tuple[str, ...] = ()
        self._marks: tuple[Mark, ...] = ()
        #: What lies in front of an attachment site singled out: geometry, supplied by the
        #: window (app.render.sites); without it nothing is ghosted.
        self.occluders: Occluders | None = None
        self._emphasis = Emphasis()
        self._view: View = VIEWS[DEFAULT_VIEW]
        self._camera: CameraPose | None = None
        self._picture = Picture()
        self._palette: Palette = named_palette(DEFAULT_PALETTE)
        self._length_colours = False

    # events
    def batch(self) -> AbstractContextManager[None]:
        """Make many changes one: :attr:`changed` is emitted once, when the outermost batch
        ends (psygnal's ``paused``), with every aspect touched; not at all if none was."""
        return self.changed.paused(_union)

    def attachments_of(self, structure_id: str) -> list[Attachment]:
        """Origins and insertions of a muscle, or what attaches to a bone."""
        return [a for a in self.attachments if structure_id in (a.muscle, a.bone)]

    # visibility
    def is_visible(self, structure_id: str) -> bool:
        """Whether the user shows it (see :meth:`shown` for what is drawn)."""
        self.catalogue[structure_id]
        return structure_id in self._visible

    @property
    def visible_ids(self) -> list[str]:
        return [sid for sid in self.catalogue.ids if sid in self._visible]

    def shown(self, structure_id: str) -> bool:
        """Whether it is drawn: shown by the user, or revealed by the selection (the plexus
        through a selected psoas). The tree, the count, the drawing and exports use this."""
        return self.is_visible(structure_id) or structure_id in self._emphasis.reveal

    @property
    def shown_ids(self) -> list[str]:
        return [sid for sid in self.catalogue.ids if self.shown(sid)]

    def set_visible(self, structure_id: str, visible: bool) -> None:
        if self.is_visible(structure_id) == visible:
            return
        (self._visible.add if visible else self._visible.discard)(structure_id)
        self.changed.emit(Aspect.visibility)

    def set_group_visible(self, group: Group, visible: bool) -> None:
        with self.batch():
            for structure in self.catalogue.in_group(group):
                self.set_visible(structure.id, visible)

    def show_all(self) -> None:
        with self.batch():
            for structure_id in self.catalogue.ids:
                self.set_visible(structure_id, True)

    # opacity
    def opacity(self, structure_id: str) -> float:
        return self._opacity[self.catalogue[structure_id].id]

    def drawn_opacity(self, structure_id: str) -> float:
        """The opacity it is drawn with: its own, or less when the selection makes it
        see-through (psoas with the plexus inside)."""
        opacity = self.opacity(structure_id)
        if structure_id in self._emphasis.ghosted:
            return min(opacity, GHOST_OPACITY)
        return min(opacity, SEE_THROUGH) if structure_id in self._emphasis.see_through else opacity

    def click_passes(self, structure_id: str) -> bool:
        """Whether a click on it goes on to what lies behind: a bone of the context skeleton
        drawn see-through (the rib cage over T12); clicked where nothing is behind, it is
        picked itself."""
        structure = self.catalogue[structure_id]
        return structure.group is Group.context and self.drawn_opacity(structure_id) < 1.0

    def set_opacity(self, structure_id: str, opacity: float) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be between 0 and 1, got {opacity}")
        if self.opacity(structure_id) == opacity:
            return
        self._opacity[structure_id] = opacity
        self.changed.emit(Aspect.opacity)

    def set_group_opacity(self, group: Group, opacity: float) -> None:
        with self.batch():
            for structure in self.catalogue.in_group(group):
                self.set_opacity(structure.id, opacity)

    def reset_opacity(self) -> None:
        """Every structure back to the opacity it opens with (the context skeleton dimmed)."""
        with self.batch():
            for structure in self.catalogue:
                self.set_opacity(structure.id, default_opacity(structure))

    def group_visible(self, group: Group) -> bool:
        """Whether every structure of ``group`` is shown (False for an empty group)."""
        members = self.catalogue.in_group(group)
        return bool(members) and all(self.is_visible(s.id) for s in members)

    # selection
    @property
    def selected(self) -> str | None:
        return self._selected

    def select(self, structure_id: str | None) -> None:
        """Select a structure (showing it, if it was hidden), or nothing."""
        if structure_id is not None:
            self.catalogue[structure_id]
        if structure_id == self._selected and not self._also:
            if structure_id is not None:
                self.set_visible(structure_id, True)
            return
        with self.batch():
            if structure_id is not None:
                self.set_visible(structure_id, True)
            self._set_selection(structure_id, (), None)

    def select_many(self, structure_ids: list[str]) -> None:
        """Select the first structure and highlight the others with it (for figures)."""
        for structure_id in structure_ids:
            self.catalogue[structure_id]
        with self.batch():
            for structure_id in structure_ids:
                self.set_visible(structure_id, True)
            first = structure_ids[0] if structure_ids else None
            self._set_selection(first, tuple(s for s in structure_ids[1:] if s != first), None)

    def _set_selection(self, selected: str | None, also: tuple[str, ...], focus: Attachment | None) -> None:
        if (selected, also, focus) == (self._selected, self._also, self._focus):
            return
        self._selected, self._also, self._focus = selected, also, focus
        self._marks = ()
        chosen = emphasis(self.catalogue, self.attachments, selected, focus, also)
        self._emphasis = ghosted(chosen, self.occluders)  # what hides a focused site
        self.changed.emit(Aspect.selection)

    @property
    def highlighted(self) -> tuple[str, ...]:
        """The selection followed by the structures highlighted with it."""
        return (self._selected, *self._also) if self._selected else ()

    @property
    def emphasis(self) -> Emphasis:
        """What the current selection paints, reveals and makes see-through."""
        return self._emphasis

    def focus_attachment(self, attachment: Attachment | None) -> None:
        """Single out one of the painted attachments (from the panel's list)."""
        self._set_selection(self._selected, self._also, attachment)

    @property
    def marks(self) -> tuple[Mark, ...]:
        """The places marked in the scene (labelled points, where the pose puts them), until
        the selection changes."""
        if self._pose.neutral:
            return self._marks
        return tuple(replace(m, point=self.posed_point(m.on, m.point)) for m in self._marks)

    def mark(self, name: str, point: Point, on: tuple[str, ...] = ()) -> None:
        """Mark a place (a landmark found by search, at rest, on the bones ``on``) with its
        name, in place of any other, until the next change of the selection."""
        self._marks = (Mark(name, point, on),)
        self.changed.emit(Aspect.selection)

    # showing what you want
    def hide(self, structure_id: str) -> None:
        with self.batch():
            self.set_visible(structure_id, False)
            if self._selected == structure_id:
                self.select(None)

    def isolate(self, structure_id: str) -> None:
        """Show only a structure and its context (see :func:`context_of`), framed."""
        keep = context_of(self.catalogue, self.attachments, structure_id)
        with self.batch():
            for sid in self.catalogue.ids:
                self.set_visible(sid, sid in keep)
        self.framing_requested.emit()

    def set_kind_opacity(self, kind: Kind, opacity: float) -> None:
        """Opacity of every structure of a kind (bones at 0.25 is the X-ray mode)."""
        with self.batch():
            for structure in self.catalogue:
                if structure.kind is kind:
                    self.set_opacity(structure.id, opacity)

    def set_xray(self, on: bool) -> None:
        """Bones and discs see-through (X-ray mode), or back to their own opacity (opaque,
        the context skeleton dimmed)."""
        with self.batch():
            for structure in self.catalogue:
                if structure.kind in XRAY_KINDS:
                    self.set_opacity(structure.id, XRAY_OPACITY if on else default_opacity(structure))

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
    def camera(self) -> CameraPose | None:
        """The exact camera pose last asked for, or None when a standard view is in use."""
        return self._camera

    def set_camera(self, pose: CameraPose) -> None:
        """Go to an exact camera pose."""
        self._camera = pose
        self.changed.emit(Aspect.view)

    def set_view(self, name: str) -> None:
        """Go to a standard view; emits even when it is the current one (the user moved away)."""
        if name not in VIEWS:
            raise KeyError(f"unknown view {name!r}; choose from {', '.join(VIEWS)}")
        self._view = VIEWS[name]
        self._camera = None
        self.changed.emit(Aspect.view)

    # the picture
    @property
    def picture(self) -> Picture:
        return self._picture

    def set_picture(self, picture: Picture | None = None, **changes: object) -> None:
        """Replace the picture, or change some of its fields (``labels=False``)."""
        new = replace(picture or self._picture, **changes)  # type: ignore[arg-type]
        if new != self._picture:
            self._picture = new
            self.changed.emit(Aspect.picture)

    # colours
    @property
    def palette(self) -> Palette:
        """The colours of emphasis and labels (:mod:`app.model.scene.palette`)."""
        return self._palette

    def set_palette(self, name: str) -> None:
        """Draw with the palette called ``name`` ("standard" or "colour-blind-safe"); a user
        preference, not part of :meth:`state`."""
        chosen = named_palette(name)
        if chosen is not self._palette:
            self._palette = chosen
            self.changed.emit(Aspect.palette)

    @property
    def length_colours(self) -> bool:
        """Whether the muscles with a path are drawn in the colour of their length change."""
        return self._length_colours

    def set_length_colours(self, on: bool) -> None:
        """Colour each muscle with a path by its length change from neutral standing, in
        every pose (see :meth:`length_color`), or back to the usual colours. Like the
        palette, a way of looking rather than part of :meth:`state`; without a body, nothing
        changes length and it stays off."""
        on = bool(on) and self.body is not None
        if on != self._length_colours:
            self._length_colours = on
            self.length_colours_changed.emit(on)
            self.changed.emit(Aspect.palette)

    def length_color(self, structure_id: str) -> str | None:
        """The colour its length change in the current pose gives a structure
        (:func:`~app.model.scene.palette.length_change_color`), or None: colouring by length change
        is off, or the structure has no path to measure."""
        if not self._length_colours or self.body is None:
            return None
        mechanics = self.body.mechanics
        if structure_id not in mechanics.paths.muscles:
            return None
        return length_change_color(mechanics.length_changes(self._pose)[structure_id])

    # pose
    @property
    def pose(self) -> Pose:
        return self._pose

    @property
    def poses(self) -> Motion | None:
        """The named poses (and lumbar rhythm) this scene can take, if it has a body."""
        return self.body.motion if self.body is not None else None

    @property
    def activities(self) -> dict[str, Activity] | None:
        """The activities from measured data this scene can play, if it has a body."""
        return self.body.activities if self.body is not None else None

    def set_pose(self, pose: Pose | Mapping[str, float]) -> None:
        """Pose the skeleton (a :class:`Pose`, or joint angles to change in the current one);
        raises :class:`~app.model.motion.kinematics.PoseError` for an unknown joint or an angle out
        of range. Without a body the scene keeps its rest position."""
        pose = pose if isinstance(pose, Pose) else self._pose.updated(pose)
        if pose == self._pose or (self.body is None and not pose.neutral):
            return
        self._pose = pose
        self.pose_changed.emit(pose)
        self.changed.emit(Aspect.pose)

    # where things are in the pose
    def posed_points(self, on: Sequence[str], points: Sequence[Point] | np.ndarray) -> np.ndarray:
        """Rest points (N, 3) that lie on the structures ``on`` where the scene's pose puts
        them (:meth:`app.model.motion.body.Body.pose_points`: as the drawn surfaces move)."""
        if self.body is None or self._pose.neutral:
            return np.asarray(points, dtype=float).reshape(-1, 3)
        return self.body.pose_points(on, np.asarray(points, dtype=float), self._pose)

    def posed_point(self, on: Sequence[str], point: Point) -> Point:
        """One rest point on the structures ``on``, where the scene's pose puts it."""
        x, y, z = (float(c) for c in self.posed_points(on, [point])[0])
        return (x, y, z)

    @property
    def posed_landmarks(self) -> dict[str, Point]:
        """The landmarks where the scene's pose puts them (the rest ones when neutral)."""
        if self.body is None or self._pose.neutral:
            return self.landmarks
        if self._posed_landmarks[0] != self._pose:
            self._posed_landmarks = (self._pose, self.body.posed_landmarks(self.landmarks, self._pose))
        return self._posed_landmarks[1]

    def posed_attachment(self, attachment: Attachment) -> Attachment:
        """An attachment site with its points where the scene's pose puts them."""
        if self.body is None:
            return attachment
        return self.body.posed_attachment(attachment, self._pose)

    # sections
    @property
    def section(self) -> Section | None:
        """Where the scene is cut open, or None."""
        return self._section

    def set_section(self, section: Section | None) -> None:
        """Cut the scene along ``section`` (see :mod:`app.model.sections.planes`), or close it."""
        if section != self._section:
            self._section = section
            self.changed.emit(Aspect.section)

    def section_plane(self, section: Section | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """The plane (point, unit normal) the section (the scene's, or ``section``) cuts
        along in the scene's pose: one snapped to a level moves with its bones."""
        section = section or self._section
        if section is None:
            return None
        moves = self.body is not None and not self._pose.neutral
        return self.sections.plane(section, self.posed_points if moves else None)

    def slice(self, section: Section | None = None) -> Slice:
        """What the section (the scene's, or ``section``) cuts of the structures shown, in
        the scene's pose: faces, areas, and where each nerve lies."""
        section = section or self._section
        if section is None:
            raise ValueError("the scene is not cut: set a section first")
        if self.surfaces is None:
            raise ValueError("this scene has no surfaces to measure")
        origin, normal = self.sections.plane(section, self.posed_points if self.body else None)
        surfaces, pose = self.surfaces, self._pose
        structures = [self.catalogue[sid] for sid in self.shown_ids]
        cut = cut_scene(structures, lambda s: surfaces.posed(s, pose), section, origin, normal)
        return replace(cut, pose=pose.as_dict()) if not pose.neutral else cut

    # the whole state
    def fresh(self) -> SceneModel:
        """A new scene of the same data set, as it opens: for drawing off screen (thumbnails,
        videos) without touching this one."""
        return SceneModel(
            self.catalogue, self.landmarks, self.attachments, self.body, self.sections, self.surfaces
        )

    def state(self) -> SceneState:
        return SceneState(
            visible=frozenset(self._visible),
            opacity=tuple(sorted(self._opacity.items())),
            selected=self._selected,
            also=self._also,
            focus=self._focus,
            view=self._view.name,
            camera=self._camera,
            picture=self._picture,
            pose=self._pose,
            section=self._section,
        )

    def restore(self, state: SceneState) -> None:
        """Put the scene back as ``state`` says, as one change."""
        with self.batch():
            for sid in self.catalogue.ids:
                self.set_visible(sid, sid in state.visible)
            for sid, opacity in state.opacity:
                if sid in self.catalogue:
                    self.set_opacity(sid, opacity)
            keep = [s for s in (state.selected, *state.also) if s is not None and s in self.catalogue]
            self._set_selection(keep[0] if keep else None, tuple(keep[1:]), state.focus if keep else None)
            if state.camera is not None:
                self.set_camera(state.camera)
            elif (state.view, None) != (self._view.name, self._camera):
                self.set_view(state.view)
            self.set_picture(state.picture)
            self.set_pose(state.pose)
            self.set_section(state.section)
