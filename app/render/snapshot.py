"""Annotated screenshots with no display: a pure off-screen VTK plotter (EGL), no Qt, no X.

Labels, leader lines, title, legend and attribution are drawn by VTK at the output
resolution (never a scaled-up screen grab), so they are crisp at 1280x720 and at
3840x2160 alike. The PNG records what it shows in its text chunks, and is written to a
temporary file and renamed.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.files import atomic_write_bytes
from app.model.scene import SceneModel

ATTRIBUTION = (
    f"Psoas Atlas {__version__} · bone geometry: myo-sim (Apache-2.0) · soft tissue and notes: Psoas Atlas"
)
#: Text scale of an export relative to the 800-pixel-high screen it is designed on.
REFERENCE_HEIGHT = 800


def ensure_headless_vtk() -> None:
    """Make VTK render through EGL so no X server is needed (before the first render window)."""
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


@dataclass(frozen=True)
class Annotations:
    """What an exported image shows beside the anatomy."""

    labels: bool = True
    title: str | None = None
    caption: str | None = None
    transparent: bool = False


def metadata(scene: SceneModel, size: tuple[int, int], notes: Annotations) -> dict[str, Any]:
    """What the image shows, stored in the PNG so that it can be reproduced."""
    return {
        "generator": f"psoas-atlas {__version__}",
        "size": list(size),
        "view": scene.view.name,
        "selected": scene.selected,
        "structures": scene.visible_ids,
        "title": notes.title,
        "labels": notes.labels,
    }


def render_image(scene: SceneModel, size: tuple[int, int], notes: Annotations = Annotations()) -> Any:
    """Render the scene with its annotations off screen; return an RGB(A) numpy image."""
    ensure_headless_vtk()
    import pyvista as pv

    from app.render.scene_renderer import SceneRenderer

    scale = max(1.0, size[1] / REFERENCE_HEIGHT)
    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        renderer = SceneRenderer(plotter, scene, label_scale=scale)
        renderer.apply_view(scene.view, render=False)
        if not notes.labels:
            renderer.emphasis.labels.set_labels([])
        if notes.title:
            _text(plotter, notes.title, (0.5, 0.975), round(26 * scale), bold=True, anchor="top")
        if notes.caption:
            _text(
                plotter,
                notes.caption,
                (0.5, 0.045),
                round(17 * scale),
                anchor="bottom",
                wrap=size[0] // round(10 * scale),
            )
        _text(plotter, ATTRIBUTION, (0.01, 0.008), round(10 * scale), anchor="left", opacity=0.8)
        if notes.transparent:
            plotter.set_background("black")  # a gradient has no alpha channel to clear
        image = plotter.screenshot(return_img=True, transparent_background=notes.transparent)
        renderer.disconnect()
    finally:
        plotter.close()
    return image


def _text(plotter, text: str, position: tuple[float, float], size: int, bold: bool = False,
          anchor: str = "top", opacity: float = 1.0, wrap: int | None = None) -> None:  # fmt: skip
    """A 2D text in normalised viewport coordinates, with a shadow for any background."""
    from vtkmodules.vtkRenderingCore import vtkTextActor

    if wrap:
        import textwrap

        text = "\n".join(textwrap.wrap(text, wrap))
    actor = vtkTextActor()
    actor.SetInput(text)
    actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    actor.GetPositionCoordinate().SetValue(*position)
    prop = actor.GetTextProperty()
    prop.SetFontSize(size)
    prop.SetBold(bold)
    prop.SetColor(1.0, 1.0, 1.0)
    prop.SetOpacity(opacity)
    prop.SetShadow(True)
    if anchor == "left":
        prop.SetJustificationToLeft()
        prop.SetVerticalJustificationToBottom()
    else:
        prop.SetJustificationToCentered()
        prop.SetVerticalJustificationToTop() if anchor == "top" else prop.SetVerticalJustificationToBottom()
    plotter.renderer.AddViewProp(actor)


def png_bytes(image: Any, info: dict[str, Any]) -> bytes:
    """Encode an image as PNG with the scene description in its text chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    chunks = PngInfo()
    chunks.add_text("Software", info["generator"])
    if info.get("title"):
        chunks.add_text("Title", str(info["title"]))
    chunks.add_text("Description", json.dumps(info))
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=chunks)
    return buffer.getvalue()


def render_png(scene: SceneModel, size: tuple[int, int], notes: Annotations = Annotations()) -> bytes:
    return png_bytes(render_image(scene, size, notes), metadata(scene, size, notes))


def save_screenshot(
    scene: SceneModel, out: Path, size: tuple[int, int], notes: Annotations = Annotations()
) -> None:
    """Render and write ``out`` atomically (no partial file on failure)."""
    atomic_write_bytes(Path(out), render_png(scene, size, notes))
