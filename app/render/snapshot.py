"""Screenshots with no display: a pure off-screen VTK plotter (EGL), no Qt, no X server."""

from __future__ import annotations

import io
import os
from pathlib import Path

from app.files import atomic_write_bytes
from app.model.scene import SceneModel


def ensure_headless_vtk() -> None:
    """Make VTK render through EGL so no X server is needed (before the first render window)."""
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def render_png(scene: SceneModel, size: tuple[int, int]) -> bytes:
    """Render the scene off screen at ``size`` (width, height) and return PNG bytes."""
    ensure_headless_vtk()
    import pyvista as pv
    from PIL import Image

    from app.render.scene_renderer import SceneRenderer

    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        renderer = SceneRenderer(plotter, scene)
        renderer.apply_view(scene.view, render=False)
        image = plotter.screenshot(return_img=True)
        renderer.disconnect()
    finally:
        plotter.close()
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def save_screenshot(scene: SceneModel, out: Path, size: tuple[int, int]) -> None:
    """Render and write ``out`` atomically (no partial file on failure)."""
    atomic_write_bytes(Path(out), render_png(scene, size))
