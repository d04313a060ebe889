"""Section planes and what they cut, in the model: levels, bad input, areas measured
independently of the cutting code, and where the nerves lie."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.model.atlas import Atlas
from app.model.io import paths
from app.model.sections.cross_section import load_section_facts
from app.model.sections.planes import (
    DISC_LEVELS,
    LEVELS,
    Section,
    SectionError,
    SectionSpec,
    level_label,
    parse_level,
)
from app.model.teaching.lessons import apply_step, load_lesson


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


#: The shipped levels, for tests run many times over by Hypothesis.
PLANES = Atlas.load().section_planes


@pytest.fixture
def cut_scene(atlas):
    return atlas.scene()


# levels
@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("L4/L5", "L4_L5"),
        ("l4-l5", "L4_L5"),
        ("L4_L5", "L4_L5"),
        (" t12 ", "T12"),
        ("hip joint", "hip_joint"),
    ],
)
def test_levels_are_read_as_people_write_them(typed, level):
    assert parse_level(typed) == level
    assert parse_level(level_label(level)) == level


def test_an_unknown_level_is_one_line_naming_the_levels_there_are():
    with pytest.raises(SectionError) as caught:
        parse_level("L9")
    message = str(caught.value)
    assert "\n" not in message and "'L9'" in message and "L4/L5" in message and "hip joint" in message


def test_levels_run_from_t12_down_to_the_hip_joints_each_disc_between_its_vertebrae(atlas):
    levels = atlas.section_planes.levels
    assert set(levels) == set(LEVELS)  # the shipped data set places every level
    heights = [levels[name].point[2] for name in LEVELS]
    assert heights == sorted(heights, reverse=True)
    for disc in DISC_LEVELS:
        upper, lower = disc.split("_")
        assert levels[upper].point[2] > levels[disc].point[2] > levels[lower].point[2]


@pytest.mark.parametrize(
    "bad",
    [
        {"normal": (0, 0, 0)},
        {"normal": (float("nan"), 0, 1)},
        {"slab_mm": 0},
        {"slab_mm": -5},
        {"slab_mm": float("inf")},
        {"slab_mm": 1e6},
        {"origin": (0, 0, 1e9)},
        {"level": "L7"},
    ],
)
def test_a_plane_with_no_normal_or_a_slab_of_no_thickness_is_refused_in_one_line(bad):
    with pytest.raises(SectionError) as caught:
        Section(**bad)
    assert "\n" not in str(caught.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=12),
        st.dictionaries(
            st.sampled_from(["level", "orientation", "origin", "normal", "slab", "flip", "junk"]),
            st.one_of(
                st.none(),
                st.booleans(),
                st.floats(allow_nan=True, allow_infinity=True),
                st.text(max_size=8),
                st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
            ),
            max_size=4,
        ),
    )
)
def test_whatever_a_lesson_says_a_section_is_it_is_read_or_refused_never_crashes(value):
    try:
        spec = SectionSpec.model_validate(value)
    except ValidationError as exc:
        assert all("\n" not in str(error["msg"]) for error in exc.errors())
    else:
        assert isinstance(spec.section(PLANES), Section)


def test_a_section_written_back_reads_as_the_same_section(atlas):
    planes = atlas.section_planes
    for section in (
        planes.at("L4_L5"),
        planes.at("L2", "coronal", slab_mm=12.5),
        Section((1.0, 2.0, 150.0), (0.2, 0.3, 0.9), flipped=True),
        Section((0.0, 0.0, 100.0), (0.0, 0.0, -1.0)),
    ):
        again = SectionSpec.model_validate(SectionSpec.of(section).model_dump(exclude_none=True))
        assert again.section(planes) == section


def test_moving_a_plane_keeps_its_direction_and_lets_go_of_its_level(atlas):
    section = atlas.section_planes.at("L3", "coronal")
    moved = section.moved_to(section.offset_mm + 7.5)
    assert moved.level is None and moved.normal == section.normal
    assert moved.offset_mm == pytest.approx(section.offset_mm + 7.5, abs=1e-3)


# what a plane cuts
def _grid_area(mesh: pv.PolyData, z: float, bounds, step: float = 0.4) -> float:
    """The area of a closed mesh's cross-section at height z, counted on a grid of points
    tested for being inside the mesh: no cutting at all."""
    xmin, xmax, ymin, ymax = bounds
    xs = np.arange(xmin - 2, xmax + 2, step) + step / 2
    ys = np.arange(ymin - 2, ymax + 2, step) + step / 2
    grid = np.array([(x, y, z) for x in xs for y in ys])
    inside = pv.PolyData(grid).select_interior_points(mesh, check_surface=False)
    return float(inside["selected_points"].sum()) * step * step / 100.0


@pytest.mark.parametrize("level", ["L1_L2", "L3_L4", "L4_L5", "L5_S1"])
def test_cut_areas_agree_with_the_meshes_counted_point_by_point(atlas, cut_scene, level):
    sl = cut_scene.slice(atlas.section_planes.at(level))
    z = sl.frame.origin[2]
    for sid in ("psoas_major_right", "psoas_major_left", "disc_" + level.lower(), "quadratus_lumborum_right"):
        if sid not in sl.cuts:
            assert sid.startswith("quadratus")  # it ends on the iliac crest
            continue
        cut = sl.cuts[sid]
        if cut.area_cm2 < 0.5:  # a sliver where the muscle ends: too thin to count on a grid
            continue
        mesh = pv.read(paths.meshes_dir() / atlas.catalogue[sid].mesh)
        left, bottom, right, top = cut.shape.bounds  # drawing coordinates: x mirrored, y anterior
        x0, y0 = sl.frame.origin[:2]
        bounds = (x0 - right, x0 - left, y0 + bottom, y0 + top)
        assert bounds[0] <= cut.centroid[0] <= bounds[1] and bounds[2] <= cut.centroid[1] <= bounds[3]
        assert _grid_area(mesh, z, bounds) == pytest.approx(cut.area_cm2, rel=0.03), sid


def test_the_psoas_grows_down_to_its_largest_near_l4_l5_as_mri_shows(atlas, cut_scene):
    areas = {
        level: cut_scene.slice(atlas.section_planes.at(level)).cuts["psoas_major_right"].area_cm2
        for level in ("T12_L1", "L1_L2", "L2_L3", "L3_L4", "L4_L5")
    }
    values = list(areas.values())
    assert values == sorted(values)  # it thickens as its slips join
    facts, problems = load_section_facts(paths.annotations_dir())
    assert problems == []
    (published,) = [a for a in facts.published("psoas_major_right") if a.level == "L4_L5"]
    assert areas["L4_L5"] == pytest.approx(published.cm2, rel=0.25)


def test_nerve_places_agree_with_the_nerve_and_muscle_meshes(atlas, cut_scene):
    for level in ("L2_L3", "L3_L4", "L4_L5"):
        sl = cut_scene.slice(atlas.section_planes.at(level))
        assert sl.nerves, level
        for nid, place in sl.nerves.items():
            nerve = pv.read(paths.meshes_dir() / atlas.catalogue[nid].mesh)
            dot = pv.PolyData(np.array([place.centroid]))
            assert dot.select_interior_points(nerve, check_surface=False)["selected_points"][0] == 1, nid
            if place.inside:
                muscle = pv.read(paths.meshes_dir() / atlas.catalogue[place.inside].mesh)
                inside = dot.select_interior_points(muscle, check_surface=False)["selected_points"][0]
                assert inside == 1, (level, nid, place.inside)
            else:
                muscle = pv.read(paths.meshes_dir() / atlas.catalogue[place.near].mesh)
                assert dot.select_interior_points(muscle, check_surface=False)["selected_points"][0] == 0
                assert place.distance_mm > 0


def test_the_plexus_lies_in_the_back_of_the_psoas_and_the_trunk_beside_it(atlas, cut_scene):
    """Uribe et al. 2010: the plexus at the back of the disc (zone IV) higher up, moving
    forward as it descends, into zone III at L4/L5; the lumbosacral trunk medial to the
    psoas (annotations/sections.yaml)."""
    zones = {}
    for level in ("L2_L3", "L3_L4", "L4_L5"):
        place = cut_scene.slice(atlas.section_planes.at(level)).nerves["lumbar_plexus_right"]
        assert place.inside == "psoas_major_right"
        zones[level] = place.zone
    assert zones["L2_L3"] == "IV" and zones["L4_L5"] == "III"
    assert zones["L3_L4"] in ("III", "IV")
    trunk = cut_scene.slice(atlas.section_planes.at("L4_L5")).nerves["lumbosacral_trunk_right"]
    assert trunk.inside is None and trunk.direction == "medial" and trunk.near == "psoas_major_right"


def test_a_level_moves_with_its_bones_and_the_slice_follows_the_pose(atlas):
    scene = atlas.scene()
    section = atlas.section_planes.at("L4_L5")
    scene.set_section(section)
    _origin, normal = scene.section_plane()
    assert np.allclose(normal, (0, 0, 1))
    scene.set_pose(atlas.body.motion.resolve(["side_bend_right"]))
    _moved_origin, moved_normal = scene.section_plane()
    assert np.degrees(np.arccos(moved_normal @ normal)) > 3  # the disc tilts with the bend
    sl = scene.slice()
    assert sl.pose and "psoas_major_right" in sl.cuts
    assert abs(sl.cuts["psoas_major_right"].area_cm2 - 15.6) < 8


def test_only_what_is_shown_is_cut(atlas):
    scene = atlas.scene()
    scene.set_section(atlas.section_planes.at("L4_L5"))
    scene.hide("psoas_major_left")
    sl = scene.slice()
    assert "psoas_major_left" not in sl.cuts and "psoas_major_right" in sl.cuts


def test_the_json_names_the_level_height_areas_and_nerve_places(atlas, cut_scene):
    data = cut_scene.slice(atlas.section_planes.at("L4_L5")).as_json()
    assert data["level"] == "L4_L5"
    assert data["z_mm"] == pytest.approx(atlas.section_planes.levels["L4_L5"].point[2], abs=0.1)
    psoas = data["structures"]["psoas_major_right"]
    assert psoas["area_cm2"] > 5 and len(psoas["centroid"]) == 3 and psoas["centroid"][0] > 0
    femoral = data["nerves"]["femoral_nerve_right"]
    assert femoral["inside"] == "psoas_major_right" and femoral["depth"].endswith("third")


# lessons and bookmarks
def test_a_lesson_step_cuts_the_scene_and_the_next_closes_it(atlas, tmp_path):
    lesson_file = tmp_path / "cut.yaml"
    lesson_file.write_text(
        "title: Cut\nsteps:\n"
        "  - title: One\n    caption: The slab at L4/L5.\n    section: {level: L4/L5, slab: 10}\n"
        "  - title: Two\n    caption: The whole body again.\n",
        encoding="utf-8",
    )
    lesson, problems = load_lesson(lesson_file, atlas.catalogue, atlas.body.motion)
    assert problems == []
    scene = atlas.scene()
    apply_step(scene, lesson.steps[0])
    assert scene.section.level == "L4_L5" and scene.section.slab_mm == 10
    apply_step(scene, lesson.steps[1])
    assert scene.section is None


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ("L9", "unknown level 'L9'"),
        ("{level: L4/L5, slab: 0}", "1 to 400 mm thick"),
        ("{origin: [0, 0, 100], normal: [0, 0, 0]}", "cannot be zero"),
        ("{level: L4, slabb: 3}", "did you mean 'slab'"),
    ],
)
def test_a_bad_section_in_a_lesson_is_one_line_with_its_file_and_line(atlas, tmp_path, section, says):
    lesson_file = tmp_path / "bad.yaml"
    lesson_file.write_text(
        f"title: Cut\nsteps:\n  - title: One\n    caption: A bad section here.\n    section: {section}\n",
        encoding="utf-8",
    )
    lesson, problems = load_lesson(lesson_file, atlas.catalogue, atlas.body.motion)
    assert lesson is None and len(problems) == 1
    text = str(problems[0])
    assert text.startswith(f"{lesson_file}:5:") and says in text and "\n" not in text


def test_a_bookmark_keeps_the_section(atlas):
    from app.model.teaching.bookmarks import capture

    scene = atlas.scene()
    scene.set_section(atlas.section_planes.at("L3_L4", slab_mm=8))
    step = capture(scene, scene_camera(), "cut")
    other = atlas.scene()
    apply_step(other, step)
    assert other.section == scene.section


def scene_camera():
    from app.model.scene.views import CameraPose

    return CameraPose(position=(0, -900, 100), focal_point=(0, 0, 100), up=(0, 0, 1))


def test_undo_puts_the_section_back(atlas):
    scene = atlas.scene()
    before = scene.state()
    scene.set_section(atlas.section_planes.at("L1"))
    scene.restore(before)
    assert scene.section is None


def test_the_shipped_section_facts_cite_sources_that_exist():
    import yaml

    facts, problems = load_section_facts(paths.annotations_dir())
    assert problems == []
    sources = yaml.safe_load((paths.annotations_dir() / "sources.yaml").read_text())["sources"]
    cited = {a.source for areas in facts.areas.values() for a in areas} | {facts.safe_zones_source}
    assert cited <= set(sources)
    assert set(facts.safe_zones) == {"L1_L2", "L2_L3", "L3_L4", "L4_L5"}


def test_a_broken_section_facts_file_says_where(tmp_path):
    (tmp_path / "sections.yaml").write_text(
        "areas:\n  psoas_major:\n    - level: L4/L5\n      cm2: -3\n      who: men\n      source: reid1994\n"
    )
    facts, problems = load_section_facts(tmp_path)
    assert facts.areas == {} and len(problems) == 1
    assert str(problems[0]).startswith(f"{tmp_path / 'sections.yaml'}:4:")


def test_validate_checks_the_section_facts_and_their_sources(tmp_path, capsys):
    from app.cli import main

    assert main(["validate", str(paths.annotations_dir() / "sections.yaml")]) == 0
    broken = tmp_path / "sections.yaml"
    text = (paths.annotations_dir() / "sections.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("source: reid1994", "source: reid1995"), encoding="utf-8")
    assert main(["validate", str(broken)]) == 1
    (line,) = capsys.readouterr().out.strip().splitlines()[-1:]
    assert line.startswith(f"{broken}:") and "unknown source 'reid1995'" in line


def test_the_level_by_level_lesson_says_what_its_sections_show(atlas):
    """Lesson 08's captions against the slices its steps cut (applied as the window does)."""
    path = paths.annotations_dir() / "lessons" / "08-the-plexus-inside-the-psoas-level-by-level.yaml"
    lesson, problems = load_lesson(path, atlas.catalogue, atlas.body.motion)
    assert problems == []
    scene = atlas.scene()
    slices = {}
    for step in lesson.steps:
        apply_step(scene, step)
        if scene.section is not None:
            slices[step.title] = scene.slice()
    assert [s.level for s in slices.values()][:4] == ["L1", "L2_L3", "L3_L4", "L4_L5"]
    at_l1 = slices["L1"]
    psoas, quadratus = at_l1.cuts["psoas_major_right"], at_l1.cuts["quadratus_lumborum_right"]
    assert psoas.area_cm2 < 6 and psoas.centroid[1] > quadratus.centroid[1]  # a small slip, in front
    assert at_l1.nerves["lumbar_plexus_right"].inside == "psoas_major_right"
    l2_l3 = slices["L2/L3"].nerves
    assert (l2_l3["lumbar_plexus_right"].inside, l2_l3["lumbar_plexus_right"].depth) == (
        "psoas_major_right",
        "posterior third",
    )
    assert l2_l3["genitofemoral_nerve_right"].inside == "psoas_major_right"
    l3_l4 = slices["L3/L4"].nerves
    genitofemoral = l3_l4["genitofemoral_nerve_right"]
    assert (genitofemoral.inside, genitofemoral.near, genitofemoral.direction) == (
        None,
        "psoas_major_right",
        "anterior",
    )
    assert l3_l4["lateral_femoral_cutaneous_nerve_right"].direction == "lateral"
    l4_l5 = slices["L4/L5"]
    assert l4_l5.cuts["psoas_major_right"].area_cm2 == pytest.approx(16, rel=0.15)
    assert l4_l5.nerves["femoral_nerve_right"].inside == "psoas_major_right"
    assert l4_l5.nerves["obturator_nerve_right"].inside == "psoas_major_right"
    assert l4_l5.nerves["lumbosacral_trunk_right"].direction == "medial"
    assert slices["Why L4/L5 is the risky level"].section.slab_mm == 12
    coronal = slices["A coronal cut through the bodies"]
    assert coronal.section.orientation == "coronal"
    assert coronal.nerves["lumbar_plexus_right"].inside == "psoas_major_right"
    assert {"vertebra_l1", "vertebra_l3", "psoas_major_left"} <= set(coronal.cuts)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_normal_of_any_finite_length_is_a_direction():
    """A lesson's normal of 1e300 overflowed numpy's norm (the generated test met it):
    the direction is what it says, at any length; only none at all is refused."""
    from app.model.sections.planes import Section, SectionError

    assert Section(normal=(1e300, 1e300, 0.0)).normal == pytest.approx((0.7071, 0.7071, 0.0))
    assert Section(normal=(0.0, -1e-8, 0.0)).normal == (0.0, -1.0, 0.0)
    with pytest.raises(SectionError, match="cannot be zero"):
        Section(normal=(0.0, 0.0, 1e-12))
