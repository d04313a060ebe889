"""In a pose, what the view marks and flies to is where the pose has taken it: a place found
by search, an attachment site singled out, a structure framed, the foramina a nerve's roots
leave by. Driven in the real window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.render.marks import MARK_RADIUS_MM


@pytest.fixture
def atlas(teaching_atlas):
    return teaching_atlas


def landed(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.flight.flying, timeout=10_000)


def search(qtbot, window, text: str) -> None:
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search_box, text)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)


def test_a_place_found_in_a_pose_is_marked_and_flown_to_where_the_pose_took_it(window, qtbot, atlas):
    scene = window.scene
    scene.set_pose(atlas.body.motion.resolve(["leg_lift", "hip_flexion_right=90"]))
    rest = np.asarray(atlas.landmarks["lesser_trochanter_right"])
    posed = np.asarray(scene.posed_landmarks["lesser_trochanter_right"])
    assert np.linalg.norm(posed - rest) > 50  # the thigh is up
    search(qtbot, window, "right lesser trochanter")
    assert scene.selected == "femur_right"
    landed(qtbot, window)
    camera = window.renderer.camera_pose()
    assert np.allclose(camera.focal_point, posed, atol=0.5)
    # The mark (a sphere and its label) sits on the posed bone, and follows it to the next pose.
    assert np.allclose(scene.marks[0].point, posed, atol=0.01)
    sphere = np.asarray(window.renderer.marks.actors[0].mapper.dataset.points)
    assert np.allclose(sphere.mean(axis=0), posed, atol=0.5)
    femur = np.asarray(window.renderer.meshes["femur_right"].points)
    assert np.linalg.norm(femur - posed, axis=1).min() < MARK_RADIUS_MM + 1  # on the drawn femur
    scene.set_pose({"hip_flexion_right": 30})
    moved = np.asarray(scene.posed_landmarks["lesser_trochanter_right"])
    sphere = np.asarray(window.renderer.marks.actors[0].mapper.dataset.points)
    assert np.allclose(sphere.mean(axis=0), moved, atol=0.5) and np.linalg.norm(moved - posed) > 20


def test_a_site_singled_out_in_a_pose_is_flown_to_where_the_pose_took_it(window, qtbot, atlas):
    scene = window.scene
    scene.set_pose({"hip_flexion_right": 90})
    scene.select("femur_right")
    site = next(a for a in scene.emphasis.attachments if a.bone == "femur_right")
    scene.focus_attachment(site)
    landed(qtbot, window)
    centre = np.asarray(scene.posed_attachment(site).points).mean(axis=0)
    assert np.linalg.norm(centre - np.asarray(site.points).mean(axis=0)) > 50
    assert np.allclose(window.renderer.camera_pose().focal_point, centre, atol=1.0)


def test_sites_are_kept_for_the_pose_the_body_is_in_only(window, qtbot):
    """A site's points and normals are kept for the pose it was flown to in: the soak found
    one kept for every pose a site was ever flown to in (users move through poses without
    end)."""
    scene = window.scene
    scene.select("femur_right")
    site = next(a for a in scene.emphasis.attachments if a.bone == "femur_right")
    sites = window.seeker.sites
    for angle in (10, 20, 30, 40):
        scene.set_pose({"hip_flexion_right": angle})
        scene.focus_attachment(None)
        scene.focus_attachment(site)
        landed(qtbot, window)
        assert {pose for _, pose in sites._sites} == {scene.pose}


def test_a_structure_isolated_in_a_pose_is_framed_where_it_is(window, qtbot):
    scene = window.scene
    scene.set_pose({"hip_flexion_right": 90})
    scene.isolate("femur_right")
    bounds = np.asarray(window.renderer.actors["femur_right"].bounds)
    assert bounds[3] > 250  # the posed femur reaches far forward (+y)
    focal = np.asarray(window.renderer.camera_pose().focal_point)
    assert focal[1] > 60  # framed forward, where the thigh now is


def test_the_foramen_markers_follow_the_spine_in_a_side_bend(window, atlas):
    scene = window.scene
    scene.set_pose(atlas.body.motion.resolve(["side_bend_right"]))
    scene.select("femoral_nerve_right")
    markers = window.renderer.emphasis.markers
    assert markers is not None
    points = np.asarray(markers.mapper.dataset.points)
    for level in ("l2_l3", "l3_l4", "l4_l5"):
        name = f"intervertebral_foramen_{level}_right"
        posed = np.asarray(scene.posed_landmarks[name])
        assert 3.5 < np.linalg.norm(points - posed, axis=1).min() < 4.5  # a sphere around it
    name = "intervertebral_foramen_l2_l3_right"
    rest, posed = np.asarray(atlas.landmarks[name]), np.asarray(scene.posed_landmarks[name])
    assert np.linalg.norm(posed - rest) > 10  # bent away from where it was at rest
    labels = {label.text: label.anchor for label in window.renderer.emphasis.labels.labels}
    assert np.linalg.norm(np.asarray(labels["L2 foramen"]) - posed) < 6  # the label points at it
