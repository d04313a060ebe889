"""Shared fixtures: the shipped catalogue and scene, meshes read once per session."""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_API", "pyside6")

from app.memory import keep_for_good
from app.model.anatomy.landmarks import load_attachments, load_landmarks
from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from app.model.scene.state import SceneModel


@pytest.fixture(autouse=True, scope="session")
def user_data_folder(tmp_path_factory):
    """Bookmarks written by tests go to a temporary folder, never the user's own."""
    folder = tmp_path_factory.mktemp("user-data")
    os.environ["PSOAS_ATLAS_DATA"] = str(folder)
    return folder


@pytest.fixture(autouse=True)
def vtk_window_kind_as_it_was(monkeypatch):
    """A command run in this process chooses VTK's headless (EGL) window for itself: taken
    back after each test, so that a later window test's off-screen pictures are not drawn
    through EGL beside the window's GLX (they come out empty)."""
    monkeypatch.delenv("VTK_DEFAULT_OPENGL_WINDOW", raising=False)


@pytest.fixture
def plotters_closed():
    """Fail a test that leaves a pyvista plotter open (autouse in tests/render and tests/cli).

    An open off-screen plotter keeps its render window, OpenGL context and framebuffers (tens
    of MB with software OpenGL) for the rest of the session: pyvista holds every plotter in
    ``_ALL_PLOTTERS`` until ``close()``, the registry its own ``close_all`` uses. Comparing
    its keys before and after a test costs nothing, where a ``gc`` census of VTK objects (as
    in pyvista's own suite) took 0.4 s per test here and found none after a whole export:
    VTK's wrapped objects are not in ``gc``'s lists. A plotter opened by a module fixture is
    there before each test and is closed by the fixture. The ones left are closed, so the
    next test starts clean.
    """
    from pyvista.plotting import _ALL_PLOTTERS

    before = set(_ALL_PLOTTERS)
    yield
    left = [plotter for name, plotter in _ALL_PLOTTERS.items() if name not in before]
    for plotter in left:
        plotter.close()
    if left:
        kinds = ", ".join(sorted(type(plotter).__name__ for plotter in left))
        pytest.fail(f"the test left {len(left)} plotter(s) open ({kinds}): close them (or use Exporter)")


@pytest.fixture
def make_read_only(monkeypatch):
    """Make a folder that this user cannot write in: mode 0o500, given back at the end.

    Root (CI runs as root) writes there all the same, so for root the refusals a user meets
    are made by hand, at the calls that meet them: ``os.access`` says no for the folder
    (output_problem in app/model/io/atomic.py asks it before any work), and a temporary file
    or folder made in it raises EACCES, as the kernel does for a user (an atomic write's
    first step). A test that uses it runs its refusal path as anyone, through the real
    permission where there is one.
    """
    made: list[Path] = []

    def make(folder: Path) -> Path:
        folder.chmod(0o500)
        made.append(folder)
        if os.access(folder, os.W_OK):  # root: nothing refuses yet
            locked = {os.path.realpath(f) for f in made}
            access, mkstemp, mkdtemp = os.access, tempfile.mkstemp, tempfile.mkdtemp

            def refused(path) -> bool:
                return path is not None and os.path.realpath(path) in locked

            def access_(path, mode, *args, **kwargs):
                return False if mode & os.W_OK and refused(path) else access(path, mode, *args, **kwargs)

            def in_folder(make_in):
                def make_(*args, dir=None, **kwargs):
                    if refused(dir):
                        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
                    return make_in(*args, dir=dir, **kwargs)

                return make_

            monkeypatch.setattr(os, "access", access_)
            monkeypatch.setattr(tempfile, "mkstemp", in_folder(mkstemp))
            monkeypatch.setattr(tempfile, "mkdtemp", in_folder(mkdtemp))
        return folder

    yield make
    for folder in made:
        if folder.exists():  # a test may have removed it
            folder.chmod(0o700)


@pytest.fixture(scope="session")
def catalogue():
    catalogue, errors = load_catalogue(paths.structures_file(), paths.meshes_dir())
    assert errors == []
    return catalogue


@pytest.fixture(scope="session")
def landmarks():
    landmarks, errors = load_landmarks(paths.landmarks_file())
    assert errors == []
    return landmarks


@pytest.fixture(scope="session")
def attachments():
    attachments, errors = load_attachments(paths.attachments_file())
    assert errors == []
    return attachments


@pytest.fixture
def scene(catalogue, landmarks, attachments):
    return SceneModel(catalogue, landmarks, attachments)


@pytest.fixture(scope="session")
def meshes(catalogue):
    import pyvista as pv

    return {s.id: pv.read(paths.meshes_dir() / s.mesh) for s in catalogue}


def pytest_addoption(parser):
    parser.addoption(
        "--soak-actions",
        type=int,
        default=200,
        help="random user actions in the soak test (the full run uses 2000 or more)",
    )
    parser.addoption(
        "--soak-kinds",
        default="",
        help="comma-separated action kinds the soak draws from after its warm-up (default: all), "
        "to find which kind a leak comes from",
    )


@pytest.fixture
def open_window(qtbot):
    """Open main windows that are shown, active (for shortcuts) and closed after the test."""
    from app.qt.main_window import MainWindow

    opened = []

    def open_(scene, *args, size: tuple[int, int] | None = None, **kwargs):
        w = MainWindow(scene, *args, **kwargs)
        qtbot.addWidget(w)
        if size is not None:
            w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        # Xvfb has no window manager to activate the window; shortcuts need an active window.
        w.windowHandle().requestActivate()
        qtbot.waitUntil(w.isActiveWindow)
        opened.append(w)
        return w

    yield open_
    for w in opened:
        w.close()


# The fuzz tests' count, said once at the end of the run -------------------------------------


def _bad_inputs_thrown() -> int:
    """How many generated bad inputs the fuzz tests of this process threw."""
    counts = [
        module.BAD_INPUTS
        for name in ("tests.cli.test_fuzz", "tests.cli.test_fuzz_data")
        if (module := sys.modules.get(name)) is not None
    ]
    return sum(sum(count.values()) for count in counts)


#: The bad inputs that the suite's worker processes (pytest-xdist) threw, as each finished.
_THROWN_BY_WORKERS: list[int] = []


def pytest_sessionfinish(session) -> None:
    """A worker process hands its count to the controller (pytest-xdist's workeroutput)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["bad_inputs"] = _bad_inputs_thrown()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _THROWN_BY_WORKERS.append(getattr(node, "workeroutput", {}).get("bad_inputs", 0))


def pytest_terminal_summary(terminalreporter) -> None:
    """How many generated bad inputs the fuzz tests threw, said once at the end of the run
    (a test that counted what the tests before it tried depended on their order)."""
    total = _bad_inputs_thrown() + sum(_THROWN_BY_WORKERS)
    if total:
        terminalreporter.write_line(f"generated bad inputs thrown at loaders and commands: {total:,}")


# Garbage -------------------------------------------------------------------------------------


def pytest_collection_finish(session) -> None:
    """What collection made (every module imported: VTK's, Qt's and matplotlib's wrappers,
    hypothesis) is left out of Python's full collections, as the app leaves out what its
    start-up made (:func:`app.memory.keep_for_good`): each exporter's close collects in full."""
    keep_for_good()


# Order -------------------------------------------------------------------------------------


def pytest_collection_modifyitems(items) -> None:
    """The slow tests first (a stable sort: the rest keep their order): the suite's worker
    processes (pytest-xdist) take them at the start, not one at the end while the others wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
