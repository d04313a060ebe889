"""The command-line tests' fixtures: every plotter closed, and a copy of the data set to damage
(how to run ``psoas-atlas``: tests/commands.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.model.io import paths


@pytest.fixture(autouse=True)
def every_plotter_closed(plotters_closed):
    """A command run in this process closes every plotter it opens, whether it succeeds or
    fails (``plotters_closed``, tests/conftest.py)."""


@pytest.fixture
def data_root(tmp_path) -> Path:
    """A copy of the data set to damage (the tests never touch the shipped files)."""
    root = tmp_path / "atlas"
    shutil.copytree(paths.annotations_dir(), root / "annotations")
    shutil.copytree(paths.meshes_dir(), root / "meshes")
    return root
