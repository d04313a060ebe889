"""Section planes drawn off screen: surfaces clipped, cut faces capped solid (closed, of the
area the model measures), caps picked as their structure, the plane following a pose, and
the screenshot command's --section."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.cli import main
from app.model.atlas import Atlas
from app.model.scene.views import CameraPose
from app.render.scene_renderer import SceneRenderer
from app.render.snapshot import Exporter
from tests.commands import one_line_error, run_cli

PSOAS = "psoas_major_right"


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


@pytest.fixture
def scene(atlas):
    return atlas.scene()


@pytest.fixture
def drawn(scene):
    plotter = pv.Plotter(off_screen=True, window_size=[800, 600])
    renderer = SceneRenderer(plotter, scene)
    yield plotter, renderer
    plotter.close()


def cap_mesh(renderer: SceneRenderer, sid: str) -> pv.PolyData:
    (actor,) = renderer.section.cap_actors(sid)
    return pv.wrap(actor.GetMapper().GetInput())


def display_of(plotter: pv.Plotter, point) -> tuple[float, float]:
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*(float(c) for c in point))
    return coordinate.GetComputedDoubleDisplayValue(plotter.renderer)


def look_down_at(scene, origin) -> None:
    """From above and in front of the plane's point: the axial cut face is seen."""
    origin = np.asarray(origin, dtype=float)
    position = origin + np.array([0.0, 250.0, 400.0])
    scene.set_camera(CameraPose(position=tuple(position), focal_point=tuple(origin), up=(0.0, 0.0, 1.0)))


def test_caps_are_closed_and_as_large_as_the_model_measures(scene, drawn):
    _, renderer = drawn
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    measured = scene.slice().cuts
    capped = [sid for sid in scene.catalogue.ids if renderer.section.cap_actors(sid)]
    assert {PSOAS, "psoas_major_left", "disc_l4_l5"} <= set(capped)
    for sid in (PSOAS, "disc_l4_l5", "iliacus_right"):
        cap = cap_mesh(renderer, sid).triangulate()
        # Closed: the filled face's border is made of loops, each point on exactly two edges.
        border = cap.extract_feature_edges(
            boundary_edges=True, non_manifold_edges=False, feature_edges=False, manifold_edges=False
        )
        assert border.n_cells > 10
        ends = Counter(np.asarray(border.lines).reshape(-1, 3)[:, 1:].ravel().tolist())
        assert set(ends.values()) == {2}, sid
        # Solid: the filled area is the model's cut face (trimesh and shapely), within 3 %.
        assert cap.area / 100 == pytest.approx(measured[sid].area_cm2, rel=0.03), sid
        # On the plane (just inside the kept side), in the structure's drawn colour.
        origin, normal = scene.section_plane()
        depth = (np.asarray(cap.points) - origin) @ normal
        assert depth.min() > -0.5 and depth.max() < 0.01
        (actor,) = renderer.section.cap_actors(sid)
        assert actor.GetProperty().GetColor() == pytest.approx(
            pv.Color(renderer.emphasis.structure_color(sid)).float_rgb
        )
    # The kept side is drawn, the other clipped away (the mappers share the plane).
    mapper = renderer.actors["vertebra_l3"].GetMapper()
    assert mapper.GetNumberOfClippingPlanes() == 1
    scene.set_section(None)
    assert mapper.GetNumberOfClippingPlanes() == 0
    assert not any(renderer.section.cap_actors(sid) for sid in scene.catalogue.ids)


def test_a_slab_has_two_caps_per_structure_cut(scene, drawn):
    _, renderer = drawn
    scene.set_section(scene.sections.at("L4_L5", "axial", slab_mm=10))
    assert len(renderer.section.cap_actors("disc_l4_l5")) == 2
    assert renderer.actors[PSOAS].GetMapper().GetNumberOfClippingPlanes() == 2


def test_a_click_on_a_cap_selects_its_structure_and_not_on_what_was_cut_away(scene, drawn):
    plotter, renderer = drawn
    section = scene.sections.at("L4_L5", "axial")
    origin = np.asarray(section.origin)
    look_down_at(scene, origin)
    mesh = renderer.meshes[PSOAS]
    # A vertex of the psoas well above the plane that a click picks while the scene is whole.
    above = [p for p in np.asarray(mesh.points) if p[2] > origin[2] + 25]
    picked_whole = [p for p in above[::25] if renderer.pick(*display_of(plotter, p), tolerant=False) == PSOAS]
    assert picked_whole
    scene.set_section(section)
    plotter.render()
    centroid = cap_mesh(renderer, PSOAS).center
    assert renderer.pick(*display_of(plotter, centroid), tolerant=False) == PSOAS
    assert renderer.picker.picker.GetActor() in renderer.section.cap_actors(PSOAS)
    # Where the psoas was above the plane, what is picked now lies below it (the cap, or
    # what was behind): never the clipped-away part.
    for point in picked_whole[:10]:
        renderer.pick(*display_of(plotter, point), tolerant=False)
        assert renderer.picker.pick_point()[2] < origin[2] + 0.5
    # Seen level from the front, a point of the psoas 25 mm above the plane picks no psoas.
    level = CameraPose(
        position=tuple(origin + np.array([0.0, 600.0, 0.0])), focal_point=tuple(origin), up=(0, 0, 1)
    )
    scene.set_camera(level)
    plotter.render()
    seen = [p for p in above[::25] if renderer.pick(*display_of(plotter, p), tolerant=False) == PSOAS]
    scene.set_section(None)
    plotter.render()
    assert [p for p in above[::25] if renderer.pick(*display_of(plotter, p), tolerant=False) == PSOAS]
    assert seen == []


def test_the_cap_is_drawn_in_its_colour_where_it_projects(scene, drawn):
    plotter, renderer = drawn
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    look_down_at(scene, scene.section.origin)
    plotter.render()
    image = plotter.screenshot(return_img=True)
    x, y = display_of(plotter, cap_mesh(renderer, "disc_l4_l5").center)
    pixel = image[image.shape[0] - 1 - round(y), round(x), :3].astype(float)
    disc = np.asarray(pv.Color(renderer.emphasis.structure_color("disc_l4_l5")).int_rgb, dtype=float)
    # Lit flat: the same hue, a little darker or lighter (ambient 0.45 + diffuse 0.6).
    assert np.corrcoef(pixel, disc)[0, 1] > 0.9 and 0.6 < pixel.sum() / disc.sum() < 1.2


def test_a_snapped_plane_follows_its_bones_in_a_pose(scene, drawn):
    _, renderer = drawn
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    rest = renderer.section.planes[0].origin.copy()
    rest_disc = cap_mesh(renderer, "disc_l4_l5").center
    scene.set_pose({"lumbar_flexion": 30.0})
    origin, normal = scene.section_plane()
    moved = renderer.section.planes[0]
    assert np.linalg.norm(moved.origin - rest) > 3.0  # the disc moved, the plane with it
    assert moved.origin == pytest.approx(origin) and moved.keep == pytest.approx(-normal)
    assert abs(normal[2]) < 0.99  # and turned with it
    disc = cap_mesh(renderer, "disc_l4_l5")
    assert np.linalg.norm(np.asarray(disc.center) - rest_disc) > 3.0
    assert np.abs((np.asarray(disc.points) - origin) @ normal).max() < 0.5  # on the posed plane


def test_an_export_draws_the_section(scene):
    with Exporter(scene) as exporter:
        scene.set_view("anterior")
        whole = exporter.render((400, 300))
        scene.set_section(scene.sections.at("L3", "coronal"))
        cut = exporter.render((400, 300))
        assert exporter.renderer.section.cap_actors("vertebra_l3")
    assert np.abs(whole.astype(int) - cut.astype(int)).sum(axis=2).astype(bool).mean() > 0.02


def test_screenshot_section_cuts_the_picture(tmp_path):
    whole, cut = tmp_path / "whole.png", tmp_path / "cut.png"
    assert main(["screenshot", str(whole), "--size", "320x240", "--no-labels"]) == 0
    assert (
        main(
            ["screenshot", str(cut), "--size", "320x240", "--no-labels", "--section", "L4/L5", "--slab", "20"]
        )
        == 0
    )
    from PIL import Image

    a, b = (np.asarray(Image.open(p).convert("RGB"), dtype=int) for p in (whole, cut))
    assert np.abs(a - b).sum(axis=2).astype(bool).mean() > 0.05  # most of the scene is gone


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--section", "L9"], "--section"),
        (["--section", "L4/L5", "--slab", "0"], "--slab"),
        (["--section", "L4/L5", "--slab", "-5"], "--slab"),
        (["--slab", "10"], "--slab"),
    ],
)
def test_screenshot_refuses_a_bad_section_in_one_line(tmp_path, args, option):
    result = run_cli("screenshot", str(tmp_path / "out.png"), *args)
    assert result.returncode == 2
    assert one_line_error(result).startswith(f"psoas-atlas: error: {option}")
    assert not (tmp_path / "out.png").exists()
