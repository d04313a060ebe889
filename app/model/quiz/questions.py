"""Questions generated from the atlas' own data, and how an answer is graded.

Every question is made from a data file and cites what it was made from: structure names
and Latin names (``structures.yaml``), the attachment regions the mesh build wrote
(``meshes/attachments.json``), nerve roots (``structures.yaml``, with the content entry that
states them), innervation and myths (``annotations/content/``), and muscle lengths in the
named poses (the length model over ``motion.yaml``'s poses). Nothing is written by hand
here, so a question can never disagree with the panel that explains its answer.

A question's id names what it asks (``name:iliacus_left``); the spaced-repetition schedule
(:mod:`app.model.quiz.review`) is kept by id, so it survives restarts and new releases.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from app.model.anatomy.content import Library, base_id
from app.model.anatomy.landmarks import Attachment, Point
from app.model.anatomy.search import SearchIndex, in_sentence, split_side
from app.model.anatomy.structures import Catalogue, Group, Kind, Structure
from app.model.motion.body import Body
from app.model.quiz.roots import root_list, roots_in, shifted_roots, wrong_roots

if TYPE_CHECKING:
    from app.model.atlas import Atlas

#: Farthest a click may land from an attachment region and still find it (mm): about the
#: size of the lesser trochanter, so a click on the tubercle counts and one on the shaft
#: below it does not.
ATTACHMENT_TOLERANCE_MM = 12.0
#: How many choices a multiple-choice question offers.
CHOICES = 4
#: A motion question's answer must beat every other choice by this much (% of length), so
#: that the answer never hangs on the model's last decimal.
MOTION_MARGIN_PCT = 2.0
#: SM-2 grades (0-5) given to an answer: right, right with a typo forgiven, wrong.
QUALITY_RIGHT, QUALITY_CLOSE, QUALITY_WRONG = 5, 4, 1


class QuestionType(StrEnum):
    find_it = "find"  # click a structure in the 3D view
    name_it = "name"  # name a highlighted structure (typed or chosen)
    attachment = "attachment"  # click an origin or insertion on its bone
    roots = "roots"  # which roots form a nerve
    supply = "supply"  # which nerve (or roots) supplies a muscle
    myth = "myth"  # true or false
    motion = "motion"  # which pose shortens or lengthens a muscle most


class Topic(StrEnum):
    bones = "bones"
    ligaments = "ligaments"
    muscles = "muscles"
    nerves = "nerves"
    myths = "myths"
    motion = "motion"


#: What a question type is answered with (the window offers the matching controls).
CLICKED = frozenset({QuestionType.find_it, QuestionType.attachment})

_KIND_TOPIC = {
    Kind.bone: Topic.bones,
    Kind.disc: Topic.bones,
    Kind.ligament: Topic.ligaments,
    Kind.muscle: Topic.muscles,
    Kind.nerve: Topic.nerves,
}


@dataclass(frozen=True)
class Question:
    """One question with its answer, what it is about and where the answer comes from."""

    id: str
    type: QuestionType
    topic: Topic
    prompt: str
    answer: str
    #: What the answer is shown on in 3D (a structure id), if anything.
    structure: str | None
    #: Keys of ``annotations/sources.yaml`` (a motion question: the poses' citations).
    sources: tuple[str, ...]
    #: The text the panel shows after the answer (the fact the question was made from).
    explanation: str = ""
    #: A multiple-choice question's choices, the answer among them.
    choices: tuple[str, ...] = ()
    #: Names accepted when the answer is typed (English and Latin).
    accepted: tuple[str, ...] = ()
    #: A true-or-false question's truth.
    truth: bool | None = None
    #: An attachment question's regions (any of them is right).
    regions: tuple[Attachment, ...] = ()
    #: A motion question's answer, as a pose name.
    pose: str | None = None
    #: The standard view that shows the answer best, if not the one the student has.
    view: str | None = None

    @property
    def choice_index(self) -> int | None:
        return self.choices.index(self.answer) if self.answer in self.choices else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type.value,
            "topic": self.topic.value,
            "prompt": self.prompt,
            "answer": self.answer,
            "structure": self.structure,
            "sources": list(self.sources),
        }
        if self.choices:
            out["choices"] = list(self.choices)
        if self.accepted:
            out["accepted"] = list(self.accepted)
        if self.truth is not None:
            out["truth"] = self.truth
        if self.regions:
            out["regions"] = [{"bone": r.bone, "name": r.name, "role": r.role} for r in self.regions]
        if self.pose is not None:
            out["pose"] = self.pose
        if self.view is not None:
            out["view"] = self.view
        if self.explanation:
            out["explanation"] = self.explanation
        return out


@dataclass(frozen=True)
class Grade:
    """How an answer went: right or not, its SM-2 quality (0-5) and what to say."""

    correct: bool
    quality: int
    feedback: str


def unsided(structure: Structure) -> str:
    """The name without its side: ``Right femoral nerve`` -> ``femoral nerve``."""
    words = structure.name.split(" ", 1)
    if len(words) == 2 and words[0].lower() in ("left", "right"):
        return words[1]
    return in_sentence(structure.name)


@dataclass
class QuestionBank:
    """Every question the data can ask, made once; :meth:`draw` picks some."""

    catalogue: Catalogue
    library: Library
    attachments: Sequence[Attachment] = ()
    #: Each named pose's title, citation and length change of each muscle (% of standing).
    pose_changes: dict[str, tuple[str, str, dict[str, float]]] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = SearchIndex(self.catalogue)
        if not self.questions:
            self.questions = self._make()

    @classmethod
    def for_atlas(cls, atlas: Atlas) -> QuestionBank:
        """The bank of an :class:`app.model.atlas.Atlas` (its teaching content loaded)."""
        return cls.of(atlas.catalogue, atlas.library, atlas.attachments, atlas.body)

    @classmethod
    def of(
        cls, catalogue: Catalogue, library: Library, attachments: Sequence[Attachment], body: Body | None
    ) -> QuestionBank:
        """The bank of a data set's parts (the window has a scene and a library, no atlas)."""
        changes: dict[str, tuple[str, str, dict[str, float]]] = {}
        if body is not None:
            for name, named in body.motion.poses.items():
                if name != "neutral":
                    lengths = body.mechanics.length_changes(named.pose)
                    changes[name] = (named.title, named.source, lengths)
        return cls(catalogue, library, list(attachments), changes)

    def __len__(self) -> int:
        return len(self.questions)

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def _make(self) -> list[Question]:
        made: list[Question] = []
        for structure in self.catalogue:
            if structure.variant:
                continue  # not in everyone: not a fair question
            if structure.group is Group.context:
                continue  # drawn for the posture, not what the atlas teaches
            made.append(self._find(structure))
            made.append(self._name(structure))
        made += self._attachments()
        made += self._roots()
        made += self._supply()
        made += self._myths()
        made += self._motion()
        return made

    # the questions of each type
    def _explain(self, structure_id: str) -> tuple[str, tuple[str, ...]]:
        entry = self.library.entry_for(structure_id)
        if entry is None:
            return "", ()
        return entry.summary.text, entry.summary.sources

    def _find(self, s: Structure) -> Question:
        text, sources = self._explain(s.id)
        return Question(
            f"find:{s.id}",
            QuestionType.find_it,
            _KIND_TOPIC[s.kind],
            f"Click the {in_sentence(s.name)}.",
            s.name,
            s.id,
            sources,
            text,
        )

    def _name(self, s: Structure) -> Question:
        text, sources = self._explain(s.id)
        # Plausible: the same kind on the same side (a variant will do), then the same kind,
        # then anything on the same side (there is one kind of ligament).
        other = [o for o in self.catalogue if base_id(o.id) != base_id(s.id) and o.group is not Group.context]
        tiers = (
            [o for o in other if o.kind is s.kind and o.side is s.side],
            [o for o in other if o.kind is s.kind and o.side is not s.side],
            [o for o in other if o.kind is not s.kind and o.side is s.side],
        )
        rng = random.Random(f"name:{s.id}")
        names: list[str] = []
        for tier in tiers:
            wanted = CHOICES - 1 - len(names)
            names += [o.name for o in rng.sample(tier, min(wanted, len(tier)))]
        choices = _choices(s.name, names, f"name:{s.id}")
        return Question(
            f"name:{s.id}",
            QuestionType.name_it,
            _KIND_TOPIC[s.kind],
            "What is the highlighted structure?",
            s.name,
            s.id,
            sources,
            text,
            choices=choices,
            accepted=(s.name, s.latin),
        )

    def _attachments(self) -> list[Question]:
        grouped: dict[tuple[str, str], list[Attachment]] = {}
        for a in self.attachments:
            if a.muscle in self.catalogue and not self.catalogue[a.muscle].variant:
                grouped.setdefault((a.muscle, a.role), []).append(a)
        out = []
        for (muscle_id, role), regions in grouped.items():
            muscle = self.catalogue[muscle_id]
            entry = self.library.entry_for(muscle_id)
            facts = getattr(entry, role) if entry is not None else ()
            names = "; ".join(r.name for r in regions)
            out.append(
                Question(
                    f"attachment:{muscle_id}:{role}",
                    QuestionType.attachment,
                    Topic.muscles,
                    f"Click {'the insertion' if role == 'insertion' else 'an origin'} of the "
                    f"{in_sentence(muscle.name)} on its bone.",
                    names,
                    muscle_id,
                    _sources_of(facts),
                    " ".join(f.text for f in facts),
                    regions=tuple(regions),
                )
            )
        return out

    def _nerves(self) -> dict[str, Structure]:
        """One structure per nerve (the right one, where there are two), by base id."""
        out: dict[str, Structure] = {}
        for s in self.catalogue:
            if s.kind is Kind.nerve and base_id(s.id) not in out:
                out[base_id(s.id)] = s
        return out

    def _roots(self) -> list[Question]:
        nerves = self._nerves()
        sets = {key: root_list(s.roots) for key, s in nerves.items()}
        out = []
        for key, nerve in nerves.items():
            entry = self.library.entry_for(nerve.id)
            if entry is None:
                continue
            # The fact that states the roots is cited: the summary, or else a course fact.
            stating = [f for f in (entry.summary, *entry.course) if set(nerve.roots) <= set(roots_in(f.text))]
            if not stating:
                continue
            fact = stating[0]
            answer = sets[key]
            others = wrong_roots(nerve.roots, [s.roots for k, s in nerves.items() if k != key])
            choices = _choices(answer, others, f"roots:{key}", fill=shifted_roots(nerve.roots))
            out.append(
                Question(
                    f"roots:{key}",
                    QuestionType.roots,
                    Topic.nerves,
                    f"Which spinal nerves form the {unsided(nerve)}?",
                    answer,
                    nerve.id,
                    fact.sources,
                    fact.text,
                    choices=choices,
                )
            )
        return out

    def _supply(self) -> list[Question]:
        """From each muscle's innervation fact: the nerve it names, or else the roots."""
        nerves = self._nerves()
        nerve_names = {key: unsided(s) for key, s in nerves.items()}
        out: list[Question] = []
        done: set[str] = set()
        for muscle in self.catalogue:
            key = base_id(muscle.id)
            entry = self.library.entry_for(muscle.id)
            if muscle.kind is not Kind.muscle or muscle.variant or key in done:
                continue
            if entry is None or not entry.innervation:
                continue
            done.add(key)
            fact = entry.innervation[0]
            named = [k for k, name in nerve_names.items() if name.lower() in fact.text.lower()]
            what = unsided(muscle)
            if named:
                answer = nerve_names[named[0]]
                others = [name for k, name in nerve_names.items() if k not in named and k != "lumbar_plexus"]
                prompt = f"Which nerve supplies the {what}?"
                fill: list[str] = []
            else:
                roots = roots_in(fact.text)
                if not roots:
                    continue
                answer = root_list(roots)
                others = wrong_roots(roots, [s.roots for s in nerves.values()])
                fill = shifted_roots(roots)
                prompt = f"Which spinal nerves supply the {what}?"
            choices = _choices(answer, others, f"supply:{key}", fill=fill)
            out.append(
                Question(
                    f"supply:{key}",
                    QuestionType.supply,
                    Topic.muscles,
                    prompt,
                    answer,
                    muscle.id,
                    fact.sources,
                    fact.text,
                    choices=choices,
                )
            )
        return out

    def _myths(self) -> list[Question]:
        """Each misconception (false), and each such entry's first clinical point (true)."""
        out: list[Question] = []
        seen: set[int] = set()
        for structure in self.catalogue:
            entry = self.library.entry_for(structure.id)
            if entry is None or id(entry) in seen or not entry.misconceptions:
                continue
            seen.add(id(entry))
            key = base_id(structure.id)  # one entry covers both sides
            for number, myth in enumerate(entry.misconceptions, start=1):
                out.append(
                    Question(
                        f"myth:{key}:{number}",
                        QuestionType.myth,
                        Topic.myths,
                        f"True or false? {_one_line(myth.claim)}",
                        "False",
                        structure.id,
                        myth.sources,
                        myth.correction,
                        choices=("True", "False"),
                        truth=False,
                    )
                )
            if entry.clinical:  # a true statement beside the myths: a clinical point
                point = entry.clinical[0]
                out.append(
                    Question(
                        f"fact:{key}",
                        QuestionType.myth,
                        Topic.myths,
                        f"True or false? {_one_line(point.text)}",
                        "True",
                        structure.id,
                        point.sources,
                        point.title + ": " + _one_line(point.text),
                        choices=("True", "False"),
                        truth=True,
                    )
                )
        return out

    def _motion(self) -> list[Question]:
        out: list[Question] = []
        muscles = sorted({m for _, _, changes in self.pose_changes.values() for m in changes})
        for muscle_id in muscles:
            if muscle_id not in self.catalogue or self.catalogue[muscle_id].variant:
                continue
            muscle = self.catalogue[muscle_id]
            changes = {name: c[2][muscle_id] for name, c in self.pose_changes.items() if muscle_id in c[2]}
            for verb, sign in (("shortens", 1.0), ("lengthens", -1.0)):
                ranked = sorted(changes, key=lambda n: sign * changes[n])
                best = ranked[0]
                if sign * changes[best] >= 0:
                    continue  # no pose does it
                rivals = [n for n in ranked[1:] if sign * (changes[n] - changes[best]) >= MOTION_MARGIN_PCT]
                if len(rivals) < CHOICES - 1:
                    continue
                qid = f"motion:{muscle_id}:{verb}"
                picked = random.Random(qid).sample(rivals, CHOICES - 1)
                titles = {n: self.pose_changes[n][0] for n in (best, *picked)}
                choices = _choices(titles[best], [titles[n] for n in picked], qid)
                detail = "; ".join(
                    f"{titles[n]}: {round(changes[n], 1) or 0.0:+.1f}%" for n in (best, *picked)
                )
                sources = tuple(dict.fromkeys(self.pose_changes[n][1] for n in (best, *picked)))
                out.append(
                    Question(
                        qid,
                        QuestionType.motion,
                        Topic.motion,
                        f"Which of these poses {verb} the {in_sentence(muscle.name)} the most?",
                        titles[best],
                        muscle_id,
                        sources,
                        f"Length change from standing, in the atlas' length model: {detail}.",
                        choices=choices,
                        pose=best,
                        view=muscle.side.value,  # a hip or trunk bending is seen from the side
                    )
                )
        return out

    # drawing questions
    def select(
        self,
        topics: Iterable[Topic | str] = (),
        types: Iterable[QuestionType | str] = (),
        structures: Iterable[str] = (),
    ) -> list[Question]:
        """The questions on any of ``topics``, of any of ``types``, about any of
        ``structures`` (ids or ids without a side); an empty filter keeps everything."""
        topic_set, type_set = {Topic(t) for t in topics}, {QuestionType(t) for t in types}
        wanted = set(structures)
        return [
            q
            for q in self.questions
            if (not topic_set or q.topic in topic_set)
            and (not type_set or q.type in type_set)
            and (
                not wanted
                or (q.structure is not None and (q.structure in wanted or base_id(q.structure) in wanted))
            )
        ]

    def draw(self, count: int, seed: int = 0, **filters: Any) -> list[Question]:
        """``count`` questions (at most all of them), the same for the same seed, spread over
        the question types in turn so that no one type fills a short quiz."""
        pool = self.select(**filters)
        rng = random.Random(seed)
        by_type: dict[QuestionType, list[Question]] = {}
        for q in pool:
            by_type.setdefault(q.type, []).append(q)
        for questions in by_type.values():
            rng.shuffle(questions)
        order = list(by_type)
        rng.shuffle(order)
        drawn: list[Question] = []
        while len(drawn) < min(count, len(pool)):
            for kind in order:
                if by_type[kind] and len(drawn) < count:
                    drawn.append(by_type[kind].pop())
        return drawn

    # grading
    def grade_pick(self, question: Question, structure_id: str | None) -> Grade:
        """A *find it* click: right when it picked the structure asked for."""
        if structure_id == question.structure:
            return Grade(True, QUALITY_RIGHT, f"Right: that is the {in_sentence(question.answer)}.")
        if structure_id is None:
            return Grade(
                False, QUALITY_WRONG, f"That missed everything; the {in_sentence(question.answer)} is shown."
            )
        picked = in_sentence(self.catalogue[structure_id].name)
        return Grade(
            False, QUALITY_WRONG, f"That is the {picked}; the {in_sentence(question.answer)} is shown."
        )

    def grade_point(
        self, question: Question, point: Point | None, regions: Sequence[Sequence[Point]] | None = None
    ) -> Grade:
        """An *attachment* click: right within :data:`ATTACHMENT_TOLERANCE_MM` of any of the
        regions (``regions``: their points as posed now; the rest position's by default)."""
        where = question.answer
        if point is None:
            return Grade(False, QUALITY_WRONG, f"That missed the bones. It is here: {where}.")
        arrays = regions if regions is not None else [r.points for r in question.regions]
        distance = min(
            float(np.min(np.linalg.norm(np.asarray(r) - np.asarray(point), axis=1))) for r in arrays
        )
        if distance <= ATTACHMENT_TOLERANCE_MM:
            return Grade(True, QUALITY_RIGHT, f"Right: {where}.")
        return Grade(False, QUALITY_WRONG, f"{distance:.0f} mm away. It is here: {where}.")

    def grade_text(self, question: Question, text: str) -> Grade:
        """A typed name: right when the best match for it, typos forgiven as search forgives
        them, is the structure asked for, on its side if a side is typed."""
        typed, side = split_side(text)
        structure = self.catalogue[question.structure] if question.structure else None
        if structure is None or not typed:
            return Grade(False, QUALITY_WRONG, f"It is the {in_sentence(question.answer)}.")
        matches = self.index.search(text, limit=2)
        named = bool(matches) and base_id(matches[0].structure_id) == base_id(structure.id)
        if named and side is not None and side != structure.side.value and structure.side.value != "midline":
            return Grade(False, QUALITY_WRONG, f"Other side: it is the {in_sentence(question.answer)}.")
        if named and len(matches) > 1 and matches[1].score == matches[0].score:
            return Grade(
                False,
                QUALITY_WRONG,
                f"'{text}' names more than one structure: it is the {in_sentence(question.answer)}.",
            )
        if named:
            quality = QUALITY_RIGHT if matches[0].score >= 1.0 else QUALITY_CLOSE
            return Grade(True, quality, f"Right: {question.answer} ({structure.latin}).")
        return Grade(False, QUALITY_WRONG, f"It is the {in_sentence(question.answer)} ({structure.latin}).")

    @staticmethod
    def grade_choice(question: Question, chosen: str) -> Grade:
        """A choice (a multiple-choice answer, or True / False)."""
        if chosen == question.answer:
            return Grade(True, QUALITY_RIGHT, f"Right: {question.answer}.")
        return Grade(False, QUALITY_WRONG, f"Not {chosen}: the answer is {question.answer}.")


def _choices(answer: str, others: Sequence[str], key: str, fill: Sequence[str] = ()) -> tuple[str, ...]:
    """The answer and up to three others (drawn from ``others``, then ``fill`` in its order
    while they are too few), in an order fixed by ``key`` (the question's id)."""
    rng = random.Random(key)
    pool = [o for o in dict.fromkeys(others) if o != answer]
    picked = rng.sample(pool, min(CHOICES - 1, len(pool)))
    picked += [f for f in dict.fromkeys(fill) if f != answer and f not in picked][: CHOICES - 1 - len(picked)]
    choices = [answer, *picked]
    rng.shuffle(choices)
    return tuple(choices)


def _sources_of(facts: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(source for fact in facts for source in fact.sources))


def _one_line(text: str) -> str:
    return " ".join(text.split())
