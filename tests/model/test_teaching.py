"""Teaching rules and content, with no Qt: emphasis, isolate, search, content validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.model.anatomy.content import REQUIRED, load_content, load_library, load_sources
from app.model.anatomy.structures import Kind
from app.model.io import paths
from app.model.scene.emphasis import context_of, foramen_landmark, foramen_level
from tests.commands import run_cli


@pytest.fixture(scope="module")
def library(catalogue):
    library, errors = load_library(paths.annotations_dir(), catalogue)
    assert errors == []
    return library


def test_every_structure_has_complete_sourced_content(catalogue, library):
    for structure in catalogue:
        entry = library.entry_for(structure.id)
        assert entry is not None, f"no content for {structure.id}"
        for field in REQUIRED[structure.kind]:
            assert getattr(entry, field), f"{structure.id} lacks {field}"
        for _, fact in entry.facts():
            assert fact.sources and all(s in library.sources for s in fact.sources)
    psoas = library.entry_for("psoas_major_left")
    assert psoas is not None and any("lesser trochanter" in f.text for f in psoas.insertion)


def test_clinical_topics_users_ask_about_are_covered(library):
    text = " ".join(
        f"{getattr(item, 'title', '')} {getattr(item, 'text', '')} {getattr(item, 'claim', '')} "
        f"{getattr(item, 'correction', '')}"
        for entry in library.entries.values()
        for _, item in entry.facts()
    ).lower()
    for topic in (
        "sit-up",
        "thomas test",
        "meralgia",
        "stretch",
        "lumbar curve",
        "pelvic tilt",
        "bends",
        "abscess",
    ):
        assert topic in text, f"no content about {topic}"


def test_selecting_psoas_paints_its_attachments_and_reveals_the_plexus(scene):
    scene.select("psoas_major_left")
    e = scene.emphasis
    assert {a.role for a in e.attachments} == {"origin", "insertion"}
    assert all(a.muscle == "psoas_major_left" for a in e.attachments)
    assert e.see_through == {"psoas_major_left"}
    assert "lumbar_plexus_left" in e.reveal and "femoral_nerve_right" not in e.reveal
    assert e.root_levels == ()


def test_selecting_a_nerve_marks_the_foramina_its_roots_leave_by_on_its_side(scene):
    scene.select("femoral_nerve_right")
    e = scene.emphasis
    # The L2 nerve leaves below the L2 pedicle: through the L2/L3 foramen.
    assert e.root_levels == (
        "intervertebral_foramen_l2_l3_right",
        "intervertebral_foramen_l3_l4_right",
        "intervertebral_foramen_l4_l5_right",
    )
    assert e.see_through == {"psoas_major_right"}
    scene.select("iliohypogastric_nerve_left")
    assert scene.emphasis.root_levels == (
        "intervertebral_foramen_t12_l1_left",
        "intervertebral_foramen_l1_l2_left",
    )
    scene.select("lumbosacral_trunk_right")
    assert scene.emphasis.root_levels[-1] == "intervertebral_foramen_l5_s1_right"
    # Every foramen named is a landmark of the data set: the renderer marks it there.
    for nerve in (s for s in scene.catalogue if s.kind is Kind.nerve):
        scene.select(nerve.id)
        assert scene.emphasis.root_levels
        assert all(name in scene.landmarks for name in scene.emphasis.root_levels), nerve.id
        assert all(name.endswith(nerve.side.value) for name in scene.emphasis.root_levels)


def test_foramen_names_and_levels():
    assert foramen_landmark("L2", "left") == "intervertebral_foramen_l2_l3_left"
    assert foramen_landmark("S1", "left") is None
    assert foramen_level("intervertebral_foramen_t12_l1_right") == "T12"
    assert foramen_level("intervertebral_foramen_l5_s1_left") == "L5"
    assert foramen_level("vertebral_body_center_l2") is None


def test_selecting_a_bone_lists_what_attaches_there(scene):
    scene.select("femur_right")
    muscles = {a.muscle for a in scene.emphasis.attachments}
    assert muscles == {"psoas_major_right", "iliacus_right"}
    assert {a.role for a in scene.emphasis.attachments} == {"insertion"}
    scene.select("vertebra_l3")
    names = {a.name for a in scene.emphasis.attachments}
    assert {"L3 body", "L3 transverse process"} <= names
    focus = scene.emphasis.attachments[0]
    scene.focus_attachment(focus)
    assert scene.emphasis.focus_attachment == focus
    scene.select("vertebra_l4")
    assert scene.emphasis.focus_attachment is None


def test_isolate_keeps_the_selection_and_its_context(scene, catalogue):
    scene.isolate("psoas_major_right")
    visible = set(scene.visible_ids)
    assert {"psoas_major_right", "vertebra_t12", "vertebra_l4", "disc_l4_l5", "femur_right"} <= visible
    assert "psoas_major_left" not in visible and "femur_left" not in visible
    assert context_of(catalogue, scene.attachments, "obturator_nerve_left") >= {
        "obturator_nerve_left",
        "vertebra_l2",
        "vertebra_l4",
        "vertebra_l5",  # below the L4/L5 foramen its L4 root leaves by
        "psoas_major_left",
    }
    scene.hide("psoas_major_right")
    assert not scene.is_visible("psoas_major_right")
    scene.show_all()
    assert len(scene.visible_ids) == len(catalogue)


def test_kind_opacity_is_the_xray_mode(scene, catalogue):
    scene.set_kind_opacity(Kind.bone, 0.25)
    assert scene.opacity("femur_left") == 0.25 and scene.opacity("psoas_major_left") == 1.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("psoas major", "psoas_major"),
        ("psoaz majr", "psoas_major"),
        ("Musculus iliacus", "iliacus"),
        ("nervus femoralis", "femoral_nerve"),
        ("femral nerv", "femoral_nerve"),
        ("ilioingunal", "ilioinguinal_nerve"),
        ("L4 vertebra", "vertebra_l4"),
        ("genitofemural", "genitofemoral_nerve"),
    ],
)
def test_search_tolerates_typos_in_english_and_latin(scene, query, expected):
    best = scene.search(query)[0].structure_id
    assert best.startswith(expected), f"{query!r} found {best}"


def test_search_finds_nothing_for_nonsense(scene):
    assert scene.search("xylophone") == []
    assert scene.search("  ") == []


BROKEN = """content:
  psoas_major:
    summary: {text: "A muscle of the posterior abdominal wall.", sources: [gray42]}
    origin: [{text: "Lumbar vertebrae and discs.", sources: [gray42]}]
    insertion: [{text: "Lesser trochanter of the femur.", sources: [gray42]}]
    action: [{text: "Flexes the hip joint strongly.", sources: [nobody2020]}]
    innervation: [{text: "Ventral rami of L1 to L3.", sources: []}]
  psoas_majr:
    summary: {text: "A typo in the id should be reported.", sources: [gray42]}
  femoral_nerve:
    summary: {text: "Largest branch of the plexus.", sources: [gray42]}
    origin: [{text: "Nerves have no origin field.", sources: [gray42]}]
    course: [{text: "Runs in the iliac groove.", sources: [gray42]}]
    supplies: [{text: "Quadriceps and skin of the thigh.", sources: [gray42]}]
"""


def test_content_errors_name_file_line_and_problem(tmp_path, catalogue):
    sources, _ = load_sources(paths.annotations_dir() / "sources.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    duplicate = tmp_path / "duplicate.yaml"
    duplicate.write_text(
        "content:\n  iliacus_left:\n    summary: {text: 'The left iliacus muscle.', sources: [gray42]}\n",
        encoding="utf-8",
    )
    shipped = sorted((paths.annotations_dir() / "content").glob("*.yaml"))
    entries, errors = load_content([*shipped, broken, duplicate], catalogue, sources)
    messages = [str(e) for e in errors]
    assert any(m.startswith(f"{broken}:7: 'psoas_major.innervation.0.sources': ") for m in messages)
    assert f"{broken}:8: unknown structure id 'psoas_majr'" in messages
    assert f"{broken}:12: 'femoral_nerve.origin': not a field for a nerve" in messages
    assert any(m.startswith(f"{duplicate}:2: duplicate content for 'iliacus_left'") for m in messages)
    # The valid shipped entries are kept.
    assert "psoas_major_left" in entries and "femur_left" in entries


def test_unknown_source_is_reported_on_its_line(tmp_path, catalogue):
    sources, _ = load_sources(paths.annotations_dir() / "sources.yaml")
    path = tmp_path / "one.yaml"
    path.write_text(BROKEN.replace("sources: []", "sources: [gray42]"), encoding="utf-8")
    _, errors = load_content([path], catalogue, sources)
    assert f"{path}:6: 'psoas_major': unknown source 'nobody2020'" in [str(e) for e in errors]


def test_validate_command_reports_every_problem_and_fails(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("content:\n  psoas_major: [unclosed\n", encoding="utf-8")
    result = run_cli("validate", str(broken), str(bad_yaml))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{broken}:8: unknown structure id") for line in lines)
    assert any(
        line.startswith(f"{broken}:6: 'psoas_major': unknown source 'nobody2020'") is False for line in lines
    )
    assert any(line.startswith(f"{bad_yaml}:3: invalid YAML") for line in lines)
    assert "problem(s)" in result.stderr


def test_validate_command_accepts_the_shipped_files():
    files = [paths.structures_file(), paths.annotations_dir() / "sources.yaml"]
    files += sorted(Path(paths.annotations_dir() / "content").glob("*.yaml"))
    result = run_cli("validate", *map(str, files))
    assert result.returncode == 0, result.stdout
    assert f"{len(files)} file(s) valid" in result.stdout
