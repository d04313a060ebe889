"""Render a lesson: one annotated PNG per step and a PDF handout of them.

Each step is drawn as ``screenshot --lesson`` and presentation mode draw it (title, caption,
footnote: :func:`app.model.teaching.lessons.show_step`). The PDF is laid out with matplotlib (already
a dependency of pyvista): one A4 landscape page per step, its picture under the lesson's
title, written atomically like every output.
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
from app.render.snapshot import Exporter, metadata, png_bytes

A4_LANDSCAPE_IN = (11.69, 8.27)


#: What ``render-lesson`` writes into its folder, and so may replace there.
OUTPUT_NAME = re.compile(r"^(step-\d+\.png|handout\.pdf)$")


def render_lesson(scene: SceneModel, lesson: Lesson, out_dir: Path, size: tuple[int, int]) -> list[Path]:
    """Write ``step-01.png``... and ``handout.pdf`` into ``out_dir``; return their paths.

    The folder is written whole or not at all (see :func:`folder_replaced_whole`): no step
    image of an earlier, longer lesson is left beside these, and a failure leaves the
    folder as it was."""
    with folder_replaced_whole(Path(out_dir), lambda name: bool(OUTPUT_NAME.match(name))) as folder:
        written = _render_into(scene, lesson, folder, size)
    return [Path(out_dir) / path.name for path in written]


def _render_into(scene: SceneModel, lesson: Lesson, out_dir: Path, size: tuple[int, int]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    written: list[Path] = []
    pdf_buffer = io.BytesIO()
    with Exporter(scene) as exporter, PdfPages(pdf_buffer) as pdf:
        info = pdf.infodict()
        info["Title"] = lesson.title
        info["Creator"] = "Psoas Atlas"
        for index in range(len(lesson.steps)):
            number = index + 1
            show_step(scene, lesson, index)  # as screenshot --lesson and presentation show it
            image = exporter.render(size)
            path = out_dir / f"step-{number:02d}.png"
            info = metadata(scene, size, scene.picture) | {"lesson": lesson.title, "step": number}
            atomic_write_bytes(path, png_bytes(image, info))
            written.append(path)

            # The page is the step's picture (its title and caption are in it) under the lesson.
            page = Figure(figsize=A4_LANDSCAPE_IN)
            title_font = matplotlib_font(lesson.title, bold=True)
            page.text(0.05, 0.95, lesson.title, fontproperties=title_font, fontsize=16, va="top")
            page.text(0.95, 0.95, f"Step {number} of {len(lesson.steps)}", fontsize=10, ha="right", va="top")
            if lesson.summary and number == 1:
                summary = "\n".join(wrap(lesson.summary, 130))
                page.text(
                    0.05, 0.905, summary, fontproperties=matplotlib_font(summary), fontsize=10, va="top"
                )
            axes = page.add_axes((0.05, 0.08, 0.9, 0.78))
            axes.imshow(image)
            axes.set_axis_off()
            page.text(0.05, 0.03, "Psoas Atlas — free, offline 3D anatomy", fontsize=8, color="0.4")
            pdf.savefig(page)
    handout = out_dir / "handout.pdf"
    atomic_write_bytes(handout, pdf_buffer.getvalue())
    written.append(handout)
    return written
