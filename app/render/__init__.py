"""VTK drawing of the scene model, on any pyvista plotter (the window's or an off-screen one)."""

from app.render.deferred_imports import lean_pyvista

# pyvista and its plotting layer first, without the modules they import and never use here.
with lean_pyvista():
    import pyvista.plotting  # noqa: F401

from app.render.scene_renderer import SceneRenderer

__all__ = ["SceneRenderer"]
