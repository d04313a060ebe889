"""The atlas' data set, loaded in one place: structures with their meshes, landmarks and
attachment regions, and for the viewer the teaching content, the lessons and the searchable
places, with every problem found on the way.

The command line, the viewer and the bench start from an :class:`Atlas`; what is invalid is
left out and listed in :attr:`Atlas.problems`, so a damaged file never stops any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from app.model.anatomy.content import Library, load_library
from app.model.anatomy.landmarks import Attachment, Point, load_attachments, load_centrelines, load_landmarks
from app.model.anatomy.search import Places, load_shipped_places
from app.model.anatomy.structures import Catalogue, Kind, load_catalogue
from app.model.io import paths
from app.model.io.documents import Problem
from app.model.motion.body import Body, Surfaces
from app.model.scene.state import SceneModel
from app.model.sections.cross_section import SectionFacts, load_section_facts
from app.model.sections.planes import SectionPlanes
from app.model.teaching.lessons import Lesson, load_lessons


@dataclass
class Atlas:
    """The structures, landmarks and attachments of one data set, and its problems."""

    catalogue: Catalogue
    landmarks: dict[str, Point] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    meshes_dir: Path = field(default_factory=paths.meshes_dir)
    annotations_dir: Path = field(default_factory=paths.annotations_dir)
    #: What the viewer teaches with (see :meth:`load_teaching`; empty until then).
    library: Library = field(default_factory=Library)
    lessons: list[tuple[Path, Lesson]] = field(default_factory=list)
    places: Places | None = None
    #: What poses the scene (None when the landmarks cannot place the joints).
    body: Body | None = None
    #: The nerves' and ligaments' centre lines (mm, RAS), checked with the rest of the data set.
    centrelines: dict[str, tuple[Point, ...]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, root: Path | None = None, *, structures: Path | None = None, teaching: bool = False
    ) -> Atlas:
        """Read the data set under ``root`` (a folder holding ``meshes/`` and ``annotations/``;
        by default the data installed with the package); ``structures`` overrides its
        catalogue; with ``teaching``, the content, lessons and places too (the viewer's)."""
        meshes_dir = paths.meshes_dir(root)
        annotations_dir = paths.annotations_dir(root)
        catalogue, problems = load_catalogue(structures or paths.structures_file(root), meshes_dir)
        landmarks, landmark_problems = load_landmarks(paths.landmarks_file(root))
        attachments, attachment_problems = load_attachments(paths.attachments_file(root))
        # A structure left out (a broken mesh, say) takes its attachments with it; its own
        # problem says why.
        attachments = [a for a in attachments if a.muscle in catalogue and a.bone in catalogue]
        atlas = cls(
            catalogue,
            landmarks,
            attachments,
            problems + landmark_problems + attachment_problems,
            meshes_dir,
            annotations_dir,
        )
        atlas.body, body_problems = Body.load(annotations_dir, landmarks, paths.paths_file(root), attachments)
        atlas.centrelines, centreline_problems = load_centrelines(paths.centrelines_file(root))
        atlas.problems += body_problems + centreline_problems
        if teaching:
            atlas.load_teaching()
        return atlas

    def load_teaching(self) -> None:
        """The teaching content, the shipped lessons and the searchable places, their
        problems added to :attr:`problems`."""
        self.library, problems = load_library(self.annotations_dir, self.catalogue)
        motion = self.body.motion if self.body is not None else None
        activities = self.body.activities if self.body is not None else None
        self.lessons, lesson_problems = load_lessons(self.annotations_dir, self.catalogue, motion, activities)
        self.places, place_problems = load_shipped_places(
            self.annotations_dir, self.catalogue, self.landmarks, self.attachments
        )
        self.problems += problems + lesson_problems + place_problems

    @property
    def usable(self) -> bool:
        """Whether there is anything to show at all."""
        return len(self.catalogue) > 0

    def scene(self) -> SceneModel:
        """A fresh scene of this data set, as the atlas opens."""
        return SceneModel(
            self.catalogue, self.landmarks, self.attachments, self.body, self.section_planes, self.surfaces
        )

    @cached_property
    def surfaces(self) -> Surfaces:
        """The structures' surfaces as arrays (what a section plane cuts)."""
        return Surfaces(self.meshes_dir, self.body)

    @cached_property
    def section_planes(self) -> SectionPlanes:
        """The levels a section plane snaps to: the landmarks', and the discs' centres."""
        discs: dict[str, Point] = {}
        for structure in self.catalogue:
            if structure.kind is Kind.disc:
                x, y, z = self.surfaces.rest(structure)[0].mean(axis=0)
                discs[structure.id] = (float(x), float(y), float(z))
        return SectionPlanes.from_landmarks(self.landmarks, discs)

    @cached_property
    def section_facts(self) -> SectionFacts:
        """The published areas and trans-psoas safe zones the slice view shows; read when
        first asked for, its problems added to :attr:`problems` then."""
        facts, problems = load_section_facts(self.annotations_dir)
        self.problems += problems
        return facts
