"""Labels with leader lines, laid out in screen space so that they never overlap.

Each label is a 2D text box joined by a line to an anchor point in the scene. Before every
render the anchors are projected, boxes are pushed outward from the scene's centre and then
apart from each other, and kept inside the view, so labels stay readable from any angle.
Labels that name spinal levels ("L2 foramen") are stacked in the spine's order, T12 above L4,
whatever the view (seen from above the levels project onto one another). A label that finds
no room (a small export) is left out rather than drawn over another, and so is one whose
anchor the view does not show (``seen``: a section's cut).
"""

from __future__ import annotations

import re
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
#: The smallest label text (pixels): below it a small export or video frame is unreadable,
#: so there text stops shrinking with the output (lines, gaps and margins go on).
MIN_LABEL_PX = 9
#: Spinal levels from the top, for stacking labels that start with one.
LEVELS = ("T12", "L1", "L2", "L3", "L4", "L5", "S1")
_LEVEL = re.compile(r"^(T12|L[1-5]|S1)\b")


def level_rank(text: str) -> int | None:
    """Where a label's level comes in the spine (0 for T12), or None for a label without one."""
    match = _LEVEL.match(text)
    return LEVELS.index(match.group(1)) if match else None


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
        #: Which anchors (n, 3) the view shows (None: all): a label on a hidden one is left out.
        self.seen: Callable[[np.ndarray], np.ndarray] | None = None
        self.boxes: list[tuple[float, float, float, float]] = []  # last layout (drawn labels)
        self.drawn: list[int] = []  # indices of the labels drawn in the last layout

    def set_scale(self, scale: float) -> None:
        """Resize text, lines and gaps (presentation mode uses large labels)."""
        self.scale = scale
        self.font_size = max(MIN_LABEL_PX, round(LABEL_PT * scale))
        self._line_actor.GetProperty().SetLineWidth(max(1.0, 1.5 * scale))
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

    def set_line_color(self, rgb: tuple[float, float, float]) -> None:
        """The leader lines' colour (light on the dark scene, dark on a light page)."""
        self._line_actor.GetProperty().SetColor(*rgb)

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
        self.boxes, self.drawn = [], []
        if not self.labels:
            self._lines.Initialize()
            return
        width, height = self.renderer.GetSize()
        x0, y0 = self.renderer.GetOrigin()
        anchors = [self._project(label.anchor) - (x0, y0) for label in self.labels]
        seen = np.ones(len(self.labels), dtype=bool)
        if self.seen is not None:
            seen = np.asarray(self.seen(np.array([label.anchor for label in self.labels], dtype=float)))
        shown = [i for i in range(len(self.labels)) if seen[i]]
        centre = (
            np.mean([anchors[i] for i in shown], axis=0)
            if len(shown) > 1
            else np.array([width / 2, height / 2])
        )
        sizes = []
        for actor in self._texts:
            box = [0.0, 0.0, 0.0, 0.0]
            actor.GetBoundingBox(self.renderer, box)
            sizes.append((box[1] - box[0] + 8 * self.scale, box[3] - box[2] + 6 * self.scale))
        # Start each box beside its anchor, pushed away from the labels' centre.
        placed: dict[int, list[float]] = {}
        for i in shown:
            anchor, (w, h) = anchors[i], sizes[i]
            side = 1.0 if anchor[0] >= centre[0] else -1.0
            x = anchor[0] + side * 60 * self.scale - (w if side < 0 else 0)
            y = anchor[1] + 0.35 * (anchor[1] - centre[1]) - h / 2
            placed[i] = [x, y, w, h, side]
        # Resolve overlaps per column (left / right): keep clear of the title, caption and
        # legend beside the column, push boxes apart upward, then pull them back under the top.
        margin = MARGIN * self.scale
        gap = GAP * self.scale
        obstacles = [rect for source in self.keep_clear for rect in source()]
        for side in (-1.0, 1.0):
            column = self._stacked([i for i in shown if placed[i][4] == side], placed)
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
        # Labels in their order of importance (the selection's first): one that would cover
        # another, or the title, caption or legend, is left out (no room in a small picture).
        taken: list[Rect] = list(obstacles)
        points = vtkPoints()
        cells = vtkCellArray()
        for i, (actor, anchor) in enumerate(zip(self._texts, anchors, strict=True)):
            fits = i in placed
            if fits:
                x, y, w, h, side = placed[i]
                x = float(np.clip(x, margin, width - w - margin))
                y = float(np.clip(y, margin, height - h - margin))
                rect = (x, y, x + w, y + h)
                fits = w + 2 * margin <= width and not any(_overlap(rect, other) for other in taken)
            actor.SetVisibility(fits)
            if not fits:
                continue
            taken.append(rect)
            actor.SetPosition(x + 4 * self.scale, y + 3 * self.scale)
            self.boxes.append((x, y, w, h))
            self.drawn.append(i)
            edge = (x if side > 0 else x + w, y + h / 2)
            a = points.InsertNextPoint(anchor[0], anchor[1], 0.0)
            b = points.InsertNextPoint(edge[0], edge[1], 0.0)
            cells.InsertNextCell(2)
            cells.InsertCellPoint(a)
            cells.InsertCellPoint(b)
        self._lines.SetPoints(points)
        self._lines.SetLines(cells)
        self._lines.Modified()

    def _stacked(self, indices: list[int], placed: dict[int, list[float]]) -> list[list[float]]:
        """A column's boxes from the bottom up: by height on screen, except that labels naming
        spinal levels take the places of their group in the spine's order (T12 at the top)."""
        column = sorted(indices, key=lambda i: placed[i][1])
        ranked = [(rank, i) for i in column if (rank := level_rank(self.labels[i].text)) is not None]
        slots = [k for k, i in enumerate(column) if level_rank(self.labels[i].text) is not None]
        heights = sorted(placed[i][1] for _, i in ranked)
        for slot, y, (_, i) in zip(slots, heights, sorted(ranked, reverse=True), strict=True):
            column[slot] = i
            placed[i][1] = y
        return [placed[i] for i in column]


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
