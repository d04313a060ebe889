"""Anatomy in every named pose: nothing sinks into bone, attachments hold, volume is kept."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from app.model.anatomy.structures import Kind
from app.model.motion.deformation import Deformer
from app.model.motion.kinematics import Pose, apply
from app.model.motion.surfaces import volume_of

CHECKED = [
    f"{m}_{s}" for m in ("psoas_major", "iliacus", "psoas_minor", "femoral_nerve") for s in ("right", "left")
]
POSES = [
    "leg_lift",
    "knee_to_chest",
    "trunk_fold",
    "sit_up_curl",
    "sit_up_sitting",
    "side_bend_right",
    "side_bend_left",
    "anterior_pelvic_tilt",
    "posterior_pelvic_tilt",
    "lunge_stretch_good",
    "lunge_stretch_bad",
    "thomas_test",
]


def triangles(mesh):
    return np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]


@pytest.fixture(scope="module")
def posing(rig, landmarks, mechanics, meshes, catalogue):
    deformer = Deformer(rig, landmarks, {s: r for s, (_, r) in mechanics.paths.heads.items()})
    skins = {
        sid: deformer.skin(sid, mesh.points, triangles(mesh) if catalogue[sid].kind is Kind.muscle else None)
        for sid, mesh in meshes.items()
    }

    def posed(pose: Pose) -> dict[str, np.ndarray]:
        transforms = rig.transforms(pose)
        return {sid: deformer.posed(skin, pose, transforms) for sid, skin in skins.items()}

    return posed


@pytest.mark.parametrize("name", POSES)
def test_in_every_pose_nothing_sinks_into_bone_and_muscle_volume_is_kept(
    name, motion, posing, meshes, catalogue
):
    points = posing(motion.resolve([name]))
    bones = [sid for sid in meshes if catalogue[sid].kind is Kind.bone]
    for sid in CHECKED:
        depth = np.zeros(len(points[sid]))
        for bone in bones:
            posed_bone = pv.PolyData(points[bone], meshes[bone].faces)
            low, high = np.array(posed_bone.bounds[0::2]), np.array(posed_bone.bounds[1::2])
            near = ((points[sid] > low - 5) & (points[sid] < high + 5)).all(axis=1)
            if not near.any():
                continue
            inside = pv.PolyData(points[sid][near]).compute_implicit_distance(posed_bone)["implicit_distance"]
            depth[near] = np.minimum(depth[near], inside)
        # At most a few vertices of the tendon graze the bone it wraps, never deeper than 4 mm.
        assert depth.min() > -4.0, f"{name}: {sid} {-depth.min():.1f} mm into bone"
        assert (depth < -1.5).mean() < 0.01, f"{name}: {sid} {(depth < -1.5).sum()} vertices in bone"
        if catalogue[sid].kind is Kind.muscle:
            faces = triangles(meshes[sid])
            ratio = volume_of(points[sid], faces) / volume_of(np.asarray(meshes[sid].points), faces)
            assert abs(ratio - 1) < 0.1, f"{name}: {sid} volume changed by {100 * (ratio - 1):.0f}%"


@pytest.mark.parametrize("name", ["knee_to_chest", "side_bend_right", "trunk_fold", "lunge_stretch_good"])
def test_attachments_hold_in_every_pose(name, motion, posing, attachments, rig):
    neutral, posed = posing(Pose()), posing(motion.resolve([name]))
    transforms = rig.transforms(motion.resolve([name]))
    from app.model.motion.kinematics import apply, disc_segments, segment_of

    for attachment in attachments:
        if attachment.muscle not in (
            "psoas_major_right",
            "psoas_major_left",
            "iliacus_right",
            "iliacus_left",
        ):
            continue
        region = np.array(attachment.points)
        segment = segment_of(attachment.bone)
        if segment is None:
            upper, lower = disc_segments(attachment.bone)
            moved = (apply(transforms[upper], region) + apply(transforms[lower], region)) / 2
        else:
            moved = apply(transforms[segment], region)

        def gap(points, where):
            return np.median(np.min(np.linalg.norm(points[None] - where[:, None], axis=2), axis=1))

        before = gap(neutral[attachment.muscle], region)
        after = gap(posed[attachment.muscle], moved)
        assert after < before + 2.0, (
            f"{name}: {attachment.muscle} left its {attachment.name} ({before:.1f} -> {after:.1f} mm)"
        )


def test_the_psoas_stays_in_front_of_the_femoral_head_when_the_hip_extends(motion, posing, landmarks, rig):
    for name in ("lunge_stretch_good", "thomas_test"):
        pose = motion.resolve([name])
        points = posing(pose)
        upright = np.linalg.inv(rig.turn(pose))  # measured in the body's frame, however it lies
        for side in ("right", "left"):
            hjc = np.array(landmarks[f"hip_joint_center_{side}"])
            psoas = apply(upright, points[f"psoas_major_{side}"])
            level = psoas[np.abs(psoas[:, 2] - hjc[2]) < 5]
            assert len(level) and np.median(level[:, 1]) > hjc[1] + 15, (name, side)
