"""Section planes: where the scene is cut open, as the user, a lesson or a command asks.

A :class:`Section` is a plane (a point and a normal, in the rest frame: mm, RAS) with either
one side hidden or a slab of some thickness kept around it. It may be *snapped to a level*
(``L4/L5``, ``S1``, ``hip joint``...): the plane then goes through that level and moves with
its bones in every pose, as a cut through the L4/L5 disc should when the spine bends. A plane
not snapped stays where it is in space, as a scanner's slice does.

Qt-free and VTK-free: the renderer clips and caps along :meth:`SectionPlanes.plane`, and the
slice view measures what the plane cuts (:mod:`app.model.sections.cross_section`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from app.model.anatomy.landmarks import Point

#: The standard orientations and their normals (RAS): an axial plane's normal points up,
#: a coronal one's forward, a sagittal one's to the subject's right.
ORIENTATIONS: dict[str, Point] = {
    "axial": (0.0, 0.0, 1.0),
    "coronal": (0.0, 1.0, 0.0),
    "sagittal": (1.0, 0.0, 0.0),
}
#: The thinnest slab (thinner shows nothing at the meshes' resolution: the panel's least),
#: the thickest, and the farthest a plane may be put from the origin (mm).
MIN_SLAB_MM = 1.0
MAX_SLAB_MM = 400.0
MAX_OFFSET_MM = 1000.0

_VERTEBRAE = ("T12", "L1", "L2", "L3", "L4", "L5")


def _level_ids() -> tuple[str, ...]:
    ids: list[str] = []
    for upper, lower in zip(_VERTEBRAE, (*_VERTEBRAE[1:], "S1"), strict=True):
        ids += [upper, f"{upper}_{lower}"]
    return (*ids, "S1", "hip_joint")


#: The levels a plane snaps to, from top to bottom: each vertebra, the disc below it, S1 and
#: the hip joints. Ids use "_" (``L4_L5``); :func:`level_label` writes ``L4/L5``.
LEVELS: tuple[str, ...] = _level_ids()
#: The disc levels (where the trans-psoas safe zones are defined).
DISC_LEVELS: tuple[str, ...] = tuple(level for level in LEVELS if "_" in level and level != "hip_joint")


class SectionError(ValueError):
    """A section that cannot be made: an unknown level, a normal of zero length, a slab of
    no thickness. The message is one line, for the user."""


def level_label(level: str) -> str:
    """How a level is written for people: ``L4/L5``, ``hip joint``."""
    return "hip joint" if level == "hip_joint" else level.replace("_", "/")


def parse_level(text: str) -> str:
    """A level's id from what a user typed (``L4/L5``, ``l4-l5``, ``L4_L5``, ``hip joint``);
    raises :class:`SectionError` naming the levels there are."""
    key = re.sub(r"[\s/\-]+", "_", str(text).strip()).upper()
    if key in ("HIP", "HIP_JOINT", "HIP_JOINTS", "HIPS"):
        return "hip_joint"
    if key in LEVELS:
        return key
    choices = ", ".join(level_label(level) for level in LEVELS)
    raise SectionError(f"unknown level {text!r}; choose from {choices}")


def _unit(vector: Sequence[float], what: str = "normal") -> np.ndarray:
    values = np.asarray(vector, dtype=float).reshape(-1)
    if values.shape != (3,) or not np.isfinite(values).all():
        raise SectionError(f"a plane's {what} needs three finite numbers, got {list(vector)!r}")
    largest = float(np.abs(values).max())
    if largest < 1e-9:
        raise SectionError(f"a plane's {what} cannot be zero (no direction): {list(vector)!r}")
    values = values / largest  # (a length of 1e200 or more would overflow)
    return values / float(np.linalg.norm(values))


def _point(values: Sequence[float] | np.ndarray) -> Point:
    x, y, z = (round(float(v), 4) for v in values)
    return (x, y, z)


@dataclass(frozen=True)
class Section:
    """A cut through the scene: the plane through ``origin`` with unit ``normal`` (rest frame,
    mm, RAS). With ``slab_mm`` only a slab that thick, centred on the plane, is drawn; else
    the side the normal points to is hidden (the other side, ``flipped``). ``level``: the
    plane is snapped there and moves with that level's bones."""

    origin: Point = (0.0, 0.0, 0.0)
    normal: Point = (0.0, 0.0, 1.0)
    slab_mm: float | None = None
    flipped: bool = False
    level: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "normal", _point(_unit(self.normal)))
        origin = np.asarray(self.origin, dtype=float).reshape(-1)
        if origin.shape != (3,) or not np.isfinite(origin).all():
            raise SectionError(f"a plane's point needs three finite numbers, got {list(self.origin)!r}")
        if np.abs(origin).max() > MAX_OFFSET_MM:
            raise SectionError(f"a plane's point must lie within {MAX_OFFSET_MM:g} mm of the origin")
        object.__setattr__(self, "origin", _point(origin))
        if self.slab_mm is not None:
            slab = float(self.slab_mm)
            if not MIN_SLAB_MM <= slab <= MAX_SLAB_MM:  # NaN too
                raise SectionError(
                    f"a slab must be {MIN_SLAB_MM:g} to {MAX_SLAB_MM:g} mm thick, got {self.slab_mm!r}"
                )
            object.__setattr__(self, "slab_mm", slab)
        if self.level is not None:
            object.__setattr__(self, "level", parse_level(self.level))

    @property
    def orientation(self) -> str:
        """``axial``, ``coronal`` or ``sagittal`` when the normal is one of theirs (either
        way), else ``oblique``."""
        for name, normal in ORIENTATIONS.items():
            if abs(float(np.dot(self.normal, normal))) > 0.9999:
                return name
        return "oblique"

    @property
    def offset_mm(self) -> float:
        """How far the plane lies from the origin along its normal."""
        return float(np.dot(self.origin, self.normal))

    def moved_to(self, offset_mm: float) -> Section:
        """The same plane moved along its normal to ``offset_mm`` from the origin (a slider,
        a drag): no longer snapped to a level."""
        shift = float(offset_mm) - self.offset_mm
        origin = np.asarray(self.origin) + shift * np.asarray(self.normal)
        return replace(self, origin=_point(origin), level=None)

    def describe(self) -> str:
        """A short line for people: ``axial at L4/L5, slab 10 mm``."""
        where = f"at {level_label(self.level)}" if self.level else f"at {self.offset_mm:+.0f} mm"
        keep = f"slab {self.slab_mm:g} mm" if self.slab_mm else ("far side hidden" if self.flipped else "")
        return ", ".join(t for t in (f"{self.orientation} {where}", keep) if t)


@dataclass(frozen=True)
class Level:
    """Where a level's plane goes through (rest frame) and the bones it moves with."""

    point: Point
    bones: tuple[str, ...]


class SectionPlanes:
    """The data set's levels, and the plane a section makes in a pose.

    ``levels`` come from the landmarks (vertebral body centres, the sacral alae, the hip
    joint centres) and the discs' centres; ``pose_points(on, points)`` moves rest points on
    the structures ``on`` as the current pose does (the scene's posed points)."""

    def __init__(self, levels: Mapping[str, Level]):
        self.levels = dict(levels)

    @classmethod
    def from_landmarks(
        cls, landmarks: Mapping[str, Point], disc_centres: Mapping[str, Point]
    ) -> SectionPlanes:
        """The levels this data set can place (a level whose landmark is missing is left out)."""
        levels: dict[str, Level] = {}
        for level in LEVELS:
            if level == "hip_joint":
                hips = [landmarks.get(f"hip_joint_center_{side}") for side in ("right", "left")]
                if all(hips):
                    point = np.mean(np.asarray(hips, dtype=float), axis=0)
                    levels[level] = Level(_point(point), ("hip_bone_right", "hip_bone_left"))
            elif level == "S1":
                alae = [landmarks.get(f"sacral_ala_{side}") for side in ("right", "left")]
                endplate = landmarks.get("s1_endplate_center")
                if all(alae) and endplate:
                    z = float(np.mean([a[2] for a in alae]))  # type: ignore[index]
                    levels[level] = Level(_point((endplate[0], endplate[1], z)), ("sacrum",))
            elif "_" in level:
                upper, lower = level.lower().split("_")
                centre = disc_centres.get(f"disc_{upper}_{lower}")
                if centre is not None:
                    bones = (f"vertebra_{upper}", "sacrum" if lower == "s1" else f"vertebra_{lower}")
                    levels[level] = Level(_point(centre), bones)
            else:
                centre = landmarks.get(f"vertebral_body_center_{level.lower()}")
                if centre is not None:
                    levels[level] = Level(_point(centre), (f"vertebra_{level.lower()}",))
        return cls(levels)

    def snapped(self, section: Section, level: str) -> Section:
        """``section`` snapped to ``level`` (an id or as typed): through its point, with the
        same orientation, slab and side."""
        level = parse_level(level)
        if level not in self.levels:
            raise SectionError(f"this data set cannot place the level {level_label(level)}")
        return replace(section, origin=self.levels[level].point, level=level)

    def at(self, level: str, orientation: str = "axial", slab_mm: float | None = None) -> Section:
        """A new section at ``level`` (``L4/L5``...) in a standard orientation."""
        if orientation not in ORIENTATIONS:
            raise SectionError(f"unknown orientation {orientation!r}; choose from {', '.join(ORIENTATIONS)}")
        return self.snapped(Section(normal=ORIENTATIONS[orientation], slab_mm=slab_mm), level)

    def level_offsets(self, normal: Sequence[float]) -> dict[str, float]:
        """Each level's distance from the origin along ``normal`` (a slider's marks)."""
        unit = _unit(normal)
        return {name: float(np.dot(level.point, unit)) for name, level in self.levels.items()}

    def plane(
        self, section: Section, pose_points: Callable[[Sequence[str], np.ndarray], np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The plane (point, unit normal) ``section`` cuts along in the pose ``pose_points``
        moves points into: a snapped plane turns and moves with its level's bones."""
        origin = np.asarray(section.origin, dtype=float)
        normal = np.asarray(section.normal, dtype=float)
        level = self.levels.get(section.level) if section.level else None
        if level is None or pose_points is None:
            return origin, normal
        moved = pose_points(level.bones, np.array([origin, origin + 20.0 * normal]))
        return moved[0], _unit(moved[1] - moved[0])


class SectionSpec(BaseModel):
    """A section as lessons and bookmarks write it: ``section: L4/L5`` (axial, the part
    above hidden), or ``{level: L4/L5, orientation: coronal, slab: 10, flip: true}``, or a
    free plane ``{origin: [x, y, z], normal: [x, y, z]}`` (mm, RAS)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    level: str | None = None
    orientation: Literal["axial", "coronal", "sagittal"] | None = None
    origin: tuple[float, float, float] | None = None
    normal: tuple[float, float, float] | None = None
    #: A slab this thick (mm) instead of hiding one side.
    slab: float | None = None
    #: Hide the other side (below an axial plane, behind a coronal one, left of a sagittal one).
    flip: bool = False

    @model_validator(mode="before")
    @classmethod
    def _a_level_alone(cls, value: Any) -> Any:
        return {"level": value} if isinstance(value, str) else value

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        return None if value is None else parse_level(value)

    @model_validator(mode="after")
    def _a_plane(self) -> SectionSpec:
        if self.level is None and self.origin is None:
            raise ValueError("a section needs a 'level' (such as L4/L5) or an 'origin' point")
        if self.level is not None and self.origin is not None:
            raise ValueError("give a section either a 'level' or an 'origin', not both")
        if self.normal is not None and self.orientation is not None:
            raise ValueError("give a section either an 'orientation' or a 'normal', not both")
        self.section(SectionPlanes({}))  # a zero normal or a bad slab says so here
        return self

    def section(self, planes: SectionPlanes) -> Section:
        """The section this says, snapped to its level in ``planes`` (raises
        :class:`SectionError` when the data set cannot place the level)."""
        normal = self.normal or ORIENTATIONS[self.orientation or "axial"]
        section = Section(self.origin or (0.0, 0.0, 0.0), normal, self.slab, self.flip)
        if self.level is None or not planes.levels:
            return replace(section, level=self.level) if self.level else section
        return planes.snapped(section, self.level)

    @classmethod
    def of(cls, section: Section) -> SectionSpec:
        """How a section is written back (a bookmark of a cut scene)."""
        orientation = section.orientation
        standard = orientation if orientation != "oblique" else None
        if standard is not None and np.dot(section.normal, ORIENTATIONS[standard]) < 0:
            standard = None  # a standard plane turned round: keep its normal
        return cls(
            level=section.level,
            origin=None if section.level else section.origin,
            orientation=standard if standard != "axial" else None,
            normal=None if standard else section.normal,
            slab=section.slab_mm,
            flip=section.flipped,
        )
