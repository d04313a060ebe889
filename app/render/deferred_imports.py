"""Import pyvista without the modules it imports and the atlas never uses.

``matplotlib.pyplot`` and ``matplotlib.backends.backend_agg``: pyvista's plotting layer
imports them (``pyvista.plotting.colors`` and ``charts``) but calls them only to look up
matplotlib colour cyclers and to draw matplotlib charts in a scene, which the atlas never
does. While pyvista is imported in :func:`lean_pyvista`, each is a stand-in module; the real
module is imported the first time anything is looked up in a stand-in, so pyvista's cyclers
and charts still work, one import later. (matplotlib itself stays: pyvista needs its colour
classes at import.)

The gain, measured on ``import app.qt.main_window`` (vtk 9.7, pyvista 0.49, matplotlib 3.11,
2 cores, medians of 7-9 runs in each of two sittings): 0.21-0.23 s of CPU time (1.12 s
instead of 1.35 s), 98 modules and 15-17 MB fewer. ``tests/qt/test_startup.py`` fails when
the stand-ins stop saving modules (a pyvista that no longer imports pyplot): then remove
this module.

(pyvista also imports its mypy plugin's dependencies when mypy is installed; hiding mypy
saved 0.05 s and 16 MB, but only where mypy is installed, a development environment, and no
user's start: that trick was removed.)
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Modules deferred, with the names imported from them at import time (``from m import n``)
#: that are only ever called: each gets a function that imports the module when called.
DEFERRED: dict[str, tuple[str, ...]] = {
    "matplotlib.pyplot": (),
    "matplotlib.backends.backend_agg": ("FigureCanvasAgg",),
}


class DeferredModule(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until something is looked up in it."""

    def __init__(self, name: str, callables: tuple[str, ...] = ()):
        super().__init__(name)
        self.__dict__["_callables"] = callables
        self.__dict__["_module"] = None

    def __getattr__(self, attr: str) -> Any:
        # Dunder look-ups come from the import system (``__path__``, ``__spec__``) and
        # from introspection: they must not import anything.
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr in self._callables:
            return self._caller(attr)
        return getattr(self._load_module(), attr)

    def _caller(self, attr: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(self._load_module(), attr)(*args, **kwargs)

        call.__name__ = call.__qualname__ = attr
        return call

    def _load_module(self) -> types.ModuleType:
        """The real module, imported now if it was not yet."""
        module = self.__dict__["_module"]
        if module is None:
            name = self.__name__
            if sys.modules.get(name) is self:
                del sys.modules[name]
            module = importlib.import_module(name)
            self.__dict__["_module"] = module
        return module


@contextmanager
def lean_pyvista() -> Iterator[None]:
    """Import pyvista (and its plotting layer) inside this block. The stand-ins leave
    ``sys.modules`` at its end, so that any later import of them
    (``matplotlib.use``, a user's ``import matplotlib.pyplot``) gets the real module.
    Modules imported already are left alone: then this block changes nothing."""
    installed: list[str] = []
    for name, callables in DEFERRED.items():
        parent_name, _, child = name.rpartition(".")
        parent = importlib.import_module(parent_name)  # matplotlib: pyvista imports it anyway
        if name not in sys.modules:
            stand_in = DeferredModule(name, callables)
            sys.modules[name] = stand_in
            setattr(parent, child, stand_in)  # ``import matplotlib.pyplot as plt`` binds it
            installed.append(name)
    try:
        yield
    finally:
        for name in installed:
            left = sys.modules.get(name)
            if isinstance(left, DeferredModule):
                del sys.modules[name]
                parent_name, _, child = name.rpartition(".")
                if getattr(sys.modules[parent_name], child, None) is left:
                    delattr(sys.modules[parent_name], child)


def is_deferred(name: str) -> bool:
    """Whether the real module ``name`` has not been imported (yet)."""
    module = sys.modules.get(name)
    if isinstance(module, DeferredModule):
        return module.__dict__["_module"] is None
    return module is None
