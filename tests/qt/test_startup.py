"""What start-up leaves out, and what the renderer's shortcuts rely on in the shipped meshes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from app.model.io import paths

CHECK_IMPORTS = """
import sys
import app.qt.main_window
from app.render.deferred_imports import is_deferred
left_out = ["matplotlib.pyplot", "matplotlib.backends.backend_agg"]
assert all(is_deferred(name) for name in left_out), [n for n in left_out if not is_deferred(n)]
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

MEASURE_IMPORTS = """
import linecache, resource, sys
{before}
import app.qt.main_window
lines = sum(len(entry[2]) for entry in linecache.cache.values() if len(entry) > 2)
print(len(sys.modules), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, lines)
"""


class Imported(NamedTuple):
    modules: int
    memory_mb: float
    source_lines: int  # lines of source read into linecache


def _window_imports(before: str = "") -> Imported:
    """What importing the window costs in a fresh interpreter, running ``before`` first."""
    code = MEASURE_IMPORTS.format(before=before)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules, memory, lines = result.stdout.split()
    return Imported(int(modules), float(memory), int(lines))


def test_window_imports_leave_out_pyplot():
    """The window's imports never import matplotlib.pyplot or its Agg backend, and pyplot
    still works when asked for."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_deferring_pyplot_still_pays():
    """app.render.deferred_imports saves 98 modules here (and 15-17 MB and 0.2 s of CPU, too
    noisy to assert): with pyplot and its Agg backend imported first there is nothing left to
    defer. Fails when pyvista stops importing them: then the stand-ins no longer pay."""
    lean = _window_imports()
    eager = _window_imports("import matplotlib.pyplot, matplotlib.backends.backend_agg")
    assert eager.modules - lean.modules >= 50, (lean, eager)


def test_importing_the_renderer_before_pyside6_still_pays():
    """app.qt imports the renderer before PySide6 hooks ``__import__`` (the hook reads the
    source of every later module into ``linecache``): 350,000 lines fewer here (and 31 MB and
    0.18 s of CPU, too noisy to assert). Fails when the order stops mattering: then the
    import in app.qt can go."""
    renderer_first = _window_imports()
    pyside_first = _window_imports("import PySide6.QtWidgets")
    assert pyside_first.source_lines - renderer_first.source_lines >= 150_000, (renderer_first, pyside_first)


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
