"""``psoas-atlas bench``: how fast the viewer is, measured in the real window.

The window's numbers are taken in this process under the current display (Xvfb here); the
screenshot command is timed as a whole process against a plain pyvista script, both run in
turn. Compare ratios within one run: the machines are shared and noisy.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.model.io.stages import STAGES
from app.qt.bench_result import BenchResult, stage_summary, summary


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/self/stat") as handle:
        start = int(handle.read().rsplit(")", 1)[1].split()[19]) / ticks
    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(
    size: tuple[int, int] = (1280, 800),
    clicks: int = 50,
    drag_frames: int = 60,
    stills: int = 20,
    screenshot_size: tuple[int, int] = (3840, 2160),
    screenshots: int = 3,
    processes: int = 5,
    video_seconds: float = 3.0,
    root: Path | None = None,
) -> BenchResult:
    """Open the real window, let it draw, then time stills, drags, clicks, annotated
    screenshots, the same window with high-detail meshes, and the screenshot command
    against a plain pyvista script (``processes`` runs of each)."""
    # The window's modules in the order the app imports them: the rendering layer before
    # PySide6 (see app/qt/__init__.py).
    import app.qt  # noqa: F401

    # isort: split
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.model.atlas import Atlas

    application = QApplication.instance() or QApplication([])
    atlas = Atlas.load(root, teaching=True)
    window, view, frames = _open_window(atlas, size, application)
    scene = window.scene
    first_frame = process_age_s()
    window.plotter.render()
    application.processEvents()
    result = BenchResult(
        size=(view.width(), view.height()), triangles=sum(m.n_cells for m in window.renderer.meshes.values())
    )
    result.first_frame_s = round(first_frame, 2)

    render_window = window.plotter.render_window
    result.still = summary(_time(render_window.Render, stills))

    STAGES.start()
    result.drag, result.drag_stages = _timed(_drag(view, application, frames, drag_frames))

    scene.set_view("anterior")
    application.processEvents()
    targets = _click_targets(window)
    samples = []
    for i in range(clicks):
        structure_id, point = targets[i % len(targets)]
        if scene.selected == structure_id:
            scene.select(None)
        sample = _frame(
            application,
            frames,
            lambda point=point: QTest.mouseClick(
                view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
            ),
        )
        if sample is not None and scene.selected == structure_id:
            samples.append(sample["total"])
    result.click = summary(samples)
    # The viewer's own peak, before exports and comparison plotters add GL contexts.
    result.peak_rss_mb = round(peak_rss_mb(), 0)
    scene.select(None)
    scene.set_view("right")
    application.processEvents()
    result.pose_drag, result.pose_stages = _timed(_pose_drag(window, application, frames, drag_frames))
    result.playback, result.playback_stages = _timed(_play(window, application, frames))
    STAGES.stop()
    result.section_drag = summary(_section_drag(window, application, frames, drag_frames))
    result.video = _video(atlas, video_seconds)

    result.screenshot_size = screenshot_size
    result.screenshot, result.bare_screenshot = _screenshots(window, screenshot_size, screenshots)
    result.peak_rss_with_export_mb = round(peak_rss_mb(), 0)
    window.close()

    result.bare_still, result.bare_drag = _bare_pyvista(
        window.renderer.meshes, window.scene, result.size, application, stills, drag_frames
    )
    result.high_triangles, result.high_still, result.high_drag = _high_detail(
        atlas, size, application, stills, drag_frames
    )
    result.process_screenshot, result.process_plain = screenshot_processes(screenshot_size, processes, root)
    return result


#: The comparison for ``psoas-atlas screenshot``: what a pyvista user would write to draw the
#: meshes that ``psoas-atlas export`` writes, each in its colour, to a PNG (no tuning).
PLAIN_SCRIPT = """\
import json
import sys

import pyvista as pv

folder, out, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(f"{folder}/scene.json") as handle:
    structures = json.load(handle)["structures"]
plotter = pv.Plotter(off_screen=True, window_size=[width, height])
for structure in structures:
    mesh = pv.read(f"{folder}/{structure['file']}")
    plotter.add_mesh(mesh, color=structure["color"], smooth_shading=True)
plotter.camera_position = "xz"
plotter.screenshot(out)
"""


def screenshot_processes(size: tuple[int, int], runs: int, root: Path | None = None) -> tuple[dict, dict]:
    """Time ``psoas-atlas screenshot OUT --size WxH --select psoas_major_right`` (labels,
    legend, outline, attribution) against :data:`PLAIN_SCRIPT` on the exported meshes, each
    as a whole process from start to exit, taken in turn (ABBA) so both see the same load;
    medians of wall time, CPU time (less sensitive to a busy machine) and each process' peak
    memory. Both draw with EGL, as the command does with no display."""
    from app.export import export_scene
    from app.model.atlas import Atlas

    atlas = Atlas.load(root)
    env = os.environ | {"VTK_DEFAULT_OPENGL_WINDOW": "vtkEGLRenderWindow"}
    width, height = size
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        export_scene(atlas.scene(), atlas.meshes_dir, folder / "meshes")
        (folder / "plain.py").write_text(PLAIN_SCRIPT)
        commands = {
            "ours": [sys.executable, "-m", "app", *(["--root", str(root)] if root else []),
                     "screenshot", str(folder / "ours.png"),
                     "--size", f"{width}x{height}", "--select", "psoas_major_right"],
            "plain": [sys.executable, str(folder / "plain.py"), str(folder / "meshes"),
                      str(folder / "plain.png"), str(width), str(height)],
        }  # fmt: skip
        samples: dict[str, list[tuple[float, float, float]]] = {"ours": [], "plain": []}
        for i in range(runs):
            for name in ("ours", "plain") if i % 2 == 0 else ("plain", "ours"):
                samples[name].append(_run_process(commands[name], env))
    results = []
    for name in ("ours", "plain"):
        wall, cpu, peak = zip(*samples[name], strict=True)
        results.append(
            summary(list(wall))
            | {"cpu_ms": round(statistics.median(cpu) * 1000), "peak_mb": round(statistics.median(peak))}
        )
    return results[0], results[1]


def _run_process(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time and CPU time (s) of a command from start to exit, and its peak memory (MB).

    The peak is read from the process' own /proc status while it runs (every 10 ms):
    a child's ``ru_maxrss`` would count this process' memory, which it starts from."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        peak_kb = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, _peak_kb(process.pid))
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(command[1:3])} failed ({process.returncode}): {' '.join(tail)}")
    return elapsed, usage.ru_utime + usage.ru_stime, peak_kb / 1024.0


def _peak_kb(pid: int) -> int:
    """VmHWM of a running process, or 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _screenshots(window, size: tuple[int, int], repeats: int) -> tuple[dict, dict]:
    """Time an annotated export from the window (selection, labels, legend, title) against a
    plain pyvista off-screen screenshot of the same visible meshes at the same size, both
    written as PNG files and taken in turn, so that both see the same machine load. Each
    side keeps its plotter between shots, as a user exporting several figures would; the
    first shot of each (context, upload, shaders) is timed apart."""
    import tempfile
    from pathlib import Path

    import pyvista as pv

    from app.render.snapshot import Annotations

    scene = window.scene
    scene.set_view("anterior")
    scene.select("psoas_major_right")
    notes = Annotations(labels=True, title="Right psoas major")
    plain = pv.Plotter(off_screen=True)
    for sid in scene.visible_ids:
        plain.add_mesh(window.renderer.meshes[sid], color=scene.catalogue[sid].color, smooth_shading=True)
    plain.camera_position = "xz"
    ours, bare = [], []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(repeats + 1):
            start = time.perf_counter()
            window.save_screenshot(Path(folder) / f"atlas-{i}.png", size, notes)
            ours.append(time.perf_counter() - start)

            start = time.perf_counter()
            plain.screenshot(str(Path(folder) / f"bare-{i}.png"), window_size=list(size))
            bare.append(time.perf_counter() - start)
    plain.close()
    first = {"first_ms": round(ours[0] * 1000), "bare_first_ms": round(bare[0] * 1000)}
    return summary(ours[1:]) | first, summary(bare[1:])


def _high_detail(atlas, size, application, stills: int, drag_frames: int) -> tuple[int, dict, dict]:
    """Still and drag frames of the same window with the high-detail meshes (twice the
    triangles), for the growth target: the drag frame must not double."""
    window, view, frames = _open_window(atlas, size, application, detail="high")
    window.renderer.enable_lod()
    window.plotter.render()
    application.processEvents()
    triangles = sum(m.n_cells for m in window.renderer.meshes.values())
    still = summary(_time(window.plotter.render_window.Render, stills))
    drag, _ = _timed(_drag(view, application, frames, drag_frames))
    window.close()
    return triangles, still, drag


def _open_window(atlas, size: tuple[int, int], application, detail: str = "standard"):
    """Show the main window with its 3D view at ``size``, wait for its first frame; return
    the window, the view and the list that every rendered frame appends its end time to."""
    from app.qt.main_window import MainWindow

    window = MainWindow.for_atlas(atlas, detail=detail)
    window.show()
    frames = Frames()
    window.plotter.render_window.AddObserver("StartEvent", frames.started)
    window.plotter.render_window.AddObserver("EndEvent", frames.ended)
    # Size the 3D view itself, not the window around it.
    view = window.plotter.interactor
    window.resize(window.width() + size[0] - view.width(), window.height() + size[1] - view.height())
    while not frames:
        application.processEvents()
    return window, view, frames


class Frames(list):
    """The end time of every frame the window draws, and the seconds VTK spent drawing."""

    rendering = 0.0
    _began = 0.0

    def started(self, *_args) -> None:
        self._began = time.perf_counter()

    def ended(self, *_args) -> None:
        now = time.perf_counter()
        self.rendering += now - self._began
        self.append(now)


def _frame(application, frames: Frames, act) -> dict[str, float] | None:
    """One frame as the user sees it: from the input (``act``) to Qt's events done (the
    window's own redraw included), every interactive row timed alike; with the seconds of
    each stage inside it (:data:`~app.model.io.stages.STAGES`, VTK's drawing as "render").
    None if nothing was drawn."""
    before, rendering = len(frames), frames.rendering
    STAGES.take()
    start = time.perf_counter()
    act()
    application.processEvents()
    total = time.perf_counter() - start
    if len(frames) == before:
        return None
    return STAGES.take() | {"render": frames.rendering - rendering, "total": total}


def _timed(samples: list[dict[str, float] | None]) -> tuple[dict[str, float], dict[str, float]]:
    drawn = [s for s in samples if s is not None]
    return summary([s["total"] for s in drawn]), stage_summary(drawn)


def _drag(view, application, frames: Frames, count: int) -> list[dict[str, float] | None]:
    """Frames of a scripted rotation: mouse moves through the interactor, in a loop."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    centre = QPoint(view.width() // 2, view.height() // 2)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    samples = []
    for i in range(count):
        angle = 2 * np.pi * i / count
        target = centre + QPoint(int(150 * np.cos(angle)), int(60 * np.sin(angle)))
        samples.append(_frame(application, frames, lambda target=target: QTest.mouseMove(view, target)))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    return samples


def _pose_drag(window, application, frames: Frames, count: int) -> list[dict[str, float] | None]:
    """Frames of the right hip flexion slider dragged by the mouse, up and back: each from
    the mouse move to the frame drawn (posing and deforming the low-detail surfaces, the
    readout and plot when due, the Motion panel repainted)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    window.motion_dock.raise_()
    slider = window.motion.sliders["hip_flexion_right"]
    application.processEvents()
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    start, travel = handle.center(), max(10, slider.width() - handle.center().x() - handle.width())
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    samples = []
    for i in range(count):
        offset = int(travel * (1 - abs(1 - 2 * (i + 1) / count)))  # up, then back down
        before = slider.value()
        sample = _frame(
            application, frames, lambda offset=offset: QTest.mouseMove(slider, start + QPoint(offset, 0))
        )
        samples.append(sample if slider.value() != before else None)
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    application.processEvents()
    return samples


def _section_drag(window, application, frames: list[float], count: int) -> list[float]:
    """Frame times of an axial plane dragged by its handle from the top of the scene to the
    bottom, seen from the front, with the Section dock shown: each from the handle's move to
    its frame drawn with the surfaces clipped and every cut structure capped. The handle's
    widget is driven as a mouse drag drives it: its press, then per move its new place, its
    interaction event and its frame, and its release."""
    scene, handle = window.scene, window.section_handle
    window.section_dock.raise_()
    scene.set_view("anterior")
    scene.set_section(scene.sections.at("T12", "axial"))
    application.processEvents()
    bounds = window.renderer.visible_bounds()
    origin = np.array(handle.representation.GetOrigin())
    render_window = window.plotter.render_window
    handle.widget.InvokeEvent("StartInteractionEvent")
    samples = []
    for z in np.linspace(bounds[5] - 5, bounds[4] + 5, count):
        start = time.perf_counter()
        handle.representation.SetOrigin(origin[0], origin[1], z)
        handle.widget.InvokeEvent("InteractionEvent")
        render_window.Render()  # as vtkImplicitPlaneWidget2 does after each move
        application.processEvents()
        samples.append(time.perf_counter() - start)
    handle.widget.InvokeEvent("EndInteractionEvent")
    scene.set_section(None)
    application.processEvents()
    return samples


def _play(window, application, frames: Frames) -> list[dict[str, float] | None]:
    """Frames of the knee-to-chest movement played in the window (each frame's pose,
    deformation, readout, drawing and the window's redraw): the player's timer is stood in
    for by this loop, so that each frame is timed to Qt's events done, as a drag's is."""
    from app.model.motion.kinematics import Pose
    from app.model.motion.playback import Tween

    player = window.player
    player.play(Tween(Pose(), window.scene.poses.resolve(["knee_to_chest"]), 2.0), loop=False)
    player.timer.stop()
    samples = []
    while not player.done:
        samples.append(_frame(application, frames, player.step))
    if window.renderer.interacting:
        window.renderer.end_interaction()
    return samples


def _video(atlas, duration: float) -> dict[str, float]:
    """Write a ``duration`` s, 30 fps, 1280x720 MP4 of a leg lift, off screen, as ``animate``
    does."""
    import tempfile
    from pathlib import Path

    from app.model.motion.playback import Tween
    from app.render.video import write_video

    scene = atlas.scene()
    scene.set_view("right")
    tween = Tween(scene.poses.resolve(["neutral"]), scene.poses.resolve(["leg_lift"]), duration)
    frames = [(0, pose) for pose in tween.frames(30)][: round(duration * 30)]
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        write_video(scene, Path(folder) / "bench.mp4", frames, (1280, 720), 30)
        seconds = time.perf_counter() - began
    real = len(frames) / 30
    return {"seconds": round(seconds, 2), "frames": len(frames), "times_real_time": round(seconds / real, 2)}


def _time(func, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def _click_targets(window) -> list[tuple[str, Any]]:
    """A pixel for each structure the picker can hit in the current view."""
    found = ((sid, window.clicks.pixel_of(sid, samples=60)) for sid in window.scene.visible_ids)
    return [(sid, point) for sid, point in found if point is not None]


def _bare_pyvista(
    meshes, scene, size: tuple[int, int], application, stills: int, drag_frames: int
) -> tuple[dict, dict]:
    """Still and drag frame times of a bare pyvistaqt plotter in a window, same meshes and
    size, pyvista's default look (multisampling off, as in the viewer, for a fair match)."""
    from pyvistaqt import QtInteractor

    plotter = QtInteractor(auto_update=False)
    plotter.render_window.SetMultiSamples(0)
    for structure_id in scene.visible_ids:
        plotter.add_mesh(meshes[structure_id], color=scene.catalogue[structure_id].color, smooth_shading=True)
    plotter.resize(*size)
    plotter.show()
    frames = Frames()
    plotter.render_window.AddObserver("StartEvent", frames.started)
    plotter.render_window.AddObserver("EndEvent", frames.ended)
    while not frames:
        application.processEvents()
    still = summary(_time(plotter.render_window.Render, stills))
    drag, _ = _timed(_drag(plotter, application, frames, drag_frames))
    plotter.close()
    return still, drag
