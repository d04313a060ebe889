"""Phase 1 of the sit-up (lesson 06's "Phase 1: the curl", the Motion dock's "Sit-up, phase 1"):
the labels' screen boxes overlap neither one another nor the title, caption and legend, in
every frame drawn while the camera flies and the body curls (issue 28). Recorded from the
renderer's own frames, in the real window, with the length colours off and on (their legend
is twice as tall)."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class Frames:
    """Every frame the window draws: the label boxes and the text they must keep clear of."""

    def __init__(self, window):
        self.window = window
        self.labels = window.renderer.emphasis.labels
        self.seen = 0
        self.most = 0  # labels drawn in one frame, at most
        self.faults: set[str] = set()
        self._tag = self.labels.renderer.AddObserver("EndEvent", self._frame)

    def _frame(self, *_args) -> None:
        labels, renderer = self.labels, self.window.renderer
        shown = getattr(labels, "drawn", range(len(labels.labels)))
        texts = [labels.labels[i].text for i in shown]
        boxes = [(x, y, x + w, y + h) for x, y, w, h in labels.boxes]
        self.seen += 1
        self.most = max(self.most, len(boxes))
        for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
            if overlap(a, b):
                self.faults.add(f"{texts[i]!r} over {texts[j]!r}")
        for i, a in enumerate(boxes):
            for rect in renderer.overlay.rects() + renderer.emphasis.legend_rects():
                if overlap(a, rect):
                    self.faults.add(f"{texts[i]!r} over the text at {tuple(round(v) for v in rect)}")

    def close(self) -> None:
        self.labels.renderer.RemoveObserver(self._tag)


def sit_up_lesson(window):
    return next(lesson for _, lesson in window.lessons if "sit-up" in lesson.title.lower())


@pytest.mark.parametrize("length_colours", [False, True])
def test_phase_1_in_the_presentation(window, qtbot, length_colours):
    window.scene.set_length_colours(length_colours)
    window.player.clock = itertools.count(0.0, 0.1).__next__  # a tenth of a second a frame: 25 frames
    presentation = window.present(sit_up_lesson(window))
    qtbot.waitUntil(window.isFullScreen)
    frames = Frames(window)
    try:
        with qtbot.waitSignal(window.player.finished, timeout=20_000):
            qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_PageDown)  # to "Phase 1: the curl"
        assert window.renderer.overlay.title.GetInput() == "Phase 1: the curl"
        assert window.scene.pose == window.scene.poses.resolve(["sit_up_curl"])
    finally:
        frames.close()
        presentation.stop()
    assert frames.seen >= 10 and frames.most >= 3
    assert not frames.faults, sorted(frames.faults)


@pytest.mark.parametrize("length_colours", [False, True])
def test_phase_1_played_in_the_window(window, qtbot, length_colours):
    scene, bar = window.scene, window.play_bar
    window.motion_dock.raise_()
    scene.set_length_colours(length_colours)
    scene.select_many(["psoas_major_right", "iliacus_right"])  # as the lesson's step does
    qtbot.keyClick(window.plotter.interactor, Qt.Key.Key_4)  # the right side
    bar.end.setCurrentIndex(bar.end.findData("sit_up_curl"))
    assert "phase 1" in bar.end.currentText().lower()
    bar.seconds.setValue(1.0)
    window.player.clock = itertools.count(0.0, 0.1).__next__  # a tenth of a second a frame: 10 frames
    frames = Frames(window)
    try:
        with qtbot.waitSignal(window.player.finished, timeout=20_000):
            qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
        qtbot.wait(100)  # the full-detail frame after the movement
    finally:
        frames.close()
    assert scene.pose == scene.poses.resolve(["sit_up_curl"])
    assert frames.seen >= 5 and frames.most >= 3
    assert not frames.faults, sorted(frames.faults)
