"""The moving body: named poses, the rig that places the bones, the muscles' mechanics and
the soft tissue's deformation, loaded together from the data set (one place for all that
the Motion panel, the commands and the renderer need to pose the scene).

It is also the one place that says where anything goes in a pose: a structure's surface
(:meth:`Body.skin`, :meth:`Body.posed_surface`: the renderer and the export), and points
that lie on structures (:meth:`Body.pose_points`: landmarks, attachment sites, places found
by search), so what is drawn, flown to and exported always agrees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.model.anatomy.landmarks import Attachment, Point, landmark_bones
from app.model.anatomy.structures import Kind, Structure
from app.model.io.documents import Problem
from app.model.io.stages import STAGES
from app.model.motion.activities import Activity, load_activities
from app.model.motion.deformation import HOSTS, Deformer, Skin
from app.model.motion.kinematics import SIDES, Pose, Rig, segment_of
from app.model.motion.mechanics import Mechanics, load_paths, paths_from_attachments
from app.model.motion.poses import Motion, load_motion
from app.model.motion.posture import Support, extremes
from app.model.motion.surfaces import Tissue, vertex_normals


@dataclass
class Body:
    motion: Motion
    rig: Rig
    mechanics: Mechanics
    deformer: Deformer
    #: Everyday activities from measured data (:mod:`.activities`), by name.
    activities: dict[str, Activity] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        annotations_dir: Path,
        landmarks: dict[str, Point],
        paths_file: Path,
        attachments: Sequence[Attachment] = (),
    ) -> tuple[Body | None, list[Problem]]:
        """The body of a data set, or None (and why) when its landmarks cannot place the joints;
        one line when they place all but the knees and ankles of a data set with shanks (the
        rest moves; an older data set, without shanks, has nothing to bend there). The
        muscles with no path in ``paths_file`` are measured between their ``attachments``
        (:func:`~app.model.motion.mechanics.paths_from_attachments`)."""
        motion, problems = load_motion(annotations_dir)
        activities, activity_problems = load_activities(annotations_dir)
        problems += activity_problems
        paths, path_problems = load_paths(paths_file)
        paths_from_attachments(paths, list(attachments))
        problems += path_problems
        meshes_dir = Path(paths_file).parent
        try:
            rig = Rig.from_landmarks(
                landmarks,
                motion.rhythm,
                Support(lambda: bone_support(meshes_dir)),
                shoulder_centres(meshes_dir),
            )
        except KeyError as exc:
            return None, [
                *problems,
                Problem(Path(paths_file).with_name("landmarks.json"), 0, exc.args[0]),
            ]
        radii = {side: radius for side, (_, radius) in paths.heads.items()}
        if rig.missing and any((meshes_dir / "bones").glob("tibia_*.ply")):  # legs that cannot bend
            problems.append(Problem(meshes_dir / "landmarks.json", 0, rig.missing))
        tissue, nerves = rest_tissue(meshes_dir), {f.stem for f in (meshes_dir / "nerves").glob("*.ply")}
        deformer = Deformer(rig, landmarks, radii, tissue, nerves)
        return cls(motion, rig, Mechanics(rig, paths), deformer, activities), problems

    # where things go in a pose
    def skin(self, structure: Structure, rest: np.ndarray, faces: np.ndarray) -> Skin:
        """How a structure's surface (rest vertices, triangles) follows the bones; a muscle
        keeps its volume, as muscle does."""
        return self.deformer.skin(structure.id, rest, faces if structure.kind is Kind.muscle else None)

    def posed_surface(
        self,
        skin: Skin,
        faces: np.ndarray,
        rest_normals: np.ndarray,
        pose: Pose,
        transforms: dict[str, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A surface's vertices and unit normals in ``pose``: a bone's normals turn with it,
        soft tissue's are those of its new shape (it bends and thickens)."""
        transforms = transforms or self.rig.transforms(pose)
        with STAGES("deform"):
            points = self.deformer.posed(skin, pose, transforms)
        with STAGES("normals"):
            if skin.rigid_segment is not None:
                normals = np.asarray(rest_normals, dtype=float) @ transforms[skin.rigid_segment][:3, :3].T
            else:
                normals = vertex_normals(points, faces)
        return points, normals

    def pose_points(
        self,
        on: Sequence[str],
        points: np.ndarray | Sequence[Point],
        pose: Pose,
        transforms: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Rest points (N, 3) that lie on the structures ``on`` where ``pose`` puts them: as
        each structure's own surface there moves, averaged over them (a foramen between two
        vertebrae moves as the disc between them); with ``on`` empty they stay."""
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        if not on or pose.neutral:
            return points.copy()
        transforms = transforms or self.rig.transforms(pose)
        moved = [self.deformer.posed(self.deformer.skin(sid, points), pose, transforms) for sid in on]
        return np.mean(moved, axis=0)

    def posed_landmarks(self, landmarks: Mapping[str, Point], pose: Pose) -> dict[str, Point]:
        """Every landmark where ``pose`` puts it, moved with the bones it lies on
        (:func:`~app.model.anatomy.landmarks.landmark_bones`)."""
        if pose.neutral:
            return dict(landmarks)
        transforms = self.rig.transforms(pose)
        return {
            name: _point(self.pose_points(landmark_bones(name), [point], pose, transforms)[0])
            for name, point in landmarks.items()
        }

    def posed_attachment(
        self, attachment: Attachment, pose: Pose, transforms: dict[str, np.ndarray] | None = None
    ) -> Attachment:
        """An attachment site where ``pose`` puts it: its points move with its bone."""
        if pose.neutral:
            return attachment
        moved = self.pose_points((attachment.bone,), attachment.points, pose, transforms)
        return replace(attachment, points=tuple(_point(p) for p in moved))


def rest_tissue(meshes_dir: Path) -> dict[str, Tissue]:
    """The rest surfaces nerves slide with: the bones of the pelvis, thighs and lumbar spine
    (not the context bones of the shanks, feet and upper body: no nerve of the plexus comes
    near them, and they are many), and the muscles they run in
    (:data:`~app.model.motion.deformation.HOSTS`); a file that is missing or cannot be read
    is left out (the mesh check says why)."""
    from app.model.anatomy.meshes import check_mesh, read_surface

    files = [f for f in sorted((meshes_dir / "bones").glob("*.ply")) if near_plexus(f.stem)]
    files += [meshes_dir / "muscles" / f"{muscle}_{side}.ply" for muscle in HOSTS for side in SIDES]
    tissue = {}
    for file in files:
        if file.is_file() and check_mesh(file) is None:
            tissue[file.stem] = Tissue.of(*read_surface(file))
    return tissue


def bone_support(meshes_dir: Path) -> dict[str, np.ndarray]:
    """The points of each segment's bones that can rest on a surface (the extremes of the
    low-detail bones, each segment's together): what a lying or kneeling body rests on.
    A bone that cannot be read is left out (the mesh check says why)."""
    from app.model.anatomy.meshes import check_mesh, read_surface

    folder = meshes_dir / "lod" / "bones"
    folder = folder if folder.is_dir() else meshes_dir / "bones"
    by_segment: dict[str, list[np.ndarray]] = {}
    for file in sorted(folder.glob("*.ply")):
        segment = segment_of(file.stem)
        if segment is not None and check_mesh(file) is None:
            by_segment.setdefault(segment, []).append(extremes(read_surface(file)[0]))
    return {segment: extremes(np.vstack(parts)) for segment, parts in by_segment.items()}


#: The humeral head's radius (mm), about: its centre lies this far below the bone's top.
HUMERAL_HEAD_MM = 22.0


def shoulder_centres(meshes_dir: Path) -> dict[str, np.ndarray]:
    """The centre of each humeral head (the arms' pivot), from the top of each humerus:
    under its highest 25 mm, a head's radius below its top; none where a humerus is missing."""
    from app.model.anatomy.meshes import check_mesh, read_surface

    out = {}
    for side in SIDES:
        file = meshes_dir / "lod" / "bones" / f"humerus_{side}.ply"
        file = file if file.is_file() else meshes_dir / "bones" / f"humerus_{side}.ply"
        if file.is_file() and check_mesh(file) is None:
            points = read_surface(file)[0]
            top = float(points[:, 2].max())
            head = points[points[:, 2] > top - 25.0]
            out[side] = np.array([*head[:, :2].mean(axis=0), top - HUMERAL_HEAD_MM])
    return out


def near_plexus(bone: str) -> bool:
    """Whether a bone is one the lumbar plexus runs along: the pelvis' bones, a femur, a
    lumbar vertebra, T12 and its 12th ribs; not a context bone (shank, patella, foot, arm,
    upper body)."""
    segment = segment_of(bone)
    if segment is None or segment.startswith(("tibia_", "foot_", "patella_", "arm_")):
        return False
    return segment != "vertebra_t12" or bone == "vertebra_t12" or bone.startswith("rib_12_")


def _point(values: np.ndarray) -> Point:
    """A point as the data files hold it: three floats, to 0.01 mm."""
    return (round(float(values[0]), 2), round(float(values[1]), 2), round(float(values[2]), 2))


class Surfaces:
    """Each structure's surface as arrays, where a pose puts it (no VTK): what a section
    plane cuts (:mod:`app.model.sections.cross_section`). The rest meshes are read once; posed ones
    follow the same rule as the drawn surfaces (:meth:`Body.posed_surface`)."""

    def __init__(self, meshes_dir: Path, body: Body | None):
        self.meshes_dir = Path(meshes_dir)
        self.body = body
        self._skins: dict[str, Skin] = {}

    def rest(self, structure: Structure) -> tuple[np.ndarray, np.ndarray]:
        from app.model.anatomy.meshes import read_surface

        return read_surface(self.meshes_dir / structure.mesh)

    def posed(self, structure: Structure, pose: Pose) -> tuple[np.ndarray, np.ndarray]:
        """Vertices and triangles of ``structure`` in ``pose``."""
        points, faces = self.rest(structure)
        if self.body is None or pose.neutral:
            return points, faces
        skin = self._skins.get(structure.id)
        if skin is None:
            skin = self._skins[structure.id] = self.body.skin(structure, points, faces)
        return self.body.deformer.posed(skin, pose), faces
