"""Bookmarks and camera flights in the model, with no Qt: capture, store, lesson, errors."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.atlas import Atlas
from app.model.motion.kinematics import JOINTS, Pose, PoseError
from app.model.motion.poses import Motion
from app.model.scene.state import SceneModel
from app.model.scene.views import CameraPose, interpolate
from app.model.teaching.bookmarks import BookmarkStore, capture, write_lesson
from app.model.teaching.lessons import Step, apply_step, lesson_data_yaml, load_lesson

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


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


def test_a_bookmark_keeps_the_pose_through_the_file(tmp_path, atlas):
    scene = atlas.scene()
    path = tmp_path / "bookmarks.yaml"
    store = BookmarkStore(path, atlas.catalogue)
    store.save(capture(scene, POSE, "Standing"))
    scene.set_pose(atlas.body.motion.resolve(["leg_lift", "pelvic_tilt=10"]))
    store.save(capture(scene, POSE, "Leg lift"))
    written = steps_on_disk(path)
    assert "pose" not in written[0]  # neutral: not written
    assert written[1]["pose"] == ["hip_flexion_right=70", "pelvic_tilt=10"]
    again = BookmarkStore(path, atlas.catalogue)  # a restart reads it back
    assert again.problems == []
    fresh = atlas.scene()
    apply_step(fresh, again.get("Leg lift"))
    assert fresh.pose == scene.pose and fresh.camera == POSE
    apply_step(fresh, again.get("Standing"))  # a bookmark standing neutral stands again
    assert fresh.pose.neutral
    # A lesson written from bookmarks is a valid lesson that keeps the poses.
    write_lesson(tmp_path / "lesson.yaml", again.as_lesson("Posed views"))
    lesson, errors = load_lesson(tmp_path / "lesson.yaml", atlas.catalogue, atlas.body.motion)
    assert errors == [] and lesson is not None
    apply_step(fresh, lesson.steps[1])
    assert fresh.pose == scene.pose


# The file's lines: 3 "- title: Edited", 4 caption, 5 view, 6 "pose:".
BAD_POSES = {
    "an unknown joint": (
        "    pose:\n      hip_flexion_right: 20\n      hip_flexon_left: 10\n",
        6,
        "did you mean",
    ),
    "out of its range": ("    pose: {pelvic_tilt: 5,\n      lumbar_flexion: 95}\n", 6, "out of its range"),
    "not a number": ("    pose:\n      pelvic_tilt: '10'\n", 6, "expected an angle in degrees"),
    "a bad spec": ("    pose: [trunk_fold, pelvic_tilt=ten]\n", 6, "expected JOINT=DEGREES"),
    "not a pose": ("    pose: 5\n", 6, "'pose'"),
}


@pytest.mark.parametrize("bad", BAD_POSES, ids=list(BAD_POSES))
def test_a_bad_pose_is_one_line_and_the_bookmark_is_kept_in_the_file(tmp_path, atlas, bad):
    text, line, message = BAD_POSES[bad]
    path = tmp_path / "bookmarks.yaml"
    path.write_text(
        "title: Bookmarks\nsteps:\n  - title: Edited\n" + FRONT + text + "  - title: Last\n" + FRONT,
        encoding="utf-8",
    )
    original = steps_on_disk(path)
    store = BookmarkStore(path, atlas.catalogue)
    assert store.names() == ["Last"]
    assert len(store.problems) == 1, store.problems
    problem = str(store.problems[0])
    where = f"{path}:{line}: bookmark 'Edited' (step 1) is kept in the file but not shown: "
    assert problem.startswith(where)
    assert message in problem and "\n" not in problem
    scene = atlas.scene()
    store.save(capture(scene, POSE, "New"))  # the user's hand edit is written back as it was
    assert steps_on_disk(path)[:2] == original


def test_an_unreadable_file_is_reported_and_set_aside(tmp_path, catalogue, scene):
    path = tmp_path / "bookmarks.yaml"
    path.write_text("title: Bookmarks\nsteps:\n  - title: Broken\n    caption: a: b\n", encoding="utf-8")
    store = BookmarkStore(path, catalogue)
    assert store.names() == []
    assert store.problems and str(store.problems[0]).startswith(f"{path}:4:")
    store.save(capture(scene, POSE, "New"))
    kept = list(tmp_path.glob("bookmarks.yaml.unreadable-*"))
    assert len(kept) == 1 and "Broken" in kept[0].read_text(encoding="utf-8")
    assert BookmarkStore(path, catalogue).names() == ["New"]


def test_a_failed_write_changes_nothing(tmp_path, catalogue, scene, make_read_only):
    path = tmp_path / "b.yaml"
    store = BookmarkStore(path, catalogue)
    store.save(capture(scene, POSE, "Kept"))
    before = path.read_bytes()
    make_read_only(path.parent)
    with pytest.raises(PermissionError):
        store.save(capture(scene, POSE, "Lost"))
    assert store.names() == ["Kept"] and path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml", "b.yaml.lock"]  # no temporary file


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml", "b.yaml.lock"]  # no temporary file


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


# A bookmarks file is the user's data: every step in it survives, whatever else is wrong with it,
# and two windows writing it at once lose nothing.

FRONT = "    caption: The region seen from the front.\n    view: anterior\n"


def steps_on_disk(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["steps"]


def test_bookmarks_with_the_same_title_are_both_kept(tmp_path, catalogue, scene):
    path = tmp_path / "bookmarks.yaml"
    path.write_text(
        "title: Bookmarks\nsteps:\n"
        "  - title: Front\n    caption: The first view from the front.\n    view: anterior\n"
        "  - title: Side\n    caption: The region seen from the left.\n    view: left\n"
        "  - title: Front\n    caption: The second view from the front.\n    view: posterior\n",
        encoding="utf-8",
    )
    store = BookmarkStore(path, catalogue)
    assert store.names() == ["Front", "Side", "Front (2)"]
    assert store.get("Front").caption == "The first view from the front."
    assert store.get("Front (2)").view == "posterior"
    assert len(store.problems) == 1 and str(store.problems[0]).startswith(f"{path}:9: ")
    assert "Front (2)" in store.problems[0].message
    store.save(capture(scene, POSE, "New"))
    assert [s["title"] for s in steps_on_disk(path)] == ["Front", "Side", "Front (2)", "New"]
    again = BookmarkStore(path, catalogue)
    assert again.names() == ["Front", "Side", "Front (2)", "New"] and again.problems == []
    assert again.get("Front (2)").caption == "The second view from the front."


BAD_STEPS = {
    "an unknown structure id": ("  - title: Typo\n" + FRONT + "    select: [psoas_majr_right]\n", 9),
    "a caption too short": ("  - title: Short\n    caption: Hi\n", 7),
    "an unknown field": ("  - title: Extra\n" + FRONT + "    zoom: 3\n", 9),
    "not a mapping": ("  - just some text\n", 2),  # a plain value has no line of its own: 'steps:'
}


@pytest.mark.parametrize("bad", BAD_STEPS, ids=list(BAD_STEPS))
def test_one_bad_bookmark_hides_only_itself_and_stays_in_the_file(tmp_path, catalogue, scene, bad):
    text, line = BAD_STEPS[bad]
    path = tmp_path / "bookmarks.yaml"
    path.write_text(
        "title: Bookmarks\nsteps:\n  - title: First\n" + FRONT + text + "  - title: Last\n" + FRONT,
        encoding="utf-8",
    )
    original = steps_on_disk(path)
    store = BookmarkStore(path, catalogue)
    assert store.names() == ["First", "Last"]
    assert len(store.problems) == 1, store.problems
    assert str(store.problems[0]).startswith(f"{path}:{line}: ")
    store.save(capture(scene, POSE, "New"))
    assert steps_on_disk(path)[:3] == original and steps_on_disk(path)[3]["title"] == "New"
    assert [p.name for p in tmp_path.iterdir() if "unreadable" in p.name] == []
    again = BookmarkStore(path, catalogue)
    assert again.names() == ["First", "Last", "New"] and len(again.problems) == 1
    again.delete("First")
    assert steps_on_disk(path)[0] == original[1]


def test_two_windows_adding_bookmarks_lose_none(tmp_path, catalogue, scene):
    path = tmp_path / "bookmarks.yaml"
    one, two = BookmarkStore(path, catalogue), BookmarkStore(path, catalogue)
    one.save(capture(scene, POSE, "One A"))
    two.save(capture(scene, POSE, "Two A"))
    one.save(capture(scene, POSE, "One B"))
    two.save(capture(scene, POSE, "Two B"))
    everything = ["One A", "Two A", "One B", "Two B"]
    assert BookmarkStore(path, catalogue).names() == everything
    assert two.names() == everything and one.names() == everything[:3]
    one.refresh()
    assert one.names() == everything
    # Both windows save a new bookmark under the same name (each offers "View 5"): both are kept.
    assert one.save(capture(scene, POSE, "View 5", "Saved in the first window.")) == "View 5"
    assert two.save(capture(scene, POSE, "View 5", "Saved in the second window.")) == "View 5 (2)"
    again = BookmarkStore(path, catalogue)
    assert again.names() == [*everything, "View 5", "View 5 (2)"]
    assert again.get("View 5").caption == "Saved in the first window."
    assert again.get("View 5 (2)").caption == "Saved in the second window."


def test_a_delete_in_one_window_neither_loses_nor_revives_the_others_bookmarks(tmp_path, catalogue, scene):
    path = tmp_path / "bookmarks.yaml"
    one = BookmarkStore(path, catalogue)
    one.save(capture(scene, POSE, "Old"))
    one.save(capture(scene, POSE, "Shared", "The first version of it."))
    two = BookmarkStore(path, catalogue)
    one.save(capture(scene, POSE, "New in one"))
    two.delete("Old")
    assert BookmarkStore(path, catalogue).names() == ["Shared", "New in one"]
    assert two.names() == ["Shared", "New in one"]
    assert one.delete("Old") is False  # the other window deleted it already: nothing revived
    assert BookmarkStore(path, catalogue).names() == ["Shared", "New in one"]
    one.save(capture(scene, POSE, "Another in one"))
    assert BookmarkStore(path, catalogue).names() == ["Shared", "New in one", "Another in one"]
    # One window replaces a bookmark; the other, which had not seen that, deletes or replaces it:
    # the change it never saw is kept.
    two.refresh()
    one.save(capture(scene, POSE, "Shared", "The second version of it."))
    assert two.delete("Shared") is False
    assert two.get("Shared").caption == "The second version of it."
    one.refresh()
    two.save(capture(scene, POSE, "Shared", "The third version of it."))
    assert one.save(capture(scene, POSE, "Shared", "The fourth version of it.")) == "Shared (2)"
    again = BookmarkStore(path, catalogue)
    assert again.get("Shared").caption == "The third version of it."
    assert again.get("Shared (2)").caption == "The fourth version of it."


VALID_TITLES = ["Front", "Side", "Front (2)", "Nerve", "Ünïcode ✓"]


_GOOD_POSE = st.dictionaries(
    st.sampled_from(list(JOINTS)),
    st.integers(-10, 30) | st.floats(-10, 30, allow_nan=False),
    max_size=3,
)
_BAD_POSE = st.one_of(
    st.dictionaries(st.sampled_from(["hip_flexon_right", "knee", "1"]), st.integers(0, 10), min_size=1),
    st.dictionaries(
        st.sampled_from(list(JOINTS)), st.integers(200, 10**6) | st.integers(-(10**6), -200), min_size=1
    ),
    st.dictionaries(
        st.sampled_from(list(JOINTS)), st.text(max_size=3) | st.booleans() | st.none(), min_size=1
    ),
    st.text(max_size=10).filter(bool),
    st.integers(),
    st.lists(st.integers(), min_size=1, max_size=3),
)


def _valid_step(title: str, view: str, pose: object) -> dict:
    step = {"title": title, "caption": f"The view called {title}.", "view": view, "select": ["psoas_major"]}
    return step if pose is None else {**step, "pose": pose}


_BAD_STEP = st.one_of(
    st.builds(lambda t: {"title": t, "caption": "A view with a typo in it.", "select": ["psoaz"]}, st.text()),
    st.builds(lambda t: {"title": t, "caption": "short"}, st.text(max_size=5)),
    st.builds(lambda t: {"title": t, "caption": "An unknown view name here.", "view": "sideways"}, st.text()),
    st.builds(lambda n: {"title": "Zoomed", "caption": "An unknown field in it.", "zoom": n}, st.integers()),
    st.builds(lambda: {"caption": "No title at all in this one."}),
    st.text(max_size=20),
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=3),
)
_STEP = st.one_of(
    st.builds(
        _valid_step,
        st.sampled_from(VALID_TITLES),
        st.sampled_from(["anterior", "left", "oblique"]),
        st.none() | _GOOD_POSE | _BAD_POSE,
    ),
    _BAD_STEP,
)


def _valid_poses(written: list) -> list[Pose]:
    """The poses of those written that read (a shown bookmark comes from one of them)."""
    valid = []
    for angles in written:
        with contextlib.suppress(PoseError):
            valid.append(Pose.of(angles or {}))
    return valid


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(_STEP, max_size=8))
def test_loading_and_saving_keeps_every_step_of_any_file(catalogue, steps):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bookmarks.yaml"
        path.write_text(yaml.safe_dump({"title": "Bookmarks", "steps": steps}), encoding="utf-8")
        store = BookmarkStore(path, catalogue)
        assert len(store.names()) == len(set(store.names()))
        # every step is shown, or kept in the file and reported in one line
        hidden = [p for p in store.problems if "is kept in the file but not shown" in p.message]
        assert len(store.names()) + len(hidden) == len(steps)
        for name in store.names():  # shown in the pose the file gives it
            titles = {name, name.rsplit(" (", 1)[0]}  # as written, or numbered when repeated
            written = [s.get("pose") for s in steps if isinstance(s, dict) and s.get("title") in titles]
            pose = store.get(name).pose
            if all(isinstance(p, dict | type(None)) for p in written):  # angles (names need a body)
                assert Motion().resolve(pose or ()) in _valid_poses(written)
        store.save(Step(title="One more", caption="One more bookmark, saved last."))
        on_disk = steps_on_disk(path)
        assert len(on_disk) == len(steps) + 1 and on_disk[-1]["title"] == "One more"
        for before, after in zip(steps, on_disk, strict=False):
            if isinstance(before, dict) and before.get("title") in VALID_TITLES:
                # the same, but for a number added to a repeated title
                assert {**after, "title": before["title"]} == before
                assert after["title"] == before["title"] or after["title"].startswith(before["title"] + " (")
            else:
                assert after == before
        assert BookmarkStore(path, catalogue).names() == store.names()


def test_windows_saving_at_the_same_moment_lose_nothing(tmp_path, catalogue):
    path = tmp_path / "bookmarks.yaml"
    stores = [BookmarkStore(path, catalogue) for _ in range(3)]
    failures: list[BaseException] = []

    def add_many(store: BookmarkStore, window: int) -> None:
        try:
            for n in range(12):
                store.save(Step(title=f"Window {window} view {n}", caption="Saved while the others saved."))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=add_many, args=(s, i)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    names = BookmarkStore(path, catalogue).names()
    assert sorted(names) == sorted(f"Window {w} view {n}" for w in range(3) for n in range(12))
    for window, store in enumerate(stores):  # each window's own order is kept
        store.refresh()
        assert store.names() == names
        assert [n for n in names if n.startswith(f"Window {window} ")] == [
            f"Window {window} view {n}" for n in range(12)
        ]


@given(text=st.text())
def test_any_title_written_as_yaml_reads_back_the_same(text):
    # PyYAML once wrote NEL (U+0085) raw in single quotes and read it back as a space.
    assert yaml.safe_load(lesson_data_yaml({"title": text}))["title"] == text


def test_a_linked_bookmarks_file_is_written_through_its_link(tmp_path, catalogue, scene):
    """Issue 26, defect 9: saving replaced a symbolic link (to a synced folder, say) with a
    regular file, so the linked file no longer got the bookmarks."""
    synced = tmp_path / "synced"
    synced.mkdir()
    target = synced / "my-bookmarks.yaml"
    path = tmp_path / "data" / "bookmarks.yaml"
    path.parent.mkdir()
    path.symlink_to(target)  # no file there yet: the first save makes it
    store = BookmarkStore(path, catalogue)
    store.save(capture(scene, POSE, "First"))
    store.save(capture(scene, POSE, "Second"))
    assert path.is_symlink() and path.resolve() == target
    assert [step["title"] for step in steps_on_disk(target)] == ["First", "Second"]
    store.delete("First")
    store.delete("Second")  # no bookmark left: the file goes, the link stays
    assert path.is_symlink() and not target.exists()
    target.write_text("title: Bookmarks\nsteps: [\n", encoding="utf-8")  # broken by hand
    store = BookmarkStore(path, catalogue)
    store.save(capture(scene, POSE, "Third"))
    assert path.is_symlink() and [step["title"] for step in steps_on_disk(target)] == ["Third"]
    (kept,) = synced.glob("my-bookmarks.yaml.unreadable-*")
    assert kept.read_text(encoding="utf-8") == "title: Bookmarks\nsteps: [\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["bookmarks.yaml", "bookmarks.yaml.lock"]
