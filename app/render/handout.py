"""Render a lesson: one annotated PNG per step and a PDF handout of them.

Each step image is drawn as ``screenshot --lesson`` and presentation mode draw it (title,
caption, footnote: :func:`app.model.teaching.lessons.show_step`). The PDF is for paper: laid
out with matplotlib (already a dependency of pyvista), one light A4 landscape page per step
with the step's title, caption and the attribution set as real text (selectable, found by
search and by screen readers; TrueType fonts embedded) around its picture, drawn on a light
background with labels but without the text drawn into it. Written atomically like every
output.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from app.fonts import wrap
from app.model.io.atomic import atomic_write_bytes, folder_replaced_whole
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import Lesson, show_step
from app.render.fonts import matplotlib_font
from app.render.snapshot import ATTRIBUTION, Annotations, Exporter, metadata, png_bytes

A4_LANDSCAPE_IN = (11.69, 8.27)
#: The handout's pictures: a light background that prints with little ink, at about 150 dpi
#: across the page's picture, and no text drawn into them (the page sets it).
PAPER_BACKGROUND = "#f2f3f5"
PAGE_PICTURE = (1600, 900)
ON_PAPER = Annotations(title="", caption="", footnote="", attribution=False, background=PAPER_BACKGROUND)
#: Text on the page (points) and its colours.
INK = "#1d2330"
MUTED = "#5a6270"


#: What ``render-lesson`` writes into its folder, and so may replace there.
OUTPUT_NAME = re.compile(r"^(step-\d+\.png|handout\.pdf)$")


def render_lesson(
    scene: SceneModel,
    lesson: Lesson,
    out_dir: Path,
    size: tuple[int, int],
    page_picture: tuple[int, int] = PAGE_PICTURE,
) -> list[Path]:
    """Write ``step-01.png``... and ``handout.pdf`` (its pictures ``page_picture``) into
    ``out_dir``; return their paths.

    The folder is written whole or not at all (see :func:`folder_replaced_whole`): no step
    image of an earlier, longer lesson is left beside these, and a failure leaves the
    folder as it was."""
    with folder_replaced_whole(Path(out_dir), lambda name: bool(OUTPUT_NAME.match(name))) as folder:
        written = _render_into(scene, lesson, folder, size, page_picture)
    return [Path(out_dir) / path.name for path in written]


def _render_into(
    scene: SceneModel, lesson: Lesson, out_dir: Path, size: tuple[int, int], page_picture: tuple[int, int]
) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    written: list[Path] = []
    pdf_buffer = io.BytesIO()
    # TrueType (42), not matplotlib's default Type 3 glyph procedures: real text.
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        Exporter(scene) as exporter,
        PdfPages(pdf_buffer) as pdf,
    ):
        info = pdf.infodict()
        info["Title"] = lesson.title
        info["Creator"] = "Psoas Atlas"
        for index in range(len(lesson.steps)):
            number = index + 1
            show_step(scene, lesson, index)  # as screenshot --lesson and presentation show it
            image = exporter.render(size)
            path = out_dir / f"step-{number:02d}.png"
            meta = metadata(scene, size, scene.picture) | {"lesson": lesson.title, "step": number}
            atomic_write_bytes(path, png_bytes(image, meta))
            written.append(path)
            pdf.savefig(_page(lesson, index, exporter.render(page_picture, ON_PAPER)))
    handout = out_dir / "handout.pdf"
    atomic_write_bytes(handout, pdf_buffer.getvalue())
    written.append(handout)
    return written


def _page(lesson: Lesson, index: int, picture) -> object:
    """One light A4 page: the lesson and the step's number, the step's title, its picture,
    its caption and the attribution, all as text."""
    from matplotlib.figure import Figure

    step, number = lesson.steps[index], index + 1
    page = Figure(figsize=A4_LANDSCAPE_IN, facecolor="white")
    width_in = A4_LANDSCAPE_IN[0]

    def text(x: float, y: float, words: str, size: float, **style) -> None:
        bold = style.pop("bold", False)
        page.text(x, y, words, fontproperties=matplotlib_font(words, bold), fontsize=size, **style)

    text(0.05, 0.955, lesson.title, 11, color=MUTED, va="top")
    text(0.95, 0.955, f"Step {number} of {len(lesson.steps)}", 11, color=MUTED, ha="right", va="top")
    text(0.05, 0.915, step.title, 18, color=INK, va="top", bold=True)
    top = 0.865
    if lesson.summary and number == 1:
        summary = "\n".join(wrap(lesson.summary, _columns(0.9 * width_in, 10)))
        text(0.05, top, summary, 10, color=MUTED, va="top", style="italic")
        top -= 0.03 * (summary.count("\n") + 1) + 0.01
    caption = "\n".join(wrap(step.caption, _columns(0.9 * width_in, 11.5)))
    caption_lines = caption.count("\n") + 1
    caption_top = 0.06 + caption_lines * 0.026
    height = top - caption_top - 0.02
    aspect = picture.shape[0] / picture.shape[1]
    picture_width = min(0.9, height * A4_LANDSCAPE_IN[1] / aspect / width_in)
    axes = page.add_axes((0.5 - picture_width / 2, top - height, picture_width, height))
    axes.imshow(picture)
    axes.set_axis_off()
    text(0.05, caption_top, caption, 11.5, color=INK, va="top", linespacing=1.35)
    text(0.05, 0.025, ATTRIBUTION, 7.5, color=MUTED)
    return page


def _columns(width_in: float, points: float) -> int:
    """Characters of about ``points`` type that fill ``width_in`` inches (mean advance about
    half the size, as DejaVu Sans)."""
    return max(30, int(width_in * 72 / (0.52 * points)))
