"""The lumbar plexus and its branches as smooth tubes, placed relative to bones and muscles.

Each course in ``meshes/recipes/lumbar_plexus.yaml`` is a list of control points defined
relative to landmarks and to the psoas (its borders and anterior surface at a vertebral
level), the iliacus, the inguinal ligament, the iliac crest, the obturator foramen and the
sacral ala. A spline through them is swept into a tube of the nerve's calibre.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import pyvista as pv
from scipy import ndimage

from app.build.fields import smooth_curve
from app.build.landmarks import SIDES, foramen_point
from app.build.muscles import Skeleton, X, Y
from app.build.spine import ray_hits

#: A terminal branch's radius, as a fraction of its nerve's.
BRANCH_CALIBRE = 0.6


def _tube(curve: np.ndarray, radius: float) -> pv.PolyData:
    """A capped tube along a centreline: a ring every 4 mm, 10 sides (smooth-shaded)."""
    rings = max(int(len(curve) / 2), 26)  # at least 500 triangles: smooth when zoomed
    tube = pv.Spline(curve, rings).tube(radius=radius, n_sides=10, capping=True)
    return tube.triangulate().clean()


class NerveBuilder:
    """Builds one side's plexus and branches."""

    def __init__(
        self,
        skeleton: Skeleton,
        recipe: dict[str, Any],
        side: str,
        psoas: pv.PolyData,
        iliacus: pv.PolyData,
        ligament: np.ndarray,
        quadratus: pv.PolyData,
    ):
        self.sk = skeleton
        self.recipe = recipe
        self.side = side
        self.suffix, self.sign = SIDES[side]
        self.psoas = psoas
        self.iliacus = iliacus
        self.ligament = ligament
        self.quadratus = quadratus
        self.rib = skeleton.bones[f"rib_12_{side}"]
        self.hip = skeleton.bones[f"hip_bone_{side}"]
        self.sacrum = skeleton.bones["sacrum"]

    # levels
    def z_of(self, level: str | float) -> float:
        """Height of a vertebral level (body centre), a disc (between the bodies) or a number (mm)."""
        if isinstance(level, int | float):
            return float(level)
        bodies = self.sk.bodies
        if level == "s1":
            return self._ala()[2] - 12.0
        if "_" in level:
            upper, lower = level.split("_")
            if lower == "s1":
                return float(bodies["vertebra_l5"].inferior - 5.0)
            return float((bodies[f"vertebra_{upper}"].inferior + bodies[f"vertebra_{lower}"].superior) / 2)
        return float(bodies[f"vertebra_{level}"].center[2])

    # psoas geometry
    def psoas_section(self, z: float) -> np.ndarray:
        section = self.psoas.slice(normal="z", origin=(0, 0, z))
        if section.n_points == 0:
            raise ValueError(f"psoas has no cross-section at z={z:.0f} mm")
        return np.asarray(section.points)

    def psoas_point(self, border: str, z: float, out: float = 0.0, toward: str | None = None) -> np.ndarray:
        pts = self.psoas_section(z)
        centre = pts.mean(axis=0)
        if border == "inside":
            back = pts[np.argmin(pts[:, 1])]
            if toward == "anterior":
                front = pts[np.argmax(pts[:, 1])]
                return centre + 0.35 * (front - centre)
            if toward == "medial":
                return centre + 0.45 * (self._border(pts, centre, "medial") - centre)
            return centre + 0.1 * (back - centre)
        return self._border(pts, centre, border) + self._facing(border) * out

    def _facing(self, border: str) -> np.ndarray:
        return {"lateral": self.sign * X, "medial": -self.sign * X, "anterior": Y}[border]

    def _border(self, pts: np.ndarray, centre: np.ndarray, border: str) -> np.ndarray:
        """The point of a psoas section on its lateral, medial or anterior border: beside (or,
        for the anterior one, in front of) the section's centre, not a corner: the two sides'
        sections differ in shape, and a corner can jump 30 mm."""
        candidates = pts
        if border != "lateral":
            across = Y if border == "medial" else X
            band = pts[np.abs((pts - centre) @ across) < 6]
            candidates = band if len(band) else pts
        return np.asarray(candidates[np.argmax(candidates @ self._facing(border))])

    # other references
    def _ala(self) -> np.ndarray:
        return np.asarray(self.sk.landmarks[f"sacral_ala_{self.side}"], dtype=float)

    def _crest(self, fraction: float) -> np.ndarray:
        psis, asis = (np.asarray(self.sk.landmarks[f"{n}_{self.side}"]) for n in ("psis", "asis"))
        y = psis[1] + fraction * (asis[1] - psis[1])
        pts = self.hip.points
        band = pts[np.abs(pts[:, 1] - y) < 5]
        return np.asarray(band[np.argmax(band[:, 2])])

    def _rib_lower_border(self, fraction: float) -> np.ndarray:
        """The 12th rib's lower border, ``fraction`` of the way from its head (0) to its tip (1)."""
        pts = self.rib.points
        lateral = pts[:, 0] * self.sign
        x = lateral.min() + fraction * (lateral.max() - lateral.min())
        band = pts[np.abs(lateral - x) < 4]
        return np.asarray(band[np.argmin(band[:, 2])])

    @functools.cached_property
    def obturator_canal(self) -> np.ndarray:
        """The obturator canal: the top of the obturator foramen, found as the hole in the hip bone.

        Lines along the foramen's axis (anterolateral) are cast on a grid below and medial to
        the hip joint; the free lines enclosed by bone form the foramen, and the canal lies at
        its upper margin. Found once a side (3,300 rays): several courses pass it.
        """
        hjc = np.asarray(self.sk.landmarks[f"hip_joint_center_{self.side}"])
        axis = np.array([self.sign * 0.5, 0.87, 0.0])
        axis /= np.linalg.norm(axis)
        step = 2.0
        xs = np.arange(-20.0, 90.0, step)  # medial offsets from the joint centre
        zs = np.arange(-100.0, 20.0, step)
        free = np.zeros((len(xs), len(zs)), dtype=bool)
        for i, dx in enumerate(xs):
            for j, dz in enumerate(zs):
                p = hjc + np.array([-self.sign * dx, 10.0, dz])
                free[i, j] = len(ray_hits(self.hip, p - axis * 200, p + axis * 200)) == 0
        labels, count = ndimage.label(free)
        border = set(labels[0]) | set(labels[-1]) | set(labels[:, 0]) | set(labels[:, -1])
        holes = [k for k in range(1, count + 1) if k not in border]
        if not holes:
            raise ValueError(f"obturator foramen not found in hip_bone_{self.side}")
        hole = labels == max(holes, key=lambda k: int((labels == k).sum()))
        i_centre = round(np.argwhere(hole)[:, 0].mean())
        j_top = int(np.argwhere(hole[i_centre]).max())
        top = hjc + np.array([-self.sign * xs[i_centre], 10.0, zs[j_top] - 4.0])
        # Slide along the axis to the foramen's own plane (closest to the bony rim).
        ts = np.linspace(-40, 40, 81)
        candidates = top + ts[:, None] * axis
        _, closest = self.hip.find_closest_cell(candidates, return_closest_point=True)
        return np.asarray(candidates[np.argmin(np.linalg.norm(candidates - closest, axis=1))])

    def point(self, spec: dict[str, Any]) -> np.ndarray:
        """Resolve one control point of a course."""
        offset = np.array(spec.get("offset", [0.0, 0.0, 0.0]), dtype=float)
        offset[0] *= self.sign
        if "foramen" in spec:
            name = spec["foramen"]
            if name == "l5_s1":
                l5 = self.sk.bodies["vertebra_l5"]
                s1 = np.asarray(self.sk.landmarks["s1_endplate_center"], dtype=float)
                s1_body = s1 - 15.0 * (l5.center - s1) / np.linalg.norm(l5.center - s1)
                bones = [self.sk.bones["vertebra_l5"], self.sacrum]
                base = foramen_point(l5, s1_body, self.sign, bones)
            else:
                base = np.asarray(self.sk.landmarks[f"intervertebral_foramen_{name}_{self.side}"])
        elif "psoas" in spec:
            base = self.psoas_point(
                spec["psoas"], self.z_of(spec["z"]), spec.get("out", 0.0), spec.get("toward")
            )
        elif "iliacus" in spec:
            start = np.array([self.sign * spec["lateral"], 250.0, spec["z"]])
            hits = ray_hits(self.iliacus, start, start - Y * 400)
            if not len(hits):
                raise ValueError(f"no iliacus surface at {spec}")
            base = hits[0] + Y * spec.get("out", 0.0)
        elif "quadratus" in spec:
            start = np.array([self.sign * spec["lateral"], 250.0, self.z_of(spec["z"])])
            hits = ray_hits(self.quadratus, start, start - Y * 400)
            if not len(hits):
                raise ValueError(f"no quadratus lumborum surface at {spec}")
            base = hits[0] + Y * spec.get("out", 0.0)
        elif "rib_12" in spec:
            base = self._rib_lower_border(float(spec["rib_12"]))
        elif "landmark" in spec:
            base = np.asarray(self.sk.landmarks[f"{spec['landmark']}_{self.side}"])
        elif "ligament" in spec:
            s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(self.ligament, axis=0), axis=1))])
            t = float(spec["ligament"]) * s[-1]
            base = np.array([np.interp(t, s, self.ligament[:, k]) for k in range(3)])
        elif "iliac_crest" in spec:
            base = self._crest(float(spec["iliac_crest"]))
        elif "obturator_canal" in spec:
            base = self.obturator_canal
        elif "sacral_ala" in spec:
            base = self._ala()
        elif "sacrum_front" in spec:
            ala = self._ala()
            start = np.array([self.sign * spec["lateral"], 250.0, ala[2] - spec["sacrum_front"]])
            hits = ray_hits(self.sacrum, start, start - Y * 400)
            if not len(hits):
                raise ValueError(f"no sacrum surface at {spec}")
            base = hits[0] + Y * spec.get("out", 0.0)
        else:
            raise ValueError(f"unknown control point {spec}")
        return np.asarray(base, dtype=float) + offset

    def tube(self, course: list[dict[str, Any]], radius: float) -> tuple[pv.PolyData, np.ndarray]:
        control = np.array([self.point(spec) for spec in course])
        curve, _ = smooth_curve(control, samples_per_mm=0.5)
        return _tube(curve, radius), curve

    def plexus(self) -> tuple[pv.PolyData, dict[str, np.ndarray]]:
        """Ventral rami T12-L4 from their foramina into psoas, and the loops between them."""
        spec = self.recipe["lumbar_plexus"]
        parts, inside = [], {}
        for ramus in spec["rami"]:
            z = self.z_of(ramus["z"])
            start = self.point({"foramen": ramus["foramen"]})
            end = self.psoas_point("inside", z - 8)
            mid = 0.5 * (start + end) + Y * 4 + self.sign * X * 2
            tube, _ = self.tube_points([start, mid, end], spec["radius"])
            parts.append(tube)
            inside[ramus["root"]] = end
        roots = [r["root"] for r in spec["rami"]]
        for upper, lower in itertools.pairwise(roots):
            a, b = inside[upper], inside[lower]
            loop, _ = self.tube_points([a, 0.5 * (a + b) + self.sign * X * 3, b], spec["radius"] * 0.8)
            parts.append(loop)
        merged = pv.merge(parts).triangulate().clean()
        return merged, inside

    def tube_points(self, control: list[np.ndarray], radius: float) -> tuple[pv.PolyData, np.ndarray]:
        curve, _ = smooth_curve(np.array(control), samples_per_mm=0.5)
        return _tube(curve, radius), curve

    def nerves(self) -> dict[str, tuple[pv.PolyData, np.ndarray, list[str]]]:
        """Each branch's mesh, centreline and roots."""
        out = {}
        for name, spec in self.recipe["nerves"].items():
            mesh, curve = self.tube(spec["course"], spec["radius"])
            parts = [mesh]
            if "join" in spec:
                parts.append(self.tube(spec["join"], spec["radius"] * 0.8)[0])
            # Terminal branches go on from the course's end, thinner.
            for branch in spec.get("branches", []):
                control = [curve[-1], *(self.point(point) for point in branch)]
                parts.append(self.tube_points(control, spec["radius"] * BRANCH_CALIBRE)[0])
            if len(parts) > 1:
                mesh = pv.merge(parts).triangulate().clean()
            out[f"{name}_{self.side}"] = (mesh, curve, list(spec["roots"]))
        return out
