"""Nerves slide with the tissue they lie in (issue 29, item 3): no pose carries a nerve into
bone, not a named pose, not a movement's frames between them, not a combination the sliders
reach; and the obturator nerve's branches stay in the thigh when the trunk folds over it.

Depth in bone is measured on every nerve vertex against every bone of the plexus' ground
(pelvis, thighs, lumbar spine, T12 and its ribs; not the context skeleton, whose arms hang
beside the thighs riding T12: how they clear the thigh is the postures' business), each
bone's implicit distance built once at rest and the points taken back into its rest frame
(bones move rigidly). A point already that deep at rest is the rest geometry's business (the mesh
build's tests); here a pose may not push any point more than 0.75 mm deeper than it lies at
rest, nor any point that is out of bone at rest more than 0.75 mm in.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.model.anatomy.meshes import read_surface
from app.model.anatomy.structures import Kind
from app.model.io import paths
from app.model.motion.body import Body, near_plexus
from app.model.motion.kinematics import JOINTS, LOWER_LEG_JOINTS, SIDES, Pose, apply
from tests.shapes import BoneDepth

TOLERANCE_MM = 0.75
#: Slider combinations sampled (seeded), and movement frames between named poses.
COMBINATIONS = 40
FRAMES = 30


@pytest.fixture(scope="module")
def nerves_posed(landmarks, catalogue, meshes):
    body, problems = Body.load(paths.annotations_dir(), landmarks, paths.paths_file())
    assert body is not None, problems
    nerves = [s for s in catalogue if s.kind is Kind.nerve]
    assert len(nerves) >= 16
    surfaces = {s.id: read_surface(paths.meshes_dir() / s.mesh) for s in nerves}
    skins = {s.id: body.skin(s, *surfaces[s.id]) for s in nerves}
    depth = BoneDepth({s.id: meshes[s.id] for s in catalogue if s.kind is Kind.bone and near_plexus(s.id)})
    transforms = body.rig.transforms(Pose())
    rest = {sid: np.maximum(-depth(skin.rest, transforms)[0], 0.0) for sid, skin in skins.items()}

    def check(label: str, pose: Pose) -> list[str]:
        """What goes wrong in ``pose``: each nerve pushed into bone, how far, where."""
        placed = body.rig.transforms(pose)
        wrong = []
        for sid, skin in skins.items():
            signed, which = depth(body.deformer.posed(skin, pose, placed), placed)
            excess = np.maximum(-signed, 0.0) - rest[sid]
            if excess.max() > TOLERANCE_MM:
                worst = int(np.argmax(excess))
                wrong.append(
                    f"{label} ({pose.describe()}): {sid} {excess.max():.1f} mm into {which[worst]}"
                    f" ({100 * (excess > TOLERANCE_MM).mean():.1f}% of its points)"
                )
        return wrong

    return body, skins, check


def reachable(pose: Pose) -> bool:
    """Within the hip's own range: a thigh flexed past 120 deg against its pelvis (slider
    flexion plus tilt) or extended past 30 deg passes into the pelvis itself."""
    hip = JOINTS["hip_flexion_right"]
    return all(hip.lower <= pose.hip_flexion(side) <= hip.upper for side in SIDES)


def test_the_issues_poses_carry_no_nerve_into_bone(nerves_posed):
    _, _, check = nerves_posed
    wrong = check("side bending 20", Pose.of({"lumbar_lateral_bending": 20}))
    wrong += check("pelvic tilt 30", Pose.of({"pelvic_tilt": 30}))
    assert wrong == []


def test_no_named_pose_or_movement_frame_carries_a_nerve_into_bone(nerves_posed, motion):
    _, _, check = nerves_posed
    names = list(motion.poses)
    wrong = []
    for name in names:
        wrong += check(name, motion.resolve([name]))
    # Play moves between any two named poses, every joint at once (Pose.towards): frames of a
    # seeded sample of those movements, each at a random moment.
    rng = np.random.default_rng(29)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    for k in rng.choice(len(pairs), size=FRAMES, replace=False):
        a, b = pairs[k]
        fraction = float(rng.uniform(0.1, 0.9))
        wrong += check(
            f"{a} -> {b} at {fraction:.2f}", motion.resolve([a]).towards(motion.resolve([b]), fraction)
        )
    assert wrong == [], "\n".join(wrong)


def test_every_joint_alone_over_its_range_carries_no_nerve_into_bone(nerves_posed):
    _, _, check = nerves_posed
    wrong = []
    for name, joint in JOINTS.items():
        for angle in (joint.lower, joint.upper):
            wrong += check(name, Pose.of({name: angle}))
    assert wrong == [], "\n".join(wrong)


def combinations(seed: int, count: int, reach: float) -> list[Pose]:
    """A seeded sample of every slider at once, each anywhere in the middle ``reach`` of
    its range (a quarter of them at an end of that), within the hip's own range of flexion.
    The knees and ankles are left out: they move only the shanks and feet, which no nerve
    of the plexus reaches (and the sample stays the one it was before them)."""
    rng = np.random.default_rng(seed)
    poses: list[Pose] = []
    while len(poses) < count:
        angles = {}
        for name, joint in JOINTS.items():
            if name in LOWER_LEG_JOINTS:
                continue
            low, high = joint.lower * reach, joint.upper * reach
            angles[name] = float(rng.choice([low, high]) if rng.random() < 0.25 else rng.uniform(low, high))
        pose = Pose.of(angles)
        if reachable(pose):
            poses.append(pose)
    return poses


def test_slider_combinations_carry_no_nerve_into_bone(nerves_posed):
    """Every slider at once, each over 45% of its range about neutral (hip flexion -13.5 to
    54 deg, adduction -22.5 to 13.5, rotation +-18, tilt -13.5 to 40.5, lumbar flexion -13.5
    to 27, side bending +-13.5, rotation +-4.5); each joint alone goes to both ends of its
    range above."""
    _, _, check = nerves_posed
    wrong: list[str] = []
    for i, pose in enumerate(combinations(2029, COMBINATIONS, 0.45)):
        wrong += check(f"combination {i}", pose)
    assert wrong == [], "\n".join(wrong)


def test_slider_combinations_to_the_ends_of_their_ranges_carry_no_nerve_into_bone(nerves_posed):
    """Every slider at once anywhere in its whole range, a quarter of them at an end: the
    blend alone carried the obturator nerve below its canal up to 7 mm into the pubis (the
    thigh adducted, turned and flexed; the left one across to the right pubis), the femoral
    nerve 7 mm into the ilium and a ramus of the plexus 1 mm into the L3 pedicle; the nerve
    now slides along the bone (:mod:`app.model.motion.contact`)."""
    _, _, check = nerves_posed
    wrong: list[str] = []
    for i, pose in enumerate(combinations(2030, COMBINATIONS // 2, 1.0)):
        wrong += check(f"combination {i}", pose)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("name", ["trunk_fold", "sit_up_sitting"])
def test_the_obturator_branches_stay_in_the_thigh_when_the_trunk_folds(nerves_posed, motion, landmarks, name):
    """Below the obturator canal the nerve passes into the thigh: its branches, from 25 mm
    below the lesser trochanter down, stay within 8 mm of where the femur carries them (the
    pelvis carried them over 100 mm back out of the thigh)."""
    body, skins, _ = nerves_posed
    pose = motion.resolve([name])
    placed = body.rig.transforms(pose)
    for side in SIDES:
        skin = skins[f"obturator_nerve_{side}"]
        low = skin.rest[:, 2] < landmarks[f"lesser_trochanter_{side}"][2] - 25
        assert low.sum() > 50, side
        posed = body.deformer.posed(skin, pose, placed)
        off = np.linalg.norm(posed[low] - apply(placed[f"femur_{side}"], skin.rest[low]), axis=1)
        by_pelvis = np.linalg.norm(
            apply(placed["pelvis"], skin.rest[low]) - apply(placed[f"femur_{side}"], skin.rest[low]), axis=1
        )
        assert by_pelvis.max() > 60, (side, by_pelvis.max())  # the pose does fold the trunk
        assert off.max() < 8.0, f"{name}: the {side} obturator branches {off.max():.1f} mm off the thigh"


def test_nerves_bend_without_tearing(nerves_posed, motion):
    """Where a nerve passes from one tissue into another it bends rather than tears: in
    every named pose no edge of its surface stretches to three times its rest length (a
    weight that jumps between neighbours did to 29 times), nor shrinks to a sixth of it
    (the arc in front of a hip flexed 110 deg closes by that much)."""
    body, skins, _ = nerves_posed
    for name in motion.poses:
        pose = motion.resolve([name])
        placed = body.rig.transforms(pose)
        for sid, skin in skins.items():
            posed = body.deformer.posed(skin, pose, placed)
            faces = read_surface(paths.meshes_dir() / f"nerves/{sid}.ply")[1]
            edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
            rest = np.linalg.norm(skin.rest[edges[:, 0]] - skin.rest[edges[:, 1]], axis=1)
            now = np.linalg.norm(posed[edges[:, 0]] - posed[edges[:, 1]], axis=1)
            ratio = now[rest > 0.2] / rest[rest > 0.2]
            assert ratio.min() > 1 / 6 and ratio.max() < 3.0, (name, sid, ratio.min(), ratio.max())


def test_a_nerve_follows_the_tissue_it_lies_in(nerves_posed, landmarks):
    """Along the iliac crest the iliohypogastric nerve moves with the pelvis, not with the
    vertebrae 60 mm away (side bending swung it into the crest); in the psoas the plexus
    moves with the spine."""
    _, skins, _ = nerves_posed
    crest = skins["iliohypogastric_nerve_right"]
    lateral = crest.rest[:, 0] > landmarks["asis_right"][0] - 5  # over the crest, beside the ASIS
    assert lateral.any()
    assert crest.weights[lateral, 0].min() > 0.9
    plexus = skins["lumbar_plexus_right"]
    high = plexus.rest[:, 2] > landmarks["vertebral_body_center_l2"][2]
    assert plexus.weights[high, 0].max() < 0.05
