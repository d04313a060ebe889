"""Load structure meshes from ``meshes/`` once, with normals for smooth shading."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyvista as pv


@cache
def _load(path: str) -> pv.PolyData:
    mesh = pv.read(path)
    return mesh.compute_normals(auto_orient_normals=False, split_vertices=False, consistent_normals=True)


def load_mesh(meshes_dir: Path, relative: str) -> pv.PolyData:
    """The mesh at ``meshes_dir / relative``, shared between plotters (never modify it)."""
    return _load(str((Path(meshes_dir) / relative).resolve()))


def load_lod_mesh(meshes_dir: Path, relative: str) -> pv.PolyData | None:
    """The low-detail copy of a mesh (``meshes/lod/...``), or None if the build made none."""
    path = Path(meshes_dir) / LOD_DIR / relative
    return _load(str(path.resolve())) if path.is_file() else None


LOD_DIR = "lod"
