"""Small pictures of bookmarks (lesson steps), rendered off screen for the Bookmarks list.

A step (in a bookmark's pose) is applied to a scene model of the renderer's own, never the
window's, and drawn by an :class:`~app.render.snapshot.Exporter` at thumbnail size with the
anatomy only: no labels, legend, texts or attribution, which would be illegible at that
size. It is drawn the way the window looks when the picture is made: in its palette, and
with the muscles coloured by length change when they are there (ways of looking, not part
of a step). The exporter (an off-screen plotter holding every mesh, a few hundred megabytes with
software OpenGL) is made at the first picture and kept until :meth:`StepThumbnails.close`,
which the Bookmarks panel calls once it has been idle a while.
"""

from __future__ import annotations

from typing import Any

from app.model.scene.state import SceneModel
from app.model.teaching.bookmarks import THUMBNAIL_SIZE
from app.model.teaching.lessons import Step, apply_step
from app.render.snapshot import Annotations, Exporter, png_bytes


class StepThumbnails:
    """``thumbnails(step)``: the PNG of ``step`` at :data:`THUMBNAIL_SIZE` (raises
    :class:`~app.render.snapshot.RenderError` when nothing could be drawn)."""

    def __init__(self, scene: SceneModel, size: tuple[int, int] = THUMBNAIL_SIZE):
        #: The window's scene, whose way of looking the pictures take.
        self.window_scene = scene
        self.scene = scene.fresh()
        self.size = size
        self.exporter: Exporter | None = None

    def __call__(self, step: Step) -> bytes:
        apply_step(self.scene, step)
        self.scene.set_palette(self.window_scene.palette.name)
        self.scene.set_length_colours(self.window_scene.length_colours)
        if self.exporter is None:
            self.exporter = Exporter(self.scene)
            # Whatever the export draws in 2D (texts, legend, labels), hidden just before each
            # frame: at 256 x 144 it would cover the anatomy and could not be read.
            self.exporter.plotter.renderer.AddObserver("StartEvent", _anatomy_only)
        image = self.exporter.render(self.size, Annotations(labels=False))
        return png_bytes(image, {"generator": "psoas-atlas thumbnail", "step": step.title})

    def close(self) -> None:
        """Free the off-screen plotter (the next picture makes a new one)."""
        if self.exporter is not None:
            exporter, self.exporter = self.exporter, None
            exporter.close()


def _anatomy_only(renderer: Any, _event: str) -> None:
    props = renderer.GetViewProps()
    props.InitTraversal()
    for _ in range(props.GetNumberOfItems()):
        prop = props.GetNextProp()
        if prop is not None and prop.IsA("vtkActor2D") and prop.GetVisibility():
            prop.SetVisibility(False)
