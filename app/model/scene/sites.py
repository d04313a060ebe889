"""Singling out a place: the camera that looks at it, and what is ghosted in front of it.

Pure functions, free of Qt and VTK. What lies in front of an attachment site is geometry (ray
tests on the meshes, :mod:`app.render.sites`); the model is handed it as an ``Occluders``
function and applies the rule here: while a site is singled out, whatever lies between the
camera and the site is drawn ghosted, never the bone the site is on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from app.model.anatomy.landmarks import Attachment, Point
from app.model.scene.emphasis import Emphasis
from app.model.scene.views import CameraPose

#: Opacity of what lies in front of a singled-out attachment site.
GHOST_OPACITY = 0.2
#: Structures in front of an attachment site, as seen when the view singles it out.
Occluders = Callable[[Attachment], Iterable[str]]
#: What a place found by search is seen with around it (mm across the view).
PLACE_FIELD_MM = 200.0
#: The least an attachment site is seen with around it (mm across the view).
SITE_FIELD_MM = 150.0


def ghosted(emphasis: Emphasis, occluders: Occluders | None) -> Emphasis:
    """The emphasis with what lies in front of its focused site ghosted."""
    focus = emphasis.focus_attachment
    if focus is None or occluders is None:
        return emphasis
    return replace(emphasis, ghosted=frozenset(occluders(focus)) - {focus.bone})


def distance_for(field_mm: float, view_angle_deg: float) -> float:
    """How far a camera with ``view_angle_deg`` (vertical) must be to see ``field_mm`` across."""
    return field_mm / (2.0 * float(np.tan(np.radians(view_angle_deg) / 2.0)))


def current_distance(pose: CameraPose) -> float:
    """How far a camera is from what it looks at (mm)."""
    return float(np.linalg.norm(np.asarray(pose.position, dtype=float) - np.asarray(pose.focal_point)))


def look_at(current: CameraPose, point: Point, direction: Iterable[float], distance: float) -> CameraPose:
    """A camera ``distance`` from ``point`` along ``direction`` (from the point toward the
    camera), looking at it, with the current up vector as far as it can be kept."""
    d = np.asarray(list(direction), dtype=float)
    d /= np.linalg.norm(d)
    up = np.asarray(current.up, dtype=float)
    for candidate in (up, np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])):
        square = candidate - d * float(candidate @ d)
        if np.linalg.norm(square) > 0.2 * np.linalg.norm(candidate):
            up = square / np.linalg.norm(square)
            break
    focal = np.asarray(point, dtype=float)
    return CameraPose(
        position=_rounded(focal + d * distance),
        focal_point=_rounded(focal),
        up=_rounded(up, 4),
    )


def _rounded(values: np.ndarray, digits: int = 2) -> tuple[float, float, float]:
    return (round(float(values[0]), digits), round(float(values[1]), digits), round(float(values[2]), digits))
