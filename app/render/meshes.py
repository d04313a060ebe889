"""Load structure meshes from ``meshes/`` once, with normals for smooth shading.

Two levels of detail are offered. ``standard`` is the shipped meshes, with their
``meshes/lod`` copies (a quarter of the triangles) drawn while the camera moves. ``high``
doubles every mesh's triangles (one Loop subdivision, then decimation to half) for machines
with a real GPU, and its moving copy is again a quarter of that.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pyvista as pv
from vtkmodules.vtkIOPLY import vtkPLYReader

from app.model.anatomy.meshes import check_mesh

LOD_DIR = "lod"
DETAILS = ("standard", "high")


def _with_normals(mesh: pv.PolyData) -> pv.PolyData:
    return mesh.compute_normals(auto_orient_normals=False, split_vertices=False, consistent_normals=True)


def _has_normals(mesh: pv.PolyData) -> bool:
    """Whether the file gave the mesh usable point normals (finite, of unit length)."""
    normals = mesh.point_data.active_normals
    if normals is None:
        return False
    lengths = np.linalg.norm(normals, axis=1)
    return bool(np.isfinite(lengths).all() and np.abs(lengths - 1.0).max() < 1e-3)


@cache
def _load(path: str) -> pv.PolyData:
    # The shipped meshes carry their point normals (nx, ny, nz, written by the build and equal
    # to what _with_normals gives): computing them again took half the meshes' load time.
    mesh = _read_ply(path)
    return mesh if _has_normals(mesh) else _with_normals(mesh)


def _read_ply(path: str) -> pv.PolyData:
    """VTK's PLY reader, straight (``pv.read`` looks the reader up through pyvista's
    registry and entry points: half the time of reading the 41 small meshes)."""
    reader = vtkPLYReader()
    reader.SetFileName(path)
    reader.Update()
    return pv.wrap(reader.GetOutput())


@cache
def _high(path: str) -> pv.PolyData:
    refined = _read_ply(path).subdivide(1, "loop").decimate_pro(0.5, preserve_topology=True)
    return _with_normals(refined)


@cache
def _high_lod(path: str) -> pv.PolyData:
    return _with_normals(_high(path).decimate_pro(0.75, preserve_topology=True))


def _check(detail: str) -> None:
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}; use one of {', '.join(DETAILS)}")


def load_mesh(meshes_dir: Path, relative: str, detail: str = "standard") -> pv.PolyData:
    """The mesh at ``meshes_dir / relative``, shared between plotters (never modify it)."""
    _check(detail)
    path = str((Path(meshes_dir) / relative).resolve())
    return _high(path) if detail == "high" else _load(path)


def load_lod_mesh(meshes_dir: Path, relative: str, detail: str = "standard") -> pv.PolyData | None:
    """The copy drawn while the camera moves, or None if there is none or it is not a usable
    mesh (it is checked as the structure's own mesh is, before VTK reads it)."""
    _check(detail)
    if detail == "high":
        return _high_lod(str((Path(meshes_dir) / relative).resolve()))
    path = Path(meshes_dir) / LOD_DIR / relative
    return _load(str(path.resolve())) if check_mesh(path) is None else None
