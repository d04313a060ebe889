"""The shipped lumbar vertebrae measured against the morphometric table they were morphed to
(``meshes/recipes/vertebrae.yaml``: widths and heights after Panjabi et al. 1992, depths,
transverse spans and spinous reaches in the proportions of Clouthier et al. 2023's CT mean
L2-L5).

Measured here on the meshes alone, in each vertebra's own frame (its body's centre from
landmarks.json, the spine's axis through the neighbouring bodies), as a caliper reads a dry
bone: the upper endplate's width and depth at its rim, the posterior height of the body, the
span of the transverse processes tip to tip, the reach of the spinous process back from the
body's posterior wall.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import pyvista as pv
import yaml

from app.model.io import paths

LEVELS = ["t12", "l1", "l2", "l3", "l4", "l5"]
LUMBAR = LEVELS[1:]
#: Widths (and depths and spans, where tabled) within 5% of the table: the morph aims at
#: the table, and this measure reads a 5,000-triangle rim to about a millimetre (2%); the
#: unmorphed L5 (44 mm against 47.3) is 7% off.
TOLERANCE = 0.05
#: Heights are checked, not morphed (the assembly set the disc spaces between the bodies):
#: within 15% of Panjabi's posterior heights, which sit at the low end of published series
#: (Bonczar et al. 2024's meta-analysis pools 24.1-27.0 mm for L1-L5).
HEIGHT_TOLERANCE = 0.15
#: Below the superior endplate, where its rim is read (mm), and in front of the posterior
#: wall, where the pedicles' roots no longer widen the section (mm).
RIM_DEPTH = 3.0
PEDICLE_ROOT = 4.0
#: Half the width of the band about the midline where the spinous process's tip is sought (mm).
SPINOUS_BAND = 6.0
#: Pedicle widths (L1-L5, Misiani et al.'s dry-bone means) within 8% of the table: the rays
#: below are half a millimetre apart in height and depth, and a pedicle is 8-17 mm wide, so
#: one step is 3-6% of it.
PEDICLE_TOLERANCE = 0.08
#: Pedicle heights are checked, not morphed: within the published range (vertebrae.yaml's
#: pedicle_height_range), widened by the measure's step (half a millimetre, 4% of a pedicle's
#: height).
PEDICLE_HEIGHT_TOLERANCE = 0.04
#: Where the pedicle is sought: from just behind the body's posterior wall back to the root
#: of the transverse process, and from the body's centre up over the pedicle (mm); rays from
#: the midline that meet bone nearer it than CANAL_MIN are in the laminae, not the canal.
PEDICLE_BEHIND = np.arange(0.5, 6.01, 0.5)
PEDICLE_LEVELS = np.arange(0.0, 16.01, 0.5)
CANAL_MIN = 4.0


@pytest.fixture(scope="module")
def table() -> dict[str, dict]:
    recipe = yaml.safe_load((paths.meshes_dir() / "recipes" / "vertebrae.yaml").read_text())
    return dict(recipe["vertebrae"]["levels"])


@pytest.fixture(scope="module")
def ct_mean() -> dict[str, dict]:
    recipe = yaml.safe_load((paths.meshes_dir() / "recipes" / "vertebrae.yaml").read_text())
    return dict(recipe["vertebrae"]["clouthier_mean"]["levels"])


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, float]]:
    root = paths.meshes_dir()
    points = json.loads((root / "landmarks.json").read_text())["landmarks"]
    centres = [np.array(points[f"vertebral_body_center_{lvl}"]) for lvl in LEVELS]
    out = {}
    for i, level in enumerate(LEVELS):
        if level not in LUMBAR:
            continue
        up = centres[i - 1] - centres[min(i + 1, len(LEVELS) - 1)]
        mesh = pv.read(root / "bones" / f"vertebra_{level}.ply")
        out[level] = _measure(mesh, centres[i], up / np.linalg.norm(up))
    return out


def _hits(mesh: pv.PolyData, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    points, _ = mesh.ray_trace(start, end)
    points = np.asarray(points).reshape(-1, 3)
    return points[np.argsort(np.linalg.norm(points - start, axis=1))]


def _measure(mesh: pv.PolyData, centre: np.ndarray, up: np.ndarray) -> dict[str, float]:
    lateral = np.array([1.0, 0.0, 0.0]) - up[0] * up
    lateral /= np.linalg.norm(lateral)
    ahead = np.cross(up, lateral)
    # The front and back of the body through its centre; the top of the body above it.
    front, back = _hits(mesh, centre + 60 * ahead, centre - 60 * ahead)[:2]
    top = _hits(mesh, centre + 40 * up, centre)[0]
    rim_height = (top - centre) @ up - RIM_DEPTH
    section = mesh.slice(normal=up, origin=centre + rim_height * up)
    rim = np.asarray(section.points) - centre
    # The rim's back at the midline: the body's, not the laminae's (a canal's depth behind).
    midline = (np.abs(rim @ lateral) < 4.0) & (rim @ ahead > (back - centre) @ ahead - 5.0)
    in_body = rim @ ahead > (rim[midline] @ ahead).min() + PEDICLE_ROOT
    # Posterior height: along the spine through the back third of the body.
    depth = float((front - back) @ ahead)
    heights = []
    for fraction in (0.08, 0.12, 0.16, 0.2):
        at = back + fraction * depth * ahead
        hits = _hits(mesh, at + 40 * up, at - 40 * up)
        if len(hits) >= 2:
            heights.append(float((hits[0] - hits[-1]) @ up))
    offsets = np.asarray(mesh.points) - centre
    across = offsets @ lateral
    behind = (back - centre) @ ahead - offsets[np.abs(across) < SPINOUS_BAND] @ ahead
    pedicles = [_pedicle(mesh, back, lateral * side, ahead, up) for side in (1.0, -1.0)]
    return {
        "body_width": float(np.ptp(rim[in_body] @ lateral)),
        "body_depth": float(np.ptp(rim[midline] @ ahead)),
        "body_height": max(heights),
        "transverse_span": float(np.ptp(across)),
        "spinous_reach": float(behind.max()),
        "pedicle_width": float(np.mean([width for width, _ in pedicles])),
        "pedicle_height": float(np.mean([height for _, height in pedicles])),
    }


def _pedicle(
    mesh: pv.PolyData, back: np.ndarray, out: np.ndarray, ahead: np.ndarray, up: np.ndarray
) -> tuple[float, float]:
    """A pedicle's transverse width and height, as a caliper reads them: rays run outward from
    the midline behind the body's back wall cross the canal's lateral wall, then the pedicle's
    lateral wall; at each height the narrowest crossing from front to back is the isthmus, and
    the pedicle's width is the widest of those (its mid-height). Its height is the bone's
    vertical extent through the middle of that crossing."""
    best = None
    for level in PEDICLE_LEVELS:
        narrowest = None
        for depth in PEDICLE_BEHIND:
            start = back - depth * ahead + level * up
            hits = _hits(mesh, start, start + 45 * out)
            if len(hits) < 2 or (hits[0] - start) @ out < CANAL_MIN:
                continue
            inner, outer = ((hit - start) @ out for hit in hits[:2])
            if narrowest is None or outer - inner < narrowest[0]:
                narrowest = (outer - inner, start + (inner + outer) / 2 * out)
        if narrowest is not None and (best is None or narrowest[0] > best[0]):
            best = narrowest
    assert best is not None, "no pedicle beside the canal"
    width, middle = best
    along = (_hits(mesh, middle + 40 * up, middle - 40 * up) - middle) @ up
    return float(width), float(along[along > 0].min() - along[along < 0].max())


@pytest.mark.parametrize("level", LUMBAR)
def test_vertebra_matches_the_table(level, table, measured):
    got, target = measured[level], table[level]
    for key, value in target.items():
        if value is None:
            continue
        tolerance = {"body_height": HEIGHT_TOLERANCE, "pedicle_width": PEDICLE_TOLERANCE}.get(key, TOLERANCE)
        assert abs(got[key] - value) <= tolerance * value, (
            f"{level} {key}: {got[key]:.1f} mm, the table {value} mm (within {tolerance:.0%})"
        )


def test_bodies_widen_down_the_column(measured):
    """Real lumbar bodies widen from L1 to L5; myo-sim's were all about 43-44 mm."""
    widths = [measured[level]["body_width"] for level in LUMBAR]
    assert widths[-1] - widths[0] > 3.0, widths
    assert all(b > a - 1.0 for a, b in itertools.pairwise(widths)), widths


def test_depth_span_and_reach_keep_the_ct_means_proportions(table, ct_mean):
    """L2-L5's depths, spans and spinous reaches are the CT mean's, in proportion to its width
    at each level, on Panjabi's widths (the file says why); L1, not in the CT model, keeps
    myo-sim's depth and reach."""
    assert all(table["l1"][key] is None for key in ("body_depth", "spinous_reach"))
    for level, ct in ct_mean.items():
        for key in ("body_depth", "transverse_span", "spinous_reach"):
            expected = table[level]["body_width"] * ct[key] / ct["body_width"]
            assert table[level][key] == pytest.approx(expected, abs=0.051), (level, key)


def test_transverse_processes_span_as_real_ones_do(measured):
    """myo-sim's processes spanned 63-65 mm at every level; issue 29 asks for the 75-85 mm
    usual at L3 (the CT mean's proportions give 80), and the processes lengthen from L1, the
    shortest, to L3, the longest (Li B et al. 2003, doi:10.3969/j.issn.2095-252x.2003.02.008,
    CT of 20 spines' L1-L5: processes about 10 mm long at L1, 15 at L2, L4 and L5, 19 at L3)."""
    spans = {level: measured[level]["transverse_span"] for level in LUMBAR}
    assert 75.0 <= spans["l3"] <= 85.0, spans
    assert spans["l1"] < spans["l2"] < spans["l3"], spans


def test_spinous_processes_reach_back_as_the_ct_means_do(measured):
    """myo-sim's spinous processes reached 36-40 mm back from the body at every level, the CT
    mean's 46-56 (L2-L5): L2-L4 now reach 45-50 mm, and L5's, the shortest of the lumbar
    processes in the CT mean, less than L4's."""
    reach = {level: measured[level]["spinous_reach"] for level in LUMBAR}
    assert all(45.0 <= reach[level] <= 50.0 for level in ("l2", "l3", "l4")), reach
    assert reach["l5"] < reach["l4"] - 4.0, reach


def test_l1_transverse_span_follows_li_s_process_lengths(table):
    """L1's processes are about 10 mm long, L2's about 15 (Li B et al. 2003, CT of 20 spines):
    L1's span is L2's, 5 mm shorter on each side."""
    assert table["l1"]["transverse_span"] == pytest.approx(table["l2"]["transverse_span"] - 2 * (15 - 10))


def test_pedicles_widen_down_the_column(table, measured):
    """Lumbar pedicles widen from L1 to L5 at every step, as Misiani et al.'s dry bones do
    (8.6, 9.6, 11.4, 13.5, 16.3 mm; vertebrae.yaml): each step at least half the table's, so
    no level jumps ahead of the next; myo-sim's were 13.0-13.4 mm at every level."""
    widths = [measured[level]["pedicle_width"] for level in LUMBAR]
    tabled = [table[level]["pedicle_width"] for level in LUMBAR]
    for (a, b), (ta, tb) in zip(itertools.pairwise(widths), itertools.pairwise(tabled), strict=True):
        assert b - a >= (tb - ta) / 2, (widths, tabled)


def test_pedicle_ends_agree_with_torun(measured):
    """A second source for the ends, not fitted: Torun et al. 2008 (doi:10.1016/j.jocn.2007.08.006,
    14 cadavers dissected), the narrowest lumbar pedicle at L1, 8.4 mm, the widest at L5,
    17.1 mm; and Cook and Baker 2021's CT (Int J Spine Surg 15:1072, Table 6), 16.1 mm at L5."""
    for level, width in (("l1", 8.4), ("l5", 17.1), ("l5", 16.1)):
        got = measured[level]["pedicle_width"]
        assert abs(got - width) <= PEDICLE_TOLERANCE * width, (level, got, width)


@pytest.mark.parametrize("level", LUMBAR)
def test_pedicle_height_within_the_published_range(level, measured):
    """Pedicle heights, checked not morphed, against the published range: from Cook and Baker
    2021's L5 CT mean, 12.9 mm (heights fall down the column, so the lowest lumbar mean), to
    the top of Lien et al. 2007's range for T11-L5, 16.7 mm."""
    recipe = yaml.safe_load((paths.meshes_dir() / "recipes" / "vertebrae.yaml").read_text())
    low, high = recipe["vertebrae"]["pedicle_height_range"]
    height = measured[level]["pedicle_height"]
    assert low * (1 - PEDICLE_HEIGHT_TOLERANCE) <= height <= high * (1 + PEDICLE_HEIGHT_TOLERANCE), (
        f"{level} pedicle height {height:.1f} mm, the published range {low}-{high} mm"
    )
