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


def pubic_tubercle(hip: pv.PolyData, sign: float, hjc: np.ndarray) -> np.ndarray:
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


def sacral_ala(sacrum: pv.PolyData, s1_centre: np.ndarray, s1_normal: np.ndarray, sign: float) -> np.ndarray:
    """Top of the sacral ala: the highest point (along the S1 endplate's normal) 22-45 mm
    lateral to the endplate's centre, level with the endplate from front to back (behind
    it rise the superior articular processes)."""
    p = sacrum.points - s1_centre
    forward = np.cross(s1_normal, np.array([1.0, 0.0, 0.0]))
    forward = forward if forward[1] > 0 else -forward
    lateral, ahead = p[:, 0] * sign, p @ forward
    band = (lateral > 22) & (lateral < 45) & (ahead > -12) & (ahead < 15)
    if not band.any():
        raise ValueError("no sacral ala beside the S1 endplate")
    candidates = sacrum.points[band]
    return np.asarray(candidates[np.argmax(p[band] @ s1_normal)], dtype=float)


def clearance(meshes: list[pv.PolyData], points: np.ndarray) -> np.ndarray:
    """Signed distance of each point to the nearest of closed surfaces (negative inside one)."""
    points = np.atleast_2d(points)
    nearest = np.full(len(points), np.inf)
    for mesh in meshes:
        _, closest = mesh.find_closest_cell(points, return_closest_point=True)
        d = np.linalg.norm(points - closest, axis=1)
        inside = pv.PolyData(points).select_interior_points(mesh, check_surface=False)["selected_points"]
        nearest = np.minimum(nearest, np.where(inside.astype(bool), -d, d))
    return nearest


def foramen_point(
    upper: VertebralBody, lower_centre: np.ndarray, sign: float, bones: list[pv.PolyData]
) -> np.ndarray:
    """Intervertebral foramen: behind the bodies, lateral to the canal, at the disc's upper part.

    The foramen is bounded by the pedicles above and below, the bodies and disc in front and
    the facet joint behind; its centre lies about a pedicle's breadth lateral of the midline.
    Searched along the local axis of the spine (the lordosis tilts the lower levels) for the
    point farthest from bone: the middle of the opening.
    """
    axis = (upper.center - lower_centre) / np.linalg.norm(upper.center - lower_centre)
    back = np.cross(axis, np.array([1.0, 0.0, 0.0]))
    back = back if back[1] < 0 else -back
    base = (upper.center + lower_centre) / 2 + np.array([sign * upper.half_width * 0.8, 0.0, 0.0])
    candidates = np.array(
        [
            base + a * axis + back * (upper.half_depth + b)
            for a in np.arange(0.0, 9.0)
            for b in np.arange(4.0, 11.0)
        ]
    )
    return np.asarray(candidates[np.argmax(clearance(bones, candidates))])


def compute_landmarks(
    bones: dict[str, pv.PolyData],
    bodies: dict[str, VertebralBody],
    sites: dict[str, np.ndarray],
    s1_endplate: tuple[np.ndarray, np.ndarray],
) -> dict[str, list[float]]:
    """All landmarks of the foundation, in RAS mm, rounded to 0.01 mm."""
    points: dict[str, np.ndarray] = {}
    for side, (suffix, sign) in SIDES.items():
        hjc = sites[f"HJC{suffix}"]
        hip, femur = bones[f"hip_bone_{side}"], bones[f"femur_{side}"]
        points[f"hip_joint_center_{side}"] = hjc
        points[f"asis_{side}"] = snap(hip, sites[f"ASI{suffix}"])
        points[f"psis_{side}"] = snap(hip, sites[f"PSI{suffix}"])
        points[f"pubic_tubercle_{side}"] = pubic_tubercle(hip, sign, hjc)
        points[f"lesser_trochanter_{side}"] = _lesser_trochanter(femur, sign, hjc)
        points[f"greater_trochanter_{side}"] = _greater_trochanter(femur, sign, hjc)
        points[f"sacral_ala_{side}"] = sacral_ala(bones["sacrum"], *s1_endplate, sign)
    points["s1_endplate_center"] = s1_endplate[0]
    for level in LEVELS:
        points[f"vertebral_body_center_{level}"] = bodies[f"vertebra_{level}"].center
    vertebrae = [bones[f"vertebra_{level}"] for level in LEVELS]
    for upper, lower in itertools.pairwise(LEVELS):
        for side, (_, sign) in SIDES.items():
            points[f"intervertebral_foramen_{upper}_{lower}_{side}"] = foramen_point(
                bodies[f"vertebra_{upper}"], bodies[f"vertebra_{lower}"].center, sign, vertebrae
            )
    return {name: [round(float(c), 2) for c in p] for name, p in points.items()}
