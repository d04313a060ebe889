"""A structure found by search is framed, whatever was framed before (issue 28, item 5): after
"lesser trochanter" a search for "psoas" kept the femur close-up, the psoas barely seen and its
labels pointing off screen. Driven in the real window: Ctrl+F, type, Enter."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.scene.views import VIEWS

from .test_search_places import landed, link_point, search


def pixels(window, points) -> np.ndarray:
    """World points projected by the renderer, as fractions of its viewport's width and height."""
    renderer = window.plotter.renderer
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    out = []
    for point in np.asarray(points, dtype=float).reshape(-1, 3):
        coordinate.SetValue(*point)
        out.append(coordinate.GetComputedDoubleDisplayValue(renderer))
    return np.array(out) / renderer.GetSize()


def on_screen(window, points) -> np.ndarray:
    """Which world points the renderer projects inside its viewport."""
    return ((pixels(window, points) >= 0) & (pixels(window, points) <= 1)).all(axis=1)


def corners(bounds) -> np.ndarray:
    return np.array([(x, y, z) for x in bounds[0:2] for y in bounds[2:4] for z in bounds[4:6]])


def framed_whole(window, structure_ids) -> None:
    """The structures' bounds and every label's anchor project inside the view, and the
    structures are seen large: over 40% of the view across (not a speck far away)."""
    for sid in structure_ids:
        inside = on_screen(window, corners(window.renderer.meshes[sid].bounds))
        assert inside.all(), f"{sid}: {int((~inside).sum())} of 8 corners off screen"
    every = np.vstack([corners(window.renderer.meshes[sid].bounds) for sid in structure_ids])
    assert np.ptp(pixels(window, every), axis=0).max() > 0.4
    labels = window.renderer.emphasis.labels.labels
    assert labels
    inside = on_screen(window, [label.anchor for label in labels])
    assert inside.all(), [label.text for label, ok in zip(labels, inside, strict=True) if not ok]


def far_out(window, qtbot) -> None:
    """Zoomed out, the whole body a speck."""
    window.plotter.camera.Dolly(0.15)  # as the mouse wheel zooms: the camera moves away
    window.plotter.renderer.ResetCameraClippingRange()
    window.plotter.render()


def landmark(window, qtbot) -> None:
    search(qtbot, window, "lesser trochanter")
    landed(qtbot, window)


def site(window, qtbot) -> None:
    """A site singled out from the panel: a close-up on the inner lip of the iliac crest."""
    window.scene.select("hip_bone_right")  # the right side: a search without a side keeps it
    point = link_point(window.info, "Inner lip of the iliac crest")
    qtbot.mouseClick(window.info.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.scene.emphasis.focus_attachment is not None
    landed(qtbot, window)


def posed(window, qtbot) -> None:
    """Sitting up, seen from the side: the surfaces and sites have moved from where they rest."""
    window.scene.set_pose(window.scene.poses.resolve(["sit_up_sitting"]))
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_4)


@pytest.mark.parametrize("before", [landmark, site, far_out, posed])
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("psoas", ("psoas_major_right",)),
        ("iliopsoas", ("psoas_major_right", "iliacus_right", "psoas_major_left", "iliacus_left")),
        ("femoral nerve", ("femoral_nerve_right",)),  # with the foramina its roots leave by
    ],
)
def test_a_structure_found_is_framed_whole_with_its_labels(window, scene, qtbot, before, query, found):
    window.flight.duration_ms = 200
    before(window, qtbot)
    framed_before = window.renderer.camera_pose()
    search(qtbot, window, query)
    assert set(scene.highlighted) == set(found)
    assert window.flight.flying  # a smooth move, not a cut
    landed(qtbot, window)
    window.plotter.render()
    framed_whole(window, found)
    # Seen the way the camera looked (a search does not turn the view around).
    a = np.subtract(framed_before.position, framed_before.focal_point)
    pose = window.renderer.camera_pose()
    b = np.subtract(pose.position, pose.focal_point)
    assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.999


def test_the_psoas_after_the_lesser_trochanter_fills_the_view(window, scene, qtbot):
    """The issue's own steps: the psoas is seen large, not a sliver of the femur close-up."""
    window.flight.duration_ms = 200
    landmark(window, qtbot)
    search(qtbot, window, "psoas")
    landed(qtbot, window)
    seen = pixels(window, corners(window.renderer.meshes["psoas_major_right"].bounds))
    assert ((seen >= 0) & (seen <= 1)).all()  # whole
    assert np.ptp(seen, axis=0).max() > 0.5  # and large: over half the view


def test_the_matches_for_psoas_are_about_psoas(window, scene, qtbot):
    search(qtbot, window, "psoas")
    assert scene.selected == "psoas_major_right"
    message = window.statusBar().currentMessage()
    assert message.startswith("Also matching: ")
    also = message.removeprefix("Also matching: ").split(", ")
    assert "Iliopsoas" in also and not any("iliac spine" in name for name in also), also
    index = window.seeker.index
    for match in window.seeker.search("psoas"):  # all the box found, not only the three said
        term = next(t for t in index.terms if match.target in t.targets.values())
        assert any("psoas" in label.lower() for label in term.labels), match.name
    landed(qtbot, window)


def test_a_view_key_during_a_search_flight_wins(window, scene, qtbot):
    """The flight stopped taking the camera back from the view asked for."""
    search(qtbot, window, "psoas")
    assert window.flight.flying
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_2)  # the posterior view
    assert scene.view.name == "posterior" and not window.flight.flying
    qtbot.wait(window.flight.duration_ms + 100)  # where the flight would have ended
    pose = window.renderer.camera_pose()
    sight = np.subtract(pose.position, pose.focal_point)
    direction = np.asarray(VIEWS["posterior"].direction, dtype=float)
    assert sight @ direction / np.linalg.norm(sight) / np.linalg.norm(direction) > 0.999
    assert not window.renderer.interacting  # full detail again
