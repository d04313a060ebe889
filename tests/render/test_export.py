"""Annotated screenshots, lessons, handouts and glTF export, all off screen."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import trimesh
from PIL import Image

from app.model.io import paths
from app.model.teaching.lessons import apply_step, lesson_files, load_lesson
from app.render.snapshot import Annotations, save_screenshot
from tests.commands import run_cli as cli


def text_pixels(image: np.ndarray, box: tuple[slice, slice]) -> float:
    """Share of near-white pixels (label and title text) in a region."""
    region = image[box][..., :3].astype(int)
    return float((region.min(axis=2) > 225).mean())


@pytest.mark.parametrize("size", [(1280, 720), (3840, 2160)])
def test_annotated_screenshot_at_any_resolution(tmp_path, size):
    out = tmp_path / "figure.png"
    result = cli(
        "screenshot", str(out), "--size", f"{size[0]}x{size[1]}", "--view", "anterior",
        "--select", "psoas_major_right", "--title", "Psoas major",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.size == size
    info = json.loads(image.text["Description"])
    assert info["selected"] == "psoas_major_right" and info["view"] == "anterior"
    assert "psoas_major_right" in info["structures"] and info["generator"].startswith("psoas-atlas")
    assert image.text["Title"] == "Psoas major"
    pixels = np.asarray(image)
    # The title is drawn at the top centre, in proportion to the image.
    top = (slice(0, size[1] // 12), slice(size[0] // 3, 2 * size[0] // 3))
    assert 0.01 < text_pixels(pixels, top) < 0.5
    assert not list(tmp_path.glob(".*.tmp"))


def test_labels_scale_with_the_output_and_can_be_turned_off(scene):
    from app.render.snapshot import Exporter

    scene.set_view("anterior")
    scene.select("femur_right")
    with Exporter(scene) as exporter:
        labels = exporter.renderer.emphasis.labels

        def tallest_label(size, notes):
            exporter.render(size, notes)
            # The exporter shrinks its window after each export: lay the labels out again
            # at the exported size to read their boxes.
            exporter.plotter.render_window.SetSize(*size)
            exporter.plotter.render()
            return max((h for _x, _y, _w, h in labels.boxes), default=0.0)

        small = tallest_label((640, 360), Annotations(labels=True))
        big = tallest_label((1920, 1080), Annotations(labels=True))
        bare = tallest_label((640, 360), Annotations(labels=False))
    # Text is drawn at height / 800 of its on-screen size, never under MIN_LABEL_PX: 9 pixels
    # at 360 (7 by the height alone), 20 at 1080; the boxes follow their text.
    from app.render.labels import LABEL_PT, MIN_LABEL_PX

    fonts = max(MIN_LABEL_PX, round(LABEL_PT * 360 / 800)), round(LABEL_PT * 1080 / 800)
    assert small > 0 and big / small == pytest.approx(fonts[1] / fonts[0], rel=0.2), (small, big)
    assert bare == 0


def test_transparent_background(tmp_path, scene):
    save_screenshot(scene, tmp_path / "t.png", (320, 240), Annotations(transparent=True, labels=False))
    image = np.asarray(Image.open(tmp_path / "t.png"))
    assert image.shape[2] == 4
    assert image[0, 0, 3] == 0 and image[..., 3].max() == 255


def test_failed_write_leaves_no_partial_file(tmp_path, scene):
    target = tmp_path / "folder_as_file"
    target.mkdir()
    with pytest.raises(OSError):
        save_screenshot(scene, target, (160, 120))
    assert [p.name for p in tmp_path.iterdir()] == ["folder_as_file"]
    result = cli("screenshot", str(tmp_path / "x.png"), "--select", "psoas_majr")
    assert result.returncode == 2 and "unknown structure id 'psoas_majr'" in result.stderr


def test_shipped_lessons_are_valid_and_apply(scene, catalogue):
    files = lesson_files(paths.annotations_dir())
    assert len(files) >= 6
    for path in files:
        lesson, errors = load_lesson(path, catalogue)
        assert errors == [] and lesson is not None, errors
        for step in lesson.steps:
            apply_step(scene, step)
            if step.camera is None:  # an exact camera leaves the standard view as it was
                assert scene.view.name == step.view
            else:
                assert scene.camera == step.camera
    titles = " ".join(load_lesson(p, catalogue)[0].title.lower() for p in files)
    for topic in ("attaches", "lesser trochanter", "leg lift", "lumbar curve", "plexus", "sit-ups"):
        assert topic in titles


def test_lesson_errors_name_file_and_line(tmp_path, catalogue):
    path = tmp_path / "lesson.yaml"
    path.write_text(
        "title: A broken lesson\nsteps:\n  - title: One\n    caption: A caption long enough.\n"
        "    view: sideways\n  - title: Two\n    caption: Another caption here.\n    select: [psoas_majr]\n"
        "    colour: red\n",
        encoding="utf-8",
    )
    lesson, errors = load_lesson(path, catalogue)
    messages = [str(e) for e in errors]
    assert lesson is None
    assert any(m.startswith(f"{path}:5: 'steps.0.view'") and "unknown view" in m for m in messages)
    assert f"{path}:9: 'steps.1.colour': unknown field" in messages
    result = cli("validate", str(path))
    assert result.returncode == 1 and f"{path}:5:" in result.stdout


def test_render_lesson_writes_steps_and_a_pdf(tmp_path):
    lesson = paths.annotations_dir() / "lessons" / "02-iliopsoas-and-the-lesser-trochanter.yaml"
    result = cli("render-lesson", str(lesson), str(tmp_path / "out"), "--size", "480x270")
    assert result.returncode == 0, result.stderr
    pngs = sorted((tmp_path / "out").glob("step-*.png"))
    assert len(pngs) == 4
    assert Image.open(pngs[0]).size == (480, 270)
    assert json.loads(Image.open(pngs[1]).text["Description"])["lesson"].startswith("The iliopsoas")
    pdf = (tmp_path / "out" / "handout.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 4


def test_screenshot_from_a_lesson_step(tmp_path):
    lesson = paths.annotations_dir() / "lessons" / "05-the-lumbar-plexus-and-nerve-compression.yaml"
    out = tmp_path / "step.png"
    result = cli("screenshot", str(out), "--lesson", str(lesson), "--step", "4", "--size", "480x270")
    assert result.returncode == 0, result.stderr
    info = json.loads(Image.open(out).text["Description"])
    assert info["selected"] == "femoral_nerve_right"
    result = cli("screenshot", str(out), "--lesson", str(lesson), "--step", "9")
    assert result.returncode == 2 and "has steps 1 to 5" in result.stderr


def test_glb_export_reads_back_with_named_coloured_nodes(tmp_path, catalogue):
    result = cli("export", str(tmp_path), "--format", "glb")
    assert result.returncode == 0, result.stderr
    gltf = trimesh.load(tmp_path / "psoas-atlas.glb")
    visible = [s.id for s in catalogue if s.visible]
    assert sorted(gltf.geometry) == sorted(visible)
    assert set(gltf.graph.nodes_geometry) == set(visible)
    psoas = gltf.geometry["psoas_major_left"]
    assert list(psoas.visual.material.baseColorFactor[:3]) == [0xB0, 0x46, 0x3C]
    assert psoas.faces.shape[0] > 1000


def test_the_export_poses_each_mesh_as_the_renderer_draws_it(tmp_path):
    """One rule for both: the posed PLY written is the surface drawn in that pose."""
    import pyvista as pv

    from app.export import posed_ply
    from app.model.atlas import Atlas
    from app.render.scene_renderer import SceneRenderer

    atlas = Atlas.load()
    scene = atlas.scene()
    scene.set_pose(atlas.body.motion.resolve(["knee_to_chest", "lumbar_lateral_bending=10"]))
    plotter = pv.Plotter(off_screen=True, window_size=[320, 240])
    renderer = SceneRenderer(plotter, scene)
    try:
        for sid in ("psoas_major_right", "femur_right", "disc_l4_l5", "femoral_nerve_left"):
            path = paths.meshes_dir() / scene.catalogue[sid].mesh
            (tmp_path / "posed.ply").write_bytes(posed_ply(scene, scene.catalogue[sid], path))
            exported = pv.read(tmp_path / "posed.ply")
            drawn = renderer.meshes[sid]
            assert exported.n_points == drawn.n_points
            assert np.abs(np.asarray(exported.points) - np.asarray(drawn.points)).max() < 1e-3, sid
            rest = pv.read(path)
            assert np.abs(np.asarray(exported.points) - np.asarray(rest.points)).max() > 5, sid
    finally:
        renderer.disconnect()
        plotter.close()
