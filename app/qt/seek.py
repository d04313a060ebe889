"""What the search box finds, and the camera moves that single a place out.

A structure found is selected and framed: flown to where it shows whole with what its labels
point at, seen the way the camera looks (whatever was framed before: a place, a site); a group
term selects and frames its members; a place (a landmark or a
bony feature) selects the bone it lies on, is marked with its name and flown to: the place
in the middle, closer, in the same direction of view unless its own bone hides it from
there (then turned toward its surface normal only as far as it takes to see it). When the
information panel singles out an attachment site, the view flies to where the site shows
best and what lies in front of it is ghosted (:mod:`app.render.sites` finds it, the scene
model ghosts it).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.model.anatomy.landmarks import Attachment
from app.model.anatomy.search import Match, Places, SearchIndex, Target, load_shipped_places, preferred_side
from app.model.io import paths
from app.model.io.documents import Problem
from app.model.scene.emphasis import emphasis
from app.model.scene.sites import PLACE_FIELD_MM, current_distance, framing, look_at
from app.model.scene.state import Aspect
from app.model.scene.views import CameraPose
from app.qt.flight import CameraFlight
from app.render.scene_renderer import SceneRenderer
from app.render.sites import SiteViews


class Seeker(QObject):
    """Finds names for the search box and flies the camera to what it singles out."""

    #: A status-bar message and how long it shows (ms).
    message = Signal(str, int)

    def __init__(
        self,
        renderer: SceneRenderer,
        flight: CameraFlight,
        parent: QObject | None = None,
        places: Places | None = None,
    ):
        super().__init__(parent)
        self.renderer = renderer
        self.flight = flight
        self.scene = scene = renderer.scene
        self.problems: list[Problem] = []
        if places is None:  # the shipped ones
            places, self.problems = load_shipped_places(
                paths.annotations_dir(), scene.catalogue, scene.landmarks, scene.attachments
            )
        self.index = SearchIndex(scene.catalogue, places)
        self.sites = SiteViews(renderer)
        scene.occluders = self.sites.occluders
        self._focus: Attachment | None = scene.emphasis.focus_attachment
        scene.changed.connect(self._on_changed)

    def names(self) -> list[str]:
        """What the search box suggests while typing."""
        return self.index.names()

    def search(self, text: str, limit: int = 10) -> list[Match]:
        """The best matches for ``text``; a side not given is the selection's, else the right."""
        return self.index.search(
            text, limit, prefer=preferred_side(self.scene.catalogue, self.scene.selected)
        )

    def find(self, text: str) -> str | None:
        """Do what the best match for ``text`` means; return the structure selected (None
        when nothing matches, which the status bar says)."""
        matches = self.search(text)
        if not matches:
            self.message.emit(f"Nothing matches “{text}”", 5000)
            return None
        best = matches[0].target
        if best.kind == "place":
            self.go_to_place(best)
        else:
            self.go_to_structures(best.structure_ids)
        others = ", ".join(m.name for m in matches[1:4])
        if best.kind == "place":
            bones = " and ".join(self.scene.catalogue[s].name for s in best.structure_ids)
            self.message.emit(f"{best.name}, on the {bones[0].lower()}{bones[1:]}", 8000)
        elif best.kind == "group":
            self.message.emit(f"{best.name}: {len(best.structure_ids)} structures selected", 6000)
        elif others:
            self.message.emit(f"Also matching: {others}", 6000)
        return best.structure_ids[0]

    def go_to_place(self, place: Target) -> None:
        """Select the bone a place lies on, mark the place and fly there (where the scene's
        pose has taken it)."""
        assert place.point is not None and place.centre is not None
        on, rest = place.structure_ids, place.point
        point, centre = self.scene.posed_point(on, rest), self.scene.posed_point(on, place.centre)
        current = self.renderer.camera_pose()
        distance = min(self.sites.distance_for(PLACE_FIELD_MM), current_distance(current))
        direction = self.sites.direction_to_see(point, place.structure_ids, distance)
        pose = look_at(current, centre, direction, distance)

        def change() -> None:
            with self.scene.batch():
                self.scene.select_many(list(place.structure_ids))
                self.scene.mark(place.name, rest, on)

        self.flight.fly_to(pose, change)

    def go_to_structures(self, structure_ids: tuple[str, ...]) -> None:
        """Select structures (the first; the others highlighted with it) and fly to where
        they show whole with what their labels point at, looking the way the camera looks."""
        pose = self.framing(structure_ids)

        def change() -> None:
            if len(structure_ids) == 1:
                self.scene.select(structure_ids[0])
            else:
                self.scene.select_many(list(structure_ids))

        self.flight.fly_to(pose, change)

    def framing(self, structure_ids: tuple[str, ...]) -> CameraPose:
        """The camera that frames ``structure_ids`` selected: their surfaces, the sites the
        selection paints (labelled) and the foramina it marks, where the pose has them."""
        scene, first = self.scene, structure_ids[0]
        shown = emphasis(scene.catalogue, scene.attachments, first, None, structure_ids[1:])
        parts = [np.asarray(self.renderer.meshes[s].points, dtype=float) for s in structure_ids]
        parts += [np.asarray(scene.posed_attachment(a).points, dtype=float) for a in shown.attachments]
        landmarks = scene.posed_landmarks
        parts += [np.asarray([landmarks[n]], dtype=float) for n in shown.root_levels if n in landmarks]
        width, height = self.renderer.plotter.renderer.GetSize()
        camera = self.renderer.plotter.camera
        return framing(
            self.renderer.camera_pose(), np.vstack(parts), camera.view_angle, width / max(height, 1)
        )

    def _on_changed(self, aspects: Aspect) -> None:
        if getattr(self.renderer.plotter, "render_window", None) is None:  # the window closed
            self.scene.changed.disconnect(self._on_changed)
            if self.scene.occluders == self.sites.occluders:
                self.scene.occluders = None
            return
        if Aspect.selection not in aspects:
            return
        focus = self.scene.emphasis.focus_attachment
        if focus == self._focus:
            return
        self._focus = focus
        if focus is not None:  # a site singled out: fly to where it shows (its ghosts are drawn)
            self.flight.fly_to(self.sites.view(focus)[0])
