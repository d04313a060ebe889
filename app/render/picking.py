"""Turn a pixel into a structure id: a cell picker restricted to the structures' actors.

Each actor gets a static cell locator, so a pick costs well under a millisecond instead of
a scan of every triangle; painted patches, outlines and labels are never picked.
"""

from __future__ import annotations

from collections.abc import Mapping

from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator
from vtkmodules.vtkRenderingCore import vtkActor, vtkCellPicker, vtkRenderer


class StructurePicker:
    """Picks the front-most visible structure under a display pixel (VTK coordinates)."""

    def __init__(self, renderer: vtkRenderer, actors: Mapping[str, vtkActor]):
        self.renderer = renderer
        self._by_actor = {id(actor): sid for sid, actor in actors.items()}
        self.picker = vtkCellPicker()
        self.picker.SetTolerance(0.0005)
        self.picker.PickFromListOn()
        self._locators = []
        for actor in actors.values():
            self.picker.AddPickList(actor)
            locator = vtkStaticCellLocator()
            locator.SetDataSet(actor.GetMapper().GetInput())
            locator.BuildLocator()
            self.picker.AddLocator(locator)
            self._locators.append(locator)

    def pick(self, x: float, y: float) -> str | None:
        """The structure at display pixel (x, y), origin bottom-left, or None."""
        if not self.picker.Pick(x, y, 0.0, self.renderer):
            return None
        return self.structure_of(self.picker.GetActor())

    def structure_of(self, actor: object) -> str | None:
        """The structure id an actor draws, or None."""
        return self._by_actor.get(id(actor))

    def pick_point(self) -> tuple[float, float, float]:
        return tuple(self.picker.GetPickPosition())  # type: ignore[return-value]
