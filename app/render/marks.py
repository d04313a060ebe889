"""Draw the places singled out in the scene: a place found by search (a small sphere and a
label with its name) and the attachment site the information panel focuses (its name, in
the focus colour), laid out with the selection's labels. Both are where the scene's pose
puts them, in every frame (:meth:`MarkLayer.follow` while the view moves)."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from app.model.anatomy.landmarks import Attachment
from app.model.anatomy.search import Mark
from app.model.scene.emphasis import Emphasis
from app.render.emphasis import FOCUS_COLOR, EmphasisLayer
from app.render.labels import Label

#: A place found by search: pink, apart from the selection (CIEDE2000 23) and at least 4.6:1
#: on every background (WCAG AA).
MARK_COLOR = "#ff8fe0"
#: Radius of the sphere that marks a place (mm).
MARK_RADIUS_MM = 2.5


class MarkLayer:
    """Keeps a sphere and a label per marked place, and the focused site's label."""

    def __init__(self, plotter: pv.Plotter, emphasis: EmphasisLayer):
        self.plotter = plotter
        self.emphasis = emphasis
        self.actors: list[pv.Actor] = []
        self.marks: tuple[Mark, ...] = ()
        self._spheres: list[pv.PolyData] = []
        self._site: Attachment | None = None  # the focused attachment site, labelled

    def show(self, marks: tuple[Mark, ...], emphasis: Emphasis | None = None) -> None:
        """Draw ``marks`` in place of the last ones, and name the site ``emphasis`` focuses;
        the labels join the emphasis' labels (so call it after :meth:`EmphasisLayer.show`).
        The caller renders."""
        for actor in self.actors:
            self.plotter.remove_actor(actor, render=False)
        self.actors, self._spheres = [], []
        self.marks = marks
        labels = [Label(m.point, m.name, MARK_COLOR, bold=True) for m in marks]
        for mark in marks:
            sphere = pv.Sphere(
                radius=MARK_RADIUS_MM, center=mark.point, theta_resolution=16, phi_resolution=12
            )
            self._spheres.append(sphere)
            self.actors.append(
                self.plotter.add_mesh(
                    sphere,
                    color=MARK_COLOR,
                    smooth_shading=True,
                    ambient=0.45,
                    pickable=False,
                    reset_camera=False,
                    render=False,
                )
            )
        site = emphasis.focus_attachment if emphasis is not None else None
        self._site = site
        if site is not None:
            labels.insert(0, Label(self._site_anchor(), site.name, FOCUS_COLOR, bold=True))
        if labels:
            layer = self.emphasis.labels
            layer.set_labels([*layer.labels, *labels])

    def _site_anchor(self) -> tuple[float, float, float]:
        """The focused site's label points at its middle, where the pose puts it."""
        assert self._site is not None
        points = np.asarray(self.emphasis.scene.posed_attachment(self._site).points, dtype=float)
        anchor = points[int(np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1)))]
        return (float(anchor[0]), float(anchor[1]), float(anchor[2]))

    def follow(self) -> list[tuple[float, float, float]]:
        """Move the spheres where the scene's pose puts the marked places now, and return
        the anchors of this layer's labels there (set by the caller with the emphasis')."""
        posed = self.emphasis.scene.marks
        for sphere, old, new in zip(self._spheres, self.marks, posed, strict=True):
            sphere.points[:] = np.asarray(sphere.points) + (np.asarray(new.point) - np.asarray(old.point))
            sphere.GetPoints().Modified()
            sphere.Modified()
        self.marks = posed
        anchors = [m.point for m in posed]
        return [self._site_anchor(), *anchors] if self._site is not None else anchors
