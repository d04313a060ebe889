"""``psoas-atlas section``: the drawing as PNG, SVG and PDF with real text, the JSON of its
measures, and bad input refused in one line."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.cli import main
from app.model.atlas import Atlas
from app.model.sections.planes import LEVELS, Section, SectionError, parse_level
from tests.commands import one_line_error, run_cli


def svg_texts(path: Path) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)", path.read_text(encoding="utf-8")))


def test_svg_keeps_real_text(tmp_path):
    out = tmp_path / "l4-l5.svg"
    assert main(["section", str(out), "--level", "L4/L5"]) == 0
    texts = svg_texts(out)
    assert "Psoas major" in texts and "L4/L5" in texts and "Femoral" in texts
    assert "Reid et al. 1994" in texts


def test_pdf_embeds_text_that_can_be_searched(tmp_path):
    out = tmp_path / "l4-l5.pdf"
    assert main(["section", str(out), "--level", "L4_L5", "--safe-zones"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # TrueType embedded (type 42)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: the text itself is not read back")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Psoas major" in text and "L4/L5" in text and "Uribe" in text


def test_png_has_the_size_asked(tmp_path):
    out = tmp_path / "s1.png"
    assert main(["section", str(out), "--level", "L5_S1", "--size", "1000x800"]) == 0
    with Image.open(out) as image:
        assert image.size == (1000, 800)
    assert not list(tmp_path.glob(".*")), "no temporary file is left beside it"


def test_json_gives_the_slices_measures(tmp_path, capsys):
    out = tmp_path / "l4-l5.png"
    assert main(["section", str(out), "--level", "L4_L5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    scene = Atlas.load().scene()
    piece = scene.slice(scene.sections.at("L4_L5"))
    assert report["level"] == "L4_L5"
    assert report["z_mm"] == pytest.approx(piece.frame.origin[2], abs=0.05)
    assert set(report["structures"]) == set(piece.cuts)
    for sid, cut in piece.cuts.items():
        assert report["structures"][sid]["area_cm2"] == pytest.approx(cut.area_cm2, abs=0.005)
        # The report rounds to 0.1 mm: half a step off at most (and a hair, in floating point).
        assert report["structures"][sid]["centroid"] == pytest.approx(cut.centroid, abs=0.0501)
    femoral = report["nerves"]["femoral_nerve_right"]
    assert femoral["inside"] == "psoas_major_right" and femoral["depth"].endswith("third")
    (published,) = report["references"]["psoas_major_right"]
    assert published["cm2"] == 16 and "Reid JG" in published["citation"]
    assert report["zones"]["source"] == "uribe2010" and "Uribe JS" in report["zones"]["citation"]


def test_pose_and_show_change_what_is_cut(tmp_path, capsys):
    out = tmp_path / "posed.png"
    assert main(["section", str(out), "--level", "L3_L4", "--json", "--show", "psoas_minor_right"]) == 0
    rest = json.loads(capsys.readouterr().out)
    assert "psoas_minor_right" in rest["structures"] and "psoas_minor_left" not in rest["structures"]
    assert main(["section", str(out), "--level", "L3_L4", "--json", "--pose", "trunk_fold"]) == 0
    posed = json.loads(capsys.readouterr().out)
    assert posed["pose"] and posed["plane"]["normal"] != rest["plane"]["normal"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["OUT.png", "--level", "L9"], "unknown level 'L9'; choose from T12"),
        (["OUT.png", "--level", "L4_L5", "--slab", "0"], "1 to 400 mm thick"),
        (["OUT.png", "--level", "L4_L5", "--slab", "-5"], "1 to 400 mm thick"),
        (["OUT.png", "--level", "L4_L5", "--slab", "1e-300"], "1 to 400 mm thick"),
        (["OUT.png", "--level", "L4_L5", "--slab", "nan"], "expected a finite number"),
        (["OUT.gif", "--level", "L4_L5"], ".png, .svg, .pdf"),
        (["OUT.png", "--level", "L4_L5", "--pose", "cartwheel"], "unknown pose 'cartwheel'"),
        (["OUT.png", "--level", "L4_L5", "--show", "spleen"], "unknown structure id 'spleen'"),
        (["OUT.png"], "--level"),
        (["OUT.png", "--level", "L4_L5", "--orientation", "oblique"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, words):
    args = [str(tmp_path / a) if a.startswith("OUT") else a for a in args]
    result = run_cli("section", *args)
    assert result.returncode == 2
    assert words in one_line_error(result)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_a_level_or_one_line_refused(text):
    try:
        level = parse_level(text)
    except SectionError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith("unknown level")
    else:
        assert level in LEVELS


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6)))
def test_any_slab_is_kept_or_one_line_refused(thickness):
    try:
        section = Section(slab_mm=thickness)
    except SectionError as exc:
        assert "\n" not in str(exc)
        assert not (1 <= thickness <= 400) or math.isnan(thickness)
    else:
        assert section.slab_mm is not None and 1 <= section.slab_mm <= 400


JUNK = st.one_of(st.text(max_size=12), st.sampled_from(["L4/L5", "l4-l5", "hip joint", "S2", "L4_L6", ""]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=JUNK, slab=st.one_of(st.none(), st.floats(-10, 10), st.just(float("nan"))))
def test_section_command_takes_any_level_and_slab(tmp_path, capsys, level, slab):
    """Whatever the level and slab, the command writes its drawing or says why not in one
    line with exit status 2: never a traceback, never a file left half-written."""
    out = tmp_path / "junk.svg"
    out.unlink(missing_ok=True)
    args = ["section", str(out), f"--level={level}"] + ([f"--slab={slab}"] if slab is not None else [])
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own refusal (e.g. an empty level), one line too
        status = exc.code
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning: ")]
    if status == 0:
        assert out.is_file() and out.read_text(encoding="utf-8").startswith("<?xml")
    else:
        assert status == 2 and len(err) == 1, err
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
