"""What ``psoas-atlas bench`` reports: the statistics of each row, the ratios it is judged by
and the table it prints (the measuring is :mod:`app.qt.bench`'s)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


def summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000.0 for s in samples)
    return {
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 1),
        "n": len(ms),
    }


@dataclass
class BenchResult:
    size: tuple[int, int]
    triangles: int
    first_frame_s: float = 0.0
    still: dict[str, float] = field(default_factory=dict)
    drag: dict[str, float] = field(default_factory=dict)
    click: dict[str, float] = field(default_factory=dict)
    bare_still: dict[str, float] = field(default_factory=dict)
    bare_drag: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    screenshot_size: tuple[int, int] = (3840, 2160)
    screenshot: dict[str, float] = field(default_factory=dict)
    bare_screenshot: dict[str, float] = field(default_factory=dict)
    peak_rss_with_export_mb: float = 0.0
    high_triangles: int = 0
    high_still: dict[str, float] = field(default_factory=dict)
    high_drag: dict[str, float] = field(default_factory=dict)
    #: Posing: a joint slider dragged, a movement played (frame times), and a 3 s, 30 fps
    #: 1280x720 video written (seconds, and times real time).
    pose_drag: dict[str, float] = field(default_factory=dict)
    playback: dict[str, float] = field(default_factory=dict)
    #: Median ms of each stage of a camera drag's, a slider drag's and a movement's frames.
    drag_stages: dict[str, float] = field(default_factory=dict)
    pose_stages: dict[str, float] = field(default_factory=dict)
    playback_stages: dict[str, float] = field(default_factory=dict)
    #: The section's plane dragged through the whole scene by its handle, caps on.
    section_drag: dict[str, float] = field(default_factory=dict)
    video: dict[str, float] = field(default_factory=dict)
    #: ``psoas-atlas screenshot`` (annotated, 4K) and a plain pyvista script, whole processes.
    process_screenshot: dict[str, float] = field(default_factory=dict)
    process_plain: dict[str, float] = field(default_factory=dict)

    def ratios(self) -> dict[str, float]:
        def ratio(a: dict[str, float], b: dict[str, float]) -> float:
            return round(a["median_ms"] / b["median_ms"], 2)

        return {
            "still_vs_bare": ratio(self.still, self.bare_still),
            "drag_vs_bare": ratio(self.drag, self.bare_drag),
            "screenshot_vs_bare": ratio(self.screenshot, self.bare_screenshot),
            "high_vs_standard_triangles": round(self.high_triangles / self.triangles, 2),
            "high_vs_standard_drag": ratio(self.high_drag, self.drag),
            "high_vs_standard_still": ratio(self.high_still, self.still),
            "screenshot_process_vs_plain": ratio(self.process_screenshot, self.process_plain),
            "slider_vs_drag": ratio(self.pose_drag, self.drag),
            "slider_vs_drag_p95": round(self.pose_drag["p95_ms"] / self.drag["p95_ms"], 2),
            "playing_vs_drag": ratio(self.playback, self.drag),
            "playing_vs_drag_p95": round(self.playback["p95_ms"] / self.drag["p95_ms"], 2),
        }

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratios"] = self.ratios()
        return data

    def table(self) -> str:
        r = self.ratios()
        w, h = self.screenshot_size
        rows = [
            ("first complete frame", f"{self.first_frame_s:.2f} s", "≤ 2.5 s"),
            ("still frame, full detail (median)", f"{self.still['median_ms']} ms", ""),
            ("bare pyvista still frame, same meshes", f"{self.bare_still['median_ms']} ms", ""),
            ("still / bare", f"{self.ratios()['still_vs_bare']}", "≤ 1.2"),
            (
                "drag frame (median / p95)",
                f"{self.drag['median_ms']} / {self.drag['p95_ms']} ms",
                "≤ 33 / 50 ms",
            ),
            (
                "bare pyvista drag frame (median / p95)",
                f"{self.bare_drag['median_ms']} / {self.bare_drag['p95_ms']} ms",
                "",
            ),
            ("drag / bare", f"{self.ratios()['drag_vs_bare']}", ""),
            (
                f"click to highlighted frame (median of {self.click['n']})",
                f"{self.click['median_ms']} ms (p95 {self.click['p95_ms']})",
                "≤ 100 ms",
            ),
            ("peak resident memory", f"{self.peak_rss_mb:.0f} MB", "≤ 500 MB"),
            (
                "joint slider drag frame (median / p95)",
                f"{self.pose_drag['median_ms']} / {self.pose_drag['p95_ms']} ms",
                "≤ 33 / 50 ms",
            ),
            (
                "slider / drag frame (median, p95)",
                f"{r['slider_vs_drag']}, {r['slider_vs_drag_p95']}",
                "≤ 1.2, 1.5",
            ),
            ("  its stages (median ms)", _stages(self.pose_stages), ""),
            ("  a drag frame's stages", _stages(self.drag_stages), ""),
            (
                "section plane drag, caps on (median / p95)",
                f"{self.section_drag['median_ms']} / {self.section_drag['p95_ms']} ms",
                "≤ 50 / 80 ms",
            ),
            (
                "movement playing, frame (median / p95)",
                f"{self.playback['median_ms']} / {self.playback['p95_ms']} ms",
                "≤ 33 / 50 ms",
            ),
            (
                "playing / drag frame (median, p95)",
                f"{r['playing_vs_drag']}, {r['playing_vs_drag_p95']}",
                "≤ 1.2, 1.5",
            ),
            ("  its stages (median ms)", _stages(self.playback_stages), ""),
            (
                f"video {self.video['frames'] / 30:g} s, 30 fps, 1280x720",
                f"{self.video['seconds']:.1f} s ({self.video['times_real_time']:.1f} x real time)",
                "≤ 10 x real time",
            ),
            (
                f"annotated screenshot {w}x{h} (median)",
                f"{self.screenshot['median_ms']:.0f} ms",
                "",
            ),
            (f"bare pyvista screenshot {w}x{h}", f"{self.bare_screenshot['median_ms']:.0f} ms", ""),
            (
                "first export / first bare screenshot",
                f"{self.screenshot['first_ms']} / {self.screenshot['bare_first_ms']} ms",
                "",
            ),
            ("annotated / bare screenshot", f"{r['screenshot_vs_bare']}", "≤ 1.3"),
            ("peak memory with the 4K export", f"{self.peak_rss_with_export_mb:.0f} MB", ""),
            (
                f"high detail: {self.high_triangles:,} triangles",
                f"{r['high_vs_standard_triangles']} times standard",
                "",
            ),
            (
                "high-detail drag frame (median / p95)",
                f"{self.high_drag['median_ms']} / {self.high_drag['p95_ms']} ms",
                "",
            ),
            ("high / standard drag frame", f"{r['high_vs_standard_drag']}", "< 2"),
            ("high / standard still frame", f"{r['high_vs_standard_still']}", ""),
            (
                f"screenshot command {w}x{h}, whole process",
                _process(self.process_screenshot),
                "",
            ),
            ("plain pyvista script, same meshes", _process(self.process_plain), ""),
            ("screenshot command / plain script", f"{r['screenshot_process_vs_plain']}", "≤ 1.5"),
        ]
        width = max(len(r[0]) for r in rows)
        head = f"Psoas Atlas benchmark: {self.size[0]}x{self.size[1]}, {self.triangles:,} triangles"
        lines = [head, "-" * len(head)]
        lines += [f"{name.ljust(width)}  {value.ljust(24)} {target}".rstrip() for name, value, target in rows]
        return "\n".join(lines)


def _stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {ms:g}" for name, ms in stages.items() if ms >= 0.05) or "-"


def _process(stats: dict[str, float]) -> str:
    """Wall time, CPU time and peak memory of a whole process (medians)."""
    wall, cpu = stats["median_ms"] / 1000, stats["cpu_ms"] / 1000
    return f"{wall:.2f} s (CPU {cpu:.2f} s, {stats['peak_mb']:.0f} MB)"


def stage_summary(samples: list[dict[str, float]]) -> dict[str, float]:
    """Median milliseconds of each stage of a row's frames: the body's deformation and
    normals, the rest of the scene's update, VTK's drawing, the readout and plot, and what
    is left (Qt: events, widgets, the window's redraw)."""

    def median(key: str) -> float:
        return statistics.median(sample.get(key, 0.0) for sample in samples) * 1000.0 if samples else 0.0

    inside = ("scene", "render", "readout", "plot")
    qt = [s["total"] - sum(s.get(k, 0.0) for k in inside) for s in samples]
    stages = {
        "deform": median("deform"),
        "normals": median("normals"),
        "scene": median("scene") - median("deform") - median("normals"),
        "render": median("render"),
        "readout": median("readout") + median("plot"),
        "qt": statistics.median(qt) * 1000.0 if qt else 0.0,
    }
    return {key: round(max(0.0, value), 1) for key, value in stages.items()}
