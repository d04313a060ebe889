"""The generated questions against the data files they are made from, and the grading."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.io import paths
from app.model.quiz.questions import (
    ATTACHMENT_TOLERANCE_MM,
    CHOICES,
    QUALITY_CLOSE,
    QUALITY_RIGHT,
    QuestionBank,
    QuestionType,
    Topic,
)
from app.model.quiz.quiz_files import Quiz, answer_text, load_quiz, question_text, quiz_lesson
from app.model.quiz.roots import roots_in
from app.model.teaching.lessons import lesson_yaml, load_lesson


def test_every_type_and_topic_is_asked_and_ids_are_unique(bank):
    types = Counter(q.type for q in bank.questions)
    assert set(types) == set(QuestionType)
    assert {q.topic for q in bank.questions} == set(Topic)
    assert len(bank.by_id()) == len(bank.questions)


def test_names_are_those_of_the_structures_file(bank):
    structures = {s["id"]: s for s in yaml.safe_load(paths.structures_file().read_text())["structures"]}
    for q in bank.select(types=["find", "name"]):
        assert q.structure is not None
        assert q.answer == structures[q.structure]["name"]
        if q.type is QuestionType.name_it:
            assert structures[q.structure]["latin"] in q.accepted
        assert not structures[q.structure].get("variant"), "a variant is not a fair question"


def test_roots_are_those_of_the_structures_file_and_the_cited_fact_states_them(bank, atlas):
    structures = {s["id"]: s for s in yaml.safe_load(paths.structures_file().read_text())["structures"]}
    asked = bank.select(types=["roots"])
    assert {q.id for q in asked} >= {"roots:femoral_nerve", "roots:obturator_nerve", "roots:lumbar_plexus"}
    for q in asked:
        assert q.answer == ", ".join(structures[q.structure]["roots"])
        assert set(structures[q.structure]["roots"]) <= set(roots_in(q.explanation))
        assert q.sources and all(s in atlas.library.sources for s in q.sources)
    assert bank.by_id()["roots:femoral_nerve"].answer == "L2, L3, L4"


def test_supply_answers_come_from_the_innervation_facts(bank):
    content = {}
    for path in sorted((paths.annotations_dir() / "content").glob("*.yaml")):
        content.update(yaml.safe_load(path.read_text())["content"])
    iliacus = bank.by_id()["supply:iliacus"]
    assert iliacus.answer == "femoral nerve"
    assert bank.by_id()["supply:psoas_major"].answer == "L1, L2, L3"
    for q in bank.select(types=["supply"]):
        key = q.id.split(":", 1)[1]
        text = " ".join(fact["text"] for fact in content[key]["innervation"])
        if q.prompt.startswith("Which nerve"):
            assert q.answer in text
        else:
            assert q.answer.split(", ") == roots_in(text)


def test_myths_are_false_and_clinical_points_true(bank):
    claims, points = set(), set()
    for path in sorted((paths.annotations_dir() / "content").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text())["content"].values():
            claims |= {" ".join(m["claim"].split()) for m in entry.get("misconceptions", ())}
            points |= {" ".join(c["text"].split()) for c in entry.get("clinical", ())}
    myths = bank.select(types=["myth"])
    assert sum(q.truth is False for q in myths) == len(claims)
    for q in myths:
        statement = q.prompt.removeprefix("True or false? ")
        assert (statement in claims) == (q.truth is False) and q.answer == str(q.truth)
        assert (statement in points) == (q.truth is True)


def test_attachment_regions_are_those_of_the_mesh_build(bank, atlas):
    for q in bank.select(types=["attachment"]):
        role = q.id.rsplit(":", 1)[1]
        expected = [a for a in atlas.attachments if a.muscle == q.structure and a.role == role]
        assert list(q.regions) == expected
        assert all(region.name in q.answer for region in expected)


def test_motion_answers_are_the_length_models_extremes(bank, atlas):
    mechanics, poses = atlas.body.mechanics, atlas.body.motion.poses
    titles = {p.title: name for name, p in poses.items()}
    for q in bank.select(types=["motion"]):
        changes = {titles[c]: mechanics.length_changes(poses[titles[c]].pose)[q.structure] for c in q.choices}
        pick = min if "shortens" in q.prompt else max
        assert titles[q.answer] == q.pose == pick(changes, key=changes.__getitem__)
        others = [v for name, v in changes.items() if name != q.pose]
        assert all(abs(v - changes[q.pose]) >= 2.0 for v in others), "the answer is clear of the rest"
    shortens = bank.by_id()["motion:psoas_major_right:shortens"]
    assert (
        shortens.pose == "knee_to_chest"
        or "knee" in shortens.answer.lower()
        or "sit" in shortens.answer.lower()
    )


def test_choices_hold_the_answer_once_and_are_stable(atlas, bank):
    for q in bank.questions:
        if q.choices:
            assert q.choices.count(q.answer) == 1
            assert len(set(q.choices)) == len(q.choices) <= CHOICES
    again = QuestionBank.for_atlas(atlas)
    assert [q.choices for q in again.questions] == [q.choices for q in bank.questions]


def test_root_distractors_are_wrong_by_the_data(bank):
    """A distractor that only leaves roots out ("L1" beside "T12, L1") or only adds one to
    all the right ones is defensible (sources differ on T12 and L5 contributions): each
    names a root the answer lacks and lacks one the answer names; four choices each."""
    asked = [q for q in bank.select(types=["roots", "supply"]) if ", ".join(roots_in(q.answer)) == q.answer]
    assert any(q.id == "roots:iliohypogastric_nerve" for q in asked)
    for q in asked:
        right = set(q.answer.split(", "))
        assert len(q.choices) == CHOICES, q.id
        for choice in q.choices:
            if choice != q.answer:
                named = set(choice.split(", "))
                assert named - right and right - named, f"{q.id}: {choice!r} beside {q.answer!r}"
    assert "L1" not in bank.by_id()["roots:iliohypogastric_nerve"].choices


def test_ligaments_are_a_topic_of_their_own(bank, atlas):
    ligaments = {s.id for s in atlas.catalogue if s.kind.value == "ligament"}
    assert ligaments
    for q in bank.questions:
        if q.type.value in ("find", "name") and q.structure in ligaments:
            assert q.topic is Topic.ligaments
    assert not any(q.structure in ligaments for q in bank.select(topics=["bones"]))


def test_name_choices_are_of_the_same_kind_where_there_are_enough(bank, atlas):
    by_name = {s.name: s for s in atlas.catalogue}
    for q in bank.select(types=["name"]):
        asked = atlas.catalogue[q.structure]
        assert len(q.choices) == 4
        kinds = {by_name[c].kind for c in q.choices}
        if asked.kind.value != "ligament":  # one kind of ligament: the others are on its side
            assert kinds == {asked.kind}
        else:
            assert {by_name[c].side for c in q.choices} == {asked.side}


def test_draw_is_deterministic_spread_and_filtered(bank):
    first = bank.draw(12, seed=3)
    assert [q.id for q in first] == [q.id for q in bank.draw(12, seed=3)]
    assert [q.id for q in first] != [q.id for q in bank.draw(12, seed=4)]
    assert len({q.type for q in first}) == len(QuestionType)
    nerves = bank.draw(500, seed=1, topics=["nerves"])
    assert nerves and {q.topic for q in nerves} == {Topic.nerves}
    assert len(nerves) == len(bank.select(topics=["nerves"]))
    psoas = bank.select(structures=["psoas_major"])
    assert psoas and all(q.structure.startswith("psoas_major_") for q in psoas)


@pytest.mark.parametrize(
    ("typed", "correct", "quality"),
    [
        ("iliacus", True, QUALITY_RIGHT),
        ("Right iliacus", True, QUALITY_RIGHT),
        ("musculus iliacus", True, QUALITY_RIGHT),
        ("ilacus", True, QUALITY_CLOSE),  # a typo is forgiven, and graded a little lower
        ("left iliacus", False, None),  # the other side
        ("psoas major", False, None),
        ("", False, None),
    ],
)
def test_typed_names(bank, typed, correct, quality):
    grade = bank.grade_text(bank.by_id()["name:iliacus_right"], typed)
    assert grade.correct is correct
    if quality is not None:
        assert grade.quality == quality
    else:
        assert grade.quality < 3


def test_an_ambiguous_name_is_not_accepted(bank):
    grade = bank.grade_text(bank.by_id()["name:psoas_major_right"], "psoas")
    assert not grade.correct and "more than one" in grade.feedback


def test_picks_and_choices(bank):
    find = bank.by_id()["find:iliacus_left"]
    assert bank.grade_pick(find, "iliacus_left").correct
    wrong = bank.grade_pick(find, "iliacus_right")
    assert not wrong.correct and "right iliacus" in wrong.feedback
    assert not bank.grade_pick(find, None).correct
    roots = bank.by_id()["roots:femoral_nerve"]
    assert bank.grade_choice(roots, "L2, L3, L4").correct
    assert not bank.grade_choice(roots, next(c for c in roots.choices if c != roots.answer)).correct


def test_an_attachment_click_is_graded_by_distance(bank):
    q = bank.by_id()["attachment:psoas_major_right:insertion"]
    trochanter = np.asarray(q.regions[0].points)
    assert bank.grade_point(q, tuple(trochanter[0])).correct
    outward = trochanter[0] + np.array([ATTACHMENT_TOLERANCE_MM * 0.5, 0, 0])
    assert bank.grade_point(q, tuple(outward)).correct
    far = trochanter.mean(axis=0) + np.array([0, 0, 60.0])  # up on the femoral neck and beyond
    grade = bank.grade_point(q, tuple(far))
    assert not grade.correct and "mm away" in grade.feedback
    assert not bank.grade_point(q, None).correct
    moved = [trochanter + 100.0]  # the regions as posed: the rest position no longer counts
    assert not bank.grade_point(q, tuple(trochanter[0]), regions=moved).correct


def test_roots_in_reads_ranges_and_lists():
    assert roots_in("The ventral rami of T12 and L1-L4.") == ["T12", "L1", "L2", "L3", "L4"]
    assert roots_in("Direct branches of the ventral rami of L1, L2 and L3.") == ["L1", "L2", "L3"]
    assert roots_in("A branch of the lumbar plexus (L2\N{EN DASH}L4)") == ["L2", "L3", "L4"]
    assert roots_in("no roots here, L9") == []


def test_a_quiz_is_a_lesson_that_hides_the_answer_until_the_next_step(bank, atlas, tmp_path):
    questions = [
        bank.by_id()[i]
        for i in ("name:iliacus_right", "roots:femoral_nerve", "motion:iliacus_right:shortens")
    ]
    lesson = quiz_lesson(Quiz("Week 3", tuple(questions), multiple_choice=True))
    assert [s.title for s in lesson.steps] == [
        f"{what} {n} of 3" for n in (1, 2, 3) for what in ("Question", "Answer")
    ]
    name_ask, name_answer, roots_ask, roots_answer, motion_ask, motion_answer = lesson.steps
    assert (
        name_ask.select == ("iliacus_right",) and not name_ask.labels and "Right iliacus" in name_ask.caption
    )
    assert name_answer.labels and name_answer.caption.split("\n")[0].endswith("Right iliacus")
    assert roots_ask.select == () and "A. " in roots_ask.caption and "L2, L3, L4" in roots_answer.caption
    assert motion_ask.pose is None and motion_answer.pose == (questions[2].pose,)
    assert motion_answer.view == "right"  # the right hip flexing, seen from the side
    path = tmp_path / "quiz.yaml"
    path.write_text(lesson_yaml(lesson))
    assert load_lesson(path, atlas.catalogue, atlas.body.motion)[1] == []


def test_question_and_answer_text(bank, atlas):
    roots = bank.by_id()["roots:femoral_nerve"]
    text = question_text(roots)
    assert text.startswith(roots.prompt) and text.count("\n") == len(roots.choices)
    typed = bank.by_id()["name:iliacus_right"]
    assert question_text(typed, multiple_choice=False) == typed.prompt
    key = answer_text(roots, atlas.library.sources)
    assert "L2, L3, L4" in key and atlas.library.sources["gray42"] in key


def test_the_shipped_quiz_reads(bank):
    quizzes = sorted((paths.annotations_dir() / "quizzes").glob("*.yaml"))
    assert quizzes
    for path in quizzes:
        quiz, errors = load_quiz(path, bank)
        assert errors == [] and quiz is not None and len(quiz.questions) >= 10


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("title: Week 3\ntopics: [muscles, nervs]\n", 2, "must be one of"),
        ("title: Week 3\nstructures: [psoas_major, iliacuss]\n", 2, "(did you mean 'iliacus'?)"),
        ("title: Week 3\nquestions: [name:iliacus_rihgt]\n", 2, "unknown question"),
        ("title: Week 3\ncount: 0\n", 2, "'count'"),
        ("title: Week 3\ncuont: 4\n", 2, "unknown field (did you mean 'count'?)"),
        ("title: Week 3\ntypes: [motion]\nstructures: [femur]\n", 1, "no question matches"),
        ("steps: []\n", 1, "expected a mapping with 'title:'"),
        ("title: Week 3\nquestions: []\n", 2, "'questions': name at least one question"),
        ("title: Week 3\nquestions: [roots:femoral_nerve, roots:femoral_nerve]\n", 2, "asked twice"),
        ("title: Week 3\nquestions: [roots:femoral_nerve]\ncount: 3\n", 3, "'count': not used with"),
        ("title: Week 3\ntopics: [muscles]\nquestions: [roots:femoral_nerve]\n", 2, "'topics': not used"),
    ],
)  # fmt: skip
def test_bad_quiz_files_say_where(bank, tmp_path, text, line, message):
    path = tmp_path / "week3.yaml"
    path.write_text(text)
    quiz, errors = load_quiz(path, bank)
    assert quiz is None and errors
    assert errors[0].file == Path(path) and errors[0].line == line and message in errors[0].message


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(st.characters(exclude_categories=["Cs"]), max_size=130))
def test_every_quiz_file_that_reads_can_be_presented_as_a_lesson(tmp_path, bank, title):
    """Issue 26, defect 8: a quiz titled "Q" read, and its lesson (presenting, --export)
    raised pydantic's error: the quiz file asks of its title what the lesson does."""
    path = tmp_path / "quiz.yaml"
    path.write_text(
        yaml.safe_dump({"title": title, "count": 2}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    quiz, errors = load_quiz(path, bank)
    if quiz is None:
        assert errors and all(error.line == 1 and "'title'" in error.message for error in errors)
    else:  # YAML may read back another title than was written (U+0085 is a line break to it)
        assert quiz_lesson(quiz).title == quiz.title
