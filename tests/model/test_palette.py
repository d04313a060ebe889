"""The colour palettes as data: text contrast, a selection no structure shares, and a
colour-blind-safe set that stays apart under simulated deuteranopia and protanopia.
Pure arithmetic: nothing is rendered."""

from __future__ import annotations

import itertools

import pytest

from app.model.scene.palette import (
    COLOUR_BLIND_SAFE,
    CVD_DISTINCT_DE,
    DISTINCT_DE,
    LENGTH_CHANGE_COLORS,
    LENGTH_CHANGE_RANGE,
    LENGTH_TEXT,
    LENGTH_UNCHANGED,
    MIN_CONTRAST,
    PALETTES,
    STANDARD,
    contrast,
    delta_e,
    delta_e_lab,
    lab,
    length_change_color,
    named_palette,
    over,
    rgb,
    simulate,
)
from app.model.scene.state import Aspect
from app.render.labels import BOX_COLOR, BOX_OPACITY
from app.render.overlay import CAPTION_BOX_OPACITY, FOOTNOTE_OPACITY
from app.render.scene_renderer import BACKGROUND_BOTTOM, BACKGROUND_TOP
from app.render.snapshot import EXPORT_BACKGROUND

#: Every background text is drawn over: the window's gradient ends and the export's.
BACKGROUNDS = (BACKGROUND_BOTTOM, BACKGROUND_TOP, EXPORT_BACKGROUND)


def test_the_arithmetic_matches_published_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WCAG's own example
    # Sharma, Wu and Dalal 2005, CIEDE2000 test data (pairs 1, 7, 17 and 25).
    for first, second, expected in (
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ):
        assert delta_e_lab(first, second) == pytest.approx(expected, abs=1e-4)
    # Red and green, far apart to most eyes, nearly meet without M or L cones.
    assert delta_e("#d62728", "#2ca02c") > 60
    assert delta_e(simulate("#d62728", "deuteranopia"), simulate("#2ca02c", "deuteranopia")) < 25


@pytest.mark.parametrize("name", list(PALETTES))
def test_every_text_colour_reads_at_wcag_aa_on_every_background(name):
    palette = named_palette(name)
    # Label and legend texts: in their dark box, over each background; and, should a box
    # ever be left out, on the background itself.
    for role, text in [*palette.text.items(), ("length legend", LENGTH_TEXT)]:
        for background in BACKGROUNDS:
            boxed = over(BOX_COLOR, BOX_OPACITY, background)
            assert contrast(text, boxed) >= MIN_CONTRAST, (name, role, background, "in its box")
            assert contrast(text, background) >= MIN_CONTRAST, (name, role, background)
    # Titles (white, on the background), captions (white, in a box) and the footnote.
    for background in BACKGROUNDS:
        assert contrast("#ffffff", background) >= MIN_CONTRAST
        assert contrast("#ffffff", over(BOX_COLOR, CAPTION_BOX_OPACITY, background)) >= MIN_CONTRAST
        assert contrast(over("#ffffff", FOOTNOTE_OPACITY, background), background) >= MIN_CONTRAST


def test_the_old_label_colours_did_not_read():
    """What the issue saw: red label text on the navy background."""
    boxed = over(BOX_COLOR, BOX_OPACITY, BACKGROUND_TOP)
    assert contrast("#e63946", boxed) < MIN_CONTRAST  # the old origin red
    assert contrast(STANDARD.text["origin"], boxed) >= MIN_CONTRAST


@pytest.mark.parametrize("name", list(PALETTES))
def test_the_selection_is_distinct_from_every_structure_colour(name, catalogue):
    palette = named_palette(name)
    colours = {palette.structure_color(s.kind.value, s.color) for s in catalogue}
    for colour in colours:
        assert delta_e(palette.selection, colour) >= DISTINCT_DE, (name, colour)
    # ... and from the other emphasis colours drawn beside it.
    for role, colour in palette.paint.items():
        if role != "selection":
            assert delta_e(palette.selection, colour) >= DISTINCT_DE, (name, role)


def test_the_old_gold_selection_was_nerve_yellow(catalogue):
    nerve = catalogue["femoral_nerve_right"].color
    assert delta_e("#ffcf40", nerve) < 5  # the old selection vanished in a nerve
    assert delta_e(STANDARD.selection, nerve) >= DISTINCT_DE


@pytest.mark.parametrize("deficiency", [None, "deuteranopia", "protanopia"])
def test_the_colour_blind_safe_palette_stays_apart(deficiency, catalogue):
    palette = COLOUR_BLIND_SAFE

    def seen(colour: str):
        return colour if deficiency is None else simulate(colour, deficiency)

    def apart(a: str, b: str) -> float:
        return delta_e(seen(a), seen(b))

    # The emphasis colours from each other.
    for (role_a, a), (role_b, b) in itertools.combinations(palette.paint.items(), 2):
        assert apart(a, b) >= CVD_DISTINCT_DE, (deficiency, role_a, role_b)
    by_kind = {s.kind.value: palette.structure_color(s.kind.value, s.color) for s in catalogue}
    structures = {palette.structure_color(s.kind.value, s.color) for s in catalogue}
    # The selection from every structure; what is painted on bone from the bone; the root
    # markers from the bones, discs and nerves around a foramen.
    for colour in structures:
        assert apart(palette.selection, colour) >= CVD_DISTINCT_DE, (deficiency, colour)
    for role in ("origin", "insertion", "focus", "root_level"):
        assert apart(palette.paint[role], by_kind["bone"]) >= CVD_DISTINCT_DE, (deficiency, role)
    nerves = {palette.structure_color(s.kind.value, s.color) for s in catalogue if s.kind.value == "nerve"}
    for colour in (by_kind["disc"], *nerves):
        assert apart(palette.root_level, colour) >= CVD_DISTINCT_DE, (deficiency, colour)


def test_the_standard_palette_is_not_enough_for_deuteranopia():
    """Why the colour-blind-safe palette exists: the standard selection and insertion meet."""
    blue, violet = STANDARD.insertion, STANDARD.selection
    assert delta_e(simulate(blue, "deuteranopia"), simulate(violet, "deuteranopia")) < CVD_DISTINCT_DE
    assert COLOUR_BLIND_SAFE.selection != STANDARD.selection


def test_the_palette_is_scene_state_with_a_signal(scene):
    seen = []
    scene.changed.connect(seen.append)
    assert scene.palette is STANDARD
    scene.set_palette("colour-blind-safe")
    scene.set_palette("colour-blind-safe")  # no change, no signal
    assert scene.palette is COLOUR_BLIND_SAFE and seen == [Aspect.palette]
    with pytest.raises(KeyError, match="choose from standard, colour-blind-safe"):
        scene.set_palette("sepia")
    before = scene.state()
    scene.set_palette("standard")
    assert scene.state() == before  # a preference: not undone, not bookmarked


def test_length_change_colours_are_brbgs_ends_around_a_grey_darkening_outward():
    from matplotlib import colormaps

    span = LENGTH_CHANGE_RANGE
    assert length_change_color(0) == LENGTH_UNCHANGED == LENGTH_CHANGE_COLORS[len(LENGTH_CHANGE_COLORS) // 2]
    assert length_change_color(-span) == length_change_color(-90) == LENGTH_CHANGE_COLORS[0]
    assert length_change_color(span) == length_change_color(90) == LENGTH_CHANGE_COLORS[-1]
    brbg = colormaps["BrBG"]
    # BrBG's 11 classes lie at tenths of matplotlib's map: its three darkest each side.
    for percent, at in ((-30, 0.0), (-20, 0.1), (-10, 0.2), (10, 0.8), (20, 0.9), (30, 1.0)):
        assert rgb(length_change_color(percent)) == pytest.approx(brbg(at)[:3], abs=2 / 255), percent
    a, b = lab(LENGTH_UNCHANGED)[1:]
    assert abs(a) < 1 and abs(b) < 1, "no change is a neutral grey"
    lightness = [lab(length_change_color(p))[0] for p in range(-30, 31, 5)]
    centre = lightness[6]
    for side in (lightness[6::-1], lightness[6:]):  # from the centre outward, each side
        assert all(later <= earlier + 1.5 for earlier, later in itertools.pairwise(side)), side
        assert side[-1] < centre - 30  # the ends are dark


def test_a_muscle_at_rest_does_not_look_like_bone(catalogue):
    """Issue 28, item 4: BrBG's near-white centre was 11.5 from bone and 9.2 from ligament."""
    others = {s.color for s in catalogue if s.kind.value != "muscle"}  # every muscle is coloured
    nearest = min(delta_e(LENGTH_UNCHANGED, other) for other in others)
    assert nearest >= DISTINCT_DE, nearest  # at rest: apart from bone, disc, ligament, nerve
    bone_like = {s.color for s in catalogue if s.kind.value in ("bone", "ligament")}
    for percent in range(-30, 31):  # and no length change looks like bone
        colour = length_change_color(percent)
        assert min(delta_e(colour, other) for other in bone_like) >= DISTINCT_DE, percent
    bone = next(s.color for s in catalogue if s.id == "femur_right")
    assert delta_e("#f5f5f5", bone) < DISTINCT_DE  # the old centre did


@pytest.mark.parametrize("deficiency", [None, "deuteranopia", "protanopia"])
def test_length_change_colours_stay_apart_from_the_selection_and_each_other(deficiency):
    """Why BrBG's ends and a grey: for colour-blind eyes too, no length colour passes for a
    palette's selection, and shortened stays apart from lengthened."""

    def seen(colour):
        return colour if deficiency is None else simulate(colour, deficiency)

    for palette in PALETTES.values():
        for percent in range(-30, 31, 2):
            distance = delta_e(seen(length_change_color(percent)), seen(palette.selection))
            assert distance >= CVD_DISTINCT_DE, (palette.name, percent, distance)
    for percent in (10, 20, 30):
        shorter, longer = seen(length_change_color(-percent)), seen(length_change_color(percent))
        assert delta_e(shorter, longer) >= CVD_DISTINCT_DE, percent
