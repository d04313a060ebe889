"""Draw the places singled out in the scene: a place found by search (a small sphere and a
label with its name) and the attachment site the information panel focuses (its name, in
the focus colour), laid out with the selection's labels."""

from __future__ import annotations

import numpy as np
import pyvista as pv

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

    def show(self, marks: tuple[Mark, ...], emphasis: Emphasis | None = None) -> None:
        """Draw ``marks`` in place of the last ones, and name the site ``emphasis`` focuses;
        the labels join the emphasis' labels (so call it after :meth:`EmphasisLayer.show`).
        The caller renders."""
        for actor in self.actors:
            self.plotter.remove_actor(actor, render=False)
        self.actors = []
        self.marks = marks
        labels = [Label(m.point, m.name, MARK_COLOR, bold=True) for m in marks]
        for mark in marks:
            sphere = pv.Sphere(
                radius=MARK_RADIUS_MM, center=mark.point, theta_resolution=16, phi_resolution=12
            )
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
        if site is not None:
            points = np.asarray(self.emphasis.scene.posed_attachment(site).points, dtype=float)
            anchor = points[int(np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1)))]
            labels.insert(0, Label(tuple(float(c) for c in anchor), site.name, FOCUS_COLOR, bold=True))  # type: ignore[arg-type]
        if labels:
            layer = self.emphasis.labels
            layer.set_labels([*layer.labels, *labels])
