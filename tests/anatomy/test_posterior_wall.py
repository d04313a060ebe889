"""The posterior abdominal wall behind the psoas: the quadratus lumborum, the 12th ribs and
the nerves that lie on them, checked as geometric relations that can fail.

References: Gray's Anatomy 42nd ed. (2020), posterior abdominal wall; Moore, Dalley & Agur,
Clinically Oriented Anatomy 8th ed. (2018), chapter 5.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.model.io import paths
from tests.shapes import distance, inside

SIDES = {"right": 1.0, "left": -1.0}
ON_QL = ("subcostal_nerve", "iliohypogastric_nerve", "ilioinguinal_nerve")


@pytest.fixture(scope="module")
def centrelines():
    data = json.loads((paths.meshes_dir() / "centrelines.json").read_text())
    return {k: np.array(v) for k, v in data["centrelines"].items()}


def centroid_at(mesh, z: float) -> np.ndarray:
    cut = mesh.slice(normal="z", origin=(0, 0, z))
    assert cut.n_points, f"no cross-section at z={z:.0f}"
    return np.asarray(cut.points).mean(axis=0)


def test_quadratus_lumborum_lies_behind_the_psoas_and_lateral_to_the_transverse_processes(meshes, landmarks):
    for side, sign in SIDES.items():
        ql, psoas = meshes[f"quadratus_lumborum_{side}"], meshes[f"psoas_major_{side}"]
        for level in ("l2", "l3", "l4"):
            z = landmarks[f"vertebral_body_center_{level}"][2]
            back, front = centroid_at(ql, z), centroid_at(psoas, z)
            assert back[1] < front[1] - 10, f"{level}: the quadratus lumborum is not behind the psoas"
            assert back[0] * sign > front[0] * sign, f"{level}: it is not lateral to the psoas"
            vertebra = meshes[f"vertebra_{level}"].points
            band = vertebra[np.abs(vertebra[:, 2] - z) < 12]
            tip = (band[:, 0] * sign).max()  # the transverse process' tip at this level
            assert back[0] * sign > tip - 5, f"{level}: it is not lateral to the transverse processes"


def test_quadratus_lumborum_spans_iliac_crest_to_12th_rib_and_l1_l4_processes(attachments):
    for side in SIDES:
        mine = [a for a in attachments if a.muscle == f"quadratus_lumborum_{side}"]
        assert {(a.role, a.bone) for a in mine} == {
            ("origin", f"hip_bone_{side}"),
            ("insertion", f"rib_12_{side}"),
            ("insertion", "vertebra_t12"),
            *(("insertion", f"vertebra_l{i}") for i in range(1, 5)),
        }
        crest = next(a for a in mine if a.role == "origin")
        rib = next(a for a in mine if a.bone == f"rib_12_{side}")
        assert np.array(rib.points)[:, 2].min() > np.array(crest.points)[:, 2].max() + 80


def test_12th_rib_hangs_from_t12(meshes, landmarks):
    for side, sign in SIDES.items():
        rib = meshes[f"rib_12_{side}"]
        head = rib.points[np.argmin(rib.points[:, 0] * sign)]
        assert abs(distance(meshes["vertebra_t12"], head)[0]) < 6.0, "the rib's head is off T12"
        assert (rib.points[:, 0] * sign).max() > 50, "the rib does not reach out to the side"
        assert rib.points[:, 1].mean() < landmarks["vertebral_body_center_t12"][1], "the rib is not behind"


def test_nerves_cross_in_front_of_the_quadratus_lumborum(meshes, centrelines):
    for side in SIDES:
        ql, psoas = meshes[f"quadratus_lumborum_{side}"], meshes[f"psoas_major_{side}"]
        for nerve in ON_QL:
            crossing = 0
            curve = centrelines[f"{nerve}_{side}"]
            # Everywhere out of the psoas, from the foramen on: the subcostal nerve once ran
            # 8-12 mm behind a slip of the muscle to the side of T12's body.
            for point in curve[~inside(psoas, curve)]:
                ahead = np.array([0.0, 300.0, 0.0])
                hits = ql.ray_trace(point + ahead, point - ahead)[0]
                if len(hits):
                    crossing += 1
                    assert point[1] > hits[:, 1].max() - 0.5, f"{nerve}_{side} passes behind or through it"
            assert crossing >= 5, f"{nerve}_{side} never crosses the quadratus lumborum"


def test_subcostal_nerve_runs_below_the_12th_rib_from_the_t12_l1_foramen(meshes, centrelines, landmarks):
    for side, sign in SIDES.items():
        curve = centrelines[f"subcostal_nerve_{side}"]
        foramen = np.array(landmarks[f"intervertebral_foramen_t12_l1_{side}"])
        assert np.linalg.norm(curve[0] - foramen) < 3.0
        rib = meshes[f"rib_12_{side}"].points
        for point in curve:
            under = rib[np.abs(rib[:, 0] - point[0]) < 3]
            if len(under):
                assert point[2] < under[:, 2].max(), f"subcostal_nerve_{side} runs above its rib"
        assert (curve[:, 0] * sign).max() > 80, "the nerve does not reach the side of the abdomen"


def test_new_structures_stay_out_of_bone(meshes, centrelines):
    for side in SIDES:
        bones = [meshes[f"vertebra_{lvl}"] for lvl in ("t12", "l1", "l2", "l3", "l4", "l5")]
        bones += [meshes[f"hip_bone_{side}"], meshes[f"rib_12_{side}"], meshes["sacrum"]]
        for bone in bones:
            depth = -distance(bone, meshes[f"quadratus_lumborum_{side}"].points[::5]).min()
            assert depth < 1.0, f"quadratus_lumborum_{side} runs {depth:.1f} mm into bone"
            depth = -distance(bone, centrelines[f"subcostal_nerve_{side}"]).min()
            assert depth < 1.0, f"subcostal_nerve_{side} runs {depth:.1f} mm into bone"


def test_every_muscle_is_closed_without_holes(meshes, catalogue):
    for structure in catalogue:
        if structure.kind.value == "muscle":
            mesh = meshes[structure.id]
            assert mesh.n_open_edges == 0 and mesh.is_manifold, f"{structure.id} has holes"
