"""The iliopsoas (psoas major, iliacus, psoas minor) and the inguinal ligament.

Built from the recipe ``meshes/recipes/iliopsoas.yaml``: fascicles start at attachment
points on the bones (myo-sim's psoas sites and points computed on the refined surfaces),
run beside the lumbar bodies in a belly whose size follows the recipe, follow the leg
model's psoas path over the pelvic brim and in front of the hip joint, and end on the
lesser trochanter. Their swept spheres are blended into one surface kept out of bone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyvista as pv
from scipy import ndimage

from app.build.fields import blended_surface, smooth_curve
from app.build.landmarks import SIDES, snap
from app.build.spine import DISCS, LEVELS, VertebralBody, ray_hits

MIN_REGION_POINTS = 8
X = np.array([1.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])


@dataclass
class Skeleton:
    """What the soft tissue is built on: bones and discs, vertebral bodies, sites, landmarks."""

    bones: dict[str, pv.PolyData]
    bodies: dict[str, VertebralBody]
    sites: dict[str, np.ndarray]
    landmarks: dict[str, np.ndarray]


@dataclass
class Attachment:
    """A named origin or insertion: surface points of a bone (mm, RAS)."""

    muscle: str
    role: str  # "origin" | "insertion"
    bone: str
    name: str
    points: np.ndarray

    def as_json(self) -> dict[str, Any]:
        return {
            "muscle": self.muscle,
            "role": self.role,
            "bone": self.bone,
            "name": self.name,
            "points": [[round(float(c), 2) for c in p] for p in self.points],
        }


@dataclass
class Fascicle:
    control: list[np.ndarray] = field(default_factory=list)
    radii: list[float] = field(default_factory=list)

    def add(self, point: np.ndarray, radius: float) -> None:
        self.control.append(np.asarray(point, dtype=float))
        self.radii.append(float(radius))

    def sampled(self) -> tuple[np.ndarray, np.ndarray]:
        return smooth_curve(np.array(self.control), np.array(self.radii))


def surface_region(
    mesh: pv.PolyData, centre: np.ndarray, radius: float, facing: np.ndarray | None = None
) -> np.ndarray:
    """Vertices of ``mesh`` within ``radius`` of ``centre`` (optionally facing a direction)."""
    normals = mesh.point_normals if facing is not None else None
    distance = np.linalg.norm(mesh.points - centre, axis=1)
    near = distance < radius
    if near.sum() < MIN_REGION_POINTS:  # a coarse bone: take the nearest vertices instead
        near = distance <= np.sort(distance)[MIN_REGION_POINTS - 1]
    if facing is not None and normals is not None:
        facing_ok = normals @ (facing / np.linalg.norm(facing)) > 0.1
        if (near & facing_ok).sum() >= 6:
            near &= facing_ok
    return np.asarray(mesh.points[near], dtype=float)


def _frame(tangent: np.ndarray, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """Lateral and anterior unit vectors across a muscle running along ``tangent``."""
    t = tangent / np.linalg.norm(tangent)
    lateral = sign * X - (sign * X @ t) * t
    lateral /= np.linalg.norm(lateral)
    anterior = np.cross(t, lateral) * sign
    if anterior @ Y < 0:
        anterior = -anterior
    return lateral, anterior


class IliopsoasBuilder:
    """Builds one side's iliopsoas, psoas minor and inguinal ligament from a recipe."""

    def __init__(self, skeleton: Skeleton, recipe: dict[str, Any], side: str):
        self.sk = skeleton
        self.recipe = recipe
        self.side = side
        self.suffix, self.sign = SIDES[side]
        self.attachments: list[Attachment] = []

    # helpers
    def site(self, name: str) -> np.ndarray:
        return np.asarray(self.sk.sites[name + self.suffix], dtype=float)

    def landmark(self, name: str) -> np.ndarray:
        return np.asarray(self.sk.landmarks[f"{name}_{self.side}"], dtype=float)

    def bone(self, structure_id: str) -> pv.PolyData:
        if structure_id in ("hip_bone", "femur"):
            structure_id = f"{structure_id}_{self.side}"
        return self.sk.bones[structure_id]

    def path_point(self, spec: dict[str, Any]) -> np.ndarray:
        """A point of a muscle's path: a site, or a site drawn ``fraction`` of the way toward
        another and ``lateral`` mm outward (the iliacus joining the psoas tendon's side)."""
        point = self.site(spec["site"])
        if "toward" in spec:
            point = point + spec["fraction"] * (self.site(spec["toward"]) - point)
            point = point + self.sign * X * spec.get("lateral", 0.0)
        return point

    def origin_point(self, spec: dict[str, Any]) -> np.ndarray:
        """The origin of a fascicle on its bone, from a site or from the body/disc geometry."""
        mesh = self.sk.bones[spec["bone"]]
        if "site" in spec:
            return snap(mesh, self.site(spec["site"]))
        if "body" in spec:
            body = self.sk.bodies[spec["bone"]]
            height = body.superior - body.inferior
            guess = body.center + self.sign * X * (body.half_width + 5) + Z * spec["body"] * height / 2
            return snap(mesh, guess)
        centre = np.asarray(mesh.center)
        extent = (mesh.bounds[1] - mesh.bounds[0]) / 2
        return snap(mesh, centre + self.sign * X * (extent + 5))

    def belly(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(centre, half-axes) of the psoas belly at each vertebral level, T12 to L5."""
        spec = self.recipe["psoas_major"]
        out = []
        for level in (f"vertebra_{lvl}" for lvl in LEVELS):
            body = self.sk.bodies[level]
            half = np.array(spec["belly"][level]["half_axes"], dtype=float)
            centre = body.center + self.sign * X * (body.half_width + spec["gap"] + half[0])
            centre = centre + Y * spec["belly"][level]["forward"]
            out.append((centre, half))
        return out

    # muscles
    def psoas_major(self) -> pv.PolyData:
        spec = self.recipe["psoas_major"]
        radius = spec["fascicle_radius"]
        belly = self.belly()
        l5_half = belly[-1][1]
        path = [(self.site(p["site"]), p["spread"]) for p in spec["path"]]
        insertion = self.landmark(spec["insertion"]["landmark"])
        centreline = np.array([c for c, _ in belly] + [p for p, _ in path] + [insertion])
        fascicles = []
        for origin_spec in spec["origins"]:
            origin = self.origin_point(origin_spec)
            slot = np.array(origin_spec["slot"], dtype=float)
            is_tp = "transverse process" in origin_spec["name"]
            outward = (Y * 1.0 + self.sign * X * 0.3) if is_tp else (self.sign * X + Y * 0.15)
            outward /= np.linalg.norm(outward)
            f = Fascicle()
            f.add(origin, radius["origin"] * 0.8)
            f.add(origin + outward * radius["origin"] - Z * 5, radius["origin"])
            for i, (centre, half) in enumerate(belly):
                if centre[2] > origin[2] - 14:
                    continue
                tangent = centreline[i - 1] - centreline[i + 1]
                lateral, anterior = _frame(tangent, self.sign)
                inner = np.maximum(half - radius["belly"] * 0.6, 0)
                f.add(centre + lateral * slot[0] * inner[0] + anterior * slot[1] * inner[1], radius["belly"])
            for j, (point, spread) in enumerate(path):
                k = len(belly) + j
                tangent = centreline[k - 1] - centreline[k + 1]
                lateral, anterior = _frame(tangent, self.sign)
                r = np.interp(
                    j, [0, len(path) - 2, len(path) - 1], [radius["belly"], radius["brim"], radius["tendon"]]
                )
                inner = l5_half * spread
                f.add(point + lateral * slot[0] * inner[0] + anterior * slot[1] * inner[1], r)
            f.add(insertion, radius["tendon"])
            fascicles.append(f)
            self.attachments.append(
                Attachment(
                    f"psoas_major_{self.side}",
                    "origin",
                    origin_spec["bone"],
                    origin_spec["name"],
                    surface_region(
                        self.sk.bones[origin_spec["bone"]], origin, spec["region_radius"], outward
                    ),
                )
            )
        femur = self.bone("femur")
        self.attachments.append(
            Attachment(
                f"psoas_major_{self.side}",
                "insertion",
                f"femur_{self.side}",
                "Lesser trochanter",
                surface_region(femur, insertion, spec["insertion"]["region_radius"]),
            )
        )
        tunnels = []
        for level in spec["arches"]["levels"]:
            arch, tunnel = self.tendinous_arch(level, spec["arches"])
            fascicles.append(arch)
            tunnels.append(tunnel)
        return self._surface(fascicles, self._nearby_bones(), spec["triangles"], hollows=tunnels)

    def paths(self) -> dict[str, list[dict[str, Any]]]:
        """Each muscle's line of action, as OpenSim and MuJoCo model it, for its length in any
        pose: per fascicle, knots fixed to bones (origin, via points, the insertion), and
        ``wrap``: the knot after which the path wraps over the femoral head. The psoas has the
        eleven fascicles of Christophy et al. 2012's lumbar model (:meth:`psoas_lines`); the
        iliacus one, the psoas minor one per slip."""

        def knot(bone: str, point: np.ndarray) -> dict[str, Any]:
            return {"bone": bone, "point": [round(float(c), 2) for c in point]}

        hip, femur = f"hip_bone_{self.side}", f"femur_{self.side}"
        iliacus = [
            knot(hip, self.model_site("iliacus-P1")),
            knot(hip, self.model_site("iliacus-P2")),
            knot(femur, self.site("iliacus-P3")),
            knot(femur, self.site("iliacus-P4")),
        ]
        minor = [
            {
                "name": s["name"],
                "knots": [knot(s["bone"], self.origin_point(s)), knot(hip, self.iliopubic_eminence())],
            }
            for s in self.recipe["psoas_minor"]["origins"]
        ]
        psoas = [
            {
                "name": name,
                "origin": origin_name,
                "knots": [knot(bone, point) for bone, point in knots],
                "wrap": wrap,
            }
            for name, origin_name, knots, wrap in self.psoas_lines()
        ]
        return {
            f"psoas_major_{self.side}": psoas,
            f"iliacus_{self.side}": [{"name": "Iliac fossa", "knots": iliacus, "wrap": 2}],
            f"psoas_minor_{self.side}": minor,
        }

    def model_site(self, name: str) -> np.ndarray:
        """A leg-model via point where the leg model itself puts it (not warped onto the CT
        pelvis), so the lengths over the hip's motion are the model's."""
        return np.asarray(self.sk.sites[f"model:{name}{self.suffix}"], dtype=float)

    def psoas_via(self) -> np.ndarray:
        """The lumbar model's pelvic via point of the psoas on this side, on the CT pelvis:
        the mean of the right site and the left one mirrored about the spine's midline, so
        both sides' fascicles are mirror images (the two warped sites differ by 2-3 mm)."""
        name = self.recipe["psoas_major"]["fascicles"]["via"]
        mid = float(np.mean([body.center[0] for body in self.sk.bodies.values()]))
        right = np.asarray(self.sk.sites[f"{name}_r"], dtype=float)
        left = np.asarray(self.sk.sites[f"{name}_l"], dtype=float)
        mean = (right + np.array([2 * mid - left[0], left[1], left[2]])) / 2
        return mean if self.side == "right" else np.array([2 * mid - mean[0], mean[1], mean[2]])

    def psoas_lines(self) -> list[tuple[str, str, list[tuple[str, np.ndarray]], int]]:
        """(model name, origin's name, knots as (bone, point), wrap) of each psoas fascicle.

        As in the lumbar model, each runs straight from its origin to the model's one pelvic
        via point (on the pelvis: lumbar motion changes only this line's length), then
        along the leg model's path: its first pelvic via point, two on the femur in front of
        the hip (where it wraps over the femoral head), the lesser trochanter. A path through
        a knot beside L5 fixed to the pelvis (as before) barely changed with lumbar flexion
        (-0.4 mm over 20 degrees): each chord from an origin to that knot ran behind the
        joint centres of the lordosis above it and in front of those below, and the two
        cancelled."""
        spec = self.recipe["psoas_major"]
        by_name = {o["name"]: o for o in spec["origins"]}
        hip, femur = f"hip_bone_{self.side}", f"femur_{self.side}"
        path: list[tuple[str, np.ndarray]] = [
            (hip, self.psoas_via()),
            (hip, self.model_site("psoas-P2")),
            (femur, self.site("psoas-P3")),
            (femur, self.site("psoas-P4")),
        ]
        out = []
        for line in spec["fascicles"]["lines"]:
            origin = line["origin"]
            origin_spec = by_name[origin] if isinstance(origin, str) else origin
            start = (origin_spec["bone"], self.origin_point(origin_spec))
            out.append((line["name"], origin_spec["name"], [start, *path], 2))
        return out

    def round_body(self, angle_deg: float) -> np.ndarray:
        """The horizontal unit direction ``angle_deg`` round this side of a vertebral body
        (0: straight ahead, 90: straight out sideways)."""
        angle = np.radians(angle_deg)
        return Y * np.cos(angle) + self.sign * X * np.sin(angle)

    def waist_point(self, level: str, outward: np.ndarray) -> np.ndarray:
        """Where the surface of a vertebral body is met at mid-height (its waist), looking in
        along ``outward`` (from :meth:`round_body`)."""
        body = self.sk.bodies[level]
        hits = ray_hits(self.sk.bones[level], body.center + outward * 80, body.center)
        return hits[0] if len(hits) else body.center + outward * body.half_width

    def tendinous_arch(
        self, level: str, spec: dict[str, Any]
    ) -> tuple[Fascicle, tuple[np.ndarray, np.ndarray]]:
        """The fibrous arch across the waist of a vertebral body, from the disc above to the
        disc below, and the tunnel it leaves over the body (where the lumbar vessels run) as
        (curve, radii): the arch joins the slips of the two discs into one margin."""
        upper, lower = (d for d, bones in DISCS.items() if level in bones)
        top, bottom = self.origin_point({"bone": upper}), self.origin_point({"bone": lower})
        tunnel_points = []
        for angle in np.arange(spec["from_deg"], spec["to_deg"] + 1, 5.0):
            outward = self.round_body(angle)
            tunnel_points.append(self.waist_point(level, outward) + outward * spec["radius"] * 0.8)
        tunnel, _ = smooth_curve(np.array(tunnel_points))
        # The arch's crown: over the tunnel, just outside it, where the belly meets the body.
        outward = self.round_body(spec["crown_deg"])
        crown = self.waist_point(level, outward) + outward * (spec["radius"] * 1.8 + spec["thickness"])
        arch = Fascicle()
        for point in (top, crown, bottom):
            arch.add(point, spec["thickness"])
        return arch, (tunnel, np.full(len(tunnel), float(spec["radius"])))

    def _nearby_bones(self) -> list[pv.PolyData]:
        names = [f"vertebra_{lvl}" for lvl in LEVELS] + [d for d in self.sk.bones if d.startswith("disc_")]
        names += ["sacrum", f"hip_bone_{self.side}", f"femur_{self.side}"]
        return [self.sk.bones[n] for n in names]

    def _surface(
        self,
        fascicles: list[Fascicle],
        bones: list[pv.PolyData],
        triangles: int,
        cap: tuple[np.ndarray, np.ndarray, float] | None = None,
        hollows: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    ) -> pv.PolyData:
        return blended_surface([f.sampled() for f in fascicles], bones, triangles, cap, hollows)

    def crest_profile(self) -> tuple[np.ndarray, np.ndarray]:
        """Height of the iliac crest (its highest point) every 3 mm from back to front."""
        points = self.bone("hip_bone").points
        wing = points[points[:, 2] > self.site(self.recipe["iliacus"]["brim_site"])[2]]
        ys = np.append(np.arange(wing[:, 1].min(), wing[:, 1].max(), 3.0), wing[:, 1].max())  # to the ASIS
        tops = np.array([wing[np.abs(wing[:, 1] - y) <= 3.0, 2].max() for y in ys])
        # Each height no higher than its neighbours' (the cap is interpolated between them),
        # then smoothed over about a centimetre but never lifted above that: the margin
        # follows the crest's curve, not its bumps, and never rises over a dip.
        lowest = ndimage.minimum_filter1d(tops, 3, mode="nearest")
        return ys, np.minimum(ndimage.gaussian_filter1d(lowest, 2.0, mode="nearest"), lowest)

    def iliac_fossa(self) -> tuple[np.ndarray, np.ndarray]:
        """Points and inward normals of the upper iliac fossa's surface (inner side of the wing)."""
        spec = self.recipe["iliacus"]
        hip = self.bone("hip_bone")
        normals, points = hip.point_normals, hip.points
        brim_z = self.site(spec["brim_site"])[2]
        crest_z = points[:, 2].max()
        low = crest_z - spec["fossa_upper_fraction"] * (crest_z - brim_z)
        # Lateral to this side's sacroiliac joint (the CT sacrum is not symmetric: its left
        # edge reaches 8 mm farther from the origin than its right).
        sacrum_edge = (self.sk.bones["sacrum"].points[:, 0] * self.sign).max()
        mask = (
            (normals[:, 0] * self.sign < -0.3)  # faces medially: the inner surface
            & (points[:, 2] > low)
            & (points[:, 1] > self.landmark("psis")[1] + 50)  # in front of the auricular surface
            & (points[:, 0] * self.sign > sacrum_edge + 5)
        )
        return np.asarray(points[mask]), np.asarray(normals[mask])

    def iliacus(self) -> pv.PolyData:
        spec = self.recipe["iliacus"]
        radius = spec["fascicle_radius"]
        points, normals = self.iliac_fossa()
        chosen = _farthest_points(points, spec["fossa_samples"])
        # The inner lip of the crest: in bins from front to back, the highest fossa point
        # under the margin the muscle keeps below the crest.
        ys, tops = self.crest_profile()
        under = points[:, 2] <= np.interp(points[:, 1], ys, tops) - spec["below_crest"]
        order = np.flatnonzero(under)[np.argsort(points[under, 1])]
        bins = np.array_split(order, spec["crest_samples"])
        crest = [int(b[np.argmax(points[b, 2])]) for b in bins if len(b)]
        origins = [(points[i], normals[i], 1.0) for i in chosen]
        # Along the crest, slim starts set deeper in, so the lip does not turn into beads.
        origins += [(points[i], normals[i], 0.5) for i in crest]
        fossa_centre = points.mean(axis=0)
        if spec.get("ala"):
            ala = self.landmark("sacral_ala")
            origins.append((ala, Z * 0.6 + Y * 0.8, 1.0))
        brim = self.site(spec["brim_site"])
        front_of_hip = self.site("PS_at_brim_site_psoas") + self.sign * X * spec["beside_psoas"] - Y * 2
        insertion = self.landmark(spec["insertion"]["landmark"]) - Z * spec["insertion"]["below"]
        insertion = snap(self.bone("femur"), insertion + self.sign * X * 3)
        fascicles = []
        hip = self.bone("hip_bone")
        femur = self.bone("femur")
        trochanter = self.landmark("lesser_trochanter")
        # Just off the trochanter's surface, so the tendon is not carved away with the bone.
        trochanter_clear = trochanter + femur.point_normals[femur.find_closest_point(trochanter)] * 3.0
        for origin, normal, start in origins:
            inward = normal / np.linalg.norm(normal)  # the bone's outward normal: into the muscle
            rel = origin - fossa_centre
            spread = self.sign * X * 0.12 * rel[1] + Y * 0.08 * rel[1]
            f = Fascicle()
            f.add(origin, radius["origin"] * 0.7 * start)
            f.add(origin + inward * spec["thickness"] * (1.3 - 0.6 * start), radius["origin"] * start)
            for fraction in (0.35, 0.65):
                # Follow the fossa's curve: a point on the surface pushed off it by the thickness.
                on_bone = snap(hip, (1 - fraction) * origin + fraction * brim)
                normal_there = hip.point_normals[hip.find_closest_point(on_bone)]
                f.add(on_bone + normal_there * spec["thickness"], radius["belly"])
            f.add(brim + spread, radius["belly"])
            f.add(front_of_hip + spread * 0.4, radius["brim"])
            for p in spec["path"]:
                f.add(self.path_point(p) + spread * p["spread"], radius["tendon"])
            f.add(trochanter_clear, radius["tendon"] + 0.5)
            f.add(insertion, radius["tendon"])
            fascicles.append(f)
        muscle = f"iliacus_{self.side}"
        hip_id = f"hip_bone_{self.side}"
        fossa_region = points[np.linalg.norm(points - fossa_centre, axis=1) < 1e9]
        self.attachments.append(
            Attachment(muscle, "origin", hip_id, "Iliac fossa (upper two thirds)", fossa_region)
        )
        crest_region = np.array([points[i] for i in crest])
        self.attachments.append(
            Attachment(muscle, "origin", hip_id, "Inner lip of the iliac crest", crest_region)
        )
        if spec.get("ala"):
            self.attachments.append(
                Attachment(
                    muscle, "origin", "sacrum", "Sacral ala", surface_region(self.sk.bones["sacrum"], ala, 8)
                )
            )
        region = np.vstack(
            [
                surface_region(femur, self.landmark("lesser_trochanter"), spec["insertion"]["region_radius"]),
                surface_region(femur, insertion, spec["insertion"]["region_radius"]),
            ]
        )
        self.attachments.append(
            Attachment(
                muscle,
                "insertion",
                f"femur_{self.side}",
                "Lesser trochanter and the shaft just below",
                region,
            )
        )
        bones = [
            self.bone("hip_bone"),
            self.sk.bones["sacrum"],
            self.bone("femur"),
            self.sk.bones["vertebra_l5"],
        ]
        # A smooth margin along the inner lip of the crest, never above it.
        return self._surface(fascicles, bones, spec["triangles"], cap=(ys, tops, spec["below_crest"]))

    def iliopubic_eminence(self) -> np.ndarray:
        """On the pelvic brim where the ilium meets the superior pubic ramus, above the acetabulum's front."""
        hjc = self.landmark("hip_joint_center")
        tubercle = self.landmark("pubic_tubercle")
        guess = 0.55 * hjc + 0.45 * tubercle + Z * 22
        return snap(self.bone("hip_bone"), guess)

    def psoas_minor(self) -> pv.PolyData:
        spec = self.recipe["psoas_minor"]
        radius = spec["fascicle_radius"]
        belly = self.belly()
        end = self.iliopubic_eminence()
        fascicles = []
        for origin_spec in spec["origins"]:
            origin = self.origin_point(origin_spec)
            f = Fascicle()
            f.add(origin, radius["origin"] * 0.8)
            outward = self.sign * X * 0.5 + Y
            f.add(origin + outward / np.linalg.norm(outward) * 9 - Z * 8, radius["origin"])
            for centre, half in belly[2:5]:
                # On the anterior surface of psoas major.
                f.add(centre + Y * (half[1] + radius["belly"] * 0.6) - self.sign * X * 2, radius["belly"])
            l5_centre, l5_half = belly[-1]
            f.add(l5_centre + Y * (l5_half[1] + 3) - self.sign * X * 6, radius["brim"])
            f.add(end + Y * 2 + Z * 6, radius["tendon"])
            f.add(end, radius["tendon"])
            fascicles.append(f)
            self.attachments.append(
                Attachment(
                    f"psoas_minor_{self.side}",
                    "origin",
                    origin_spec["bone"],
                    origin_spec["name"],
                    surface_region(
                        self.sk.bones[origin_spec["bone"]], origin, spec["region_radius"], self.sign * X
                    ),
                )
            )
        self.attachments.append(
            Attachment(
                f"psoas_minor_{self.side}",
                "insertion",
                f"hip_bone_{self.side}",
                "Iliopubic eminence and pectineal line",
                surface_region(self.bone("hip_bone"), end, spec["region_radius"]),
            )
        )
        return self._surface(fascicles, self._nearby_bones(), spec["triangles"])

    def inguinal_ligament(self) -> tuple[pv.PolyData, np.ndarray]:
        """A flat band from the ASIS to the pubic tubercle (the rolled-in lower border of the
        external oblique's aponeurosis); returns the mesh and its lower border's line."""
        spec = self.recipe["inguinal_ligament"]
        asis, tubercle = self.landmark("asis"), self.landmark("pubic_tubercle")
        mid = 0.5 * (asis + tubercle) - Z * spec["sag"] + Y * 4
        curve, _ = smooth_curve(
            np.array(
                [
                    asis,
                    0.75 * asis + 0.25 * tubercle - Z * spec["sag"] * 0.6 + Y * 3,
                    mid,
                    0.25 * asis + 0.75 * tubercle - Z * spec["sag"] * 0.6 + Y * 3,
                    tubercle,
                ]
            )
        )
        return _band(curve, spec["half_width"], spec["half_thickness"]), curve


def _band(line: np.ndarray, half_width: float, half_thickness: float) -> pv.PolyData:
    """A closed band along ``line``: a flat elliptical section, its broad face turned forward
    and up, rising from the line (its lower border) and narrowing to the line at both ends."""
    sides = 16
    angles = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    s = np.linspace(0.0, 1.0, len(line))
    taper = np.sin(np.pi * s) ** 0.5  # full width in the middle, a point-like end at the bones
    rings = []
    for i, centre in enumerate(line):
        tangent = line[min(i + 1, len(line) - 1)] - line[max(i - 1, 0)]
        tangent /= np.linalg.norm(tangent)
        broad = (Y + Z) - ((Y + Z) @ tangent) * tangent
        broad /= np.linalg.norm(broad)
        thin = np.cross(tangent, broad)
        width = max(half_width * taper[i], half_thickness)
        middle = centre + broad * 0.8 * width * taper[i]
        rings.append(
            middle + np.outer(np.cos(angles), broad * width) + np.outer(np.sin(angles), thin * half_thickness)
        )
    points = np.vstack([*rings, line[0], line[-1]])
    faces = []
    for i in range(len(line) - 1):
        for k in range(sides):
            a, b = i * sides + k, i * sides + (k + 1) % sides
            faces += [(a, b, b + sides), (a, b + sides, a + sides)]
    first, last = len(points) - 2, len(points) - 1
    end = (len(line) - 1) * sides
    faces += [(first, (k + 1) % sides, k) for k in range(sides)]
    faces += [(last, end + k, end + (k + 1) % sides) for k in range(sides)]
    band = pv.PolyData.from_regular_faces(points, np.array(faces)).clean()
    if band.volume < 0:
        band = band.flip_faces()
    return band.compute_normals(auto_orient_normals=True, split_vertices=False)


def _farthest_points(points: np.ndarray, count: int) -> list[int]:
    """Indices of ``count`` points spread evenly over ``points`` (farthest point sampling)."""
    chosen = [int(np.argmax(points[:, 2]))]
    dist = np.linalg.norm(points - points[chosen[0]], axis=1)
    for _ in range(count - 1):
        chosen.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return chosen
