"""Points that lie on the bones move with them: landmarks, attachment sites, marked places
(``Body.pose_points``, the one rule the export, the markers and the camera flights use)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from app.model.anatomy.landmarks import landmark_bones
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.motion.kinematics import Pose, apply


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


def test_every_landmark_lies_on_bones_of_the_catalogue(landmarks, catalogue):
    for name in landmarks:
        bones = landmark_bones(name)
        assert bones and all(b in catalogue for b in bones), name
    assert landmark_bones("no_such_landmark_right") == () and landmark_bones("nowhere") == ()


def test_a_landmark_lies_on_the_bones_its_search_place_names(landmarks):
    """search.yaml says which bone a place (and its landmark) lies on: the two agree."""
    places = yaml.safe_load((paths.annotations_dir() / "search.yaml").read_text())["places"]
    checked = 0
    for entry in places.values():
        if "landmark" not in entry:
            continue
        bones = [entry["bone"]] if isinstance(entry["bone"], str) else entry["bone"]
        for name in (n for n in landmarks if n == entry["landmark"] or n.startswith(entry["landmark"] + "_")):
            side = name.rsplit("_", 1)[1] if name.endswith(("_left", "_right")) else None
            expected = tuple(
                b if b in ("sacrum",) or b.startswith("vertebra_") else f"{b}_{side}" for b in bones
            )
            assert landmark_bones(name) == expected, name
            checked += 1
    assert checked >= 25


def test_hip_flexion_moves_the_trochanters_with_the_femur_and_not_the_hip_centre(atlas, landmarks):
    pose = Pose.of({"hip_flexion_right": 90})
    posed = atlas.body.posed_landmarks(landmarks, pose)
    femur = atlas.body.rig.transforms(pose)["femur_right"]
    for name in ("lesser_trochanter_right", "greater_trochanter_right"):
        expected = apply(femur, np.array([landmarks[name]]))[0]
        assert np.allclose(posed[name], expected, atol=0.01)
        assert np.linalg.norm(np.subtract(posed[name], landmarks[name])) > 30
    assert posed["lesser_trochanter_right"][1] > landmarks["lesser_trochanter_right"][1] + 50  # forward
    leg = {f"{bone}_right" for bone in ("femur", "tibia", "fibula", "patella", "foot")}
    below = [n for n in landmarks if n != "hip_joint_center_right" and leg & set(landmark_bones(n))]
    assert all(np.linalg.norm(np.subtract(posed[n], landmarks[n])) > 30 for n in below)  # the knee...
    unmoved = [n for n in landmarks if n not in below]
    assert all(
        np.allclose(posed[n], landmarks[n], atol=0.01) for n in unmoved
    )  # the hip centre, pelvis, spine
    assert atlas.body.posed_landmarks(landmarks, Pose()) == landmarks


def test_a_side_bend_moves_the_foramina_with_the_vertebrae_around_them(atlas, landmarks):
    pose = atlas.body.motion.resolve(["side_bend_right"])
    posed = atlas.body.posed_landmarks(landmarks, pose)
    transforms = atlas.body.rig.transforms(pose)
    name = "intervertebral_foramen_l2_l3_left"
    point = np.array([landmarks[name]])
    between = (apply(transforms["vertebra_l2"], point) + apply(transforms["vertebra_l3"], point)) / 2
    assert np.allclose(posed[name], between[0], atol=0.01)
    assert posed[name][0] > landmarks[name][0] + 3  # bent toward the right
    top = "intervertebral_foramen_t12_l1_right"
    bottom = "intervertebral_foramen_l5_s1_right"
    moved = {n: np.linalg.norm(np.subtract(posed[n], landmarks[n])) for n in (top, bottom)}
    assert moved[top] > moved[bottom] + 5  # the higher, the farther
    assert posed["asis_right"] == landmarks["asis_right"]  # the pelvis stays


def test_attachment_sites_move_as_their_bone_is_drawn(atlas, meshes):
    pose = Pose.of({"hip_flexion_right": 90, "lumbar_flexion": 30})
    body = atlas.body
    transforms = body.rig.transforms(pose)
    on_femur = next(a for a in atlas.attachments if a.bone == "femur_right")
    posed = body.posed_attachment(on_femur, pose)
    assert (posed.muscle, posed.role, posed.bone, posed.name) == (
        on_femur.muscle,
        on_femur.role,
        on_femur.bone,
        on_femur.name,
    )
    expected = apply(transforms["femur_right"], np.array(on_femur.points))
    assert np.allclose(posed.points, expected, atol=0.01)
    # On a disc a site moves as the disc's own surface there.
    on_disc = next(a for a in atlas.attachments if a.bone.startswith("disc_"))
    disc = meshes[on_disc.bone]
    skin = body.skin(atlas.catalogue[on_disc.bone], np.asarray(disc.points), np.zeros((0, 3), int))
    surface = body.deformer.posed(skin, pose, transforms)
    nearest = [int(np.argmin(np.linalg.norm(disc.points - p, axis=1))) for p in on_disc.points]
    shift = surface[nearest] - np.asarray(disc.points)[nearest]
    moved = np.asarray(body.posed_attachment(on_disc, pose).points) - np.array(on_disc.points)
    assert np.abs(moved - shift).max() < 1.0
    assert np.abs(moved).max() > 2


def test_the_scene_gives_posed_places_and_marks(atlas, landmarks):
    scene = atlas.scene()
    name = "lesser_trochanter_right"
    scene.mark("Right lesser trochanter", landmarks[name], ("femur_right",))
    assert scene.marks[0].point == landmarks[name] and scene.posed_landmarks == scene.landmarks
    scene.set_pose({"hip_flexion_right": 90})
    posed = atlas.body.posed_landmarks(landmarks, scene.pose)[name]
    assert scene.posed_landmarks[name] == posed
    assert np.allclose(scene.marks[0].point, posed, atol=0.01)
    assert np.allclose(scene.posed_point(("femur_right",), landmarks[name]), posed, atol=0.01)
