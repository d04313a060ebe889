"""Issue 26, defect 9: values that passed silently or were refused in misleading words,
each now one ``file:line: message`` that says what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.anatomy.content import load_sources
from app.model.io import paths
from app.model.motion.poses import read_motion
from app.model.sections.cross_section import load_section_facts, read_section_facts
from app.model.teaching.lessons import load_lesson

ANNOTATIONS = paths.annotations_dir()
LESSON = """title: A movement
steps:
  - title: Fold
    caption: The trunk folds over the hips.
    motion: {to: trunk_fold, seconds: 3}
"""


def replaced(text: str, line: int, old: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    assert old in lines[line - 1], f"line {line} no longer says {old!r}"
    lines[line - 1] = lines[line - 1].replace(old, value, 1)
    return "".join(lines)


SOURCES = load_sources(ANNOTATIONS / "sources.yaml")[0]
READERS = {
    "lesson.yaml": lambda path: load_lesson(path, _catalogue())[1],
    "motion.yaml": lambda path: read_motion(path)[1],
    "sections.yaml": lambda path: read_section_facts(path, SOURCES)[1],
}
#: (file, line, a number there, the number's key): the shipped file, or a lesson of our own.
NUMBERS = [
    ("lesson.yaml", 5, "seconds: 3", "seconds"),
    ("motion.yaml", 12, "flexion: 12", "flexion"),
    ("sections.yaml", 10, "cm2: 16", "cm2"),
    ("sections.yaml", 21, "at: 0.625", "at"),
]


def _catalogue():
    from app.model.anatomy.structures import load_catalogue

    return load_catalogue(paths.structures_file())[0]


@pytest.mark.parametrize(("name", "line", "old", "key"), NUMBERS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.sampled_from([".nan", ".NaN", ".inf", "-.inf", "+.Inf"]))
def test_a_number_that_is_not_finite_is_called_so(tmp_path, name, line, old, key, value):
    """``seconds: .nan`` was called "less than or equal to 30"."""
    path = tmp_path / name
    text = LESSON if name == "lesson.yaml" else (ANNOTATIONS / name).read_text(encoding="utf-8")
    path.write_text(replaced(text, line, old, f"{key}: {value}"), encoding="utf-8")
    (error,) = READERS[name](path)
    assert error.line == line and error.message.endswith("Input should be a finite number"), str(error)


def test_an_unknown_source_in_the_section_facts_is_a_problem_wherever_they_are_read(tmp_path):
    """The viewer and ``section`` read sections.yaml with no bibliography, so a source it
    does not hold passed silently (only ``validate`` checked)."""
    shutil.copy(ANNOTATIONS / "sources.yaml", tmp_path)
    (tmp_path / "sections.yaml").write_text(
        replaced(
            (ANNOTATIONS / "sections.yaml").read_text(encoding="utf-8"),
            12,
            "source: reid1994",
            "source: reid1995",
        ),
        encoding="utf-8",
    )
    facts, problems = load_section_facts(tmp_path)
    assert [str(p) for p in problems] == [f"{tmp_path / 'sections.yaml'}:12: unknown source 'reid1995'"]
    assert facts.published("psoas_major_right")  # kept: the drawing cites the key as written


def test_section_facts_with_no_bibliography_beside_them_name_every_source(tmp_path: Path):
    shutil.copy(ANNOTATIONS / "sections.yaml", tmp_path)
    _, problems = load_section_facts(tmp_path)
    cited = {"reid1994", "uribe2010", "moro2003", "benglis2009", "davis2011"}
    assert {p.message for p in problems} == {f"unknown source '{key}'" for key in cited}
