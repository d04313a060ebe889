"""The legend of the emphasis colours: a swatch and a name per colour, in a dark box.

Its text is drawn at the labels' font size (VTK's legend box actor scales its text to fill
its box, which made the legend twice the labels' size); the box is sized from the text and
laid out in pixels before each frame, at the bottom right, or at the top right under the
title when a caption takes the bottom.
"""

from __future__ import annotations

import pyvista as pv
from vtkmodules.vtkCommonCore import vtkPoints, vtkUnsignedCharArray
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkTextActor

from app.render.fonts import use_font
from app.render.labels import BOX_COLOR, BOX_OPACITY, LabelLayer, Rect

#: Where the box sits, as fractions of the view: its right edge, its bottom edge (at the
#: bottom) and its top edge (at the top, under the title).
RIGHT = 0.985
BOTTOM = 0.025
TOP = 0.9


def _quad(x0: float, y0: float, x1: float, y1: float, points: vtkPoints, cells: vtkCellArray) -> None:
    ids = [points.InsertNextPoint(x, y, 0.0) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    cells.InsertNextCell(4)
    for i in ids:
        cells.InsertCellPoint(i)


class Legend:
    """Entries (name, text colour, swatch colour) drawn beside a :class:`LabelLayer`, at its
    font size and scale; the labels keep clear of it."""

    def __init__(self, labels: LabelLayer):
        self.labels = labels
        self.renderer = labels.renderer
        self.entries: list[tuple[str, str, str]] = []
        self.on_top = False
        self.shown = False
        self._texts: list[vtkTextActor] = []
        self._box, self._box_actor = self._polygons(BOX_OPACITY)
        self._box_actor.GetProperty().SetColor(*BOX_COLOR)
        self._frame = vtkPolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._frame)
        self._frame_actor = vtkActor2D()
        self._frame_actor.SetMapper(mapper)
        self._frame_actor.GetProperty().SetColor(0.95, 0.95, 0.95)
        self.renderer.AddViewProp(self._frame_actor)
        self._swatches, self._swatch_actor = self._polygons(1.0)
        self._swatch_colors = vtkUnsignedCharArray()
        self._swatch_colors.SetNumberOfComponents(3)
        self._swatches.GetCellData().SetScalars(self._swatch_colors)
        swatch_mapper = self._swatch_actor.GetMapper()
        swatch_mapper.ScalarVisibilityOn()
        swatch_mapper.SetScalarModeToUseCellData()
        self._set_visibility(False)
        self._rect: Rect | None = None
        self._observer = self.renderer.AddObserver("StartEvent", self._layout)
        labels.keep_clear.append(self.rects)

    def _polygons(self, opacity: float) -> tuple[vtkPolyData, vtkActor2D]:
        data = vtkPolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(data)
        mapper.ScalarVisibilityOff()
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        actor.GetProperty().SetOpacity(opacity)
        actor.PickableOff()
        self.renderer.AddViewProp(actor)
        return data, actor

    def _set_visibility(self, shown: bool) -> None:
        for actor in (self._box_actor, self._frame_actor, self._swatch_actor, *self._texts):
            actor.SetVisibility(shown)

    def set_entries(self, entries: list[tuple[str, str, str]]) -> None:
        """Show these entries: (name, text colour, swatch colour); none hides the legend."""
        for actor in self._texts:
            self.renderer.RemoveViewProp(actor)
        self._texts = []
        self.entries = list(entries)
        for text, color, _swatch in self.entries:
            actor = vtkTextActor()
            actor.SetInput(text)
            prop = actor.GetTextProperty()
            use_font(prop, text)
            prop.SetColor(pv.Color(color).float_rgb)
            prop.SetVerticalJustificationToBottom()
            actor.PickableOff()
            self.renderer.AddViewProp(actor)
            self._texts.append(actor)
        self.shown = bool(self.entries)
        self._set_visibility(self.shown)
        self._rect = None

    def text_properties(self) -> list:
        """The entries' vtkTextProperty objects (for tests)."""
        return [actor.GetTextProperty() for actor in self._texts]

    def place(self, on_top: bool) -> None:
        """Bottom right, or top right (under the title)."""
        self.on_top = on_top
        self._rect = None

    def rects(self) -> list[Rect]:
        """The box (x0, y0, x1, y1 in pixels) when shown, for labels to keep clear of."""
        if not self.shown:
            return []
        self._layout()
        return [self._rect] if self._rect is not None else []

    def _layout(self, *_args: object) -> None:
        if not self.shown:
            return
        scale = self.labels.scale
        size = self.labels.font_size
        width, height = self.renderer.GetSize()
        boxes = []
        for actor in self._texts:
            actor.GetTextProperty().SetFontSize(size)
            box = [0.0, 0.0, 0.0, 0.0]
            actor.GetBoundingBox(self.renderer, box)
            boxes.append((box[1] - box[0], box[3] - box[2], (box[2] + box[3]) / 2))
        pad, gap = 6 * scale, 3 * scale
        swatch = 0.7 * size
        line = max(max(h for _, h, _ in boxes), swatch) + gap
        w = pad + swatch + pad + max(w for w, _, _ in boxes) + pad
        h = 2 * pad + line * len(boxes) - gap
        x1 = RIGHT * width
        y0 = TOP * height - h if self.on_top else BOTTOM * height
        x0, y1 = x1 - w, y0 + h
        self._rect = (x0, y0, x1, y1)

        points, cells = vtkPoints(), vtkCellArray()
        _quad(x0, y0, x1, y1, points, cells)
        self._box.SetPoints(points)
        self._box.SetPolys(cells)
        self._box.Modified()
        frame_points, lines = vtkPoints(), vtkCellArray()
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        ids = [frame_points.InsertNextPoint(x, y, 0.0) for x, y in corners]
        lines.InsertNextCell(len(ids))
        for i in ids:
            lines.InsertCellPoint(i)
        self._frame.SetPoints(frame_points)
        self._frame.SetLines(lines)
        self._frame.Modified()
        self._frame_actor.GetProperty().SetLineWidth(max(1.0, scale))

        swatch_points, squares = vtkPoints(), vtkCellArray()
        self._swatch_colors.Reset()
        top = y1 - pad
        for (_, _, color), actor, (_, _, middle) in zip(self.entries, self._texts, boxes, strict=True):
            row_bottom = top - line + gap
            row_mid = row_bottom + (line - gap) / 2
            sx = x0 + pad
            _quad(sx, row_mid - swatch / 2, sx + swatch, row_mid + swatch / 2, swatch_points, squares)
            self._swatch_colors.InsertNextTypedTuple(pv.Color(color).int_rgb)
            actor.SetPosition(sx + swatch + pad, row_mid - middle)
            top -= line
        self._swatches.SetPoints(swatch_points)
        self._swatches.SetPolys(squares)
        self._swatches.Modified()

    def remove(self) -> None:
        self.set_entries([])
        for actor in (self._box_actor, self._frame_actor, self._swatch_actor):
            self.renderer.RemoveViewProp(actor)
        self.renderer.RemoveObserver(self._observer)
        if self.rects in self.labels.keep_clear:
            self.labels.keep_clear.remove(self.rects)
