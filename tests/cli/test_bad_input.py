"""Each defect found by throwing bad input at the atlas, kept found: wrong pictures, crashes,
tracebacks, lost or half-written files. Commands run in this process (``run_cli``), on a copy
of the data set where the data must be damaged, and as a user runs them (a process) where only
a process shows the defect: what VTK writes to the descriptor, a file size limit."""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.cli import main, make_parser
from app.fonts import text_problem
from app.model.anatomy.content import load_library
from app.model.anatomy.landmarks import load_attachments, load_landmarks
from app.model.anatomy.meshes import check_mesh
from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from app.model.io.atomic import atomic_write_bytes, folder_replaced_whole
from app.model.teaching.lessons import lesson_files, load_lesson
from tests.commands import one_line_error, run_cli

LESSON_3 = paths.annotations_dir() / "lessons" / "03-hip-flexion-leg-lift-and-trunk-fold.yaml"


# Wrong pictures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered_lessons(tmp_path_factory):
    """Every shipped lesson rendered by render-lesson at a small size (the handout's
    pictures too: the tests here read the step images)."""
    from app.render.handout import render_lesson

    atlas_scene = _scene()
    out = {}
    for path in lesson_files(paths.annotations_dir()):
        lesson, errors = load_lesson(path, atlas_scene.catalogue)
        assert lesson is not None, errors
        folder = tmp_path_factory.mktemp(path.stem)
        render_lesson(_scene(), lesson, folder, (320, 180), page_picture=(320, 180))
        out[path] = (lesson, folder)
    return out


@functools.cache
def _atlas():
    from app.model.atlas import Atlas

    return Atlas.load()


def _scene():
    """A fresh scene, as the atlas opens (its data set read once: they are never changed)."""
    return _atlas().scene()


def test_every_step_image_is_its_own_step(rendered_lessons):
    """Each step-NN.png is the picture of step NN: the same pixels as that step drawn by
    itself (as screenshot --lesson draws it), and its metadata names that step's title,
    selection and camera. The steps are drawn here last to first, on a fresh scene: a step
    that kept anything from the one before it would differ from render-lesson's, drawn
    first to last."""
    from app.model.teaching.lessons import show_step
    from app.render.snapshot import Exporter

    for lesson, folder in rendered_lessons.values():
        images = sorted(folder.glob("step-*.png"))
        assert len(images) == len(lesson.steps), (lesson.title, images)
        scene = _scene()
        with Exporter(scene) as exporter:
            for index in reversed(range(len(lesson.steps))):
                step, image_path = lesson.steps[index], images[index]
                show_step(scene, lesson, index)
                alone = exporter.render((320, 180))
                written = Image.open(image_path)
                difference = np.abs(np.asarray(written, dtype=int) - np.asarray(alone, dtype=int)).mean()
                assert difference < 1.0, f"{image_path.name} of {lesson.title!r} is not step {index + 1}"
                info = json.loads(written.text["Description"])
                assert written.text["Title"] == step.title == info["title"] and info["step"] == index + 1
                assert info["caption"] == step.caption
                assert info["selected"] == scene.selected and info["structures"] == scene.shown_ids
                if step.camera is not None:
                    assert info["camera"] == step.camera.model_dump(mode="json")
                else:
                    assert info["view"] == step.view


def test_consecutive_steps_do_not_render_alike(rendered_lessons):
    for lesson, folder in rendered_lessons.values():
        images = [np.asarray(Image.open(p), dtype=int) for p in sorted(folder.glob("step-*.png"))]
        for number, (before, after) in enumerate(itertools.pairwise(images), start=1):
            changed = (np.abs(before - after).sum(axis=2) > 30).mean()
            assert changed > 0.02, f"{lesson.title!r}: steps {number} and {number + 1} look the same"


def test_render_lesson_replaces_an_earlier_output_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for n in range(1, 10):  # a longer lesson rendered here before
        (out / f"step-{n:02d}.png").write_bytes(b"old")
    (out / "handout.pdf").write_bytes(b"old")
    result = run_cli("render-lesson", str(LESSON_3), str(out), "--size", "320x180")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"step-0{n}.png" for n in range(1, 6)] + ["handout.pdf"]
    )
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]  # no temporary folder left


def test_render_lesson_failure_leaves_the_folder_as_it_was(tmp_path, monkeypatch, catalogue):
    from app.render import snapshot
    from app.render.handout import render_lesson

    out = tmp_path / "out"
    out.mkdir()
    (out / "step-01.png").write_bytes(b"kept")
    real = snapshot.Exporter.render
    calls = []

    def fail_on_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(snapshot.Exporter, "render", fail_on_third)
    lesson, _ = load_lesson(LESSON_3, catalogue)
    with pytest.raises(OSError, match="No space left"):
        render_lesson(_scene(), lesson, out, (160, 90))
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == ["step-01.png"] and (
        out / "step-01.png"
    ).read_bytes() == b"kept"


def test_render_lesson_never_deletes_other_files(tmp_path):
    out = tmp_path / "slides"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("render-lesson", str(LESSON_3), str(out), "--size", "160x90")
    assert result.returncode == 2
    assert "holds other files (notes.txt)" in one_line_error(result)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_exports_carry_no_fxaa_warning_and_big_sizes_are_refused_clearly(tmp_path):
    out = tmp_path / "x.png"
    result = run_cli(
        "screenshot", str(out), "--size", "320x180", process=True
    )  # VTK writes to the descriptor
    assert result.returncode == 0 and result.stderr == "", result.stderr
    for size in ("9000x100", "8192x8192"):
        result = run_cli("screenshot", str(tmp_path / "big.png"), "--size", size)
        assert result.returncode == 2 and "invalid size" in one_line_error(result)
    assert not (tmp_path / "big.png").exists()


def test_a_blank_render_is_refused_not_written(tmp_path, monkeypatch):
    """What an incomplete framebuffer gives (all one colour) is an error, never a file."""
    import pyvista as pv

    from app.render.snapshot import RenderError, save_screenshot

    blank = np.full((90, 160, 3), 42, dtype=np.uint8)
    monkeypatch.setattr(pv.Plotter, "screenshot", lambda self, **kw: blank)
    with pytest.raises(RenderError, match="OpenGL drew nothing at 160x90"):
        save_screenshot(_scene(), tmp_path / "blank.png", (160, 90))
    assert not list(tmp_path.iterdir())


# Crashes and tracebacks --------------------------------------------------------------------


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "random":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    elif how == "header only":
        path.write_bytes(data[: data.index(b"end_header\n") + 11])


@pytest.mark.parametrize("how", ["truncated", "empty", "random", "header only"])
def test_a_broken_mesh_is_named_and_left_out(data_root, tmp_path, how):
    _damage(data_root / "meshes" / "bones" / "femur_right.ply", how)
    shot = tmp_path / "shot.png"
    result = run_cli(
        "screenshot", str(shot), "--size", "320x180", "--select", "psoas_major_right", root=data_root
    )
    # The picture is drawn without the femur (exit 1: the data set has a problem)...
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "bones/femur_right.ply" in result.stderr and "structures.yaml:" in result.stderr
    assert "femur_right" not in json.loads(Image.open(shot).text["Description"])["structures"]
    # ... and the export leaves it out instead of copying it.
    result = run_cli("export", str(tmp_path / "scene"), root=data_root)
    assert result.returncode == 1 and "femur_right.ply" in result.stderr
    assert not (tmp_path / "scene" / "femur_right.ply").exists()
    assert (tmp_path / "scene" / "femur_left.ply").exists()


def test_mesh_checks_name_each_problem(tmp_path):
    good = paths.meshes_dir() / "bones" / "femur_right.ply"
    assert check_mesh(good) is None
    data = good.read_bytes()
    header_end = data.index(b"end_header\n") + len(b"end_header\n")
    nan = bytearray(data)
    nan[header_end : header_end + 4] = np.float32(np.nan).tobytes()
    cases = {
        "empty": (b"", "empty file"),
        "text": (b"hello world", "not a PLY file"),
        "truncated": (data[: len(data) // 2], "early end-of-file"),
        "nan": (bytes(nan), "not finite"),
        "index": (data[:-4] + np.int32(10**6).tobytes(), "vertices that do not exist"),
        "huge count": (data.replace(b"element vertex 3502", b"element vertex 999999999", 1), "end-of-file"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / f"{name}.ply"
        path.write_bytes(content)
        problem = check_mesh(path)
        assert problem is not None and expected in problem, (name, problem)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "binary"])
def test_files_that_are_not_utf8_are_one_line_each(data_root, encoding, tmp_path):
    def spoil(path: Path) -> None:
        if encoding == "binary":
            path.write_bytes(bytes(range(256)) * 4)
        else:
            path.write_bytes(("# Psoäs\n" + path.read_text(encoding="utf-8")).encode(encoding))

    lesson = data_root / "annotations" / "lessons" / LESSON_3.name
    content = data_root / "annotations" / "content" / "nerves.yaml"
    for path in (lesson, content):
        spoil(path)
        result = run_cli("validate", str(path))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        (line,) = result.stdout.splitlines()
        assert line.startswith(f"{path}:") and line.endswith(": not UTF-8 text")
    catalogue, _ = load_catalogue(paths.structures_file(), paths.meshes_dir())
    _, problems = load_library(data_root / "annotations", catalogue)
    assert [p.message for p in problems] == ["not UTF-8 text"]
    spoil(data_root / "annotations" / "structures.yaml")
    result = run_cli("list", root=data_root)
    assert result.returncode == 2 and "not UTF-8 text" in one_line_error(result)


BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)),
        "title: laughs",
        "steps: *i",
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BILLION_LAUGHS, "too many values"),
        ("steps: " + "[" * 100_000, "nested too deeply"),
        ("title: big\nsteps:\n  - title: x\n    caption: " + "y" * 1_200_000, "file too large"),
        ("title: x\nsteps: &s [*s]", "refers to a value that contains it"),
    ],
)
def test_yaml_bombs_are_refused_in_a_moment(tmp_path, text, expected):
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    start = time.perf_counter()
    result = run_cli("validate", str(path))
    assert time.perf_counter() - start < 20
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # One line naming the file and the line, in this program's words whichever parser refused
    # it first (libyaml has its own bound on brackets, worded its own way).
    assert len(result.stdout.splitlines()) == 1, result.stdout
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: ", result.stdout), result.stdout
    assert expected in result.stdout and "invalid YAML" not in result.stdout, result.stdout


def test_long_texts_are_refused_before_rendering(tmp_path):
    lesson = tmp_path / "long.yaml"
    lesson.write_text("title: Long\nsteps:\n  - title: One\n    caption: " + "word " * 400_00 + "\n")
    result = run_cli("screenshot", str(tmp_path / "x.png"), "--lesson", str(lesson), "--size", "320x180")
    assert result.returncode == 2 and "at most 1200 characters" in result.stderr
    result = run_cli("screenshot", str(tmp_path / "x.png"), "--caption", "x" * 100_000)
    assert result.returncode == 2 and "too long" in one_line_error(result)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("option", ["--title", "--caption"])
@pytest.mark.parametrize(
    "text",
    [
        "العضلة القطنية",
        "Psoas \x1b[2J",
        "bell\x07",
        "nul\x00",
        "csi\x9b",
        "\ue000 private",
        "bone \U0001f9b4",
    ],
)
def test_drawn_texts_on_the_command_line_follow_the_one_rule(tmp_path, capsys, option, text):
    """--caption as --title: what text_problem refuses is one line and exit 2, before anything loads."""
    out = tmp_path / "out.png"
    with pytest.raises(SystemExit) as exited:
        main(["screenshot", str(out), option, text])
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    problem = text_problem(text, line_breaks=option == "--caption")
    assert problem and line.startswith(
        f"psoas-atlas screenshot: error: argument {option}: cannot be drawn: {problem}"
    )
    assert not out.exists()


def test_a_caption_may_break_lines_and_a_title_may_not(capsys):
    parser = make_parser()
    assert parser.parse_args(["screenshot", "out.png", "--caption", "two\nlines"]).caption == "two\nlines"
    with pytest.raises(SystemExit):
        parser.parse_args(["screenshot", "out.png", "--title", "two\nlines"])
    assert "--title: cannot be drawn: a line break is not allowed here" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"units": "mm", "frame": "RAS", "landmarks": [1, 2]}', "NaN", '["mm"]'],
)
def test_broken_landmark_files_do_not_stop_list_or_export(data_root, tmp_path, content):
    (data_root / "meshes" / "landmarks.json").write_text(content)
    result = run_cli("list", root=data_root)
    assert result.returncode == 1 and "landmarks.json" in result.stderr and "Traceback" not in result.stderr
    assert "femoral_nerve_right" in result.stdout


def test_nan_landmarks_and_attachments_are_left_out_and_never_exported(data_root, tmp_path):
    landmarks_path = data_root / "meshes" / "landmarks.json"
    data = json.loads(landmarks_path.read_text())
    data["landmarks"]["asis_left"] = [float("nan"), 0, 0]
    data["landmarks"]["asis_right"] = [1, 2]
    landmarks_path.write_text(json.dumps(data, indent=2))
    attachments_path = data_root / "meshes" / "attachments.json"
    attachments = json.loads(attachments_path.read_text())
    attachments["attachments"][0]["points"][0] = [0, float("inf"), 0]
    attachments["attachments"][1] = "junk"
    attachments_path.write_text(json.dumps(attachments))
    landmarks, problems = load_landmarks(landmarks_path)
    assert "asis_left" not in landmarks and "asis_right" not in landmarks and len(problems) == 2
    assert all(p.line > 1 for p in problems)
    kept, problems = load_attachments(attachments_path)
    assert len(kept) == len(attachments["attachments"]) - 2 and len(problems) == 2
    result = run_cli("export", str(tmp_path / "scene"), root=data_root)
    assert result.returncode == 1 and "asis_left" in result.stderr
    scene = json.loads((tmp_path / "scene" / "scene.json").read_text())  # valid JSON: no NaN
    assert "asis_left" not in scene["landmarks"] and "asis_right" in json.dumps(data)


@pytest.mark.parametrize("damage", ["deleted", "broken", "empty list"])
@pytest.mark.parametrize(
    "command", [["list"], ["screenshot", "{tmp}/x.png"], ["export", "{tmp}/g", "--format", "glb"]]
)
def test_no_structures_file_is_one_line_for_every_command(data_root, tmp_path, damage, command):
    structures = data_root / "annotations" / "structures.yaml"
    if damage == "deleted":
        structures.unlink()
    elif damage == "broken":
        structures.write_text("structures: [\n  - id: x\n")
    else:
        structures.write_text("structures: []\n")
    result = run_cli(*(part.format(tmp=tmp_path) for part in command), root=data_root)
    assert result.returncode == 2
    assert "no structures to show" in one_line_error(result)
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "g").exists()


@pytest.mark.parametrize(
    ("camera", "message"),
    [
        ("{position: [.nan, 0, 0], focal_point: [0, 0, 0], up: [0, 0, 1]}", "finite"),
        ("{position: [.inf, 0, 0], focal_point: [0, 0, 0], up: [0, 0, 1]}", "finite"),
        ("{position: [1e308, 0, 0], focal_point: [0, 0, 0], up: [0, 0, 1]}", "within"),
        ("{position: [0, 500, 0], focal_point: [0, 0, 0], up: [0, 1, 0]}", "along the line of sight"),
        ("{position: [0, 500, 0], focal_point: [0, 0, 0], up: [0, 0, 0]}", "must not be zero"),
        ("{position: [0, 0, 0], focal_point: [0, 0, 0], up: [0, 0, 1]}", "must be apart"),
    ],
)
def test_cameras_that_cannot_draw_are_refused_with_their_line(tmp_path, catalogue, camera, message):
    path = tmp_path / "camera.yaml"
    path.write_text(
        f"title: Cameras\nsteps:\n  - title: One\n    caption: A camera to check.\n    camera: {camera}\n"
    )
    lesson, errors = load_lesson(path, catalogue)
    assert lesson is None and len(errors) == 1
    assert errors[0].line == 5 and message in errors[0].message, errors


# Lost data ----------------------------------------------------------------------------------


def test_export_on_a_full_disk_leaves_the_earlier_export(tmp_path, monkeypatch):
    import app.export

    out = tmp_path / "scene"
    assert main(["export", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written = []

    def full_disk(path, data):
        written.append(path)
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        atomic_write_bytes(path, data)

    monkeypatch.setattr(app.export, "atomic_write_bytes", full_disk)
    assert main(["export", str(out)]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["scene"]


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "private.png"
    path.write_bytes(b"old")
    path.chmod(0o600)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and (path.stat().st_mode & 0o777) == 0o600
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o750)
    with folder_replaced_whole(folder, lambda name: True) as fresh:
        (fresh / "a.txt").write_text("a")
    assert (folder.stat().st_mode & 0o777) == 0o750 and (folder / "a.txt").exists()


# Security -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mesh", ["../../../../etc/passwd", "/etc/passwd", "bones/link.ply"])
def test_mesh_paths_stay_inside_the_meshes_folder(data_root, tmp_path, mesh):
    (data_root / "meshes" / "bones" / "link.ply").symlink_to("/etc/passwd")
    structures = data_root / "annotations" / "structures.yaml"
    text = structures.read_text()
    structures.write_text(text.replace("mesh: bones/femur_right.ply", f"mesh: {mesh}"))
    catalogue, problems = load_catalogue(structures, data_root / "meshes")
    assert "femur_right" not in catalogue
    assert len(problems) == 1 and "outside the meshes folder" in problems[0].message
    result = run_cli("export", str(tmp_path / "scene"), root=data_root)
    assert result.returncode == 1
    assert not any("root:" in p.read_text(errors="replace") for p in (tmp_path / "scene").iterdir())


# Small ----------------------------------------------------------------------------------------


def test_select_and_view_with_a_lesson_are_honoured(tmp_path):
    out = tmp_path / "x.png"
    result = run_cli(
        "screenshot", str(out), "--lesson", str(LESSON_3), "--step", "2", "--select", "iliacus_left",
        "--view", "posterior", "--size", "160x90",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    info = json.loads(Image.open(out).text["Description"])
    assert info["selected"] == "iliacus_left" and info["view"] == "posterior"
    assert info["title"] == "Leg lift"
    result = run_cli("screenshot", str(out), "--step", "2")
    assert result.returncode == 2 and "--step needs --lesson" in one_line_error(result)


def test_misspelled_keys_get_a_hint_and_merge_keys_work(tmp_path, catalogue):
    path = tmp_path / "lesson.yaml"
    path.write_text("titel: A lesson\nsteps:\n  - title: One\n    caption: Long enough caption.\n")
    _, errors = load_lesson(path, catalogue)
    assert [str(e) for e in errors] == [f"{path}:1: 'titel': unknown field (did you mean 'title'?)"]
    path.write_text("title: A lesson\nstep:\n  - title: One\n")
    _, errors = load_lesson(path, catalogue)
    assert [e.message for e in errors] == ["expected a mapping with 'steps:' (found 'step': a typo?)"]
    path.write_text(
        "title: Merged\n"
        "steps:\n"
        "  - &first {title: One, view: right, select: [psoas_major_right], caption: The same caption.}\n"
        "  - <<: *first\n    title: Two\n    view: anterior\n"
    )
    lesson, errors = load_lesson(path, catalogue)
    assert errors == [] and lesson is not None
    assert [(s.title, s.view, s.select) for s in lesson.steps] == [
        ("One", "right", ("psoas_major_right",)),
        ("Two", "anterior", ("psoas_major_right",)),
    ]


# The viewer -------------------------------------------------------------------------------------


def test_the_viewer_starts_without_what_is_damaged_and_lists_it(open_window, qtbot, data_root):
    """A truncated femur, a content file, a lesson and the bookmarks not UTF-8: the window
    opens with the rest, lists each problem, and selecting what attached to the femur works."""
    from PySide6.QtCore import Qt

    from app.model.atlas import Atlas
    from app.model.teaching.bookmarks import BookmarkStore

    _damage(data_root / "meshes" / "bones" / "femur_right.ply", "truncated")
    for path in (
        data_root / "annotations" / "content" / "bones.yaml",
        data_root / "annotations" / "lessons" / LESSON_3.name,
    ):
        path.write_bytes((path.read_text() + "# fémur\n").encode("latin-1"))
    bookmarks = data_root / "bookmarks.yaml"
    bookmarks.write_bytes("title: Bookmarks\nsteps: []  # café\n".encode("utf-16"))
    atlas = Atlas.load(data_root, teaching=True)
    store = BookmarkStore(bookmarks, atlas.catalogue)
    window = open_window(atlas.scene(), atlas.library, atlas.problems, bookmarks=store, lessons=atlas.lessons)
    listed = "\n".join(str(p) for p in window.problems)
    assert "femur_right.ply: broken PLY file" in listed
    for name in ("bones.yaml", LESSON_3.name):
        assert re.search(rf"{re.escape(name)}:\d+: not UTF-8 text", listed), name
    assert "bookmarks.yaml:1: not UTF-8 text" in listed
    assert "femur_right" not in window.renderer.actors
    shipped = len(list((data_root / "annotations" / "lessons").glob("*.yaml")))
    assert len(window.lessons) == shipped - 1  # all but the damaged one (naming the right femur is no harm)
    scene = window.scene
    scene.select("psoas_major_right")  # its insertion was on the missing femur
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_I)
    assert scene.is_visible("psoas_major_right") and "femur_right" not in scene.visible_ids
    scene.select("femoral_nerve_right")
    assert window.renderer.emphasis.current.root_levels


@pytest.mark.parametrize("command", ["build-meshes", "render-lesson", "export"])
def test_an_output_folder_under_a_file_is_one_line(tmp_path, command):
    # build-meshes printed a NotADirectoryError traceback after building for 25 s.
    (tmp_path / "a-file").write_text("mine")
    out = str(tmp_path / "a-file" / "meshes")
    args = {"build-meshes": ["--out", out], "render-lesson": [str(LESSON_3), out], "export": [out]}[command]
    result = run_cli(command, *args)
    assert result.returncode == 2
    assert "is a file" in one_line_error(result)
    assert (tmp_path / "a-file").read_text() == "mine"


@pytest.mark.parametrize("option", ["--title", "--caption"])
def test_an_undecodable_byte_in_drawn_text_is_one_line(tmp_path, option):
    """A byte that is not UTF-8 reaches Python as a lone surrogate, which no font has and no
    file can hold: said as the byte it was. (Python decodes a process's arguments so: the byte
    0xFF arrives as the surrogate U+DCFF.)"""
    out = tmp_path / "out.png"
    assert os.fsdecode(b"ab\xffcd") == "ab\udcffcd"
    result = run_cli("screenshot", str(out), option, os.fsdecode(b"ab\xffcd"))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert f"argument {option}: not UTF-8 text (the byte 0xFF)" in line and not out.exists()


def test_glb_export_never_deletes_other_files_and_a_full_disk_leaves_no_folder(tmp_path):
    """As the PLY export: a folder holding other files is refused; a failed write (a file size
    limit standing for a full disk) leaves neither the folder nor a temporary one."""
    import resource

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("mine")
    result = run_cli("export", str(shared), "--format", "glb")
    assert result.returncode == 2 and "holds other files (notes.txt)" in one_line_error(result)
    assert [p.name for p in shared.iterdir()] == ["notes.txt"]

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    result = subprocess.run(
        [sys.executable, "-m", "app", "export", "new", "--format", "glb"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, preexec_fn=small_files,
    )  # fmt: skip
    assert result.returncode == 2 and "cannot export to new" in one_line_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared"]


@pytest.mark.parametrize(
    ("name", "key"),
    [("structures.yaml", "structures"), ("lessons/a.yaml", "steps"), ("motion.yaml", "poses"),
     ("notes.yaml", "content")],
)  # fmt: skip
def test_a_list_shaped_file_is_told_the_key_its_kind_needs(tmp_path, capsys, name, key):
    """A file whose keys cannot tell its kind is known by its name (it was told 'content:')."""
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("- id: x\n")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:1: expected a mapping with '{key}:' at the top of the file"
    ]
