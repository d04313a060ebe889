"""The colours of emphasis and text, as data: a standard palette and a colour-blind-safe one.

The renderer paints with these and draws label and legend text in them; which palette is in
use is scene state (:meth:`app.model.scene.state.SceneModel.set_palette`). Each role has a paint
colour (the outline and the selected structure, painted attachments, root markers) and a
text colour: a lighter tone of the same hue that reads at WCAG AA (4.5:1) on the window's
background, on the export background and on a label's dark box. The colour arithmetic that
the tests check the palettes with (WCAG contrast, CIELAB, CIEDE2000, colour-blindness
simulation) is here too, in plain Python.

Thresholds used by the tests, in CIEDE2000 units (1 is about a just-noticeable difference):
the selection stays at least :data:`DISTINCT_DE` from every structure colour (the old gold
selection was 2.7 from the nerves' yellow), and in the colour-blind-safe palette the
emphasis colours stay at least :data:`CVD_DISTINCT_DE` apart under simulated deuteranopia
and protanopia (10 is past the "perceptible at a glance" band of 2-10).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

RGB = tuple[float, float, float]

#: The roles a palette colours.
ROLES = ("selection", "origin", "insertion", "root_level", "focus")
#: Least CIEDE2000 difference between the selection and any structure colour.
DISTINCT_DE = 20.0
#: Least CIEDE2000 difference between the colour-blind-safe palette's colours that must be
#: told apart, under simulated deuteranopia and protanopia.
CVD_DISTINCT_DE = 10.0
#: WCAG AA for normal text.
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Palette:
    """Paint and text colours per role (``#rrggbb``), and per-kind structure colours that
    replace the catalogue's (none in either shipped palette)."""

    name: str
    title: str
    paint: Mapping[str, str]
    text: Mapping[str, str]
    kinds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def selection(self) -> str:
        return self.paint["selection"]

    @property
    def origin(self) -> str:
        return self.paint["origin"]

    @property
    def insertion(self) -> str:
        return self.paint["insertion"]

    @property
    def root_level(self) -> str:
        return self.paint["root_level"]

    @property
    def focus(self) -> str:
        return self.paint["focus"]

    def structure_color(self, kind: str, catalogue_color: str) -> str:
        """The colour a structure of ``kind`` is drawn in when not emphasised."""
        return self.kinds.get(kind, catalogue_color)


def _palette(name: str, title: str, paint: dict[str, str], text: dict[str, str]) -> Palette:
    assert set(paint) == set(text) == set(ROLES)
    return Palette(name, title, MappingProxyType(paint), MappingProxyType(text))


#: Anatomical colours are kept (bone ivory, disc blue, muscle red, nerve yellow); the
#: selection is violet, a hue no structure has, so a selected nerve inside a selected psoas
#: still shows. Origins red and insertions blue, as the lessons say.
STANDARD = _palette(
    "standard",
    "Standard",
    paint={
        "selection": "#a855f7",
        "origin": "#e63946",
        "insertion": "#2a9df4",
        "root_level": "#2ec4b6",
        "focus": "#ffffff",
    },
    text={
        "selection": "#cba4ff",
        "origin": "#ff9a94",
        "insertion": "#80bcff",
        "root_level": "#40d0c0",
        "focus": "#ffffff",
    },
)
#: Okabe and Ito's colour-blind-safe set: selection blue, origins vermilion, insertions
#: sky blue, root levels reddish purple. Blue is the one hue that stays far from ivory,
#: pale blue, red and yellow under deuteranopia and protanopia alike.
COLOUR_BLIND_SAFE = _palette(
    "colour-blind-safe",
    "Colour-blind safe",
    paint={
        "selection": "#0072b2",
        "origin": "#d55e00",
        "insertion": "#56b4e9",
        "root_level": "#cc79a7",
        "focus": "#ffffff",
    },
    text={
        "selection": "#7dbdff",
        "origin": "#ff9f66",
        "insertion": "#66c2f5",
        "root_level": "#f09cca",
        "focus": "#ffffff",
    },
)
PALETTES: Mapping[str, Palette] = MappingProxyType({p.name: p for p in (STANDARD, COLOUR_BLIND_SAFE)})
DEFAULT_PALETTE = STANDARD.name


def named_palette(name: str) -> Palette:
    """The palette called ``name`` (KeyError with the choices otherwise)."""
    try:
        return PALETTES[name]
    except KeyError:
        raise KeyError(f"unknown palette {name!r}; choose from {', '.join(PALETTES)}") from None


# colours by length change
#: From shortened through unchanged to lengthened: ColorBrewer's brown-teal diverging scheme,
#: BrBG (Brewer 2003; matplotlib's 'BrBG'), its three darkest colours each side (at 10, 20
#: and 30 %), with a mid grey in place of its near-white centre. BrBG's centre (#f5f5f5)
#: made a muscle at rest look like bone (CIEDE2000 11.5 from the bones' ivory, 9.2 from the
#: ligaments'); a grey of about the ochre's and the teal's lightness is at least
#: :data:`DISTINCT_DE` from every bone, disc, ligament and nerve colour, as diverging maps
#: with a neutral centre of middle lightness are built (Kovesi 2015, "Good colour maps: how
#: to design them", arXiv:1509.03700). Lightness falls from the centre to both ends.
LENGTH_CHANGE_COLORS = (
    "#543005",
    "#8c510a",
    "#bf812d",
    "#8c8c8c",
    "#35978f",
    "#01665e",
    "#003c30",
)
#: The colour of a muscle whose length is that of neutral standing.
LENGTH_UNCHANGED = LENGTH_CHANGE_COLORS[len(LENGTH_CHANGE_COLORS) // 2]
#: The length change (% of neutral) at each end of the scale; beyond it, the end's colour.
LENGTH_CHANGE_RANGE = 30.0


def length_change_color(percent: float) -> str:
    """The colour of a muscle shortened (negative) or lengthened by ``percent`` of its
    neutral length: its place on :data:`LENGTH_CHANGE_COLORS`, the grey centre at 0.

    Diverging, because a change has a sign and a zero that matters. Not red and green, the
    one pair that deuteranopes and protanopes (about 1 man in 12) cannot tell apart:
    ColorBrewer marks BrBG colour-blind safe, and of its safe diverging schemes it stays
    farthest from both palettes' selection colours, under simulated deuteranopia and
    protanopia too (PuOr's purple comes within 4 of the colour-blind-safe blue; see
    tests/model/test_palette.py)."""
    scale = LENGTH_CHANGE_COLORS
    where = (min(max(percent / LENGTH_CHANGE_RANGE, -1.0), 1.0) + 1) / 2 * (len(scale) - 1)
    i = min(int(where), len(scale) - 2)
    low, high, t = rgb(scale[i]), rgb(scale[i + 1]), where - i
    r, g, b = (a + t * (z - a) for a, z in zip(low, high, strict=True))
    return hex_color((r, g, b))


#: The text of the legend's entries for the colours by length change: a light grey that
#: reads at WCAG AA on the labels' box and on every background.
LENGTH_TEXT = "#e6e6e6"


def length_legend() -> list[tuple[str, str]]:
    """What the legend says while muscles are coloured by length change: (name, swatch), so
    that a coloured muscle is never taken for its own colour, or bone."""
    return [
        ("Muscle shorter than standing", length_change_color(-LENGTH_CHANGE_RANGE * 2 / 3)),
        ("Muscle as long as standing", LENGTH_UNCHANGED),
        ("Muscle longer than standing", length_change_color(LENGTH_CHANGE_RANGE * 2 / 3)),
    ]


# colour arithmetic
def hex_color(color: RGB) -> str:
    """0-1 floats as ``#rrggbb``."""
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in color)


def rgb(color: str | RGB) -> RGB:
    """``#rrggbb`` (or an RGB triple of 0-1 floats) as 0-1 floats."""
    if isinstance(color, str):
        text = color.lstrip("#")
        if len(text) != 6:
            raise ValueError(f"not a #rrggbb colour: {color!r}")
        return (int(text[0:2], 16) / 255, int(text[2:4], 16) / 255, int(text[4:6], 16) / 255)
    r, g, b = color
    return (float(r), float(g), float(b))


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _encoded(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def over(color: str | RGB, opacity: float, background: str | RGB) -> RGB:
    """``color`` at ``opacity`` over ``background``, blended as OpenGL does (in sRGB values)."""
    fg, bg = rgb(color), rgb(background)
    return (
        opacity * fg[0] + (1 - opacity) * bg[0],
        opacity * fg[1] + (1 - opacity) * bg[1],
        opacity * fg[2] + (1 - opacity) * bg[2],
    )


def luminance(color: str | RGB) -> float:
    """WCAG relative luminance."""
    r, g, b = (_linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str | RGB, b: str | RGB) -> float:
    """WCAG 2 contrast ratio (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(color: str | RGB) -> RGB:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb(color))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def delta_e(a: str | RGB, b: str | RGB) -> float:
    """CIEDE2000 colour difference of two sRGB colours."""
    return delta_e_lab(lab(a), lab(b))


def delta_e_lab(first: RGB, second: RGB) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu and Dalal 2005)."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dh_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh) / 2)
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2 + r_t * (dc / s_c) * (dh_big / s_h)
    )


#: Machado, Oliveira and Fernandes 2009, severity 1.0, on linear RGB.
CVD_MATRICES: Mapping[str, tuple[RGB, RGB, RGB]] = MappingProxyType(
    {
        "deuteranopia": (
            (0.367322, 0.860646, -0.227968),
            (0.280085, 0.672501, 0.047413),
            (-0.011820, 0.042940, 0.968881),
        ),
        "protanopia": (
            (0.152286, 1.052583, -0.204868),
            (0.114503, 0.786281, 0.099216),
            (-0.003882, -0.048116, 1.051998),
        ),
        "tritanopia": (
            (1.255528, -0.076749, -0.178779),
            (-0.078411, 0.930809, 0.147602),
            (0.004733, 0.691367, 0.303900),
        ),
    }
)


def simulate(color: str | RGB, deficiency: str) -> RGB:
    """How ``color`` looks with a colour-vision deficiency (Machado 2009, full severity)."""
    linear = [_linear(c) for c in rgb(color)]
    m = CVD_MATRICES[deficiency]
    r, g, b = (_encoded(sum(m[i][j] * linear[j] for j in range(3))) for i in range(3))
    return (r, g, b)
