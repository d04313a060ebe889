"""The PySide6 window. Widgets only listen to the scene model and call it."""

# The rendering layer is imported here, before any module of this package imports PySide6,
# on purpose: once imported, PySide6 hooks ``__import__`` and reads the source of every
# module imported after it into ``linecache`` (shiboken's check for ``from __feature__
# import ...``). Imported first, pyvista's plotting layer stays out of it. The gain, measured
# on ``import app.qt.main_window`` (PySide6 6.12, pyvista 0.49, 2 cores, medians of 9 runs in
# one sitting): 0.18 s of CPU time (1.14 s instead of 1.32 s), 31 MB, and 350,000 lines of
# source not kept in memory. ``tests/qt/test_startup.py`` fails when the order stops keeping
# those lines out (a PySide6 without the hook): then this import can go.
import app.render  # noqa: F401
