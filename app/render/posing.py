"""Draw the scene in a pose: move the points of every structure's surface in place.

The renderer only moves points it is given: the model (:class:`app.model.motion.body.Body`, the
same rule the export follows) says where each vertex goes and how its normal turns. On the
first pose each actor gets a private copy of its shared mesh (the cache's is never
modified); after that a pose costs one array write per mesh, with no new actors and no new
topology. While the camera moves only the low-detail copies
are posed; the full ones catch up when it stops.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from app.model.anatomy.structures import Kind
from app.model.motion.body import Body
from app.model.motion.deformation import Skin
from app.model.motion.kinematics import Pose


class _Posable:
    """One actor's private mesh, its rest shape and its skin."""

    def __init__(
        self, actor: pv.Actor, shared: pv.PolyData, skin: Skin, faces: np.ndarray, stand_in: bool = False
    ):
        self.actor = actor
        #: A low-detail bone is moved as a whole by its actor's matrix, with its segment: no
        #: points written, no buffers uploaded while a slider is dragged (nothing picks or
        #: paints on stand-ins).
        self.whole_segment = skin.rigid_segment if stand_in else None
        self.mesh = shared.copy(deep=True)
        actor.mapper.SetInputData(self.mesh)
        self.skin = skin
        self.faces = faces
        self.rest_normals = np.asarray(shared.point_normals, dtype=float)
        self.mesh.point_data.active_normals = self.rest_normals.astype(np.float32)
        self.points = self.mesh.points  # views of the VTK arrays, written in place
        self.normals = self.mesh.point_data.active_normals
        self.pose = Pose()
        #: The segments that move it, and where they were when it was last posed: a joint
        #: elsewhere (the other hip, the knee for the psoas) leaves it as it is.
        self.segments = skin.segments
        self.placed = np.stack([np.eye(4)] * len(self.segments)) if self.segments else np.zeros((0, 4, 4))

    def apply(self, body: Body, pose: Pose, transforms: dict[str, np.ndarray]) -> None:
        if pose == self.pose:
            return
        self.pose = pose
        placed = np.stack([transforms[s] for s in self.segments]) if self.segments else self.placed
        if np.array_equal(placed, self.placed):
            return
        self.placed = placed
        if self.whole_segment is not None:  # a bone's stand-in: its actor is placed
            self.actor.user_matrix = transforms[self.whole_segment]
            return
        points, normals = body.posed_surface(self.skin, self.faces, self.rest_normals, pose, transforms)
        # Written into the arrays VTK already has (no new arrays, no pyvista setters).
        self.points[:] = points
        self.normals[:] = normals
        self.mesh.GetPoints().Modified()
        self.mesh.GetPointData().GetNormals().Modified()
        self.mesh.Modified()


def _faces(mesh: pv.PolyData) -> np.ndarray:
    return np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]


class PoseLayer:
    """Keeps a scene renderer's actors in the scene's pose."""

    def __init__(self, renderer, body: Body):
        self.sr = renderer
        self.body = body
        self._full: dict[str, _Posable] = {}
        self._lod: dict[str, _Posable] = {}

    def _posable(
        self, actors: dict[str, pv.Actor], store: dict[str, _Posable], stand_in: bool = False
    ) -> dict[str, _Posable]:
        for sid, actor in actors.items():
            if sid not in store:
                shared = actor.mapper.GetInput()
                shared = shared if isinstance(shared, pv.PolyData) else pv.wrap(shared)
                faces = _faces(shared)
                structure = self.sr.scene.catalogue[sid]
                skin = self.body.skin(structure, np.asarray(shared.points, dtype=float), faces)
                store[sid] = _Posable(actor, shared, skin, faces, stand_in)
        return store

    def prepare_nerves(self) -> None:
        """Skin the nerves ahead of the first pose: each nerve point finds the tissue it lies
        in (about 0.4 s for the 18 nerves, full and low detail), which made the first frame
        of a slider or a movement last a second. The window calls it once its first frame is
        up; the muscles' and bones' skins are quick and made when first posed."""
        for actors, store, stand_in in (
            (self.sr.lod_actors, self._lod, True),
            (self.sr.actors, self._full, False),
        ):
            nerves = {sid: a for sid, a in actors.items() if self.sr.scene.catalogue[sid].kind is Kind.nerve}
            self._posable(nerves, store, stand_in)

    def apply(self, pose: Pose, moving: bool = False) -> bool:
        """Pose the drawn surfaces (only the low-detail ones while ``moving``); True if
        the full-detail surfaces changed (what is painted on them must follow)."""
        if pose.neutral and not self._full and not self._lod:
            return False
        transforms = self.body.rig.transforms(pose)
        if self.sr.lod_actors:
            for posable in self._posable(self.sr.lod_actors, self._lod, stand_in=True).values():
                posable.apply(self.body, pose, transforms)
        if moving or (all(p.pose == pose for p in self._full.values()) and self._full):
            return False
        for sid, posable in self._posable(self.sr.actors, self._full).items():
            posable.apply(self.body, pose, transforms)
            self.sr.meshes[sid] = posable.mesh
        return True

    @property
    def full_pose(self) -> Pose:
        """The pose the full-detail surfaces are drawn in."""
        return next(iter(self._full.values())).pose if self._full else Pose()
