"""What a section plane cuts: each structure's cut face, its area and centre, and where
each nerve lies in the muscle around it (the slice view, ``psoas-atlas section``).

The faces are found from the meshes themselves: trimesh intersects each surface with the
plane (segments), shapely builds the areas they enclose, holes and islands included. The
slice is drawn in the plane's own frame (:class:`SliceFrame`): axial slices seen from below
with the front at the top, as CT and MRI are shown; other planes seen from the side the
normal points to, head up.

Where a nerve lies is said as anatomists and surgeons say it: inside which muscle, in which
third from back to front, in the medial or lateral half, and at a disc level in which of the
four zones of the disc from front to back (Uribe et al. 2010, the trans-psoas safe zones).
Qt-free and VTK-free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from shapely.geometry.base import BaseGeometry

from app.fonts import DrawnLine
from app.model.anatomy.content import load_sources
from app.model.anatomy.landmarks import Point
from app.model.anatomy.structures import Kind, Structure
from app.model.io.documents import (
    Problem,
    line_at,
    plain,
    pydantic_problems,
    read_mapping,
)
from app.model.sections.planes import DISC_LEVELS, Section, level_label, parse_level

#: Cut points closer than this (mm) are one point: the same mesh edge cut from its two faces.
SNAP_MM = 1e-4
#: The Roman numerals of Uribe's four zones, front to back.
ZONES = ("I", "II", "III", "IV")
#: The file of published areas and safe zones, beside the other annotations.
SECTIONS_FILE = "sections.yaml"


@dataclass(frozen=True)
class SliceFrame:
    """The plane's own axes: ``u`` to the drawing's right, ``v`` up it, from ``origin``."""

    origin: np.ndarray
    normal: np.ndarray
    u: np.ndarray
    v: np.ndarray
    #: Whether the plane is axial enough to have a front and a back (``v`` is anterior).
    axial: bool

    @classmethod
    def of(cls, origin: np.ndarray, normal: np.ndarray) -> SliceFrame:
        origin, normal = np.asarray(origin, dtype=float), np.asarray(normal, dtype=float)
        normal = normal / np.linalg.norm(normal)
        axial = abs(float(normal[2])) >= 0.7
        up = np.array([0.0, 1.0, 0.0]) if axial else np.array([0.0, 0.0, 1.0])
        v = up - np.dot(up, normal) * normal
        if np.linalg.norm(v) < 1e-6:  # pragma: no cover - only for a plane at 45 deg exactly
            v = np.array([1.0, 0.0, 0.0]) - normal[0] * normal
        v /= np.linalg.norm(v)
        # Axial: seen from below (the subject's right on the left). Else from the normal's side.
        u = np.cross(normal, v) if axial else np.cross(v, normal)
        return cls(origin, normal, u, v, axial)

    def flat(self, points: np.ndarray) -> np.ndarray:
        """Points in space (N, 3) as drawing coordinates (N, 2), mm."""
        offset = np.asarray(points, dtype=float) - self.origin
        return np.column_stack([offset @ self.u, offset @ self.v])

    def space(self, points: np.ndarray) -> np.ndarray:
        """Drawing coordinates (N, 2) back in space (N, 3)."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        return self.origin + points[:, :1] * self.u + points[:, 1:] * self.v

    def edge_letters(self) -> dict[str, str]:
        """Which way the drawing's edges face the body (``{"left": "R", "top": "A", ...}``)."""

        def letter(direction: np.ndarray) -> str:
            axis = int(np.argmax(np.abs(direction)))
            return ("LR", "PA", "IS")[axis][int(direction[axis] > 0)]

        return {
            "right": letter(self.u),
            "left": letter(-self.u),
            "top": letter(self.v),
            "bottom": letter(-self.v),
        }


@dataclass(frozen=True)
class Cut:
    """One structure's cut face: its outline (drawing coordinates), area and centre."""

    structure: str
    shape: BaseGeometry
    area_cm2: float
    centroid: Point

    def rings(self) -> list[np.ndarray]:
        """Every boundary ring (outer and holes) as (N, 2) arrays, for drawing outlines."""
        return [np.asarray(ring.coords) for ring in _rings(self.shape)]

    def parts(self) -> list[shapely.Polygon]:
        """The separate pieces of the face (a muscle cut through two bellies has two)."""
        return list(getattr(self.shape, "geoms", [self.shape]))


@dataclass(frozen=True)
class NervePlace:
    """Where a nerve crosses the plane, and what lies around it."""

    nerve: str
    centroid: Point
    #: The drawing coordinates of the centre (for the dot).
    at: tuple[float, float]
    inside: str | None = None
    depth: str | None = None
    side: str | None = None
    zone: str | None = None
    #: Outside every muscle: the nearest one, how far (mm) and which way from it.
    near: str | None = None
    distance_mm: float | None = None
    direction: str | None = None
    #: At a disc: where the front edge and the centre of the cut lie, as shares of the disc's
    #: depth from its front (0) to its back (1), as sections.yaml gives published places.
    disc_share: tuple[float, float] | None = None

    def describe(self, name_of: Callable[[str], str] = str) -> str:
        """One line for people: ``in psoas major, posterior third, medial half (zone IV)``."""
        if self.inside:
            where = [f"in {name_of(self.inside)}"] + [w for w in (self.depth, self.side) if w]
        elif self.near:
            where = [f"{self.distance_mm:.0f} mm {self.direction} to {name_of(self.near)}"]
        else:
            where = ["in no muscle"]
        zone = f" (zone {self.zone})" if self.zone else ""
        return ", ".join(where) + zone

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"centroid": [round(c, 1) for c in self.centroid], "inside": self.inside}
        if self.inside:
            out.update(depth=self.depth, side=self.side)
        elif self.near:
            out.update(
                near=self.near, distance_mm=round(self.distance_mm or 0.0, 1), direction=self.direction
            )
        if self.zone:
            out["zone"] = self.zone
        if self.disc_share:
            out["disc_share"] = {
                "front_edge": round(self.disc_share[0], 3),
                "centre": round(self.disc_share[1], 3),
            }
        return out


@dataclass(frozen=True)
class Slice:
    """What ``section`` cuts in one pose: each structure's face and each nerve's place."""

    section: Section
    frame: SliceFrame
    cuts: dict[str, Cut]
    nerves: dict[str, NervePlace]
    #: Uribe's zone boundaries on the drawing's ``v`` axis (front to back, 5 values), when
    #: the plane is axial and cuts a disc; else empty.
    zone_bounds: tuple[float, ...] = ()
    #: The disc those zones divide.
    disc: str | None = None
    pose: Mapping[str, float] = field(default_factory=dict)

    @property
    def level(self) -> str | None:
        return self.section.level

    def as_json(self) -> dict[str, Any]:
        """The measures as ``section --json`` prints them (areas in cm², points in mm)."""
        return {
            "level": self.level,
            "z_mm": round(float(self.frame.origin[2]), 1),
            "plane": {
                "origin": [round(float(c), 1) for c in self.frame.origin],
                "normal": [round(float(c), 4) for c in self.frame.normal],
                **({"slab_mm": self.section.slab_mm} if self.section.slab_mm else {}),
            },
            **({"pose": dict(self.pose)} if self.pose else {}),
            "structures": {
                sid: {"area_cm2": round(cut.area_cm2, 2), "centroid": [round(c, 1) for c in cut.centroid]}
                for sid, cut in self.cuts.items()
            },
            "nerves": {nid: place.as_json() for nid, place in self.nerves.items()},
            **({"zones": {"disc": self.disc, "source": "uribe2010"}} if self.disc else {}),
        }


#: (vertices, triangles) of a structure's surface where the pose puts it.
SurfaceOf = Callable[[Structure], tuple[np.ndarray, np.ndarray]]


def face_of(points: np.ndarray, faces: np.ndarray, frame: SliceFrame) -> BaseGeometry | None:
    """The area a closed surface's cut by the frame's plane encloses (drawing coordinates),
    or None where the plane misses it."""
    import trimesh

    distance = (np.asarray(points) - frame.origin) @ frame.normal
    if distance.min() >= 0 or distance.max() <= 0:
        return None
    mesh = trimesh.Trimesh(points, faces, process=False, validate=False)
    segments = trimesh.intersections.mesh_plane(mesh, frame.normal, frame.origin)
    if len(segments) == 0:
        return None
    flat = frame.flat(segments.reshape(-1, 3)).reshape(-1, 2, 2)
    lines = shapely.set_precision(shapely.multilinestrings(flat), SNAP_MM)
    area = shapely.build_area(lines)
    if area.is_empty or area.area <= 0:
        return None
    return area


def cut_scene(
    structures: Iterable[Structure],
    surface_of: SurfaceOf,
    section: Section,
    origin: np.ndarray,
    normal: np.ndarray,
) -> Slice:
    """Cut every structure in ``structures`` with the plane (``origin``, ``normal``: the
    section where the pose puts it) and say where each cut nerve lies."""
    frame = SliceFrame.of(origin, normal)
    cuts: dict[str, Cut] = {}
    kinds: dict[str, Structure] = {}
    for structure in structures:
        points, faces = surface_of(structure)
        shape = face_of(points, faces, frame)
        if shape is None:
            continue
        centre = frame.space(np.array(shape.centroid.coords[0]))[0]
        cuts[structure.id] = Cut(structure.id, shape, shape.area / 100.0, _rounded(centre))
        kinds[structure.id] = structure
    disc = _disc_of(cuts, frame, section)
    bounds = _zone_bounds(surface_of(kinds[disc])[0], frame) if disc else ()
    muscles = [sid for sid, s in kinds.items() if s.kind is Kind.muscle]
    midline = _midline(cuts, kinds, frame)
    nerves = {
        sid: _place(cuts[sid], cuts, muscles, frame, midline, bounds, kinds[sid].side.value)
        for sid, s in kinds.items()
        if s.kind is Kind.nerve
    }
    return Slice(section, frame, cuts, nerves, bounds, disc)


def _disc_of(cuts: Mapping[str, Cut], frame: SliceFrame, section: Section) -> str | None:
    """The disc whose zones an axial slice shows: the level's disc when the plane is
    snapped to a disc level (a vertebra's level shows none), else the disc cut widest."""
    if not frame.axial:
        return None
    if section.level is not None:
        disc = "disc_" + section.level.lower() if section.level in DISC_LEVELS else None
        return disc if disc in cuts else None
    discs = [sid for sid in cuts if sid.startswith("disc_")]
    return max(discs, key=lambda sid: cuts[sid].area_cm2) if discs else None


def _zone_bounds(disc: np.ndarray, frame: SliceFrame) -> tuple[float, ...]:
    """The disc's whole depth from front to back, as a lateral radiograph shows it (not
    only what the plane cuts of a disc the lordosis tilts), in four equal zones (Uribe et
    al. 2010)."""
    depth = frame.flat(disc)[:, 1]
    front, back = float(depth.max()), float(depth.min())
    return tuple(front - (front - back) * k / 4 for k in range(5))


def _midline(cuts: Mapping[str, Cut], kinds: Mapping[str, Structure], frame: SliceFrame) -> float:
    """Where the body's midline crosses the drawing's ``u`` axis: the middle of the cut
    vertebral body or disc, else the plane's own origin."""
    for kind in (Kind.disc, Kind.bone):
        middle = [
            c for sid, c in cuts.items() if kinds[sid].kind is kind and kinds[sid].side.value == "midline"
        ]
        if middle:
            biggest = max(middle, key=lambda c: c.area_cm2)
            return float(biggest.shape.centroid.x)
    return 0.0


def _place(
    nerve: Cut,
    cuts: Mapping[str, Cut],
    muscles: list[str],
    frame: SliceFrame,
    midline: float,
    zone_bounds: tuple[float, ...],
    side: str,
) -> NervePlace:
    """Where a cut nerve lies: in which muscle and which part of it, or beside which one."""
    core = max(nerve.parts(), key=lambda p: p.area)
    dot = core.centroid
    at = (float(dot.x), float(dot.y))
    centroid = _rounded(frame.space(np.array(at))[0])
    zone = _zone(at[1], zone_bounds) if zone_bounds else None
    share = (disc_share(core.bounds[3], zone_bounds), disc_share(at[1], zone_bounds)) if zone_bounds else None
    # The psoas first: where the slips and the plexus overlap the psoas is what one reads.
    order = sorted(muscles, key=lambda sid: (not sid.startswith("psoas_major"), sid))
    for sid in order:
        for part in cuts[sid].parts():
            if part.contains(dot):
                depth, half = _within(part, at, frame, midline)
                return NervePlace(nerve.structure, centroid, at, sid, depth, half, zone, disc_share=share)
    if not muscles:
        return NervePlace(nerve.structure, centroid, at, zone=zone, disc_share=share)
    nearest = min(order, key=lambda sid: cuts[sid].shape.distance(dot))
    from_point, _ = shapely.ops.nearest_points(cuts[nearest].shape, dot)
    step = np.array(at) - np.array(from_point.coords[0])
    distance = float(np.linalg.norm(step))
    return NervePlace(
        nerve.structure,
        centroid,
        at,
        zone=zone,
        near=nearest,
        distance_mm=distance,
        direction=_direction(frame.space(step.reshape(1, 2))[0] - frame.origin, side),
        disc_share=share,
    )


def _within(part: shapely.Polygon, at: tuple[float, float], frame: SliceFrame, midline: float) -> tuple:
    """Which third from back to front and which half from the midline out a point lies in,
    within one piece of a muscle's face (None for a plane with no front and back)."""
    left, back, right, front = part.bounds
    depth = None
    if frame.axial and front > back:
        share = (at[1] - back) / (front - back)
        depth = ("posterior third", "middle third", "anterior third")[min(int(share * 3), 2)]
    inner, outer = (left, right) if abs(left - midline) < abs(right - midline) else (right, left)
    half = None
    if outer != inner:
        half = "medial half" if abs(at[0] - inner) < abs(outer - inner) / 2 else "lateral half"
    return depth, half


def disc_share(v: float, bounds: tuple[float, ...]) -> float:
    """Where a height ``v`` on the drawing lies along the disc's depth, from its front (0) to
    its back (1): below 0 in front of the disc, above 1 behind it."""
    front, back = bounds[0], bounds[-1]
    return float((front - v) / (front - back))


def _zone(v: float, bounds: tuple[float, ...]) -> str:
    """Uribe's zone (I front quarter of the disc ... IV back quarter) a point lies in."""
    front, back = bounds[0], bounds[-1]
    if v > front:
        return "anterior to I"
    if v < back:
        return "posterior to IV"
    share = (front - v) / (front - back)
    return ZONES[min(int(share * 4), 3)]


def _direction(step: np.ndarray, side: str) -> str:
    """The anatomical word for a small step in space (which way a nerve lies from the
    muscle beside it): lateral or medial for a nerve of the ``side`` given, else anterior,
    posterior, superior or inferior."""
    axis = int(np.argmax(np.abs(step)))
    if axis == 0:
        outward = float(step[0]) * (-1 if side == "left" else 1)
        return "lateral" if outward > 0 else "medial"
    if axis == 1:
        return "anterior" if step[1] > 0 else "posterior"
    return "superior" if step[2] > 0 else "inferior"


def _rings(shape: BaseGeometry) -> Iterable[shapely.LinearRing]:
    for polygon in getattr(shape, "geoms", [shape]):
        yield polygon.exterior
        yield from polygon.interiors


def _rounded(values: np.ndarray) -> Point:
    return (round(float(values[0]), 2), round(float(values[1]), 2), round(float(values[2]), 2))


# what the slice view compares with
#: Longest text of a published area or a safe zone (a line of the drawing's legend).
MAX_SAYS = 300


class PublishedArea(BaseModel):
    """A muscle's cross-sectional area measured on MRI at a level, with its source."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    level: str
    cm2: float = Field(gt=0, lt=200)
    #: Drawn beside the measured area.
    who: DrawnLine = Field(min_length=1, max_length=MAX_SAYS)
    source: str = Field(min_length=1)

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        return parse_level(value)


class SafeZone(BaseModel):
    """Where a lateral trans-psoas approach may enter a disc: a share of the disc's depth
    from its front (0) to its back (1), and how the source words it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    at: float = Field(ge=0, le=1)
    #: Drawn in the slice's legend.
    says: DrawnLine = Field(min_length=1, max_length=MAX_SAYS)


class NervePosition(BaseModel):
    """Where a source puts nerves of the lumbar plexus at a disc: the ``part`` of their cuts
    ``at`` a share of the disc's depth from its front (0) to its back (1), or ``behind`` one
    (there or further back), or their ``place`` against the psoas. ``nerves`` are structure
    ids without the side (both sides)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    nerves: list[str] = Field(min_length=1)
    part: Literal["front edge", "centre", "every part"] | None = None
    at: float | None = Field(default=None, ge=0, le=1)
    behind: float | None = Field(default=None, ge=0, le=1)
    place: Literal["in psoas", "in front of psoas"] | None = None
    source: str = Field(min_length=1)
    #: How the source words it.
    says: DrawnLine = Field(min_length=1, max_length=MAX_SAYS)

    @field_validator("nerves")
    @classmethod
    def _both_sides(cls, value: list[str]) -> list[str]:
        for nerve in value:
            if nerve.endswith(("_right", "_left")):
                raise ValueError(f"'{nerve}': name the nerve without its side (both sides are meant)")
        return value

    @model_validator(mode="after")
    def _one_measure(self) -> NervePosition:
        given = [key for key in ("at", "behind", "place") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(f"give one of 'at', 'behind' or 'place', not {' and '.join(given) or 'none'}")
        if self.place is None and self.part is None:
            raise ValueError(f"'{given[0]}' needs a 'part': front edge, centre or every part")
        if self.place is not None and self.part is not None:
            raise ValueError("'place' takes no 'part'")
        return self


class SectionFacts(BaseModel):
    """``annotations/sections.yaml``: published areas, the safe zones and where the plexus
    lies at each disc, with sources."""

    model_config = ConfigDict(extra="forbid")
    areas: dict[str, list[PublishedArea]] = Field(default_factory=dict)
    safe_zones_source: str = ""
    safe_zones: dict[str, SafeZone] = Field(default_factory=dict)
    nerve_positions: dict[str, list[NervePosition]] = Field(default_factory=dict)

    @field_validator("safe_zones", "nerve_positions")
    @classmethod
    def _disc_levels(cls, value: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, given in value.items():
            level = parse_level(key)
            if level not in DISC_LEVELS:
                raise ValueError(f"these are given at disc levels, not {level_label(level)}")
            out[level] = given
        return out

    def published(self, structure_id: str) -> list[PublishedArea]:
        """The published areas of a structure's muscle (either side)."""
        base = structure_id.removesuffix("_right").removesuffix("_left")
        return self.areas.get(base, [])


def load_section_facts(
    annotations_dir: Path, sources: Mapping[str, str] | None = None
) -> tuple[SectionFacts, list[Problem]]:
    """The published areas and safe zones beside the other annotations (see
    :func:`read_section_facts`), their sources checked against ``sources``, by default the
    bibliography beside them (whose own problems the library reports)."""
    if sources is None:
        sources = load_sources(Path(annotations_dir) / "sources.yaml")[0]
    return read_section_facts(Path(annotations_dir) / SECTIONS_FILE, sources)


def read_section_facts(path: Path, sources: Mapping[str, str]) -> tuple[SectionFacts, list[Problem]]:
    """Published areas and safe zones; a broken file gives none, and says where. A source
    the bibliography ``sources`` does not hold is a problem (the facts are kept: the drawing
    then cites the key as it is written)."""
    path = Path(path)
    document, problems = read_mapping(path)
    if document is None:
        return SectionFacts(), problems
    try:
        facts = SectionFacts.model_validate(plain(document))
    except ValidationError as exc:
        fields = (
            *("areas", "safe_zones", "safe_zones_source", "nerve_positions", "level", "cm2", "who"),
            *("source", "at", "says", "nerves", "part", "behind", "place"),
        )
        return SectionFacts(), [
            Problem(path, line_at(document, loc), message)
            for loc, message in pydantic_problems(exc.errors(), fields)
        ]
    cited: list[tuple[tuple[object, ...], str]] = [
        (("areas", m, i, "source"), a.source) for m, areas in facts.areas.items() for i, a in enumerate(areas)
    ]
    if facts.safe_zones_source:
        cited.append((("safe_zones_source",), facts.safe_zones_source))
    written = {parse_level(key): key for key in plain(document).get("nerve_positions") or {}}
    cited += [
        (("nerve_positions", written[level], i, "source"), position.source)
        for level, positions in facts.nerve_positions.items()
        for i, position in enumerate(positions)
    ]
    for loc, key in cited:
        if key not in sources:
            problems.append(Problem(path, line_at(document, loc), f"unknown source '{key}'"))
    return facts, problems
