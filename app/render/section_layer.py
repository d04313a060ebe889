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

Labels point only at what the cut leaves in sight (:meth:`SectionLayer.in_sight`): a point on
the kept side that no opaque cap hides from the camera; a label whose anchor is not (a
foramen below an axial cut seen from above, under the cut bone) is left out.
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
#: Caps at least this opaque hide what lies behind them (as structures do for anchors).
CAP_HIDES_FROM = 0.5
#: How far under a cut face a foramen is still marked (mm): about a lumbar vertebra's height
#: (a display choice: what lies at the level of the cut).
FORAMEN_REACH_MM = 25.0
#: The cell of the caps' raster (mm) that says which points they hide.
MASK_MM = 0.5
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
            placed = pv.array_from_vtkmatrix(matrix)
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
        #: Each plane's opaque caps as a raster (until the caps change).
        self._masks: dict[int, _CapMask] | None = None
        self._opaque: frozenset[tuple[str, int]] = frozenset()

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
                self.sr.emphasis.labels.seen = None
                self.sr.emphasis.foramen_at_cut = None
                self._masks = None
            return
        planes = cut_planes(section, *plane)
        reshaped = bool(aspects & RESHAPES) or len(planes) != len(self.planes)
        if reshaped:
            self.planes = planes
            for clipper, cut in zip(self.clippers, planes, strict=False):
                clipper.SetOrigin(*cut.origin)
                clipper.SetNormal(*cut.keep)
            self.sr.emphasis.anchoring.kept = self.in_sight
            self.sr.emphasis.labels.seen = self.in_sight
            self.sr.emphasis.foramen_at_cut = self.foramen_at_cut
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

    def in_sight(self, points: np.ndarray) -> np.ndarray:
        """Which of ``points`` (n, 3) the cut leaves in sight of the camera: on the kept side,
        and not behind an opaque cap (the way to the eye crosses no cap's face)."""
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        mask = self.kept(points)
        camera = self.sr.plotter.renderer.GetActiveCamera()
        eye = np.array(camera.GetPosition(), dtype=float)
        parallel = bool(camera.GetParallelProjection())
        toward = -np.array(camera.GetDirectionOfProjection(), dtype=float)
        for index, cut in enumerate(self.planes):
            caps = self._cap_masks().get(index)
            if caps is None or not mask.any():
                continue
            depth = (points - cut.origin) @ cut.keep  # >= 0 on the kept side
            if parallel:
                rise = np.full(len(points), float(toward @ cut.keep))  # depth change per mm
                reach = np.where(rise < 0, -depth / np.where(rise < 0, rise, -1.0), np.inf)
                crossing = points + reach[:, None] * toward
            else:
                eye_depth = float((eye - cut.origin) @ cut.keep)
                if eye_depth >= 0:  # the eye on the kept side: it looks at no cap's face
                    continue
                t = depth / (depth - eye_depth)
                crossing = points + t[:, None] * (eye - points)
                rise = np.full(len(points), -1.0)
            ask = np.flatnonzero(mask & (rise < 0))
            if len(ask):
                mask[ask[caps.covers(crossing[ask])]] = False
        return mask

    def foramen_at_cut(self, centre: np.ndarray) -> bool:
        """Whether a foramen marker centred at ``centre`` is marked in the cut scene: within
        :data:`FORAMEN_REACH_MM` of a cut face, and some of it in sight. Markers further
        down showed only through the bones ghosted to show them, under the cut."""
        from app.render.anchoring import sphere_candidates
        from app.render.emphasis import FORAMEN_MARKER_MM

        if len(self.planes) > 1:  # a slab: between its faces
            near = bool(self.kept(centre[None, :])[0])
        else:  # some of it kept, its centre not too deep
            depth = float((centre - self.planes[0].origin) @ self.planes[0].keep)
            near = -FORAMEN_MARKER_MM <= depth <= FORAMEN_REACH_MM
        points, _ = sphere_candidates(
            (float(centre[0]), float(centre[1]), float(centre[2])), FORAMEN_MARKER_MM
        )
        return near and bool(self.in_sight(points).any())

    def _cap_masks(self) -> dict[int, _CapMask]:
        """The opaque caps on each plane, rasterised from their triangles (cached until the
        caps are cut again or another set of them is opaque)."""
        scene = self.sr.scene
        opaque = frozenset(
            key
            for key, cap in self.caps.items()
            if cap.fill.GetVisibility() and scene.drawn_opacity(key[0]) >= CAP_HIDES_FROM
        )
        if self._masks is None or opaque != self._opaque:
            self._opaque = opaque
            found: dict[int, list[np.ndarray]] = {}
            for (sid, index), cap in self.caps.items():
                if (sid, index) not in opaque:
                    continue
                mesh = pv.wrap(cap.triangulator.GetOutput())
                if not mesh.n_cells:
                    continue
                matrix = pv.array_from_vtkmatrix(cap.fill_matrix)
                corners = np.asarray(mesh.points, dtype=float) @ matrix[:3, :3].T + matrix[:3, 3]
                faces = np.asarray(mesh.faces).reshape(-1, 4)[:, 1:] if mesh.is_all_triangles else None
                if faces is not None:
                    found.setdefault(index, []).append(corners[faces])
            self._masks = {
                index: _CapMask(np.concatenate(parts), self.planes[index].keep)
                for index, parts in found.items()
            }
        return self._masks

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
        self._masks = None
        self.restyle()

    def _new_cap(self, sid: str) -> _Cap:
        cap = _Cap()
        renderer = self.sr.plotter.renderer
        renderer.AddActor(cap.fill)
        renderer.AddActor(cap.outline)
        self.sr.picker.add(cap.fill, sid)
        return cap

    def restyle(self) -> None:
        """The caps in their structures' drawn colour and opacity, and the planes on the
        emphasis' actors (made after :meth:`update` when the selection changed: its patches
        and foramen markers were drawn whole over the cut, a marker floating above it)."""
        sr = self.sr
        self._clip_all()
        for (sid, _index), cap in self.caps.items():
            if cap.fill.GetVisibility():
                color = pv.Color(sr.emphasis.structure_color(sid)).float_rgb
                cap.style(color, sr.scene.drawn_opacity(sid))

    def cap_actors(self, sid: str) -> list[vtkActor]:
        """The visible cap faces of a structure (tests, measurements)."""
        return [
            cap.fill for (owner, _), cap in self.caps.items() if owner == sid and cap.fill.GetVisibility()
        ]


class _CapMask:
    """The opaque caps on one plane as a raster in the plane's own axes (:data:`MASK_MM`
    a cell): whether a point of the plane falls on a cap is one look-up."""

    def __init__(self, triangles: np.ndarray, normal: np.ndarray):
        from PIL import Image, ImageDraw

        u = np.cross(normal, [1.0, 0.0, 0.0] if abs(normal[0]) < 0.9 else [0.0, 1.0, 0.0])
        u /= np.linalg.norm(u)
        self.axes = np.stack([u, np.cross(normal, u)], axis=1)
        corners = triangles @ self.axes  # (k, 3, 2) mm in the plane
        self.low = corners.reshape(-1, 2).min(axis=0) - MASK_MM
        cells = (corners - self.low) / MASK_MM
        size = np.ceil(cells.reshape(-1, 2).max(axis=0)).astype(int) + 2
        image = Image.new("1", (int(size[0]), int(size[1])), 0)
        draw = ImageDraw.Draw(image)
        for triangle in cells.tolist():
            draw.polygon([tuple(corner) for corner in triangle], fill=1, outline=1)
        self.mask = np.asarray(image, dtype=bool)  # rows: v, columns: u

    def covers(self, points: np.ndarray) -> np.ndarray:
        """Which of ``points`` (n, 3), on the plane, lie on a cap."""
        cells = np.floor((points @ self.axes - self.low) / MASK_MM).astype(int)
        rows, columns = self.mask.shape
        inside = (cells[:, 0] >= 0) & (cells[:, 0] < columns) & (cells[:, 1] >= 0) & (cells[:, 1] < rows)
        covered = np.zeros(len(points), dtype=bool)
        covered[inside] = self.mask[cells[inside, 1], cells[inside, 0]]
        return covered
