"""Labels point at what the camera sees, the legend is drawn at the labels' size, the palette
re-colours the scene, and a nerve marks the foramina its roots leave by (off screen)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import pyvista as pv
from vtkmodules.vtkCommonCore import vtkIdList, vtkPoints
from vtkmodules.vtkFiltersGeneral import vtkOBBTree

from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from app.model.scene.palette import COLOUR_BLIND_SAFE, STANDARD
from app.model.teaching.lessons import lesson_files, load_lesson, show_step
from app.render.scene_renderer import SceneRenderer
from app.render.snapshot import Annotations, Exporter

#: A structure drawn at least this opaque hides what is behind it.
OPAQUE = 0.5
_TREES: dict[int, vtkOBBTree] = {}


def _tree(mesh: pv.PolyData) -> vtkOBBTree:
    """An OBB tree of a mesh (another structure than the renderer's cell locators)."""
    if id(mesh) not in _TREES:
        tree = vtkOBBTree()
        tree.SetDataSet(mesh)
        tree.BuildLocator()
        _TREES[id(mesh)] = tree
    return _TREES[id(mesh)]


def hiding(renderer: SceneRenderer, anchor: tuple[float, float, float]) -> list[str]:
    """The structures drawn opaque (as the last frame drew them) between the camera and
    ``anchor``, where a section leaves them: the sight line stops 1.5 mm short of it."""
    eye = np.array(renderer.plotter.camera.position)
    point = np.asarray(anchor, dtype=float)
    sight = point - eye
    end = point - sight / np.linalg.norm(sight) * 1.5
    found = []
    for sid, actor in renderer.actors.items():
        if not actor.visibility or actor.prop.opacity < OPAQUE:
            continue
        if renderer.scene.catalogue[sid].kind.value in ("nerve", "ligament"):
            continue  # thin: they hide a few pixels at most
        points, cells = vtkPoints(), vtkIdList()
        _tree(renderer.meshes[sid]).IntersectWithLine(eye.tolist(), end.tolist(), points, cells)
        crossed = np.array([points.GetPoint(i) for i in range(points.GetNumberOfPoints())]).reshape(-1, 3)
        if renderer.section.active:  # what a section cut away hides nothing
            crossed = crossed[renderer.section.kept(crossed)]
        if len(crossed):
            found.append(sid)
    return found


def lesson_steps() -> list[tuple[Path, int]]:
    """Every step of every shipped lesson: (lesson file, step index from 0)."""
    catalogue, _ = load_catalogue(paths.structures_file(), paths.meshes_dir())
    steps = []
    for path in lesson_files(paths.annotations_dir()):
        lesson, _ = load_lesson(path, catalogue)
        steps += [(path, index) for index in range(len(lesson.steps) if lesson else 0)]
    return steps


@pytest.fixture(scope="module")
def exporter(catalogue, landmarks, attachments):
    from app.model.scene.state import SceneModel

    with Exporter(SceneModel(catalogue, landmarks, attachments)) as exporter:
        yield exporter


@pytest.mark.parametrize(
    ("path", "index"), lesson_steps(), ids=lambda v: v.stem[:2] if isinstance(v, Path) else str(v + 1)
)
def test_every_lesson_label_points_at_what_the_camera_sees(exporter, path, index):
    """Each label's anchor is seen from the camera, or what hides it is ghosted."""
    scene = exporter.scene
    lesson, errors = load_lesson(path, scene.catalogue)
    assert lesson is not None, errors
    show_step(scene, lesson, index)
    exporter.render((960, 540), Annotations(labels=True))
    renderer = exporter.renderer
    for label in renderer.emphasis.labels.labels:
        assert hiding(renderer, label.anchor) == [], f"{lesson.steps[index].title}: {label.text!r}"


def test_lesson_3_step_1_from_the_right_labels_the_iliacus_where_it_shows(exporter):
    """The issue's case: 'Right iliacus' led into the outer face of the hip bone."""
    scene = exporter.scene
    lesson, _ = load_lesson(
        paths.annotations_dir() / "lessons/03-hip-flexion-leg-lift-and-trunk-fold.yaml", scene.catalogue
    )
    assert lesson is not None
    show_step(scene, lesson, 0)
    exporter.render((1280, 720))
    renderer = exporter.renderer
    anchor = next(label.anchor for label in renderer.emphasis.labels.labels if label.text == "Right iliacus")
    assert hiding(renderer, anchor) == []
    assert renderer.actors["hip_bone_right"].prop.opacity == 1.0  # seen, so nothing ghosted
    iliacus = renderer.meshes["iliacus_right"]
    assert np.linalg.norm(iliacus.points - np.asarray(anchor), axis=1).min() < 0.01  # on it


def test_a_hidden_attachment_ghosts_what_hides_it_for_that_picture(exporter):
    """Lesson 3 step 2 from the right: the lesser trochanter is behind the femur's shaft, so
    the femur is ghosted and the insertion (blue) shows through it; the next picture, from
    the front, draws the femur opaque again."""
    scene = exporter.scene
    scene.show_all()
    scene.select("femur_right")
    scene.set_view("right")
    exporter.render((1280, 720))
    renderer = exporter.renderer
    assert "femur_right" in renderer.emphasis.anchoring.ghosted
    assert renderer.actors["femur_right"].prop.opacity <= 0.25
    assert {"psoas_major_right", "iliacus_right"}.isdisjoint(renderer.emphasis.anchoring.ghosted)  # the least
    exporter.render((1280, 720), Annotations(labels=False))  # no label, nothing to show
    assert renderer.actors["femur_right"].prop.opacity == 1.0
    scene.set_view("posterior")
    exporter.render((1280, 720))
    assert "femur_right" not in renderer.emphasis.anchoring.ghosted
    assert renderer.actors["femur_right"].prop.opacity == 1.0


@pytest.fixture
def renderer(scene):
    plotter = pv.Plotter(off_screen=True, window_size=[1280, 800])
    renderer = SceneRenderer(plotter, scene)
    yield renderer
    renderer.disconnect()
    plotter.close()


def test_labels_reanchor_when_the_camera_stops_not_on_drag_frames(renderer, scene):
    renderer.enable_lod()
    scene.set_view("anterior")
    scene.select("psoas_major_right")
    before = [label.anchor for label in renderer.emphasis.labels.labels]
    renderer.begin_interaction()  # a drag: low detail, frames at new camera poses
    for degrees in (30, 60, 90):
        renderer.plotter.camera.azimuth = degrees
        renderer.plotter.render()
        assert [label.anchor for label in renderer.emphasis.labels.labels] == before
    renderer.end_interaction()  # the camera stops
    after = [label.anchor for label in renderer.emphasis.labels.labels]
    assert len(after) == len(before) and after != before
    scene.set_view("posterior")  # a standard view: the camera stops there too
    assert [label.anchor for label in renderer.emphasis.labels.labels] != after


def test_a_nerve_marks_the_foramina_of_its_roots_on_its_side(renderer, scene, landmarks):
    scene.select("femoral_nerve_right")
    layer = renderer.emphasis
    texts = [label.text for label in layer.labels.labels]
    assert texts[0] == "Right femoral nerve"
    assert texts[1:] == ["L2 foramen", "L3 foramen", "L4 foramen"]
    assert layer.markers is not None
    points = np.asarray(layer.markers.mapper.dataset.points)
    for level in ("l2_l3", "l3_l4", "l4_l5"):
        centre = np.asarray(landmarks[f"intervertebral_foramen_{level}_right"])
        near = np.linalg.norm(points - centre, axis=1)
        assert 3.5 < near.min() < 4.5  # a sphere about 8 mm across around it
        left = np.asarray(landmarks[f"intervertebral_foramen_{level}_left"])
        assert np.linalg.norm(points - left, axis=1).min() > 20  # not the other side
    colours = {tuple(renderer.actors[f"vertebra_{v}"].prop.color.float_rgb) for v in ("l1", "l2", "l3", "l4")}
    assert len(colours) == 1  # no vertebra lit as a whole
    assert ("Root foramen", STANDARD.text["root_level"], STANDARD.root_level) in layer.legend.entries


def test_the_palette_recolours_selection_attachments_labels_and_legend(renderer, scene):
    scene.select("psoas_major_right")
    layer = renderer.emphasis

    def rgb(colour):
        return pv.Color(colour).float_rgb

    assert renderer.actors["psoas_major_right"].prop.color.float_rgb == rgb(STANDARD.selection)
    scene.set_palette("colour-blind-safe")
    assert renderer.actors["psoas_major_right"].prop.color.float_rgb == rgb(COLOUR_BLIND_SAFE.selection)
    assert layer.patches["origin"].prop.color.float_rgb == rgb(COLOUR_BLIND_SAFE.origin)
    assert layer.patches["insertion"].prop.color.float_rgb == rgb(COLOUR_BLIND_SAFE.insertion)
    assert layer.outline is not None and layer.outline.prop.color.float_rgb == rgb(
        COLOUR_BLIND_SAFE.selection
    )
    labels = {label.text: label for label in layer.labels.labels}
    assert labels["Right psoas major"].color == COLOUR_BLIND_SAFE.text["selection"]
    assert labels["Lesser trochanter"].frame == COLOUR_BLIND_SAFE.insertion
    assert [(text, colour) for text, colour, _ in layer.legend.entries][:2] == [
        ("Selected", COLOUR_BLIND_SAFE.text["selection"]),
        ("Origin", COLOUR_BLIND_SAFE.text["origin"]),
    ]
    assert renderer.actors["sacrum"].prop.color.float_rgb == rgb(scene.catalogue["sacrum"].color)
    scene.set_palette("standard")
    assert renderer.actors["psoas_major_right"].prop.color.float_rgb == rgb(STANDARD.selection)


def _cap_height(image: np.ndarray, box: tuple[float, float, float, float], colour: str) -> int:
    """Height (pixels) of the first glyph written in ``colour`` inside ``box`` (x0, y0, x1, y1
    in VTK's display coordinates, origin bottom left)."""
    height = image.shape[0]
    x0, y0, x1, y1 = (round(v) for v in box)
    crop = image[height - y1 : height - y0, x0:x1, :3].astype(int)
    ink = np.abs(crop - np.array(pv.Color(colour).int_rgb)).sum(axis=2) < 90
    columns = np.flatnonzero(ink.any(axis=0))
    assert columns.size, "no text of that colour in the box"
    first = [columns[0]]
    for c in columns[1:]:
        if c != first[-1] + 1:
            break
        first.append(c)
    rows = np.flatnonzero(ink[:, first[0] : first[-1] + 1].any(axis=1))
    return int(rows[-1] - rows[0] + 1)


def test_the_legend_is_drawn_at_the_labels_size(renderer, scene):
    """In the picture, the capitals of the legend ('I' of Insertion) are as tall as those of
    a label ('B' of Bodies ...), within a pixel or two (the legend used to be twice as big)."""
    scene.select("psoas_major_right")
    scene.set_view("anterior")
    image = renderer.plotter.screenshot(return_img=True)
    layer = renderer.emphasis
    index = next(i for i, label in enumerate(layer.labels.labels) if label.text.startswith("Bodies"))
    x, y, w, h = layer.labels.boxes[index]
    label = _cap_height(image, (x, y, x + w, y + h), scene.palette.text["origin"])
    (legend_box,) = layer.legend_rects()
    legend = _cap_height(image, legend_box, scene.palette.text["insertion"])
    assert label >= 8
    assert abs(legend - label) <= 2, (legend, label)


@pytest.mark.parametrize("module", ["emphasis", "anchoring"])
def test_the_emphasis_layer_does_not_import_the_scene_renderer(module):
    """No import cycle between emphasis (or its anchoring) and scene_renderer, not even for
    type checking."""
    tree = ast.parse((Path(__file__).parents[2] / f"app/render/{module}.py").read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "app.render.scene_renderer" not in imported
