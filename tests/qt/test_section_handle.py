"""The plane handle in the real window, under the mouse (issue 28, item 2): hovered it stays
the plane's colour (it was VTK's opaque-looking green, tinting the anatomy), and a double
click on it no longer leaves it held, drawn after Cut is set to Off."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkRenderingCore import vtkCoordinate


@pytest.fixture
def window(qtbot, window):
    window.section_dock.raise_()
    qtbot.wait(50)
    return window


def pixel_of(window, point) -> QPoint:
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*point)
    x, y = coordinate.GetComputedDoubleDisplayValue(window.plotter.renderer)
    view = window.plotter.interactor
    ratio = view.devicePixelRatioF()
    return QPoint(round(x / ratio), round(view.height() - 1 - y / ratio))


def bare_plane_pixel(window) -> QPoint:
    """A pixel on the handle's plane with nothing behind it: most of the way from the
    plane's middle to one of its corners (its sheet reaches past the anatomy)."""
    sheet = vtkPolyData()
    window.section_handle.representation.GetPolyData(sheet)
    corners = np.array([sheet.GetPoint(i) for i in range(sheet.GetNumberOfPoints())])
    middle = corners.mean(axis=0)
    for corner in corners:
        pixel = pixel_of(window, middle + 0.9 * (corner - middle))
        if window.clicks.pick_at(pixel, tolerant=False) is None:
            return pixel
    raise AssertionError("no bare corner of the plane in view")


def colour_at(window, pixel: QPoint) -> np.ndarray:
    window.plotter.render()
    image = window.plotter.screenshot(None, return_img=True)
    return np.asarray(image[pixel.y(), pixel.x(), :3], dtype=float)


def cut_off_with_the_keyboard(qtbot, window) -> None:
    """The Section panel's Cut box set to Off as a user does: focused, then Up to the top
    (Home is the window's: the view and the scene as they opened)."""
    combo = window.section_panel.orientation
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    for _ in range(combo.currentIndex()):
        qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert combo.currentData() == "off"


def test_the_hovered_plane_keeps_its_colour(qtbot, window):
    scene, handle = window.scene, window.section_handle
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    pixel = bare_plane_pixel(window)
    away = QPoint(3, 3)
    qtbot.mouseMove(window.plotter.interactor, away)
    resting = colour_at(window, pixel)
    qtbot.mouseMove(window.plotter.interactor, pixel)
    qtbot.mouseMove(window.plotter.interactor, pixel + QPoint(1, 0))
    assert handle.representation.GetRepresentationState() != 0  # VTK highlights it under the mouse
    hovered = colour_at(window, pixel)
    red, green, blue = hovered
    assert blue >= green > red, f"hovered {hovered}, resting {resting}"  # the plane's blue, not green
    assert np.abs(hovered - resting).max() < 40  # a little brighter, not a sheet


def double_click(qtbot, view, pixel: QPoint) -> None:
    """A double click as Qt delivers one: press, release, double-click press, release."""
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel)
    where = QPointF(pixel)
    pressed = QMouseEvent(
        QEvent.Type.MouseButtonDblClick, where, QPointF(view.mapToGlobal(pixel)), Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(view, pressed)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=pixel)


def frames_drawn(window) -> tuple[list[bool], int]:
    """Whether the handle was drawn in each frame from now on (the render window's), and
    the observer's tag, to remove just it (the window's own observers stay: its rest timer)."""
    shown: list[bool] = []
    tag = window.plotter.render_window.AddObserver(
        "EndEvent", lambda *_: shown.append(window.section_handle.shown)
    )
    return shown, tag


def test_cut_off_takes_the_plane_out_of_the_next_frame(qtbot, window):
    """The frame of Cut Off was drawn before the handle was hidden, and none came after:
    the plane stayed on screen until the next frame (Home)."""
    scene, handle = window.scene, window.section_handle
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    pixel = bare_plane_pixel(window)
    double_click(qtbot, window.plotter.interactor, pixel)
    assert not handle.held
    shown, tag = frames_drawn(window)
    try:
        cut_off_with_the_keyboard(qtbot, window)
        qtbot.wait(50)
    finally:
        window.plotter.render_window.RemoveObserver(tag)
    assert scene.section is None and not handle.shown
    assert shown and not shown[-1], shown


def test_a_double_click_on_the_plane_keeps_its_level(qtbot, window):
    """Two clicks, not a drag: the plane stays snapped where it was."""
    scene, handle, renderer = window.scene, window.section_handle, window.renderer
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    section, camera = scene.section, renderer.camera_pose()
    double_click(qtbot, window.plotter.interactor, bare_plane_pixel(window))
    assert not handle.held and not renderer.interacting
    assert scene.section == section and renderer.camera_pose() == camera


def test_a_hold_whose_release_never_came_ends_with_the_cut(qtbot, window):
    """Whatever swallows the release (a dialog, a window switch), Cut Off hides the handle
    and its hold ends: the full-detail surfaces come back."""
    scene, handle, renderer = window.scene, window.section_handle, window.renderer
    scene.set_section(scene.sections.at("L4_L5", "axial"))
    handle.widget.InvokeEvent("StartInteractionEvent")  # pressed; no release follows
    assert handle.held and renderer.interacting
    cut_off_with_the_keyboard(qtbot, window)
    assert not handle.shown and not handle.held and not renderer.interacting
    assert not window.section_panel.paused
    scene.set_section(scene.sections.at("L3", "axial"))  # and the next cut has its handle
    assert handle.shown
