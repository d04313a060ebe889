"""The main window under Xvfb (pytest-xvfb) with pytest-qt: real widgets, real rendering."""

from __future__ import annotations

import time

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.model.anatomy.structures import Group


def to_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    # A copy: the array would otherwise point into the converted image, freed on return
    # (and, as a large block, unmapped at once: app.memory.map_large_blocks).
    return (
        data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
        .reshape(image.height(), image.width(), 3)
        .copy()
    )


def test_window_shows_the_skeleton(window):
    pixels = to_array(window.grab().toImage())
    assert pixels.shape[0] > 400 and pixels.shape[1] > 600
    ivory = (np.abs(pixels.astype(int) - [232, 220, 196]).sum(axis=2) < 90).mean()
    assert ivory > 0.02, "no bone-coloured pixels in the window grab"
    assert window.windowTitle() == "Psoas Atlas"
    total, shown = len(window.scene.catalogue), len(window.scene.visible_ids)
    assert shown < total  # the psoas minor variant starts hidden
    assert f"{shown} of {total} structures shown" in window.status_label.text()


def test_tree_groups_and_visibility_both_ways(window, scene, qtbot):
    tree = window.tree
    groups = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert groups == [g.value for g in Group]
    item = tree.items["femur_left"]
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not scene.is_visible("femur_left")
    assert not window.renderer.actors["femur_left"].visibility
    assert f"{len(scene.visible_ids)} of {len(scene.catalogue)}" in window.status_label.text()
    scene.set_visible("femur_left", True)
    assert item.checkState(0) == Qt.CheckState.Checked
    assert window.renderer.actors["femur_left"].visibility
    # Unticking a group hides all of it; the variant starts unticked.
    tree.group_items[Group.bones].setCheckState(0, Qt.CheckState.Unchecked)
    assert not any(scene.catalogue[sid].group is Group.bones for sid in scene.visible_ids)
    assert tree.items["psoas_minor_right"].checkState(0) == Qt.CheckState.Unchecked
    tree.items["psoas_minor_right"].setCheckState(0, Qt.CheckState.Checked)
    assert window.renderer.actors["psoas_minor_right"].visibility


def test_tree_selection_reaches_the_model_and_status_bar(window, scene):
    window.tree.setCurrentItem(window.tree.items["vertebra_l4"])
    assert scene.selected == "vertebra_l4"
    assert "Vertebra lumbalis IV" in window.statusBar().currentMessage()
    scene.select("sacrum")
    assert window.tree.currentItem() is window.tree.items["sacrum"]


def test_view_shortcuts_move_the_camera(window, scene, qtbot):
    camera = window.plotter.camera
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_1)
    assert scene.view.name == "anterior"
    offset = np.array(camera.position) - np.array(camera.focal_point)
    assert np.argmax(np.abs(offset)) == 1 and offset[1] > 0
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_3)
    assert scene.view.name == "left"
    offset = np.array(camera.position) - np.array(camera.focal_point)
    assert offset[0] < 0 and abs(offset[0]) > abs(offset[1])
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_Home)
    assert scene.view.name == "oblique"
    labels = [a.text() for a in window.menuBar().actions()]
    assert labels == ["&File", "&Edit", "&Selection", "&View", "&Bookmarks", "&Lessons", "&Quiz", "&Help"]


def test_screenshot_from_the_window(window, tmp_path):
    out = tmp_path / "window.png"
    window.save_screenshot(out)
    image = np.asarray(Image.open(out))
    assert image.shape[0] > 300
    assert (image[..., :3].astype(int).sum(axis=2) > 330).mean() > 0.02
    assert [p.name for p in tmp_path.iterdir()] == ["window.png"]


def test_window_keeps_its_exporter_for_a_burst_and_closes_it_when_it_rests(window, qtbot, tmp_path):
    # The exporter's own OpenGL context grows with every export while it is kept (the soak's
    # memory growth came from it): the window gives it back once it rests.
    window.rest_timer.setInterval(300)  # a short rest (the user's is app.memory.IDLE_RELEASE_MS)
    window.save_screenshot(tmp_path / "one.png", (320, 200))
    first = window.exporter
    window.save_screenshot(tmp_path / "two.png", (320, 200))
    assert first is not None and window.exporter is first  # a burst reuses it
    qtbot.waitUntil(lambda: window.exporter is None, timeout=window.rest_timer.interval() + 1500)
    window.save_screenshot(tmp_path / "three.png", (320, 200))  # a fresh one after the rest
    assert window.exporter is not None and window.exporter is not first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.png", "three.png", "two.png"]


def test_window_gives_memory_back_when_it_rests(window, qtbot, monkeypatch):
    import app.qt.main_window as main_window

    rest = 800  # shorter than the user's (app.memory.IDLE_RELEASE_MS)
    window.rest_timer.setInterval(rest)
    released: list[float] = []
    monkeypatch.setattr(
        main_window, "release_free_memory", lambda: released.append(time.perf_counter()) or True
    )
    frames: list[float] = []
    rested: list[float] = []

    def on_rest() -> None:
        rested.append(time.perf_counter())

    observer = window.plotter.render_window.AddObserver(
        "EndEvent", lambda *_: frames.append(time.perf_counter())
    )
    window.rest_timer.timeout.connect(on_rest)
    try:
        window.plotter.render()
        qtbot.wait(rest // 2)
        window.plotter.render()  # a frame while waiting starts the wait again
        qtbot.waitUntil(lambda: len(rested) == 1, timeout=rest + 2000)
    finally:
        window.plotter.render_window.RemoveObserver(observer)
        window.rest_timer.timeout.disconnect(on_rest)
    # The rest comes a whole wait after the last frame drawn (timed from that frame: on a
    # busy machine a wait runs long; a coarse QTimer fires up to 5 % early), and gives the
    # memory back then.
    assert len(frames) >= 2
    assert rested[0] - max(f for f in frames if f < rested[0]) >= rest / 1000 * 0.9
    assert any(abs(t - rested[0]) < 0.1 for t in released)
