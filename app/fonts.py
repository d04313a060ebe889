"""The font of every rendered text: VTK labels, titles, captions, legend, and the PDF handout.

VTK draws a text actor with FreeType from one font file, with no fallback to other fonts
and no shaping, and its default font (an embedded Arial) has no Greek, Cyrillic or CJK.
So each text gets one font file that has all its characters: DejaVu Sans (Latin, Greek,
Cyrillic; the copy that ships with matplotlib, DejaVu Sans Bold for bold text), else an
installed CJK font (``scripts/install-system-packages`` installs WenQuanYi Micro Hei;
Noto Sans CJK or WenQuanYi Zen Hei are preferred where installed). The handout uses the
same files through matplotlib.

Right-to-left scripts (Arabic, Hebrew...) need bidirectional reordering and shaping that
VTK cannot do, and characters that no installed font has would be missing (VTK leaves a
blank, matplotlib draws a box), as would control characters: :func:`text_problem` says
why a text cannot be rendered, for the command line, the export dialog and every file
loader to refuse it in one line (:data:`DrawnLine` and :data:`DrawnLines` in the schemas).

Imports neither Qt nor VTK (``app.render.fonts`` hands the chosen files to VTK and
matplotlib); fonts are looked up and their character maps read once per process, on first use.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

#: The Debian package that ``scripts/install-system-packages`` installs for CJK text.
CJK_PACKAGE = "fonts-wqy-microhei"
#: Installed CJK fonts, best first: (regular, bold or None). Face 0 of a collection is used.
CJK_FONT_FILES: tuple[tuple[str, str | None], ...] = (
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
)
#: Languages for which fontconfig is asked for more fonts when none of the above is installed.
CJK_LANGUAGES = ("zh", "ja", "ko")
SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
#: Bidirectional classes that VTK would draw left to right, unshaped: refused.
RIGHT_TO_LEFT = frozenset({"R", "AL", "RLE", "RLO", "RLI"})
#: Unicode categories refused in drawn text: C0 and C1 controls, line and paragraph separators.
_CONTROLS = frozenset({"Cc", "Zl", "Zp"})


@dataclass(frozen=True)
class Font:
    """A font file and whether its face is bold (VTK and matplotlib cannot embolden a file)."""

    path: Path
    bold: bool = False


@functools.cache
def _dejavu(name: str) -> Path:
    """DejaVu Sans from matplotlib's data (always there: pyvista needs matplotlib), else Debian's."""
    spec = importlib.util.find_spec("matplotlib")
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / name
        if path.is_file():
            return path
    return SYSTEM_DEJAVU / name


def _fontconfig_cjk() -> list[str]:
    """Files of face 0 of the CJK fonts fontconfig knows (empty without ``fc-list``)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    files: list[str] = []
    for language in CJK_LANGUAGES:
        try:
            result = subprocess.run(
                [fc_list, f":lang={language}", "-f", "%{index}|%{file}\n"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return files
        for line in sorted(result.stdout.splitlines()):
            index, _, file = line.partition("|")
            if index == "0" and file.lower().endswith((".ttf", ".ttc", ".otf", ".otc")):
                files.append(file)
    return files


@functools.cache
def fonts() -> tuple[tuple[Path, Path | None], ...]:
    """The fonts text may use, in order of preference: (regular, bold or None)."""
    found: list[tuple[Path, Path | None]] = [(_dejavu("DejaVuSans.ttf"), _dejavu("DejaVuSans-Bold.ttf"))]
    cjk = [(Path(r), Path(b) if b else None) for r, b in CJK_FONT_FILES if Path(r).is_file()]
    if not cjk:
        cjk = [(Path(file), None) for file in dict.fromkeys(_fontconfig_cjk())]
    found += cjk
    return tuple((r, b if b is not None and b.is_file() else None) for r, b in found if r.is_file())


@functools.cache
def characters(path: Path) -> frozenset[int]:
    """The code points a font file (face 0 of a collection) has glyphs for: FreeType's
    Unicode map, read by matplotlib's FreeType module (loaded already for pyvista's colours;
    fontTools would add 5 MB to the window)."""
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(str(path)).get_charmap())
    except Exception:  # an unreadable or broken font file is a font with no characters
        return frozenset()


def _needed(text: str) -> frozenset[int]:
    """The code points that need a glyph: all but spaces, line breaks and controls."""
    return frozenset(ord(c) for c in text if not c.isspace() and unicodedata.category(c) != "Cc")


@functools.lru_cache(maxsize=1024)
def font_for(text: str, bold: bool = False) -> Font:
    """The font to draw ``text`` with: the first of :func:`fonts` that has all its characters
    (its bold face for bold text, where it has one that has them); DejaVu Sans for text that
    no font has (:func:`text_problem` refuses such text before it is drawn)."""
    if text.isascii():  # DejaVu Sans has every ASCII character: no font file to read
        return Font(_dejavu("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), bold=bold)
    needed = _needed(text)
    for regular, heavy in fonts():
        if needed <= characters(regular):
            if bold and heavy is not None and needed <= characters(heavy):
                return Font(heavy, bold=True)
            return Font(regular)
    return Font(_dejavu("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), bold=bold)


def _listing(chars: list[str]) -> str:
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:5])
    return shown + (f" and {len(chars) - 5} more" if len(chars) > 5 else "")


def text_problem(text: str, line_breaks: bool = False) -> str | None:
    """Why ``text`` cannot be rendered (one line), or None when it can: the one rule for
    every text that is drawn (titles, captions, names), wherever it comes from.

    Refused: control characters (an escape, a bell, a NUL: nothing or a box is drawn, and
    they garble the terminal a problem is printed to), a line break unless ``line_breaks``
    (captions wrap; titles and names are one line), right-to-left scripts (VTK would draw
    Arabic or Hebrew letters unjoined and in the wrong order) and characters that no
    installed font has (blanks in VTK, boxes in PDF).
    """
    for c in text:
        if unicodedata.category(c) in _CONTROLS and not (line_breaks and c == "\n"):
            if c == "\n":
                return "a line break is not allowed here (one line only)"
            what = unicodedata.name(c, "control character").lower()  # controls have no name
            return f"the {what} U+{ord(c):04X} cannot be drawn"
    if text.isascii():
        return None
    for c in text:
        if unicodedata.bidirectional(c) in RIGHT_TO_LEFT:
            name = unicodedata.name(c, f"U+{ord(c):04X}")
            script = name.split()[0].title() if unicodedata.category(c)[0] in "LMN" else name.lower()
            return f"right-to-left text ({script}) is not supported in rendered text"
    needed = _needed(text)
    if any(needed <= characters(regular) for regular, _ in fonts()):  # reads no more fonts than needed
        return None
    available = [characters(regular) for regular, _ in fonts()]
    missing = sorted(needed.difference(*available))
    if missing:
        chars = [chr(c) for c in missing]
        plural = "s" if len(chars) > 1 else ""
        hint = ""
        if len(available) < 2 and any(unicodedata.east_asian_width(c) in "WF" for c in chars):
            hint = f" (install a CJK font, e.g. the Debian package {CJK_PACKAGE})"
        return f"no installed font has the character{plural} {_listing(chars)}{hint}"
    best = max(available, key=lambda have: len(needed & have))
    apart = [chr(c) for c in sorted(needed - best)]
    return f"no single installed font has all the characters of the text ({_listing(apart)} only in another)"


def _drawable(line_breaks: bool) -> AfterValidator:
    def check(text: str) -> str:
        problem = text_problem(text, line_breaks)
        if problem:
            raise ValueError(problem)
        return text

    return AfterValidator(check)


#: A text field of a data file that is drawn on one line (a title, a name): pydantic refuses
#: what :func:`text_problem` refuses, and the loader reports it with its line.
DrawnLine = Annotated[str, _drawable(line_breaks=False)]
#: A drawn text that may have line breaks (a caption).
DrawnLines = Annotated[str, _drawable(line_breaks=True)]


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` columns, like :func:`textwrap.wrap`, but a wide (CJK)
    character takes two columns and a line may break between two of them (such text has
    no spaces to break at)."""
    if not any(_wide(c) for c in text):
        return textwrap.wrap(text, columns)
    words: list[str] = []  # words, single wide characters and " " between them
    for c in text:
        if c.isspace():
            if words and words[-1] != " ":
                words.append(" ")
        elif _wide(c) or not words or words[-1] == " " or _wide(words[-1][-1]):
            words.append(c)
        else:
            words[-1] += c
    lines: list[str] = []
    line = ""
    for word in words:
        if word == " ":
            line += " " if line else ""
            continue
        if line and sum(2 if _wide(c) else 1 for c in line + word) > columns:
            lines.append(line.rstrip())
            line = ""
        line += word
    if line.strip():
        lines.append(line.rstrip())
    return lines
