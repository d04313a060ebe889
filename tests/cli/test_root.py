"""The data set is a parameter (``--root``, ``Atlas.load(root)``): two can be open in one
process, and a command reads the one it is given."""

from __future__ import annotations

import json

from app.model.atlas import Atlas
from app.model.io import paths
from tests.commands import one_line_error, run_cli


def _without(root, structure_id: str) -> None:
    """Leave one structure out of a copy's catalogue (a comment keeps its lines numbered)."""
    path = paths.structures_file(root)
    text = path.read_text(encoding="utf-8")
    assert f"id: {structure_id}\n" in text
    path.write_text(text.replace(f"id: {structure_id}\n", f"id: {structure_id}_gone\n"), encoding="utf-8")


def test_two_data_sets_side_by_side(data_root):
    shipped = Atlas.load()
    copy = Atlas.load(data_root)
    assert copy.meshes_dir == data_root / "meshes" and copy.annotations_dir == data_root / "annotations"
    assert shipped.meshes_dir == paths.shipped_root() / "meshes"
    assert list(copy.catalogue.ids) == list(shipped.catalogue.ids) and not copy.problems


def test_list_reads_the_root_it_is_given(data_root):
    _without(data_root, "psoas_minor_right")
    paths.centrelines_file(data_root).write_text("{", encoding="utf-8")
    shipped = run_cli("list", "--json")
    damaged = run_cli("list", "--json", root=data_root)
    assert shipped.returncode == 0 and shipped.stderr == "", shipped.stderr
    assert damaged.returncode == 1
    ids = {row["id"] for row in json.loads(shipped.stdout)}
    damaged_ids = {row["id"] for row in json.loads(damaged.stdout)}
    assert "psoas_minor_right" in ids and "psoas_minor_right" not in damaged_ids
    assert (
        f"warning: {paths.centrelines_file(data_root)}" in damaged.stderr
    )  # the copy's file, not the shipped one


def test_a_root_that_is_not_a_folder_is_one_line(tmp_path):
    result = run_cli("list", root=tmp_path / "missing")
    assert result.returncode == 2
    assert "argument --root: not a folder" in one_line_error(result)


def test_an_empty_root_has_nothing_to_show(tmp_path):
    result = run_cli("list", root=tmp_path)
    assert result.returncode == 2
    assert one_line_error(result).startswith("psoas-atlas: error: no structures to show")


def test_pictures_draw_the_meshes_of_the_root_they_are_given(data_root, tmp_path):
    """The renderer read the shipped meshes whatever ``--root`` said: a data set whose right
    femur is elsewhere was drawn with the shipped femur (and exported, and benched so)."""
    import numpy as np
    import pyvista as pv
    from PIL import Image

    from app.qt.file_actions import annotations_dir
    from app.render.snapshot import Exporter

    femur = data_root / "meshes" / "bones" / "femur_right.ply"
    pv.read(femur).translate((0.0, 0.0, 150.0)).save(femur)  # raised 15 cm: through the pelvis
    atlas = Atlas.load(data_root)
    assert not atlas.problems
    with Exporter(atlas.scene()) as exporter:
        assert exporter.renderer.meshes_dir == data_root / "meshes"
        # where the window's Open Lesson and Open Quiz dialogs start (the shipped folders before)
        assert annotations_dir(exporter.renderer) == data_root / "annotations"
        drawn = exporter.renderer.actors["femur_right"].GetBounds()
    assert drawn[5] > pv.read(paths.meshes_dir() / "bones" / "femur_right.ply").bounds[5] + 140

    pictures = []
    for name, root in (("shipped.png", None), ("moved.png", data_root)):
        result = run_cli("screenshot", str(tmp_path / name), "--size", "320x180", root=root)
        assert result.returncode == 0, result.stderr
        pictures.append(np.asarray(Image.open(tmp_path / name).convert("RGB"), dtype=int))
    changed = (np.abs(pictures[0] - pictures[1]).sum(axis=2) > 60).mean()
    assert changed > 0.02, f"the moved femur is not drawn ({changed:.1%} of the pixels changed)"
