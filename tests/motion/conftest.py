"""The shipped rig, poses and muscle paths, read once."""

from __future__ import annotations

import pytest

from app.model.io import paths
from app.model.motion.kinematics import Rig
from app.model.motion.mechanics import Mechanics, load_paths
from app.model.motion.poses import load_motion


@pytest.fixture(scope="session")
def motion():
    motion, problems = load_motion(paths.annotations_dir())
    assert problems == []
    return motion


@pytest.fixture(scope="session")
def rig(motion, landmarks):
    return Rig.from_landmarks(landmarks, motion.rhythm)


@pytest.fixture(scope="session")
def mechanics(rig):
    muscle_paths, problems = load_paths(paths.paths_file())
    assert problems == []
    return Mechanics(rig, muscle_paths)
