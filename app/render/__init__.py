"""VTK drawing of the scene model, on any pyvista plotter (the window's or an off-screen one)."""

from app.render.scene_renderer import SceneRenderer

__all__ = ["SceneRenderer"]
