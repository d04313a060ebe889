"""Spaced repetition: when each question comes back, and the student's progress on disk.

The schedule is SM-2 as Wozniak published it (SuperMemo 2, 1990; the rules are quoted in
the docstring of :func:`sm2`). Progress lives in ``quiz-progress.json`` in the user's data
folder, one card per question id. It is written atomically (temporary file, then rename)
under a lock, so two windows never lose each other's answers. A file that does not read is
copied aside (``quiz-progress.json.unreadable-<time>``) before anything is written over it,
and the cards in it that do read are kept.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from app.model.io.atomic import aside_name, atomic_write_bytes, atomic_write_text
from app.model.io.documents import DocumentError, Problem, one_line, parse_json
from app.model.quiz.questions import Question, Topic
from app.model.teaching.bookmarks import data_dir

PROGRESS_FILE = "quiz-progress.json"
#: SM-2's starting easiness factor and its floor.
START_EASINESS, MIN_EASINESS = 2.5, 1.3
#: Answers graded below this are asked again before the session ends (SM-2, step 7).
REPEAT_BELOW = 4
#: New questions a practice session brings in beside the due ones.
NEW_PER_SESSION = 10
LOCK_TIMEOUT_S = 10.0
Clock = Callable[[], datetime]


def now_utc() -> datetime:
    return datetime.now(UTC)


class Card(BaseModel):
    """What the schedule knows about one question."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    repetitions: int = Field(default=0, ge=0)
    easiness: float = Field(default=START_EASINESS, ge=MIN_EASINESS, le=10.0)
    interval: int = Field(default=0, ge=0, le=100_000)  # days
    # with a time zone: a naive time could not be compared with now (a hand-edited file)
    due: AwareDatetime | None = None
    reviews: int = Field(default=0, ge=0)
    right: int = Field(default=0, ge=0)
    lapses: int = Field(default=0, ge=0)
    last: AwareDatetime | None = None
    last_quality: int | None = Field(default=None, ge=0, le=5)


def sm2(card: Card, quality: int, when: datetime) -> Card:
    """The card after an answer of ``quality`` (0-5) at ``when``, by SM-2's rules:

    - I(1) = 1 day, I(2) = 6 days, I(n) = I(n-1) * EF for n > 2, a fraction rounded up;
    - EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)), never below 1.3; EF starts at 2.5;
    - a quality below 3 starts the repetitions again from I(1) without changing EF.
    """
    if not 0 <= quality <= 5:
        raise ValueError(f"an SM-2 quality is 0 to 5, not {quality}")
    if quality < 3:
        repetitions, interval, easiness = 0, 1, card.easiness
    else:
        repetitions = card.repetitions + 1
        if repetitions == 1:
            interval = 1
        elif repetitions == 2:
            interval = 6
        else:
            interval = math.ceil(card.interval * card.easiness)
        q = 5 - quality
        easiness = max(MIN_EASINESS, card.easiness + (0.1 - q * (0.08 + q * 0.02)))
    return card.model_copy(
        update=dict(
            repetitions=repetitions,
            easiness=round(easiness, 4),
            interval=interval,
            due=when + timedelta(days=interval),
            reviews=card.reviews + 1,
            right=card.right + (quality >= 3),
            lapses=card.lapses + (quality < 3 and card.repetitions > 0),
            last=when,
            last_quality=quality,
        )
    )


def _newer(card: Card, than: Card) -> bool:
    return card.last is not None and (than.last is None or card.last > than.last)


def _parse(data: bytes) -> tuple[dict[str, Card], int, str]:
    """The cards in a progress file's bytes that read, and the line and what is wrong with
    the rest."""
    try:
        document = parse_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, 0, "not a progress file (not UTF-8 text)"
    except DocumentError as exc:
        return {}, exc.line, f"not a progress file ({exc.message})"
    table = document.get("cards") if isinstance(document, dict) else None
    if not isinstance(table, dict):
        return {}, 1, 'not a progress file (expected {"cards": {question id: card}})'
    cards: dict[str, Card] = {}
    bad = []
    for key, value in table.items():
        try:
            cards[str(key)] = Card.model_validate(value)
        except ValidationError:
            bad.append(str(key))
    return cards, 0, (f"{len(bad)} card(s) do not read, the first '{one_line(bad[0])}'" if bad else "")


class Progress:
    """The student's cards, by question id, mirrored to a JSON file on every answer."""

    def __init__(self, path: Path, clock: Clock = now_utc):
        self.path = Path(path)
        self.clock = clock
        self._seen: bytes | None = None  # the file as last read or written
        try:
            self.cards, self.problems = self._read()
        except OSError as exc:  # it did not read, and could not be kept aside
            reason = exc.strerror or str(exc)
            self.cards, self.problems = {}, [Problem(self.path, 0, f"cannot keep it aside: {reason}")]

    @classmethod
    def default(cls) -> Progress:
        return cls(data_dir() / PROGRESS_FILE)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _read(self) -> tuple[dict[str, Card], list[Problem]]:
        """The cards that read; a file with anything unreadable in it is copied aside first."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            self._seen = None
            return {}, []
        except OSError as exc:
            return {}, [Problem(self.path, 0, f"cannot read file: {exc.strerror or exc}")]
        cards, line, problem = _parse(data)
        if problem:
            aside = aside_name(self.path)
            # A copy: the original stays until the next answer. Should the copy fail, the
            # file counts as not read, so it is never written over.
            atomic_write_bytes(aside, data)
            problem = f"{problem}; the file is kept as {aside.name}"
        self._seen = data
        return cards, [Problem(self.path, line, problem)] if problem else []

    def card(self, question_id: str) -> Card:
        return self.cards.get(question_id, Card())

    def record(self, question_id: str, quality: int) -> Card:
        """Schedule ``question_id`` after an answer of ``quality`` and save, merging what
        another window saved meanwhile (the newer card of each question wins). When the
        file cannot be read or written the card is kept here, the problem is listed, and the
        next answer tries again: a file that was not read is never written over."""
        card = sm2(self.card(question_id), quality, self.clock())
        self.cards[question_id] = card
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(self.lock_path, timeout=LOCK_TIMEOUT_S):
                if self.path.exists() and self.path.read_bytes() != self._seen:  # another window saved
                    on_disk, problems = self._read()
                    self.problems += problems
                    for key, other in on_disk.items():
                        mine = self.cards.get(key)
                        if key != question_id and (mine is None or _newer(other, mine)):
                            self.cards[key] = other
                self._write()
        except (OSError, Timeout) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.problems.append(Problem(self.path, 0, f"progress not saved: {reason}"))
        return card

    def _write(self) -> None:
        cards = {key: card.model_dump(mode="json") for key, card in sorted(self.cards.items())}
        text = json.dumps({"version": 1, "cards": cards}, indent=1) + "\n"
        atomic_write_text(self.path, text)
        self._seen = text.encode("utf-8")

    def due(self, questions: Iterable[Question], when: datetime | None = None) -> list[Question]:
        """The questions seen before and due again by ``when``, most overdue first."""
        when = when or self.clock()
        seen = [q for q in questions if q.id in self.cards and self._due_at(q.id) <= when]
        return sorted(seen, key=lambda q: self._due_at(q.id))

    def _due_at(self, question_id: str) -> datetime:
        due = self.cards[question_id].due
        return due if due is not None else datetime.min.replace(tzinfo=UTC)

    def unseen(self, questions: Iterable[Question]) -> list[Question]:
        return [q for q in questions if q.id not in self.cards]

    def summary(self, questions: Sequence[Question], when: datetime | None = None) -> list[TopicRow]:
        """How each topic is going: its questions, those seen, due and new, and the share
        answered right."""
        when = when or self.clock()
        rows = []
        for topic in Topic:
            mine = [q for q in questions if q.topic is topic]
            if not mine:
                continue
            cards = [self.cards[q.id] for q in mine if q.id in self.cards]
            reviews = sum(c.reviews for c in cards)
            upcoming = [c.due for c in cards if c.due is not None and c.due > when]
            rows.append(
                TopicRow(
                    topic.value,
                    len(mine),
                    len(cards),
                    len(self.due(mine, when)),
                    len(mine) - len(cards),
                    reviews,
                    round(100 * sum(c.right for c in cards) / reviews) if reviews else None,
                    min(upcoming).date().isoformat() if upcoming else "",
                )
            )
        return rows


@dataclass(frozen=True)
class TopicRow:
    topic: str
    questions: int
    seen: int
    due: int
    new: int
    reviews: int
    right_percent: int | None
    next_due: str


def summary_csv(rows: Sequence[TopicRow]) -> str:
    """The topic summary as CSV, one row per topic under a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(asdict(rows[0]) if rows else TopicRow.__dataclass_fields__)
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if v is None else v for v in asdict(row).values()])
    return out.getvalue()


class QuizSession:
    """One sitting: the questions in order, the answers given, the wrong ones asked again.

    A practice session takes the due questions, then up to :data:`NEW_PER_SESSION` new ones;
    an instructor's quiz gives its own list. Every answer is recorded in ``progress`` (when
    there is one) and an answer graded below 4 comes back at the end (SM-2, step 7)."""

    def __init__(self, questions: Sequence[Question], progress: Progress | None = None):
        self.queue: list[Question] = list(questions)
        self.progress = progress
        self.position = 0
        self.answered = 0
        self.right = 0

    @classmethod
    def practice(
        cls, pool: Sequence[Question], progress: Progress, new: int = NEW_PER_SESSION
    ) -> QuizSession:
        return cls([*progress.due(pool), *progress.unseen(pool)[:new]], progress)

    @property
    def current(self) -> Question | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    @property
    def remaining(self) -> int:
        return len(self.queue) - self.position

    def answer(self, quality: int, correct: bool) -> None:
        """Record the current question's answer (the caller graded it)."""
        question = self.current
        if question is None:
            return
        self.answered += 1
        self.right += bool(correct)
        if self.progress is not None:
            self.progress.record(question.id, quality)
        if quality < REPEAT_BELOW:
            self.queue.append(question)

    def advance(self) -> Question | None:
        self.position += 1
        return self.current
