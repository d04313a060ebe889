"""Named anatomical points, derived from the model's sites and the refined bone surfaces.

Points that lie on a bone are snapped onto its refined surface; centres (joint, vertebral
body) and openings (intervertebral foramina) are not on a surface.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyvista as pv

from app.build.spine import LEVELS, VertebralBody

SIDES = {"right": ("_r", 1.0), "left": ("_l", -1.0)}  # suffix, sign of x toward that side


def snap(mesh: pv.PolyData, point: np.ndarray) -> np.ndarray:
    """Closest point of ``mesh``'s surface to ``point``."""
    _, closest = mesh.find_closest_cell(np.asarray(point, dtype=float), return_closest_point=True)
    return np.asarray(closest, dtype=float)


def _pubic_tubercle(hip: pv.PolyData, sign: float, hjc: np.ndarray) -> np.ndarray:
    """Most anterior point of the superior pubic ramus, 15-35 mm from the midline."""
    p = hip.points
    lateral = p[:, 0] * sign
    region = (lateral > 15) & (lateral < 35) & (p[:, 2] < hjc[2]) & (p[:, 2] > hjc[2] - 45)
    candidates = p[region]
    return np.asarray(candidates[np.argmax(candidates[:, 1])], dtype=float)


def _lesser_trochanter(femur: pv.PolyData, sign: float, hjc: np.ndarray) -> np.ndarray:
    """Posteromedial prominence of the proximal femur, 35-75 mm below the hip joint centre."""
    p = femur.points
    band = (p[:, 2] < hjc[2] - 35) & (p[:, 2] > hjc[2] - 75)
    band_points = p[band]
    shaft = np.median(band_points, axis=0)
    offset = band_points - shaft
    medial_posterior = -sign * offset[:, 0] - offset[:, 1]
    return np.asarray(band_points[np.argmax(medial_posterior)], dtype=float)


def _greater_trochanter(femur: pv.PolyData, sign: float, hjc: np.ndarray) -> np.ndarray:
    """Most lateral point of the proximal femur (the tip of the greater trochanter)."""
    p = femur.points
    top = p[p[:, 2] > hjc[2] - 30]
    return np.asarray(top[np.argmax(top[:, 0] * sign)], dtype=float)


def sacral_ala(sacrum: pv.PolyData, l5: VertebralBody, sign: float) -> np.ndarray:
    """Top of the sacral ala: the highest point 20-38 mm from the midline, in front of the facets."""
    p = sacrum.points
    front = l5.center[1] - 0.5 * l5.half_depth
    band = p[(p[:, 0] * sign > 20) & (p[:, 0] * sign < 38) & (p[:, 1] > front)]
    return np.asarray(band[np.argmax(band[:, 2])], dtype=float)


def foramen_point(upper: VertebralBody, lower_top: float, sign: float) -> np.ndarray:
    """Intervertebral foramen: behind the bodies, lateral to the canal, at the disc's upper part.

    The foramen is bounded by the pedicles above and below, the bodies and disc in front and
    the facet joint behind; its centre lies about a pedicle's breadth lateral of the midline.
    """
    x = upper.center[0] + sign * upper.half_width * 0.8
    y = upper.center[1] - upper.half_depth - 6.0
    z = (upper.inferior + lower_top) / 2 + 4.0
    return np.array([x, y, z])


def compute_landmarks(
    bones: dict[str, pv.PolyData],
    bodies: dict[str, VertebralBody],
    sites: dict[str, np.ndarray],
) -> dict[str, list[float]]:
    """All landmarks of the foundation, in RAS mm, rounded to 0.01 mm."""
    points: dict[str, np.ndarray] = {}
    for side, (suffix, sign) in SIDES.items():
        hjc = sites[f"HJC{suffix}"]
        hip, femur = bones[f"hip_bone_{side}"], bones[f"femur_{side}"]
        points[f"hip_joint_center_{side}"] = hjc
        points[f"asis_{side}"] = snap(hip, sites[f"ASI{suffix}"])
        points[f"psis_{side}"] = snap(hip, sites[f"PSI{suffix}"])
        points[f"pubic_tubercle_{side}"] = _pubic_tubercle(hip, sign, hjc)
        points[f"lesser_trochanter_{side}"] = _lesser_trochanter(femur, sign, hjc)
        points[f"greater_trochanter_{side}"] = _greater_trochanter(femur, sign, hjc)
        points[f"sacral_ala_{side}"] = sacral_ala(bones["sacrum"], bodies["vertebra_l5"], sign)
    for level in LEVELS:
        points[f"vertebral_body_center_{level}"] = bodies[f"vertebra_{level}"].center
    for upper, lower in itertools.pairwise(LEVELS):
        for side, (_, sign) in SIDES.items():
            points[f"intervertebral_foramen_{upper}_{lower}_{side}"] = foramen_point(
                bodies[f"vertebra_{upper}"], bodies[f"vertebra_{lower}"].superior, sign
            )
    return {name: [round(float(c), 2) for c in p] for name, p in points.items()}
