"""The benchmark runs in the real window and measures what it names (short form)."""

from __future__ import annotations

import pytest

from app.qt.bench import run, summary


def test_summary_statistics():
    stats = summary([0.010, 0.020, 0.030, 0.040, 1.0])
    assert stats == {"median_ms": 30.0, "p95_ms": 1000.0, "n": 5}


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
    } <= set(result.as_json()["ratios"])
