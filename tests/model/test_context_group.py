"""The context skeleton as a group (issue 30): drawn dimmed until the user says otherwise,
shown or hidden as one, by the scene, and by lessons naming the group."""

from __future__ import annotations

import pytest
import yaml

from app.model.anatomy.structures import Catalogue, Group, Kind, Side, Structure
from app.model.scene.emphasis import CONTEXT_OPACITY, XRAY_OPACITY, default_opacity
from app.model.scene.state import SceneModel
from app.model.teaching.lessons import GROUP_NAMES, apply_step, expand_ids, load_lesson

CONTEXT = ("tibia_right", "tibia_left", "rib_cage")


@pytest.fixture
def with_context(catalogue) -> Catalogue:
    """The shipped catalogue with a context skeleton of three bones (whatever it has)."""
    extra = [
        Structure(
            id=sid,
            name=sid.replace("_", " ").capitalize(),
            latin="Os",
            kind=Kind.bone,
            side=Side(sid.rsplit("_", 1)[-1]) if sid.endswith(("_right", "_left")) else Side.midline,
            group=Group.context,
            color="#d8d0c0",
            mesh="bones/femur_right.ply",
        )
        for sid in CONTEXT
        if sid not in catalogue
    ]
    return Catalogue([*catalogue, *extra])


def test_the_context_skeleton_opens_dimmed_and_comes_back_dimmed(with_context):
    scene = SceneModel(with_context)
    for sid in CONTEXT:
        assert scene.opacity(sid) == CONTEXT_OPACITY == default_opacity(with_context[sid])
    assert scene.opacity("femur_right") == 1.0
    scene.set_xray(True)
    assert scene.xray and scene.opacity("tibia_right") == XRAY_OPACITY
    scene.set_xray(False)
    assert scene.opacity("tibia_right") == CONTEXT_OPACITY and scene.opacity("sacrum") == 1.0
    scene.set_group_opacity(Group.context, 1.0)
    scene.reset_opacity()
    assert scene.opacity("rib_cage") == CONTEXT_OPACITY


def test_the_group_is_shown_and_hidden_as_one(with_context):
    scene = SceneModel(with_context)
    seen = []
    scene.changed.connect(seen.append)
    assert scene.group_visible(Group.context)
    scene.set_group_visible(Group.context, False)
    assert len(seen) == 1  # one change, one frame, one undo step
    assert not any(scene.is_visible(sid) for sid in CONTEXT) and scene.is_visible("femur_right")
    assert not scene.group_visible(Group.context)
    scene.set_visible("rib_cage", True)
    assert not scene.group_visible(Group.context)  # all of it, or it is not "shown"


def test_a_lesson_shows_or_hides_the_group_by_its_name(with_context, tmp_path):
    assert GROUP_NAMES["context_skeleton"] is Group.context
    assert set(expand_ids(("context_skeleton",), with_context)) >= set(CONTEXT)
    lesson_file = tmp_path / "lesson.yaml"
    steps = [
        {"title": "Plain", "caption": "The lumbar region alone.", "hide": ["context_skeleton"]},
        {
            "title": "Placed",
            "caption": "Where it lies in the body.",
            "show": ["psoas_major", "context_skeleton"],
        },
    ]
    lesson_file.write_text(yaml.safe_dump({"title": "Context", "steps": steps}), encoding="utf-8")
    lesson, errors = load_lesson(lesson_file, with_context)
    assert errors == [] and lesson is not None
    scene = SceneModel(with_context)
    scene.set_group_opacity(Group.context, 1.0)
    apply_step(scene, lesson.steps[0])
    assert not any(scene.is_visible(sid) for sid in CONTEXT) and scene.is_visible("femur_right")
    apply_step(scene, lesson.steps[1])
    context = {s.id for s in with_context.in_group(Group.context)}  # the shipped ones too, once built
    assert set(scene.visible_ids) == {"psoas_major_right", "psoas_major_left", *context}
    assert scene.opacity("tibia_left") == CONTEXT_OPACITY  # a step puts the dimming back
    # A group name is valid even where the data set has none of it yet.
    assert (
        load_lesson(lesson_file, Catalogue([s for s in with_context if s.group is not Group.context]))[1]
        == []
    )


def test_a_click_goes_through_the_dimmed_context_skeleton(with_context):
    scene = SceneModel(with_context)
    assert scene.click_passes("rib_cage") and not scene.click_passes("vertebra_t12")
    scene.set_opacity("rib_cage", 1.0)  # made opaque by the user: it is clicked as any bone
    assert not scene.click_passes("rib_cage")
