"""Draw the scene's section: clip every surface along the plane and cap what it cuts.

Clipping costs no geometry: every structure's mapper (full and low-detail, and the
selection's painted patches and outline) gets the same :class:`vtkPlane` objects, updated
in place, so a moving plane only changes a uniform of the frame. A slab is two planes.

The caps make the cut read as an atlas cross-section rather than a hollow shell: each cut
structure's section, filled solid in the colour it is drawn in, with a darker outline. They
come from VTK's own filters (:class:`vtkPolyDataPlaneCutter`, :class:`vtkStripper`,
:class:`vtkContourTriangulator`: 9 ms for all 41 meshes, a third of what
:class:`vtkClipClosedSurface` takes), only for the structures whose box the plane crosses.
A cap is cut from the surface being drawn: the full one, or the low-detail stand-in while
the view moves (in its actor's frame: a bone's stand-in is placed by its actor's matrix).
Caps are picked as their structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonDataModel import vtkPlane
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkFiltersCore import vtkPolyDataPlaneCutter, vtkStripper
from vtkmodules.vtkFiltersGeneral import vtkContourTriangulator
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

from app.model.scene.state import Aspect
from app.model.sections.planes import Section

#: How far a cap lies inside the kept side (mm): clear of the clipped surface's rim, which
#: the outline (drawn on the plane itself) covers.
CAP_INSET_MM = 0.2
#: The outline's colour is the fill's times this; and its width (pixels).
OUTLINE_SHADE = 0.55
OUTLINE_WIDTH = 2.0
#: The aspects of a change that move or reshape the caps.
RESHAPES = Aspect.section | Aspect.pose | Aspect.visibility
_IDENTITY = np.eye(4)


@dataclass(frozen=True)
class CutPlane:
    """One plane the scene is cut along: a point on it and the normal toward the kept side."""

    origin: np.ndarray
    keep: np.ndarray


def cut_planes(section: Section, origin: np.ndarray, normal: np.ndarray) -> list[CutPlane]:
    """The planes a section clips along, in the pose (``origin``, unit ``normal``): one that
    keeps the side away from the normal (toward it when flipped), or a slab's two faces."""
    origin, normal = np.asarray(origin, dtype=float), np.asarray(normal, dtype=float)
    if section.slab_mm:
        half = section.slab_mm / 2
        return [CutPlane(origin + half * normal, -normal), CutPlane(origin - half * normal, normal)]
    return [CutPlane(origin, normal if section.flipped else -normal)]


def _shade(color: tuple[float, float, float], factor: float) -> tuple[float, float, float]:
    return (color[0] * factor, color[1] * factor, color[2] * factor)


class _Cap:
    """One structure's cap on one plane: the cut lines, the filled face and their actors."""

    def __init__(self) -> None:
        self.plane = vtkPlane()  # in the frame of the surface being cut
        self.cutter = vtkPolyDataPlaneCutter()
        self.cutter.SetPlane(self.plane)
        self.cutter.InterpolateAttributesOff()  # no surface normals: the cap is flat
        self.cutter.ComputeNormalsOff()
        self.stripper = vtkStripper()
        self.stripper.SetInputConnection(self.cutter.GetOutputPort())
        self.stripper.JoinContiguousSegmentsOn()
        self.triangulator = vtkContourTriangulator()
        self.triangulator.SetInputConnection(self.stripper.GetOutputPort())
        self.triangulator.TriangulationErrorDisplayOff()
        self.fill = self._actor(self.triangulator)
        self.outline = self._actor(self.stripper)
        fill, line = self.fill.GetProperty(), self.outline.GetProperty()
        fill.SetInterpolationToFlat()  # lit by the plane's own normal: an even face
        fill.SetAmbient(0.45)
        fill.SetDiffuse(0.6)
        fill.SetSpecular(0.0)
        fill.BackfaceCullingOff()
        line.LightingOff()
        line.SetLineWidth(OUTLINE_WIDTH)
        self.outline.PickableOff()
        self.fill_matrix = vtkMatrix4x4()
        self.outline_matrix = vtkMatrix4x4()
        self.fill.SetUserMatrix(self.fill_matrix)
        self.outline.SetUserMatrix(self.outline_matrix)
        self.source: object = None

    @staticmethod
    def _actor(algorithm) -> vtkActor:
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(algorithm.GetOutputPort())
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.VisibilityOff()
        return actor

    def hide(self) -> None:
        self.fill.VisibilityOff()
        self.outline.VisibilityOff()

    def cut(self, surface: vtkActor, plane: CutPlane) -> bool:
        """Cut ``surface`` (its mapper's mesh, placed by its actor's matrix) along ``plane``;
        False (and hidden) when the plane misses it."""
        matrix = surface.GetUserMatrix()
        if matrix is None:  # the full surfaces: posed by their points, in the world's frame
            placed, origin, keep = _IDENTITY, plane.origin, plane.keep
        else:  # a bone's stand-in, placed by its actor
            placed = np.array([matrix.GetElement(i, j) for i in range(4) for j in range(4)]).reshape(4, 4)
            origin = np.linalg.solve(placed, np.append(plane.origin, 1.0))[:3]
            keep = placed[:3, :3].T @ plane.keep
            keep = keep / np.linalg.norm(keep)
        mesh = surface.GetMapper().GetInput()
        bounds = np.asarray(mesh.GetBounds()).reshape(3, 2)
        centre = (bounds[:, 0] + bounds[:, 1]) / 2 - origin
        reach = float(np.abs(keep) @ ((bounds[:, 1] - bounds[:, 0]) / 2))
        depth = float(centre @ keep)
        if depth - reach >= CAP_INSET_MM or depth + reach <= CAP_INSET_MM:  # the plane misses its box
            self.hide()
            return False
        if self.source is not mesh:
            self.cutter.SetInputData(mesh)
            self.source = mesh
        self.plane.SetOrigin(*(origin + CAP_INSET_MM * keep))
        self.plane.SetNormal(*keep)
        self.triangulator.Update()
        # The outline lies on the plane itself, over the clipped surface's rim.
        shift = np.eye(4)
        shift[:3, 3] = -CAP_INSET_MM * keep
        self.fill_matrix.DeepCopy(placed.ravel().tolist())
        self.outline_matrix.DeepCopy((placed @ shift).ravel().tolist())
        shown = self.triangulator.GetOutput().GetNumberOfCells() > 0
        self.fill.SetVisibility(shown)
        self.outline.SetVisibility(shown)
        return shown

    def style(self, color: tuple[float, float, float], opacity: float) -> None:
        self.fill.GetProperty().SetColor(*color)
        self.fill.GetProperty().SetOpacity(opacity)
        self.outline.GetProperty().SetColor(*_shade(color, OUTLINE_SHADE))
        self.outline.GetProperty().SetOpacity(opacity)


class SectionLayer:
    """Keeps a scene renderer's surfaces clipped and capped as the scene's section says."""

    def __init__(self, renderer):  # the SceneRenderer that owns it
        self.sr = renderer
        #: The clipping planes (normals toward the kept side) shared by every clipped mapper.
        self.clippers = (vtkPlane(), vtkPlane())
        self.planes: list[CutPlane] = []
        self.caps: dict[tuple[str, int], _Cap] = {}
        self._clipped: dict[int, int] = {}  # id(mapper) -> how many of the planes it has

    @property
    def active(self) -> bool:
        return bool(self.planes)

    def update(self, aspects: Aspect = RESHAPES) -> None:
        """Follow the scene: planes and caps when the section, pose or what is shown changed,
        the caps' colours on any change (the caller renders)."""
        scene = self.sr.scene
        section = scene.section
        plane = scene.section_plane() if section is not None else None
        if section is None or plane is None:
            if self.planes:
                self.planes = []
                self._clip_all()
                for cap in self.caps.values():
                    cap.hide()
                self.sr.emphasis.anchoring.kept = None
            return
        planes = cut_planes(section, *plane)
        reshaped = bool(aspects & RESHAPES) or len(planes) != len(self.planes)
        if reshaped:
            self.planes = planes
            for clipper, cut in zip(self.clippers, planes, strict=False):
                clipper.SetOrigin(*cut.origin)
                clipper.SetNormal(*cut.keep)
            self.sr.emphasis.anchoring.kept = self.kept
        self._clip_all()
        if reshaped:
            self.recut()
        else:
            self.restyle()

    def kept(self, points: np.ndarray) -> np.ndarray:
        """Which of ``points`` (n, 3) lie on the kept side of every plane (labels anchor
        only there)."""
        mask = np.ones(len(points), dtype=bool)
        for cut in self.planes:
            mask &= (np.asarray(points, dtype=float) - cut.origin) @ cut.keep >= 0
        return mask

    def _clip_all(self) -> None:
        sr = self.sr
        emphasis = sr.emphasis
        actors = [*sr.actors.values(), *sr.lod_actors.values(), *emphasis.patches.values()]
        actors += [a for a in (emphasis.outline, emphasis.markers) if a is not None]
        for actor in actors:
            self.clip(actor.GetMapper())

    def clip(self, mapper) -> None:
        """Give ``mapper`` the planes in use (untouched when it has them: a mapper changed
        uploads its buffers again)."""
        count = len(self.planes)
        if self._clipped.get(id(mapper)) == count and mapper.GetNumberOfClippingPlanes() == count:
            return
        mapper.RemoveAllClippingPlanes()
        for clipper in self.clippers[:count]:
            mapper.AddClippingPlane(clipper)
        self._clipped[id(mapper)] = count

    def recut(self) -> None:
        """Cut every shown structure's drawn surface along each plane."""
        sr = self.sr
        scene = sr.scene
        for sid, full in sr.actors.items():
            surface = sr.lod_actors.get(sid) if sr.interacting else None
            surface = surface or full
            shown = scene.shown(sid)
            for index in range(2):
                cap = self.caps.get((sid, index))
                if index >= len(self.planes) or not shown:
                    if cap is not None:
                        cap.hide()
                    continue
                if cap is None:
                    cap = self.caps[sid, index] = self._new_cap(sid)
                cap.cut(surface, self.planes[index])
        self.restyle()

    def _new_cap(self, sid: str) -> _Cap:
        cap = _Cap()
        renderer = self.sr.plotter.renderer
        renderer.AddActor(cap.fill)
        renderer.AddActor(cap.outline)
        self.sr.picker.add(cap.fill, sid)
        return cap

    def restyle(self) -> None:
        """The caps in their structures' drawn colour and opacity."""
        sr = self.sr
        for (sid, _index), cap in self.caps.items():
            if cap.fill.GetVisibility():
                color = pv.Color(sr.emphasis.structure_color(sid)).float_rgb
                cap.style(color, sr.scene.drawn_opacity(sid))

    def cap_actors(self, sid: str) -> list[vtkActor]:
        """The visible cap faces of a structure (tests, measurements)."""
        return [
            cap.fill for (owner, _), cap in self.caps.items() if owner == sid and cap.fill.GetVisibility()
        ]
