"""The lumbar plexus and its branches as smooth tubes, placed relative to bones and muscles.

Each course in ``meshes/recipes/lumbar_plexus.yaml`` is a list of control points defined
relative to landmarks and to the psoas (its borders and anterior surface at a vertebral
level, or a place inside it measured as the slice view measures a disc level), the iliacus,
the inguinal ligament, the iliac crest, the obturator foramen and the sacral ala. A spline
through them is swept into a tube of the nerve's calibre.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
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
#: Over its first millimetres a nerve out of an intervertebral foramen is no thicker than the
#: room the foramen leaves it (bone all round: pedicles, body, disc, facet joint), less a margin,
#: and never thinner than the least radius.
FORAMEN_MM, FORAMEN_MARGIN_MM, LEAST_RADIUS_MM = 15.0, 0.3, 0.8
#: How deep a nerve's centreline is kept inside psoas where it runs in it: this share of the
#: nerve's radius plus this many mm.
IN_PSOAS = (0.5, 0.5)

Room = Callable[[np.ndarray], np.ndarray]


def _tube(curve: np.ndarray, radius: float, room: Room | None = None) -> pv.PolyData:
    """A capped tube along a centreline: a ring every 4 mm, 10 sides (smooth-shaded); where
    ``room`` (mm free around each point) is tighter than ``radius``, the tube narrows to it."""
    rings = max(int(len(curve) / 2), 26)  # at least 500 triangles: smooth when zoomed
    spline = pv.Spline(curve, rings)
    if room is None:
        tube = spline.tube(radius=radius, n_sides=10, capping=True)
    else:
        free = room(np.asarray(spline.points)) - FORAMEN_MARGIN_MM
        spline["radius"] = np.clip(free, LEAST_RADIUS_MM, radius)
        tube = spline.tube(scalars="radius", absolute=True, n_sides=10, capping=True)
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

    def disc_frame(self, disc: str) -> tuple[float, float, float]:
        """A disc's level as the slice view takes it: the height of its centre (where an axial
        section snapped to the disc cuts), and the back (y) and depth (mm) of the whole disc
        from front to back, the ruler of the slice view's zones (``_zone_bounds``)."""
        name = f"disc_{disc}"
        if name not in self.sk.bones:
            raise ValueError(f"no disc {disc!r} to measure a nerve's depth by")
        points = np.asarray(self.sk.bones[name].points)
        return float(points[:, 2].mean()), float(points[:, 1].min()), float(np.ptp(points[:, 1]))

    def psoas_at_depth(
        self, disc: str, from_back: float, across: float, dz: float = 0.0, out: float = 0.0
    ) -> np.ndarray:
        """A point inside psoas placed as the cadaver studies measure the plexus at a disc: at
        ``from_back`` of the disc's depth from its back edge (0) to its front (1), ``dz`` mm
        above the disc's centre, ``across`` the muscle's widest stretch at that depth from its
        medial (0) to its lateral (1) edge; with ``out``, that many mm beyond the nearer edge
        (beside the muscle)."""
        z0, back, depth = self.disc_frame(disc)
        y, z = back + from_back * depth, z0 + dz
        start = np.array([self.sk.bodies["vertebra_l3"].center[0], y, z])
        hits = ray_hits(self.psoas, start, start + self.sign * X * 250)
        if len(hits) < 2:
            raise ValueError(
                f"psoas_major_{self.side} has no tissue {from_back} of the {disc} disc's depth from its "
                f"back, {dz:+g} mm from its centre"
            )
        stretches = hits[: len(hits) // 2 * 2].reshape(-1, 2, 3)
        medial, lateral = max(stretches, key=lambda pair: float(np.linalg.norm(pair[1] - pair[0])))
        if out:
            beyond = medial - self.sign * X * out if across <= 0.5 else lateral + self.sign * X * out
            return np.asarray(beyond)
        return np.asarray(medial + float(across) * (lateral - medial))

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
        elif spec.get("psoas") == "depth":
            base = self.psoas_at_depth(
                spec["disc"],
                float(spec["from_back"]),
                float(spec.get("across", 0.5)),
                float(spec.get("dz", 0.0)),
                float(spec.get("out", 0.0)),
            )
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
            midline = float(self.sk.landmarks["s1_endplate_center"][0])
            start = np.array([midline + self.sign * spec["lateral"], 250.0, ala[2] - spec["sacrum_front"]])
            hits = ray_hits(self.sacrum, start, start - Y * 400)
            if not len(hits):
                raise ValueError(f"no sacrum surface at {spec}")
            base = hits[0] + Y * spec.get("out", 0.0)
        else:
            raise ValueError(f"unknown control point {spec}")
        return np.asarray(base, dtype=float) + offset

    def tube(self, course: list[dict[str, Any]], radius: float) -> tuple[pv.PolyData, np.ndarray]:
        """A course's tube; one that starts in a foramen narrows to the room it leaves, and
        between its first and last ``psoas: depth`` points inside the muscle (no ``out``) it
        stays inside psoas."""
        control = np.array([self.point(spec) for spec in course])
        curve, _ = smooth_curve(control, samples_per_mm=0.5)
        placed = [k for k, spec in enumerate(course) if spec.get("psoas") == "depth" and not spec.get("out")]
        if placed:
            nearest = [int(np.argmin(np.linalg.norm(curve - control[k], axis=1))) for k in placed]
            curve = self.keep_in_psoas(curve, nearest[0], nearest[-1], radius)
        return _tube(curve, radius, self.foramen_room if "foramen" in course[0] else None), curve

    def keep_in_psoas(self, curve: np.ndarray, first: int, last: int, radius: float) -> np.ndarray:
        """The samples ``first``..``last`` of a centreline moved where they lie shallower than
        ``IN_PSOAS`` (half the nerve's radius and a margin) under the psoas' surface, or out
        of it, to that depth inside (a spline through control points placed in a muscle of
        slips bulges out of it between them), then smoothed."""
        depth = IN_PSOAS[0] * radius + IN_PSOAS[1]
        curve = np.array(curve, dtype=float)
        for _ in range(4):
            stretch = curve[first : last + 1]
            gap = np.asarray(pv.PolyData(stretch).compute_implicit_distance(self.psoas)["implicit_distance"])
            shallow = np.flatnonzero(gap > -depth)
            if not len(shallow):
                break
            _, closest = self.psoas.find_closest_cell(stretch[shallow], return_closest_point=True)
            closest = np.atleast_2d(closest)
            inward = np.where(gap[shallow, None] < 0, stretch[shallow] - closest, closest - stretch[shallow])
            length = np.linalg.norm(inward, axis=1)
            ok = length > 1e-6
            stretch[shallow[ok]] = closest[ok] + inward[ok] / length[ok, None] * depth
            stretch[1:-1] = (stretch[:-2] + 2 * stretch[1:-1] + stretch[2:]) / 4
            curve[first : last + 1] = stretch
        return curve

    def _spine_gap(self, points: np.ndarray) -> np.ndarray:
        """Signed distance (mm) of points from the nearest of the spine's bones and the 12th
        rib: negative inside bone."""
        cloud = pv.PolyData(np.asarray(points, dtype=float))
        gap = np.full(len(points), np.inf)
        for name, bone in self.sk.bones.items():
            if name.startswith("vertebra_") or name in ("sacrum", f"rib_12_{self.side}"):
                gap = np.minimum(gap, np.asarray(cloud.compute_implicit_distance(bone)["implicit_distance"]))
        return gap

    def foramen_exit(self, foramen: np.ndarray) -> np.ndarray:
        """Where a ramus is 6-8 mm out of its foramen by the freest way (sideways, within 60
        degrees of straight out): the foramen is walled by the pedicles above and below, the
        body and disc in front and the facet joint behind, and its root leaves it high, under
        the pedicle above."""
        angles = np.radians(np.arange(-60, 61, 10))
        fore, up = (a.ravel() for a in np.meshgrid(angles, angles))
        ways = np.column_stack([self.sign * np.cos(fore) * np.cos(up), np.sin(fore) * np.cos(up), np.sin(up)])
        best, where = -np.inf, foramen
        for length in (6.0, 8.0):
            steps = np.array([0.3, 0.6, 1.0]) * length
            samples = foramen + ways[:, None, :] * steps[None, :, None]
            room = self._spine_gap(samples.reshape(-1, 3)).reshape(len(ways), len(steps)).min(axis=1)
            k = int(np.argmax(room))
            if room[k] > best:
                best, where = float(room[k]), samples[k, -1]
        return np.asarray(where)

    def foramen_room(self, points: np.ndarray) -> np.ndarray:
        """How far (mm) each point of a course out of a foramen lies from the spine's bones and
        the 12th rib over its first ``FORAMEN_MM`` (0 inside bone), and unlimited after."""
        along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
        room = np.full(len(points), np.inf)
        near = along < FORAMEN_MM
        room[near] = np.maximum(self._spine_gap(points[near]), 0.0)
        return room

    def plexus(self) -> tuple[pv.PolyData, dict[str, np.ndarray]]:
        """Ventral rami T12-L4 from their foramina to where each joins the plexus in psoas
        (``inside``), the loops between them, each through its ``via`` points, and on from
        the last through the ``below`` points."""
        spec = self.recipe["lumbar_plexus"]
        parts, inside = [], {}
        for ramus in spec["rami"]:
            start = self.point({"foramen": ramus["foramen"]})
            end = self.point(ramus["inside"])
            out = self.foramen_exit(start)
            mid = 0.5 * (out + end) + Y * 2
            tube, _ = self.tube_points([start, out, mid, end], spec["radius"], self.foramen_room)
            parts.append(tube)
            inside[ramus["root"]] = end
        loops = [
            [inside[upper["root"]], *(self.point(p) for p in lower.get("via", [])), inside[lower["root"]]]
            for upper, lower in itertools.pairwise(spec["rami"])
        ]
        if "below" in spec:  # on from the last ramus to where the terminal branches leave
            loops.append([inside[spec["rami"][-1]["root"]], *(self.point(p) for p in spec["below"])])
        for control in loops:
            if len(control) == 2:
                control.insert(1, 0.5 * (control[0] + control[1]) + self.sign * X * 3)
            curve, _ = smooth_curve(np.array(control), samples_per_mm=0.5)
            curve = self.keep_in_psoas(curve, 0, len(curve) - 1, spec["radius"] * 0.8)
            parts.append(_tube(curve, spec["radius"] * 0.8))
        merged = pv.merge(parts).triangulate().clean()
        return merged, inside

    def tube_points(
        self, control: list[np.ndarray], radius: float, room: Room | None = None
    ) -> tuple[pv.PolyData, np.ndarray]:
        curve, _ = smooth_curve(np.array(control), samples_per_mm=0.5)
        return _tube(curve, radius, room), curve

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
