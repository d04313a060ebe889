"""Geometry helpers for the anatomy tests: robust inside tests, signed distances, sections."""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkPoints
from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance
from vtkmodules.vtkFiltersGeneral import vtkOBBTree

_RAYS = np.array([[0.3, 0.5, 1.0], [-0.7, 0.2, -0.6], [0.5, -1.0, 0.2]])
_RAYS /= np.linalg.norm(_RAYS, axis=1)[:, None]


def inside(mesh: pv.PolyData, points: np.ndarray) -> np.ndarray:
    """Ray-parity inside test, majority of three oblique rays (robust to grazing hits)."""
    tree = vtkOBBTree()
    tree.SetDataSet(mesh)
    tree.BuildLocator()
    votes = np.zeros(len(points), dtype=int)
    for i, point in enumerate(points):
        for ray in _RAYS:
            hits = vtkPoints()
            tree.IntersectWithLine(point, point + ray * 2000.0, hits, None)
            votes[i] += hits.GetNumberOfPoints() % 2
    return votes >= 2


def distance(mesh: pv.PolyData, points) -> np.ndarray:
    """Signed distance of points to a closed surface, negative inside."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    _, closest = mesh.find_closest_cell(points, return_closest_point=True)
    magnitude = np.linalg.norm(points - np.atleast_2d(closest), axis=1)
    return np.where(inside(mesh, points), -magnitude, magnitude)


def section_area(mesh: pv.PolyData, origin, normal=(0.0, 0.0, 1.0)) -> float:
    """Area (mm2) of the largest closed loop where a plane cuts a closed surface."""
    cut = mesh.slice(normal=normal, origin=origin)
    if cut.n_points == 0:
        return 0.0
    normal = np.asarray(normal, dtype=float) / np.linalg.norm(normal)
    u = np.cross(normal, [1.0, 0.0, 0.0] if abs(normal[0]) < 0.9 else [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    best = 0.0
    stripped = cut.strip()
    lines = stripped.lines
    i = 0
    while i < len(lines):
        n = lines[i]
        ids = lines[i + 1 : i + 1 + n]
        i += n + 1
        pts = stripped.points[ids]
        x, y = pts @ u, pts @ v
        best = max(best, abs(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)))
    return float(best)


class BoneDepth:
    """Signed distance (mm, negative inside) of points to the nearest bone, at rest or in a
    pose: each bone's implicit distance is built once at rest, and posed points are taken
    back into its rest frame (bones move rigidly)."""

    def __init__(self, bones: dict[str, pv.PolyData]):
        from app.model.motion.kinematics import segment_of

        self.bones = []
        for sid, mesh in bones.items():
            function = vtkImplicitPolyDataDistance()
            function.SetInput(mesh)
            low, high = np.min(mesh.points, axis=0) - 2, np.max(mesh.points, axis=0) + 2
            self.bones.append((sid, segment_of(sid), function, low, high))

    def __call__(
        self, points: np.ndarray, transforms: dict[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each point's depth (inf where no bone is near) and the bone nearest it; the bones
        where ``transforms`` (segment to 4x4) put them, else at rest."""
        depth = np.full(len(points), np.inf)
        which = np.full(len(points), "", dtype=object)
        for sid, segment, function, low, high in self.bones:
            local = points
            if transforms is not None:
                placed = transforms[segment]
                local = (points - placed[:3, 3]) @ placed[:3, :3]
            near = np.flatnonzero(((local > low) & (local < high)).all(axis=1))
            if not len(near):
                continue
            values = vtkDoubleArray()
            function.FunctionValue(numpy_to_vtk(np.ascontiguousarray(local[near]), deep=True), values)
            value = vtk_to_numpy(values)
            closer = value < depth[near]
            depth[near[closer]] = value[closer]
            which[near[closer]] = sid
        return depth, which
