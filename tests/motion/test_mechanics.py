"""Muscle lengths and moment arms: against the published leg model, and what they teach."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.io import paths
from app.model.motion.body import Body
from app.model.motion.kinematics import Pose
from app.model.motion.mechanics import CURVE_SAMPLES, wrapped_length
from app.model.scene.palette import LENGTH_CHANGE_COLORS, LENGTH_UNCHANGED, length_change_color
from app.model.scene.state import Aspect, SceneModel

ANGLES = list(range(0, 121, 15))


@pytest.fixture(scope="module")
def leg_model():
    """Rajagopal et al. 2016's leg model as MuJoCo runs it (myo-sim), at its standing pose."""
    mujoco = pytest.importorskip("mujoco")
    myo_sim = pytest.importorskip("myo_sim")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = myo_sim.load_model("myolegs")
    return mujoco, model, mujoco.MjData(model)


def reference_lengths(leg_model, joint: str, tendon: str, angles) -> np.ndarray:
    """The model's wrapped musculotendon length (mm) over one joint's angles."""
    mujoco, model, data = leg_model
    out = []
    for angle in angles:
        data.qpos[:] = model.qpos0
        data.qpos[model.jnt_qposadr[model.joint(joint).id]] = math.radians(angle)
        mujoco.mj_forward(model, data)
        out.append(data.ten_length[model.tendon(tendon).id] * 1000)
    return np.array(out)


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("muscle,tendon", [("psoas_major", "psoas"), ("iliacus", "iliacus")])
def test_length_over_hip_flexion_agrees_with_the_leg_model(mechanics, leg_model, side, muscle, tendon):
    s = side[0]
    reference = reference_lengths(leg_model, f"hip_flexion_{s}", f"{tendon}_{s}_tendon", ANGLES)
    ours = np.array(
        [mechanics.length(f"{muscle}_{side}", Pose.of({f"hip_flexion_{side}": a})) for a in ANGLES]
    )
    # The model's psoas starts on its pelvis, ours on the vertebrae: compare the changes.
    change, expected = ours - ours[0], reference - reference[0]
    assert np.abs(change - expected).max() <= 5.0, (change, expected)  # mm, at every angle
    assert expected[-1] < -50 and change[-1] < -50  # both shorten by several cm


@pytest.mark.parametrize("side", ["right", "left"])
def test_extension_lengthens_at_least_as_much_as_the_model(mechanics, leg_model, side):
    """In extension the leg model's straight psoas line cuts through the femoral head; ours
    wraps over it, so it lengthens a little more."""
    s = side[0]
    reference = reference_lengths(leg_model, f"hip_flexion_{s}", f"psoas_{s}_tendon", [0, -20])
    ours = [mechanics.length(f"psoas_major_{side}", Pose.of({f"hip_flexion_{side}": a})) for a in (0, -20)]
    assert reference[1] - reference[0] - 0.5 <= ours[1] - ours[0] <= reference[1] - reference[0] + 6


@pytest.mark.parametrize("muscle", ["psoas_major_right", "iliacus_right", "psoas_major_left", "iliacus_left"])
def test_hip_flexion_moment_arms_are_a_few_centimetres_and_fall_in_deep_flexion(mechanics, muscle):
    side = muscle.rsplit("_", 1)[1]
    arms = {
        a: mechanics.hip_flexion_moment_arm(muscle, Pose.of({f"hip_flexion_{side}": a})) for a in (0, 45, 110)
    }
    assert all(10 < arms[a] < 60 for a in (0, 45)), arms
    assert arms[110] < arms[45], arms


def test_side_bending_shortens_the_psoas_of_that_side(mechanics):
    neutral = mechanics.lengths(Pose())
    bent = mechanics.lengths(Pose.of({"lumbar_lateral_bending": 25}))  # to the right
    assert bent["psoas_major_right"] < neutral["psoas_major_right"] - 3
    assert bent["psoas_major_left"] > neutral["psoas_major_left"] + 3
    assert bent["psoas_minor_right"] < neutral["psoas_minor_right"]
    assert bent["iliacus_right"] == pytest.approx(neutral["iliacus_right"])  # pelvis to femur only


def test_the_lunge_stretches_the_back_psoas_only_with_the_pelvis_tucked(mechanics, motion):
    neutral = mechanics.lengths(Pose())["psoas_major_right"]
    good = mechanics.lengths(motion.resolve(["lunge_stretch_good"]))["psoas_major_right"]
    bad = mechanics.lengths(motion.resolve(["lunge_stretch_bad"]))["psoas_major_right"]
    assert good > bad + 4 and good > neutral + 8, (neutral, good, bad)


def test_the_trunk_fold_shortens_the_psoas_as_hip_flexion_does(mechanics):
    fold = mechanics.lengths(Pose.of({"pelvic_tilt": 60}))
    lift = mechanics.lengths(Pose.of({"hip_flexion_right": 60, "hip_flexion_left": 60}))
    for muscle in ("iliacus_right", "iliacus_left"):
        assert fold[muscle] == pytest.approx(lift[muscle], abs=0.5)  # same hip angle, same length
    assert fold["psoas_major_right"] < mechanics.lengths(Pose())["psoas_major_right"] - 20


def test_a_curve_is_the_length_at_each_angle_with_the_other_joints_held(mechanics):
    pose = Pose.of({"pelvic_tilt": 20, "hip_flexion_right": 45, "lumbar_lateral_bending": 10})
    curve = mechanics.curve("hip_flexion_right", pose)
    assert curve.joint == "hip_flexion_right"
    assert len(curve.angles) == CURVE_SAMPLES and (curve.angles[0], curve.angles[-1]) == (-30, 120)
    assert set(curve.lengths) == set(mechanics.muscles)
    for i in (0, 7, 15, CURVE_SAMPLES - 1):
        held = pose.updated({"hip_flexion_right": float(curve.angles[i])})
        for muscle in ("psoas_major_right", "iliacus_right", "psoas_major_left"):
            assert curve.lengths[muscle][i] == pytest.approx(mechanics.length(muscle, held))
    assert np.ptp(curve.lengths["psoas_major_left"]) == pytest.approx(0.0, abs=1e-9)  # the other hip
    assert curve.lengths["iliacus_right"][-1] < curve.lengths["iliacus_right"][0] - 50
    assert mechanics.curve("lumbar_rotation", pose, samples=5).angles.tolist() == [-10, -5, 0, 5, 10]


def test_length_changes_are_percent_of_neutral_and_remembered_lengths_are_copies(mechanics, motion):
    assert all(change == 0 for change in mechanics.length_changes(Pose()).values())
    knee_to_chest = motion.resolve(["knee_to_chest"])
    changes = mechanics.length_changes(knee_to_chest)
    lengths = mechanics.lengths(knee_to_chest)
    neutral = mechanics.lengths(Pose())
    for muscle, change in changes.items():
        assert change == pytest.approx(100 * (lengths[muscle] - neutral[muscle]) / neutral[muscle])
    assert changes["psoas_major_right"] < -15 and changes["iliacus_right"] < -30
    lengths["psoas_major_right"] = 0.0  # a caller's change does not reach the remembered lengths
    assert mechanics.lengths(knee_to_chest)["psoas_major_right"] > 200


def test_the_scene_colours_muscles_by_length_change_only_when_asked(
    catalogue, landmarks, attachments, motion
):
    body, problems = Body.load(paths.annotations_dir(), landmarks, paths.paths_file())
    assert body is not None and problems == []
    scene = SceneModel(catalogue, landmarks, attachments, body=body)
    changed = []
    scene.changed.connect(changed.append)
    assert scene.length_color("psoas_major_right") is None
    scene.set_length_colours(True)
    scene.set_length_colours(True)
    assert scene.length_colours and changed == [Aspect.palette]
    assert scene.length_color("psoas_major_right") == LENGTH_UNCHANGED  # neutral: the centre
    assert scene.length_color("femur_right") is None  # no path, its own colour
    scene.set_pose(motion.resolve(["knee_to_chest"]))
    change = body.mechanics.length_changes(scene.pose)["iliacus_right"]
    assert scene.length_color("iliacus_right") == length_change_color(change) == LENGTH_CHANGE_COLORS[0]
    scene.set_length_colours(False)
    assert scene.length_color("iliacus_right") is None
    bare = SceneModel(catalogue)  # nothing to measure: it stays off
    bare.set_length_colours(True)
    assert not bare.length_colours


points = st.tuples(*[st.floats(-200, 200, allow_nan=False)] * 3).map(np.array)


@given(points, points, st.floats(1, 60))
def test_a_wrapped_path_is_never_shorter_than_the_straight_line(p, q, radius):
    centre = np.zeros(3)
    length = wrapped_length(p, q, centre, radius)
    straight = float(np.linalg.norm(q - p))
    assert length >= straight - 1e-9
    assert length == pytest.approx(wrapped_length(q, p, centre, radius))
    # It never exceeds going round the sphere's far side along the tangents.
    if min(np.linalg.norm(p), np.linalg.norm(q)) > radius * 1.01:
        assert length <= np.linalg.norm(p) + np.linalg.norm(q) + math.pi * radius


def test_a_path_wrapping_over_half_the_sphere():
    # From two points far on either side, tangent to a unit sphere across its top.
    p, q = np.array([-2.0, 0, 0]), np.array([2.0, 0, 0])
    expected = 2 * math.sqrt(3) + 1 * (math.pi - 2 * math.acos(0.5))
    assert wrapped_length(p, q, np.zeros(3), 1.0) == pytest.approx(expected)
