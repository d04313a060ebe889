"""Bookmarks as users touch them, in the real window (pytest-qt under Xvfb): what Save as
Lesson and Present take after a double-click, a picture of each bookmark's view in the list,
and names proposed from the context (a bookmark's from the selection and view, an exported
image's from its title)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLineEdit

from app.model.scene.palette import STANDARD
from app.model.scene.views import CameraPose
from app.model.teaching.bookmarks import BookmarkStore, capture
from app.model.teaching.lessons import Step, load_lesson
from app.qt.export_dialog import ExportImageDialog

SELECTED = np.array([int(STANDARD.selection[i : i + 2], 16) for i in (1, 3, 5)])  # the selection's colour


@pytest.fixture
def window(window):
    window.bookmarks_dock.raise_()  # the Bookmarks tab chosen
    return window


@pytest.fixture
def store(window):
    """The window's bookmarks, in ``tmp_path/data``."""
    return window.bookmarks.store


@pytest.fixture
def renders(monkeypatch):
    """The titles of the steps drawn as pictures, in order (every window counts)."""
    from app.render.thumbnails import StepThumbnails

    drawn: list[str] = []
    draw = StepThumbnails.__call__

    def counted(self, step):
        drawn.append(step.title)
        return draw(self, step)

    monkeypatch.setattr(StepThumbnails, "__call__", counted)
    return drawn


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.plotter.interactor, key, modifier)


def when_a_dialog_opens(handle, tries: int = 500):
    """Call ``handle(dialog)`` once a modal dialog is open (its exec() blocks the test)."""

    def poll(left: int = tries) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            handle(dialog)
        elif left:
            QTimer.singleShot(10, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)


class FakeFileDialog:
    """QFileDialog.getSaveFileName: records the name proposed, answers ``answer``."""

    def __init__(self, answer: str = ""):
        self.answer = answer
        self.proposed: list[str] = []

    def getSaveFileName(self, _parent, _caption, proposed, _filter):  # noqa: N802 - Qt API
        self.proposed.append(proposed)
        return self.answer, ""


def double_click(qtbot, widget, pos):
    """What a double-click delivers: press and release, then QTest's double-click event."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def item_centre(panel, row):
    return panel.list.visualItemRect(panel.list.item(row)).center()


def pixels(icon) -> np.ndarray:
    image = icon.pixmap(QSize(128, 72)).toImage().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def selection_pixels(image: np.ndarray) -> int:
    return int((np.abs(image - SELECTED).sum(axis=2) < 60).sum())


# 3. Save as Lesson and Present take every bookmark unless several are selected on purpose.


def test_save_as_lesson_after_a_double_click_writes_them_all_and_says_so(
    window, qtbot, scene, tmp_path, catalogue, monkeypatch
):
    panel = window.bookmarks
    for name, view in (("From the front", "anterior"), ("From the side", "left"), ("From above", "superior")):
        scene.set_view(view)
        assert panel.add(name)
    files = FakeFileDialog(str(tmp_path / "three.yaml"))
    monkeypatch.setattr("app.qt.export_dialog.QFileDialog", files)  # (the save dialogs)

    # A double-click flies to a bookmark and leaves it selected: not a choice of one.
    with qtbot.waitSignal(window.flight.landed, timeout=5000):
        double_click(qtbot, panel.list.viewport(), item_centre(panel, 1))
    assert [item.text() for item in panel.list.selectedItems()] == ["From the side"]
    asked: list[str] = []

    def title(dialog):
        asked.append(dialog.labelText())
        field = dialog.findChild(QLineEdit)
        field.selectAll()
        qtbot.keyClicks(field, "Three views")
        qtbot.keyClick(field, Qt.Key.Key_Return)

    when_a_dialog_opens(title)
    with qtbot.waitSignal(panel.message) as said:
        qtbot.mouseClick(panel.buttons["lesson"], Qt.MouseButton.LeftButton)
    lesson, errors = load_lesson(tmp_path / "three.yaml", catalogue)
    everything = ["From the front", "From the side", "From above"]
    assert errors == [] and [s.title for s in lesson.steps] == everything
    assert said.args[0].startswith("3 of 3 bookmarks written"), said.args
    assert "all 3 bookmarks" in asked[0]
    assert [Path(p).name for p in files.proposed] == ["three-views.yaml"]
    # Present follows the same rule.
    qtbot.mouseClick(panel.buttons["present"], Qt.MouseButton.LeftButton)
    assert window.presentation is not None and len(window.presentation.lesson.steps) == 3
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.presentation is None and panel.isVisible())

    # Two chosen on purpose (a click, then Ctrl+click): only those, and it says so.
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(panel, 0))
    qtbot.mouseClick(
        panel.list.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        item_centre(panel, 2),
    )
    assert len(panel.list.selectedItems()) == 2
    files.answer = str(tmp_path / "two.yaml")
    when_a_dialog_opens(title)
    with qtbot.waitSignal(panel.message) as said:
        qtbot.mouseClick(panel.buttons["lesson"], Qt.MouseButton.LeftButton)
    lesson, errors = load_lesson(tmp_path / "two.yaml", catalogue)
    assert errors == [] and [s.title for s in lesson.steps] == ["From the front", "From above"]
    assert said.args[0].startswith("2 of 3 bookmarks written"), said.args
    assert "2 selected bookmarks (of 3)" in asked[1]
    qtbot.mouseClick(panel.buttons["present"], Qt.MouseButton.LeftButton)
    assert window.presentation is not None
    assert [s.title for s in window.presentation.lesson.steps] == ["From the front", "From above"]
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.presentation is None


def test_delete_takes_only_the_selected_bookmark(window, qtbot, scene):
    panel = window.bookmarks
    for name in ("One", "Two", "Three"):
        assert panel.add(name)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(panel, 1))
    qtbot.mouseClick(panel.buttons["delete"], Qt.MouseButton.LeftButton)
    assert panel.store.names() == ["One", "Three"]


# 11. A picture of each bookmark's view, drawn off screen once, kept beside the bookmarks.


def test_each_bookmark_shows_a_picture_of_its_view_drawn_once(
    window, open_window, qtbot, scene, store, catalogue, renders
):
    panel = window.bookmarks
    scene.select("psoas_major_right")
    press(qtbot, window, Qt.Key.Key_1)
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=30000):
        assert panel.add("Psoas from the front")
        # The window moves on before the picture is drawn: it shows the bookmark, not the window.
        scene.select(None)
        scene.set_view("posterior")
    assert renders == ["Psoas from the front"]
    item = panel.list.item(0)
    assert panel.list.iconSize() == QSize(128, 72)
    front = pixels(item.icon())
    assert front.std() > 10, "a picture, not a blank square"
    assert selection_pixels(front) > 20, "the bookmark's selection, in the selection colour"
    step = store.get("Psoas from the front")
    on_disk = store.thumbnails.path(step)
    assert (
        on_disk.parent == store.path.parent / "bookmarks-thumbnails"
        and on_disk.read_bytes()[:4] == b"\x89PNG"
    )

    press(qtbot, window, Qt.Key.Key_3)
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=30000):
        assert panel.add("Side, nothing selected")
    side = pixels(panel.list.item(1).icon())
    assert side.std() > 10 and selection_pixels(side) == 0 and not np.array_equal(side, front)
    assert renders == ["Psoas from the front", "Side, nothing selected"]

    # Not on every list refresh: not when the list is read again, nor shown again.
    panel.refresh()
    panel.hide()
    panel.show()
    qtbot.wait(50)
    assert renders == ["Psoas from the front", "Side, nothing selected"]

    # Another window on the same bookmarks takes the pictures from their files.
    other = open_window(scene.fresh(), bookmarks=BookmarkStore(store.path, catalogue))
    other.bookmarks_dock.raise_()
    qtbot.wait(50)
    assert renders == ["Psoas from the front", "Side, nothing selected"]
    assert np.array_equal(pixels(other.bookmarks.list.item(0).icon()), front)

    # A picture file that does not read, or is gone: drawn again, no error.
    on_disk.write_bytes(b"\x89PNG not really")
    store.thumbnails.path(store.get("Side, nothing selected")).unlink()
    other.close()
    third = open_window(scene.fresh(), bookmarks=BookmarkStore(store.path, catalogue))
    third.bookmarks_dock.raise_()
    qtbot.waitUntil(lambda: len(renders) == 4, timeout=30000)
    qtbot.waitUntil(lambda: third.bookmarks._pending == {})
    assert sorted(renders[2:]) == ["Psoas from the front", "Side, nothing selected"]
    assert selection_pixels(pixels(third.bookmarks.list.item(0).icon())) > 20
    assert on_disk.read_bytes()[:4] == b"\x89PNG" and len(on_disk.read_bytes()) > 1000

    # A deleted bookmark's picture goes with it.
    third.bookmarks.delete(["Psoas from the front"])
    assert not on_disk.exists()
    assert store.thumbnails.path(store.get("Side, nothing selected")).exists()


def test_a_bookmark_keeps_the_pose_and_going_to_it_puts_the_pose_back(open_window, qtbot, tmp_path):
    from app.model.atlas import Atlas

    atlas = Atlas.load()
    scene = atlas.scene()
    store = BookmarkStore(tmp_path / "data" / "bookmarks.yaml", atlas.catalogue)
    # (a laptop's window: on the suite's 800x600 screen the 3D view is narrow and tall, and
    # the skeleton fills a few pixels of a 16:9 picture taken with its camera)
    window = open_window(scene, bookmarks=store, size=(1366, 768))
    window.bookmarks_dock.raise_()
    panel = window.bookmarks
    scene.set_view("right")
    leg_lift = atlas.body.motion.resolve(["leg_lift"])
    scene.set_pose(leg_lift)
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=30000):
        assert panel.add("Leg lift")
    scene.set_pose({"hip_flexion_right": 0})
    with qtbot.waitSignal(panel.thumbnail_ready, timeout=30000):
        assert panel.add("Standing")
    # Its picture is drawn in its pose: the same view standing looks otherwise.
    lifted, standing = (pixels(panel.list.item(row).icon()) for row in (0, 1))
    assert np.abs(lifted - standing).mean() > 1
    assert store.get("Leg lift").pose == leg_lift.specs() and store.get("Standing").pose is None

    # Going to it (a double-click) flies there and poses the skeleton, the thigh drawn up.
    rest_front = window.renderer.actors["femur_right"].bounds[3]
    with qtbot.waitSignal(window.flight.landed, timeout=5000):
        double_click(qtbot, panel.list.viewport(), item_centre(panel, 0))
    assert scene.pose == leg_lift
    assert window.renderer.actors["femur_right"].bounds[3] > rest_front + 150
    with qtbot.waitSignal(window.flight.landed, timeout=5000):
        double_click(qtbot, panel.list.viewport(), item_centre(panel, 1))
    assert scene.pose.neutral
    assert window.renderer.actors["femur_right"].bounds[3] == pytest.approx(rest_front, abs=0.5)


# 11. Defaults taken from the context.


def test_add_bookmark_proposes_a_name_from_the_selection_and_the_view(window, qtbot, scene, store):
    proposed: list[str] = []

    def accept(dialog):
        name = dialog.findChildren(QLineEdit)[0]
        proposed.append(name.text())
        qtbot.keyClick(name, Qt.Key.Key_Return)

    def add_with_ctrl_d():
        when_a_dialog_opens(accept)
        press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)

    scene.select("psoas_major_right")
    press(qtbot, window, Qt.Key.Key_1)
    add_with_ctrl_d()
    add_with_ctrl_d()  # the same again: a name not taken yet
    window.plotter.camera.Azimuth(35)  # turned by hand: no longer a standard view
    add_with_ctrl_d()
    press(qtbot, window, Qt.Key.Key_Escape)
    press(qtbot, window, Qt.Key.Key_7)
    add_with_ctrl_d()
    expected = [
        "Right psoas major — anterior view",
        "Right psoas major — anterior view (2)",
        "Right psoas major — custom view",
        "Whole region — oblique view",
    ]
    assert proposed == expected
    assert store.names() == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(None, "right-psoas-major.png"), ("Psoas & iliacus: front / side", "psoas-iliacus-front-side.png")],
)
def test_export_image_proposes_a_file_name_from_the_title(window, qtbot, scene, monkeypatch, typed, expected):
    files = FakeFileDialog()  # cancelled: nothing is rendered
    monkeypatch.setattr("app.qt.export_dialog.QFileDialog", files)
    scene.select("psoas_major_right")
    titles: list[str] = []

    def save(dialog):
        if not isinstance(dialog, ExportImageDialog):
            dialog.reject()
            return
        titles.append(dialog.title.text())
        if typed is not None:
            dialog.title.selectAll()
            qtbot.keyClicks(dialog.title, typed)
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)

    when_a_dialog_opens(save)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert titles == ["Right psoas major"]
    # (in the folder saved to last, else Pictures: tests/qt/test_fit_the_medium.py)
    assert [Path(proposed).name for proposed in files.proposed] == [expected]


# The rules behind them, without a window.


def test_standard_views_and_proposed_names(scene):
    from app.model.scene.views import view_of
    from app.model.teaching.bookmarks import proposed_name

    def standard_view(camera):
        view = view_of(camera)
        return view.name if view else None

    from app.qt.export_dialog import file_stem

    anterior = CameraPose(position=(0, 900, 40), focal_point=(0, 0, 40), up=(0, 0, 1))
    assert standard_view(anterior) == "anterior"
    zoomed_and_panned = CameraPose(position=(30, 300, 90), focal_point=(30, 0, 90.5), up=(0, 0.01, 1))
    assert standard_view(zoomed_and_panned) == "anterior"
    rolled = CameraPose(position=(0, 900, 40), focal_point=(0, 0, 40), up=(0.6, 0, 1))
    assert standard_view(rolled.model_copy(update={"up": (0.1, 0, 1)})) == "anterior"
    assert standard_view(rolled) is None
    assert proposed_name(scene, anterior) == "Whole region — anterior view"
    side = CameraPose(position=(-800, 0, 0), focal_point=(0, 0, 0), up=(0, 0, 1))
    scene.select("femoral_nerve_right")
    assert proposed_name(scene, side, ["Right femoral nerve — left lateral view"]) == (
        "Right femoral nerve — left lateral view (2)"
    )
    scene.select_many(["psoas_major_right", "femoral_nerve_right", "iliacus_right"])
    assert proposed_name(scene, rolled).endswith(" and 2 more — custom view")
    assert file_stem("Muscle iliaque — vue antérieure") == "muscle-iliaque-vue-anterieure"
    assert file_stem("../..") == "psoas-atlas" and file_stem("CON") == "psoas-atlas"
    assert file_stem("Большая поясничная мышца") == "большая-поясничная-мышца"


def test_thumbnail_files_are_a_cache_that_never_fails(tmp_path, scene):
    from app.model.teaching.bookmarks import ThumbnailFiles

    files = ThumbnailFiles(tmp_path / "pictures")
    pose = CameraPose(position=(0, 900, 40), focal_point=(0, 0, 40), up=(0, 0, 1))
    one = capture(scene, pose, "One")
    same_view = capture(scene, pose, "Same view, other name", "Another caption for the same view.")
    other = Step(title="Other", caption="Another view altogether.", view="left")
    assert files.read(one) is None  # no folder yet
    assert files.write(one, b"\x89PNG one")
    assert files.read(same_view) == b"\x89PNG one", "name and caption are not drawn"
    assert files.path(other) != files.path(one)
    files.path(other).mkdir()  # something that does not read as a file
    assert files.read(other) is None
    files.prune([other])
    assert files.read(one) is None
    (tmp_path / "not-a-folder").write_text("x")
    assert not ThumbnailFiles(tmp_path / "not-a-folder").write(one, b"\x89PNG")
    ThumbnailFiles(tmp_path / "not-a-folder").prune([])


def test_the_proposed_bookmark_name_is_shown_whole(window, qtbot, scene):
    """Issue 28: the name box cut its long default ("Right lateral femoral cutaneous ne…")."""
    seen: list[tuple[int, int]] = []

    def measure(dialog):
        name = dialog.findChildren(QLineEdit)[0]
        margins = name.textMargins()
        room = name.contentsRect().width() - margins.left() - margins.right() - 4  # the frame's padding
        seen.append((name.fontMetrics().horizontalAdvance(name.text()), room))
        dialog.reject()

    scene.select("lateral_femoral_cutaneous_nerve_right")
    press(qtbot, window, Qt.Key.Key_3)
    when_a_dialog_opens(measure)
    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen))
    ((text, room),) = seen
    assert text > 300 and text <= room, seen
