"""The scene a quiz question sets, and the one its answer shows, for every question type:
nothing that gives the answer away while it waits, the answer plain once given. No window."""

from __future__ import annotations

import pytest

from app.model.anatomy.structures import Kind
from app.model.quiz.questions import Question, QuestionType
from app.model.quiz.scenes import MUSCLE_OPACITY_FINDING_A_NERVE, quiz_scene, set_question, show_answer
from app.model.scene.emphasis import default_opacity
from app.model.sections.planes import Section


@pytest.fixture
def scene(atlas):
    return atlas.scene()


def asked(scene, bank, question_id: str) -> Question:
    question = bank.by_id()[question_id]
    set_question(scene, question)
    assert not scene.picture.labels
    return question


def kind_of(scene, kind: Kind) -> list[str]:
    return [s.id for s in scene.catalogue if s.kind is kind]


def test_every_question_type_is_asked_here(bank):
    ids = {"find:psoas_major_right", "find:femoral_nerve_right", "name:iliacus_right",
           "attachment:iliacus_right:insertion", "roots:femoral_nerve", "supply:iliacus",
           "myth:psoas_major:1", "motion:iliacus_right:shortens"}  # fmt: skip
    assert {bank.by_id()[i].type for i in ids} == set(QuestionType)


def test_find_a_muscle_selects_nothing_then_shows_it(scene, bank):
    before = scene.state()
    question = asked(scene, bank, "find:psoas_major_right")
    assert scene.selected is None
    assert all(scene.opacity(s.id) == default_opacity(s) for s in scene.catalogue)  # context dimmed
    assert scene.state().visible == before.visible
    show_answer(scene, question)
    assert scene.selected == "psoas_major_right" and scene.picture.labels


def test_find_a_nerve_sees_it_through_the_muscles(scene, bank):
    question = asked(scene, bank, "find:femoral_nerve_right")
    assert scene.selected is None  # a nerve selected would mark its roots' foramina
    assert all(scene.opacity(m) == MUSCLE_OPACITY_FINDING_A_NERVE for m in kind_of(scene, Kind.muscle))
    assert all(scene.opacity(b) == default_opacity(scene.catalogue[b]) for b in kind_of(scene, Kind.bone))
    show_answer(scene, question)
    assert scene.selected == "femoral_nerve_right" and scene.picture.labels


@pytest.mark.parametrize("question_id", ["name:iliacus_right", "supply:iliacus"])
def test_name_and_supply_highlight_their_structure(scene, bank, question_id):
    question = asked(scene, bank, question_id)
    assert question.structure is not None and scene.selected == question.structure
    show_answer(scene, question)
    assert scene.selected == question.structure and scene.picture.labels


def test_attachment_is_found_on_the_bare_bones_and_its_region_singled_out(scene, bank):
    question = asked(scene, bank, "attachment:iliacus_right:insertion")
    hidden = kind_of(scene, Kind.muscle) + kind_of(scene, Kind.nerve)
    assert not any(scene.is_visible(sid) for sid in hidden)
    assert all(scene.is_visible(b) for b in kind_of(scene, Kind.bone))
    assert scene.selected is None
    show_answer(scene, question)
    assert scene.selected == "iliacus_right" and scene.picture.labels
    assert scene.state().focus in question.regions


def test_roots_select_nothing_while_asked_then_show_the_nerve(scene, bank):
    question = asked(scene, bank, "roots:femoral_nerve")
    assert scene.selected is None
    show_answer(scene, question)
    assert scene.selected == question.structure and scene.picture.labels


def test_myth_shows_its_structure_only_with_the_answer(scene, bank):
    question = asked(scene, bank, "myth:psoas_major:1")
    assert scene.selected is None
    show_answer(scene, question)
    assert scene.selected == "psoas_major_right"


def test_motion_answer_takes_the_pose(scene, bank):
    question = asked(scene, bank, "motion:iliacus_right:shortens")
    assert scene.selected is None and scene.pose.neutral
    show_answer(scene, question)
    assert question.pose is not None
    assert scene.pose == scene.poses.resolve([question.pose])
    if question.view is not None:
        assert scene.view.name == question.view


def test_each_question_starts_from_the_quizs_scene_not_the_users(scene, bank):
    """The user's cut, pose, hidden structures, X-ray and length colours stay the user's:
    each question starts from the atlas as it opens (the window restores it first), and an
    answer's pose, selection and hidden structures do not carry over into the next."""
    opened = scene.state()
    scene.set_section(scene.sections.snapped(Section(slab_mm=10.0), "L4_L5"))
    scene.set_pose(scene.poses.resolve(["thomas_test"]))
    scene.hide("inguinal_ligament_left")
    scene.set_xray(True)
    scene.set_length_colours(True)
    start = quiz_scene(scene)
    assert start == opened and start.section is None and start.pose.neutral
    assert "inguinal_ligament_left" in start.visible

    scene.restore(start)
    show_answer(scene, asked(scene, bank, "attachment:iliacus_right:insertion"))
    assert not scene.length_colours
    scene.restore(start)
    asked(scene, bank, "find:inguinal_ligament_left")
    assert scene.state().visible == opened.visible and scene.selected is None
    assert scene.section is None and scene.pose.neutral and not scene.xray
