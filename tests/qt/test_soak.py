"""Stamina: thousands of random user actions in the real window, no errors, no leak.

Short by default; the full run is ``make soak`` (2000 actions, with a longer time limit than
the suite's 300 s per test: it takes about 280 s here).

A leak is told two ways. What the window holds is counted exactly: the props in its
renderers, its Qt children and Python's live objects, once the scene is put back as it was;
a leak adds to them with every action it happens in, while the bounded caches level off,
so the short run checks them. The
resident memory of the process is the other, and the one a user sees, but a reading swings
by 10 to 15 MB with what Mesa and glibc kept from the last frames: over the short run a
leak of that size cannot be told from the swing, so only the full run bounds it.

The mix is a student's and an instructor's day: the static atlas (clicks, drags, views,
search, hiding, X-ray, screenshots) and what came after it: joint sliders held and let go,
named poses and postures, movements played and paused, colours by length, section planes
at every level and orientation and their handle dragged, the slice view exported, quiz
questions answered right, wrong, by a click or skipped, lessons presented step by step,
bookmarks added, gone to and deleted, every activity (walking, stairs, rising from a chair)
chosen, played, paused and scrubbed, and videos exported, cancelled or whole. It prints the mix and
the resident memory added while each kind ran, so the next leak names itself (this mix
found two: every ended presentation stayed a child of the window with its animations, about
34 Qt objects a time, and the bookmarks' picture maker was counted while still in use).
"""

from __future__ import annotations

import gc
import random
import re
import sys
import time
from collections import Counter

import numpy as np
import pytest
import pyvista as pv
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from app.memory import IDLE_RELEASE_MS, resident_mb
from app.memory import resident_mb as _rss
from app.model.anatomy.structures import Group, Kind
from app.model.atlas import Atlas
from app.model.motion.kinematics import JOINTS, Pose
from app.model.motion.playback import Tween
from app.model.motion.posture import POSTURES
from app.model.scene.views import VIEWS
from app.qt.main_window import MainWindow

#: Random actions before memory is measured, in the full run only (they fill what only the
#: resident size counts: Mesa's shader variants, glibc's free lists). What the short run counts
#: levels without them (measured: the same +23 weakrefs and bound methods over 200 actions with
#: or without these 300, which took 30 of its 70 s).
WARM_UP_ACTIONS = 300
#: Most the resident memory may grow (MB) after the warm-up, over a run of at least
#: :data:`MEMORY_RUN_ACTIONS` (``make soak``).
#: Measured over 2,000 actions: 3 to 5 MB (checkpoints -4 to +8). It was 15 to 43 MB, rising
#: and falling, while closed exporters waited for Python's rare full collections and while
#: checkpoints were read before a flight's rest.
GROWTH_BOUND_MB = 10
#: Fewest actions over which the resident memory is bounded (see the module's docstring).
MEMORY_RUN_ACTIONS = 1000
#: Most live Python objects of one type that may be added over the run once the scene is put
#: back (the bounded caches are full after the warm-up; a leak adds one or more per action).
#: Measured: about 30 weakrefs and as many bound ``dict.pop`` methods whatever the run's
#: length (10 actions of one kind or 1000 of all): matplotlib's transform tree, which
#: registers each plot's transformed paths as they are drawn (41, over this bound, before
#: :func:`held` drew the plots before counting).
OBJECT_GROWTH_BOUND = 40
#: How long the window rests before each memory reading (ms): a pause, not a user's.
SETTLE_REST_MS = 100

TYPOS = {
    "psoas major": "psoaz majr",
    "femoral nerve": "femral nerv",
    "iliacus": "iliakus",
    "sacrum": "sacrun",
}


def settled_mb(qtbot, window, state) -> float:
    """Resident memory with the scene put back in ``state`` (what is drawn, labelled and
    cached for the picture of the moment differs by tens of MB from one state to the next:
    a leak is what stays when the state is the same), once the window has rested and
    given freed memory back, as it does for a user who pauses. A camera flight under way
    (a search, a site) lands first: its frames put the rest off past the wait, and the
    memory was read before it was given back (30 to 60 MB more, at random checkpoints).

    The pause is short here (:data:`SETTLE_REST_MS`), the window told to rest after as
    short a time; between checkpoints it waits :data:`IDLE_RELEASE_MS`, as for a user."""
    window.flight.finish()  # lands now, where it would have (a loaded machine's frames are slow)
    window.rest_timer.setInterval(SETTLE_REST_MS)
    # The bookmarks' picture maker is freed after a while with nothing to draw
    # (THUMBNAIL_IDLE_MS): as that while has passed.
    window.bookmarks.release_thumbnails()
    try:
        window.scene.restore(state)
        window.plotter.render()  # the rest counts from the last frame
        qtbot.wait(SETTLE_REST_MS + 300)
    finally:
        window.rest_timer.setInterval(IDLE_RELEASE_MS)
    return resident_mb()


def held(window) -> Counter[str]:
    """What the window holds, counted exactly: props in each renderer, Qt children, and
    live Python objects by type (after a full collection)."""
    children = len(window.findChildren(QObject))  # (wraps them: before Python's count)
    # The motion's caches of recent poses are emptied first: full, they hold 64 poses each,
    # but more or fewer objects with what the poses were (a video's have more joints).
    # So are the other bounded caches whose content, not size, varies with what was shown:
    # the skins of small sets of points on nerves (256 kept) and matplotlib's text metrics
    # (4096 a canvas, keyed by each label's text: the plots' and the slice drawing's).
    body = window.scene.body
    if body is not None:
        body.rig._recent.cache_clear()
        body.mechanics._recent.cache_clear()
        body.deformer._few_on_nerves.clear()
    import matplotlib.text
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    # Each plot drawn as it stands: an artist caches its transformed path at its first draw,
    # which comes at the next paint (a plot rebuilt just before counting had not yet drawn).
    for canvas in window.findChildren(FigureCanvasQTAgg):
        canvas.draw()
    for metrics in matplotlib.text._get_text_metrics_function.__defaults__[0].values():
        metrics.cache_clear()
    gc.collect()
    counts: Counter[str] = Counter(type(o).__name__ for o in gc.get_objects())
    for index, renderer in enumerate(window.plotter.renderers):
        counts[f"props in renderer {index}"] = renderer.GetViewProps().GetNumberOfItems()
    for name in window.plotter.actors:  # by kind, so that a leaked actor names itself
        counts[f"actor {re.split(r'[-(0-9]', name, maxsplit=1)[0] or name}"] += 1
    counts["Qt children"] = children
    return counts


@pytest.mark.slow
@pytest.mark.qt_log_level_fail("WARNING")
def test_random_user_actions(qtbot, tmp_path, request, monkeypatch):
    # Exceptions raised in VTK observer callbacks are printed through sys.excepthook, not
    # raised: record them so that they fail the test.
    raised: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: raised.append(value))
    actions = request.config.getoption("--soak-actions")
    # The whole atlas, as it opens: body, lessons, quiz, sections.
    window = MainWindow.for_atlas(Atlas.load(teaching=True))
    scene = window.scene
    catalogue = scene.catalogue
    body = scene.body
    assert body is not None
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    view = window.plotter.interactor
    initial = scene.state()
    rng = random.Random(20261121)
    ids = catalogue.ids
    counts: dict[str, int] = {}

    def click_structure():
        point = window.clicks.pixel_of(rng.choice(scene.visible_ids or ids), samples=40)
        if point is not None:
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=point)

    def click_empty():
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))

    def drag():
        start = QPoint(rng.randint(100, view.width() - 100), rng.randint(100, view.height() - 100))
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 7):
            qtbot.mouseMove(view, start + QPoint(rng.randint(-15, 15) * step, rng.randint(-8, 8) * step))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(5, 5))

    def toggle_visibility():
        sid = rng.choice(ids)
        scene.set_visible(sid, not scene.is_visible(sid))

    def opacity():
        scene.set_opacity(rng.choice(ids), rng.choice([1.0, 0.6, 0.3, 0.1]))

    def group_opacity():
        window.set_group_opacity(rng.choice(list(Group)), rng.choice([1.0, 0.5, 0.2]))

    def search():
        name = rng.choice([*TYPOS.values(), catalogue[rng.choice(ids)].latin])
        window.find_structure(name)

    def view_change():
        scene.set_view(rng.choice(list(VIEWS)))

    def hide_isolate_show():
        choice = rng.random()
        if scene.selected and choice < 0.4:
            window.isolate_selected()
        elif scene.selected and choice < 0.7:
            window.hide_selected()
        else:
            scene.show_all()

    def xray():
        window.xray_action.trigger()

    def focus_site():
        painted = scene.emphasis.attachments
        if painted:
            scene.focus_attachment(rng.choice(painted))

    def screenshot():
        window.save_screenshot(tmp_path / "soak.png")

    # What came after the static atlas: motion, sections, the quiz, presenting, bookmarks.
    turnable = [j for j in JOINTS.values() if body.rig.can_turn(j.name)]

    def joint_slider():
        joint = rng.choice(turnable)
        window.motion.dragging.emit(True)  # held, as a dragged slider is
        for _ in range(rng.randint(1, 4)):
            scene.set_pose({joint.name: round(rng.uniform(joint.lower, joint.upper), 1)})
        window.motion.dragging.emit(False)

    def named_pose():
        scene.set_pose(rng.choice(list(body.motion.poses.values())).pose)

    def posture():
        scene.set_pose(scene.pose.in_posture(rng.choice(list(POSTURES))))

    def neutral():
        scene.set_pose(Pose())

    def play_movement():
        start, end = rng.sample(list(body.motion.poses.values()), 2)
        window.player.play(Tween(start.pose, end.pose, 0.4), loop=False)
        qtbot.wait(rng.choice([60, 150]))
        if window.player.playing:  # paused part way, or let run to its end
            window.player.pause() if rng.random() < 0.5 else qtbot.waitUntil(
                lambda: not window.player.playing
            )

    def walk():
        """An activity (walking, stairs, rising from a chair) chosen in the Play tab, played
        part way, paused, then scrubbed to an instant of its cycle."""
        bar = window.play_bar
        bar.activity.setCurrentIndex(rng.randrange(1, bar.activity.count()))
        window.player.play(bar.chosen_activity().track(), loop=True)
        qtbot.wait(rng.choice([60, 200]))
        window.player.pause()
        bar.scrub.setValue(rng.randrange(bar.scrub.maximum() + 1))
        if rng.random() < 0.3:
            bar.activity.setCurrentIndex(0)  # back to movements between poses

    def play_bar_as_it_was():
        """The Play tab put back as the scene is before counting: its plot holds the last
        activity's cycle (its poses and lengths), which is what was shown, not a leak."""
        bar = window.play_bar
        bar.activity.setCurrentIndex(1)
        bar.scrub.setValue(0)
        bar.activity.setCurrentIndex(0)

    # The save dialog answered and the progress dialog's Cancel pressed at a frame, once for
    # the run (patched at each video, the patches' records grew with each).
    out = tmp_path / "soak.mp4"
    cancel_at = [2]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "MP4 video (*.mp4)"))
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: self.value() >= cancel_at[0])

    def video():
        """File ▸ Export Video of a movement, cancelled after a few frames, or written whole."""
        from app.qt.export_dialog import export_video

        cancel_at[0] = rng.choice([2, 1000])
        start, end = rng.sample(list(body.motion.poses.values()), 2)
        tween = Tween(start.pose, end.pose, 0.3)
        export_video(window, scene, window.renderer.camera_pose(), tween, lambda *a: None, (160, 120))
        assert out.exists() == (cancel_at[0] > 10), "a cancelled video leaves no file, a whole one is there"
        out.unlink(missing_ok=True)

    def slice_export():
        """The slice view's drawing of the section, exported (a section first if none)."""
        if scene.section is None:
            section()
        if scene.section is not None:
            window.slice_view.export(tmp_path / f"slice{rng.choice(['.png', '.svg'])}")

    def section_drag():
        """The plane's handle dragged a little, as the mouse drags it (a cut made first if
        there is none: the first drag makes the cut's low-detail stand-ins, a cache)."""
        if scene.section is None:
            level = rng.choice(list(scene.sections.levels))
            scene.set_section(scene.sections.at(level, rng.choice(["axial", "coronal", "sagittal"])))
        handle = window.section_handle
        if not handle.wanted:
            handle.set_wanted(True)
        if scene.section is None or not handle.shown:
            return
        origin = np.array(handle.representation.GetOrigin())
        handle.widget.InvokeEvent("StartInteractionEvent")
        for step in range(rng.randint(2, 6)):
            moved = origin + np.array(handle.representation.GetNormal()) * 4.0 * (step + 1)
            handle.representation.SetOrigin(*moved)
            handle.widget.InvokeEvent("InteractionEvent")
        handle.widget.InvokeEvent("EndInteractionEvent")

    def length_colours():
        scene.set_length_colours(not scene.length_colours)

    def section():
        if scene.section is not None and rng.random() < 0.4:
            scene.set_section(None)
            return
        level = rng.choice(list(scene.sections.levels))
        scene.set_section(scene.sections.at(level, rng.choice(["axial", "coronal", "sagittal"])))

    def quiz():
        """Two questions, each answered: a choice (right or wrong), a click, or skipped."""
        from app.model.quiz.review import QuizSession

        window.start_quiz(QuizSession(rng.sample(quiz_pool, 2), window.quiz.progress), True)
        for _ in range(2):
            panel = window.quiz
            if panel.question is None or not panel.waiting:
                break
            answer = rng.random()
            if answer < 0.5 and panel.question.choices:
                panel.choose(rng.randrange(len(panel.question.choices)))
            elif answer < 0.8:
                click_structure()  # graded if a click question waits
            if panel.waiting:
                panel.skip()
            panel.next()
        window.leave_quiz()

    # A class's question pool: the progress keeps a card per question answered, which is the
    # student's record, not a leak; the warm-up answers each once, so the cards are all there.
    quiz_pool = random.Random(7).sample(list(window.quiz.bank.questions), 12)

    def answer_all():
        from app.model.quiz.review import QuizSession

        window.start_quiz(QuizSession(quiz_pool, window.quiz.progress), True)
        for _ in range(len(quiz_pool)):
            if window.quiz.question is None or not window.quiz.waiting:
                break
            window.quiz.skip()
            window.quiz.next()
        window.leave_quiz()

    def present():
        lesson = rng.choice(window.lessons)[1]
        presentation = window.present(lesson)
        for _ in range(rng.randint(1, 3)):
            presentation.next()
        presentation.stop()
        qtbot.waitUntil(lambda: window.presentation is None)
        # Back from full screen the window fits the test's 800x600 display; the soak's
        # window is bigger than that (as on a user's screen), so it is put back.
        window.resize(1280, 800)

    def bookmark():
        names = window.bookmarks.store.names() if hasattr(window.bookmarks, "store") else []
        if names and rng.random() < 0.5:
            name = rng.choice(names)
            window.bookmarks.restore(name, animate=False)
            if rng.random() < 0.5:
                window.bookmarks.delete([name])
        else:
            window.bookmarks.add(f"Soak {rng.randint(0, 5)}")

    menu = [
        (click_structure, 25), (click_empty, 4), (drag, 15), (toggle_visibility, 10), (opacity, 8),
        (group_opacity, 3), (search, 8), (view_change, 8), (hide_isolate_show, 6), (xray, 3),
        (focus_site, 6), (screenshot, 4),
        (joint_slider, 8), (named_pose, 5), (posture, 2), (neutral, 3), (play_movement, 3),
        (walk, 3), (length_colours, 2), (section, 5), (section_drag, 2), (slice_export, 2), (quiz, 2),
        (present, 2), (bookmark, 3), (video, 2),
    ]  # fmt: skip
    kinds = [kind for kind in request.config.getoption("--soak-kinds").split(",") if kind]
    if actions < MEMORY_RUN_ACTIONS and not kinds:
        # The short run counts Python's objects exactly; exporting videos and slice drawings
        # fills matplotlib's and the encoder's bounded caches for longer than it runs (tens
        # of tuples): the memory run has them.
        menu = [(action, weight) for action, weight in menu if action not in (video, slice_export)]
    funcs, weights = zip(*menu, strict=True)
    # The measured actions, all kinds or those asked for (the warm-up runs every kind).
    unknown = set(kinds) - {action.__name__ for action in funcs}
    assert not unknown, f"--soak-kinds: no such action {sorted(unknown)}"
    drawn_from = [(action, weight) for action, weight in menu if not kinds or action.__name__ in kinds]
    started = time.perf_counter()
    with pv.VtkErrorCatcher(raise_errors=False, send_to_logging=False) as caught:
        # Warm-up: every structure selected once and some of every action fill the bounded
        # caches (highlight patches, outlines, label textures, picking locators); for the
        # memory run, random ones (another sequence than the measured one) then fill what
        # only the resident size counts, such as Mesa's compiled shader variants, one per
        # drawing state met (heaptrack: 5 MB of the live heap's growth over the first 600
        # actions).
        for structure_id in ids:
            scene.select(structure_id)
            for site in scene.emphasis.attachments:  # the sites' locators and flights
                scene.focus_attachment(site)
        for action in funcs * 3:
            action()
        # Posed, the surfaces get private copies, full and low detail (the latter made while
        # the view moves): once each, as the bookmarks' names repeat. Fill both here.
        named_pose()
        drag()
        # Every structure's caps, on both planes of a slab: made the first time a structure is
        # cut while shown (the context skeleton's when a posture shows it), then kept.
        scene.show_all()
        scene.set_group_visible(Group.context, True)
        scene.set_section(scene.sections.at(next(iter(scene.sections.levels)), "axial", slab_mm=20.0))
        section_drag()
        neutral()
        for number in range(6):
            window.bookmarks.add(f"Soak {number}")
        if actions >= MEMORY_RUN_ACTIONS:  # (the short run adds at most the pool's 12 cards)
            answer_all()
        # Every lesson presented once, each step shown: their pictures and fonts, cached
        # (the memory run's: the short run counts objects, which a presentation leaves none of).
        for _title, lesson in window.lessons if actions >= MEMORY_RUN_ACTIONS else ():
            presentation = window.present(lesson)
            for _ in lesson.steps:
                presentation.next()
            presentation.stop()
            qtbot.waitUntil(lambda: window.presentation is None)
            window.resize(1280, 800)
        warm_up = random.Random(1)
        for _ in range(WARM_UP_ACTIONS if actions >= MEMORY_RUN_ACTIONS else 0):
            warm_up.choices(funcs, weights)[0]()
        warmed = time.perf_counter()
        play_bar_as_it_was()
        baseline = settled_mb(qtbot, window, initial)
        held_before = held(window)
        checkpoints: list[float] = []  # growth every 500 actions: a leak climbs, a cache levels
        grown: dict[str, float] = {}  # resident MB added while each kind ran (noisy, summed)
        spent: dict[str, float] = {}  # seconds each kind took, summed (where the run's time goes)
        actors: dict[str, int] = {}  # actors each kind added to the window's plotter (net)
        props: dict[str, int] = {}  # props each kind added to the main renderer (net)
        view_props = window.plotter.renderers[0].GetViewProps()
        for done in range(1, actions + 1):
            action = rng.choices(*zip(*drawn_from, strict=True))[0]
            before, began, drawn = _rss(), time.perf_counter(), len(window.plotter.actors)
            in_view = view_props.GetNumberOfItems()
            action()
            actors[action.__name__] = actors.get(action.__name__, 0) + len(window.plotter.actors) - drawn
            props[action.__name__] = props.get(action.__name__, 0) + view_props.GetNumberOfItems() - in_view
            spent[action.__name__] = spent.get(action.__name__, 0.0) + time.perf_counter() - began
            grown[action.__name__] = grown.get(action.__name__, 0.0) + _rss() - before
            counts[action.__name__] = counts.get(action.__name__, 0) + 1
            if done % 500 == 0 and done < actions:
                play_bar_as_it_was()
                checkpoints.append(round(settled_mb(qtbot, window, initial) - baseline, 1))
    play_bar_as_it_was()  # (each reading with the Play tab as it was: its plot holds a cycle)
    growth = settled_mb(qtbot, window, initial) - baseline
    added = held(window) - held_before
    window.close()
    print(
        f"soak: {actions} actions {counts}; memory {baseline:.0f} MB after warm-up, "
        f"grew {growth:.1f} MB (every 500: {checkpoints}); added {added.most_common(5)}; "
        f"resident MB added while each kind ran: { {k: round(v, 1) for k, v in sorted(grown.items())} }; "
        f"props each kind added to the main view: { {k: v for k, v in sorted(props.items()) if v} }; "
        f"warm-up {warmed - started:.0f} s; "
        f"seconds each kind took: { {k: round(v, 1) for k, v in sorted(spent.items())} }"
    )
    assert not raised, f"exceptions in callbacks: {raised[:3]}"
    assert not caught.events, f"VTK reported: {caught.events[:3]}"
    leaked = {
        name: n
        for name, n in added.items()
        if name.startswith(("props", "Qt", "actor")) or n > OBJECT_GROWTH_BOUND
    }
    added_by = {kind: n for kind, n in actors.items() if n}
    props_by = {kind: n for kind, n in props.items() if n}
    assert not leaked, (
        f"the window holds more after {actions} actions, the scene put back: {leaked} "
        f"(actors added while each kind ran: {added_by}; props in the main view: {props_by})"
    )
    if actions >= MEMORY_RUN_ACTIONS:
        assert growth < GROWTH_BOUND_MB, f"memory grew {growth:.0f} MB after warm-up over {actions} actions"
    assert len(counts) == len(drawn_from), f"not every kind of action ran: {counts}"
    assert (tmp_path / "soak.png").stat().st_size > 10_000
    assert np.isfinite(baseline)
    assert Kind.bone in {catalogue[s].kind for s in ids}
