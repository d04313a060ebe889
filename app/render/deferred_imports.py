"""Import pyvista without the modules it imports and the atlas never uses.

- ``matplotlib.pyplot`` and ``matplotlib.backends.backend_agg``: pyvista's plotting layer
  imports them (``pyvista.plotting.colors`` and ``charts``) but calls them only to look up
  matplotlib colour cyclers and to draw matplotlib charts in a scene, which the atlas never
  does: about 0.3 s and 25 MB of every start. While pyvista is imported in
  :func:`lean_pyvista`, each is a stand-in module; the real module is imported the first
  time anything is looked up in a stand-in, so pyvista's cyclers and charts still work, one
  import later. (matplotlib itself stays: pyvista needs its colour classes at import.)
- ``mypy``: pyvista imports its mypy plugin's dependencies whenever mypy is installed (in a
  development install: mypy checks this project), 15 MB and 0.08 s that type checking needs,
  not the atlas; while pyvista is imported in :func:`lean_pyvista` mypy counts as absent.
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
#: Optional packages that pyvista looks for and imports if installed, hidden while it is
#: imported (``importlib.util.find_spec`` answers None for a name that is None in
#: ``sys.modules``).
HIDDEN = ("mypy",)


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
    """Import pyvista (and its plotting layer) inside this block. The stand-ins and the
    hidden names leave ``sys.modules`` at its end, so that any later import of them
    (``matplotlib.use``, a user's ``import matplotlib.pyplot``) gets the real module.
    Modules imported already are left alone: then this block changes nothing."""
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
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
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
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
