"""Annotated screenshots with no display: a pure off-screen VTK plotter (EGL), no Qt, no X.

Labels, leader lines, title, legend and attribution are drawn by VTK at the output
resolution (never a scaled-up screen grab), so they are crisp at 1280x720 and at
3840x2160 alike. The PNG records what it shows in its text chunks, and is written to a
temporary file and renamed.
"""

from __future__ import annotations

import gc
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app import __version__
from app.interrupts import deferred
from app.model.io.atomic import atomic_write_bytes
from app.model.scene.state import Picture, SceneModel
from app.model.scene.views import CameraPose

ATTRIBUTION = (
    f"Psoas Atlas {__version__} · bones: myo-sim (Apache-2.0), pelvis: gias3.examples CT "
    "(MPL-2.0) · soft tissue and notes: Psoas Atlas"
)
#: The export background: the middle of the window's gradient.
EXPORT_BACKGROUND = "#2a313d"
#: zlib level for PNG files: 1 writes a 4K image four times faster than the default 6,
#: for files about a quarter larger (6 MB rather than 4.8 MB at 3840x2160).
PNG_COMPRESSION = 1
#: Text scale of an export relative to the 800-pixel-high screen it is designed on: text,
#: leader lines and margins are drawn height / 800 times their size on screen, smaller in a
#: 480x270 video frame, larger in a 4K print (text stops shrinking at a readable size).
REFERENCE_HEIGHT = 800
#: Leader lines on a light background (a handout's pictures): dark, as the light ones vanish.
DARK_LINES = (0.2, 0.22, 0.26)
LIGHT_LINES = (0.95, 0.95, 0.95)


class RenderError(Exception):
    """A picture that could not be drawn (never written as a blank file)."""


def ensure_headless_vtk() -> None:
    """Make VTK render through EGL so no X server is needed (before the first render window)."""
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


@dataclass(frozen=True)
class Annotations:
    """What one export changes of the scene's :class:`~app.model.scene.state.Picture` (the export
    dialog's choices): ``None`` keeps the picture's title or caption, ``""`` drops it."""

    labels: bool = True
    title: str | None = None
    caption: str | None = None
    transparent: bool = False
    #: The footnote in place of the picture's (``""``: none), and the attribution after it.
    footnote: str | None = None
    attribution: bool = True
    #: The background colour (None: :data:`EXPORT_BACKGROUND`; a light one for paper).
    background: str | None = None

    def over(self, picture: Picture) -> Picture:
        """The picture this export draws."""
        return replace(
            picture,
            title=picture.title if self.title is None else (self.title or None),
            caption=picture.caption if self.caption is None else (self.caption or None),
            footnote=picture.footnote if self.footnote is None else (self.footnote or None),
            labels=picture.labels and self.labels,
        )


def metadata(
    scene: SceneModel, size: tuple[int, int], picture: Picture, camera: CameraPose | None = None
) -> dict[str, Any]:
    """What the image shows, stored in the PNG so that it can be reproduced."""
    camera = camera or scene.camera
    return {
        "generator": f"psoas-atlas {__version__}",
        "size": list(size),
        "view": scene.view.name,
        "camera": camera.model_dump(mode="json") if camera is not None else None,
        "selected": scene.selected,
        "structures": scene.shown_ids,
        "title": picture.title,
        "caption": picture.caption,
        "labels": picture.labels,
    }


class Exporter:
    """An off-screen plotter kept for exports: meshes are uploaded and shaders compiled once,
    then each image only re-reads the model, resizes and renders (the window keeps one for
    a burst of exports and closes it when it rests; a lesson handout renders all its steps
    with one).

    It does not follow the model between exports (no work on every click); :meth:`render`
    catches up with it. Between exports the buffers shrink back, so a 4K frame does not stay
    in memory.
    """

    IDLE_SIZE = (64, 64)

    def __init__(self, scene: SceneModel, detail: str = "standard"):
        self.scene = scene
        with deferred():
            self._open(scene, detail)

    def _open(self, scene: SceneModel, detail: str) -> None:
        import pyvista as pv

        from app.render.scene_renderer import SceneRenderer

        self.plotter = pv.Plotter(off_screen=True, window_size=list(self.IDLE_SIZE))
        # FXAA, not pyvista's default 8x multisampling: at 3840x2160 the multisampled buffers
        # take over half a gigabyte and most of the frame time with software OpenGL. Set on
        # VTK's renderer directly: pyvista's enable_anti_aliasing("fxaa") swaps in a costly
        # supersampling pass (with a warning) whenever VTK was built with EGL, as here, though
        # VTK's FXAA works there.
        self.plotter.render_window.SetMultiSamples(0)
        self.plotter.renderer.SetUseFXAA(True)
        self.renderer = SceneRenderer(self.plotter, scene, detail=detail)
        self.renderer.disconnect()
        self.renderer.footnote_suffix = ATTRIBUTION

    def render(
        self, size: tuple[int, int], notes: Annotations = Annotations(), camera: CameraPose | None = None
    ) -> Any:
        """The scene as the model says now, with its picture (as ``notes`` change it), at
        ``size``: an RGB(A) numpy image."""
        with deferred():
            return self._render(size, notes, camera)

    def _render(self, size: tuple[int, int], notes: Annotations, camera: CameraPose | None) -> Any:
        renderer, plotter = self.renderer, self.plotter
        # The render window's own SetSize: pyvista's window_size setter renders a frame, a
        # whole 4K frame of the previous picture on every export but the first.
        plotter.render_window.SetSize(*size)
        renderer.output_scale = size[1] / REFERENCE_HEIGHT
        renderer.picture = notes.over(self.scene.picture)
        renderer.footnote_suffix = ATTRIBUTION if notes.attribution else ""
        background = "black" if notes.transparent else notes.background or EXPORT_BACKGROUND
        renderer.emphasis.labels.set_line_color(DARK_LINES if _light(background) else LIGHT_LINES)
        renderer.sync(camera)
        # Flat, not the window's gradient: it prints evenly, and at 4K it costs llvmpipe a
        # third of a second to fill and zlib as long again to compress.
        plotter.set_background(background)
        # pyvista's screenshot reads the last frame drawn and renders only the first time:
        # without this frame every export after the first showed the one before it.
        plotter.render()
        image = plotter.screenshot(return_img=True, transparent_background=notes.transparent)
        plotter.window_size = list(self.IDLE_SIZE)
        # Every picture has at least the attribution on its background: one flat colour
        # means OpenGL could not draw at this size (an incomplete framebuffer), and a blank
        # file must never be written.
        if not (image != image[0, 0]).any():
            raise RenderError(f"OpenGL drew nothing at {size[0]}x{size[1]} (try a smaller size)")
        return image

    def png(
        self, size: tuple[int, int], notes: Annotations = Annotations(), camera: CameraPose | None = None
    ) -> bytes:
        """:meth:`render` encoded as PNG, with what it shows in its metadata."""
        image = self.render(size, notes, camera)
        return png_bytes(image, metadata(self.scene, size, notes.over(self.scene.picture), camera))

    def __enter__(self) -> Exporter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        with deferred():
            self._close()

    def _close(self) -> None:
        self.renderer.overlay.remove()
        self.renderer.emphasis.labels.remove()
        self.plotter.close()
        # The plotter, its actors and VTK's callbacks form reference cycles that hold the
        # render window's memory: let go of them and collect them now. Collecting while this
        # exporter still held them (as it did; its caller holds it through the call) freed
        # nothing, and Python's full collections are rare with a million objects alive, so
        # closed exporters piled up in the window (some 30 MB of heap each).
        del self.plotter, self.renderer
        gc.collect()


def _light(colour: str) -> bool:
    """Whether a background is light (dark lines read on it)."""
    import pyvista as pv

    return sum(pv.Color(colour).float_rgb) / 3 > 0.5


def render_image(
    scene: SceneModel,
    size: tuple[int, int],
    notes: Annotations = Annotations(),
    camera: CameraPose | None = None,
) -> Any:
    """Render the scene with its annotations off screen, once; return an RGB(A) numpy image.

    The camera is ``camera`` if given, else the scene's exact pose or standard view. The
    command line calls :func:`ensure_headless_vtk` first.
    """
    with Exporter(scene) as exporter:
        return exporter.render(size, notes, camera)


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
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=chunks, compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def render_png(
    scene: SceneModel,
    size: tuple[int, int],
    notes: Annotations = Annotations(),
    camera: CameraPose | None = None,
) -> bytes:
    with Exporter(scene) as exporter:
        return exporter.png(size, notes, camera)


def save_screenshot(
    scene: SceneModel,
    out: Path,
    size: tuple[int, int],
    notes: Annotations = Annotations(),
    camera: CameraPose | None = None,
) -> None:
    """Render and write ``out`` atomically (no partial file on failure)."""
    atomic_write_bytes(Path(out), render_png(scene, size, notes, camera))
