"""The section's plane in the 3D view, as a handle to drag: VTK's implicit plane widget.

Dragging the plane moves it along its normal, dragging its arrow tilts it; either sets the
scene's section (no longer snapped to a level) on each of the widget's moves without a frame
of its own: the widget draws one after each move, with the plane clipped and capped where
it now is (one frame per mouse move, not two). The low-detail surfaces are drawn while the
handle is held. Every other change of the section (the panel, a
lesson, undo) puts the handle back on the scene's plane; a cut turned off (or the handle)
hides it even while held, ending a hold whose release never came.

Under the mouse VTK highlights the plane with its "selected" properties: green and bright by
default, a sheet that tinted the anatomy behind it; here they are the plane's own colours,
a little brighter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal
from vtkmodules.vtkInteractionWidgets import vtkImplicitPlaneRepresentation, vtkImplicitPlaneWidget2

from app.model.scene.state import Aspect, SceneModel
from app.model.sections.planes import MAX_OFFSET_MM, SectionError

if TYPE_CHECKING:
    from app.render.scene_renderer import SceneRenderer

#: How far the handle's box reaches past what is shown (mm).
PADDING_MM = 20.0
PLANE_COLOR = (0.55, 0.8, 1.0)
#: The plane's opacity, and under the mouse or held: see-through both, the anatomy behind
#: it in its own colours.
PLANE_OPACITY, HELD_PLANE_OPACITY = 0.12, 0.2


class SectionHandle(QObject):
    """A draggable plane in the 3D view that follows and sets the scene's section."""

    #: The handle is held (True) or let go (False).
    held_changed = Signal(bool)

    def __init__(self, renderer: SceneRenderer, interactor, parent: QObject | None = None):
        super().__init__(parent)
        self.renderer = renderer
        self.scene: SceneModel = renderer.scene
        self.wanted = True  # the user's choice (the Section panel's check box)
        self.held = False
        rep = vtkImplicitPlaneRepresentation()
        rep.SetPlaceFactor(1.0)
        rep.OutlineTranslationOff()
        rep.ScaleEnabledOff()
        rep.SetDrawOutline(False)
        rep.SetOutsideBounds(True)
        rep.SetConstrainToWidgetBounds(False)
        rep.SetTubing(False)
        rep.GetPlaneProperty().SetColor(*PLANE_COLOR)
        rep.GetPlaneProperty().SetOpacity(PLANE_OPACITY)
        rep.GetSelectedPlaneProperty().SetColor(*PLANE_COLOR)
        rep.GetSelectedPlaneProperty().SetOpacity(HELD_PLANE_OPACITY)
        rep.GetSelectedNormalProperty().SetColor(*PLANE_COLOR)
        rep.GetEdgesProperty().SetColor(*PLANE_COLOR)
        self.representation = rep
        self.widget = vtkImplicitPlaneWidget2()
        self.widget.SetInteractor(interactor)
        self.widget.SetRepresentation(rep)
        self.widget.AddObserver("StartInteractionEvent", self._started)
        self.widget.AddObserver("InteractionEvent", self._moved)
        self.widget.AddObserver("EndInteractionEvent", self._ended)
        self.scene.changed.connect(self._on_scene_changed)
        self.follow()

    def set_wanted(self, wanted: bool) -> None:
        """Show the handle whenever a section is on (True), or never."""
        self.wanted = wanted
        if not wanted:
            self.let_go()
        self.follow()
        self.renderer.render()

    @property
    def shown(self) -> bool:
        return bool(self.widget.GetEnabled())

    def _on_scene_changed(self, aspects: Aspect) -> None:
        if not aspects & (Aspect.section | Aspect.pose | Aspect.visibility):
            return
        if self.held and self.scene.section is not None:
            return  # the drag itself moves it
        self.let_go()
        if self.follow():
            self.renderer.render()  # the scene's frame was drawn before: one without (or with) it

    def let_go(self) -> None:
        """End a hold whose release never came (it went elsewhere; the cut was turned off
        meanwhile): the widget is told the button is up, the full detail comes back."""
        if not self.held:
            return
        interactor = self.widget.GetInteractor()
        for event in ("LeftButtonReleaseEvent", "MiddleButtonReleaseEvent"):
            interactor.InvokeEvent(event)  # the widget's own end (EndInteractionEvent)
        if self.held:  # the widget was not moving it after all
            self._ended()

    def follow(self) -> bool:
        """Put the handle on the scene's plane, sized to what is shown (or hide it); True
        when it was shown or hidden."""
        plane = self.scene.section_plane()
        on = plane is not None and self.wanted
        if on:
            assert plane is not None
            bounds = np.asarray(self.renderer.visible_bounds(), dtype=float)
            bounds += np.array([-1, 1, -1, 1, -1, 1]) * PADDING_MM
            self.representation.PlaceWidget(bounds.tolist())
            self.representation.SetOrigin(*plane[0])
            self.representation.SetNormal(*plane[1])
        if on == self.shown:
            return False
        self.widget.SetEnabled(on)
        return True

    def _started(self, *_args: object) -> None:
        self.held = True
        self.renderer.begin_interaction()
        self.held_changed.emit(True)

    def _moved(self, *_args: object) -> None:
        """Set the section where the handle is (the widget renders the frame next)."""
        with self.renderer.hold(render=False):
            self.apply()

    def _ended(self, *_args: object) -> None:
        self.held = False
        self.held_changed.emit(False)
        self.renderer.end_interaction()  # full detail, and its frame
        self.follow()

    def apply(self) -> None:
        """Set the scene's section where the handle is (kept side and slab as they were; no
        longer snapped to a level)."""
        section, rep = self.scene.section, self.representation
        if section is None:
            return
        origin = np.clip(np.array(rep.GetOrigin()), -MAX_OFFSET_MM, MAX_OFFSET_MM)
        try:
            x, y, z = rep.GetNormal()
            moved = replace(section, origin=(origin[0], origin[1], origin[2]), normal=(x, y, z), level=None)
        except SectionError:
            return
        self.scene.set_section(moved)
