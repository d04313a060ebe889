"""The renderer on an off-screen pyvista plotter: actors follow the model."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.anatomy.structures import Group
from app.render.emphasis import SELECTION_COLOR
from app.render.scene_renderer import BACKGROUND_BOTTOM, SceneRenderer


@pytest.fixture
def plotter():
    p = pv.Plotter(off_screen=True, window_size=[400, 600])
    yield p
    p.close()


def foreground(image: np.ndarray) -> np.ndarray:
    """Mask of pixels that are not the (dark, blue-grey) gradient background.

    Bone, muscle and nerve are warm (red >= blue); discs are blue but bright.
    """
    rgb = image[..., :3].astype(int)
    return (rgb[..., 0] >= rgb[..., 2]) | (rgb.sum(axis=2) > 3 * 110)


def test_one_actor_per_structure_and_something_drawn(scene, plotter):
    renderer = SceneRenderer(plotter, scene)
    assert set(renderer.actors) == set(scene.catalogue.ids)
    image = plotter.screenshot(return_img=True)
    assert 0.05 < foreground(image).mean() < 0.6
    assert pv.Color(BACKGROUND_BOTTOM).int_rgb != (0, 0, 0)


def test_hiding_removes_pixels_and_showing_restores_them(scene, plotter):
    renderer = SceneRenderer(plotter, scene)  # the model holds only weak references: keep it
    # The femurs' own pixels: not the arms beside them, nor the rectus femoris in front.
    scene.set_group_visible(Group.context, False)
    for side in ("left", "right"):
        scene.set_visible(f"rectus_femoris_{side}", False)
    scene.set_view("anterior")
    full = foreground(plotter.screenshot(return_img=True)).sum()
    scene.set_visible("femur_left", False)
    scene.set_visible("femur_right", False)  # same camera: fewer bone pixels
    assert foreground(plotter.screenshot(return_img=True)).sum() < 0.8 * full
    scene.set_visible("femur_left", True)
    scene.set_visible("femur_right", True)
    assert foreground(plotter.screenshot(return_img=True)).sum() == pytest.approx(full, rel=0.01)
    assert renderer.actors["femur_left"].visibility and renderer.actors["femur_right"].visibility


def test_views_put_the_camera_on_the_named_side(scene, plotter):
    renderer = SceneRenderer(plotter, scene)
    expectations = {
        "anterior": (1, +1),
        "posterior": (1, -1),
        "right": (0, +1),
        "left": (0, -1),
        "superior": (2, +1),
        "inferior": (2, -1),
    }
    for name, (axis, sign) in expectations.items():
        scene.set_view(name)
        offset = np.array(plotter.camera.position) - np.array(plotter.camera.focal_point)
        assert np.argmax(np.abs(offset)) == axis and np.sign(offset[axis]) == sign, name
    assert renderer.scene is scene


def test_anterior_view_shows_the_subjects_right_on_the_left_of_the_image(scene, plotter, landmarks):
    renderer = SceneRenderer(plotter, scene)
    scene.set_view("anterior")
    plotter.render()
    right = display_x(plotter, landmarks["hip_joint_center_right"])
    left = display_x(plotter, landmarks["hip_joint_center_left"])
    assert right < 200 < left, "an anterior view faces the subject: their right is on our left"
    assert renderer.actors


def display_x(plotter: pv.Plotter, point) -> float:
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*point)
    return float(coordinate.GetComputedDoubleDisplayValue(plotter.renderer)[0])


def test_selection_and_opacity_change_the_actor(scene, plotter):
    renderer = SceneRenderer(plotter, scene)
    scene.select("sacrum")
    assert renderer.actors["sacrum"].prop.color == pv.Color(SELECTION_COLOR)
    scene.select(None)
    assert renderer.actors["sacrum"].prop.color == pv.Color(scene.catalogue["sacrum"].color)
    scene.set_opacity("sacrum", 0.25)
    assert renderer.actors["sacrum"].prop.opacity == pytest.approx(0.25)
    renderer.disconnect()
    scene.set_opacity("sacrum", 1.0)  # disconnected: no longer follows
    assert renderer.actors["sacrum"].prop.opacity == pytest.approx(0.25)


def test_picking_maps_actors_to_structures(scene, plotter):
    renderer = SceneRenderer(plotter, scene)
    assert renderer.structure_of(renderer.actors["vertebra_l4"]) == "vertebra_l4"
    assert renderer.structure_of(object()) is None
