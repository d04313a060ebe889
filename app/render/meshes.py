"""Load structure meshes from ``meshes/`` once, with normals for smooth shading.

Two levels of detail are offered. ``standard`` is the shipped meshes, with their
``meshes/lod`` copies (a quarter of the triangles) drawn while the camera moves. ``high``
doubles every mesh's triangles (one Loop subdivision, then decimation to half) for machines
with a real GPU, and its moving copy is again a quarter of that.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyvista as pv

LOD_DIR = "lod"
DETAILS = ("standard", "high")


def _with_normals(mesh: pv.PolyData) -> pv.PolyData:
    return mesh.compute_normals(auto_orient_normals=False, split_vertices=False, consistent_normals=True)


@cache
def _load(path: str) -> pv.PolyData:
    return _with_normals(pv.read(path))


@cache
def _high(path: str) -> pv.PolyData:
    refined = pv.read(path).subdivide(1, "loop").decimate_pro(0.5, preserve_topology=True)
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
    """The copy drawn while the camera moves, or None if there is none."""
    _check(detail)
    if detail == "high":
        return _high_lod(str((Path(meshes_dir) / relative).resolve()))
    path = Path(meshes_dir) / LOD_DIR / relative
    return _load(str(path.resolve())) if path.is_file() else None
