"""Which names a query matches (issue 28, item 5), and the camera that frames what it found:
the rules, with no Qt and no VTK."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.anatomy.search import SearchIndex, Term, load_shipped_places, words
from app.model.io import paths
from app.model.scene.sites import FRAME_FILL, STRUCTURE_FIELD_MM, current_distance, framing
from app.model.scene.views import CameraPose


@pytest.fixture(scope="module")
def index(catalogue, landmarks, attachments):
    places, errors = load_shipped_places(paths.annotations_dir(), catalogue, landmarks, attachments)
    assert errors == []
    return SearchIndex(catalogue, places)


def term_of(index: SearchIndex, key: str) -> Term:
    return next(t for t in index.terms if any(target.key == key for target in t.targets.values()))


def test_every_match_for_psoas_names_psoas(index):
    """PSIS matched "psoas" by difflib's ratio alone (0.67): a short abbreviation two letters
    away. Every match now has "psoas" in one of its own names (iliopsoas: inside a word)."""
    found = index.search("psoas")
    assert {"psoas_major_right", "psoas_minor_right", "iliopsoas"} <= {m.target.key for m in found}
    for match in found:
        labels = term_of(index, match.target.key).labels
        assert any("psoas" in label.lower() for label in labels), (match.name, labels)


@pytest.mark.parametrize(
    ("query", "wrong"),
    [
        ("psoas", "psis_right"),  # 2 letters of 5 changed: no typo
        ("psoas major", "greater_trochanter_right"),  # one word of two: "Trochanter major"
        ("psoas minor", "lesser_trochanter_right"),
    ],
)
def test_a_word_far_from_every_word_of_a_name_does_not_match_it(index, query, wrong):
    assert wrong not in {m.target.key for m in index.search(query)}


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("psoaz majr", "psoas_major_right"),  # a letter changed, a letter dropped
        ("ilaicus", "iliacus_right"),  # two letters swapped: one typo
        ("quadratus lumborom", "quadratus_lumborum_right"),
        ("lesser trochantr", "lesser_trochanter_right"),
        ("hypogastric", "iliohypogastric_nerve_right"),  # inside a compound word
        ("psis", "psis_right"),
    ],
)
def test_typos_within_the_budget_and_compounds_still_match(index, query, key):
    assert index.search(query)[0].target.key == key


def test_short_words_forgive_fewer_typos(index):
    """One typo in a four-letter abbreviation is forgiven (ASIS for PSIS, ranked after it),
    none in a two-letter word."""
    assert [m.target.key for m in index.search("psis")][:2] == ["psis_right", "asis_right"]
    for match in index.search("l3"):
        assert any("l3" in words(label) for label in term_of(index, match.target.key).labels), match.name


def project(pose: CameraPose, points: np.ndarray, view_angle: float, aspect: float) -> np.ndarray:
    """Points in the view, as fractions of its half-width (x) and half-height (y)."""
    position, focal = np.asarray(pose.position), np.asarray(pose.focal_point)
    back = (position - focal) / np.linalg.norm(position - focal)
    up = np.asarray(pose.up) - back * (np.asarray(pose.up) @ back)
    up /= np.linalg.norm(up)
    right = np.cross(up, back)
    relative = points - position
    depth = -(relative @ back)
    tan = np.tan(np.radians(view_angle) / 2)
    return np.column_stack([(relative @ right) / depth / (tan * aspect), (relative @ up) / depth / tan])


@pytest.mark.parametrize("aspect", [0.75, 1.0, 1.8])
def test_framing_fits_every_point_from_the_same_direction(aspect):
    rng = np.random.default_rng(28)
    points = rng.normal(size=(400, 3)) * (40.0, 25.0, 160.0) + (30.0, -10.0, 50.0)  # tall, like psoas
    close_up = CameraPose(
        position=(400.0, -300.0, -90.0), focal_point=(80.0, -20.0, -60.0), up=(0.0, 0.0, 1.0)
    )
    pose = framing(close_up, points, 30.0, aspect)
    seen = np.abs(project(pose, points, 30.0, aspect))
    assert seen.max() <= FRAME_FILL + 1e-3  # all in, with room for labels at the sides
    assert seen.max() > FRAME_FILL - 0.02  # and no farther than it takes
    before = np.subtract(close_up.position, close_up.focal_point)
    after = np.subtract(pose.position, pose.focal_point)
    cosine = before @ after / np.linalg.norm(before) / np.linalg.norm(after)
    assert cosine > 0.9999  # looking the way the camera looked


def test_framing_keeps_a_small_structure_in_its_surroundings():
    disc = np.random.default_rng(5).normal(size=(200, 3)) * 12.0
    front = CameraPose(position=(0.0, 900.0, 0.0), focal_point=(0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0))
    pose = framing(front, disc, 30.0, 1.0)
    across = 2 * current_distance(pose) * np.tan(np.radians(15.0))  # at the focal point
    assert across == pytest.approx(STRUCTURE_FIELD_MM, rel=1e-3)  # not the disc's 80 mm
    assert np.abs(project(pose, disc, 30.0, 1.0)).max() < FRAME_FILL - 0.1
