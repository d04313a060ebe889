"""The commands that open the window: ``view`` (the default) and ``bench``. Each says in one
line, before Qt loads, when there is no display to open it on."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from app.cli.common import UsageError, load_atlas


def display_problem(environ: Mapping[str, str]) -> str | None:
    """Why no window can open here, or None: said in one line before Qt is loaded, since Qt
    aborts (SIGABRT) with a page about its platform plugins when it finds no display."""
    if not sys.platform.startswith("linux"):
        return None
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None  # a platform chosen on purpose: Qt says itself what it lacks
    if environ.get("WAYLAND_DISPLAY"):
        return None
    display = environ.get("DISPLAY", "")
    hint = "run it on a desktop, or on a virtual display: xvfb-run -a psoas-atlas (as make run does)"
    if not display:
        return f"no display to open the viewer on (neither DISPLAY nor WAYLAND_DISPLAY is set): {hint}"
    local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if local and not Path(f"/tmp/.X11-unix/X{local[1]}").exists():
        return f"no X server at DISPLAY={display}: {hint}"
    return None


def cmd_view(args: argparse.Namespace) -> int:
    if missing := display_problem(os.environ):
        raise UsageError(missing)
    from app.qt.app import run_viewer

    atlas = load_atlas(args)
    known = len(atlas.problems)
    atlas.load_teaching()
    for problem in atlas.problems[known:]:
        print(f"warning: {problem}", file=sys.stderr)
    return run_viewer(atlas, view=args.view, detail=args.detail)


def cmd_bench(args: argparse.Namespace) -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError("bench measures the real window: run it under a display (e.g. xvfb-run -a)")
    from app.qt.bench import run

    result = run(size=args.size, clicks=args.clicks, screenshot_size=args.screenshot_size, root=args.root)
    print(json.dumps(result.as_json(), indent=2) if args.json else result.table())
    return 0
