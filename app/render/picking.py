"""Turn a pixel into a structure id: a cell picker restricted to the structures' actors.

Each actor gets a static cell locator, so a pick costs well under a millisecond instead of
a scan of every triangle; painted patches, outlines and labels are never picked. Thin
structures (nerves and ligaments, a few pixels wide: :data:`THIN_KINDS`) are picked with
a tolerance: a click that lands beside one, on the bone or muscle behind it, still selects
it. A click goes through what ``passes`` says it passes (the dimmed context skeleton) to
what lies behind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping

from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator
from vtkmodules.vtkRenderingCore import vtkActor, vtkCellPicker, vtkRenderer

from app.model.anatomy.structures import Catalogue, Kind

#: How far from a thin structure (display pixels) a click still picks it.
THIN_TOLERANCE_PX = 6.0
#: The kinds drawn a few pixels wide from the standard views: the nerves and the inguinal
#: ligament (a band about 5 px across at 1366x768), hard to hit exactly.
THIN_KINDS = frozenset({Kind.nerve, Kind.ligament})


def thin_structures(catalogue: Catalogue) -> list[str]:
    """The structures picked with a tolerance (:data:`THIN_KINDS`)."""
    return [s.id for s in catalogue if s.kind in THIN_KINDS]


class StructurePicker:
    """Picks the front-most visible structure under a display pixel (VTK coordinates)."""

    def __init__(
        self,
        renderer: vtkRenderer,
        actors: Mapping[str, vtkActor],
        thin: Collection[str] = (),
        passes: Callable[[str], bool] = lambda _: False,
    ):
        self.renderer = renderer
        self.thin = frozenset(thin)
        #: Whether a click on a structure goes on to what lies behind it.
        self.passes = passes
        self._by_actor = {id(actor): sid for sid, actor in actors.items()}
        self.picker = vtkCellPicker()
        self.picker.SetTolerance(0.0005)
        self.picker.PickFromListOn()
        self._actors = dict(actors)
        for actor in self._actors.values():
            self.picker.AddPickList(actor)
        self._locators: dict[str, vtkStaticCellLocator] = {}
        self._picking = False

    def locator(self, structure_id: str) -> vtkStaticCellLocator:
        """The static cell locator of a structure's surface, made once and shared (the
        picker and the attachment sites' sight lines use the same ones: 12 MB in all)."""
        if structure_id not in self._locators:
            locator = vtkStaticCellLocator()
            locator.SetDataSet(self._actors[structure_id].GetMapper().GetInput())
            locator.BuildLocator()
            self._locators[structure_id] = locator
        return self._locators[structure_id]

    def forget_locators(self) -> None:
        """The surfaces moved (a new pose): locators are built again when next needed."""
        self.picker.RemoveAllLocators()
        self._locators.clear()
        self._picking = False

    def _build_locators(self) -> None:
        """Every structure's locator, handed to the picker at the first pick: an export
        never picks, and the window's first frame need not wait for them (0.04 s)."""
        for structure_id in self._actors:
            self.picker.AddLocator(self.locator(structure_id))
        self._picking = True

    def pick(self, x: float, y: float, tolerant: bool = True) -> str | None:
        """The structure at display pixel (x, y), origin bottom-left, or None; a thin
        structure within :data:`THIN_TOLERANCE_PX` wins over what is under the pixel
        (unless not ``tolerant``)."""
        exact = self._pick(x, y)
        if exact in self.thin or not self.thin or not tolerant:
            return exact
        for radius in (THIN_TOLERANCE_PX / 3, 2 * THIN_TOLERANCE_PX / 3, THIN_TOLERANCE_PX):
            for k in range(12):  # every 30 degrees: gaps under 3 pixels at the outer ring
                angle = k * math.pi / 6
                near = self._pick(x + radius * math.cos(angle), y + radius * math.sin(angle))
                if near in self.thin:
                    return near
        return self._pick(x, y) if exact is not None else None

    def _pick(self, x: float, y: float) -> str | None:
        """The front-most structure at the pixel, looking through those a click passes; one
        of those where nothing else is behind (picked again: the pick point is on it)."""
        if not self._picking:
            self._build_locators()
        passed: list[vtkActor] = []
        try:
            while self.picker.Pick(x, y, 0.0, self.renderer):
                actor = self.picker.GetActor()
                structure_id = self.structure_of(actor)
                if structure_id is None or not self.passes(structure_id):
                    return structure_id
                passed.append(actor)
                self.picker.DeletePickList(actor)
            if not passed:
                return None
        finally:
            for actor in passed:
                self.picker.AddPickList(actor)
        self.picker.Pick(x, y, 0.0, self.renderer)
        return self.structure_of(self.picker.GetActor())

    def add(self, actor: vtkActor, structure_id: str) -> None:
        """Pick ``actor`` as ``structure_id`` too (a section's cap of it)."""
        self._by_actor[id(actor)] = structure_id
        self.picker.AddPickList(actor)

    def structure_of(self, actor: object) -> str | None:
        """The structure id an actor draws, or None."""
        return self._by_actor.get(id(actor))

    def pick_point(self) -> tuple[float, float, float]:
        return tuple(self.picker.GetPickPosition())  # type: ignore[return-value]
