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
#: The least a structure found by search is seen with around it (mm across the view): a disc
#: or a short nerve framed alone would fill the view and lose its neighbours.
STRUCTURE_FIELD_MM = 150.0
#: The share of the view's height and width a framed structure may fill: the rest is room
#: for its labels, which sit beside their anchors (app.render.labels).
FRAME_FILL = 0.7


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


def framing(
    current: CameraPose,
    points: np.ndarray,
    view_angle_deg: float,
    aspect: float,
    fill: float = FRAME_FILL,
    least_mm: float = STRUCTURE_FIELD_MM,
) -> CameraPose:
    """A camera looking the way ``current`` does (same direction, same up) that shows every
    one of ``points`` (n, 3) in the middle ``fill`` of the view, centred on them, and at
    least ``least_mm`` across. ``view_angle_deg`` is the vertical angle of a perspective
    camera, ``aspect`` the view's width over its height. Whatever was framed before (a
    close-up of a place, a site) is left: only the direction is kept."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    back = np.asarray(current.position, dtype=float) - np.asarray(current.focal_point, dtype=float)
    back /= np.linalg.norm(back)  # from what is looked at toward the camera
    up = np.asarray(look_at(current, current.focal_point, back, 1.0).up, dtype=float)
    up -= back * float(up @ back)
    up /= np.linalg.norm(up)
    right = np.cross(up, back)
    x, y, z = pts @ right, pts @ up, pts @ back
    cx, cy, cz = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2, (z.max() + z.min()) / 2
    half_v = fill * float(np.tan(np.radians(view_angle_deg) / 2.0))
    half_h = half_v * aspect
    # Each point in view: its offset across no more than the view's half-width at its depth.
    nearer = z - cz  # how much nearer the camera than the focal plane
    needed = np.maximum(np.abs(x - cx) / half_h, np.abs(y - cy) / half_v) + nearer
    distance = max(float(needed.max()), distance_for(least_mm, view_angle_deg) / min(1.0, aspect))
    centre = cx * right + cy * up + cz * back
    return CameraPose(
        position=_rounded(centre + back * distance),
        focal_point=_rounded(centre),
        up=_rounded(up, 4),
    )
