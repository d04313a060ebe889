"""``psoas-atlas quiz``: questions drawn from the data, or an instructor's quiz file, listed,
as JSON, or as a PDF sheet with its answer key."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli.common import UsageError, exit_status, load_atlas, writable_file, writing


def _choice_list(values: list[str], allowed: Sequence[str], option: str) -> list[str]:
    """``values`` checked against ``allowed``; an unknown one is a UsageError naming the
    option, with a "did you mean"."""
    from app.model.io.documents import did_you_mean

    for value in values:
        if value not in allowed:
            hint = did_you_mean(value, allowed) or f" (one of: {', '.join(allowed)})"
            raise UsageError(f"{option}: unknown {option.removeprefix('--')} {value!r}{hint}")
    return values


def cmd_quiz(args: argparse.Namespace) -> int:
    from app.model.quiz.questions import QuestionBank, QuestionType, Topic
    from app.model.quiz.quiz_files import MAX_QUESTIONS, Quiz, load_quiz

    if (args.quiz is None) == (args.generate is None):
        raise UsageError("give a quiz file or --generate N (one of them)")
    if args.quiz is not None and (args.topic or args.type or args.seed is not None):
        raise UsageError("--topic, --type and --seed are for --generate: a quiz file sets its own")
    if args.generate is not None and not 1 <= args.generate <= MAX_QUESTIONS:
        raise UsageError(f"--generate: N must be 1 to {MAX_QUESTIONS}, not {args.generate}")
    topics = _choice_list(args.topic, [t.value for t in Topic], "--topic")
    types = _choice_list(args.type, [t.value for t in QuestionType], "--type")
    out = None
    if args.export is not None:
        out = writable_file(Path(args.export))
        if out.suffix.lower() != ".pdf":
            raise UsageError(f"cannot write {out}: a quiz is exported as PDF (use a .pdf name)")
    elif args.size is not None:
        raise UsageError("--size is for --export (the size of its pictures)")
    atlas = load_atlas(args)
    known = len(atlas.problems)
    atlas.load_teaching()
    for problem in atlas.problems[known:]:
        print(f"warning: {problem}", file=sys.stderr)
    bank = QuestionBank.for_atlas(atlas)
    if args.quiz is not None:
        quiz, errors = load_quiz(Path(args.quiz), bank)
        if quiz is None:
            for error in errors:  # each file:line: message, as validate prints them
                print(error, file=sys.stderr)
            return 2
    else:
        seed = args.seed or 0
        drawn = bank.draw(args.generate, seed, topics=topics, types=types)
        if not drawn:
            raise UsageError("no question matches these topics and types")
        quiz = Quiz(f"Psoas Atlas quiz (seed {seed})", tuple(drawn), multiple_choice=True)
    if out is not None:
        from app.render.quiz_sheet import write_quiz_sheet
        from app.render.snapshot import ensure_headless_vtk

        ensure_headless_vtk()
        with writing(out):
            pages = write_quiz_sheet(
                atlas.scene(), quiz, atlas.library.sources, out, args.size or (1200, 900)
            )
        done = f"{len(quiz.questions)} questions: {pages[0]} sheet pages, {pages[1]} answer-key pages"
        print(f"wrote {out} ({done})", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        questions = [q.as_json() for q in quiz.questions]
        print(json.dumps({"title": quiz.title, "questions": questions}, indent=1, ensure_ascii=False))
    elif out is None:
        print(quiz_listing(quiz))
    return exit_status(atlas)


def quiz_listing(quiz) -> str:
    """A quiz as numbered questions with their lettered choices and answers, for a terminal."""
    from app.model.quiz.quiz_files import lettered_answer, question_text

    blocks = [quiz.title]
    for number, question in enumerate(quiz.questions, start=1):
        asked = question_text(question, quiz.multiple_choice).replace("\n", "\n    ")
        blocks.append(f"{number:2d}. {asked}\n    Answer: {lettered_answer(question)}")
    return "\n\n".join(blocks)
