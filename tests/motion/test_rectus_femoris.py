"""The rectus femoris, the two-joint hip flexor and knee extensor (issue 30): its surface
follows pelvis, femur and tibia along its length, and its length over hip and knee flexion
agrees with the leg model its path comes from (Rajagopal et al. 2016: myo-sim's
``myolegs``, driven with MuJoCo).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.model.io import paths
from app.model.motion.deformation import Deformer
from app.model.motion.kinematics import Pose, Rig, apply
from app.model.motion.mechanics import Mechanics, load_paths
from app.model.motion.surfaces import volume_of
from tests.motion.leg_model import LegModel
from tests.motion.test_leg_joints import with_legs

#: The issue's bound on our length changes against the model's.
WITHIN = 0.3


def tube(top: np.ndarray, bottom: np.ndarray, radius: float, rings: int = 40, around: int = 16):
    """A closed, outward-wound tube (vertices, triangles) from ``top`` to ``bottom``."""
    axis = (bottom - top) / np.linalg.norm(bottom - top)
    u = np.cross(axis, [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    t = np.linspace(0, 1, rings)
    a = np.linspace(0, 2 * np.pi, around, endpoint=False)
    ring = radius * (np.cos(a)[:, None] * u + np.sin(a)[:, None] * v)
    points = (top + t[:, None, None] * (bottom - top) + ring[None]).reshape(-1, 3)
    points = np.vstack([points, top, bottom])
    faces = []
    for i in range(rings - 1):
        for j in range(around):
            p, q = i * around + j, i * around + (j + 1) % around
            faces += [(p, p + around, q), (q, p + around, q + around)]
    cap_top, cap_bottom = len(points) - 2, len(points) - 1
    last = (rings - 1) * around
    for j in range(around):
        faces += [(cap_top, j, (j + 1) % around), (cap_bottom, last + (j + 1) % around, last + j)]
    faces = np.array(faces)
    if volume_of(points, faces) < 0:
        faces = faces[:, ::-1]
    return points, faces


#: The femoral condyles' radius about the knee's axis, about (mm).
CONDYLE_RADIUS_MM = 25.0


@pytest.mark.parametrize("side", ["right", "left"])
def test_its_surface_follows_pelvis_femur_and_patella_along_its_length(landmarks, motion, side):
    legs = with_legs(landmarks)
    rig = Rig.from_landmarks(legs, motion.rhythm)
    hip, knee = (np.array(legs[f"{j}_joint_center_{side}"]) for j in ("hip", "knee"))
    top = hip + np.array([0, 35, 45])  # the anterior inferior iliac spine, about
    bottom = knee + np.array([0, 45, 55])  # the base of the patella, about
    rest, faces = tube(top, bottom, 14.0)
    deformer = Deformer(rig, legs)
    skin = deformer.skin(f"rectus_femoris_{side}", rest, faces)
    assert skin.rigid_segment is None
    assert np.allclose(deformer.posed(skin, Pose()), rest, atol=1e-6)
    pose = Pose.of({f"hip_flexion_{side}": 90, f"knee_flexion_{side}": 90})
    posed = deformer.posed(skin, pose)
    transforms = rig.transforms(pose)
    z = rest[:, 2]
    origin, insertion = z > top[2] - 5, z < bottom[2] + 5
    middle = np.abs(z - (hip[2] + knee[2]) / 2 - 30) < 15  # clear of both joints' blends
    assert np.abs(posed[origin] - rest[origin]).max() < 8  # with the pelvis
    on_femur = apply(transforms[f"femur_{side}"], rest[middle])
    assert np.linalg.norm(posed[middle] - on_femur, axis=1).max() < 8
    on_patella = apply(transforms[f"patella_{side}"], rest[insertion])  # gliding on the femur
    assert np.linalg.norm(posed[insertion] - on_patella, axis=1).max() < 8
    # It bends round the front of the knee, not through it (no nearer the knee's centre
    # than the femoral condyles' radius, about 25 mm, as the patella it ends on), and keeps
    # its volume.
    flexed_knee = apply(transforms[f"femur_{side}"], knee[None])[0]
    assert np.linalg.norm(posed - flexed_knee, axis=1).min() > CONDYLE_RADIUS_MM
    assert volume_of(posed, faces) == pytest.approx(volume_of(rest, faces), rel=0.02)


@pytest.fixture(scope="module")
def shipped_mechanics(rig):
    muscle_paths, problems = load_paths(paths.paths_file())
    assert problems == []
    if "rectus_femoris_right" not in muscle_paths.muscles:
        pytest.skip("meshes/paths.json has no rectus_femoris_right yet (rebuild the meshes: build-meshes)")
    if not rig.can_turn("knee_flexion_right"):
        pytest.skip(f"the shipped rig cannot bend the knee: {rig.missing}")
    return Mechanics(rig, muscle_paths)


def test_its_length_over_hip_and_knee_flexion_agrees_with_the_leg_model(shipped_mechanics):
    model = LegModel()
    rest = model.length()
    reference = {"knee": model.length(knee_flexion=90) - rest, "hip": model.length(hip_flexion=90) - rest}
    assert reference["knee"] == pytest.approx(61, abs=5) and reference["hip"] == pytest.approx(-72, abs=5)
    ours_rest = shipped_mechanics.length("rectus_femoris_right", Pose())
    ours = {
        joint: shipped_mechanics.length("rectus_femoris_right", Pose.of({f"{joint}_flexion_right": 90}))
        - ours_rest
        for joint in ("knee", "hip")
    }
    for joint, change in reference.items():
        assert ours[joint] == pytest.approx(change, rel=WITHIN), (joint, ours[joint], change)


def test_it_flexes_the_hip_and_extends_the_knee(shipped_mechanics):
    for angle in (0, 45, 90):
        pose = Pose.of({"knee_flexion_right": angle})
        assert shipped_mechanics.hip_flexion_moment_arm("rectus_femoris_right", pose) > 10
        assert shipped_mechanics.knee_flexion_moment_arm("rectus_femoris_right", pose) < -10
    assert shipped_mechanics.crosses_knee("rectus_femoris_right")
    assert not shipped_mechanics.crosses_knee("psoas_major_right")


def test_a_path_to_the_patella_lengthens_with_the_knee_and_shortens_with_the_hip(landmarks, motion, tmp_path):
    """On synthetic knees, a path as the build writes it: the knots on the patella follow
    the tibia, so knee flexion lengthens the muscle and hip flexion shortens it."""
    legs = with_legs(landmarks)
    rig = Rig.from_landmarks(legs, motion.rhythm)
    hip, knee = (np.array(legs[f"{j}_joint_center_right"]) for j in ("hip", "knee"))
    knots = [
        {"bone": "hip_bone_right", "point": (hip + np.array([0, 35, 45])).tolist()},
        {"bone": "patella_right", "point": (knee + np.array([0, 45, 55])).tolist()},
        {"bone": "tibia_right", "point": (knee + np.array([0, 35, -60])).tolist()},
    ]
    file = tmp_path / "paths.json"
    document = {
        "units": "mm",
        "frame": "RAS",
        "muscles": {"rectus_femoris_right": [{"name": "recfem", "knots": knots}]},
    }
    file.write_text(json.dumps(document))
    muscle_paths, problems = load_paths(file)
    assert problems == []
    mechanics = Mechanics(rig, muscle_paths)
    rest = mechanics.length("rectus_femoris_right", Pose())
    assert mechanics.length("rectus_femoris_right", Pose.of({"knee_flexion_right": 90})) > rest + 40
    assert mechanics.length("rectus_femoris_right", Pose.of({"hip_flexion_right": 90})) < rest - 30
    assert mechanics.crosses_knee("rectus_femoris_right")
    assert mechanics.knee_flexion_moment_arm("rectus_femoris_right", Pose()) < -20
    assert mechanics.hip_flexion_moment_arm("rectus_femoris_right", Pose()) > 20


@pytest.mark.parametrize(
    "angles",
    [
        {"knee_flexion_right": 90},
        {"knee_flexion_right": 140},
        {"hip_flexion_right": 90, "knee_flexion_right": 90},
        {"hip_flexion_right": -30},
    ],
)
def test_the_built_muscle_bends_round_the_knee_without_entering_bone(catalogue, landmarks, meshes, angles):
    """The shipped surface, skinned as the window poses it: no vertex pushed more than 2.5 mm
    deeper into the femur, tibia or patella than it lies at rest, its volume kept."""
    from app.model.anatomy.meshes import read_surface
    from app.model.motion.body import Body
    from tests.shapes import BoneDepth

    if "rectus_femoris_right" not in catalogue:
        pytest.skip("the catalogue has no rectus_femoris_right yet (structures.yaml, rebuilt meshes)")
    body, problems = Body.load(paths.annotations_dir(), landmarks, paths.paths_file())
    if body is None or not body.rig.can_turn("knee_flexion_right"):
        pytest.skip(f"the shipped rig cannot bend the knee: {problems}")
    structure = catalogue["rectus_femoris_right"]
    rest, faces = read_surface(paths.meshes_dir() / structure.mesh)
    skin = body.skin(structure, rest, faces)
    depth = BoneDepth({b: meshes[b] for b in ("femur_right", "tibia_right", "patella_right")})
    at_rest = np.maximum(-depth(rest, body.rig.transforms(Pose()))[0], 0.0)
    pose = Pose.of(angles)
    transforms = body.rig.transforms(pose)
    posed = body.deformer.posed(skin, pose, transforms)
    deeper = np.maximum(-depth(posed, transforms)[0], 0.0) - at_rest
    assert deeper.max() < 2.5
    assert volume_of(posed, faces) == pytest.approx(volume_of(rest, faces), rel=0.02)
