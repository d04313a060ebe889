"""Where the body is: postures turn it in the room and put the floor, a chair or a table
under it (app/model/motion/posture.py); the patella glides on the femur; the Thomas test
tells a short iliopsoas from a short rectus femoris (app/model/motion/thomas.py)."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.atlas import Atlas
from app.model.motion.kinematics import Pose, PoseError, apply
from app.model.motion.posture import POSTURES, allowance
from app.model.motion.thomas import thomas_rest
from tests.shapes import distance

#: How far a vertex may reach into a prop (mm): the props are boxes, the bones rest on them.
INTO_PROP_MM = 1.0


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


@pytest.fixture(scope="module")
def body(atlas):
    return atlas.body


@pytest.fixture(scope="module")
def rest_surfaces(atlas):
    """Every bone's and muscle's rest surface (the shipped low-detail ones: the props are
    placed on the same bones)."""
    from app.model.anatomy.meshes import read_surface
    from app.model.anatomy.structures import Kind

    out = {}
    for structure in atlas.catalogue:
        if structure.kind in (Kind.bone, Kind.muscle):
            out[structure.id] = (structure, *read_surface(atlas.meshes_dir / "lod" / structure.mesh))
    return out


def posed_points(body, rest_surfaces, pose: Pose) -> dict[str, np.ndarray]:
    transforms = body.rig.transforms(pose)
    out = {}
    for sid, (structure, points, faces) in rest_surfaces.items():
        skin = body.skin(structure, points, faces)
        out[sid] = body.deformer.posed(skin, pose, transforms)
    return out


def lowest(body, pose: Pose, segments: tuple[str, ...]) -> float:
    """How high the lowest of ``segments``' bones rests (its lowest point less the tissue
    under it)."""
    transforms = body.rig.transforms(pose)
    support = body.rig.support.points
    return min(float(apply(transforms[s], support[s])[:, 2].min()) - allowance(s) for s in segments)


def test_every_named_pose_rests_on_its_props_and_nothing_passes_through_them(body, rest_surfaces):
    """No bone or muscle vertex below the floor or inside the chair or the table, in every
    named pose; and something rests on the floor (or on what stands on it)."""
    for name, named in body.motion.poses.items():
        pose = named.pose
        placement = body.rig.placement(pose)
        floor = placement.surfaces["floor"]
        for sid, points in posed_points(body, rest_surfaces, pose).items():
            assert points[:, 2].min() > floor - INTO_PROP_MM, (name, sid, "through the floor")
            for prop in placement.props[1:]:
                for lo, hi in prop.boxes:
                    inside = np.all(
                        (points > np.add(lo, INTO_PROP_MM)) & (points < np.subtract(hi, INTO_PROP_MM)), axis=1
                    )
                    assert not inside.any(), (name, sid, prop.name, points[inside][:3])
        assert placement.props[0].name == "floor" and placement.props[0].top == pytest.approx(floor, abs=0.1)


def facing(body, pose: Pose) -> np.ndarray:
    """Which way the front of the pelvis points in the room (unit vector)."""
    return body.rig.transforms(pose)["pelvis"][:3, :3] @ np.array([0.0, 1.0, 0.0])


def test_the_postures_read_as_described(body):
    """Where the pelvis faces and what touches the floor, the chair or the table."""
    poses = body.motion.poses
    # Standing: upright, facing forward, a foot on the floor.
    neutral = poses["neutral"].pose
    assert facing(body, neutral) @ [0, 1, 0] > 0.99
    floor = body.rig.placement(neutral).surfaces["floor"]
    assert lowest(body, neutral, ("foot_right", "foot_left")) == pytest.approx(floor, abs=0.5)
    # The sit-up on the floor: on the back (the pelvis faces the ceiling), knees bent, the
    # back and the feet both on the floor.
    start = poses["sit_up_start"].pose
    assert start.posture == "hook_lying" and facing(body, start)[2] > 0.95
    floor = body.rig.placement(start).surfaces["floor"]
    trunk = (
        "pelvis",
        "vertebra_l5",
        "vertebra_l4",
        "vertebra_l3",
        "vertebra_l2",
        "vertebra_l1",
        "vertebra_t12",
    )
    assert lowest(body, start, trunk) == pytest.approx(floor, abs=0.5)
    assert lowest(body, start, ("foot_right", "foot_left")) == pytest.approx(floor, abs=0.5)
    # Sitting up: the feet stay on the floor and the trunk rises off it.
    sitting_up = poses["sit_up_sitting"].pose
    floor = body.rig.placement(sitting_up).surfaces["floor"]
    assert lowest(body, sitting_up, ("foot_right", "foot_left")) == pytest.approx(floor, abs=0.5)
    assert lowest(body, sitting_up, ("vertebra_t12",)) > floor + 150
    # The kneeling lunge: the right knee and the left foot on the floor, the left knee up.
    for name in ("lunge_stretch_good", "lunge_stretch_bad"):
        lunge = poses[name].pose
        floor = body.rig.placement(lunge).surfaces["floor"]
        assert lowest(body, lunge, ("patella_right", "tibia_right")) == pytest.approx(floor, abs=1.0), name
        assert lowest(body, lunge, ("foot_left",)) == pytest.approx(floor, abs=1.0), name
        assert lowest(body, lunge, ("patella_left",)) > floor + 250, name  # the front knee up
        assert facing(body, lunge) @ [0, 1, 0] > 0.9, name  # upright, facing forward
    # The Thomas test: on the back on the table, the buttocks at its end, the right leg
    # hanging free below its top, the right foot off the floor.
    thomas = poses["thomas_test"].pose
    placement = body.rig.placement(thomas)
    top = placement.surfaces["table"]
    assert facing(body, thomas)[2] > 0.95
    assert lowest(body, thomas, ("pelvis",)) == pytest.approx(top, abs=0.5) or lowest(
        body, thomas, trunk
    ) == pytest.approx(top, abs=0.5)
    assert lowest(body, thomas, ("tibia_right",)) < top - 200  # the shank hangs
    assert lowest(body, thomas, ("foot_right",)) > placement.surfaces["floor"] + 50
    # Sitting on a chair: the buttocks on the seat, the feet on the floor, upright.
    sitting = poses["sitting"].pose
    placement = body.rig.placement(sitting)
    assert {p.name for p in placement.props} == {"floor", "chair"}
    assert lowest(body, sitting, ("foot_right", "foot_left")) == pytest.approx(
        placement.surfaces["floor"], abs=0.5
    )
    assert 350 < placement.surfaces["seat"] - placement.surfaces["floor"] < 550  # a chair's height
    # Face down on the table.
    prone = poses["lying_face_down"].pose
    assert facing(body, prone)[2] < -0.95
    assert {p.name for p in body.rig.placement(prone).props} == {"floor", "table"}


def test_a_posture_is_part_of_the_pose_and_its_specs(body):
    motion = body.motion
    pose = motion.resolve(["thomas_test"])
    assert pose.posture == "thomas_test" and "posture=thomas_test" in pose.specs()
    assert motion.resolve(list(pose.specs())) == pose  # the specs say it all
    assert motion.resolve(["thomas_test", "posture=standing"]).posture == "standing"
    assert not Pose.of({}, "supine").neutral and Pose().neutral
    assert pose.updated({"lumbar_flexion": 5}).posture == "thomas_test"
    assert Pose().towards(pose, 0.0).posture == "thomas_test"  # lies down, then moves
    with pytest.raises(PoseError, match=r"unknown posture 'supin'.*did you mean 'supine'"):
        motion.resolve(["posture=supin"])
    assert set(POSTURES) >= {
        "standing",
        "sitting",
        "kneeling",
        "supine",
        "prone",
        "supine_on_table",
        "thomas_test",
    }


def test_posture_specs_on_the_command_line(tmp_path):
    # In its own process: a picture drawn here would open a headless (EGL) window in this
    # test process, beside the X windows of the render tests that may follow in it.
    from tests.commands import run_cli

    out = tmp_path / "lying.png"
    done = run_cli(
        "screenshot",
        str(out),
        "--view",
        "right",
        "--size",
        "320x240",
        "--pose",
        "posture=supine",
        process=True,
    )
    assert done.returncode == 0 and out.is_file()
    bad = run_cli("screenshot", str(tmp_path / "x.png"), "--pose", "posture=sideways", process=True)
    err = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(err) == 1 and "unknown posture 'sideways'" in err[0]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("knee", [0, 30, 60, 90, 120, 140])
def test_the_patella_glides_on_the_femur(atlas, body, knee):
    """At every knee angle the patella stays on the femur's front (within 7 mm: it neither
    floats off nor sinks in; the leg model's coupling on our bones), and it moves down and
    back round the condyles as the knee bends."""
    import pyvista as pv

    femur = pv.read(str(atlas.meshes_dir / "bones" / "femur_right.ply"))
    patella = np.asarray(pv.read(str(atlas.meshes_dir / "bones" / "patella_right.ply")).points)[::4]
    transforms = body.rig.transforms(Pose.of({"knee_flexion_right": knee}))
    on_femur = apply(np.linalg.inv(transforms["femur_right"]) @ transforms["patella_right"], patella)
    assert abs(float(distance(femur, on_femur).min())) < 7.0
    rest = patella.mean(axis=0)
    if knee >= 60:
        assert on_femur.mean(axis=0)[2] < rest[2] - 15 and on_femur.mean(axis=0)[1] < rest[1] - 15


def test_the_thomas_test_tells_a_short_iliopsoas_from_a_short_rectus_femoris(body):
    normal = body.motion.poses["thomas_test"].pose
    mechanics = body.mechanics
    assert thomas_rest(mechanics, normal) == normal  # normal muscles: the named pose
    hips, knees = [], []
    for share in (0.0, 0.03, 0.06, 0.1):
        short_iliopsoas = thomas_rest(mechanics, normal, iliopsoas=share)
        hips.append(short_iliopsoas["hip_flexion_right"])
        short_rectus = thomas_rest(mechanics, normal, rectus_femoris=share)
        knees.append(short_rectus["knee_flexion_right"])
        assert short_rectus["hip_flexion_right"] == normal["hip_flexion_right"]  # the thigh stays down
        assert short_iliopsoas["knee_flexion_right"] >= normal["knee_flexion_right"]  # the knee stays bent
    assert hips == sorted(hips) and hips[-1] > 0 > hips[0]  # the thigh rises above the horizontal
    assert knees == sorted(knees, reverse=True) and knees[-1] < 60  # the knee straightens
    # The shortened muscle is at its shortened end length where the leg comes to rest.
    short = thomas_rest(mechanics, normal, iliopsoas=0.06)
    for muscle in ("psoas_major_right", "iliacus_right"):
        assert mechanics.length(muscle, short) <= 0.94 * mechanics.length(muscle, normal) + 0.05
    with pytest.raises(ValueError, match="out of range"):
        thomas_rest(mechanics, normal, iliopsoas=0.5)


def test_a_leg_moved_over_a_standing_foot_leaves_the_floor_where_it_was(body):
    """Issue 31's hot path: dragging the right hip's slider while standing moves no prop (the
    drawn floor is rebuilt only when the floor itself moves), yet the floor still follows a
    body that lies down."""
    floors = [body.rig.placement(Pose.of({"hip_flexion_right": angle})).props[0] for angle in range(0, 91, 5)]
    assert all(floor == floors[0] for floor in floors), floors
    assert body.rig.placement(Pose.of({}, "supine")).props[0] != floors[0]
