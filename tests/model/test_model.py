"""The scene model: state and events, with no Qt and no VTK."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.model.anatomy.structures import Group
from app.model.scene.state import Aspect
from app.model.scene.views import DEFAULT_VIEW, VIEWS


def test_model_layer_imports_neither_qt_nor_vtk():
    code = (
        "import sys, app.model, app.export, app.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'PySide6', 'vtk', 'vtkmodules', 'pyvista', 'pyvistaqt', 'mujoco'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_visibility_events(scene):
    seen = []
    scene.changed.connect(seen.append)
    scene.set_visible("femur_left", False)
    scene.set_visible("femur_left", False)  # no change, no event
    assert seen == [Aspect.visibility]
    assert not scene.is_visible("femur_left")
    assert "femur_left" not in scene.visible_ids
    for group in Group:
        scene.set_group_visible(group, False)
    assert scene.visible_ids == []
    scene.show_all()
    assert len(scene.visible_ids) == len(scene.catalogue)


def test_opacity_is_validated(scene):
    seen = []
    scene.changed.connect(seen.append)
    scene.set_opacity("sacrum", 0.3)
    assert scene.opacity("sacrum") == 0.3
    assert seen == [Aspect.opacity]
    with pytest.raises(ValueError, match="between 0 and 1"):
        scene.set_opacity("sacrum", 1.5)


def test_selection_events_and_unknown_ids(scene):
    seen = []
    scene.changed.connect(seen.append)
    scene.select("vertebra_l3")
    scene.select("vertebra_l3")  # no change, no event
    scene.select(None)
    assert seen == [Aspect.selection, Aspect.selection] and scene.selected is None
    with pytest.raises(KeyError, match="unknown structure id 'psoas'"):
        scene.select("psoas")
    with pytest.raises(KeyError):
        scene.set_visible("nope", True)


def test_a_batch_is_one_event_with_every_aspect_it_touched(scene):
    seen = []
    scene.changed.connect(seen.append)
    with scene.batch():
        scene.set_visible("femur_left", False)
        with scene.batch():  # nested: still one event, when the outermost ends
            scene.select("vertebra_l3")
            scene.set_opacity("sacrum", 0.5)
        assert seen == []
    assert seen == [Aspect.visibility | Aspect.selection | Aspect.opacity]
    seen.clear()
    with scene.batch():
        scene.set_visible("femur_left", False)  # no change
    assert seen == []
    with pytest.raises(ZeroDivisionError), scene.batch():
        scene.set_visible("femur_left", True)
        1 / 0  # noqa: B018
    assert seen == [Aspect.visibility]  # what changed before the error is still told
    seen.clear()
    scene.set_view("anterior")  # after a batch, one event per change again
    assert seen == [Aspect.view]


def test_views(scene):
    seen = []
    scene.changed.connect(seen.append)
    assert scene.view.name == DEFAULT_VIEW
    scene.set_view("anterior")
    scene.set_view("anterior")  # going back to the same view after rotating must re-emit
    assert seen == [Aspect.view, Aspect.view] and scene.view.name == "anterior"
    with pytest.raises(KeyError, match="unknown view"):
        scene.set_view("sideways")
    assert {"anterior", "posterior", "left", "right", "superior", "inferior"} <= set(VIEWS)
    assert VIEWS["anterior"].direction == (0.0, 1.0, 0.0)  # camera in front: +y is anterior
    assert VIEWS["right"].direction == (1.0, 0.0, 0.0)  # +x is the subject's right
