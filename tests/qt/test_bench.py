"""The benchmark runs in the real window and measures what it names (short form)."""

from __future__ import annotations

import pytest

from app.qt.bench import run
from app.qt.bench_result import stage_summary, summary


def test_summary_statistics():
    stats = summary([0.010, 0.020, 0.030, 0.040, 1.0])
    assert stats == {"median_ms": 30.0, "p95_ms": 1000.0, "n": 5}


def test_stage_summary_leaves_qt_what_the_stages_do_not_take():
    frames = [
        {
            "deform": 0.004,
            "normals": 0.002,
            "scene": 0.008,
            "render": 0.016,
            "readout": 0.003,
            "total": 0.040,
        },
        {"deform": 0.006, "normals": 0.002, "scene": 0.010, "render": 0.018, "total": 0.040},
    ]
    stages = stage_summary(frames)
    assert stages == {"deform": 5.0, "normals": 2.0, "scene": 2.0, "render": 17.0, "readout": 1.5, "qt": 12.5}
    assert stage_summary([]) == dict.fromkeys(stages, 0.0)


@pytest.mark.slow
def test_bench_short_run_in_the_window(qtbot):
    result = run(
        size=(640, 400), clicks=6, drag_frames=8, stills=4, screenshot_size=(640, 360), screenshots=1,
        processes=1, video_seconds=0.5,
    )  # fmt: skip
    assert result.size == (640, 400)
    assert result.triangles > 100_000
    assert result.click["n"] >= 5, "clicks must land on structures and highlight them"
    assert 0 < result.still["median_ms"] < 2000 and 0 < result.drag["median_ms"] < 2000
    assert result.bare_still["median_ms"] > 0 and result.bare_drag["median_ms"] > 0
    assert result.first_frame_s > 0  # the age of the process: of the whole test run here
    assert result.peak_rss_mb > 100
    table = result.table()
    for line in ("first complete frame", "click to highlighted frame", "still / bare", "peak resident"):
        assert line in table
    assert result.screenshot["median_ms"] > 0 and result.bare_screenshot["median_ms"] > 0
    assert 1.9 < result.high_triangles / result.triangles < 2.1
    assert result.high_drag["n"] >= 4 and result.high_still["median_ms"] > 0
    assert result.peak_rss_with_export_mb >= result.peak_rss_mb
    assert result.pose_drag["n"] >= 4 and result.playback["n"] >= 3  # the slider moved, it played
    assert result.section_drag["n"] == 8 and result.section_drag["median_ms"] > 0  # the plane moved
    assert result.video["frames"] == 15 and result.video["seconds"] > 0
    for line in ("joint slider drag frame", "section plane drag", "movement playing", "video 0.5 s, 30 fps"):
        assert line in table
    # Every interactive row is timed to the frame the user sees; the slider's and the
    # movement's are split into their stages, and judged against the camera's drag.
    for stages in (result.pose_stages, result.playback_stages):
        assert stages["deform"] > 0 and stages["render"] > 0 and stages["qt"] > 0, stages
        assert sum(stages.values()) < 3 * max(result.pose_drag["p95_ms"], result.playback["p95_ms"])
    assert result.drag_stages["deform"] == 0 and result.drag_stages["render"] > 0  # nothing posed
    for line in ("slider / drag frame", "playing / drag frame", "its stages (median ms)"):
        assert line in table
    for process in (result.process_screenshot, result.process_plain):  # whole processes
        assert process["n"] == 1 and process["median_ms"] > 0 and process["cpu_ms"] > 0
        assert 100 < process["peak_mb"] < result.peak_rss_with_export_mb
    for line in ("annotated / bare screenshot", "high / standard drag frame", "screenshot command / plain"):
        assert line in table
    assert {
        "still_vs_bare",
        "drag_vs_bare",
        "screenshot_vs_bare",
        "high_vs_standard_drag",
        "screenshot_process_vs_plain",
        "slider_vs_drag",
        "playing_vs_drag",
    } <= set(result.as_json()["ratios"])
