"""The window as the Qt tests open it: the shipped atlas, shown and exposed under Xvfb.

Building the window and drawing its first frame takes about a second here (more with the
machine busy), and most window tests only need one that looks as it does at start-up. So
each test process opens ONE window (:func:`shared_window`; it was one per module, twenty
windows a run) and every test gets it put back
(:func:`window`): modes left, a flight landed, the player stopped, the scene, the docks,
the size, the undo history, the bookmarks and the timings as they were when it opened. A
test that needs a window no other test touched (start-up, a first run, memory, a damaged
file) opens its own with :func:`new_window`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.memory import IDLE_RELEASE_MS, keep_for_good
from app.model.atlas import Atlas
from app.model.scene.palette import STANDARD
from app.model.scene.state import SceneModel, SceneState
from app.model.teaching.bookmarks import BookmarkStore
from app.qt.main_window import MainWindow
from app.qt.slice_view import REDRAW_MS

SIZE = (1280, 800)
#: How long the test windows' camera flights take (ms): a user's (FLIGHT_MS, 700 ms) drew 30 to
#: 40 frames for every search, site or step, 40 % of the window tests' frames. A test of the
#: flight itself sets its own.
TEST_FLIGHT_MS = 100


@pytest.fixture(scope="session")
def teaching_atlas() -> Atlas:
    """The shipped atlas with its teaching content, read once (each window gets a fresh
    scene of it)."""
    return Atlas.load(teaching=True)


def _open(atlas: Atlas, size: tuple[int, int], bookmarks: BookmarkStore | None) -> MainWindow:
    window = MainWindow.for_atlas(atlas, bookmarks=bookmarks)
    window.flight.duration_ms = TEST_FLIGHT_MS
    window.resize(*size)
    window.show()
    assert QTest.qWaitForWindowExposed(window)
    return window


@pytest.fixture
def new_window(qtbot, teaching_atlas):
    """Opens a window of its own at ``size`` (closed after the test), for the tests that
    need one no other test has touched."""

    def open_window(size: tuple[int, int] = SIZE, bookmarks: BookmarkStore | None = None) -> MainWindow:
        window = _open(teaching_atlas, size, bookmarks)
        qtbot.addWidget(window)
        return window

    return open_window


@dataclass
class Home:
    """The window as it opened: what each test gets back."""

    scene: SceneState
    docks: QByteArray


@pytest.fixture(scope="session")
def shared_window(qapp, teaching_atlas, tmp_path_factory):
    """One window for the test process (use :func:`window`, which puts it back first)."""
    store = BookmarkStore(tmp_path_factory.mktemp("bookmarks") / "bookmarks.yaml", teaching_atlas.catalogue)
    window = _open(teaching_atlas, SIZE, store)
    window.plotter.render()
    home = Home(window.scene.state(), window.saveState())
    keep_for_good()  # as the app does once its window is open
    yield window, home
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def put_back(window: MainWindow, home: Home, bookmarks: BookmarkStore) -> None:
    """Leave every mode and undo what an earlier test did to the window."""
    if window.presentation is not None:
        window.presentation.stop()
    window.leave_quiz()
    window.full_screen.leave()
    window.flight.finish()
    window.player.pause()
    window.flight.duration_ms = TEST_FLIGHT_MS
    window.rest_timer.setInterval(IDLE_RELEASE_MS)
    window.slice_view.redraw_ms = REDRAW_MS
    window.player.clock = time.perf_counter
    window.player.tween, window.player.elapsed, window.player.speed = None, 0.0, 1.0
    bar = window.play_bar
    if bar is not None:
        bar.activity.setCurrentIndex(0)  # a movement between poses, as it opened
        bar.scrub.setValue(0)
        bar.start.setCurrentIndex(bar.start.findData("neutral"))
        bar.end.setCurrentIndex(bar.end.findData("leg_lift"))
        bar.seconds.setValue(3.0)
        bar.speed.setCurrentIndex(bar.speed.findData(1.0))
        bar.loop.setChecked(False)
    if window.motion_pages is not None:  # the Joints tab, as it opened (K shows the Play tab)
        window.motion_pages.setCurrentIndex(0)
    with window.renderer.hold(render=False):  # one frame at the end, not one per change
        window.slice_view.safe_zones.setChecked(False)
        window.section_panel.show_handle.setChecked(True)
        window.section_handle.set_wanted(True)
        window.showNormal()
        window.resize(*SIZE)
        window.restoreState(home.docks)
        for dock in window.docks():
            dock.show()
        window.structures_dock.raise_()
        window.info_dock.raise_()
        scene = window.scene
        scene.set_palette(STANDARD.name)
        scene.set_length_colours(False)
        scene.restore(home.scene)
        scene.set_view(home.scene.view)  # the camera home
        history = window.history  # a history of its own: nothing to undo
        history._undo, history._redo, history._current = [], [], scene.state()
        history.changed.emit()
        window.bookmarks.use_store(bookmarks)
        window.search_box.clear()
        window.statusBar().clearMessage()
    window.plotter.render()


@pytest.fixture
def window(shared_window, qtbot, tmp_path, catalogue):
    """The shared window as it opened: 1280x800, the shipped atlas and teaching content,
    a bookmark store of its own (``window.bookmarks.store``, in ``tmp_path/data``), active
    (shortcuts need an active window; Xvfb has no window manager to activate it)."""
    window, home = shared_window
    put_back(window, home, BookmarkStore(tmp_path / "data" / "bookmarks.yaml", catalogue))
    QApplication.processEvents()
    window.activateWindow()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow)
    window.focus_view()
    yield window
    window.player.pause()
    window.flight.finish()


@pytest.fixture
def scene(request, catalogue, landmarks, attachments):
    """The window's scene in a test that has the window; otherwise a fresh one, no window."""
    if "window" in request.fixturenames:
        return request.getfixturevalue("window").scene
    return SceneModel(catalogue, landmarks, attachments)


# The quiz's tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quiz_data_dir(tmp_path_factory):
    """A user data folder of the module's own: its quiz progress."""
    return tmp_path_factory.mktemp("quiz-data")


def ready_for_the_quiz(qtbot, window, data_dir, monkeypatch, size: tuple[int, int]):
    """The window at ``size``, its quiz progress read again from ``data_dir`` (as a new
    window does), the 3D view focused for the answer keys."""
    monkeypatch.setenv("PSOAS_ATLAS_DATA", str(data_dir))
    window.quiz._progress = None
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    window.focus_view()
    return window
