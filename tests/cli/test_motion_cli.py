"""The motion commands: mechanics tables and JSON, posed screenshots, one-line refusals."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from tests.commands import run_cli


def test_mechanics_json_over_hip_flexion(capsys):
    assert (
        main(
            [
                "mechanics",
                "--joint",
                "hip_flexion_right",
                "--from",
                "0",
                "--to",
                "90",
                "--step",
                "30",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["joint"] == "hip_flexion_right"
    assert result["units"] == {"angle": "deg", "length": "mm", "moment_arm": "mm"}
    assert [row["angle"] for row in result["rows"]] == [0, 30, 60, 90]
    psoas = [row["length"]["psoas_major_right"] for row in result["rows"]]
    assert all(b < a for a, b in itertools.pairwise(psoas))  # shortens all the way
    assert all(row["moment_arm"]["iliacus_right"] > 10 for row in result["rows"])
    assert all(row["moment_arm"]["iliacus_left"] == 0 for row in result["rows"])  # the other hip


def test_mechanics_with_a_pose_and_as_a_table(capsys):
    sweep = ["--joint", "lumbar_lateral_bending", "--from", "-20", "--to", "20", "--step", "20"]
    assert main(["mechanics", *sweep, "--pose", "trunk_fold"]) == 0
    out = capsys.readouterr().out
    assert "other joints: lumbar_flexion=15, pelvic_tilt=70" in out
    assert len(out.strip().splitlines()) == 2 + 3


HIP = ["--joint", "hip_flexion_right", "--from", "0"]


@pytest.mark.parametrize(
    "args,message",
    [
        ([*HIP, "--to", "200"], "ranges from -30 to 120"),
        ([*HIP, "--to", "10", "--step", "0"], "must be positive"),
        (
            [*HIP, "--to", "10", "--pose", "trunk_fol"],
            "did you mean 'trunk_fold'",
        ),
        (
            [*HIP, "--to", "10", "--pose", "pelvic_tilt=x"],
            "JOINT=DEGREES",
        ),
        (
            [*HIP, "--to", "10", "--pose", "pelvic_tilt=400"],
            "out of its range",
        ),
    ],
)
def test_mechanics_refuses_bad_arguments_in_one_line(capsys, args, message):
    assert main(["mechanics", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_mechanics_unknown_joint_is_one_line():
    result = run_cli("mechanics", "--joint", "hip_flexon_right", "--from", "0", "--to", "10")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_screenshot_in_a_pose_differs_from_neutral(tmp_path):
    neutral, posed = tmp_path / "neutral.png", tmp_path / "posed.png"
    assert run_cli("screenshot", str(neutral), "--view", "right", "--size", "320x240").returncode == 0
    result = run_cli("screenshot", str(posed), "--view", "right", "--size", "320x240", "--pose", "leg_lift",
                     "hip_flexion_left=-20")  # fmt: skip
    assert result.returncode == 0, result.stderr
    a = np.asarray(Image.open(neutral).convert("L"), dtype=float)
    b = np.asarray(Image.open(posed).convert("L"), dtype=float)
    assert np.abs(a - b).mean() > 2  # the thigh moved
    bad = run_cli("screenshot", str(tmp_path / "bad.png"), "--pose", "hip_flexion_right=130")
    assert bad.returncode == 2 and "out of its range" in bad.stderr and not (tmp_path / "bad.png").exists()


def test_export_in_a_pose_moves_meshes_landmarks_and_attachments(tmp_path, capsys, catalogue, landmarks):
    from plyfile import PlyData

    from app.model.anatomy.landmarks import load_attachments, load_landmarks
    from app.model.anatomy.meshes import check_mesh
    from app.model.atlas import Atlas
    from app.model.io import paths
    from app.model.motion.kinematics import Pose, apply

    rest_dir, posed_dir = tmp_path / "rest", tmp_path / "posed"
    assert main(["export", str(rest_dir)]) == 0
    assert main(["export", str(posed_dir), "--pose", "hip_flexion_right=90"]) == 0
    assert "posed: hip_flexion_right=90" in capsys.readouterr().out
    scene = json.loads((posed_dir / "scene.json").read_text())
    assert scene["pose"] == {"hip_flexion_right": 90.0} and "pose" not in json.loads(
        (rest_dir / "scene.json").read_text()
    )
    assert sorted(p.name for p in posed_dir.iterdir()) == sorted(p.name for p in rest_dir.iterdir())
    femur = Atlas.load().body.rig.transforms(Pose.of({"hip_flexion_right": 90}))["femur_right"]

    def read(folder, sid):
        ply = PlyData.read(str(folder / f"{sid}.ply"))
        vertices = ply["vertex"]
        return (
            ply,
            np.column_stack([vertices[a] for a in "xyz"]),
            np.column_stack([vertices[a] for a in ("nx", "ny", "nz")]),
        )

    # The femur: every vertex (and normal) where the femur's transform puts it, the file's format kept.
    shipped = PlyData.read(str(paths.meshes_dir() / catalogue["femur_right"].mesh))
    ply, points, normals = read(posed_dir, "femur_right")
    _, rest_points, rest_normals = read(rest_dir, "femur_right")
    assert np.allclose(points, apply(femur, rest_points), atol=1e-3)
    assert np.allclose(normals, rest_normals @ femur[:3, :3].T, atol=1e-4)
    assert ply.header == shipped.header
    assert np.array_equal(
        np.vstack(ply["face"]["vertex_indices"]), np.vstack(shipped["face"]["vertex_indices"])
    )
    # The other femur and the spine stay; the psoas bends: the same vertices, elsewhere.
    assert (posed_dir / "femur_left.ply").read_bytes() == (rest_dir / "femur_left.ply").read_bytes()
    assert (posed_dir / "vertebra_l3.ply").read_bytes() == (rest_dir / "vertebra_l3.ply").read_bytes()
    _, psoas, _ = read(posed_dir, "psoas_major_right")
    _, psoas_rest, _ = read(rest_dir, "psoas_major_right")
    assert psoas.shape == psoas_rest.shape and np.abs(psoas - psoas_rest).max() > 10
    for entry in scene["structures"]:  # every file reads back as a mesh the atlas accepts
        assert check_mesh(posed_dir / entry["file"]) is None
    # Landmarks and attachments read back with the atlas' own loaders (same units and frame).
    posed_landmarks, problems = load_landmarks(posed_dir / "scene.json")
    assert problems == [] and posed_landmarks.keys() == landmarks.keys()
    trochanter = np.array([landmarks["lesser_trochanter_right"]])
    assert np.allclose(posed_landmarks["lesser_trochanter_right"], apply(femur, trochanter)[0], atol=0.01)
    assert posed_landmarks["hip_joint_center_right"] == landmarks["hip_joint_center_right"]
    attachments, problems = load_attachments(posed_dir / "scene.json")
    rest_attachments, _ = load_attachments(rest_dir / "scene.json")
    assert problems == [] and len(attachments) == len(rest_attachments)
    for before, after in zip(rest_attachments, attachments, strict=True):
        assert (before.muscle, before.role, before.bone, before.name) == (
            after.muscle,
            after.role,
            after.bone,
            after.name,
        )
        if before.bone == "femur_right":
            assert np.allclose(after.points, apply(femur, np.array(before.points)), atol=0.01)
        elif before.bone.startswith(("vertebra_", "hip_bone_")):
            assert after.points == before.points


def test_export_in_a_pose_as_gltf(tmp_path):
    import trimesh

    assert main(["export", str(tmp_path), "--format", "glb", "--pose", "leg_lift"]) == 0
    gltf = trimesh.load(tmp_path / "psoas-atlas.glb")
    femur = gltf.geometry["femur_right"]
    assert femur.bounds[1][1] > 300  # the thigh lifted forward (+y, mm), well in front of the hips


@pytest.mark.parametrize(
    "spec,message",
    [("hip_flexion_right=190", "out of its range"), ("trunk_fol", "did you mean 'trunk_fold'"),
     ("hip_flex=10", "unknown joint"), ("pelvic_tilt=x", "JOINT=DEGREES")],
)  # fmt: skip
def test_export_with_a_bad_pose_is_one_line_and_writes_nothing(tmp_path, spec, message):
    result = run_cli("export", str(tmp_path / "out"), "--pose", spec)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
