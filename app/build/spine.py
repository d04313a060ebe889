"""Vertebral bodies, the T12 seating and the intervertebral discs.

The source model has no discs, and its T12 comes from a different (thoracic) model than
L1-L5, so it is seated on L1 here. Discs are generated to fill the space between adjacent
vertebral bodies: rays cast along the local spinal axis find the inferior endplate of the
upper body and the superior endplate of the lower one, and the region between them becomes
a closed surface by contouring a distance-like field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv
from scipy import ndimage

from app.build.refine import decimate_to

LEVELS = ("t12", "l1", "l2", "l3", "l4", "l5")
#: Disc id -> (upper bone id, lower bone id).
DISCS: dict[str, tuple[str, str]] = {
    "disc_t12_l1": ("vertebra_t12", "vertebra_l1"),
    "disc_l1_l2": ("vertebra_l1", "vertebra_l2"),
    "disc_l2_l3": ("vertebra_l2", "vertebra_l3"),
    "disc_l3_l4": ("vertebra_l3", "vertebra_l4"),
    "disc_l4_l5": ("vertebra_l4", "vertebra_l5"),
    "disc_l5_s1": ("vertebra_l5", "sacrum"),
}
#: Height of the T12/L1 disc where the T12 body is seated on L1 (mm).
T12_L1_DISC_HEIGHT = 7.0
GRID_MM = 0.75
#: How far the disc reaches into each endplate (mm), so no gap shows at the rim.
ENDPLATE_OVERLAP = 0.3
#: Triangles per disc: enough for a smooth rim, few enough to render fast in software.
DISC_TRIANGLES = 1600
#: Outward bulge of the annulus at mid-height (mm).
DISC_BULGE = 1.0


@dataclass(frozen=True)
class VertebralBody:
    """A vertebral body measured on its mesh: centre, extent and superior-inferior axis."""

    center: np.ndarray
    half_width: float  # lateral (x)
    half_depth: float  # antero-posterior (y)
    superior: float  # z of the superior endplate at the centre
    inferior: float  # z of the inferior endplate at the centre


def ray_hits(mesh: pv.PolyData, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Where the segment start-end crosses the surface, nearest to ``start`` first."""
    points, _ = mesh.ray_trace(start, end)
    if len(points) == 0:
        return np.empty((0, 3))
    order = np.argsort(np.linalg.norm(points - start, axis=1))
    return np.asarray(points)[order]


def measure_body(mesh: pv.PolyData) -> VertebralBody:
    """Find the vertebral body of a vertebra mesh (anterior to the vertebral canal)."""
    pts = mesh.points
    x0 = float(pts[:, 0].mean())
    near_midline = np.abs(pts[:, 0] - x0) < 8.0
    front = float(pts[near_midline, 1].max())
    z0 = float(pts[pts[:, 1] > front - 12.0, 2].mean())
    along_y = ray_hits(mesh, np.array([x0, front + 20, z0]), np.array([x0, front - 150, z0]))
    y0 = float((along_y[0, 1] + along_y[1, 1]) / 2)
    half_depth = float((along_y[0, 1] - along_y[1, 1]) / 2)
    down = ray_hits(mesh, np.array([x0, y0, z0 + 80]), np.array([x0, y0, z0 - 80]))
    superior, inferior = float(down[0, 2]), float(down[-1, 2])
    zc = (superior + inferior) / 2
    along_x = ray_hits(mesh, np.array([x0 - 80, y0, zc]), np.array([x0 + 80, y0, zc]))
    half_width = float((along_x[-1, 0] - along_x[0, 0]) / 2)
    return VertebralBody(
        center=np.array([x0, y0, zc]),
        half_width=half_width,
        half_depth=half_depth,
        superior=superior,
        inferior=inferior,
    )


def seat_t12(t12: pv.PolyData, l1: pv.PolyData, l2: pv.PolyData) -> np.ndarray:
    """Translation that seats T12 on L1, continuing the line of the L2-L1 bodies.

    The source T12 belongs to the thoracic model and overlaps L1's body at the default pose.
    """
    b12, b1, b2 = measure_body(t12), measure_body(l1), measure_body(l2)
    axis = (b1.center - b2.center) / np.linalg.norm(b1.center - b2.center)
    spacing = (b12.superior - b12.inferior) / 2 + T12_L1_DISC_HEIGHT + (b1.superior - b1.inferior) / 2
    target = b1.center + axis * spacing
    return target - b12.center


def spinal_axes(bodies: dict[str, VertebralBody]) -> dict[str, np.ndarray]:
    """Unit superior direction of the spine at each level (central differences of body centres)."""
    centres = [bodies[f"vertebra_{lvl}"].center for lvl in LEVELS]
    axes = {}
    for i, lvl in enumerate(LEVELS):
        above = centres[max(i - 1, 0)]
        below = centres[min(i + 1, len(LEVELS) - 1)]
        d = above - below
        axes[f"vertebra_{lvl}"] = d / np.linalg.norm(d)
    return axes


def _fit_plane(uu: np.ndarray, vv: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """Least-squares plane through the finite heights, refitted without outliers over 1.5 mm."""
    ok = np.isfinite(heights)
    design = np.column_stack([uu[ok], vv[ok], np.ones(ok.sum())])
    target = heights[ok]
    keep = np.ones(len(target), dtype=bool)
    for _ in range(3):
        coef, *_ = np.linalg.lstsq(design[keep], target[keep], rcond=None)
        keep = np.abs(design @ coef - target) < 1.5
    return np.asarray(coef[0] * uu + coef[1] * vv + coef[2])


def build_disc(upper: pv.PolyData, lower: pv.PolyData, body: VertebralBody, axis: np.ndarray) -> pv.PolyData:
    """Fill the space between the upper body's inferior endplate and the lower bone."""
    w = -axis  # downward along the spine
    u = np.cross(np.array([0.0, 1.0, 0.0]), w)  # lateral
    u /= np.linalg.norm(u)
    v = np.cross(w, u)  # antero-posterior
    ru, rv = body.half_width * 1.05, body.half_depth * 1.05
    pad = 4.0  # empty border so the contour closes
    us = np.arange(-ru - pad, ru + pad + GRID_MM, GRID_MM)
    vs = np.arange(-rv - pad, rv + pad + GRID_MM, GRID_MM)
    top = np.full((len(us), len(vs)), np.nan)  # distance along w to the upper endplate
    bottom = np.full_like(top, np.nan)  # distance along w to the lower endplate
    reach = 40.0
    for i, a in enumerate(us):
        for j, b in enumerate(vs):
            if (a / ru) ** 2 + (b / rv) ** 2 > 1.0:
                continue
            start = body.center + a * u + b * v
            end = start + w * reach * 2
            up_hits = ray_hits(upper, start, end)
            if len(up_hits) % 2 != 1:  # the start must lie inside the upper body
                continue
            lo_hits = ray_hits(lower, start, end)
            if len(lo_hits) == 0:
                continue
            t_top = float((up_hits[0] - start) @ w)
            t_bottom = float((lo_hits[0] - start) @ w)
            if 1.0 < t_bottom - t_top < 25.0:
                top[i, j], bottom[i, j] = t_top, t_bottom
    footprint = ~np.isnan(top)
    if footprint.sum() < 20:
        raise ValueError("no space found between the vertebral bodies")
    # Keep the largest connected footprint, fill its holes and round its outline.
    labels, n = ndimage.label(footprint)
    sizes = ndimage.sum(footprint, labels, range(1, n + 1))
    footprint = ndimage.binary_fill_holes(labels == (int(np.argmax(sizes)) + 1))
    footprint = ndimage.binary_opening(footprint, iterations=2)
    inside = ndimage.distance_transform_edt(footprint) * GRID_MM
    outside = ndimage.distance_transform_edt(~footprint) * GRID_MM
    margin = ndimage.gaussian_filter(np.where(footprint, inside, -outside), 1.5)
    # Endplates are near-planar: robust plane fits ignore rays that grazed a rim.
    uu, vv = np.meshgrid(us, vs, indexing="ij")
    top = _fit_plane(uu, vv, top) - ENDPLATE_OVERLAP
    bottom = _fit_plane(uu, vv, bottom) + ENDPLATE_OVERLAP
    t_min, t_max = float(np.nanmin(top)) - 2, float(np.nanmax(bottom)) + 2
    ts = np.arange(t_min, t_max + GRID_MM, GRID_MM)
    # The annulus bulges slightly beyond the rims at mid-height.
    mid, half = (top + bottom) / 2, (bottom - top) / 2
    bulge = DISC_BULGE * np.clip(1 - ((ts[None, None, :] - mid[:, :, None]) / half[:, :, None]) ** 2, 0, 1)
    field = np.minimum.reduce(
        [
            margin[:, :, None] + bulge,
            ts[None, None, :] - top[:, :, None],
            bottom[:, :, None] - ts[None, None, :],
        ]
    )
    grid = pv.ImageData(dimensions=field.shape, spacing=(GRID_MM,) * 3, origin=(us[0], vs[0], ts[0]))
    grid.point_data["f"] = field.ravel(order="F")
    surface = grid.contour([0.0], scalars="f", method="flying_edges").triangulate().clean()
    surface = surface.smooth_taubin(n_iter=30, pass_band=0.05)
    local = surface.points
    surface.points = body.center + local[:, [0]] * u + local[:, [1]] * v + local[:, [2]] * w
    surface = decimate_to(surface, DISC_TRIANGLES)
    return surface.compute_normals(auto_orient_normals=True, split_vertices=False)


def inferior_endplate(
    mesh: pv.PolyData, body: VertebralBody, axis: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Centre and downward normal of a vertebral body's inferior endplate: a plane fitted to
    the downward-facing triangles of the body's lower surface (area-weighted centre)."""
    surface = mesh.compute_normals(point_normals=False, cell_normals=True, auto_orient_normals=True)
    surface = surface.compute_cell_sizes(length=False, volume=False)
    centres = np.asarray(surface.cell_centers().points)
    normals, areas = np.asarray(surface.cell_data["Normals"]), np.asarray(surface.cell_data["Area"])
    offset = centres - body.center
    along = offset @ axis
    radial = np.linalg.norm(offset - np.outer(along, axis), axis=1)
    plate = (along < 0) & (radial < 1.2 * max(body.half_width, body.half_depth)) & (normals @ -axis > 0.8)
    if plate.sum() < 3:
        raise ValueError("no inferior endplate found on the vertebral body")
    weights = areas[plate] / areas[plate].sum()
    centre = weights @ centres[plate]
    normal = weights @ normals[plate]
    return centre, normal / np.linalg.norm(normal)
