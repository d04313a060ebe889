"""The moving body: named poses, the rig that places the bones, the muscles' mechanics and
the soft tissue's deformation, loaded together from the data set (one place for all that
the Motion panel, the commands and the renderer need to pose the scene)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.model.deformation import Deformer
from app.model.kinematics import Rig
from app.model.landmarks import Point
from app.model.mechanics import Mechanics, load_paths
from app.model.poses import Motion, load_motion
from app.model.yaml_lines import AnnotationError


@dataclass
class Body:
    motion: Motion
    rig: Rig
    mechanics: Mechanics
    deformer: Deformer

    @classmethod
    def load(
        cls, annotations_dir: Path, landmarks: dict[str, Point], paths_file: Path
    ) -> tuple[Body | None, list[AnnotationError]]:
        """The body of a data set, or None (and why) when its landmarks cannot place the joints."""
        motion, problems = load_motion(annotations_dir)
        paths, path_problems = load_paths(paths_file)
        problems += path_problems
        try:
            rig = Rig.from_landmarks(landmarks, motion.rhythm)
        except KeyError as exc:
            return None, [
                *problems,
                AnnotationError(Path(paths_file).with_name("landmarks.json"), 0, exc.args[0]),
            ]
        radii = {side: radius for side, (_, radius) in paths.heads.items()}
        return cls(motion, rig, Mechanics(rig, paths), Deformer(rig, landmarks, radii)), problems
