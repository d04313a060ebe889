"""Pictures that fit their medium (issue 28): a small video frame keeps its text in
proportion, labels never overlap, labels of spinal levels stack in the spine's order, and
under a section every label points at something the camera sees."""

from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.atlas import Atlas
from app.model.io import paths
from app.model.teaching.lessons import lesson_files, load_lesson, show_step
from app.render import labels as labels_module
from app.render.anchoring import THIN_KINDS
from app.render.labels import BOX_COLOR
from app.render.overlay import CAPTION_BOX_OPACITY
from app.render.snapshot import EXPORT_BACKGROUND, Exporter
from app.render.video import write_video

LESSONS = paths.annotations_dir() / "lessons"


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    """The shipped data set with its section levels and body (the plain ``scene`` fixture
    has neither: a lesson's sections and poses need them)."""
    return Atlas.load()


@pytest.fixture
def full_scene(atlas):
    return atlas.scene()


def lesson(number: str, catalogue):
    path = next(LESSONS.glob(f"{number}-*.yaml"))
    found, errors = load_lesson(path, catalogue)
    assert found is not None, errors
    return found


def caption_rows(frame: np.ndarray) -> int:
    """Rows of the frame's lower half where the caption's box covers most of the middle."""
    box = np.array(BOX_COLOR) * CAPTION_BOX_OPACITY + np.array(pv.Color(EXPORT_BACKGROUND).float_rgb) * (
        1 - CAPTION_BOX_OPACITY
    )
    height, width = frame.shape[:2]
    middle = frame[height // 2 :, width // 4 : 3 * width // 4, :3].astype(float) / 255
    close = np.abs(middle - box).max(axis=2) < 0.06
    return int((close.mean(axis=1) > 0.3).sum())


def overlapping(boxes) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, (x, y, w, h) in enumerate(boxes)
        for j, (u, v, s, t) in enumerate(boxes)
        if i < j and x < u + s and u < x + w and y < v + t and v < y + h
    ]


def test_a_480x270_video_keeps_its_caption_small_and_labels_apart(
    tmp_path, full_scene, catalogue, monkeypatch
):
    """The first step of lesson 08 (a long caption, five labels) as a 480x270 MP4, read back:
    the caption's box takes less than a quarter of the frame (it took about half when text
    was drawn at its full size), and the labels drawn at that size neither overlap nor
    leave the frame."""
    scene = full_scene
    plexus = lesson("08", catalogue)
    laid_out: list[tuple[tuple[int, int], list]] = []
    layout = labels_module.LabelLayer._layout

    def recorded(self, *args):
        layout(self, *args)
        laid_out.append((tuple(self.renderer.GetSize()), list(self.boxes)))

    monkeypatch.setattr(labels_module.LabelLayer, "_layout", recorded)
    out = tmp_path / "small.mp4"
    write_video(scene, out, [(0, scene.pose)] * 3, (480, 270), 10, lambda i: show_step(scene, plexus, i))
    with imageio.get_reader(out) as reader:
        frames = [np.asarray(frame) for frame in reader]
    assert len(frames) == 3 and frames[0].shape == (270, 480, 3)
    rows = caption_rows(frames[0])
    assert 8 <= rows < 0.25 * 270, f"the caption's box is {rows} rows high"
    boxes = [b for size, b in laid_out if size == (480, 270)][-1]
    assert len(boxes) >= 2, "some labels are drawn"
    assert not overlapping(boxes), boxes
    for x, y, w, h in boxes:
        assert x >= 0 and x + w <= 480 and y >= 0 and y + h <= 270


def _drawn_at(exporter: Exporter, size: tuple[int, int]) -> None:
    """Draw the exporter's picture again at ``size`` and keep it there (it shrinks its
    window after each export), so that its labels and depth buffer can be read."""
    exporter.render(size)
    exporter.plotter.render_window.SetSize(*size)
    exporter.plotter.render()


def test_labels_of_spinal_levels_stack_in_the_spines_order(scene):
    """Seen from above the foramina project almost onto one another: their labels were
    stacked L2, L3, L1, T12, L4; they read T12 to L4 from the top down."""
    scene.set_view("superior")
    scene.select("lumbar_plexus_right")
    with Exporter(scene) as exporter:
        _drawn_at(exporter, (1920, 1080))
        layer = exporter.renderer.emphasis.labels
        tops = {layer.labels[i].text: y + h for i, (x, y, w, h) in zip(layer.drawn, layer.boxes, strict=True)}
    levels = [text for text in tops if text.endswith("foramen")]
    assert len(levels) >= 4, tops
    assert sorted(levels, key=lambda t: -tops[t]) == sorted(levels, key=labels_module.level_rank)


def _opaque_only(exporter: Exporter) -> list:
    """Hide what does not hide an anchor (see-through surfaces: a selected muscle shown
    translucent, ghosts; nerves and ligaments, too thin: app.render.anchoring.THIN_KINDS),
    with their cut faces, and draw again: what is left in the depth buffer is what hides
    things. Returns what to show again."""
    renderer = exporter.renderer
    catalogue = renderer.scene.catalogue
    thin = {sid for sid in renderer.actors if catalogue[sid].kind.value in THIN_KINDS}
    skip = [renderer.actors[sid] for sid in thin]
    skip += [cap.fill for (sid, _), cap in renderer.section.caps.items() if sid in thin]
    skip += [cap.outline for (sid, _), cap in renderer.section.caps.items() if sid in thin]
    hidden = []
    actors = exporter.plotter.renderer.GetActors()
    actors.InitTraversal()
    for _ in range(actors.GetNumberOfItems()):
        actor = actors.GetNextActor()
        see_through = actor.GetProperty().GetOpacity() < 0.5 or any(actor is a for a in skip)
        if actor.GetVisibility() and see_through:
            actor.VisibilityOff()
            hidden.append(actor)
    exporter.plotter.render()
    return hidden


def _seen_depth_gap(exporter: Exporter, anchor) -> float:
    """How far (mm) in front of ``anchor`` the nearest surface drawn at its pixel lies (about
    0 when the anchor itself is what the camera sees there), the least over its 5x5 pixels."""
    renderer = exporter.plotter.renderer
    window = exporter.plotter.render_window
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*anchor)
    x, y = coordinate.GetComputedDoubleDisplayValue(renderer)
    eye = np.array(renderer.GetActiveCamera().GetPosition())
    distance = np.linalg.norm(np.asarray(anchor) - eye)
    gaps = []
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            px, py = round(x) + dx, round(y) + dy
            z = window.GetZbufferDataAtPoint(px, py)
            renderer.SetDisplayPoint(px, py, z)
            renderer.DisplayToWorld()
            world = np.array(renderer.GetWorldPoint()[:3]) / renderer.GetWorldPoint()[3]
            gaps.append(distance - np.linalg.norm(world - eye))
    return float(min(gaps))


def test_lesson_08_labels_point_at_what_the_cut_leaves_in_sight(full_scene, catalogue):
    """Every label drawn in lesson 08 ends on something the camera sees: on the kept side of
    the cut, and nearest the eye at its pixel (the depth buffer says so), not under a cut
    face nor cut away; a marker of a foramen is never drawn above the cut. Before, labels
    pointed through the cut L1 body at the foramina of L2-L4 below it, and the T12 foramen's
    marker floated over the cut."""
    scene = full_scene
    plexus = lesson("08", catalogue)
    with Exporter(scene) as exporter:
        renderer = exporter.renderer
        for index in range(len(plexus.steps)):
            show_step(scene, plexus, index)
            _drawn_at(exporter, (1920, 1080))
            layer = renderer.emphasis.labels
            assert layer.drawn, f"step {index + 1} has labels"
            planes = renderer.section.planes
            drawn = list(layer.drawn)
            hidden = _opaque_only(exporter)
            for i in drawn:
                anchor = np.asarray(layer.labels[i].anchor)
                for cut in planes:
                    assert (anchor - cut.origin) @ cut.keep >= -0.5, (index + 1, layer.labels[i].text)
                gap = _seen_depth_gap(exporter, anchor)
                assert gap < 4.0, f"step {index + 1}: {layer.labels[i].text} is {gap:.0f} mm behind a surface"
            for actor in hidden:
                actor.VisibilityOn()
            markers = renderer.emphasis.markers
            if markers is not None and planes:
                mapper = markers.GetMapper()
                assert mapper.GetNumberOfClippingPlanes() == len(planes), "the markers are cut too"


@pytest.mark.parametrize("path", lesson_files(paths.annotations_dir()), ids=lambda p: p.stem[:2])
def test_lesson_captions_say_it_in_the_picture(path, catalogue):
    """A caption is read full screen, in a video or on paper, where the window's panels are
    not: it never sends the reader to one ("in the Motion panel", "open the slice view")."""
    found, errors = load_lesson(path, catalogue)
    assert found is not None, errors
    for step in found.steps:
        text = f"{step.title} {step.caption}".casefold()
        for words in ("panel", "slice view", "dock", "menu", "click", "open the", "tick"):
            assert words not in text, f"{path.name}, {step.title!r}: {words!r}"
