"""An instructor's quiz file: which questions a class gets (schema: ``annotations/README.md``).

A quiz file chooses from the generated questions (:mod:`app.model.quiz.questions`) by topic, type and
structure, or names them by id, and fixes how many and in what order (a seed), so every
student and the printed sheet get the same quiz. Every problem is reported as
``file:line: message`` and nothing half-valid is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.fonts import DrawnLine
from app.model.anatomy.content import base_id
from app.model.io.documents import (
    Located,
    Problem,
    did_you_mean,
    line_at,
    plain,
    pydantic_problems,
    read_mapping,
)
from app.model.quiz.questions import Question, QuestionBank, QuestionType, Topic
from app.model.teaching.lessons import MAX_CAPTION, MAX_TITLE, MIN_TITLE, Lesson, Step

#: Most questions one quiz may ask (a class hour's worth, several times over).
MAX_QUESTIONS = 200


class QuizSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Drawn on the sheet and as the title of the lesson the quiz is presented as.
    title: DrawnLine = Field(min_length=MIN_TITLE, max_length=MAX_TITLE)
    topics: tuple[Topic, ...] = ()
    types: tuple[QuestionType, ...] = ()
    structures: tuple[str, ...] = ()
    #: Questions by id (``name:iliacus_left``), asked in this order, each once; the filters
    #: (:data:`FILTERS`) are then left out.
    questions: tuple[str, ...] = ()
    count: int = Field(default=10, ge=1, le=MAX_QUESTIONS)
    seed: int = Field(default=0, ge=0, le=2**31)
    #: Name-it questions offered as four choices rather than typed.
    multiple_choice: bool = False


@dataclass(frozen=True)
class Quiz:
    title: str
    questions: tuple[Question, ...]
    multiple_choice: bool = False


def load_quiz(path: Path, bank: QuestionBank) -> tuple[Quiz | None, list[Problem]]:
    """Read and check a quiz file against the questions of ``bank``."""
    path = Path(path)
    document, problems = read_mapping(path, expected="title")
    if document is None:
        return None, problems
    try:
        spec = QuizSpec.model_validate(plain(document))
    except ValidationError as exc:
        found = pydantic_problems(exc.errors(), QuizSpec.model_fields)
        return None, [Problem(path, line_at(document, loc), message) for loc, message in found]
    errors: list[Problem] = []
    known = {s.id for s in bank.catalogue} | {base_id(s.id) for s in bank.catalogue}
    for index, name in enumerate(spec.structures):
        if name not in known:
            line = line_at(document, ("structures", index))
            errors.append(Problem(path, line, f"unknown structure {name!r}{did_you_mean(name, known)}"))
    by_id = bank.by_id()
    for index, qid in enumerate(spec.questions):
        if qid not in by_id:
            line = line_at(document, ("questions", index))
            errors.append(Problem(path, line, f"unknown question {qid!r}{did_you_mean(qid, by_id)}"))
    if "questions" in document.value:
        errors += _listed_problems(path, document, spec)
    if errors:
        return None, errors
    if spec.questions:
        chosen = [by_id[qid] for qid in spec.questions]
    else:
        chosen = bank.draw(
            spec.count, spec.seed, topics=spec.topics, types=spec.types, structures=spec.structures
        )
    if not chosen:
        return None, [Problem(path, document.line, "no question matches these topics, types and structures")]
    return Quiz(spec.title, tuple(chosen), spec.multiple_choice), []


#: What chooses questions when the file does not name them.
FILTERS = ("topics", "types", "structures", "count", "seed")


def _listed_problems(path: Path, document: Located, spec: QuizSpec) -> list[Problem]:
    """A quiz that names its questions: at least one, each once, and no filter beside them
    (it would be ignored, and the instructor would think it applied)."""
    errors = [
        Problem(path, document.line_of(key), f"'{key}': not used with 'questions' (they are chosen by id)")
        for key in FILTERS
        if key in document.value
    ]
    if not spec.questions:
        message = "'questions': name at least one question, or leave it out to choose by topics and types"
        errors.append(Problem(path, document.line_of("questions"), message))
    first: dict[str, int] = {}
    for number, qid in enumerate(spec.questions, start=1):
        if qid in first:
            line = line_at(document, ("questions", number - 1))
            message = f"question {qid!r} is asked twice (questions {first[qid]} and {number})"
            errors.append(Problem(path, line, message))
        first.setdefault(qid, number)
    return errors


#: Letters of the choices, as printed and as said in class.
LETTERS = "ABCD"


def question_text(question: Question, multiple_choice: bool = True) -> str:
    """The prompt with its lettered choices (a typed name-it question has none)."""
    typed = question.type is QuestionType.name_it and not multiple_choice
    if not question.choices or typed or question.truth is not None:
        return question.prompt
    lines = [f"{letter}. {choice}" for letter, choice in zip(LETTERS, question.choices, strict=False)]
    return question.prompt + "\n" + "\n".join(lines)


def lettered_answer(question: Question) -> str:
    """The answer with the letter of its choice (``B. L1, L2, L3``); true or false as is."""
    letter = question.choice_index
    if letter is not None and question.truth is None:
        return f"{LETTERS[letter]}. {question.answer}"
    return question.answer


def answer_text(question: Question, sources: dict[str, str] | None = None, limit: int = 900) -> str:
    """The answer, its explanation (cut at a sentence within ``limit``) and the sources."""
    head = lettered_answer(question)
    text = question.explanation
    if len(text) > limit:
        cut = text[:limit].rsplit(". ", 1)[0]
        text = cut + "." if cut != text[:limit] else cut[: limit - 1] + "…"
    cited = ", ".join(question.sources if sources is None else (sources.get(s, s) for s in question.sources))
    return "\n".join(part for part in (head, text, f"Sources: {cited}" if cited else "") if part)


def quiz_lesson(quiz: Quiz) -> Lesson:
    """The quiz as a lesson to present in class: each question, then its answer on the next
    key press, shown in 3D (a clicker's Page Down reveals, then moves on)."""
    steps = []
    total = len(quiz.questions)
    for number, question in enumerate(quiz.questions, start=1):
        steps.append(_ask(question, number, total, quiz.multiple_choice))
        steps.append(_reveal(question, number, total))
    return Lesson(
        title=quiz.title, summary=f"{total} questions; each answer on the next key press.", steps=tuple(steps)
    )


def _ask(question: Question, number: int, total: int, multiple_choice: bool) -> Step:
    """The question, showing nothing that gives the answer away: a name-it question
    highlights its structure unlabelled, a supply question its muscle; the others select
    nothing (a nerve selected would mark its roots' foramina)."""
    shown = question.type in (QuestionType.name_it, QuestionType.supply) and question.structure
    caption = question_text(question, multiple_choice)
    if question.type is QuestionType.name_it and not multiple_choice:
        caption += "\n(Name it in English or Latin.)"
    return Step(
        title=f"Question {number} of {total}",
        caption=_fit(caption),
        view="anterior",
        select=(question.structure,) if shown and question.structure else (),
        labels=False,
    )


def _reveal(question: Question, number: int, total: int) -> Step:
    return Step(
        title=f"Answer {number} of {total}",
        caption=_fit(answer_text(question)),
        view=question.view or "anterior",
        select=(question.structure,) if question.structure else (),
        pose=(question.pose,) if question.pose else None,
        labels=True,
    )


def _fit(text: str) -> str:
    text = text if len(text) >= 10 else text + " " * (10 - len(text))
    return text if len(text) <= MAX_CAPTION else text[: MAX_CAPTION - 1] + "…"
