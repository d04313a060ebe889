"""Postures with the other features: sections, the length model and colours, the export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.model.atlas import Atlas


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


def test_a_section_at_a_level_lies_down_with_the_body_and_cuts_the_same(atlas):
    scene = atlas.scene()
    section = scene.sections.at("L4_L5", "axial")
    scene.set_section(section)
    _, standing_normal = scene.section_plane()
    standing = scene.slice()
    scene.set_pose(atlas.body.motion.poses["lying_on_the_back"].pose)
    _, normal = scene.section_plane()
    turn = atlas.body.rig.turn(scene.pose)[:3, :3]
    assert abs(float(normal @ (turn @ standing_normal))) > 0.999  # turned with the spine
    assert abs(float(normal[1])) > 0.99  # along the room's y: the body lies along it
    lying = scene.slice()
    assert set(lying.cuts) == set(standing.cuts)  # the same structures, the same areas
    for sid, cut in standing.cuts.items():
        assert lying.cuts[sid].area_cm2 == pytest.approx(cut.area_cm2, rel=0.02), sid
    assert lying.nerves.keys() == standing.nerves.keys()


def test_lengths_and_their_colours_do_not_depend_on_where_the_body_is(atlas):
    mechanics = atlas.body.mechanics
    for name in ("thomas_test", "sit_up_curl", "lunge_stretch_good", "sitting"):
        pose = atlas.body.motion.poses[name].pose
        upright = pose.in_posture("standing")
        lengths, same = mechanics.lengths(pose), mechanics.lengths(upright)
        assert lengths == pytest.approx(same, abs=1e-6), name
    scene = atlas.scene()
    scene.set_length_colours(True)
    scene.set_pose(atlas.body.motion.poses["thomas_test"].pose)
    lying = scene.length_color("psoas_major_right")
    scene.set_pose(scene.pose.in_posture("standing"))
    assert scene.length_color("psoas_major_right") == lying


def test_the_export_in_a_posture_writes_the_body_where_it_lies(tmp_path, capsys):
    from app.cli import main

    out = tmp_path / "lying"
    assert main(["export", str(out), "--pose", "lying_face_down"]) == 0
    record = json.loads((out / "scene.json").read_text())
    landmarks = record["landmarks"]
    hip = np.array(landmarks["hip_joint_center_right"])
    s1 = np.array(landmarks["s1_endplate_center"])
    assert abs(s1[1] - hip[1]) > abs(s1[2] - hip[2])  # the spine along the room's y: lying
    assert record["posture"] == "prone_on_table" and record["pose"]["ankle_flexion_left"] == -40
