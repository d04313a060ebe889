"""Where the lumbar plexus and its branches cross each disc, measured on the slice that
``psoas-atlas section --level X --json`` prints, against the cadaver studies that
annotations/sections.yaml cites (``nerve_positions``: Benglis et al. 2009, Moro et al. 2003,
Davis et al. 2011). The values are read from the file, so the file and the test agree."""

from __future__ import annotations

import shutil

import pytest

from app.model.atlas import Atlas
from app.model.io import paths
from app.model.sections.cross_section import NervePosition, Slice, disc_share, load_section_facts

SIDES = ("right", "left")
#: How far (share of the disc's depth, about 3 mm) a front edge may lie from a published one:
#: Benglis et al. measured 3 cadavers and gave means only.
AT_WITHIN = 0.1

FACTS, PROBLEMS = load_section_facts(paths.annotations_dir())
POSITIONS = [
    (level, k, position)
    for level, positions in FACTS.nerve_positions.items()
    for k, position in enumerate(positions)
]


@pytest.fixture(scope="module")
def slices() -> dict[str, Slice]:
    """Each disc level's axial slice at rest, as ``section --level X`` cuts it."""
    atlas = Atlas.load()
    out = {}
    for level in FACTS.nerve_positions:
        scene = atlas.scene()
        scene.set_section(scene.sections.at(level, "axial", None))
        out[level] = scene.slice()
    return out


def shares(piece: Slice, nerve_id: str) -> tuple[float, float, float]:
    """A nerve's cut at a disc: the share of the disc's depth from its front at which its
    front edge (all pieces), its centre (the dot the view draws) and its hindmost point lie."""
    parts = piece.cuts[nerve_id].parts()
    front = min(disc_share(p.bounds[3], piece.zone_bounds) for p in parts)
    back = max(disc_share(p.bounds[1], piece.zone_bounds) for p in parts)
    return front, disc_share(piece.nerves[nerve_id].at[1], piece.zone_bounds), back


def test_the_shipped_nerve_positions_read_and_cite_known_sources():
    assert PROBLEMS == []
    assert set(FACTS.nerve_positions) == {"L1_L2", "L2_L3", "L3_L4", "L4_L5"}
    cited = {p.source for _, _, p in POSITIONS}
    assert cited == {"benglis2009", "moro2003", "davis2011"}


@pytest.mark.parametrize(("level", "k", "position"), POSITIONS, ids=lambda v: getattr(v, "source", v))
def test_each_nerve_lies_where_the_source_puts_it(level, k, position: NervePosition, slices):
    piece = slices[level]
    assert piece.disc == "disc_" + level.lower() and len(piece.zone_bounds) == 5
    for side in SIDES:
        cut = [f"{n}_{side}" for n in position.nerves if f"{n}_{side}" in piece.cuts]
        what = f"{level} {side} ({position.source}: {position.says})"
        if position.place is not None:
            assert len(cut) == len(position.nerves), f"{what}: not every nerve is cut"
            for nid in cut:
                place = piece.nerves[nid]
                if position.place == "in psoas":
                    assert place.inside == f"psoas_major_{side}", f"{what}: {nid} is {place.describe()}"
                else:
                    assert (place.inside, place.near, place.direction) == (
                        None,
                        f"psoas_major_{side}",
                        "anterior",
                    ), f"{what}: {nid} is {place.describe()}"
            continue
        if position.part != "every part":
            assert cut, f"{what}: none of {position.nerves} is cut"
        measured = {nid: shares(piece, nid) for nid in cut}
        if position.part == "front edge":
            value = min(front for front, _, _ in measured.values())  # the most anterior of them
        elif position.part == "centre":
            value = min(centre for _, centre, _ in measured.values())
        else:  # every part: its front edge, nerve by nerve
            value = min((front for front, _, _ in measured.values()), default=1.0)
        if position.at is not None:
            assert abs(value - position.at) <= AT_WITHIN, (
                f"{what}: {value:.2f} of the disc's depth from its front, not {position.at}"
            )
        else:
            assert position.behind is not None
            assert value >= position.behind, (
                f"{what}: {value:.2f} of the disc's depth from its front, in front of {position.behind}"
            )


def test_the_femoral_nerve_at_l4_l5_lies_in_the_back_half_inside_the_psoas(slices):
    """Davis et al. 2011 (18 of 18); the issue's report had it in zone I on the right."""
    piece = slices["L4_L5"]
    for side in SIDES:
        place = piece.nerves[f"femoral_nerve_{side}"]
        assert place.inside == f"psoas_major_{side}"
        assert place.zone in ("III", "IV")
        assert place.disc_share is not None and place.disc_share[0] >= 0.5


def test_the_plexus_comes_forward_level_by_level(slices):
    """Benglis et al.: "a general trend of progressive ventral migration", on both sides."""
    for side in SIDES:
        fronts = [shares(slices[level], f"lumbar_plexus_{side}")[0] for level in FACTS.nerve_positions]
        assert fronts == sorted(fronts, reverse=True), fronts


def _broken(tmp_path, old: str, new: str) -> str:
    shutil.copy(paths.annotations_dir() / "sources.yaml", tmp_path)
    text = (paths.annotations_dir() / "sections.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "sections.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return f"{tmp_path / 'sections.yaml'}:{line}:"


def test_an_unknown_source_of_a_nerve_position_is_one_problem_with_its_line(tmp_path):
    where = _broken(tmp_path, "source: davis2011", "source: davis2012")
    facts, problems = load_section_facts(tmp_path)
    assert [str(p) for p in problems] == [f"{where} unknown source 'davis2012'"]
    assert facts.nerve_positions["L4_L5"][1].source == "davis2012"  # kept, cited as written


#: Davis' entry, where a problem of the entry as a whole is reported.
DAVIS = "    - nerves: [femoral_nerve]\n      part: every part\n      behind: 0.5\n"


@pytest.mark.parametrize(
    ("old", "new", "message", "line_of"),
    [
        (
            "      behind: 0.5\n",
            "      behind: 0.5\n      at: 0.5\n",
            "give one of 'at', 'behind' or 'place'",
            DAVIS,
        ),
        (
            "      part: every part\n      behind: 0.5\n",
            "      behind: 0.5\n",
            "'behind' needs a 'part'",
            DAVIS,
        ),
        ("      at: 0.72\n", "      at: 1.72\n", "less than or equal to 1", "      at: 0.72\n"),
        (
            "[lumbar_plexus, femoral_nerve, obturator_nerve]",
            "[femoral_nerve_right]",
            "without its side",
            None,
        ),
        ("      place: in psoas\n", "      place: inside\n", "'in psoas' or 'in front of psoas'", None),
        ("  L3/L4:\n    - nerves", "  L3:\n    - nerves", "disc levels, not L3", "nerve_positions:\n"),
        (
            "      part: front edge\n      at: 0.82",
            "      prat: front edge\n      at: 0.82",
            "did you mean 'part'",
            None,
        ),
    ],
)
def test_a_broken_nerve_position_is_one_clear_problem_with_its_line(tmp_path, old, new, message, line_of):
    where = _broken(tmp_path, line_of or old, line_of or old)  # the line to expect
    _broken(tmp_path, old, new)
    facts, problems = load_section_facts(tmp_path)
    assert len(problems) == 1 and message in problems[0].message, [str(p) for p in problems]
    assert str(problems[0]).startswith(where), (str(problems[0]), where)
    assert facts.nerve_positions == {}
