"""How the window's side panels are docked: one way for all of them (movable, closable, a
set width), and a scrolled dock for a tall panel so that it does not set the window's height;
and how the window opens on the screen it has (a laptop's 1366x768 as a 1920x1080 monitor).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

#: A screen up to this size is filled (less nothing): a laptop needs every pixel.
SMALL_SCREEN = QSize(1440, 900)
#: The share of a larger screen's available area the window opens at, centred.
LARGE_SHARE = 0.9
#: The side docks' widths, the same on every screen: a larger screen's extra width goes to
#: the 3D view. The left one widens to show its tabs' names whole.
LEFT_WIDTH, RIGHT_WIDTH = 270, 380
#: The 3D view keeps this width at least: on a screen narrower than the docks need, they
#: give way (an 800x600 screen left the view under 100 px).
MIN_VIEW_WIDTH = 480


def add_dock(
    window: QMainWindow,
    title: str,
    widget: QWidget,
    area: Qt.DockWidgetArea,
    width: int,
    scrolled: bool = False,
) -> QDockWidget:
    """A dock of ``widget`` on ``window``; ``scrolled``, a tall one scrolls rather than set
    the window's height."""
    dock = QDockWidget(title, window)
    dock.setObjectName(title.lower() + "_dock")
    if scrolled:
        widget = _scrolled(widget)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    window.addDockWidget(area, dock)
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    return dock


class Pages(QTabWidget):
    """Tabs of scrolled pages, that bring a control into sight as one scrolled area does."""

    def ensureWidgetVisible(self, widget: QWidget) -> None:  # noqa: N802 - as QScrollArea's
        """Show the page that holds ``widget``, scrolled to it."""
        for index in range(self.count()):
            page = self.widget(index)
            if isinstance(page, QScrollArea) and page.isAncestorOf(widget):
                self.setCurrentIndex(index)
                page.ensureWidgetVisible(widget)


def motion_column(parent: QWidget, play_bar: QWidget, joints: QWidget) -> Pages:
    """The Motion dock's content: the joints (sliders, the colour option and the lengths'
    table) and the movement player on two tabs. One column of both is about 970 px tall,
    where a 1366x768 screen leaves the dock about 650: the table was below the fold."""
    pages = Pages(parent)
    pages.setDocumentMode(True)
    pages.addTab(_scrolled(joints), "Joints")
    playing = QWidget()
    column = QVBoxLayout(playing)
    note = QLabel("Play a movement between two poses or a measured activity; K plays or pauses it.")
    note.setWordWrap(True)
    column.addWidget(note)
    column.addWidget(play_bar)
    column.addStretch(1)
    pages.addTab(_scrolled(playing), "Play")
    return pages


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


def opening_geometry(available: QRect) -> QRect:
    """Where the window opens in a screen's ``available`` area: all of a small one, most of
    a large one, centred."""
    if available.width() <= SMALL_SCREEN.width() or available.height() <= SMALL_SCREEN.height():
        return QRect(available)
    size = QSize(round(available.width() * LARGE_SHARE), round(available.height() * LARGE_SHARE))
    box = QRect(available.topLeft(), size)
    box.moveCenter(available.center())
    return box


def fit_to_screen(window: QMainWindow) -> None:
    """Open within the screen's available area (its task bars left out), the frame the
    window manager adds included where it is known (after the window was shown)."""
    screen = window.screen()
    if screen is None:
        return
    frame = window.frameGeometry().size() - window.geometry().size()
    box = opening_geometry(screen.availableGeometry())
    window.resize(box.width() - frame.width(), box.height() - frame.height())
    window.move(box.topLeft())


def tabs_width(titles: Sequence[str], parent: QWidget) -> int:
    """The width a dock area's tab bar needs to show ``titles`` whole, as the style draws it."""
    bar = QTabBar(parent)
    bar.setFont(parent.font())
    for title in titles:
        bar.addTab(title)
    width = bar.sizeHint().width()
    bar.deleteLater()
    return width


def set_dock_widths(window: QMainWindow, left: Sequence[QDockWidget], right: Sequence[QDockWidget]) -> None:
    """The side docks at :data:`LEFT_WIDTH` (wider if the tabs' names need it) and
    :data:`RIGHT_WIDTH`, whatever the window's width, unless that leaves the 3D view less
    than :data:`MIN_VIEW_WIDTH`."""
    wide = max(LEFT_WIDTH, tabs_width([d.windowTitle() for d in left], window) + 4)
    room = window.width() - MIN_VIEW_WIDTH
    share = min(1.0, room / (wide + RIGHT_WIDTH)) if room > 0 else 0.5
    widths = [round(wide * share)] * len(left) + [round(RIGHT_WIDTH * share)] * len(right)
    window.resizeDocks([*left, *right], widths, Qt.Orientation.Horizontal)
