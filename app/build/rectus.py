"""The rectus femoris: the two-joint hip flexor and knee extensor down the front of the thigh.

Built from the recipe ``meshes/recipes/rectus_femoris.yaml`` as the iliopsoas is: its
fascicles start on the hip bone (the straight head at the anterior inferior iliac spine, the
leg model's ``recfem-P1``; the reflected head above the acetabulum), join below the spine,
run down over the front of the femur and end on the base of the patella; their swept
spheres are blended into one surface kept out of bone. Its line of action for the length
readout starts at the leg model's ``recfem-P1`` and runs over a knot on the femur to one on
the tibia, placed so its length follows the leg model's (see the recipe).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyvista as pv

from app.build.fields import blended_surface
from app.build.landmarks import SIDES, snap
from app.build.muscles import Attachment, Fascicle, Skeleton, surface_region

X = np.array([1.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])


class RectusFemorisBuilder:
    """Builds one side's rectus femoris, its attachments and its path from the recipe."""

    def __init__(self, skeleton: Skeleton, recipe: dict[str, Any], side: str):
        self.sk = skeleton
        self.spec = recipe["rectus_femoris"]
        self.side = side
        self.suffix, self.sign = SIDES[side]
        self.attachments: list[Attachment] = []
        self.hip = skeleton.bones[f"hip_bone_{side}"]
        self.femur = skeleton.bones[f"femur_{side}"]
        self.patella = skeleton.bones[f"patella_{side}"]
        self.tibia = skeleton.bones[f"tibia_{side}"]

    def site(self, name: str) -> np.ndarray:
        return np.asarray(self.sk.sites[name + self.suffix], dtype=float)

    def straight_origin(self) -> np.ndarray:
        """The anterior inferior iliac spine: the leg model's origin, on our hip bone."""
        return snap(self.hip, self.site(self.spec["straight_head"]["site"]))

    def reflected_origin(self) -> np.ndarray:
        """The groove above the acetabulum, from the hip joint centre (see the recipe)."""
        spec = self.spec["reflected_head"]
        hjc = np.asarray(self.sk.landmarks[f"hip_joint_center_{self.side}"], dtype=float)
        guess = hjc + Z * spec["up"] + self.sign * X * spec["lateral"] - Y * spec["back"]
        return snap(self.hip, guess)

    def patellar_base(self) -> np.ndarray:
        """The base (upper border) of the patella, on its anterior half."""
        points = np.asarray(self.patella.points)
        front = points[points[:, 1] > np.median(points[:, 1])]
        return snap(self.patella, front[np.argmax(front[:, 2])])

    def _off_hip(self, point: np.ndarray, distance: float) -> np.ndarray:
        """The hip bone's surface nearest ``point``, lifted ``distance`` mm off it: the
        reflected head runs over the bone, not through it (carved away, it would come apart)."""
        on_bone = snap(self.hip, point)
        normal = self.hip.point_normals[self.hip.find_closest_point(on_bone)]
        return on_bone + normal * distance

    def _front_of_femur(self, z: float) -> float:
        """The femur's most anterior y at height ``z`` (its shaft or condyles)."""
        points = np.asarray(self.femur.points)
        level = points[np.abs(points[:, 2] - z) < 4]
        return float(level[:, 1].max())

    def muscle(self) -> pv.PolyData:
        """The blended belly from both heads to the patella; records the attachments."""
        spec = self.spec
        straight, reflected, base = self.straight_origin(), self.reflected_origin(), self.patellar_base()
        junction = straight - Z * spec["junction"]["below"] + Y * spec["junction"]["forward"]
        axis = []
        for station in spec["belly"]:
            point = junction + station["at"] * (base - junction)
            point[1] = max(point[1], self._front_of_femur(point[2]) + spec["over_femur"])
            axis.append((point, float(station["radius"])))
        tendon_end = base + Z * 2 + Y * 1
        fascicles = []
        for offset in spec["offsets"]:
            for start, start_radius in (
                (straight, spec["origin_radius"]),
                (reflected, spec["origin_radius"] * 0.8),
            ):
                f = Fascicle()
                f.add(start, start_radius)
                if start is reflected:  # round the front of the joint, off the bone, to the straight head
                    f.add(self._off_hip((reflected + straight) / 2, 5.0), start_radius * 1.3)
                    f.add(straight + Y * 8 - Z * 12, start_radius * 1.3)  # above the femoral head
                f.add(junction, spec["origin_radius"] * 1.5)
                for point, radius in axis:
                    f.add(point + self.sign * X * offset * radius, radius * spec["fascicle_fraction"])
                f.add(tendon_end + Z * 12 + Y * 2, spec["tendon_radius"] + 1.0)
                f.add(tendon_end, spec["tendon_radius"])
                fascicles.append(f)
        self._record_attachments(straight, reflected, base)
        bones = [self.hip, self.femur, self.patella, self.tibia]
        return blended_surface([f.sampled() for f in fascicles], bones, spec["triangles"])

    def _record_attachments(self, straight: np.ndarray, reflected: np.ndarray, base: np.ndarray) -> None:
        muscle, reach = f"rectus_femoris_{self.side}", self.spec["region_radius"]
        hip, patella = f"hip_bone_{self.side}", f"patella_{self.side}"
        # The tibial tuberosity is reached through the patellar ligament, which is not drawn:
        # it is in the muscle's path (paths.json), not among its painted attachments.
        for role, bone, mesh, name, point in (
            ("origin", hip, self.hip, "Anterior inferior iliac spine (straight head)", straight),
            ("origin", hip, self.hip, "Groove above the acetabulum (reflected head)", reflected),
            ("insertion", patella, self.patella, "Base of the patella (quadriceps tendon)", base),
        ):
            self.attachments.append(Attachment(muscle, role, bone, name, surface_region(mesh, point, reach)))

    def centreline(self) -> np.ndarray:
        """The belly's axis from the AIIS to the patella's base (for centrelines.json)."""
        spec = self.spec
        straight, base = self.straight_origin(), self.patellar_base()
        junction = straight - Z * spec["junction"]["below"] + Y * spec["junction"]["forward"]
        points = [straight, junction]
        for station in spec["belly"]:
            point = junction + station["at"] * (base - junction)
            point[1] = max(point[1], self._front_of_femur(point[2]) + spec["over_femur"])
            points.append(point)
        return np.array([*points, base])

    def paths(self) -> dict[str, list[dict[str, Any]]]:
        """The line of action for the length readout: the leg model's origin (``recfem-P1``
        where the leg model itself puts it, as for the iliacus, so lengths over the hip's
        motion are the model's), a knot on the femur in front of the knee and one on the
        tibia by the tuberosity (see the recipe's ``path``: fitted to the leg model's
        lengths, the patella's sliding being beyond a rigid rig). ``wrap`` 0: the first
        segment may wrap over the femoral head."""

        def knot(bone: str, point: np.ndarray) -> dict[str, Any]:
            return {"bone": bone, "point": [round(float(c), 2) for c in point]}

        def offset(spec: dict[str, Any]) -> np.ndarray:
            shift = np.array(spec["offset"], dtype=float) * np.array([self.sign, 1.0, 1.0])
            return self.site(spec["from_site"]) + shift

        spec = self.spec["path"]
        model_origin = np.asarray(self.sk.sites[f"model:recfem-P1{self.suffix}"], dtype=float)
        knots = [
            knot(f"hip_bone_{self.side}", model_origin),
            knot(f"femur_{self.side}", offset(spec["femur_knot"])),
            knot(f"tibia_{self.side}", offset(spec["tibia_knot"])),
        ]
        origin = "Anterior inferior iliac spine (straight head)"
        return {
            f"rectus_femoris_{self.side}": [{"name": "recfem", "origin": origin, "knots": knots, "wrap": 0}]
        }
