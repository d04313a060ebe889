"""Where the data folders are: ``meshes/`` and ``annotations/`` at the project root.

``PSOAS_ATLAS_ROOT`` overrides the root (for a relocated data set).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    override = os.environ.get("PSOAS_ATLAS_ROOT")
    return Path(override) if override else Path(__file__).resolve().parents[3]


def meshes_dir() -> Path:
    return project_root() / "meshes"


def annotations_dir() -> Path:
    return project_root() / "annotations"


def structures_file() -> Path:
    return annotations_dir() / "structures.yaml"


def landmarks_file() -> Path:
    return meshes_dir() / "landmarks.json"


def attachments_file() -> Path:
    return meshes_dir() / "attachments.json"


def centrelines_file() -> Path:
    """The nerves' and ligaments' centre lines, written by the mesh build."""
    return meshes_dir() / "centrelines.json"


def paths_file() -> Path:
    """The muscles' fascicle paths (for lengths and moment arms), written by the mesh build."""
    return meshes_dir() / "paths.json"
