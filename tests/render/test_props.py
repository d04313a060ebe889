"""The floor, chair and table drawn under the body, and standard views that follow it."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from app.model.anatomy.structures import Group
from app.model.atlas import Atlas
from app.render.scene_renderer import SceneRenderer


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


@pytest.fixture
def drawn(atlas):
    plotter = pv.Plotter(off_screen=True, window_size=[480, 360])
    scene = atlas.scene()
    renderer = SceneRenderer(plotter, scene)
    yield scene, renderer, plotter
    plotter.close()


def camera_offset(plotter: pv.Plotter) -> np.ndarray:
    offset = np.array(plotter.camera.position) - np.array(plotter.camera.focal_point)
    return offset / np.linalg.norm(offset)


def test_the_props_follow_the_posture_and_the_context(atlas, drawn):
    scene, renderer, plotter = drawn
    assert renderer.props.actors == {}  # the anatomical position: the atlas' rest, on its own
    scene.set_pose(atlas.body.motion.poses["leg_lift"].pose)
    assert set(renderer.props.actors) == {"floor"}  # standing on the floor
    scene.set_pose(atlas.body.motion.poses["thomas_test"].pose)
    assert set(renderer.props.actors) == {"floor", "table"}
    table = renderer.props.actors["table"]
    assert not table.GetPickable() and table.visibility
    top = atlas.body.rig.placement(scene.pose).surfaces["table"]
    assert table.bounds[5] == pytest.approx(top, abs=0.5)  # drawn where the model puts it
    scene.set_pose(atlas.body.motion.poses["sitting"].pose)
    assert set(renderer.props.actors) == {"floor", "chair"}
    # Props are context: hidden with the context skeleton, back with it.
    scene.set_group_visible(Group.context, False)
    assert renderer.props.actors == {}
    scene.set_group_visible(Group.context, True)
    assert set(renderer.props.actors) == {"floor", "chair"}
    # A click on the chair picks nothing there (the props are not structures).
    plotter.render()
    assert all(renderer.structure_of(actor) is None for actor in renderer.props.actors.values())


def test_the_standard_views_follow_the_body(atlas, drawn):
    scene, renderer, plotter = drawn
    scene.set_view("anterior")
    assert camera_offset(plotter) @ [0, 1, 0] > 0.99  # standing: in front
    scene.set_pose(atlas.body.motion.poses["lying_on_the_back"].pose)
    scene.set_view("anterior")
    assert camera_offset(plotter) @ [0, 0, 1] > 0.99  # on the back: the front faces the ceiling
    # Seen from above, the head is at the top of the picture.
    assert np.array(plotter.camera.up) @ [0, -1, 0] > 0.99
    scene.set_view("right")  # the body's right side, the room's up on screen: lying, not standing
    assert camera_offset(plotter) @ [1, 0, 0] > 0.99 and np.array(plotter.camera.up) @ [0, 0, 1] > 0.99
    scene.set_pose(atlas.body.motion.poses["lying_face_down"].pose)
    scene.set_view("posterior")
    assert camera_offset(plotter) @ [0, 0, 1] > 0.99  # face down: the back faces the ceiling
    # The whole lying body is framed, from the head to the feet.
    bounds = renderer.visible_bounds()
    assert bounds[3] - bounds[2] > 1500
