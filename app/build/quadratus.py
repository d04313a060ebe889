"""The quadratus lumborum: a flat sheet behind the psoas, from the iliac crest to the 12th
rib and the transverse processes of L1-L4.

Built from the lumbar model's own fascicles (myo-sim's ``QL_*`` sites, after Christophy et
al. 2012): each runs from its lowest site to its highest, both snapped onto the bones they
join (the ilium, a transverse process, T12, the 12th rib), and the swept spheres are blended
into one surface kept out of bone, as the iliopsoas is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvista as pv

from app.build.fields import blended_surface, smooth_curve
from app.build.landmarks import SIDES, snap
from app.build.muscles import Attachment, Skeleton, surface_region
from app.build.spine import LEVELS

#: ``QL_<layer>_<from>-<to>_<point>_<side>``: the layer and the two ends of a fascicle.
_NAME = re.compile(r"^QL_(ant|mid|post)_([^_]+)-([^_]+)_.+_[rl]$")


@dataclass(frozen=True)
class Fibre:
    """One fascicle of the model: its two ends (lowest, highest site) and their bones."""

    name: str
    low: np.ndarray
    high: np.ndarray
    low_bone: str
    high_bone: str


def _bone_of(end: str, side: str) -> str:
    """The bone a fascicle end names: ``I.2`` the ilium, ``12.1`` the 12th rib, ``L3`` a
    lumbar transverse process, ``T12`` the T12 vertebra."""
    if end.startswith("I."):
        return f"hip_bone_{side}"
    if end.startswith("12."):
        return f"rib_12_{side}"
    if re.fullmatch(r"[LT]\d+", end):
        return f"vertebra_{end.lower()}"
    raise ValueError(f"unknown quadratus lumborum attachment {end!r}")


class QuadratusLumborumBuilder:
    """Builds one side's quadratus lumborum and its attachments from the recipe."""

    def __init__(self, skeleton: Skeleton, recipe: dict[str, Any], side: str):
        self.sk = skeleton
        self.spec = recipe["quadratus_lumborum"]
        self.side = side
        self.suffix, self.sign = SIDES[side]
        self.attachments: list[Attachment] = []

    def fibres(self) -> list[Fibre]:
        """The model's fascicles on this side, ends snapped onto their bones."""
        paths: dict[tuple[str, str, str], list[np.ndarray]] = {}
        for name, point in self.sk.sites.items():
            match = _NAME.match(name)
            if match and name.endswith(self.suffix):
                layer, low_end, high_end = match.groups()
                paths.setdefault((layer, low_end, high_end), []).append(np.asarray(point, dtype=float))
        fibres = []
        for (layer, low_end, high_end), points in sorted(paths.items()):
            ordered = sorted(points, key=lambda p: p[2])
            low_bone, high_bone = _bone_of(low_end, self.side), _bone_of(high_end, self.side)
            if high_bone == "vertebra_t12":
                high = self._t12_transverse_process()
            else:
                high = snap(self.sk.bones[high_bone], ordered[-1])
            fibres.append(
                Fibre(
                    f"{layer} {low_end}-{high_end}",
                    snap(self.sk.bones[low_bone], ordered[0]),
                    high,
                    low_bone,
                    high_bone,
                )
            )
        if not fibres:
            raise ValueError(f"no quadratus lumborum sites on the {self.side} side")
        return fibres

    def _t12_transverse_process(self) -> np.ndarray:
        """The tip of T12's transverse process on this side (its most lateral point). The
        model's T12 fascicles end on the side of the body, where the slip crossed in front of
        the T12/L1 foramen and so ran in front of the subcostal nerve; the muscle's fibres to
        T12 reach its transverse process (Gray's Anatomy 42nd ed., quadratus lumborum)."""
        points = self.sk.bones["vertebra_t12"].points
        return np.asarray(points[np.argmax(points[:, 0] * self.sign)], dtype=float)

    def muscle(self) -> pv.PolyData:
        """The blended sheet, carved out of the bones around it; records the attachments."""
        radius = self.spec["fascicle_radius"]
        fibres = self.fibres()
        field_curves = []
        for fibre in fibres:
            direction = fibre.high - fibre.low
            # Off the bone at each end, the belly set a little behind the straight line: the
            # muscle lies on the back of the posterior abdominal wall, behind the psoas.
            control = np.array(
                [
                    fibre.low,
                    fibre.low + 0.12 * direction,
                    fibre.low + 0.5 * direction - np.array([0.0, self.spec["belly_back"], 0.0]),
                    fibre.low + 0.88 * direction,
                    fibre.high,
                ]
            )
            radii = np.array([radius["end"], *[radius["belly"]] * 3, radius["end"]])
            field_curves.append(smooth_curve(control, radii))
        self._record_attachments(fibres)
        bones = {f.low_bone for f in fibres} | {f.high_bone for f in fibres}
        bones |= {f"vertebra_{level}" for level in LEVELS}
        around = [self.sk.bones[b] for b in sorted(bones)]
        return blended_surface(field_curves, around, self.spec["triangles"])

    def _record_attachments(self, fibres: list[Fibre]) -> None:
        muscle = f"quadratus_lumborum_{self.side}"
        reach = self.spec["region_radius"]

        def region(bone: str, ends: list[np.ndarray]) -> np.ndarray:
            unique = np.unique(np.round(np.array(ends), 1), axis=0)
            return np.vstack([surface_region(self.sk.bones[bone], end, reach) for end in unique])

        hip = f"hip_bone_{self.side}"
        iliac = [f.low for f in fibres if f.low_bone == hip]
        crest = "Iliac crest (posterior part) and iliolumbar ligament"
        self.attachments.append(Attachment(muscle, "origin", hip, crest, region(hip, iliac)))
        rib = f"rib_12_{self.side}"
        on_rib = [f.high for f in fibres if f.high_bone == rib]
        self.attachments.append(
            Attachment(muscle, "insertion", rib, "12th rib (lower border, medial half)", region(rib, on_rib))
        )
        levels = [f"vertebra_{level}" for level in LEVELS]
        vertebrae = [v for v in levels if any(f.high_bone == v for f in fibres)]  # T12 first
        for bone in vertebrae:
            level = bone.removeprefix("vertebra_").upper()
            ends = [f.high for f in fibres if f.high_bone == bone]
            name = f"{level} transverse process"  # its tip; T12's takes a few fibres
            self.attachments.append(Attachment(muscle, "insertion", bone, name, region(bone, ends)))
