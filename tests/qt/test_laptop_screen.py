"""The window on the screens people have (issue 28): a 1366x768 laptop, a 1280x800 one and a
1920x1080 monitor. The screen's available area is patched (Xvfb's own screen is 800x600);
everything else is the real window, laid out and drawn by Qt."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QScreen, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QTabBar, QWidget

from app.qt.main_window import MainWindow
from app.qt.welcome import TRY_FIRST, seen_path, welcome_once

SCREENS = [(1366, 768), (1280, 800), (1920, 1080)]


@pytest.fixture
def open_on(qtbot, teaching_atlas, monkeypatch):
    """Opens the window as it opens itself on a screen of the given available size."""

    def open_window(width: int, height: int) -> MainWindow:
        monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(0, 0, width, height))
        window = MainWindow.for_atlas(teaching_atlas)
        qtbot.addWidget(window)
        window.show()
        assert QTest.qWaitForWindowExposed(window)
        qtbot.wait(50)  # the docks laid out
        return window

    return open_window


def inside(widget: QWidget, outer: QWidget) -> bool:
    """Whether ``widget`` is wholly within ``outer``'s rectangle (in ``outer``'s frame)."""
    top_left = widget.mapTo(outer, QPoint(0, 0))
    return outer.rect().contains(QRect(top_left, widget.size()))


def elided_tabs(window: MainWindow) -> list[str]:
    """The tabs whose names do not fit their tabs (Qt elides them: "Struct…")."""
    cut = []
    for bar in window.findChildren(QTabBar):
        if not bar.isVisible():
            continue
        padding = bar.style().pixelMetric(QStyle.PixelMetric.PM_TabBarTabHSpace, None, bar)
        for index in range(bar.count()):
            text = bar.tabText(index)
            if bar.tabRect(index).width() < bar.fontMetrics().horizontalAdvance(text) + padding:
                cut.append(text)
    return cut


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_the_window_opens_within_the_screen_with_every_tab_named_whole(open_on, width, height):
    window = open_on(width, height)
    assert QRect(0, 0, width, height).contains(window.frameGeometry())
    assert inside(window.statusBar(), window)
    window.motion_dock.raise_()  # the Motion dock's own tabs too
    QTest.qWait(50)
    assert elided_tabs(window) == []
    names = {bar.tabText(i) for bar in window.findChildren(QTabBar) for i in range(bar.count())}
    assert {"Structures", "Information", "Joints"} <= names  # all three tab bars were looked at


def test_on_a_laptop_the_motion_table_and_colour_option_are_in_sight(open_on, qtbot):
    window = open_on(1366, 768)
    window.motion_dock.raise_()
    qtbot.waitUntil(lambda: window.motion.plot is not None)
    QTest.qWait(50)
    panel = window.motion
    page = window.motion_pages.currentWidget()
    assert page.verticalScrollBar().value() == 0  # nothing scrolled
    for widget in (panel.colour_by_length, panel.readout):
        assert widget.isVisible() and inside(widget, page.viewport()), widget
    # The table's header is one line (it read "Length of / mm neutral" across two).
    document = QTextDocument()
    document.setHtml(panel.readout.text())
    document.setTextWidth(panel.readout.width())
    document.size()  # laid out
    header = [document.findBlockByNumber(n) for n in range(1, 5)]  # after the empty first block
    assert header[0].text() == "Muscle"
    assert [block.layout().lineCount() for block in header] == [1, 1, 1, 1]
    # K plays, and shows the player's tab.
    window.toggle_play()
    assert window.motion_pages.currentIndex() == 1 and window.play_bar.isVisible()
    window.player.pause()


def test_on_a_large_screen_the_extra_width_goes_to_the_3d_view(open_on):
    small = open_on(1366, 768)
    docks = [small.structures_dock.width(), small.info_dock.width()]
    view, size = small.view_size()[0], small.width()
    small.close()
    large = open_on(1920, 1080)
    assert large.width() > size + 300
    assert [large.structures_dock.width(), large.info_dock.width()] == docks
    assert large.view_size()[0] - view == large.width() - size


def test_the_welcome_shows_five_things_once_and_is_remembered(open_on, monkeypatch, tmp_path, qtbot):
    monkeypatch.setenv("PSOAS_ATLAS_DATA", str(tmp_path / "data"))
    window = open_on(1366, 768)
    box = welcome_once(window)
    assert box is not None and box.isVisible() and not box.isModal()
    assert box.text().count("<li>") == len(TRY_FIRST) == 5
    assert box.width() <= 1366 and box.height() <= 768
    assert seen_path().read_bytes() == b"shown\n"
    assert [p.name for p in seen_path().parent.iterdir()] == [seen_path().name]  # no temporary left
    box.close()
    assert welcome_once(window) is None  # never again


def test_a_read_only_data_folder_still_welcomes(open_on, monkeypatch, tmp_path, make_read_only):
    folder = tmp_path / "data"
    folder.mkdir()
    make_read_only(folder)
    monkeypatch.setenv("PSOAS_ATLAS_DATA", str(folder))
    box = welcome_once(open_on(1280, 800))
    assert box is not None and box.isVisible()
    assert not seen_path().exists()
    box.close()
