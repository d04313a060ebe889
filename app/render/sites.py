"""Where the view singles out an attachment site from, and what lies in front of it.

Geometry the model cannot compute: the site's surface normal on its bone, and ray tests from
the site toward the camera through the structures drawn. :meth:`SiteViews.occluders` is the
scene model's :data:`~app.model.scene.sites.Occluders`; the model ghosts what it returns.

The direction of view is chosen among the current one (when the site faces the camera
already), the site's mean surface normal and two directions between them and the front, as
the one that hides the site least: a bone in the way costs more than a muscle, a nerve least,
and the site's own bone in the way (which is never ghosted) most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import reference
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator

from app.model.anatomy.landmarks import Attachment, Point
from app.model.motion.kinematics import Pose
from app.model.scene.sites import SITE_FIELD_MM, distance_for, look_at
from app.model.scene.views import CameraPose
from app.render.emphasis import nearest_vertices

if TYPE_CHECKING:
    from app.render.scene_renderer import SceneRenderer

#: The current direction is kept when it is this close to the site's normal (cosine).
FACING = 0.5
#: What hiding the site costs, per kind of structure in the way (fraction of rays times this).
COST = {"bone": 4.0, "disc": 4.0, "muscle": 1.0, "ligament": 1.0, "nerve": 0.25}
#: The site's own bone in the way: it stays opaque, so look from elsewhere.
OWN_BONE_COST = 10.0
#: A direction no worse than the best by this much keeps the current one (no needless turn).
KEEP_MARGIN = 0.25
#: Rays cast per site (its points, evenly subsampled).
MAX_RAYS = 24
#: Rays start this far off the bone (mm), along its normal.
LIFT_MM = 1.0
#: A place farther than this from its bone's vertices is inside it (mm).
SURFACE_MM = 3.0
#: What a view of a site depends on: the site, the camera it is seen from, the pose.
_Key = tuple[Attachment, CameraPose, Pose]


class SiteViews:
    """Camera poses that single out attachment sites, and the structures in front of them."""

    def __init__(self, renderer: SceneRenderer):
        self.sr = renderer
        self._sites: dict[tuple[Attachment, Pose], tuple[np.ndarray, np.ndarray]] = {}
        self._last: tuple[tuple[Attachment, CameraPose, Pose], tuple[CameraPose, frozenset[str]]] | None = (
            None
        )

    def occluders(self, attachment: Attachment) -> frozenset[str]:
        """What lies in front of ``attachment`` seen from :meth:`view` (from the current camera);
        nothing once the plotter is closed."""
        if getattr(self.sr.plotter, "render_window", None) is None:
            return frozenset()
        return self.view(attachment)[1]

    def view(self, attachment: Attachment) -> tuple[CameraPose, frozenset[str]]:
        """The camera that singles the site out, seen from the current camera, and what lies
        between that camera and the site."""
        current = self.sr.camera_pose()
        key = (attachment, current, self.sr.scene.pose)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        points, normals = self._site(attachment)
        sight = np.asarray(current.position) - np.asarray(current.focal_point)
        now = sight / np.linalg.norm(sight)
        normal = normals.mean(axis=0)
        normal = normal / np.linalg.norm(normal) if np.linalg.norm(normal) > 1e-6 else now
        centre = points.mean(axis=0)
        radius = float(np.linalg.norm(points - centre, axis=1).max())
        distance = self.distance_for(max(SITE_FIELD_MM, 2.6 * radius))
        facing = float(now @ normal) >= FACING
        candidates = [normal]
        for toward in (now, np.array([0.0, 1.0, 0.0])):  # halfway to the current view, the front
            between = normal + toward
            if np.linalg.norm(between) > 0.3:
                candidates.append(between / np.linalg.norm(between))
        if facing:
            candidates.insert(0, now)
        scored = [(*self._cost(attachment, points, normals, d, distance), d) for d in candidates]
        best = min(scored, key=lambda item: item[0])  # the first of equals
        if facing and scored[0][0] <= best[0] + KEEP_MARGIN:
            best = scored[0]
        _, hidden, direction = best
        pose = look_at(current, tuple(centre), direction, distance)
        self._last = (key, (pose, hidden))
        return pose, hidden

    def distance_for(self, across_mm: float) -> float:
        """How far the camera must be to see ``across_mm`` in the narrower side of the view."""
        width, height = self.sr.plotter.renderer.GetSize()
        across_mm *= max(1.0, height / width) if width > 0 else 1.0
        return distance_for(across_mm, self.sr.plotter.camera.view_angle)

    def direction_to_see(self, point: Point, bones: tuple[str, ...], length: float) -> np.ndarray:
        """The direction of view (toward the camera) nearest the current one from which
        ``point``, a place on ``bones``, is not hidden by them; the current one when it is seen
        from there, or from nowhere (a point inside a bone, such as a joint centre)."""
        current = self.sr.camera_pose()
        sight = np.asarray(current.position) - np.asarray(current.focal_point)
        now = sight / np.linalg.norm(sight)
        on = [b for b in bones if b in self.sr.meshes]
        if not on:
            return now
        target = np.asarray(point, dtype=float)
        nearest = min(on, key=lambda b: self._distance(b, target))
        if self._distance(nearest, target) > SURFACE_MM:
            return now  # inside or off the bone: nothing to see it from
        normal = self._normal_at(nearest, target)
        start = target + normal * LIFT_MM
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            direction = (1 - t) * now + t * normal
            if np.linalg.norm(direction) < 0.2:
                continue  # halfway between opposite directions: no direction at all
            direction = direction / np.linalg.norm(direction)
            if not any(_crosses(self._locator(b), start, start + direction * length) for b in on):
                return direction
        return now

    def _distance(self, structure_id: str, point: np.ndarray) -> float:
        """How far ``point`` is from the structure's surface (mm)."""
        closest = [0.0, 0.0, 0.0]
        locator = self._locator(structure_id)
        locator.FindClosestPoint(point, closest, reference(0), reference(0), reference(0.0))  # type: ignore[call-overload]
        return float(np.linalg.norm(np.asarray(closest) - point))

    def _normal_at(self, structure_id: str, point: np.ndarray) -> np.ndarray:
        mesh = self._with_normals(structure_id)
        normal = np.asarray(
            mesh.point_data["Normals"][nearest_vertices(mesh, point[None, :])[0]], dtype=float
        )
        return normal / np.linalg.norm(normal)

    def _with_normals(self, structure_id: str) -> pv.PolyData:
        mesh = self.sr.meshes[structure_id]
        if "Normals" not in mesh.point_data:
            mesh = mesh.compute_normals(auto_orient_normals=False, split_vertices=False)
        return mesh

    def _site(self, attachment: Attachment) -> tuple[np.ndarray, np.ndarray]:
        """Up to :data:`MAX_RAYS` of the site's points, where the scene's pose puts them, and
        the (posed) bone's normals there."""
        scene = self.sr.scene
        key = (attachment, scene.pose)
        if key not in self._sites and any(pose != scene.pose for _, pose in self._sites):
            # Only the pose the body is in: a user moves through poses without end (the
            # soak's 2000 actions left a site's points for every pose a site was flown to in).
            self._sites.clear()
        if key not in self._sites:
            points = np.asarray(scene.posed_attachment(attachment).points, dtype=float)
            points = points[np.linspace(0, len(points) - 1, min(MAX_RAYS, len(points))).astype(int)]
            bone = self._with_normals(attachment.bone)
            normals = np.asarray(bone.point_data["Normals"])[nearest_vertices(bone, points)]
            self._sites[key] = (points, normals)
        return self._sites[key]

    def _cost(
        self,
        attachment: Attachment,
        points: np.ndarray,
        normals: np.ndarray,
        direction: np.ndarray,
        length: float,
    ) -> tuple[float, frozenset[str]]:
        """What looking from ``direction`` costs, and the structures (but the bone) in the way."""
        starts = points + normals * LIFT_MM
        ends = points + direction * length
        low = np.minimum(starts.min(axis=0), ends.min(axis=0))
        high = np.maximum(starts.max(axis=0), ends.max(axis=0))
        catalogue = self.sr.scene.catalogue
        cost = 0.0
        hidden = set()
        for sid, mesh in self.sr.meshes.items():
            if not self.sr.scene.shown(sid):
                continue
            bounds = np.asarray(mesh.bounds)
            if (bounds[1::2] < low).any() or (bounds[0::2] > high).any():
                continue
            locator = self._locator(sid)
            hits = sum(_crosses(locator, s, e) for s, e in zip(starts, ends, strict=True))
            if not hits:
                continue
            if sid == attachment.bone:
                cost += OWN_BONE_COST * hits / len(points)
            else:
                hidden.add(sid)
                cost += COST.get(catalogue[sid].kind.value, 1.0) * hits / len(points)
        return cost, frozenset(hidden)

    def _locator(self, structure_id: str) -> vtkStaticCellLocator:
        return self.sr.picker.locator(structure_id)


def _crosses(locator: vtkStaticCellLocator, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether the segment from ``start`` to ``end`` crosses the locator's surface."""
    t, sub = reference(0.0), reference(0)
    hit = locator.IntersectWithLine(start, end, 1e-6, t, [0.0] * 3, [0.0] * 3, sub)  # type: ignore[call-overload]
    return bool(hit)
