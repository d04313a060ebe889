"""Rendered text in Greek, Cyrillic and CJK shows its glyphs; right-to-left text and
characters no installed font has are refused with one clear line."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont

from app import fonts
from app.fonts import font_for, text_problem, wrap
from app.model.io import paths
from tests.commands import run_cli

GREEK = "Ψοΐτης μείζων"
CYRILLIC = "Поясничная мышца"
CJK = "大腰肌と腸骨筋 큰허리근"
#: An unassigned code point: no font has it.
MISSING = "\u0378"
ROOT = Path(__file__).resolve().parents[2]


def cjk_font() -> Path:
    font = font_for(CJK)
    assert font.path.name != "DejaVuSans.ttf", "no CJK font: run scripts/install-system-packages"
    return font.path


def test_latin_greek_and_cyrillic_use_dejavu_sans_and_bold_text_its_bold_face():
    for text in ("Psoas major", GREEK, CYRILLIC, "Th12\u2013L4 · ≤ 5 mm"):
        assert font_for(text).path.name == "DejaVuSans.ttf"
        bold = font_for(text).path.with_name("DejaVuSans-Bold.ttf")
        assert font_for(text, bold=True) == fonts.Font(bold, bold=True)
        assert font_for(text).path.is_file()


def test_cjk_text_uses_an_installed_font_that_has_every_character():
    path = cjk_font()
    assert {ord(c) for c in CJK if not c.isspace()} <= fonts.characters(path)
    assert font_for("L4 腰椎").path == path  # mixed text: one font has all of it


def test_text_problem_accepts_what_a_font_has():
    for text in ("", "Psoas major", GREEK, CYRILLIC, CJK, "Ψ 腰"):
        assert text_problem(text) is None, text
    assert text_problem("line\nbreak", line_breaks=True) is None  # a caption's (controls: tests/model)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("العضلة القطنية", "Arabic"),
        ("שריר המותן", "Hebrew"),
        ("Psoas \u202eroijam", "right-to-left override"),
    ],
)
def test_right_to_left_text_is_refused(text, script):
    assert text_problem(text) == f"right-to-left text ({script}) is not supported in rendered text"


def test_characters_no_font_has_are_refused_by_name():
    problem = text_problem("Psoas नमस्ते")
    assert problem is not None and "\n" not in problem
    assert problem.startswith("no installed font has the characters 'त' (U+0924), 'न' (U+0928)")
    assert text_problem(f"a{MISSING}b") == "no installed font has the character '\u0378' (U+0378)"


def test_wrap_counts_wide_characters_twice_and_breaks_between_them():
    latin = "The psoas major arises from the bodies of T12 to L4 and the discs between them"
    assert wrap(latin, 30) == textwrap.wrap(latin, 30)
    caption = "大腰肌起于第十二胸椎至第四腰椎的椎体和横突\uff0c止于股骨小转子。 It flexes the hip."
    lines = ["大腰肌起于第十二胸椎", "至第四腰椎的椎体和横", "突\uff0c止于股骨小转子。", "It flexes the hip."]
    assert wrap(caption, 20) == lines


def test_labels_and_legend_use_the_chosen_font(scene):
    import pyvista as pv
    from vtkmodules.vtkCommonCore import VTK_FONT_FILE

    from app.render.labels import Label, LabelLayer
    from app.render.scene_renderer import SceneRenderer

    plotter = pv.Plotter(off_screen=True, window_size=[320, 240])
    try:
        layer = LabelLayer(plotter)
        layer.set_labels([Label((0, 0, 0), CJK), Label((1, 0, 0), GREEK, bold=True)])
        props = [actor.GetTextProperty() for actor in layer._texts]
        assert [p.GetFontFamily() for p in props] == [VTK_FONT_FILE, VTK_FONT_FILE]
        assert Path(props[0].GetFontFile()) == cjk_font()
        assert Path(props[1].GetFontFile()).name == "DejaVuSans-Bold.ttf"
        layer.remove()
        renderer = SceneRenderer(plotter, scene)
        scene.select("psoas_major_left")
        legend = renderer.emphasis.legend
        assert legend.shown and len(legend.text_properties()) == 3  # selected, origin, insertion
        assert {Path(p.GetFontFile()).name for p in legend.text_properties()} == {"DejaVuSans.ttf"}
        renderer.disconnect()
    finally:
        plotter.close()


def ink(image: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Pixels of the top eighth (the title) that differ from the image without a title."""
    top = slice(0, image.shape[0] // 8)
    return np.abs(image[top, :, :3].astype(int) - base[top, :, :3].astype(int)).sum(axis=2) > 90


def test_screenshot_titles_show_their_glyphs(scene, monkeypatch):
    """Each title drawn with the font chosen for it, and with VTK's own font, which has none
    of these glyphs: VTK draws nothing for a glyph its font lacks (not even a box)."""
    from app.render import overlay
    from app.render.snapshot import Annotations, Exporter

    size = (1280, 720)  # (the title's size follows the picture's: about full size here)
    titles = (GREEK, CYRILLIC, CJK)
    with Exporter(scene) as exporter:
        base = exporter.render(size, Annotations(labels=False))

        def title_ink(title: str) -> np.ndarray:
            return ink(exporter.render(size, Annotations(labels=False, title=title)), base)

        drawn = [title_ink(t) for t in titles]
        monkeypatch.setattr(overlay, "use_font", lambda prop, text, bold=False: prop.SetFontFamilyToArial())
        default = [title_ink(t) for t in titles]
    for title, glyphs, vtk_font in zip(titles, drawn, default, strict=True):
        columns = np.flatnonzero(glyphs.any(axis=0))
        assert glyphs.sum() > 40 * len(title), title  # about a glyph's worth of pixels per character
        assert columns[-1] - columns[0] > 10 * len(title), title  # drawn across the title's width
        assert glyphs.sum() > 5 * vtk_font.sum(), title  # VTK's Arial leaves blanks


@pytest.mark.parametrize(("title", "script"), [("العضلة القطنية", "Arabic"), ("שריר המותן", "Hebrew")])
def test_screenshot_command_refuses_right_to_left_titles(tmp_path, title, script):
    out = tmp_path / "out.png"
    result = run_cli("screenshot", str(out), "--title", title, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr == (
        f"psoas-atlas screenshot: error: argument --title: cannot be drawn: right-to-left text ({script}) "
        "is not supported in rendered text (see psoas-atlas screenshot --help)\n"
    )
    assert not out.exists()


def test_handout_fonts_have_every_glyph_and_are_embedded(tmp_path):
    """matplotlib warns of each glyph its font lacks (and draws a box): none here, and the
    PDF embeds DejaVu Sans and the CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from app.render.fonts import matplotlib_font

    page = Figure(figsize=(6, 3))
    for i, text in enumerate((GREEK, CYRILLIC, CJK)):
        page.text(0.05, 0.8 - 0.3 * i, text, fontproperties=matplotlib_font(text, bold=i == 0), fontsize=14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page.savefig(tmp_path / "page.pdf")
    pdf = (tmp_path / "page.pdf").read_bytes()
    with TTFont(cjk_font(), fontNumber=0, lazy=True) as font:
        cjk_name = font["name"].getDebugName(6)
    for name in ("DejaVuSans-Bold", "DejaVuSans", cjk_name):
        assert f"+{name}".encode() in pdf, name


def test_lesson_handout_draws_titles_and_captions_with_their_glyphs(scene, tmp_path):
    from app.model.teaching.lessons import load_lesson
    from app.render.handout import render_lesson

    shipped = sorted((paths.annotations_dir() / "lessons").glob("*.yaml"))[0]
    lesson, errors = load_lesson(shipped, scene.catalogue)
    assert lesson is not None, errors
    step = lesson.steps[0].model_copy(update={"title": GREEK, "caption": f"{CYRILLIC}. {GREEK}."})
    lesson = lesson.model_copy(update={"title": CJK, "steps": (step,)})
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")  # what a box is drawn for
        written = render_lesson(scene, lesson, tmp_path / "out", (320, 180))
    pdf = written[-1].read_bytes()
    with TTFont(cjk_font(), fontNumber=0, lazy=True) as font:
        cjk_name = font["name"].getDebugName(6)
    assert b"+DejaVuSans" in pdf and f"+{cjk_name}".encode() in pdf


def test_export_dialog_says_why_a_title_cannot_be_drawn_and_does_not_save_it(qtbot):
    from app.qt.export_dialog import ExportImageDialog

    dialog = ExportImageDialog((800, 600), "Right psoas major")
    qtbot.addWidget(dialog)
    assert dialog.save.isEnabled() and dialog.problem.isHidden()
    dialog.title.setText("العضلة القطنية")
    assert not dialog.save.isEnabled()
    assert dialog.problem.text() == "Title: right-to-left text (Arabic) is not supported in rendered text"
    dialog.title.setText(CJK)
    dialog.caption.setText(f"{GREEK}, {CYRILLIC}")
    assert dialog.save.isEnabled() and dialog.problem.isHidden()
    assert dialog.options()[1].title == CJK
