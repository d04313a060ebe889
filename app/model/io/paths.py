"""Where a data set's files are: ``meshes/`` and ``annotations/`` under its root folder.

The root is a parameter (:meth:`app.model.atlas.Atlas.load`, ``psoas-atlas --root FOLDER``),
not a process-wide setting, so a test or a tool can hold two data sets at once. Without one,
the data installed with the package (``app/data``), found through :mod:`importlib.resources`:
the package's own folder, wherever pip put it, not a guess at a source checkout around it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_root() -> Path:
    """The data set installed with the package (``app/data``)."""
    root = resources.files("app") / "data"
    if not isinstance(root, Path):  # a zip import: VTK and the loaders need real files
        raise RuntimeError(f"the atlas' data must be installed as files, not inside {root}")
    return root


def meshes_dir(root: Path | None = None) -> Path:
    return (root or shipped_root()) / "meshes"


def annotations_dir(root: Path | None = None) -> Path:
    return (root or shipped_root()) / "annotations"


def structures_file(root: Path | None = None) -> Path:
    return annotations_dir(root) / "structures.yaml"


def landmarks_file(root: Path | None = None) -> Path:
    return meshes_dir(root) / "landmarks.json"


def attachments_file(root: Path | None = None) -> Path:
    return meshes_dir(root) / "attachments.json"


def centrelines_file(root: Path | None = None) -> Path:
    """The nerves' and ligaments' centre lines, written by the mesh build."""
    return meshes_dir(root) / "centrelines.json"


def paths_file(root: Path | None = None) -> Path:
    """The muscles' fascicle paths (for lengths and moment arms), written by the mesh build."""
    return meshes_dir(root) / "paths.json"
