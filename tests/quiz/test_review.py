"""The SM-2 schedule against Wozniak's published rules, and progress on disk."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.quiz.questions import Question, QuestionType, Topic
from app.model.quiz.review import (
    MIN_EASINESS,
    START_EASINESS,
    Card,
    Progress,
    QuizSession,
    sm2,
    summary_csv,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, when: datetime = T0):
        self.when = when

    def __call__(self) -> datetime:
        return self.when


def question(qid: str, topic: Topic = Topic.muscles) -> Question:
    return Question(qid, QuestionType.supply, topic, f"{qid}?", "answer", None, ("gray42",))


def test_first_intervals_are_one_day_then_six_then_times_the_easiness():
    card = sm2(Card(), 5, T0)
    assert (card.repetitions, card.interval, card.due) == (1, 1, T0 + timedelta(days=1))
    card = sm2(card, 5, T0)
    assert (card.repetitions, card.interval) == (2, 6)
    easiness = card.easiness
    card = sm2(card, 5, T0)
    assert card.interval == math.ceil(6 * easiness)  # I(n) = I(n-1) * EF, rounded up


@pytest.mark.parametrize(("quality", "change"), [(5, 0.1), (4, 0.0), (3, -0.14)])
def test_easiness_follows_the_published_formula(quality, change):
    card = sm2(Card(), quality, T0)
    assert card.easiness == pytest.approx(START_EASINESS + change)


def test_easiness_never_falls_below_1_3():
    card = Card()
    for _ in range(20):
        card = sm2(card, 3, T0)
    assert card.easiness == MIN_EASINESS


def test_a_failed_answer_starts_the_repetitions_again_without_changing_easiness():
    card = sm2(sm2(sm2(Card(), 5, T0), 4, T0), 5, T0)
    failed = sm2(card, 1, T0)
    assert (failed.repetitions, failed.interval) == (0, 1)
    assert failed.easiness == card.easiness
    assert failed.lapses == 1 and failed.reviews == 4 and failed.right == 3


def test_quality_outside_0_to_5_is_refused():
    with pytest.raises(ValueError, match="0 to 5"):
        sm2(Card(), 6, T0)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30))
def test_any_answers_keep_the_card_sane(qualities):
    card = Card()
    for quality in qualities:
        before = card
        card = sm2(card, quality, T0)
        assert card.easiness >= MIN_EASINESS and card.interval >= 1
        assert card.due == T0 + timedelta(days=card.interval)
        if quality >= 3 and before.repetitions >= 2:
            assert card.interval >= before.interval  # a right answer never brings it closer


def test_progress_survives_a_restart(tmp_path):
    clock = Clock()
    path = tmp_path / "quiz-progress.json"
    progress = Progress(path, clock)
    progress.record("name:iliacus_right", 5)
    progress.record("roots:femoral_nerve", 1)
    again = Progress(path, clock)
    assert again.problems == []
    assert again.cards == progress.cards
    assert again.card("name:iliacus_right").interval == 1
    left = {p.name for p in tmp_path.iterdir()}
    assert left <= {"quiz-progress.json", "quiz-progress.json.lock"}, "no temporary file is left behind"


def test_due_and_unseen(tmp_path):
    clock = Clock()
    progress = Progress(tmp_path / "p.json", clock)
    questions = [question("a"), question("b"), question("c")]
    progress.record("a", 5)  # due in 1 day
    progress.record("b", 1)  # due in 1 day too, but asked again this session
    assert progress.due(questions) == []
    assert [q.id for q in progress.unseen(questions)] == ["c"]
    clock.when = T0 + timedelta(days=1, minutes=1)
    assert {q.id for q in progress.due(questions)} == {"a", "b"}
    session = QuizSession.practice(questions, progress)
    assert [q.id for q in session.queue] == ["a", "b", "c"]


def test_a_wrong_answer_comes_back_in_the_same_session(tmp_path):
    progress = Progress(tmp_path / "p.json", Clock())
    session = QuizSession([question("a"), question("b")], progress)
    session.answer(1, correct=False)
    assert session.advance().id == "b"
    session.answer(5, correct=True)
    assert session.advance().id == "a" and session.remaining == 1
    session.answer(4, correct=True)
    assert session.advance() is None
    assert (session.answered, session.right) == (3, 2)
    assert progress.card("a").reviews == 2


def test_a_corrupt_progress_file_is_set_aside_never_lost(tmp_path):
    path = tmp_path / "quiz-progress.json"
    path.write_text('{"cards": {"a": {"repetitions": 1, "interval": 1')  # cut off mid-write
    progress = Progress(path, Clock())
    assert progress.cards == {}
    (problem,) = progress.problems
    assert str(path) in str(problem) and "kept as quiz-progress.json.unreadable-" in problem.message
    (aside,) = tmp_path.glob("quiz-progress.json.unreadable-*")
    assert aside.read_text() == '{"cards": {"a": {"repetitions": 1, "interval": 1'
    progress.record("b", 5)
    assert json.loads(path.read_text())["cards"].keys() == {"b"}
    assert aside.exists()


def test_unreadable_cards_are_left_out_and_the_rest_kept(tmp_path):
    path = tmp_path / "quiz-progress.json"
    good = sm2(Card(), 5, T0).model_dump(mode="json")
    path.write_text(json.dumps({"cards": {"a": good, "b": {"easiness": -3}}}))
    progress = Progress(path, Clock())
    assert set(progress.cards) == {"a"}
    assert "1 card(s) do not read, the first 'b'" in progress.problems[0].message
    assert len(list(tmp_path.glob("*.unreadable-*"))) == 1


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,  # issue 26: RecursionError, nothing set aside
        '{"cards": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}",
        '{"cards": {"a": {"repetitions":\n' + "9" * 5000 + "}}}",  # Python refuses over 4,300 digits
    ],
    ids=["brackets", "deep-card", "long-integer"],
)
def test_a_progress_file_too_deep_or_with_a_huge_number_is_set_aside(tmp_path, text):
    path = tmp_path / "quiz-progress.json"
    path.write_text(text)
    progress = Progress(path, Clock())
    assert progress.cards == {}
    (problem,) = progress.problems
    assert "\n" not in str(problem) and "kept as quiz-progress.json.unreadable-" in problem.message
    assert (
        "number too long" in problem.message and problem.line == 2
    ) or "nested too deeply" in problem.message
    (aside,) = tmp_path.glob("quiz-progress.json.unreadable-*")
    assert aside.read_text() == text


@settings(max_examples=60, deadline=None)  # a time limit fails on a busy machine, not a bug
@given(st.binary(max_size=300))
def test_any_bytes_never_crash_and_are_kept(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("progress")
    path = folder / "quiz-progress.json"
    path.write_bytes(data)
    progress = Progress(path, Clock())
    progress.record("a", 4)
    kept = [p.read_bytes() for p in folder.glob("quiz-progress.json.unreadable-*")]
    assert progress.problems == [] or kept == [data]
    assert Progress(path, Clock()).card("a").reviews >= 1


def test_two_windows_keep_each_others_answers(tmp_path):
    path = tmp_path / "quiz-progress.json"
    first, second = Progress(path, Clock()), Progress(path, Clock(T0 + timedelta(minutes=5)))
    first.record("a", 5)
    second.record("b", 5)
    first.record("c", 5)
    assert set(Progress(path, Clock()).cards) == {"a", "b", "c"}


def test_summary_by_topic_and_csv(tmp_path):
    clock = Clock()
    progress = Progress(tmp_path / "p.json", clock)
    questions = [question("a"), question("b"), question("m", Topic.myths)]
    progress.record("a", 5)
    progress.record("b", 2)
    progress.record("b", 5)
    rows = {row.topic: row for row in progress.summary(questions)}
    assert set(rows) == {"muscles", "myths"}
    muscles = rows["muscles"]
    assert (muscles.questions, muscles.seen, muscles.new, muscles.reviews) == (2, 2, 0, 3)
    assert muscles.right_percent == 67 and muscles.next_due == "2026-11-23"
    assert rows["myths"].right_percent is None and rows["myths"].new == 1
    text = summary_csv(list(rows.values()))
    lines = text.splitlines()
    assert lines[0] == "topic,questions,seen,due,new,reviews,right_percent,next_due"
    assert lines[1].startswith("muscles,2,2,0,0,3,67,") and lines[2] == "myths,1,0,0,1,0,,"


def test_an_answer_that_cannot_be_saved_is_kept_and_said(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    progress = Progress(blocker / "quiz-progress.json", Clock())
    card = progress.record("a", 5)
    assert progress.card("a") == card  # kept for this session
    assert "progress not saved" in progress.problems[-1].message
    assert blocker.read_text() == "a file where the data folder should be"


def test_a_file_that_cannot_be_read_is_never_written_over(tmp_path):
    path = tmp_path / "quiz-progress.json"
    path.mkdir()  # reading it fails as an unreadable file's would
    (path / "inside").write_text("keep me")
    progress = Progress(path, Clock())
    assert "cannot read file" in progress.problems[0].message
    progress.record("a", 5)
    assert "progress not saved" in progress.problems[-1].message
    assert (path / "inside").read_text() == "keep me"


def test_a_card_with_a_time_without_its_zone_does_not_read(tmp_path):
    """A hand-edited time without a zone could not be compared with now: set aside."""
    path = tmp_path / "quiz-progress.json"
    good = sm2(Card(), 5, T0).model_dump(mode="json")
    naive = {**good, "due": "2026-11-23T09:00:00"}
    path.write_text(json.dumps({"cards": {"a": good, "b": naive}}))
    progress = Progress(path, Clock())
    assert set(progress.cards) == {"a"} and "the first 'b'" in progress.problems[0].message
    assert progress.due([question("a"), question("b")], T0 + timedelta(days=2))[0].id == "a"


def test_a_file_that_cannot_be_kept_aside_is_never_written_over(tmp_path, monkeypatch):
    import app.model.quiz.review as review

    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "quiz-progress.json"
    path.write_text("{ not json")
    monkeypatch.setattr(review, "atomic_write_bytes", refuse)
    progress = Progress(path, Clock())
    assert "cannot keep it aside: Permission denied" in progress.problems[0].message
    progress.record("a", 5)
    assert "progress not saved" in progress.problems[-1].message
    assert path.read_text() == "{ not json" and progress.card("a").reviews == 1
