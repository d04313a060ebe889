"""The Section dock and the plane handle in the real window: the panel drives the scene and
follows it (a lesson, undo), the handle sets the plane, and a drag of it is one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from vtkmodules.vtkRenderingCore import vtkCoordinate

from app.model.scene.state import Aspect
from app.model.sections.planes import Section


@pytest.fixture
def window(qtbot, window):
    window.section_dock.raise_()
    qtbot.wait(50)
    return window


def choose(combo, data) -> None:
    """Pick an item as a user does (the ``activated`` signal)."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_panel_drives_the_section(qtbot, window):
    panel, scene = window.section_panel, window.scene
    assert scene.section is None and not panel.level.isEnabled() and not window.section_handle.shown
    choose(panel.orientation, "axial")
    assert scene.section == scene.sections.at("L4_L5", "axial")
    assert window.section_handle.shown  # the plane handle is in the view
    assert window.renderer.section.cap_actors("disc_l4_l5")
    choose(panel.level, "L3")
    assert scene.section.level == "L3"
    choose(panel.orientation, "coronal")
    assert scene.section.orientation == "coronal" and scene.section.level == "L3"
    assert panel.keep.currentText() == "Hide in front"
    choose(panel.keep, "away")
    assert scene.section.flipped
    choose(panel.keep, "slab")
    assert scene.section.slab_mm == 10.0 and panel.slab.isEnabled()
    panel.slab.setValue(24)
    assert scene.section.slab_mm == 24.0
    panel.slider.setValue(panel.slider.value() + 15)  # moved by the slider: no longer snapped
    assert scene.section.level is None
    assert scene.section.offset_mm == pytest.approx(panel.slider.value())
    panel.show_handle.setChecked(False)
    assert not window.section_handle.shown
    choose(panel.orientation, "off")
    assert scene.section is None


def test_the_panel_follows_the_model_without_echo(qtbot, window):
    panel, scene = window.section_panel, window.scene
    changes = []
    scene.changed.connect(lambda aspects: changes.append(aspects))
    scene.set_section(scene.sections.at("S1", "sagittal", slab_mm=30))  # a lesson, say
    assert changes == [Aspect.section]  # the panel set nothing back
    assert panel.orientation.currentData() == "sagittal"
    assert panel.level.currentText() == "S1"
    assert panel.keep.currentData() == "slab" and panel.slab.value() == 30
    assert panel.slider.value() == round(scene.section.offset_mm)
    assert set(panel.slider.marks) == set(scene.sections.levels)
    scene.set_section(Section(origin=(0, 0, 50), normal=(0, 1, 1)))
    assert panel.orientation.currentText() == "Oblique" and panel.level.currentText() == "—"
    window.history.undo()
    assert panel.orientation.currentData() == "sagittal"
    assert panel.orientation.findData("oblique") < 0
    window.history.undo()
    assert panel.orientation.currentData() == "off" and not panel.slider.isEnabled()
    assert len(changes) == 4


def test_dragging_the_plane_handle_moves_the_section_in_one_undo_step(qtbot, window):
    scene, handle, renderer = window.scene, window.section_handle, window.renderer
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    snapped = scene.section
    rep = handle.representation
    assert np.array(rep.GetOrigin()) == pytest.approx(snapped.origin, abs=1e-3)
    start = np.array(rep.GetOrigin())
    handle.widget.InvokeEvent("StartInteractionEvent")
    assert renderer.interacting and window.section_panel.paused  # stand-ins drawn; the dock waits
    for dz in np.linspace(-2, -60, 12):
        rep.SetOrigin(start[0], start[1], start[2] + dz)
        handle.widget.InvokeEvent("InteractionEvent")
    rep.SetNormal(0.0, 0.3, 1.0)  # its arrow tilted too
    handle.widget.InvokeEvent("InteractionEvent")
    handle.widget.InvokeEvent("EndInteractionEvent")
    assert not renderer.interacting
    moved = scene.section
    assert moved.level is None and moved.orientation == "oblique"
    assert moved.origin[2] == pytest.approx(start[2] - 60, abs=1e-3)
    assert window.section_panel.position.text().startswith(f"{moved.offset_mm:+.0f} mm")
    assert window.history.undo()  # the whole drag at once
    assert scene.section == snapped
    assert np.array(rep.GetOrigin()) == pytest.approx(snapped.origin, abs=1e-3)  # the handle came back


def test_a_click_on_a_cap_in_the_window_selects_the_structure(qtbot, window):
    scene = window.scene
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    window.section_handle.set_wanted(False)
    scene.set_view("superior")
    qtbot.wait(50)
    renderer, view = window.renderer, window.plotter.interactor
    (cap,) = renderer.section.cap_actors("disc_l4_l5")
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*cap.GetMapper().GetInput().GetCenter())
    x, y = coordinate.GetComputedDoubleDisplayValue(renderer.plotter.renderer)
    ratio = view.devicePixelRatioF()
    point = QPoint(round(x / ratio), round(view.height() - 1 - y / ratio))
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert scene.selected == "disc_l4_l5"
