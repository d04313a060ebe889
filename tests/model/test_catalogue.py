"""The structures file and its validation (no Qt, no VTK)."""

from __future__ import annotations

from pathlib import Path

from app.model.anatomy.structures import Group, Kind, load_catalogue
from app.model.io import paths

FOUNDATION_IDS = {
    "vertebra_t12", "vertebra_l1", "vertebra_l2", "vertebra_l3", "vertebra_l4", "vertebra_l5",
    "sacrum", "hip_bone_left", "hip_bone_right", "femur_left", "femur_right",
    "disc_t12_l1", "disc_l1_l2", "disc_l2_l3", "disc_l3_l4", "disc_l4_l5", "disc_l5_s1",
}  # fmt: skip

GOOD = """structures:
  - id: femur_right
    name: Right femur
    latin: Os femoris
    kind: bone
    side: right
    group: Bones
    color: "#e8dcc4"
    mesh: bones/femur_right.ply
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "structures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalogue_has_every_foundation_structure(catalogue):
    assert set(catalogue.ids) >= FOUNDATION_IDS
    assert catalogue["disc_l5_s1"].kind is Kind.disc
    assert catalogue["femur_left"].side.value == "left"
    assert {s.group for s in catalogue} <= set(Group)
    for structure in catalogue:
        assert (paths.meshes_dir() / structure.mesh).is_file()


def test_valid_file_loads(tmp_path):
    catalogue, errors = load_catalogue(write(tmp_path, GOOD), paths.meshes_dir())
    assert errors == []
    assert catalogue.ids == ["femur_right"]


def test_each_problem_names_file_and_line_and_valid_entries_are_kept(tmp_path):
    text = GOOD + (
        "  - id: femur_right\n"  # line 10: duplicate id
        "    name: Again\n"
        "    latin: Os femoris\n"
        "    kind: bone\n"
        "    side: right\n"
        "    group: Bones\n"
        '    color: "#e8dcc4"\n'
        "    mesh: bones/femur_right.ply\n"
        "  - id: sacrum\n"  # line 18
        "    name: Sacrum\n"
        "    latin: Os sacrum\n"
        "    kind: rock\n"  # line 21: bad enum
        "    side: midline\n"
        "    group: Bones\n"
        "    colour: '#e8dcc4'\n"  # line 24: unknown field (and colour missing)
        "    mesh: bones/sacrum.ply\n"
        "  - id: hip_bone_left\n"  # line 26
        "    name: Left hip bone\n"
        "    latin: Os coxae\n"
        "    kind: bone\n"
        "    side: left\n"
        "    group: Bones\n"
        "    color: beige\n"  # line 32: bad colour
        "    mesh: bones/hip_bone_left.ply\n"
        "  - id: femur_left\n"  # line 34
        "    name: Left femur\n"
        "    latin: Os femoris\n"
        "    kind: bone\n"
        "    side: left\n"
        "    group: Bones\n"
        '    color: "#e8dcc4"\n'
        "    mesh: bones/no_such_file.ply\n"  # line 41: missing mesh
    )
    path = write(tmp_path, text)
    catalogue, errors = load_catalogue(path, paths.meshes_dir())
    assert catalogue.ids == ["femur_right"]
    messages = [str(e) for e in errors]
    assert f"{path}:10: duplicate id 'femur_right' (first defined on line 2)" in messages
    assert any(m.startswith(f"{path}:21: 'kind': must be one of") for m in messages)
    assert f"{path}:24: 'colour': unknown field (did you mean 'color'?)" in messages
    # The misspelt key says it all: no second message that 'color' is missing.
    assert not any("'color': missing required field" in m for m in messages)
    assert any(m.startswith(f"{path}:32: 'color': ") and "hex colour" in m for m in messages)
    assert f"{path}:41: 'mesh': file not found: bones/no_such_file.ply" in messages


def test_invalid_yaml_reports_its_line(tmp_path):
    path = write(tmp_path, GOOD + "  - id: [unclosed\n")
    catalogue, errors = load_catalogue(path)
    assert len(catalogue) == 0
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:11: invalid YAML")


def test_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path):
    path = write(tmp_path, GOOD.replace("    side: right\n", "    side: right\n    side: left\n"))
    _, errors = load_catalogue(path)
    assert [str(e) for e in errors] == [f"{path}:7: invalid YAML: duplicate key 'side'"]


def test_wrong_top_level_and_missing_file(tmp_path):
    _, errors = load_catalogue(write(tmp_path, "- just a list\n"))
    assert "expected a mapping with 'structures:'" in str(errors[0])
    _, errors = load_catalogue(tmp_path / "absent.yaml")
    assert "cannot read file" in str(errors[0])
