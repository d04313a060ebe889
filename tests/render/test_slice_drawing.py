"""The slice view's drawing and the measures it shows, checked against the meshes
themselves by other means than the ones that made them (VTK's clipping, not trimesh and
shapely): areas, where each nerve is, and what the picture shows where."""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvista as pv
import shapely
from matplotlib.figure import Figure
from PIL import Image

from app.model.atlas import Atlas
from app.model.io import paths
from app.model.scene.palette import rgb
from app.render.slice_drawing import DPI, draw_slice, short_citation, slice_bytes, title_of


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load(teaching=True)


@pytest.fixture(scope="module")
def l4_l5(atlas):
    scene = atlas.scene()
    return scene, scene.slice(scene.sections.at("L4_L5"))


def mesh_of(atlas, sid: str) -> pv.PolyData:
    return pv.read(paths.meshes_dir() / atlas.catalogue[sid].mesh).triangulate().clean()


def area_by_volumes(mesh: pv.PolyData, z: float, h: float = 0.5) -> float:
    """A closed surface's cross-section at height z (cm²): how fast the volume above the
    plane shrinks as it rises, from VTK's closed clipping (no trimesh, no shapely)."""

    def above(height: float) -> float:
        return mesh.clip_closed_surface(normal=(0, 0, 1), origin=(0, 0, height)).volume

    return (above(z - h) - above(z + h)) / (2 * h) / 100.0


@pytest.mark.parametrize(
    "sid", ["psoas_major_right", "psoas_major_left", "iliacus_right", "disc_l4_l5", "vertebra_l5"]
)
def test_areas_agree_with_the_volumes_of_the_meshes(atlas, l4_l5, sid):
    _, piece = l4_l5
    z = float(piece.frame.origin[2])
    assert piece.frame.normal[2] == pytest.approx(1.0)
    expected = area_by_volumes(mesh_of(atlas, sid), z)
    assert expected > 1.0
    assert piece.cuts[sid].area_cm2 == pytest.approx(expected, rel=0.03)


def test_psoas_area_is_near_the_published_one(atlas, l4_l5):
    """Reid et al. (1994) measured 16 cm² at L4/L5 on MRI: the atlas' psoas is within 20%."""
    _, piece = l4_l5
    (published,) = [a for a in atlas.section_facts.published("psoas_major_right") if a.level == "L4_L5"]
    for side in ("right", "left"):
        assert piece.cuts[f"psoas_major_{side}"].area_cm2 == pytest.approx(published.cm2, rel=0.2)


def inside(mesh: pv.PolyData, point) -> bool:
    """VTK's point-in-surface test (a ray-cast cell locator), beside trimesh's cut."""
    probe = pv.PolyData(np.array([point], dtype=float))
    marked = probe.select_interior_points(mesh, method="cell_locator", check_surface=False)
    return bool(marked["selected_points"][0])


def test_nerve_positions_agree_with_the_meshes(atlas, l4_l5):
    """Each nerve's dot lies in (or on) its own mesh, and "inside psoas major" is said of a
    nerve exactly when its point is inside the psoas mesh of its side."""
    _, piece = l4_l5
    said_inside = {nid for nid, place in piece.nerves.items() if place.inside}
    assert {"femoral_nerve_right", "femoral_nerve_left", "lumbar_plexus_right"} <= said_inside
    psoas = {side: mesh_of(atlas, f"psoas_major_{side}") for side in ("right", "left")}
    for nid, place in piece.nerves.items():
        nerve = mesh_of(atlas, nid)
        distance = abs(
            nerve.compute_implicit_distance(pv.PolyData(np.array([place.centroid])))["implicit_distance"][0]
        )
        assert inside(nerve, place.centroid) or distance < 0.5, nid
        side = "right" if nid.endswith("_right") else "left"
        in_psoas = inside(psoas[side], place.centroid)
        assert in_psoas == (place.inside == f"psoas_major_{side}"), (nid, place)


def drawn(piece, atlas, size=(1000, 800), **options) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    draw_slice(piece, atlas.catalogue, atlas.section_facts, atlas.library.sources, figure=figure, **options)
    image = np.asarray(Image.open(io.BytesIO(slice_bytes(figure, ".png"))).convert("RGB"))
    return figure, image


def pixels_inside(figure: Figure, shape, image_height: int, avoid=()) -> np.ndarray:
    """Pixel (row, column) of grid points well inside ``shape``, away from ``avoid``."""
    (axes,) = [a for a in figure.axes if a.get_label() == "section"]
    core = shape.buffer(-2.5).difference(shapely.union_all([a.buffer(4) for a in avoid]))
    left, bottom, right, top = core.bounds
    grid = [(u, v) for u in np.linspace(left, right, 15) for v in np.linspace(bottom, top, 15)]
    points = np.array([p for p in grid if core.contains(shapely.Point(p))])
    xy = axes.transData.transform(points)
    return np.column_stack([image_height - xy[:, 1], xy[:, 0]]).astype(int)


def test_the_picture_shows_the_psoas_where_it_was_cut(atlas, l4_l5):
    """Map the psoas' face into pixels: it is painted in the psoas' colour there, right on
    the picture's left (seen from below), and the title names the level."""
    scene, piece = l4_l5
    figure, image = drawn(piece, atlas)
    assert image.shape == (800, 1000, 3)
    psoas = scene.catalogue["psoas_major_right"].color
    nerves = [
        place
        for place in piece.cuts.values()
        if place.structure.endswith(("nerve_right", "plexus_right", "trunk_right"))
    ]
    spots = pixels_inside(figure, piece.cuts["psoas_major_right"].shape, 800, [c.shape for c in nerves])
    assert len(spots) > 20
    colours = image[spots[:, 0], spots[:, 1]].astype(float)
    close = np.abs(colours - np.array(rgb(psoas)) * 255).max(axis=1) < 40
    assert close.mean() > 0.8
    assert spots[:, 1].mean() < 500, "the right psoas is drawn on the left, as CT shows it"
    assert "L4/L5" in title_of(piece) and "below" in title_of(piece)


def test_safe_zones_drawn_at_a_disc_level_and_said_elsewhere(atlas):
    scene = atlas.scene()
    piece = scene.slice(scene.sections.at("L4_L5"))
    plain, with_zones = drawn(piece, atlas)[1], drawn(piece, atlas, safe_zones=True)[1]
    green = np.array(rgb("#1a9850")) * 255
    assert (np.abs(with_zones.astype(float) - green).max(axis=2) < 30).sum() > 200
    assert (np.abs(plain.astype(float) - green).max(axis=2) < 30).sum() < 20
    figure = drawn(piece, atlas, safe_zones=True)[0]
    words = " ".join(t.get_text() for t in figure.texts)
    assert "Uribe" in words and "junction of zones II and III" in words
    vertebra = scene.slice(scene.sections.at("L1"))
    figure = drawn(vertebra, atlas, safe_zones=True)[0]
    assert "defined at the disc spaces" in " ".join(t.get_text() for t in figure.texts)


def test_short_citation_reads_the_bibliography(atlas):
    assert short_citation("reid1994", atlas.library.sources) == "Reid et al. 1994"
    assert short_citation("uribe2010", atlas.library.sources) == "Uribe et al. 2010"
    assert short_citation("nowhere", {}) == "nowhere"
