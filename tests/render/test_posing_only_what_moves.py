"""A pose recomputes only the surfaces whose segments moved, and what is drawn is still
exactly the model's posed shape (issue 31: a hip's slider moved all 34 soft meshes)."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from app.model.atlas import Atlas
from app.model.motion.kinematics import Pose
from app.render.scene_renderer import SceneRenderer


@pytest.fixture(scope="module")
def drawn():
    atlas = Atlas.load()
    plotter = pv.Plotter(off_screen=True, window_size=[320, 240])
    scene = atlas.scene()
    renderer = SceneRenderer(plotter, scene)
    yield atlas, scene, renderer
    plotter.close()


def exact(atlas, posable, pose: Pose) -> np.ndarray:
    points, _ = atlas.body.posed_surface(posable.skin, posable.faces, posable.rest_normals, pose)
    return points


def test_only_the_surfaces_a_joint_moves_are_recomputed_and_all_are_exact(drawn):
    atlas, scene, renderer = drawn
    scene.set_pose(Pose.of({"hip_flexion_left": 20}))
    full = renderer.posing._full
    left, right = full["psoas_major_left"], full["psoas_major_right"]
    assert "femur_right" in right.segments and "femur_right" not in left.segments
    before = np.array(left.points)
    scene.set_pose(Pose.of({"hip_flexion_left": 20, "hip_flexion_right": 45}))
    assert np.array_equal(np.asarray(left.points), before)  # the left hip did not move
    assert left.pose == scene.pose  # but it is known to be in the new pose
    for posable in full.values():  # every drawn surface is the model's posed shape
        assert np.allclose(np.asarray(posable.points), exact(atlas, posable, scene.pose), atol=1e-4), (
            posable.skin.structure_id
        )
    # A lumbar motion moves both psoas, not the rectus femoris.
    rectus = np.array(full["rectus_femoris_right"].points)
    scene.set_pose(Pose.of({"hip_flexion_left": 20, "hip_flexion_right": 45, "lumbar_flexion": 10}))
    assert not np.array_equal(np.asarray(left.points), before)
    assert np.array_equal(np.asarray(full["rectus_femoris_right"].points), rectus)
    for posable in full.values():
        assert np.allclose(np.asarray(posable.points), exact(atlas, posable, scene.pose), atol=1e-4)
