"""What the 3D scene shows for a quiz question, and then for its answer.

Every question starts from the quiz's own scene (:func:`quiz_scene`), never the user's: a
cut, a pose, hidden structures or colours by length change would hide or give away what it
asks. A question must not give its answer away either: labels, a selected nerve's marked
foramina or a muscle in front of the nerve to be found would. Once answered, the scene
shows the answer.
These decisions are the model's (as :func:`app.model.teaching.lessons.apply_step` is a
lesson step's), so they are tested without a window; the window only adds what is its own
(the camera, tooltips, the information panel).
"""

from __future__ import annotations

from app.model.anatomy.structures import Kind
from app.model.quiz.questions import Question, QuestionType
from app.model.scene.state import SceneModel, SceneState

#: Muscles' opacity while a nerve is to be found: see-through, so the nerve can be clicked.
MUSCLE_OPACITY_FINDING_A_NERVE = 0.3
#: The questions that highlight their structure while they wait: the one to name, the muscle
#: whose supply is asked. Any other selection would help (a nerve selected marks its roots'
#: foramina).
HIGHLIGHTED = (QuestionType.name_it, QuestionType.supply)


def quiz_scene(scene: SceneModel) -> SceneState:
    """The scene every question starts from: the atlas as it opens (every structure it
    shows, opaque, standing, not cut, the standard view), whatever the user had made of
    theirs. An axial slab at L4/L5 left no inguinal ligament to click and answers floating
    over the cut. No question is about a section yet; one that is would cut here."""
    return scene.fresh().state()


def set_question(scene: SceneModel, question: Question) -> None:
    """Set the scene for ``question``: no labels, the usual colours (a muscle coloured by
    its length change is not the red one the student learned to find); a name-it question
    highlights its structure, a supply question its muscle, the others select nothing; a
    nerve to find is seen through the muscles; an attachment is found on the bare bones
    (muscles and nerves hidden). The caller restores :func:`quiz_scene` first, and the
    quiz's camera with it (the camera is the window's, not the model's)."""
    scene.set_length_colours(False)
    scene.set_picture(labels=False)
    scene.select(question.structure if question.type in HIGHLIGHTED else None)
    target = scene.catalogue[question.structure] if question.structure else None
    if question.type is QuestionType.find_it and target is not None and target.kind is Kind.nerve:
        scene.set_kind_opacity(Kind.muscle, MUSCLE_OPACITY_FINDING_A_NERVE)
    if question.type is QuestionType.attachment:
        for structure in scene.catalogue:
            if structure.kind in (Kind.muscle, Kind.nerve):
                scene.set_visible(structure.id, False)


def show_answer(scene: SceneModel, question: Question) -> None:
    """Show the answer to ``question``, right or wrong: labels back, its structure selected,
    the attachment it asked for singled out of those painted, a motion question's pose
    taken, and its view if it names one."""
    scene.set_picture(labels=True)
    if question.structure is not None:
        scene.select(question.structure)
    if question.regions:
        painted = scene.emphasis.attachments
        scene.focus_attachment(next((a for a in painted if a in question.regions), None))
    if question.pose is not None and scene.poses is not None:
        scene.set_pose(scene.poses.resolve([question.pose]))
    if question.view is not None:
        scene.set_view(question.view)
