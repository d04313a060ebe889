"""The ``psoas-atlas`` command line: its commands, and the options several of them share, each
written once as a parent parser (:func:`size`, :func:`pose`, :func:`view`, :func:`json_output`,
:func:`section_options`) with the default and help that command gives it."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import NoReturn

from app import __version__
from app.cli import data, images, mechanics, quiz, window
from app.fonts import text_problem
from app.model.motion.kinematics import JOINTS
from app.model.scene.views import DEFAULT_VIEW, VIEWS
from app.model.teaching.lessons import MAX_CAPTION, MAX_TITLE

#: The largest image drawn: 8K on a side and 40 megapixels (A3 at 300 dpi is 17). An image
#: of 30 megapixels takes about 16 s and 2.5 GB with software OpenGL.
MAX_SIDE = 8192

MAX_PIXELS = 40_000_000

POSE_HELP = "pose: JOINT=DEG (e.g. hip_flexion_right=90) or a pose name (e.g. trunk_fold), later ones adding"


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080"
        ) from None
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: each side must be 16 to {MAX_SIDE} pixels")
    if width * height > MAX_PIXELS:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: at most {MAX_PIXELS // 1_000_000} megapixels (e.g. 8192x4608)"
        )
    return width, height


def _folder(text: str) -> Path:
    """An argument type for a data set's root: a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text!r}")
    return path


def _finite(text: str) -> float:
    """An argument type for a number: NaN and infinities are refused (they pass every
    comparison test the commands make, or none, and reach the arithmetic)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, not {text!r}")
    return value


def _text(limit: int, line_breaks: bool = False):
    """An argument type for text drawn on an image: at most ``limit`` characters, that
    :func:`app.fonts.text_problem` lets be drawn (line breaks only with ``line_breaks``)."""

    def check(text: str) -> str:
        if len(text) > limit:
            raise argparse.ArgumentTypeError(f"too long: {len(text):,} characters (at most {limit})")
        if undecodable := re.search("[\udc80-\udcff]", text):  # how Python keeps a byte that is not UTF-8
            byte = ord(undecodable[0]) - 0xDC00
            raise argparse.ArgumentTypeError(
                f"not UTF-8 text (the byte 0x{byte:02X}): check the terminal's encoding"
            )
        if problem := text_problem(text, line_breaks):
            raise argparse.ArgumentTypeError(f"cannot be drawn: {problem}")
        return text

    return check


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage is for --help), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parent(*flags: str, **options) -> _Parser:
    """A parent parser holding one shared option (a new one for each command: argparse shares
    a parent's option objects, so one command's default would become every command's)."""
    parent = _Parser(add_help=False)
    parent.add_argument(*flags, **options)
    return parent


def size(default: tuple[int, int] | None, help: str | None = None) -> _Parser:
    return _parent("--size", type=_size, default=default, metavar="WxH", help=help)


def pose(help: str = POSE_HELP) -> _Parser:
    return _parent("--pose", nargs="+", default=[], metavar="SPEC", help=help)


def view(help: str, default: str | None = None) -> _Parser:
    return _parent("--view", choices=list(VIEWS), default=default, help=help)


def json_output(help: str = "print JSON instead of a table") -> _Parser:
    return _parent("--json", action="store_true", help=help)


def section_options(orientation: str | None, help: str | None, slab: str) -> _Parser:
    """The plane's orientation and the slab kept around it (``screenshot --section``, ``section``)."""
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--orientation", choices=("axial", "coronal", "sagittal"), default=orientation, help=help
    )
    parent.add_argument("--slab", type=_finite, metavar="MM", help=slab)
    return parent


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="psoas-atlas",
        description="A 3D atlas of the lumbar spine, pelvis, iliopsoas and lumbar plexus.",
    )
    parser.add_argument("--version", action="version", version=f"psoas-atlas {__version__}")
    parser.add_argument(
        "--root",
        type=_folder,
        metavar="FOLDER",
        help="the data set: a folder holding meshes/ and annotations/ (default: the installed one)",
    )
    parser.set_defaults(func=window.cmd_view, view=DEFAULT_VIEW, detail="standard")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    cmd = sub.add_parser(
        "view", help="open the viewer (the default)", parents=[view("initial view", DEFAULT_VIEW)]
    )
    cmd.add_argument(
        "--detail",
        choices=["standard", "high"],
        default="standard",
        help="mesh detail: high doubles the triangles, for a machine with a real GPU",
    )
    cmd.set_defaults(func=window.cmd_view)

    cmd = sub.add_parser("list", help="list the structures", parents=[json_output()])
    cmd.set_defaults(func=data.cmd_list)

    shown = f"standard view (default: {DEFAULT_VIEW})"
    sections = section_options(
        None, "the section's plane (default: axial)", "keep only a slab this thick (mm)"
    )
    cmd = sub.add_parser(
        "screenshot",
        help="render a PNG with no display",
        parents=[view(shown), size((1920, 1080)), pose(), sections],
    )
    cmd.add_argument("out", metavar="OUT.png")
    cmd.add_argument("--select", nargs="+", default=[], metavar="ID", help="structures to highlight")
    cmd.add_argument(
        "--labels", action=argparse.BooleanOptionalAction, default=True, help="labels and leader lines"
    )
    cmd.add_argument("--title", type=_text(MAX_TITLE), help="title drawn at the top of the image")
    cmd.add_argument(
        "--caption", type=_text(MAX_CAPTION, line_breaks=True), help="caption drawn in a box at the bottom"
    )
    cmd.add_argument("--transparent", action="store_true", help="transparent background")
    cmd.add_argument("--lesson", metavar="FILE", help="take the scene from a lesson step")
    cmd.add_argument("--step", type=int, metavar="N", help="lesson step (from 1; default 1)")
    cmd.add_argument("--section", metavar="LEVEL", help="cut the scene at a level: T12, L4/L5 ... S1, hip")
    cmd.add_argument("--flip", action="store_true", help="hide the other side of the section")
    cmd.add_argument(
        "--activity", metavar="NAME", help="draw an activity's measured pose, e.g. walking (see --at)"
    )
    cmd.add_argument(
        "--at", type=_finite, metavar="PERCENT", help="where in the activity's cycle, 0 to 100 (default 0)"
    )
    cmd.set_defaults(func=images.cmd_screenshot)

    cmd = sub.add_parser(
        "export",
        help="write the visible meshes (PLY, mm, RAS) and scene.json",
        parents=[pose("export posed; " + POSE_HELP)],
    )
    cmd.add_argument("outdir", metavar="OUTDIR")
    cmd.add_argument(
        "--format", choices=["ply", "glb"], default="ply", help="PLY files + scene.json, or one glTF binary"
    )
    cmd.set_defaults(func=data.cmd_export)

    cmd = sub.add_parser("validate", help="check annotation files; print file:line: message")
    cmd.add_argument("files", nargs="+", metavar="FILE")
    cmd.set_defaults(func=data.cmd_validate)

    cmd = sub.add_parser(
        "render-lesson",
        help="one annotated PNG per lesson step, plus a PDF handout",
        parents=[size((1920, 1080))],
    )
    cmd.add_argument("lesson", metavar="LESSON.yaml")
    cmd.add_argument("outdir", metavar="OUTDIR")
    cmd.set_defaults(func=images.cmd_render_lesson)

    cmd = sub.add_parser(
        "quiz",
        help="generate quiz questions, or print a quiz file as a PDF sheet and key",
        parents=[
            json_output("print the questions as JSON"),
            size(None, "pixels of each picture (default 1200x900)"),
        ],
    )
    cmd.add_argument("quiz", nargs="?", metavar="QUIZ.yaml", help="an instructor's quiz file")
    cmd.add_argument("--generate", type=int, metavar="N", help="draw N questions from the atlas' data")
    cmd.add_argument(
        "--topic",
        action="extend",
        nargs="+",
        default=[],
        metavar="T",
        help="bones, ligaments, muscles, nerves, myths, motion",
    )
    cmd.add_argument(
        "--type",
        action="extend",
        nargs="+",
        default=[],
        metavar="TYPE",
        help="find, name, attachment, roots, supply, myth, motion",
    )
    cmd.add_argument("--seed", type=int, metavar="S", help="which questions --generate draws (default 0)")
    cmd.add_argument("--export", metavar="OUT.pdf", help="write the question sheet and the answer key")
    cmd.set_defaults(func=quiz.cmd_quiz)

    cmd = sub.add_parser(
        "animate",
        help="an MP4 or GIF of a lesson or a movement, with no display",
        parents=[view("standard view (default: the lesson's, or right)"), size((1280, 720))],
    )
    cmd.add_argument("out", metavar="OUT.mp4|OUT.gif")
    source = cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--lesson", metavar="FILE", help="play a lesson, step by step")
    source.add_argument(
        "--motion", nargs=2, metavar=("POSE_A", "POSE_B"), help="move from one pose to another"
    )
    source.add_argument("--activity", metavar="NAME", help="an activity's measured cycle, e.g. walking")
    cmd.add_argument("--seconds", type=_finite, metavar="S", help="how long the movement takes (default 3)")
    cmd.add_argument("--cycles", type=int, default=1, metavar="N", help="cycles of --activity (default 1)")
    cmd.add_argument("--fps", type=_finite, default=30.0, metavar="N", help="frames per second (default 30)")
    cmd.set_defaults(func=images.cmd_animate)

    cmd = sub.add_parser(
        "section",
        help="draw what a section plane cuts (PNG, SVG or PDF), with areas",
        parents=[
            section_options("axial", None, "keep a slab this thick around the plane"),
            pose("cut posed; " + POSE_HELP),
            size((1169, 827), "pixels (SVG, PDF: /100 in)"),
            json_output("print the areas and nerve positions as JSON"),
        ],
    )
    cmd.add_argument("out", metavar="OUT.png|OUT.svg|OUT.pdf")
    cmd.add_argument("--level", required=True, metavar="LEVEL", help="e.g. L4_L5, L4/L5, S1, hip_joint")
    cmd.add_argument("--safe-zones", action="store_true", help="draw the trans-psoas safe zones (Uribe 2010)")
    cmd.add_argument(
        "--show", nargs="+", default=[], metavar="ID", help="also cut these hidden structures (or all)"
    )
    cmd.set_defaults(func=images.cmd_section)

    cmd = sub.add_parser(
        "mechanics",
        help="muscle lengths and moment arms over a joint's range or an activity's cycle",
        parents=[pose("the other joints: " + POSE_HELP), json_output()],
    )
    cmd.add_argument("--joint", choices=list(JOINTS), metavar="JOINT", help="e.g. hip_flexion_right")
    cmd.add_argument("--from", type=_finite, metavar="A", help="first angle (degrees; with --joint)")
    cmd.add_argument("--to", type=_finite, metavar="B", help="last angle (degrees; with --joint)")
    cmd.add_argument(
        "--activity",
        metavar="NAME",
        help="instead of --joint: every 2 %% of an activity's cycle (e.g. walking; 0 %% right heel strike)",
    )
    cmd.add_argument("--step", type=_finite, default=10.0, metavar="S", help="step (degrees, default 10)")
    cmd.add_argument(
        "--fascicles",
        action="store_true",
        help="also each fascicle's length and moment arm (the psoas': Ps_L1_VB ... Ps_L5_VB)",
    )
    cmd.set_defaults(func=mechanics.cmd_mechanics)

    cmd = sub.add_parser(
        "bench",
        help="measure frame times, click latency and memory in the window",
        parents=[json_output(), size((1280, 800), "3D view size")],
    )
    cmd.add_argument("--clicks", type=int, default=50, help="clicks to time (at least 50)")
    cmd.add_argument(
        "--screenshot-size", type=_size, default=(3840, 2160), metavar="WxH", help="annotated export size"
    )
    cmd.set_defaults(func=window.cmd_bench)

    cmd = sub.add_parser("build-meshes", help="regenerate meshes/ from the installed myo-sim")
    cmd.add_argument("--out", help="output folder (default: the data set's meshes/)")
    cmd.set_defaults(func=data.cmd_build_meshes)
    return parser
