"""The skeleton's motion: joints turn about their centres, the right segments move."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.motion.kinematics import JOINTS, SEGMENTS, SPINE, Pose, PoseError, apply, rotation
from app.model.motion.poses import read_motion


def moved(rig, pose, segment, point):
    return apply(rig.transforms(Pose.of(pose))[segment], np.asarray(point, dtype=float)[None])[0]


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("angle", [-30, 45, 90, 120])
def test_hip_flexion_turns_the_femur_about_its_hip_centre(rig, landmarks, side, angle):
    hjc = np.array(landmarks[f"hip_joint_center_{side}"])
    trochanter = np.array(landmarks[f"lesser_trochanter_{side}"])
    pose = {f"hip_flexion_{side}": angle}
    assert np.allclose(moved(rig, pose, f"femur_{side}", hjc), hjc, atol=1e-9)
    # The lesser trochanter moves on its circle about the mediolateral axis.
    after = moved(rig, pose, f"femur_{side}", trochanter)
    assert np.linalg.norm(after - hjc) == pytest.approx(np.linalg.norm(trochanter - hjc))
    assert after[0] == pytest.approx(trochanter[0])
    turned = np.degrees(np.arctan2(*(after - hjc)[[2, 1]]) - np.arctan2(*(trochanter - hjc)[[2, 1]]))
    assert (turned - angle + 180) % 360 - 180 == pytest.approx(0, abs=1e-6)
    if angle > 0:  # flexion brings the thigh (and the knee below the hip) forward
        knee = hjc - [0, 0, 400]
        assert moved(rig, pose, f"femur_{side}", knee)[1] > 100
    # The other femur and the pelvis stay.
    other = "left" if side == "right" else "right"
    assert np.allclose(rig.transforms(Pose.of(pose))[f"femur_{other}"], np.eye(4))
    assert np.allclose(rig.transforms(Pose.of(pose))["pelvis"], np.eye(4))


@pytest.mark.parametrize("side", ["right", "left"])
def test_adduction_brings_the_knee_to_the_midline_and_internal_rotation_turns_the_front_in(
    rig, landmarks, side
):
    hjc = np.array(landmarks[f"hip_joint_center_{side}"])
    outward = np.sign(hjc[0])
    knee = hjc - [0, 0, 400]
    assert outward * moved(rig, {f"hip_adduction_{side}": 20}, f"femur_{side}", knee)[0] < abs(hjc[0]) - 100
    front = hjc + np.array([0, 40, -300])
    assert outward * moved(rig, {f"hip_rotation_{side}": 30}, f"femur_{side}", front)[0] < abs(front[0]) - 15


def test_pelvic_tilt_turns_pelvis_and_spine_about_the_hip_axis_and_leaves_the_thighs(rig, landmarks):
    pose = Pose.of({"pelvic_tilt": 30})
    transforms = rig.transforms(pose)
    for side in ("right", "left"):
        assert np.allclose(transforms[f"femur_{side}"], np.eye(4))
        hjc = np.array(landmarks[f"hip_joint_center_{side}"])
        assert np.allclose(apply(transforms["pelvis"], hjc[None])[0], hjc, atol=1e-9)
        asis = np.array(landmarks[f"asis_{side}"])
        after = apply(transforms["pelvis"], asis[None])[0]
        assert after[1] > asis[1] + 20 and after[2] < asis[2]  # anterior tilt: the ASIS goes forward and down
    # The spine rides on the pelvis: its vertebrae turn by the same tilt.
    for vertebra, _ in SPINE:
        assert np.allclose(transforms[vertebra], transforms["pelvis"])
    assert pose.hip_flexion("right") == 30  # the hip itself flexes: the trunk fold


def test_lumbar_motion_is_shared_over_the_joints_and_keeps_every_disc_joined(rig, motion):
    for joint_name, key in (("lumbar_flexion", "flexion"), ("lumbar_lateral_bending", "lateral_bending")):
        shares = [motion.rhythm[j][key] for _, j in SPINE]
        assert sum(shares) == pytest.approx(1.0)
        transforms = rig.transforms(Pose.of({joint_name: 30}))
        # T12 has turned by the whole angle against the pelvis.
        turn = transforms["vertebra_t12"][:3, :3]
        assert np.degrees(np.arccos((np.trace(turn) - 1) / 2)) == pytest.approx(30, abs=1e-6)
        below = "pelvis"
        for vertebra, joint in SPINE:
            centre = rig.joint_centres[joint]
            # Each joint centre moves the same with the vertebra above and the one below.
            assert np.allclose(
                apply(transforms[vertebra], centre[None]), apply(transforms[below], centre[None])
            )
            below = vertebra
    # The lowest joints take most of the flexion (White and Panjabi).
    assert motion.rhythm["l5_s1"]["flexion"] > motion.rhythm["t12_l1"]["flexion"]
    t12 = np.array(rig.body_centres["vertebra_t12"])
    assert moved(rig, {"lumbar_flexion": 40}, "vertebra_t12", t12)[1] > t12[1] + 40  # forward
    assert moved(rig, {"lumbar_lateral_bending": 20}, "vertebra_t12", t12)[0] > t12[0] + 25  # to the right
    front = t12 + np.array([0, 30, 0])
    assert moved(rig, {"lumbar_rotation": 10}, "vertebra_t12", front)[0] > front[0] + 3  # faces right


def test_joint_centres_lie_between_their_vertebral_bodies(rig, meshes):
    for _, joint in SPINE:
        disc = meshes["disc_" + joint]
        centre = rig.joint_centres[joint]
        low, high = np.array(disc.bounds[0::2]), np.array(disc.bounds[1::2])
        assert np.all(centre > low - 2) and np.all(centre < high + 2), (joint, centre, low, high)


def test_every_segment_is_placed_and_neutral_is_identity(rig):
    transforms = rig.transforms(Pose())
    assert set(transforms) == set(SEGMENTS)
    assert all(np.allclose(t, np.eye(4)) for t in transforms.values())


def test_poses_refuse_unknown_joints_and_angles_out_of_range():
    with pytest.raises(PoseError, match="did you mean 'hip_flexion_right'"):
        Pose.of({"hip_flexon_right": 10})
    for value in (121, -31, float("nan"), float("inf"), "ten", True):
        with pytest.raises(PoseError):
            Pose.of({"hip_flexion_right": value})
    assert Pose.of({"hip_flexion_right": 0}).neutral
    for joint in JOINTS.values():
        assert Pose.of({joint.name: joint.upper})[joint.name] == joint.upper


def test_rotation_is_right_handed():
    assert np.allclose(rotation([0, 0, 1], 90) @ [1, 0, 0], [0, 1, 0])


angles = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.booleans(), st.none()
)


@given(st.dictionaries(st.sampled_from([*JOINTS, "hip_flexon_right", "knee"]), angles, max_size=4))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_generated_bad_pose_in_the_motion_file_is_one_line_and_the_rest_is_kept(tmp_path, angles):
    rhythm = {j: {"flexion": 10, "lateral_bending": 5, "rotation": 1} for _, j in SPINE}
    good = {"title": "Good", "angles": {"pelvic_tilt": 10}, "source": "A source text"}
    generated = {"title": "Generated", "angles": angles, "source": "A source text"}
    document = {
        "rhythm": {"source": "White and Panjabi 1990", "joints": rhythm},
        "poses": {"good": good, "generated": generated},
    }
    path = tmp_path / "motion.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    motion, problems = read_motion(path)
    assert "good" in motion.poses
    try:
        Pose.of(angles)
        valid = True
    except PoseError:
        valid = False
    assert ("generated" in motion.poses) == valid
    for problem in problems:
        assert (
            str(problem).startswith(f"{path}:") and "\n" not in str(problem) and "generated" in str(problem)
        )
