"""One rule for every text that is drawn (issue 26, defect 6): control characters,
right-to-left scripts and characters no font has are refused by :func:`app.fonts.text_problem`
wherever the text comes from (a lesson, a quiz file, a structure's name, a pose's title, the
section facts, the teaching content, a searchable place), as ``file:line: message``; a line
break only in what may have several lines (captions, summaries, content texts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.fonts import text_problem
from app.model.anatomy.content import load_content, load_sources
from app.model.anatomy.search import load_places
from app.model.anatomy.structures import load_catalogue
from app.model.io import paths
from app.model.io.documents import Problem
from app.model.motion.poses import read_motion
from app.model.sections.cross_section import read_section_facts
from app.model.teaching.lessons import load_lesson

ANNOTATIONS = paths.annotations_dir()
LESSON = """title: {title}
summary: {summary}
steps:
  - title: {step}
    caption: {caption}
"""
CONTENT = """content:
  sacrum:
    summary:
      text: {text}
      sources: [gray42]
    features:
      - text: The sacrum is five fused vertebrae.
        sources: [gray42]
"""


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back as it is (controls escaped)."""
    escaped = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text
    )
    return f'"{escaped}"'


def shipped(name: str, line: int, old: str) -> Callable[[str], str]:
    """A shipped file with the value ``old`` on ``line`` replaced."""

    def make(value: str) -> str:
        lines = (ANNOTATIONS / name).read_text(encoding="utf-8").splitlines(keepends=True)
        assert old in lines[line - 1], f"{name}:{line} no longer says {old!r}"
        lines[line - 1] = lines[line - 1].replace(old, value, 1)
        return "".join(lines)

    return make


def lesson(field: str) -> Callable[[str], str]:
    texts = {
        "title": "A lesson",
        "summary": "What it shows.",
        "step": "A step",
        "caption": "What to see here.",
    }
    return lambda value: LESSON.format(**(texts | {field: value}))


@pytest.fixture(scope="module")
def loaders(catalogue, landmarks, attachments) -> dict[str, Callable[[Path], list[Problem]]]:
    from app.model.atlas import Atlas
    from app.model.quiz.questions import QuestionBank
    from app.model.quiz.quiz_files import load_quiz

    sources = load_sources(ANNOTATIONS / "sources.yaml")[0]
    bank = QuestionBank.for_atlas(Atlas.load(teaching=True))
    return {
        "lesson": lambda path: load_lesson(path, catalogue)[1],
        "quiz": lambda path: load_quiz(path, bank)[1],
        "structures": lambda path: load_catalogue(path)[1],
        "motion": lambda path: read_motion(path)[1],
        "sections": lambda path: read_section_facts(path, sources)[1],
        "content": lambda path: load_content([path], catalogue, sources)[1],
        "places": lambda path: load_places(path, catalogue, landmarks, attachments, sources)[1],
    }


#: (what, loader, document with the text put in, its line, whether it may break lines)
FIELDS = [
    ("lesson title", "lesson", lesson("title"), 1, False),
    ("lesson summary", "lesson", lesson("summary"), 2, True),
    ("step title", "lesson", lesson("step"), 4, False),
    ("step caption", "lesson", lesson("caption"), 5, True),
    ("quiz title", "quiz", lambda value: f"title: {value}\ntopics: [muscles]\n", 1, False),
    ("structure name", "structures", shipped("structures.yaml", 7, "T12 vertebra"), 7, False),
    ("pose title", "motion", shipped("motion.yaml", 23, "Neutral standing"), 23, False),
    ("area who", "sections", shipped("sections.yaml", 11, "greatest area, young adult men (MRI)"), 11, False),
    ("safe zone says", "sections", shipped("sections.yaml", 21, "middle of zone III"), 21, False),
    ("content text", "content", lambda value: CONTENT.format(text=value), 4, True),
    ("place name", "places", shipped("search.yaml", 11, "Anterior superior iliac spine"), 11, False),
]
#: A text to put in: a control character, a line break, a right-to-left script or a
#: private-use character (no font has one), between plain words.
bad = st.one_of(
    st.characters(categories=["Cc", "Zl", "Zp"]),
    st.sampled_from(["\n", "\x1b[31m", "\x07", "\x00", "\x9b", "العضلة", "שריר", "\u202e"]),
    st.characters(categories=["Co"]),
)


@pytest.mark.parametrize(("what", "kind", "make", "line", "breaks"), FIELDS, ids=[f[0] for f in FIELDS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inside=bad)
def test_every_drawn_text_is_checked_by_the_one_rule(
    tmp_path, loaders, what, kind, make, line, breaks, inside
):
    text = f"Psoas {inside} major"
    path = tmp_path / f"{kind}.yaml"
    path.write_text(make(quoted(text)), encoding="utf-8")
    errors = loaders[kind](path)
    problem = text_problem(text, line_breaks=breaks)
    if problem is None:  # a line break where lines may break
        assert inside == "\n" and breaks and errors == []
        return
    assert [e for e in errors if e.line == line and problem in e.message], (what, [str(e) for e in errors])
    assert all(e.file == path and "\n" not in e.message for e in errors)


def test_the_fields_read_as_they_are_without_a_bad_character(tmp_path, loaders):
    for what, kind, make, _, _ in FIELDS:
        path = tmp_path / f"{kind}.yaml"
        path.write_text(make(quoted("Psoas major")), encoding="utf-8")
        assert loaders[kind](path) == [], what


def test_text_problem_names_the_control_character_and_the_line_break():
    assert text_problem("Title\x1b[2J") == "the control character U+001B cannot be drawn"
    assert text_problem("two\nlines") == "a line break is not allowed here (one line only)"
    assert text_problem("two\nlines", line_breaks=True) is None
    assert text_problem("tab\there", line_breaks=True) == "the control character U+0009 cannot be drawn"
    assert text_problem("a\u2028b", line_breaks=True) == "the line separator U+2028 cannot be drawn"
