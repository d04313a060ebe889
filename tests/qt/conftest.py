"""The window as the Qt tests open it: the shipped atlas, shown and exposed under Xvfb."""

from __future__ import annotations

import pytest

from app.model.atlas import Atlas
from app.qt.main_window import MainWindow


@pytest.fixture
def shown_window(qtbot):
    """Opens the whole window at ``size`` and waits until it is on screen."""

    def open_window(size: tuple[int, int] = (1280, 800)) -> MainWindow:
        window = MainWindow.for_atlas(Atlas.load(teaching=True))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        return window

    return open_window
