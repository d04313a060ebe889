"""Generated damage (Hypothesis) to the JSON data files: the mesh build's landmarks,
attachments, fascicle paths and centre lines, and the student's quiz progress.

Each example is a shipped file (or a progress file) with numbers made NaN, infinite, too
long or not numbers, a part of the wrong shape, deep nesting or the end cut off. Whatever
the damage, a loader never raises, every problem is one ``file:line: message`` (or
``file: message``) line, and what is kept is finite. ``BAD_INPUTS`` counts what was tried.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.anatomy.landmarks import load_attachments, load_centrelines, load_landmarks
from app.model.io import paths
from app.model.motion.mechanics import load_paths
from app.model.quiz.review import PROGRESS_FILE, Card, Progress, sm2
from tests.cli.test_fuzz import EXAMPLES, _problems_are_located, values

BAD_INPUTS: Counter[str] = Counter()


def one_line(problem: object) -> bool:
    """Whether a problem prints as one line (no line break, no control character)."""
    return str(problem).isprintable()


#: Replacements for a number: never a valid one, so the damage must always be reported.
BAD_NUMBERS = st.one_of(
    st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", '"12.5"', "true", "[]", "{}", "[1, 2]"]
    ),
    st.integers(301, 6000).map(lambda n: "9" * n),  # Python reads no more than 4,300 digits
    st.integers(301, 6000).map(lambda n: "-1" + "0" * n),
)
#: A file's text, value, paths to its values and to its mappings, and its numbers (see _parts).
Parts = tuple[str, Any, tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...], tuple[re.Match[str], ...]]
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
NUMBER = re.compile(r"(?<=[\s\[:])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=[\s,\]}])")


def _parts(text: str) -> Parts:
    """A JSON file's text, its value, the path to every value in it and to every mapping, and
    its numbers."""
    document = json.loads(text)
    every = _paths_in(document)
    mappings = [
        at for at in [(), *every] if isinstance(functools.reduce(operator.getitem, at, document), dict)
    ]
    return text, document, tuple(every), tuple(mappings), tuple(NUMBER.finditer(text))


@functools.cache
def _shipped(name: str) -> Parts:
    return _parts((paths.meshes_dir() / name).read_text())


@functools.cache
def _progress() -> Parts:
    """A progress file of a few cards, as the quiz writes it."""
    card, cards = Card(), {}
    for i in range(6):
        card = sm2(card, 2 + i % 4, T0 + timedelta(days=i))
        cards[f"q{i}"] = card.model_dump(mode="json")
    return _parts(json.dumps({"cards": cards}, indent=1) + "\n")


def _paths_in(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    keys = range(len(value)) if isinstance(value, list) else value if isinstance(value, dict) else ()
    return [p for key in keys for p in [(*at, key), *_paths_in(value[key], (*at, key))]]


def _replaced(value: Any, at: tuple[Any, ...], new: Any) -> Any:
    """``value`` with the part at ``at`` replaced by ``new`` (copies along the path only)."""
    if not at:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[at[0]] = _replaced(value[at[0]], at[1:], new)
    return copy


@st.composite
def damaged(
    draw, text: str, document: Any, parts: tuple, mappings: tuple, numbers: tuple
) -> tuple[bytes, bool]:
    """A damaged copy of a JSON file, and whether the damage is sure to be a problem."""
    kind = draw(st.sampled_from(["numbers", "shape", "entry", "nested", "cut"]))
    if kind in ("shape", "entry"):  # a part replaced by anything at all (NaN and infinities included)
        at = parts[draw(st.integers(0, len(parts) - 1))]
        new = draw(values)
        if kind == "entry":  # or added to a mapping, under any name at all
            at = mappings[draw(st.integers(0, len(mappings) - 1))]
            new = {**functools.reduce(operator.getitem, at, document), draw(st.text(max_size=8)): new}
        return json.dumps(_replaced(document, at, new), indent=1, default=str).encode(), False
    picked = sorted(set(draw(st.lists(st.integers(0, len(numbers) - 1), min_size=1, max_size=3))))
    out, end = [], 0
    for index in picked:
        match = numbers[index]
        if kind == "nested":  # deep enough for Python's parser to give up, or not
            depth = draw(st.integers(1, 20_000))
            bad = "[" * depth + match.group() + "]" * depth
        else:
            bad = draw(BAD_NUMBERS)
        out += [text[end : match.start()], bad]
        end = match.end()
    damaged_text = "".join([*out, text[end:]])
    if kind == "cut":
        damaged_text = damaged_text[: draw(st.integers(0, len(damaged_text) - 1))]
    return damaged_text.encode(), True


def _finite(*numbers: float) -> bool:
    return all(math.isfinite(n) for n in numbers)


def _loaded(name: str, path) -> tuple[bool, list]:
    """Load ``path`` as the data file ``name``: whether all it kept is finite, and its problems."""
    if name == "landmarks.json":
        landmarks, problems = load_landmarks(path)
        return all(_finite(*p) for p in landmarks.values()), problems
    if name == "attachments.json":
        attachments, problems = load_attachments(path)
        return all(_finite(*p) for a in attachments for p in a.points), problems
    if name == "paths.json":
        found, problems = load_paths(path)
        heads = all(_finite(*centre, radius) for centre, radius in found.heads.values())
        return heads and all(
            np.isfinite(f.points).all() for fs in found.muscles.values() for f in fs
        ), problems
    lines, problems = load_centrelines(path)
    return all(_finite(*p) for line in lines.values() for p in line), problems


FILES = ["landmarks.json", "attachments.json", "paths.json", "centrelines.json"]


@pytest.mark.parametrize("name", FILES)
@EXAMPLES
@given(data=st.data())
def test_damaged_data_files_are_reported_and_never_let_nan_through(tmp_path, data, name):
    BAD_INPUTS[name] += 1
    text, damage_is_sure = data.draw(damaged(*_shipped(name)))
    path = tmp_path / name
    path.write_bytes(text)
    finite, problems = _loaded(name, path)
    _problems_are_located(problems, path)
    assert all(re.match(rf"^{re.escape(str(path))}(:\d+)?: \S", str(p)) and one_line(p) for p in problems)
    assert finite
    assert problems or not damage_is_sure


@EXAMPLES
@given(data=st.data())
def test_damaged_progress_is_set_aside_and_keeps_finite_cards(tmp_path, data):
    BAD_INPUTS[PROGRESS_FILE] += 1
    content, _ = data.draw(damaged(*_progress()))
    folder = tmp_path / f"p{BAD_INPUTS[PROGRESS_FILE]}"
    folder.mkdir()
    path = folder / PROGRESS_FILE
    path.write_bytes(content)
    progress = Progress(path, lambda: T0)
    _problems_are_located(progress.problems, path)
    assert all(one_line(p) for p in progress.problems)
    assert all(_finite(c.easiness, c.interval, c.repetitions) for c in progress.cards.values())
    aside = list(folder.glob(f"{PROGRESS_FILE}.unreadable-*"))
    assert len(aside) == (1 if progress.problems else 0)
    assert not aside or aside[0].read_bytes() == content
    progress.record("q0", 5)  # what did read is saved, the file that did not is kept aside
    assert Progress(path, lambda: T0).problems == []
