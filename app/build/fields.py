"""Soft-tissue surfaces from fascicles: a blended distance field, contoured, kept out of bone.

Each fascicle is a smooth curve with a radius profile. The muscle is the smooth union of the
swept spheres along all its fascicles: a signed field (positive inside) is written on a voxel
grid, blurred so neighbouring fascicles merge into one belly, carved where bone is, and
contoured with flying edges.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyvista as pv
from scipy import ndimage
from scipy.interpolate import make_interp_spline

from app.build.refine import decimate_to

VOXEL_MM = 1.0
BLEND_SIGMA_MM = 1.6


def smooth_curve(
    points: np.ndarray, values: np.ndarray | None = None, samples_per_mm: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A smooth curve through control points (chord-length cubic B-spline), evenly sampled.

    ``values`` (one per control point, e.g. radii) are interpolated linearly along the curve.
    """
    points = np.asarray(points, dtype=float)
    values = np.zeros(len(points)) if values is None else np.asarray(values, dtype=float)
    chords = np.linalg.norm(np.diff(points, axis=0), axis=1)
    keep = np.concatenate([[True], chords > 1e-6])
    points, values = points[keep], values[keep]
    t = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    spline = make_interp_spline(t, points, k=min(3, len(points) - 1))
    samples = np.linspace(0.0, t[-1], max(int(t[-1] * samples_per_mm), 8))
    return np.asarray(spline(samples)), np.interp(samples, t, values)


def arc_length(curve: np.ndarray) -> np.ndarray:
    """Cumulative arc length along a polyline, from 0 to 1."""
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(curve, axis=0), axis=1))])
    return s / s[-1]


class FascicleField:
    """A voxel grid that accumulates the smooth union of swept spheres."""

    def __init__(self, bounds_min: np.ndarray, bounds_max: np.ndarray, voxel: float = VOXEL_MM):
        self.voxel = voxel
        self.origin = np.floor(np.asarray(bounds_min) / voxel) * voxel - 4 * voxel
        top = np.ceil(np.asarray(bounds_max) / voxel) * voxel + 4 * voxel
        self.shape = tuple(int(n) for n in np.round((top - self.origin) / voxel) + 1)
        self.values = np.full(self.shape, -10.0, dtype=np.float32)

    def add_tube(self, curve: np.ndarray, radii: np.ndarray) -> None:
        """Union the spheres of radius ``radii[i]`` centred on ``curve[i]`` into the field."""
        _sweep(self.values, self.origin, self.voxel, curve, radii, carve=False)

    def cap(self, ys: np.ndarray, tops: np.ndarray, margin: float) -> None:
        """Keep the muscle ``margin`` mm under a ceiling that varies from back to front
        (heights ``tops`` at ``ys``; no ceiling beyond them): the iliacus under its crest."""
        y = self.origin[1] + self.voxel * np.arange(self.shape[1])
        z = self.origin[2] + self.voxel * np.arange(self.shape[2])
        top = np.interp(y, ys, tops, left=np.inf, right=np.inf)
        limit = (top[:, None] - margin - z[None, :]).astype(np.float32)
        np.minimum(self.values, limit[None, :, :], out=self.values)

    def grid(self) -> pv.ImageData:
        return pv.ImageData(dimensions=self.shape, spacing=(self.voxel,) * 3, origin=self.origin)

    def surface(
        self,
        bones: list[pv.PolyData],
        triangles: int,
        clearance: float = 0.6,
        hollows: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    ) -> pv.PolyData:
        """Blend, carve out the bones (with ``clearance`` mm) and the ``hollows`` (tubes kept
        empty after blending: the tunnels under the psoas' tendinous arches), contour, smooth,
        and decimate to about ``triangles`` triangles (quadric decimation keeps the shape)."""
        field = ndimage.gaussian_filter(self.values, BLEND_SIGMA_MM / self.voxel)
        for curve, radii in hollows:
            _sweep(field, self.origin, self.voxel, curve, radii, carve=True)
        grid = self.grid()
        bone = np.zeros(self.shape, dtype=bool)
        for mesh in bones:
            mask = mesh.voxelize_binary_mask(reference_volume=grid)
            bone |= np.asarray(mask.point_data[mask.point_data.keys()[0]]).reshape(self.shape, order="F") > 0
        if bone.any():
            # Distance (mm) from bone; the muscle stays ``clearance`` away from it.
            away = ndimage.distance_transform_edt(~bone) * self.voxel
            field = np.minimum(field, (away - clearance - 0.5 * self.voxel).astype(np.float32))
        grid.point_data["f"] = field.ravel(order="F")
        surface = grid.contour([0.0], scalars="f", method="flying_edges").triangulate().clean()
        # Without the region and original cell ids: they no longer match the cells kept
        # (pyvista warns of an invalid mesh).
        surface = surface.connectivity("largest")
        surface.clear_data()
        surface = surface.extract_surface(pass_pointid=False, pass_cellid=False, algorithm="dataset_surface")
        surface = surface.triangulate()
        surface = surface.smooth_taubin(n_iter=30, pass_band=0.05)
        surface = decimate_to(surface, triangles)
        surface = surface.compute_normals(auto_orient_normals=True, split_vertices=False)
        if not surface.is_manifold:
            raise ValueError("soft-tissue surface is not a closed manifold after decimation")
        return surface.compute_normals(auto_orient_normals=True, split_vertices=False)


def _sweep(
    values: np.ndarray, origin: np.ndarray, voxel: float, curve: np.ndarray, radii: np.ndarray, carve: bool
) -> None:
    """Write the spheres of radius ``radii[i]`` centred on ``curve[i]`` into a signed field
    (positive inside): united with it, or, with ``carve``, cut out of it."""
    shape = np.array(values.shape)
    for centre, radius in zip(curve, radii, strict=True):
        reach = radius + 4 * voxel
        lo = np.maximum(np.floor((centre - reach - origin) / voxel).astype(int), 0)
        hi = np.minimum(np.ceil((centre + reach - origin) / voxel).astype(int) + 1, shape)
        if np.any(hi <= lo):
            continue
        axes = [origin[d] + voxel * np.arange(lo[d], hi[d]) - centre[d] for d in range(3)]
        dist = np.sqrt(
            axes[0][:, None, None] ** 2 + axes[1][None, :, None] ** 2 + axes[2][None, None, :] ** 2
        )
        block = values[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]]
        if carve:
            np.minimum(block, (dist - radius).astype(np.float32), out=block)
        else:
            np.maximum(block, (radius - dist).astype(np.float32), out=block)


def blended_surface(
    tubes: list[tuple[np.ndarray, np.ndarray]],
    bones: list[pv.PolyData],
    triangles: int,
    cap: tuple[np.ndarray, np.ndarray, float] | None = None,
    hollows: Sequence[tuple[np.ndarray, np.ndarray]] = (),
) -> pv.PolyData:
    """One muscle from its fascicles' (curve, radii): their swept spheres blended, kept under
    ``cap`` (see :meth:`FascicleField.cap`) and out of ``bones`` and ``hollows``, contoured."""
    allpts = np.vstack([c for c, _ in tubes])
    rmax = max(float(r.max()) for _, r in tubes)
    grid = FascicleField(allpts.min(axis=0) - rmax, allpts.max(axis=0) + rmax)
    for curve, radii in tubes:
        grid.add_tube(curve, radii)
    if cap is not None:
        grid.cap(*cap)
    return grid.surface(bones, triangles, hollows=hollows)
