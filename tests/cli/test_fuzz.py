"""Generated bad input (Hypothesis) thrown at every loader and every command.

Whatever the bytes, a loader returns what is valid and a list of ``file:line: message``
problems, never raises; a command exits non-zero with one line on stderr (warnings apart),
never a traceback, and leaves no file behind. ``BAD_INPUTS`` counts what was tried.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.model.anatomy.content import load_content, load_sources
from app.model.anatomy.landmarks import load_attachments, load_landmarks
from app.model.anatomy.meshes import check_mesh
from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from app.model.io.documents import Problem
from app.model.scene.state import SceneModel
from app.model.teaching.bookmarks import BookmarkStore
from app.model.teaching.lessons import apply_step, load_lesson

LESSON_1 = paths.annotations_dir() / "lessons" / "01-where-the-psoas-attaches.yaml"
#: How many generated inputs each test threw (printed at the end of the run with -s).
BAD_INPUTS: Counter[str] = Counter()
EXAMPLES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Field names of every schema, so that generated documents often look nearly right.
WORDS = [
    "title", "steps", "caption", "view", "camera", "position", "focal_point", "up", "show", "hide",
    "select", "xray", "opacity", "labels", "summary", "structures", "id", "name", "latin", "kind",
    "side", "group", "color", "mesh", "visible", "variant", "roots", "content", "sources", "text",
    "origin", "insertion", "action", "innervation", "course", "supplies", "features", "clinical",
    "misconceptions", "claim", "correction", "units", "frame", "landmarks", "attachments", "muscle",
    "role", "bone", "points", "psoas_major_right", "femur_left", "anterior", "all", "L2", "mm", "RAS",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=40,
)


@st.composite
def documents(draw) -> bytes:
    """Bytes of a bad document: YAML of random values (often near a schema), mutilated YAML,
    random text or random bytes."""
    kind = draw(st.sampled_from(["yaml", "cut", "text", "bytes", "json"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "text":
        return draw(st.text(max_size=600)).encode("utf-8", "surrogatepass")
    data = draw(values)
    text = json.dumps(data, default=str) if kind == "json" else yaml.safe_dump(data, allow_unicode=True)
    if kind == "cut":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=12)) + text[at:]
    return text.encode("utf-8", "surrogatepass")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _problems_are_located(problems: list[Problem], path: Path) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert str(problem).startswith(str(path)) and problem.message and "\n" not in problem.message


@EXAMPLES
@given(data=documents())
def test_annotation_loaders_never_raise(tmp_path, catalogue, data):
    BAD_INPUTS["annotation documents"] += 1
    path = _write(tmp_path, "doc.yaml", data)
    found, problems = load_catalogue(path, paths.meshes_dir())
    _problems_are_located(problems, path)
    assert all(s.id in found for s in found)
    lesson, problems = load_lesson(path, catalogue)
    _problems_are_located(problems, path)
    if lesson is not None:  # whatever validates must also apply
        scene = SceneModel(catalogue)
        for step in lesson.steps:
            apply_step(scene, step)
    sources, problems = load_sources(path)
    _problems_are_located(problems, path)
    _, problems = load_content([path], catalogue, sources)
    _problems_are_located(problems, path)


@EXAMPLES
@given(data=documents())
def test_data_files_never_raise_and_never_let_nan_through(tmp_path, data):
    BAD_INPUTS["landmark and attachment files"] += 1
    path = _write(tmp_path, "data.json", data)
    landmarks, problems = load_landmarks(path)
    _problems_are_located(problems, path)
    assert all(math.isfinite(c) for point in landmarks.values() for c in point)
    attachments, problems = load_attachments(path)
    _problems_are_located(problems, path)
    assert all(math.isfinite(c) for a in attachments for p in a.points for c in p)


@EXAMPLES
@given(data=documents())
def test_bookmark_files_never_raise_nor_lose_what_they_hold(tmp_path, catalogue, data):
    BAD_INPUTS["bookmark files"] += 1
    folder = tmp_path / f"b{BAD_INPUTS['bookmark files']}"
    folder.mkdir()
    path = _write(folder, "bookmarks.yaml", data)
    store = BookmarkStore(path, catalogue)
    _problems_are_located(store.problems, path)
    before = sorted(store.names())
    from app.model.scene.views import CameraPose
    from app.model.teaching.bookmarks import capture

    pose = CameraPose(position=(0.0, 600.0, 0.0), focal_point=(0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0))
    name = store.save(capture(SceneModel(catalogue), pose, "Generated"))
    again = BookmarkStore(path, catalogue)
    assert set(before) | {name} <= set(again.names())
    # A file that did not read was set aside, never overwritten.
    aside = list(folder.glob("bookmarks.yaml.unreadable-*"))
    assert (store.problems and not before and aside and aside[0].read_bytes() == data) or not aside


@EXAMPLES
@given(cut=st.floats(0.0, 1.0), junk=st.binary(max_size=64), where=st.floats(0.0, 1.0))
def test_mesh_check_never_raises(tmp_path, cut, junk, where):
    BAD_INPUTS["mesh files"] += 1
    data = (paths.meshes_dir() / "nerves" / "femoral_nerve_left.ply").read_bytes()
    data = data[: int(len(data) * cut)] if cut < 0.98 else data
    at = int(len(data) * where)
    data = data[:at] + junk + data[at + len(junk) :]
    path = _write(tmp_path, f"m{BAD_INPUTS['mesh files']}.ply", data)
    problem = check_mesh(path)
    assert problem is None or (isinstance(problem, str) and "\n" not in problem)
    if problem is None:  # what passes is safe for VTK to read
        import pyvista as pv

        mesh = pv.read(path)
        assert mesh.n_cells > 0


# Commands --------------------------------------------------------------------------------------

bad_sizes = st.one_of(
    st.text(max_size=12),
    st.tuples(st.integers(-100, 100_000), st.integers(-100, 100_000))
    .filter(lambda s: not (16 <= s[0] <= 8192 and 16 <= s[1] <= 8192 and s[0] * s[1] <= 40_000_000))
    .map(lambda s: f"{s[0]}x{s[1]}"),
)
bad_ids = st.text(min_size=1, max_size=20).filter(lambda t: not t.startswith("-") and t not in WORDS)


@st.composite
def bad_command(draw, tmp: Path) -> list[str]:
    """An argument list with at least one thing wrong, of every command but the viewer."""
    lesson = tmp / "lesson.yaml"
    text = draw(documents())
    for key in (b"steps", b"sources", b"content", b"structures"):  # never a valid file of any kind
        text = text.replace(key, key[:-1])
    lesson.write_bytes(text)
    (tmp / "out").mkdir()
    out_png = str(tmp / "out" / "x.png")
    command = draw(st.sampled_from(["screenshot", "export", "render-lesson", "validate", "list", "nothing"]))
    if command == "screenshot":
        wrong = draw(
            st.sampled_from(["size", "view", "select", "out", "title", "lesson", "step", "flag", "caption"])
        )
        args = ["screenshot", out_png]
        if wrong == "size":
            args += ["--size", draw(bad_sizes)]
        elif wrong == "view":
            args += ["--view", draw(bad_ids)]
        elif wrong == "select":
            args += ["--select", draw(bad_ids)]
        elif wrong == "out":
            args[1] = draw(st.sampled_from([str(tmp / "missing" / "x.png"), str(tmp / "x.jpg"), str(tmp)]))
        elif wrong == "title":
            args += ["--title", draw(st.sampled_from(["x" * 121, "عضلة", "שריר", "\U0001f600\u0e01"]))]
        elif wrong == "caption":
            args += ["--caption", "y" * draw(st.integers(1201, 5000))]
        elif wrong == "lesson":
            args += ["--lesson", draw(st.sampled_from([str(lesson), str(tmp / "none.yaml")]))]
        elif wrong == "step":
            args += ["--step", draw(st.sampled_from(["0", "-1", "x", "99"]))]
            if draw(st.booleans()):
                args += [
                    "--lesson",
                    str(LESSON_1),
                ]
        else:
            args += [draw(st.sampled_from(["--sise", "--labels=maybe", "--transparent=1"]))]
        return args
    if command == "export":
        return draw(
            st.sampled_from(
                [
                    ["export", str(tmp / "missing" / "deeper")],
                    ["export", str(lesson)],
                    ["export", str(tmp / "e"), "--format", "obj"],
                ]
            )
        )
    if command == "render-lesson":
        return draw(
            st.sampled_from(
                [
                    ["render-lesson", str(lesson), str(tmp / "r")],
                    ["render-lesson", str(tmp / "none.yaml"), str(tmp / "r")],
                    ["render-lesson", str(lesson), str(tmp / "r"), "--size", "5x5"],
                    ["render-lesson", str(LESSON_1), str(lesson)],
                ]
            )
        )  # fmt: skip
    if command == "validate":
        return [
            "validate",
            str(lesson),
            *draw(st.lists(st.sampled_from([str(tmp / "none.yaml"), str(lesson)]), max_size=2)),
        ]
    if command == "list":
        return ["list", draw(st.sampled_from(["--jsn", "--json=yes", "extra"]))]
    return [draw(bad_ids.filter(lambda t: t not in {"view", "list", "bench"}))]


@pytest.fixture
def restore_vtk_window(monkeypatch):
    """Commands choose EGL for their renders: keep that choice out of later window tests; and
    a bad command must fail before anything is drawn, so drawing is an error here."""
    import os

    from app.render import handout, snapshot

    monkeypatch.setenv("VTK_DEFAULT_OPENGL_WINDOW", os.environ.get("VTK_DEFAULT_OPENGL_WINDOW", ""))

    def drawn(*args, **kwargs):
        raise AssertionError("a bad command went on to draw")

    monkeypatch.setattr(snapshot, "save_screenshot", drawn)
    monkeypatch.setattr(handout, "render_lesson", drawn)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_commands_fail_in_one_line(tmp_path, restore_vtk_window, data):
    BAD_INPUTS["command lines"] += 1
    tmp = tmp_path / f"c{BAD_INPUTS['command lines']}"
    tmp.mkdir()
    argv = data.draw(bad_command(tmp))
    before = sorted(p.name for p in tmp.rglob("*"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse
            status = exc.code if isinstance(exc.code, int) else 2
    assert status != 0, (argv, out.getvalue(), err.getvalue())
    assert "Traceback" not in err.getvalue() + out.getvalue()
    errors = [line for line in err.getvalue().splitlines() if not line.startswith("warning: ")]
    if argv[0] == "validate":  # problems go to stdout, each file:line: message
        assert status == 1 and len(errors) == 1
        for line in out.getvalue().splitlines():
            assert re.match(r"^/.+?(:\d+)?: \S", line), line
    else:
        assert len(errors) == 1, (argv, err.getvalue())
        assert errors[0].startswith("psoas-atlas"), errors[0]
    assert sorted(p.name for p in tmp.rglob("*")) == before, argv  # nothing written, nothing left
