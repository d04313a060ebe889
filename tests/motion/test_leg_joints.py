"""The knees and ankles (issue 30): the shank turns on the femur about the transepicondylar
axis, the foot on the shank about the line through the malleoli; the patella and fibula
ride the tibia; the trunk and arms drawn as context ride T12.

Most tests run on synthetic knee and ankle landmarks added to the shipped ones, so they run
whether or not the data set has them yet; those on the shipped landmarks skip, saying why,
until the meshes are rebuilt with them.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.model.anatomy.landmarks import landmark_bones
from app.model.io import paths
from app.model.motion.body import Body, near_plexus
from app.model.motion.deformation import Deformer
from app.model.motion.kinematics import (
    JOINTS,
    LOWER_LEG_JOINTS,
    SEGMENTS,
    SIDES,
    Pose,
    PoseError,
    Rig,
    apply,
    segment_of,
)

LEG_LANDMARKS = (
    "knee_joint_center",
    "femoral_epicondyle_lateral",
    "femoral_epicondyle_medial",
    "ankle_joint_center",
    "malleolus_lateral",
    "malleolus_medial",
)


def with_legs(landmarks: dict) -> dict:
    """The landmarks with a plausible knee and ankle on each side, in place of any shipped:
    the knee 420 mm below the hip centre, its epicondyles 80 mm apart; the ankle 390 mm
    below the knee, the lateral malleolus lower and further back, as it is."""
    out = dict(landmarks)
    for side in SIDES:
        out_x = 1.0 if side == "right" else -1.0
        hip = np.array(landmarks[f"hip_joint_center_{side}"])
        knee = hip + np.array([out_x * -5, 0, -420])
        ankle = knee + np.array([0, -10, -390])
        points = {
            "knee_joint_center": knee,
            "femoral_epicondyle_lateral": knee + np.array([out_x * 42, 0, 2]),
            "femoral_epicondyle_medial": knee + np.array([-out_x * 38, 0, 0]),
            "ankle_joint_center": ankle,
            "malleolus_lateral": ankle + np.array([out_x * 30, -10, -8]),
            "malleolus_medial": ankle + np.array([-out_x * 28, 5, 5]),
        }
        for name, point in points.items():
            out[f"{name}_{side}"] = tuple(float(c) for c in point)
    return out


def without_legs(landmarks: dict) -> dict:
    return {k: v for k, v in landmarks.items() if not k.startswith(LEG_LANDMARKS)}


@pytest.fixture(scope="module")
def legs(landmarks):
    return with_legs(landmarks)


@pytest.fixture(scope="module")
def leg_rig(legs, motion):
    return Rig.from_landmarks(legs, motion.rhythm)


def moved(rig: Rig, pose: dict, segment: str, point) -> np.ndarray:
    return apply(rig.transforms(Pose.of(pose))[segment], np.asarray(point, dtype=float)[None])[0]


def turn_of(transform: np.ndarray) -> tuple[float, np.ndarray]:
    """Angle (degrees) and unit axis of a 4x4 transform's rotation."""
    r = transform[:3, :3]
    angle = np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1)))
    axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    return float(angle), axis / max(np.linalg.norm(axis), 1e-12)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("hip", [0, 60])
def test_the_knee_centre_stays_put_on_its_femur_as_the_knee_flexes(leg_rig, legs, side, hip):
    knee = legs[f"knee_joint_center_{side}"]
    for angle in (30, 90, 140):
        pose = {f"hip_flexion_{side}": hip, f"knee_flexion_{side}": angle}
        on_femur = moved(leg_rig, pose, f"femur_{side}", knee)
        assert np.allclose(moved(leg_rig, pose, f"tibia_{side}", knee), on_femur, atol=1e-9)
        ankle = legs[f"ankle_joint_center_{side}"]  # the ankle keeps its distance from the knee
        assert np.linalg.norm(moved(leg_rig, pose, f"tibia_{side}", ankle) - on_femur) == pytest.approx(
            np.linalg.norm(np.subtract(ankle, knee))
        )


@pytest.mark.parametrize("side", SIDES)
def test_the_tibia_turns_about_the_epicondylar_axis_and_flexion_brings_the_heel_back(leg_rig, legs, side):
    lateral, medial = (np.array(legs[f"femoral_epicondyle_{e}_{side}"]) for e in ("lateral", "medial"))
    epicondylar = (lateral - medial) / np.linalg.norm(lateral - medial)
    transforms = leg_rig.transforms(Pose.of({f"knee_flexion_{side}": 90}))
    relative = np.linalg.inv(transforms[f"femur_{side}"]) @ transforms[f"tibia_{side}"]
    angle, axis = turn_of(relative)
    assert angle == pytest.approx(90)
    assert abs(axis @ epicondylar) == pytest.approx(1.0)
    # Points on the axis stay (the knee centre is on it, the epicondyles' line through it).
    knee = np.array(legs[f"knee_joint_center_{side}"])
    assert np.allclose(apply(relative, (knee + 25 * epicondylar)[None])[0], knee + 25 * epicondylar)
    ankle = np.array(legs[f"ankle_joint_center_{side}"])
    after = moved(leg_rig, {f"knee_flexion_{side}": 90}, f"tibia_{side}", ankle)
    assert after[1] < knee[1] - 350 and abs(after[2] - knee[2]) < 40  # the shank points back
    # The femur, the other leg and the pelvis do not move.
    other = "left" if side == "right" else "right"
    for segment in (f"femur_{side}", f"tibia_{other}", f"foot_{other}", "pelvis"):
        assert np.allclose(transforms[segment], np.eye(4))


@pytest.mark.parametrize("side", SIDES)
def test_the_foot_follows_the_tibia_and_dorsiflexion_lifts_the_toes(leg_rig, legs, side):
    ankle = np.array(legs[f"ankle_joint_center_{side}"])
    toes = ankle + np.array([0, 150, -50])
    knee_only = {f"hip_flexion_{side}": 40, f"knee_flexion_{side}": 70}
    transforms = leg_rig.transforms(Pose.of(knee_only))
    assert np.allclose(transforms[f"foot_{side}"], transforms[f"tibia_{side}"])
    # The ankle centre stays on the tibia when the ankle turns, in any pose of the leg.
    for ankle_angle in (-40, 30):
        pose = {**knee_only, f"ankle_flexion_{side}": ankle_angle}
        assert np.allclose(
            moved(leg_rig, pose, f"foot_{side}", ankle), moved(leg_rig, pose, f"tibia_{side}", ankle)
        )
    assert moved(leg_rig, {f"ankle_flexion_{side}": 20}, f"foot_{side}", toes)[2] > toes[2] + 30
    assert moved(leg_rig, {f"ankle_flexion_{side}": -30}, f"foot_{side}", toes)[2] < toes[2] - 50


@pytest.mark.parametrize("side", SIDES)
def test_the_fibula_moves_with_the_tibia_and_the_patella_glides_on_the_femur(leg_rig, legs, side):
    assert segment_of(f"fibula_{side}") == f"tibia_{side}"
    assert segment_of(f"patella_{side}") == f"patella_{side}"
    assert segment_of(f"foot_{side}") == f"foot_{side}"
    deformer = Deformer(leg_rig, legs)
    patella = np.array(legs[f"knee_joint_center_{side}"]) + np.array([[0, 45, 30], [0, 50, 60], [10, 40, 45]])
    pose = Pose.of({f"hip_flexion_{side}": 30, f"knee_flexion_{side}": 90})
    skin = deformer.skin(f"patella_{side}", patella)
    assert skin.rigid_segment == f"patella_{side}"
    flexed = apply(leg_rig.transforms(pose)[f"patella_{side}"], patella)
    assert np.allclose(deformer.posed(skin, pose), flexed)
    # Flexed, the patella goes down and round the front of the knee, less far than the
    # tibia's front (it glides on the femur, turning about 0.8 of the knee's angle).
    knee = np.array(legs[f"knee_joint_center_{side}"])
    straight = apply(leg_rig.transforms(Pose.of({f"hip_flexion_{side}": 30}))[f"patella_{side}"], patella)
    assert (flexed[:, 2] - knee[2]).mean() < (straight[:, 2] - knee[2]).mean() - 30
    on_tibia = apply(leg_rig.transforms(pose)[f"tibia_{side}"], patella)
    assert np.linalg.norm(flexed - on_tibia, axis=1).max() > 5.0


def test_the_trunk_and_arms_ride_t12_and_the_new_segments_are_placed(leg_rig):
    for bone in ("rib_cage", "sternum", "thoracic_spine", "cervical_spine", "skull", "vertebra_t6"):
        assert segment_of(bone) == "vertebra_t12"
    for side in SIDES:
        assert segment_of(f"clavicle_{side}") == segment_of(f"scapula_{side}") == "vertebra_t12"
        for bone in ("humerus", "radius", "ulna", "hand"):  # the arms swing at the shoulders
            assert segment_of(f"{bone}_{side}") == f"arm_{side}"
    assert segment_of("rectus_femoris_right") is None  # soft tissue
    transforms = leg_rig.transforms(Pose())
    assert set(transforms) == set(SEGMENTS) >= {"tibia_right", "foot_left"}
    # Not the plexus' bones: the nerves' skins are as before the context came.
    assert not any(
        near_plexus(b)
        for b in ("rib_cage", "tibia_right", "patella_left", "foot_right", "skull", "hand_left")
    )
    assert all(
        near_plexus(b) for b in ("vertebra_t12", "rib_12_left", "sacrum", "femur_right", "hip_bone_left")
    )


def test_knee_and_ankle_landmarks_move_with_their_bones():
    assert landmark_bones("knee_joint_center_right") == ("femur_right", "tibia_right")
    assert landmark_bones("femoral_epicondyle_medial_left") == ("femur_left",)
    assert landmark_bones("malleolus_lateral_right") == ("fibula_right",)
    assert landmark_bones("ankle_joint_center_left") == ("tibia_left", "foot_left")


def test_poses_take_the_new_joints_in_their_ranges(motion):
    assert motion.resolve(["knee_flexion_right=90", "ankle_flexion_left=-20"])["knee_flexion_right"] == 90
    for spec in ("knee_flexion_right=141", "knee_flexion_right=-5", "ankle_flexion_left=31"):
        with pytest.raises(PoseError, match="out of its range"):
            motion.resolve([spec])
    assert JOINTS["ankle_flexion_right"].lower == -40  # the leg model's ankle_angle range
    assert set(LOWER_LEG_JOINTS) == {f"{j}_{s}" for j in ("knee_flexion", "ankle_flexion") for s in SIDES}


def test_without_the_leg_landmarks_the_rest_moves_and_one_line_says_why(landmarks, motion, tmp_path):
    older = without_legs(landmarks)
    rig = Rig.from_landmarks(older, motion.rhythm)
    assert "femoral_epicondyle_lateral_right" in rig.missing and "cannot bend" in rig.missing
    assert not rig.can_turn("knee_flexion_right") and rig.can_turn("hip_flexion_right")
    transforms = rig.transforms(Pose.of({"hip_flexion_right": 45, "knee_flexion_right": 90}))
    assert np.allclose(transforms["tibia_right"], transforms["femur_right"])  # straight knee
    # A data set with shanks says so in one line; an older one, without, has nothing to bend.
    meshes = tmp_path / "meshes"
    (meshes / "bones").mkdir(parents=True)
    shutil.copy(paths.paths_file(), meshes / "paths.json")
    body, problems = Body.load(paths.annotations_dir(), older, meshes / "paths.json")
    assert body is not None and problems == []
    (meshes / "bones" / "tibia_right.ply").write_bytes(b"")
    body, problems = Body.load(paths.annotations_dir(), older, meshes / "paths.json")
    assert body is not None and not body.rig.can_turn("ankle_flexion_left")
    (line,) = problems
    assert "\n" not in str(line) and str(line).startswith(str(meshes / "landmarks.json"))
    assert "femoral_epicondyle_lateral_right" in str(line)
    # Damaged: the epicondyles on top of each other.
    damaged = with_legs(landmarks)
    damaged["femoral_epicondyle_medial_left"] = damaged["femoral_epicondyle_lateral_left"]
    assert "do not span the limb" in Rig.from_landmarks(damaged, motion.rhythm).missing


def test_a_knee_the_rig_cannot_bend_is_one_line_from_mechanics(capsys, landmarks):
    from app.cli import main

    if not missing_legs(landmarks):
        pytest.skip("the shipped landmarks place the knees: mechanics sweeps them (tested below)")
    assert main(["mechanics", "--joint", "knee_flexion_right", "--from", "0", "--to", "90"]) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "knee_flexion_right" in x]
    assert "cannot bend" in line


def missing_legs(landmarks: dict) -> list[str]:
    return [f"{n}_{s}" for n in LEG_LANDMARKS for s in SIDES if f"{n}_{s}" not in landmarks]


# On the shipped landmarks, once the meshes are built with them.
def shipped_legs(landmarks: dict) -> None:
    missing = missing_legs(landmarks)
    if missing:
        pytest.skip(f"meshes/landmarks.json has no {missing[0]} yet (rebuild the meshes: build-meshes)")


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.xfail(
    reason="issue 30, left: the CT tibia-fibula (gias3.examples) sits on the leg model turned about its "
    "long axis: its malleoli's line is 46 deg from the epicondyles' (adults: 20-30 deg), the lateral "
    "malleolus 42 mm behind the medial; the ankle hinge follows that line",
    strict=True,
)
def test_the_shipped_knee_and_ankle_lie_where_they_should(landmarks, rig, side):
    shipped_legs(landmarks)
    hip = np.array(landmarks[f"hip_joint_center_{side}"])
    knee, ankle = (np.array(landmarks[f"{j}_joint_center_{side}"]) for j in ("knee", "ankle"))
    assert 350 < hip[2] - knee[2] < 500 and 300 < knee[2] - ankle[2] < 480  # thigh, shank lengths
    assert rig.missing == "" and all(rig.can_turn(j) for j in LOWER_LEG_JOINTS)
    knee_axis, ankle_axis = (rig.hinges[f"{j}_flexion_{side}"][1] for j in ("knee", "ankle"))
    assert abs(knee_axis[0]) > np.cos(np.radians(15))  # the epicondyles across the knee
    # The malleoli's line turned outwards against the knee's by the tibia's torsion: about
    # 20-30 deg in adults, not past 40.
    torsion = np.degrees(np.arccos(abs(knee_axis[:2] @ ankle_axis[:2]) / np.linalg.norm(ankle_axis[:2])))
    assert torsion < 40, f"the transmalleolar axis is turned {torsion:.0f} deg from the transepicondylar"
    sweep = moved(rig, {f"knee_flexion_{side}": 90}, f"tibia_{side}", ankle)
    assert sweep[1] < knee[1] - 250  # flexed, the heel goes back
    assert np.allclose(moved(rig, {f"knee_flexion_{side}": 90}, f"tibia_{side}", knee), knee, atol=1e-6)


def test_mechanics_sweeps_the_shipped_knee(capsys, landmarks):
    from app.cli import main

    shipped_legs(landmarks)
    assert (
        main(["mechanics", "--joint", "knee_flexion_right", "--from", "0", "--to", "90", "--step", "45"]) == 0
    )
    out = capsys.readouterr().out
    assert "Right knee flexion" in out and len(out.splitlines()) == 5


def test_mechanics_sweeps_a_knee_of_a_data_set_that_places_it(tmp_path, landmarks, capsys):
    """The command line on a copy of the data set with synthetic knees: the psoas does not
    cross the knee, so its length stays and its moment arm about it is nought."""
    from app.cli import main

    root = tmp_path / "atlas"
    shutil.copytree(paths.annotations_dir(), root / "annotations")
    shutil.copytree(paths.meshes_dir(), root / "meshes")
    file = root / "meshes" / "landmarks.json"
    document = json.loads(file.read_text(encoding="utf-8"))
    document["landmarks"] = with_legs(document["landmarks"])
    file.write_text(json.dumps(document), encoding="utf-8")
    sweep = [
        "mechanics",
        "--joint",
        "knee_flexion_right",
        "--from",
        "0",
        "--to",
        "90",
        "--step",
        "45",
        "--json",
    ]
    assert main(["--root", str(root), *sweep]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [row["angle"] for row in rows] == [0, 45, 90]
    lengths = {row["length"]["psoas_major_right"] for row in rows}
    assert len(lengths) == 1 and all(row["moment_arm"]["psoas_major_right"] == 0 for row in rows)
