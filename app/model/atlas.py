"""The atlas' data set, loaded in one place: structures with their meshes, landmarks and
attachment regions, with every problem found on the way.

The command line and the viewer start from an :class:`Atlas`; what is invalid is left out
and listed in :attr:`Atlas.problems`, so a damaged file never stops either of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app import paths
from app.model.anatomy import Catalogue, load_catalogue
from app.model.landmarks import Attachment, Point, load_attachments, load_landmarks
from app.model.scene import SceneModel
from app.model.yaml_lines import AnnotationError


@dataclass
class Atlas:
    """The structures, landmarks and attachments of one data set, and its problems."""

    catalogue: Catalogue
    landmarks: dict[str, Point] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[AnnotationError] = field(default_factory=list)
    meshes_dir: Path = field(default_factory=paths.meshes_dir)
    annotations_dir: Path = field(default_factory=paths.annotations_dir)

    @classmethod
    def load(cls, structures: Path | None = None) -> Atlas:
        """Read the data set under the project root (``structures`` overrides its catalogue)."""
        meshes_dir = paths.meshes_dir()
        catalogue, problems = load_catalogue(structures or paths.structures_file(), meshes_dir)
        landmarks, landmark_problems = load_landmarks(paths.landmarks_file())
        attachments, attachment_problems = load_attachments(paths.attachments_file())
        # A structure left out (a broken mesh, say) takes its attachments with it; its own
        # problem says why.
        attachments = [a for a in attachments if a.muscle in catalogue and a.bone in catalogue]
        return cls(
            catalogue,
            landmarks,
            attachments,
            problems + landmark_problems + attachment_problems,
            meshes_dir,
            paths.annotations_dir(),
        )

    @property
    def usable(self) -> bool:
        """Whether there is anything to show at all."""
        return len(self.catalogue) > 0

    def scene(self) -> SceneModel:
        """A fresh scene of this data set, as the atlas opens."""
        return SceneModel(self.catalogue, self.landmarks, self.attachments)
