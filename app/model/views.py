"""Standard camera views as plain data, in the RAS frame.

``direction`` points from the target toward the camera, so the anterior view has its camera
in front of the subject (+y) looking back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    name: str
    label: str
    direction: tuple[float, float, float]
    up: tuple[float, float, float]
    shortcut: str


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
