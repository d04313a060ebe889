"""Standard camera views and exact camera poses as plain data, in the RAS frame.

``direction`` points from the target toward the camera, so the anterior view has its camera
in front of the subject (+y) looking back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator


@dataclass(frozen=True)
class View:
    name: str
    label: str
    direction: tuple[float, float, float]
    up: tuple[float, float, float]
    shortcut: str

    @property
    def title(self) -> str:
        """The label in title case, as a menu item names it: ``Left Lateral``."""
        return " ".join(word[0].upper() + word[1:] for word in self.label.split())


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("anterior", "Anterior", (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), "1"),
        View("posterior", "Posterior", (0.0, -1.0, 0.0), (0.0, 0.0, 1.0), "2"),
        View("left", "Left lateral", (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), "3"),
        View("right", "Right lateral", (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), "4"),
        View("superior", "Superior", (0.0, 0.0, 1.0), (0.0, 1.0, 0.0), "5"),
        View("inferior", "Inferior", (0.0, 0.0, -1.0), (0.0, 1.0, 0.0), "6"),
        View("oblique", "Anterolateral oblique", (0.55, 1.0, 0.3), (0.0, 0.0, 1.0), "7"),
    )
}
#: The view the atlas opens with and that "Reset view" returns to.
DEFAULT_VIEW = "oblique"


#: How far from the origin a camera may be (mm): a kilometre, far beyond any useful view.
MAX_CAMERA_MM = 1_000_000.0
#: Nearest the camera may be to what it looks at (mm).
MIN_CAMERA_DISTANCE_MM = 0.01
#: Smallest angle between the up vector and the line of sight (degrees).
MIN_UP_ANGLE_DEG = 1.0


class CameraPose(BaseModel):
    """An exact camera (RAS mm): where it is, what it looks at, which way is up.

    Only a camera that can draw a picture is valid: finite and within reach of the atlas,
    looking at a point apart from itself, with an up vector that is not along the view."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    position: tuple[float, float, float]
    focal_point: tuple[float, float, float]
    up: tuple[float, float, float]

    @model_validator(mode="after")
    def _can_see(self) -> CameraPose:
        points = np.array([self.position, self.focal_point], dtype=float)
        up = np.array(self.up, dtype=float)
        if not (np.isfinite(points).all() and np.isfinite(up).all()):
            raise ValueError("camera values must be finite numbers")
        if np.abs(points).max() > MAX_CAMERA_MM:
            raise ValueError(f"camera position and focal point must be within {MAX_CAMERA_MM:g} mm")
        sight = points[1] - points[0]
        distance = float(np.linalg.norm(sight))
        if distance < MIN_CAMERA_DISTANCE_MM:
            raise ValueError("camera position and focal point must be apart")
        length = float(np.linalg.norm(up))
        if length < 1e-9:
            raise ValueError("camera up vector must not be zero")
        sine = float(np.linalg.norm(np.cross(sight / distance, up / length)))
        if sine < np.sin(np.radians(MIN_UP_ANGLE_DEG)):
            raise ValueError("camera up vector must not point along the line of sight")
        return self


def interpolate(start: CameraPose, end: CameraPose, t: float) -> CameraPose:
    """The camera a fraction ``t`` of the way from ``start`` to ``end``.

    The camera swings around the moving focal point (its direction turns on a great circle,
    its distance changes geometrically) instead of cutting through the anatomy, as a straight
    line between the two positions would.
    """
    t = min(1.0, max(0.0, float(t)))
    f0, f1 = np.asarray(start.focal_point), np.asarray(end.focal_point)
    o0 = np.asarray(start.position) - f0
    o1 = np.asarray(end.position) - f1
    d0, d1 = np.linalg.norm(o0), np.linalg.norm(o1)
    u0, u1 = np.asarray(start.up, dtype=float), np.asarray(end.up, dtype=float)
    direction = _slerp(o0 / d0, o1 / d1, t, fallback_axis=u0)
    up = _slerp(u0 / np.linalg.norm(u0), u1 / np.linalg.norm(u1), t, fallback_axis=direction)
    up = up - direction * float(up @ direction)  # keep the up vector square to the view
    if np.linalg.norm(up) < 1e-6:
        up = _any_perpendicular(direction)
    focal = f0 + (f1 - f0) * t
    distance = d0 * (d1 / d0) ** t
    return CameraPose(
        position=tuple(float(c) for c in focal + direction * distance),
        focal_point=tuple(float(c) for c in focal),
        up=tuple(float(c) for c in up / np.linalg.norm(up)),
    )


def _slerp(a: np.ndarray, b: np.ndarray, t: float, fallback_axis: np.ndarray) -> np.ndarray:
    """Unit vector a fraction ``t`` along the great circle from ``a`` to ``b``; opposite vectors
    turn about ``fallback_axis`` (made square to ``a``)."""
    cos = float(np.clip(a @ b, -1.0, 1.0))
    if cos > 1 - 1e-9:
        return b.copy()
    axis = np.cross(a, b)
    if np.linalg.norm(axis) < 1e-6:
        axis = fallback_axis - a * float(fallback_axis @ a)
        if np.linalg.norm(axis) < 1e-6:
            axis = _any_perpendicular(a)
    axis = axis / np.linalg.norm(axis)
    angle = np.arccos(cos) * t
    # Rodrigues' rotation of a about axis (axis is square to a).
    return a * np.cos(angle) + np.cross(axis, a) * np.sin(angle)


def _any_perpendicular(v: np.ndarray) -> np.ndarray:
    other = np.array([1.0, 0.0, 0.0]) if abs(v[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    p = np.cross(v, other)
    return p / np.linalg.norm(p)


#: How far (degrees) the camera may be from a standard view and still be called by its name,
#: and how far its up vector may roll.
VIEW_TOLERANCE_DEG = 3.0
ROLL_TOLERANCE_DEG = 15.0


def view_of(camera: CameraPose) -> View | None:
    """The standard view a camera looks from (zoomed or panned as may be, within a few
    degrees, up included), or None when it is in a view of its own ("custom view")."""
    sight = np.subtract(camera.position, camera.focal_point)
    sight = sight / np.linalg.norm(sight)
    up = np.asarray(camera.up, dtype=float)
    up = up - sight * float(up @ sight)
    up = up / np.linalg.norm(up)
    limit, roll = np.cos(np.radians(VIEW_TOLERANCE_DEG)), np.cos(np.radians(ROLL_TOLERANCE_DEG))
    for view in VIEWS.values():
        direction = np.asarray(view.direction, dtype=float)
        direction = direction / np.linalg.norm(direction)
        view_up = np.asarray(view.up, dtype=float)
        view_up = view_up - direction * float(view_up @ direction)
        view_up = view_up / np.linalg.norm(view_up)
        if float(sight @ direction) >= limit and float(up @ view_up) >= roll:
            return view
    return None
