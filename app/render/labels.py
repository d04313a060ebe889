"""Labels with leader lines, laid out in screen space so that they never overlap.

Each label is a 2D text box joined by a line to an anchor point in the scene. Before every
render the anchors are projected, boxes are pushed outward from the scene's centre and then
apart from each other, and kept inside the view, so labels stay readable from any angle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkCoordinate, vtkPolyDataMapper2D, vtkTextActor

from app.render.fonts import use_font

Rect = tuple[float, float, float, float]
MARGIN = 8  # pixels kept free at the view's edges
GAP = 6  # pixels between two boxes


#: The labels' (and the legend's) box: a dark fill, mostly opaque, behind the text.
BOX_COLOR = (0.08, 0.09, 0.12)
BOX_OPACITY = 0.82
#: Points of label and legend text at scale 1.
LABEL_PT = 15


@dataclass(frozen=True)
class Label:
    anchor: tuple[float, float, float]
    text: str
    color: str = "#ffffff"  # the text
    bold: bool = False
    frame: str | None = None  # the box's frame (the colour painted in the scene); else ``color``


class LabelLayer:
    """Draws a set of :class:`Label` on a plotter's renderer and re-lays them out each frame."""

    def __init__(self, plotter: pv.Plotter, scale: float = 1.0):
        """``scale`` sizes text, lines and gaps for the output: 1 on screen, about
        height/800 for an exported image, so labels are crisp at any resolution."""
        self.plotter = plotter
        self.renderer = plotter.renderer
        self.labels: list[Label] = []
        #: Sources of screen rectangles (x0, y0, x1, y1 in pixels) that labels keep clear of:
        #: the legend, a title, a caption.
        self.keep_clear: list[Callable[[], list[Rect]]] = []
        self._texts: list[vtkTextActor] = []
        self._lines = vtkPolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._lines)
        self._line_actor = vtkActor2D()
        self._line_actor.SetMapper(mapper)
        self._line_actor.GetProperty().SetColor(0.95, 0.95, 0.95)
        self.renderer.AddViewProp(self._line_actor)
        self.set_scale(scale)
        self._observer = self.renderer.AddObserver("StartEvent", self._layout)
        self.boxes: list[tuple[float, float, float, float]] = []  # last layout, for tests

    def set_scale(self, scale: float) -> None:
        """Resize text, lines and gaps (presentation mode uses large labels)."""
        self.scale = scale
        self.font_size = round(LABEL_PT * scale)
        self._line_actor.GetProperty().SetLineWidth(1.5 * scale)
        if self._texts:
            self.set_labels(self.labels)

    def set_labels(self, labels: list[Label]) -> None:
        for actor in self._texts:
            self.renderer.RemoveViewProp(actor)
        self._texts = []
        self.labels = list(labels)
        for label in self.labels:
            actor = vtkTextActor()
            actor.SetInput(label.text)
            prop = actor.GetTextProperty()
            prop.SetFontSize(self.font_size)
            prop.SetBold(label.bold)
            use_font(prop, label.text, label.bold)
            prop.SetColor(pv.Color(label.color).float_rgb)
            prop.SetBackgroundColor(*BOX_COLOR)
            prop.SetBackgroundOpacity(BOX_OPACITY)
            prop.SetFrame(True)
            prop.SetFrameColor(pv.Color(label.frame or label.color).float_rgb)
            prop.SetFrameWidth(1)
            actor.PickableOff()
            self.renderer.AddViewProp(actor)
            self._texts.append(actor)

    def set_anchors(self, anchors: list[tuple[float, float, float]]) -> None:
        """Move the labels' anchors (the camera moved), keeping their texts."""
        self.labels = [replace(label, anchor=a) for label, a in zip(self.labels, anchors, strict=True)]

    def remove(self) -> None:
        self.set_labels([])
        self.renderer.RemoveViewProp(self._line_actor)
        self.renderer.RemoveObserver(self._observer)

    def _project(self, point: tuple[float, float, float]) -> np.ndarray:
        coordinate = vtkCoordinate()
        coordinate.SetCoordinateSystemToWorld()
        coordinate.SetValue(*point)
        return np.array(coordinate.GetComputedDoubleDisplayValue(self.renderer))

    def _layout(self, *_args) -> None:
        self.boxes = []
        if not self.labels:
            self._lines.Initialize()
            return
        width, height = self.renderer.GetSize()
        x0, y0 = self.renderer.GetOrigin()
        anchors = [self._project(label.anchor) - (x0, y0) for label in self.labels]
        centre = np.mean(anchors, axis=0) if len(anchors) > 1 else np.array([width / 2, height / 2])
        sizes = []
        for actor in self._texts:
            box = [0.0, 0.0, 0.0, 0.0]
            actor.GetBoundingBox(self.renderer, box)
            sizes.append((box[1] - box[0] + 8 * self.scale, box[3] - box[2] + 6 * self.scale))
        # Start each box beside its anchor, pushed away from the labels' centre.
        placed = []
        for anchor, (w, h) in zip(anchors, sizes, strict=True):
            side = 1.0 if anchor[0] >= centre[0] else -1.0
            x = anchor[0] + side * 60 * self.scale - (w if side < 0 else 0)
            y = anchor[1] + 0.35 * (anchor[1] - centre[1]) - h / 2
            placed.append([x, y, w, h, side])
        # Resolve overlaps per column (left / right): keep clear of the title, caption and
        # legend beside the column, push boxes apart upward, then pull them back under the top.
        margin = MARGIN * self.scale
        gap = GAP * self.scale
        obstacles = [rect for source in self.keep_clear for rect in source()]
        for side in (-1.0, 1.0):
            column = sorted((p for p in placed if p[4] == side), key=lambda p: p[1])
            if not column:
                continue
            left = min(float(np.clip(p[0], margin, width - p[2] - margin)) for p in column)
            right = max(float(np.clip(p[0], margin, width - p[2] - margin)) + p[2] for p in column)
            floor, top_limit = margin, height - margin
            for x_lo, y_lo, x_hi, y_hi in obstacles:
                if x_hi < left or x_lo > right:
                    continue
                if (y_lo + y_hi) / 2 < height / 2:
                    floor = max(floor, y_hi + gap)
                else:
                    top_limit = min(top_limit, y_lo - gap)
            for box in column:
                box[1] = max(box[1], floor)
                floor = box[1] + box[3] + gap
            for box in reversed(column):
                if box[1] + box[3] > top_limit:
                    box[1] = top_limit - box[3]
                top_limit = box[1] - gap
        points = vtkPoints()
        cells = vtkCellArray()
        for actor, anchor, (x, y, w, h, side) in zip(self._texts, anchors, placed, strict=True):
            x = float(np.clip(x, margin, width - w - margin))
            y = float(np.clip(y, margin, height - h - margin))
            actor.SetPosition(x + 4 * self.scale, y + 3 * self.scale)
            self.boxes.append((x, y, w, h))
            edge = (x if side > 0 else x + w, y + h / 2)
            a = points.InsertNextPoint(anchor[0], anchor[1], 0.0)
            b = points.InsertNextPoint(edge[0], edge[1], 0.0)
            cells.InsertNextCell(2)
            cells.InsertCellPoint(a)
            cells.InsertCellPoint(b)
        self._lines.SetPoints(points)
        self._lines.SetLines(cells)
        self._lines.Modified()
