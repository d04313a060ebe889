"""The PySide6 window. Widgets only listen to the scene model and call it."""

# The rendering layer is imported here, before any module of this package imports PySide6,
# on purpose: once imported, PySide6 hooks ``__import__`` and reads the source of every
# module imported after it into ``linecache`` (shiboken's check for ``from __feature__
# import ...``). Imported first, pyvista's plotting layer stays out of it: about 13 MB of
# source text, 30 MB of memory and 0.15 s of every start.
import app.render  # noqa: F401
