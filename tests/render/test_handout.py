"""The handout PDF is for paper (issue 28, item 11): every step's title and caption are
real text in it, and its pages are light. Read back with poppler's pdftotext and pdftoppm
(no PDF reader is in the lock; the tests skip, saying so, where poppler is missing)."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from app.model.atlas import Atlas
from app.model.io import paths
from app.model.teaching.lessons import load_lesson
from app.render.handout import render_lesson

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed: the PDF cannot be read back",
)


def words(text: str) -> str:
    """Text with its line breaks and runs of spaces made one space (a caption wraps)."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    atlas = Atlas.load()
    scene = atlas.scene()
    path = next((paths.annotations_dir() / "lessons").glob("08-*.yaml"))
    lesson, errors = load_lesson(path, scene.catalogue, scene.poses)
    assert lesson is not None, errors
    out = tmp_path_factory.mktemp("lesson")
    written = render_lesson(scene, lesson, out, (480, 270))
    return lesson, written[-1]


@needs_poppler
def test_every_title_and_caption_is_text_in_the_handout(handout):
    """Before, pdftotext found only the lesson's title and the footer: the step's title and
    caption were pixels of the picture, about 7 pt white on dark."""
    lesson, pdf = handout
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages_text = pages.stdout.split("\f")
    assert len([p for p in pages_text if p.strip()]) == len(lesson.steps)
    for number, (step, page) in enumerate(zip(lesson.steps, pages_text, strict=False), start=1):
        found = words(page)
        assert words(step.title) in found, (number, step.title)
        assert words(step.caption) in found, (number, step.caption)
        assert f"Step {number} of {len(lesson.steps)}" in found
        assert "myo-sim (Apache-2.0)" in found  # the attribution, as text


@needs_poppler
def test_handout_pages_are_light(handout, tmp_path):
    """Paper takes little ink: every page is mostly white, its picture on a light ground
    (the pages were mostly the export's dark blue-grey)."""
    _lesson, pdf = handout
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    for page in pages:
        grey = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert grey.mean() > 200, (page.name, grey.mean())
        height, width = grey.shape
        middle = grey[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4]
        corners = [middle[:3, :3].mean(), middle[:3, -3:].mean()]  # the picture's own ground
        assert min(corners) > 200, (page.name, corners)
