"""The render tests close every plotter they open."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def every_plotter_closed(plotters_closed):
    """A render test that leaves a plotter open fails (``plotters_closed``, tests/conftest.py)."""
