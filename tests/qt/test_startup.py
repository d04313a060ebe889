"""What start-up leaves out, and what the renderer's shortcuts rely on in the shipped meshes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.model.io import paths

CHECK_IMPORTS = """
import sys
import app.qt  # the rendering layer first, as the app imports it
import PySide6.QtWidgets
import app.qt.main_window
from app.render.deferred_imports import is_deferred
left_out = ["matplotlib.pyplot", "matplotlib.backends.backend_agg", "mypy"]
assert all(is_deferred(name) for name in left_out), [n for n in left_out if not is_deferred(n)]
import linecache
read = [f for f in linecache.cache if "/pyvista/" in f or "/matplotlib/" in f]
# 4 here; 133 with PySide6 imported first
assert len(read) < 20, f"the sources of {len(read)} pyvista and matplotlib modules were read"
# What pyvista uses them for still works, one import later.
from pyvista.plotting import colors
assert colors.get_matplotlib_theme_cycler() is not None
import matplotlib.pyplot as plt
assert type(plt).__name__ == "module" and sys.modules["matplotlib.pyplot"] is plt
import pyvista as pv
figure, axes = plt.subplots()
chart = pv.ChartMPL(figure)
assert type(chart._canvas).__name__ == "FigureCanvasAgg"
print("ok")
"""


def test_window_imports_leave_out_pyplot_and_mypy():
    """The window's imports never import matplotlib.pyplot, its Agg backend or mypy, and
    pyvista's modules are imported before PySide6 hooks ``__import__`` (whose check reads
    each later module's source into ``linecache``); pyplot still works when asked for."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def _shipped_meshes() -> list[Path]:
    return sorted(paths.meshes_dir().rglob("*.ply"))


@pytest.mark.parametrize("path", _shipped_meshes(), ids=lambda p: str(p.relative_to(paths.meshes_dir())))
def test_shipped_meshes_are_closed_outward_with_normals(path):
    """Opaque structures are drawn with back faces culled, and the meshes' own normals are
    used as read: both need closed surfaces wound outward, with unit normals that agree."""
    import pyvista as pv

    from app.render.meshes import _has_normals, _with_normals

    mesh = pv.read(path)
    edges = mesh.extract_feature_edges(
        boundary_edges=True, non_manifold_edges=True, feature_edges=False, manifold_edges=False
    )
    assert edges.n_cells == 0, "open or non-manifold surface"
    triangles = mesh.points[mesh.faces.reshape(-1, 4)[:, 1:]]
    volume = np.einsum("ij,ij->i", triangles[:, 0], np.cross(triangles[:, 1], triangles[:, 2])).sum() / 6
    assert volume > 0, "wound inward"
    assert _has_normals(mesh)
    assert np.allclose(mesh.point_data["Normals"], _with_normals(mesh).point_data["Normals"], atol=1e-4)
