"""Bookmarks and camera flights in the model, with no Qt: capture, store, lesson, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.model.bookmarks import BookmarkStore, capture, write_lesson
from app.model.lessons import apply_step, load_lesson
from app.model.scene import SceneModel
from app.model.views import CameraPose, interpolate

POSE = CameraPose(position=(400.0, 650.0, 210.0), focal_point=(0.0, 10.0, -40.0), up=(0.0, 0.0, 1.0))


def arranged(scene: SceneModel) -> SceneModel:
    scene.set_xray(True)
    scene.select_many(["psoas_major_right", "femoral_nerve_right"])
    scene.set_opacity("iliacus_right", 0.45)
    scene.set_visible("femur_left", False)
    return scene


def test_a_bookmark_restores_what_was_seen(tmp_path, catalogue, scene):
    store = BookmarkStore(tmp_path / "bookmarks.yaml", catalogue)
    store.save(capture(arranged(scene), POSE, "Femoral nerve in the psoas"))
    # A new store on the same file (a restart) reads it back.
    again = BookmarkStore(tmp_path / "bookmarks.yaml", catalogue)
    assert again.names() == ["Femoral nerve in the psoas"] and again.problems == []
    fresh = SceneModel(catalogue, scene.landmarks, scene.attachments)
    apply_step(fresh, again.get("Femoral nerve in the psoas"))
    assert fresh.highlighted == ("psoas_major_right", "femoral_nerve_right")
    assert fresh.xray and fresh.opacity("iliacus_right") == 0.45
    assert not fresh.is_visible("femur_left") and fresh.visible_ids == scene.visible_ids
    assert fresh.camera == POSE
    caption = again.get("Femoral nerve in the psoas").caption
    assert "Right psoas major" in caption and "selected" in caption


def test_replace_delete_and_order(tmp_path, catalogue, scene):
    store = BookmarkStore(tmp_path / "b.yaml", catalogue)
    for name in ("One", "Two", "Three"):
        store.save(capture(scene, POSE, name, note := f"The view called {name}."))
    store.save(capture(scene, POSE, "Two", "Replaced, keeps its place."))
    assert (
        store.names() == ["One", "Two", "Three"] and store.get("Two").caption == "Replaced, keeps its place."
    )
    assert note.endswith("Three.")
    store.delete("One")
    assert BookmarkStore(tmp_path / "b.yaml", catalogue).names() == ["Two", "Three"]
    with pytest.raises(KeyError, match="no bookmark named 'One'"):
        store.delete("One")
    store.delete("Two")
    store.delete("Three")
    assert not (tmp_path / "b.yaml").exists()


def test_bookmarks_become_a_valid_lesson(tmp_path, catalogue, scene):
    store = BookmarkStore(tmp_path / "b.yaml", catalogue)
    store.save(capture(scene, POSE, "Whole region"))
    store.save(capture(arranged(scene), POSE, "Nerve"))
    write_lesson(tmp_path / "mine.yaml", store.as_lesson("My psoas lesson", ["Nerve", "Whole region"]))
    lesson, errors = load_lesson(tmp_path / "mine.yaml", catalogue)
    assert errors == [] and lesson is not None
    assert lesson.title == "My psoas lesson" and [s.title for s in lesson.steps] == ["Nerve", "Whole region"]
    text = (tmp_path / "mine.yaml").read_text(encoding="utf-8")
    assert "position: [400.0, 650.0, 210.0]" in text  # written the way people write lessons


def test_an_unreadable_file_is_reported_and_set_aside(tmp_path, catalogue, scene):
    path = tmp_path / "bookmarks.yaml"
    path.write_text("title: Bookmarks\nsteps:\n  - title: Broken\n    caption: x\n", encoding="utf-8")
    store = BookmarkStore(path, catalogue)
    assert store.names() == []
    assert store.problems and str(store.problems[0]).startswith(f"{path}:4:")
    store.save(capture(scene, POSE, "New"))
    kept = list(tmp_path.glob("bookmarks.yaml.unreadable-*"))
    assert len(kept) == 1 and "Broken" in kept[0].read_text(encoding="utf-8")
    assert BookmarkStore(path, catalogue).names() == ["New"]


def test_a_failed_write_changes_nothing(tmp_path, catalogue, scene):
    path = tmp_path / "b.yaml"
    store = BookmarkStore(path, catalogue)
    store.save(capture(scene, POSE, "Kept"))
    before = path.read_bytes()
    path.parent.chmod(0o500)
    try:
        import os

        if os.geteuid() == 0:
            pytest.skip("root can write to a read-only folder")
        with pytest.raises(OSError):
            store.save(capture(scene, POSE, "Lost"))
    finally:
        path.parent.chmod(0o700)
    assert store.names() == ["Kept"] and path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.yaml"]


def test_a_failed_write_changes_nothing_even_as_root(tmp_path, catalogue, scene, monkeypatch):
    store = BookmarkStore(tmp_path / "b.yaml", catalogue)
    store.save(capture(scene, POSE, "Kept"))
    before = (tmp_path / "b.yaml").read_bytes()

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.save(capture(scene, POSE, "Lost"))
    assert store.names() == ["Kept"] and (tmp_path / "b.yaml").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.yaml"]


def test_camera_flight_path():
    anterior = CameraPose(position=(0, 500, 0), focal_point=(0, 0, 0), up=(0, 0, 1))
    posterior = CameraPose(position=(0, -1000, 100), focal_point=(0, 0, 100), up=(0, 0, 1))
    assert interpolate(anterior, posterior, 0.0) == anterior
    end = interpolate(anterior, posterior, 1.0)
    assert np.allclose(end.position, posterior.position) and np.allclose(end.up, posterior.up)
    middle = interpolate(anterior, posterior, 0.5)
    focal = np.array(middle.focal_point)
    offset = np.array(middle.position) - focal
    assert np.allclose(focal, (0, 0, 50))
    assert np.allclose(middle.position, (np.sqrt(500 * 1000), 0, 50)) or np.allclose(
        middle.position, (-np.sqrt(500 * 1000), 0, 50)
    )
    # Opposite views: the camera swings round the side, level, never through the body.
    assert abs(offset[1]) < 1e-6 and abs(offset[2]) < 1e-6
    assert np.isclose(np.linalg.norm(offset), np.sqrt(500 * 1000))
    distances = [
        np.linalg.norm(np.subtract(p.position, p.focal_point))
        for p in (interpolate(anterior, posterior, t) for t in np.linspace(0, 1, 11))
    ]
    assert all(a < b for a, b in itertools.pairwise(distances))
    superior = CameraPose(position=(0, 0, 800), focal_point=(0, 0, 0), up=(0, 1, 0))
    for t in np.linspace(0, 1, 9):
        pose = interpolate(anterior, superior, t)
        view = np.subtract(pose.focal_point, pose.position)
        assert abs(np.dot(view, pose.up)) < 1e-6 and np.isclose(np.linalg.norm(pose.up), 1)
