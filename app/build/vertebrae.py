"""Lumbar vertebrae morphed to a published morphometric table (``meshes/recipes/vertebrae.yaml``).

myo-sim's lumbar vertebrae have bodies of about the same width from L1 to L5; real bodies
widen down the column. Each vertebra is given one smooth warp in its own frame (lateral,
antero-posterior, along the spine, about its body's centre), applied to the refined mesh and
to every model site on that vertebra before the discs, landmarks and soft tissue are built
from them, so those follow the bone they sit on:

- the body widens laterally to the table's upper endplate width, blended out behind the
  posterior wall so the canal, pedicles and facets keep their size;
- the body deepens forward about its posterior wall, where the table gives a depth: at its
  endplates, tapering to nothing at mid-height, where bodies are waisted (the CT mean of
  Clouthier et al. 2023 is 4-5 mm shallower there than at its rims at L2 and L3, myo-sim's
  1-3 mm) and where the body's centre, and so the rig's joint centres, are read;
- the transverse processes stretch outward beyond the pedicles, where the table gives the
  span tip to tip;
- the spinous process stretches back along its own axis (from the back of the canal to its
  tip; it slopes down), where the table gives its reach from the body's posterior wall: a
  band 12 mm wide about the midline, the stretch growing linearly from the laminae's junction
  (which, with the canal, stays) to the tip; the articular processes, 10 mm and more from
  the midline, and so the facets, stay;
- each pedicle's lateral wall moves sideways to the table's pedicle width (L1-L4 narrower,
  L5 wider), within the pedicle only, from the body's posterior wall back to where the
  transverse process's root begins: the canal's wall stays, the shift grows evenly across
  the pedicle and fades beyond it, so the transverse process's tip, the body and the facets
  stay.

Nothing moves along the spine: the endplates, disc spaces and joint centres stay where the
assembly put them. ``measure`` reads the same dimensions off a mesh, for the build's record
and the tests (tests/anatomy/test_vertebral_proportions.py measures the shipped meshes
independently).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvista as pv
import yaml

from app.build.spine import VertebralBody, inferior_endplate, measure_body, ray_hits

RECIPE = "vertebrae.yaml"
#: Morphed levels (T12 comes from the thoracic model and is not in the lumbar tables).
LEVELS = ("l1", "l2", "l3", "l4", "l5")
#: How far below the superior endplate's plane its width and depth are read (mm): the rim,
#: where a caliper on a dry bone reads them, below the endplate's central concavity.
ENDPLATE_SECTION_DEPTH = 3.0
#: How far in front of the posterior wall the endplate's width is read (mm): behind that, the
#: pedicles' roots join the body's back corners.
PEDICLE_ROOT = 4.0
#: Blend widths (mm): from body to arch across the posterior wall, and at the root of the
#: transverse processes (short: the facets a few millimetres medial of the body's rim must not
#: move, for the source's L3/L4 facets already overlap by 2.5 mm).
WALL_BLEND = 2.5
PROCESS_BLEND = 1.0
#: The spinous process: half the width of the band about the midline that is read and
#: stretched as the process (mm; the laminae's inferior articular processes lie 10 mm and more
#: from the midline and are left in place), how sharply that band ends (mm), and the blend where
#: the stretch starts, at the back of the canal (mm).
SPINOUS_HALF_WIDTH = 6.0
SPINOUS_EDGE = 1.0
SPINOUS_BLEND = 1.0
#: The share of the spinous process, from the back of the canal toward its tip, that is left
#: as it is (where the laminae meet); the rest stretches evenly along the process's axis, so
#: it lengthens as it lies and its old tip ends inside it no deeper than the process is thick
#: (the build's test of the bones against their source allows 4 mm: L4 comes to 3.98).
SPINOUS_FIXED = 0.1
#: The pedicles, read by rays run outward from the vertebral canal (the canal's lateral wall
#: to the pedicle's lateral wall, a caliper's transverse pedicle width) in axial planes from
#: just behind the body's posterior wall back to where the transverse process's root begins
#: (mm behind the wall), at heights above the body's centre over the pedicle (mm): the width
#: at each height is the narrowest along the pedicle (its isthmus), the pedicle's width the
#: widest of those (at its mid-height), its height the bone's vertical extent through there.
PEDICLE_BEHIND = (0.5, 6.0)
PEDICLE_HEIGHTS = (0.0, 16.0)
PEDICLE_STEP = 0.5
#: Rays from the midline that start less than this far from it are in the canal's midline
#: bone (the laminae's junction), not at its lateral wall (mm).
CANAL_MIN = 4.0
#: The pedicle warp: how far behind the posterior wall it reaches at full strength (mm; the
#: transverse process's root and the articular processes lie behind), and how soft its
#: edges are, front to back and up and down (mm).
PEDICLE_REACH = 4.0
PEDICLE_BLEND = 1.2
#: ... how far in front of the posterior wall (into the body's back corners) it reaches (mm),
#: and over how far beyond the pedicle's lateral wall the shift fades (mm; the transverse
#: process's root there follows, its tip stays).
PEDICLE_FRONT = 0.0
PEDICLE_FADE = 4.0


@dataclass(frozen=True)
class Frame:
    """A vertebra's own axes about its body's centre: lateral (toward the subject's right),
    anterior and superior (along the spine), orthonormal."""

    origin: np.ndarray
    lateral: np.ndarray
    anterior: np.ndarray
    superior: np.ndarray

    @classmethod
    def of(cls, body: VertebralBody, axis: np.ndarray) -> Frame:
        up = axis / np.linalg.norm(axis)
        lateral = np.array([1.0, 0.0, 0.0]) - up[0] * up
        lateral /= np.linalg.norm(lateral)
        return cls(body.center, lateral, np.cross(up, lateral), up)

    def local(self, points: np.ndarray) -> np.ndarray:
        offset = np.atleast_2d(points) - self.origin
        return np.column_stack([offset @ self.lateral, offset @ self.anterior, offset @ self.superior])

    def world(self, local: np.ndarray) -> np.ndarray:
        return (
            self.origin
            + local[:, [0]] * self.lateral
            + local[:, [1]] * self.anterior
            + local[:, [2]] * self.superior
        )


def load_table(recipes_dir: Path) -> dict[str, dict[str, float | None]]:
    """Level id (``vertebra_l1``...) -> target dimensions in mm (None: not morphed)."""
    with open(Path(recipes_dir) / RECIPE, encoding="utf-8") as handle:
        levels = yaml.safe_load(handle)["vertebrae"]["levels"]
    return {f"vertebra_{lvl}": dict(levels[lvl]) for lvl in LEVELS}


def measure(mesh: pv.PolyData, body: VertebralBody, axis: np.ndarray) -> dict[str, float]:
    """Upper endplate width and depth (at its rim), posterior body height, the span of the
    transverse processes tip to tip (Panjabi et al. 1992's EPWu, EPDu, VBHp and TPW), the
    spinous process's reach back from the body's posterior wall (through the body's centre)
    and the pedicles' width and height at their isthmus (``pedicle``, both sides' mean), in
    the vertebra's own frame."""
    frame = Frame.of(body, axis)
    up = frame.superior
    plate_centre, _ = inferior_endplate(mesh, body, -up)  # the superior one
    section = mesh.slice(normal=up, origin=plate_centre - ENDPLATE_SECTION_DEPTH * up)
    rim = frame.local(np.asarray(section.points))
    midline = (rim[:, 1] > -body.half_depth - 4.0) & (np.abs(rim[:, 0]) < 4.0)  # before the canal
    wall = rim[midline, 1].min()
    in_body = rim[:, 1] > wall + PEDICLE_ROOT  # the pedicles leave the body's back corners
    heights = []
    for ahead in np.linspace(0.55, 0.85, 4) * -body.half_depth:  # the posterior third
        at = frame.world(np.array([[0.0, ahead, 0.0]]))[0]
        hits = ray_hits(mesh, at + 40.0 * up, at - 40.0 * up)
        if len(hits) >= 2:
            heights.append(float((hits[0] - hits[-1]) @ up))
    everything = frame.local(np.asarray(mesh.points))
    back = _posterior_wall(mesh, frame)
    near_midline = np.abs(everything[:, 0]) < SPINOUS_HALF_WIDTH
    sides = [pedicle(mesh, frame, back, side) for side in (1.0, -1.0)]
    return {
        "body_width": float(np.ptp(rim[in_body, 0])),
        "body_depth": float(np.ptp(rim[midline, 1])),
        "body_height": max(heights),
        "transverse_span": float(np.ptp(everything[:, 0])),
        "spinous_reach": float(back - everything[near_midline, 1].min()),
        "pedicle_width": float(np.mean([found.width for found in sides])),
        "pedicle_height": float(np.mean([found.height for found in sides])),
    }


@dataclass(frozen=True)
class Pedicle:
    """One pedicle measured in its vertebra's frame (mm): its transverse width and vertical
    height at its isthmus, the distances of its medial (canal) and lateral walls from the
    midline there, and the height above the body's centre where it is widest."""

    width: float
    height: float
    inner: float
    outer: float
    level: float
    behind: float  # how far behind the body's posterior wall the isthmus is
    wall: float  # the body's posterior wall (antero-posterior, through the body's centre)


def pedicle(mesh: pv.PolyData, frame: Frame, wall: float, side: float) -> Pedicle:
    """The pedicle on one side (``side`` +1: the subject's right, -1: left); ``wall``: the
    antero-posterior coordinate of the body's posterior wall (see ``PEDICLE_BEHIND``)."""
    best: tuple[float, float, float, float, float] | None = None  # width, inner, outer, c, d
    for c in np.arange(PEDICLE_HEIGHTS[0], PEDICLE_HEIGHTS[1] + 1e-9, PEDICLE_STEP):
        narrowest: tuple[float, float, float, float, float] | None = None
        for d in np.arange(PEDICLE_BEHIND[0], PEDICLE_BEHIND[1] + 1e-9, PEDICLE_STEP):
            start = frame.world(np.array([[0.0, wall - d, c]]))[0]
            hits = ray_hits(mesh, start, start + side * 45.0 * frame.lateral)
            if len(hits) < 2:
                continue
            across = np.abs(frame.local(hits)[:2, 0])
            if across[0] < CANAL_MIN:
                continue
            found = (float(across[1] - across[0]), float(across[0]), float(across[1]), float(c), float(d))
            if narrowest is None or found[0] < narrowest[0]:
                narrowest = found
        if narrowest is not None and (best is None or narrowest[0] > best[0]):
            best = narrowest
    if best is None:
        raise ValueError("no pedicle found beside the vertebral canal")
    width, inner, outer, c, d = best
    middle = frame.world(np.array([[side * (inner + outer) / 2, wall - d, c]]))[0]
    hits = ray_hits(mesh, middle + 40.0 * frame.superior, middle - 40.0 * frame.superior)
    along = frame.local(hits)[:, 2] if len(hits) else np.empty(0)
    above, below = along[along > c], along[along < c]
    height = float(above.min() - below.max()) if len(above) and len(below) else 0.0
    return Pedicle(width, height, inner, outer, c, d, wall)


def _posterior_wall(mesh: pv.PolyData, frame: Frame) -> float:
    """Antero-posterior coordinate (local) of the body's back, through its centre."""
    hits = ray_hits(mesh, *frame.world(np.array([[0.0, 60.0, 0.0], [0.0, -60.0, 0.0]])))
    return float(frame.local(hits[1])[0, 1])  # behind the front


def spinous_extent(mesh: pv.PolyData, body: VertebralBody, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the spinous process begins, at the back of the vertebral canal at the midline
    (where the laminae meet), and its tip, the furthest back point near the midline: each
    (antero-posterior, superior) in the vertebra's own frame."""
    frame = Frame.of(body, axis)
    wall = _posterior_wall(mesh, frame)
    start = frame.world(np.array([[0.0, wall - 3.0, 0.0]]))[0]
    hits = ray_hits(mesh, start, start - 60.0 * frame.anterior)
    everything = frame.local(np.asarray(mesh.points))
    near_midline = everything[np.abs(everything[:, 0]) < SPINOUS_HALF_WIDTH]
    tip = near_midline[near_midline[:, 1].argmin()]
    return frame.local(hits[0])[0, 1:], tip[1:]


def _toward_endplates(along: np.ndarray | float, half_height: float) -> np.ndarray:
    """0 at the body's mid-height, rising smoothly to 0.86 at its endplates (``along``: the
    height above the body's centre)."""
    return np.asarray(1.0 - np.exp(-2.0 * (np.asarray(along) / half_height) ** 2))


def _softplus(x: np.ndarray, scale: float) -> np.ndarray:
    """A ramp rounded over ``scale``: 0 well below zero, x well above."""
    return scale * np.logaddexp(0.0, x / scale)


@dataclass(frozen=True)
class Warp:
    """The smooth warp of one vertebra (see the module): lateral scale of the body, forward
    scale of the body about its posterior wall, outward stretch of the transverse tips,
    backward stretch of the spinous process."""

    frame: Frame
    posterior_wall: float  # antero-posterior coordinate of the body's back (local, mm)
    width_scale: float
    depth_scale: float  # at the endplates (see ``_toward_endplates``)
    half_height: float  # of the body, from its centre to its endplates (mm)
    process_root: float  # lateral distance where the transverse processes start to stretch
    process_gain: float  # how far each tip moves outward (mm)
    process_reach: float  # lateral distance of the tips before the warp
    #: Where the spinous process starts and where its tip is before the warp, each
    #: (antero-posterior, superior), and how far back the tip moves (mm).
    spinous_root: tuple[float, float] = (0.0, 0.0)
    spinous_tip: tuple[float, float] = (-1.0, 0.0)
    spinous_gain: float = 0.0
    #: The pedicles before the warp (``pedicle``, both sides alike) and how far their lateral
    #: walls move outward (mm; negative: inward).
    pedicle: Pedicle | None = None
    pedicle_gain: float = 0.0

    def __call__(self, points: np.ndarray) -> np.ndarray:
        a, b, c = self.frame.local(points).T
        behind_wall = b - self.posterior_wall
        in_body = 1.0 / (1.0 + np.exp(-behind_wall / WALL_BLEND))
        lateral = a * (1.0 + (self.width_scale - 1.0) * in_body)
        if self.process_gain:
            span = self.process_reach - self.process_root
            out = _softplus(np.abs(a) - self.process_root, PROCESS_BLEND) / span
            lateral += np.sign(a) * (1.0 - in_body) * self.process_gain * out
        if self.pedicle_gain and self.pedicle is not None:
            lateral += np.sign(a) * self._pedicle_shift(np.abs(a), b, c)
        deeper = (self.depth_scale - 1.0) * _toward_endplates(c, self.half_height)
        forward = b + deeper * _softplus(behind_wall, WALL_BLEND)
        up = c
        if self.spinous_gain:
            # Along the process's own axis (it slopes down), so it lengthens as it lies.
            root, tip = np.asarray(self.spinous_root), np.asarray(self.spinous_tip)
            along = (tip - root) / np.linalg.norm(tip - root)
            root = root + SPINOUS_FIXED * (tip - root)  # the stretch starts here
            length = float(np.linalg.norm(tip - root))
            out = ((b - root[0]) * along[0] + (c - root[1]) * along[1]) / length
            band = 1.0 / (1.0 + np.exp((np.abs(a) - SPINOUS_HALF_WIDTH) / SPINOUS_EDGE))
            moved = self.spinous_gain / -along[0] * band * _softplus(out * length, SPINOUS_BLEND) / length
            forward = forward + moved * along[0]
            up = c + moved * along[1]
        return self.frame.world(np.column_stack([lateral, forward, up]))

    def _pedicle_shift(self, across: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """How far each point moves outward with the pedicle's lateral wall: nothing at the
        canal's wall (the canal stays), growing evenly across the pedicle to its lateral wall,
        fading beyond it over ``PEDICLE_FADE`` (the transverse process's tip stays), and only
        within the pedicle: from the body's posterior wall back ``PEDICLE_REACH`` and over the
        pedicle's height, with soft edges (the body, the processes and facets stay)."""
        assert self.pedicle is not None
        inner, outer = self.pedicle.inner, self.pedicle.outer
        within = np.clip((across - inner) / (outer - inner), 0.0, 1.0)
        beyond = np.exp(-((np.maximum(across - outer, 0.0) / PEDICLE_FADE) ** 2))
        behind = self.pedicle.wall - b  # mm behind the body's back
        band = _window(behind, -PEDICLE_FRONT, PEDICLE_REACH, PEDICLE_BLEND)
        low, high = self.pedicle.level - self.pedicle.height / 2, self.pedicle.level + self.pedicle.height / 2
        band = band * _window(c, low - PEDICLE_BLEND, high + PEDICLE_BLEND, PEDICLE_BLEND)
        return np.asarray(self.pedicle_gain * within * beyond * band)


def _window(x: np.ndarray, low: float, high: float, soft: float) -> np.ndarray:
    """About 1 between ``low`` and ``high``, falling smoothly to 0 outside over ``soft``."""
    return np.asarray(1.0 / (1.0 + np.exp(-(x - low) / soft)) / (1.0 + np.exp((x - high) / soft)))


def fit_warp(
    now: dict[str, float],
    body: VertebralBody,
    axis: np.ndarray,
    target: dict[str, float | None],
    spinous: tuple[np.ndarray, np.ndarray] | None = None,
    pedicles: Pedicle | None = None,
    pedicle_gain: float | None = None,
) -> Warp:
    """The warp that takes a vertebra's dimensions (``measure``) to the table's, where it has
    them (``spinous``: ``spinous_extent``, where the spinous process starts and ends;
    ``pedicles``: one ``pedicle`` as it is, and ``pedicle_gain`` how far its lateral wall is
    to move, if not by the difference of the widths)."""
    half_span = now["transverse_span"] / 2
    depth = target.get("body_depth") or now["body_depth"]
    half_height = (body.superior - body.inferior) / 2
    rim = half_height - ENDPLATE_SECTION_DEPTH  # where ``measure`` reads the depth
    span = target.get("transverse_span")
    root, tip, gain = _spinous(now, target, spinous)
    width = target.get("pedicle_width")
    if pedicle_gain is None:
        pedicle_gain = width - now["pedicle_width"] if width and pedicles is not None else 0.0
    return Warp(
        frame=Frame.of(body, axis),
        posterior_wall=-body.half_depth,
        width_scale=(target.get("body_width") or now["body_width"]) / now["body_width"],
        depth_scale=1.0 + (depth / now["body_depth"] - 1.0) / float(_toward_endplates(rim, half_height)),
        half_height=half_height,
        process_root=now["body_width"] / 2,
        process_gain=(span - now["transverse_span"]) / 2 if span else 0.0,
        process_reach=half_span,
        spinous_root=root,
        spinous_tip=tip,
        spinous_gain=gain,
        pedicle=pedicles,
        pedicle_gain=pedicle_gain,
    )


def _spinous(
    now: dict[str, float], target: dict[str, float | None], spinous: tuple[np.ndarray, np.ndarray] | None
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The spinous process's start, tip and how far back its tip moves to the table's reach
    (0: not tabled)."""
    reach = target.get("spinous_reach")
    if not reach or spinous is None:
        return (0.0, 0.0), (-1.0, 0.0), 0.0
    root, tip = ((float(point[0]), float(point[1])) for point in spinous)
    return root, tip, reach - now["spinous_reach"]


def morph(
    bones: dict[str, pv.PolyData],
    bodies: dict[str, VertebralBody],
    axes: dict[str, np.ndarray],
    sites: dict[str, np.ndarray],
    site_bones: dict[str, str],
    table: dict[str, dict[str, float | None]],
) -> tuple[dict[str, pv.PolyData], dict[str, np.ndarray], dict[str, dict[str, dict[str, float]]]]:
    """Warp each tabled vertebra and the sites on it. Returns the bones, the sites and a
    record of each level's dimensions before and after (for PROVENANCE.json)."""
    bones, sites = dict(bones), dict(sites)
    record: dict[str, dict[str, dict[str, float]]] = {}
    for sid, target in table.items():
        before = measure(bones[sid], bodies[sid], axes[sid])
        frame = Frame.of(bodies[sid], axes[sid])
        pedicles = pedicle(bones[sid], frame, _posterior_wall(bones[sid], frame), 1.0)
        extent = spinous_extent(bones[sid], bodies[sid], axes[sid])
        warp = fit_warp(before, bodies[sid], axes[sid], target, extent, pedicles)
        # The pedicle's lateral wall moves with the warp's other parts a little (the body's
        # widening reaches behind its wall): aim again at what is left, twice.
        for _ in range(2 if warp.pedicle_gain else 0):
            trial = pv.PolyData(warp(np.asarray(bones[sid].points)), bones[sid].faces)
            got = measure(trial, bodies[sid], axes[sid])["pedicle_width"]
            gain = warp.pedicle_gain + float(target["pedicle_width"] or got) - got
            warp = fit_warp(before, bodies[sid], axes[sid], target, extent, pedicles, gain)
        mesh = pv.PolyData(warp(np.asarray(bones[sid].points)), bones[sid].faces.copy())
        bones[sid] = mesh.compute_normals(auto_orient_normals=True, split_vertices=False)
        for name, bone in site_bones.items():
            if bone == sid:
                sites[name] = warp(sites[name][None])[0]
        after = measure(bones[sid], measure_body(bones[sid]), axes[sid])
        record[sid] = {
            "before_mm": {k: round(v, 1) for k, v in before.items()},
            "after_mm": {k: round(v, 1) for k, v in after.items()},
        }
    return bones, sites, record
