"""A printable quiz: the question sheet, then its answer key, in one A4 portrait PDF.

The pictures are the quiz lesson's steps (:func:`app.model.quiz.quiz_files.quiz_lesson`) drawn as
``render-lesson`` draws them: a question's step shows nothing that gives its answer away (a
name-it structure highlighted, unlabelled), an answer's step shows the answer labelled and
selected (a motion answer in its pose). Their titles and captions are left off the
pictures: the page says them in real, searchable text, wrapped to the page.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.fonts import wrap
from app.model.io.atomic import atomic_write_bytes
from app.model.quiz.questions import Question, QuestionType
from app.model.quiz.quiz_files import Quiz, lettered_answer, question_text, quiz_lesson
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import apply_step, step_picture
from app.render.fonts import matplotlib_font
from app.render.snapshot import Exporter

A4_PORTRAIT_IN = (8.27, 11.69)
MARGIN_IN = 0.75
FONT_PT = 10.0
#: Lines are this many font sizes apart (matplotlib's ``linespacing``: exactly so, measured).
LINESPACING = 1.3
#: Height of a line of text (inches) at FONT_PT.
LINE_IN = FONT_PT * LINESPACING / 72
#: Characters of DejaVu Sans at FONT_PT across the page between the margins (its average
#: letter is about 0.55 em wide; a few spare so a run of wide letters still fits).
COLUMNS = 88
#: Questions answered on a picture (the sheet shows one), and how wide it is printed.
PICTURED = frozenset({QuestionType.name_it, QuestionType.find_it, QuestionType.attachment})
SHEET_PICTURE_IN = 4.2
KEY_PICTURE_IN = 3.0
#: Labels drawn this much larger than on screen: the key's pictures are printed 3 inches wide.
LABEL_SCALE = 2.0
#: Space left between two questions (inches).
GAP_IN = 0.22
FOOTER = "Psoas Atlas — free, offline 3D anatomy"


def paper_prompt(question: Question) -> str:
    """The prompt as asked on paper: what is clicked in the window is marked on the picture
    (an attachment's muscle is hidden there, so that its bone shows)."""
    if not question.prompt.startswith("Click "):
        return question.prompt
    asked = "Mark " + question.prompt.removeprefix("Click ").rstrip(".")
    if question.type is QuestionType.attachment:
        return asked + " (the muscle is hidden)."
    return asked + " on the picture."


@dataclass
class _Pages:
    """A4 pages filled top to bottom: a block that does not fit where the last ended starts
    a new page. Positions are inches from the top of the page."""

    pdf: Any
    heading: str
    pages: int = 0
    y: float = 0.0
    page: Any = None

    def new_page(self) -> None:
        from matplotlib.figure import Figure

        self.finish()
        self.page = Figure(figsize=A4_PORTRAIT_IN)
        self.pages += 1
        self.y = MARGIN_IN
        w, h = A4_PORTRAIT_IN
        self.page.text(MARGIN_IN / w, 0.4 / h, FOOTER, fontsize=7, color="0.4")
        self.page.text(
            1 - MARGIN_IN / w,
            1 - self.y / h,
            f"page {self.pages}",
            fontsize=8,
            color="0.4",
            ha="right",
            va="top",
        )
        self.text(lines(self.heading, COLUMNS), size=8, color="0.4")
        self.y += LINE_IN * 0.5

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` inches fit on this one (a block taller than a
        page still gets a page of its own)."""
        if self.page is None or self.y + height > A4_PORTRAIT_IN[1] - MARGIN_IN:
            self.new_page()

    def text(
        self, text: str, size: float = FONT_PT, x: float = MARGIN_IN, bold: bool = False, **style: Any
    ) -> None:
        """Draw ``text`` (already wrapped) at the cursor and move the cursor below it."""
        self.page.text(
            x / A4_PORTRAIT_IN[0],
            1 - self.y / A4_PORTRAIT_IN[1],
            text,
            fontproperties=matplotlib_font(text, bold=bold),
            fontsize=size,
            va="top",
            linespacing=LINESPACING,
            **style,
        )
        self.y += _height(text, size)

    def picture(self, image: Any, width: float, x: float = MARGIN_IN, y: float | None = None) -> float:
        """Draw ``image`` ``width`` inches wide at ``x`` (and ``y``, else the cursor); its height."""
        height = width * image.shape[0] / image.shape[1]
        top = self.y if y is None else y
        w, h = A4_PORTRAIT_IN
        axes = self.page.add_axes((x / w, 1 - (top + height) / h, width / w, height / h))
        axes.imshow(image)
        axes.set_axis_off()
        return height

    def finish(self) -> None:
        if self.page is not None:
            self.pdf.savefig(self.page)
            self.page = None


def line_height(size: float) -> float:
    return size * LINESPACING / 72


def lines(text: str, columns: int = COLUMNS) -> str:
    """``text`` wrapped to ``columns``, its own line breaks kept."""
    return "\n".join(line for paragraph in text.split("\n") for line in (wrap(paragraph, columns) or [""]))


def _height(text: str, size: float = FONT_PT) -> float:
    return line_height(size) * (text.count("\n") + 1)


def write_quiz_sheet(
    scene: SceneModel, quiz: Quiz, sources: dict[str, str], out: Path, size: tuple[int, int]
) -> tuple[int, int]:
    """Write the sheet and the answer key of ``quiz`` to ``out`` (a PDF), citing ``sources``
    (key: full citation) in full; return the number of sheet pages and of key pages."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    lesson = quiz_lesson(quiz)
    buffer = io.BytesIO()
    # TrueType embedded (type 42): the text can be searched and copied.
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        Exporter(scene) as exporter,
        PdfPages(buffer) as pdf,
    ):
        info = pdf.infodict()
        info["Title"] = quiz.title
        info["Creator"] = "Psoas Atlas"

        def picture(index: int) -> Any:
            """Step ``index``'s picture without its title, caption and footnote (the page
            says them), its labels large enough to read printed small."""
            step = lesson.steps[index]
            question = quiz.questions[index // 2]
            if index % 2 == 0 and question.type is QuestionType.attachment and question.structure:
                step = step.model_copy(update={"hide": (question.structure,)})
            drawn = step_picture(
                lesson, index, title=None, caption=None, footnote=None, label_scale=LABEL_SCALE
            )
            apply_step(scene, step, drawn)
            return exporter.render(size)

        sheet = _Pages(pdf, quiz.title)
        sheet.new_page()
        sheet.text(lines(quiz.title, 60), size=16, bold=True)
        sheet.y += LINE_IN * 0.6
        sheet.text("Name: " + "_" * 44 + "     Date: " + "_" * 18)
        sheet.y += LINE_IN
        for number, question in enumerate(quiz.questions, start=1):
            _ask(sheet, number, question, quiz.multiple_choice, picture)
        sheet.finish()

        key = _Pages(pdf, f"{quiz.title} — answer key")
        key.new_page()
        key.text(lines(f"Answer key: {quiz.title}", 60), size=16, bold=True)
        key.y += LINE_IN
        for number, question in enumerate(quiz.questions, start=1):
            _answer(key, number, question, sources, picture)
        key.finish()
    atomic_write_bytes(Path(out), buffer.getvalue())
    return sheet.pages, key.pages


def _ask(
    sheet: _Pages, number: int, question: Question, multiple_choice: bool, picture: Callable[[int], Any]
) -> None:
    """A question on the sheet: its prompt, its lettered choices (True / False to circle),
    a line to answer on and, for a question answered on a picture, the picture."""
    asked = question_text(question, multiple_choice).split("\n")
    prompt = lines(f"{number}. {paper_prompt(question)}")
    choices = "\n".join(lines(choice, COLUMNS - 6) for choice in asked[1:])
    if question.truth is not None:
        choices = "True          False          (circle one)"
    answer_line = (
        "" if question.type in (QuestionType.find_it, QuestionType.attachment) else "Answer: " + "_" * 40
    )
    image = picture(2 * (number - 1)) if question.type in PICTURED else None
    height = (
        _height(prompt) + (_height(choices) if choices else 0) + (_height(answer_line) if answer_line else 0)
    )
    if image is not None:
        height += SHEET_PICTURE_IN * image.shape[0] / image.shape[1] + LINE_IN * 0.5
    sheet.room(height + GAP_IN)
    sheet.text(prompt)
    if choices:
        sheet.text(choices, x=MARGIN_IN + 0.3)
    if image is not None:
        sheet.y += LINE_IN * 0.25
        sheet.y += sheet.picture(image, SHEET_PICTURE_IN, x=MARGIN_IN + 0.3) + LINE_IN * 0.25
    if answer_line:
        sheet.text(answer_line, x=MARGIN_IN + 0.3)
    sheet.y += GAP_IN


def _answer(
    key: _Pages, number: int, question: Question, sources: dict[str, str], picture: Callable[[int], Any]
) -> None:
    """An answer in the key: the picture that shows it beside the question, the answer, its
    explanation and the full citations of its sources."""
    image = picture(2 * (number - 1) + 1)
    columns = COLUMNS - 44  # beside the picture
    text_x = MARGIN_IN + KEY_PICTURE_IN + 0.25
    head = lines(f"{number}. {paper_prompt(question)}", columns - 4)  # bold: wider
    answer = lines(lettered_answer(question), columns - 4)
    explanation = lines(question.explanation, columns + 4) if question.explanation else ""
    cited = [sources.get(s, s) for s in question.sources]
    citations = "\n".join(lines(f"• {c}", columns + 8) for c in cited)
    small = 8.5
    text_height = (
        _height(head)
        + _height(answer)
        + (_height(explanation, 9) if explanation else 0)
        + (_height("Sources:\n" + citations, small) if cited else 0)
        + LINE_IN
    )
    picture_height = KEY_PICTURE_IN * image.shape[0] / image.shape[1]
    key.room(max(text_height, picture_height) + GAP_IN)
    top = key.y
    key.picture(image, KEY_PICTURE_IN, y=top)
    key.text(head, x=text_x, bold=True)
    key.text(answer, x=text_x, color="#1a5e20", bold=True)
    if explanation:
        key.y += LINE_IN * 0.2
        key.text(explanation, size=9, x=text_x)
    if cited:
        key.y += LINE_IN * 0.2
        key.text("Sources:\n" + citations, size=small, x=text_x, color="0.25")
    key.y = max(key.y, top + picture_height) + GAP_IN
