"""The context skeleton (issue 30): the bones around the psoas, and the rectus femoris.

Checked as geometric relations on the shipped meshes: every bone is there and closed, lies
where it belongs (the tibia under the femur, the knee's centre between the condyles and
the plateau, the feet at the bottom, the skull on top), no two bones that meet at rest pass
through each other, and the rectus femoris runs from the AIIS to the patella.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.build.context import penetration
from app.model.io import paths
from tests.shapes import distance

SIDES = {"right": 1.0, "left": -1.0}
SIDED = ("tibia", "fibula", "patella", "foot", "clavicle", "scapula", "humerus", "radius", "ulna", "hand")
MIDLINE = ("rib_cage", "sternum", "thoracic_spine", "cervical_spine", "skull")
CONTEXT = (*(f"{b}_{s}" for b in SIDED for s in SIDES), *MIDLINE)
UPPER = (
    *MIDLINE,
    *(f"{b}_{s}" for b in ("clavicle", "scapula", "humerus", "radius", "ulna", "hand") for s in SIDES),
)
#: How deep (mm) one bone may reach into another at rest: decimation's facets.
TOLERANCE = 2.0
LEG_LANDMARKS = (
    "knee_joint_center",
    "femoral_epicondyle_lateral",
    "femoral_epicondyle_medial",
    "ankle_joint_center",
    "malleolus_lateral",
    "malleolus_medial",
    "heel",
    "first_metatarsal_head",
    "fifth_metatarsal_head",
    "toe_tip",
    "patella_center",
    "tibial_tuberosity",
    "anterior_inferior_iliac_spine",
)


def test_the_catalogue_lists_every_context_bone_and_the_rectus_femoris(catalogue):
    ids = {s.id for s in catalogue}
    assert set(CONTEXT) <= ids
    assert {"rectus_femoris_right", "rectus_femoris_left"} <= ids
    groups = {s.id: s.group.value for s in catalogue}
    assert {groups[i] for i in CONTEXT} == {"Context skeleton"}
    assert {s.kind.value for s in catalogue if s.id in CONTEXT} == {"bone"}


def test_context_bones_are_closed_and_few_triangles(meshes):
    total = 0
    for sid in CONTEXT:
        mesh = meshes[sid]
        assert mesh.is_manifold and mesh.n_open_edges == 0, f"{sid} is not a closed surface"
        total += mesh.n_cells
    assert total < 45_000, f"the context bones have {total} triangles"


def test_legs_hang_below_the_femurs_to_feet_at_the_bottom(meshes, landmarks):
    for side, sign in SIDES.items():
        femur, tibia = meshes[f"femur_{side}"], meshes[f"tibia_{side}"]
        fibula, foot = meshes[f"fibula_{side}"], meshes[f"foot_{side}"]
        assert tibia.bounds[5] < femur.bounds[4] + 40  # the plateau at the condyles
        assert 330 < tibia.bounds[5] - tibia.bounds[4] < 450, "tibia length not adult"
        assert (fibula.center[0] - tibia.center[0]) * sign > 5  # the fibula is lateral
        assert foot.bounds[4] < tibia.bounds[4]
        for sid, mesh in meshes.items():
            if sid != f"foot_{side}" and not sid.startswith("foot_"):
                assert mesh.bounds[4] > foot.bounds[4] - 1, f"{sid} reaches below the feet"
        knee = np.array(landmarks[f"knee_joint_center_{side}"])
        condyles_low = femur.bounds[4]
        assert condyles_low - 5 < knee[2] < condyles_low + 45, "knee centre not in the condyles"
        lateral = np.array(landmarks[f"femoral_epicondyle_lateral_{side}"])
        medial = np.array(landmarks[f"femoral_epicondyle_medial_{side}"])
        assert np.allclose(knee, (lateral + medial) / 2, atol=0.05)
        assert 60 < (lateral[0] - medial[0]) * sign < 110, "epicondylar width not adult"
        plateau = np.asarray(tibia.points)
        plateau_top = plateau[:, 2].max()
        assert plateau_top < knee[2] < plateau_top + 40, "knee centre not above the plateau"
        ankle = np.array(landmarks[f"ankle_joint_center_{side}"])
        assert np.linalg.norm(ankle[:2] - knee[:2]) < 40  # the leg roughly vertical at rest
        heel, toe = np.array(landmarks[f"heel_{side}"]), np.array(landmarks[f"toe_tip_{side}"])
        assert toe[1] - heel[1] > 200, "the foot is not an adult foot pointing forward"
        assert heel[2] < ankle[2] - 30


def test_skull_on_top_and_upper_body_clear_of_spine_pelvis_and_thighs(meshes):
    skull = meshes["skull"]
    assert skull.bounds[5] == max(m.bounds[5] for m in meshes.values())
    assert meshes["thoracic_spine"].bounds[4] > meshes["vertebra_t12"].center[2]
    below = [f"vertebra_l{i}" for i in range(1, 6)] + ["sacrum", "vertebra_t12"]
    below += [f"{b}_{s}" for b in ("hip_bone", "femur", "rib_12") for s in SIDES]
    for upper in UPPER:
        for other in below:
            assert penetration(meshes[upper], meshes[other]) < TOLERANCE, f"{upper} passes through {other}"


@pytest.mark.parametrize(
    "pair",
    [
        (a.format(side=s), b.format(side=s))
        for s in SIDES
        for a, b in (
            ("femur_{side}", "tibia_{side}"),
            ("femur_{side}", "patella_{side}"),
            ("femur_{side}", "fibula_{side}"),
            ("tibia_{side}", "fibula_{side}"),
            ("tibia_{side}", "foot_{side}"),
            ("fibula_{side}", "foot_{side}"),
            ("humerus_{side}", "scapula_{side}"),
            ("humerus_{side}", "ulna_{side}"),
            ("humerus_{side}", "radius_{side}"),
            ("ulna_{side}", "radius_{side}"),
            ("radius_{side}", "hand_{side}"),
            ("clavicle_{side}", "scapula_{side}"),
            ("scapula_{side}", "rib_cage"),
        )
    ]
    + [("rib_cage", "sternum"), ("rib_cage", "thoracic_spine"), ("cervical_spine", "skull")],
    ids=lambda p: f"{p[0]}/{p[1]}",
)
def test_no_bone_passes_through_its_neighbour_at_rest(meshes, pair):
    a, b = pair
    assert penetration(meshes[a], meshes[b]) < TOLERANCE


def test_the_femoral_condyles_clear_the_tibial_plateau(meshes):
    for side in SIDES:
        femur, tibia = meshes[f"femur_{side}"], meshes[f"tibia_{side}"]
        top = np.asarray(tibia.points)
        top = top[top[:, 2] > top[:, 2].max() - 20]
        gaps = distance(femur, top)
        assert 2.0 < gaps.min() < 9.0, f"knee joint space {gaps.min():.1f} mm"


def test_leg_landmarks_are_written_for_both_sides(landmarks):
    for name in LEG_LANDMARKS:
        for side in SIDES:
            assert f"{name}_{side}" in landmarks, name


def test_rectus_femoris_runs_from_the_aiis_to_the_patella(attachments, meshes, landmarks):
    paths_doc = json.loads(paths.paths_file().read_text())
    for side in SIDES:
        muscle = meshes[f"rectus_femoris_{side}"]
        ours = [a for a in attachments if a.muscle == f"rectus_femoris_{side}"]
        assert {(a.role, a.bone) for a in ours} == {
            ("origin", f"hip_bone_{side}"),
            ("insertion", f"patella_{side}"),
        }
        for a in ours:
            points = np.array(a.points)
            assert np.abs(distance(meshes[a.bone], points)).max() < 0.5, a.name
            assert np.abs(distance(muscle, points)).min() < 3.0, a.name
        aiis = np.array(landmarks[f"anterior_inferior_iliac_spine_{side}"])
        asis = np.array(landmarks[f"asis_{side}"])
        assert 10 < asis[2] - aiis[2] < 60, "the AIIS is not below the ASIS"
        patella = meshes[f"patella_{side}"]
        assert muscle.bounds[4] < patella.bounds[5] and muscle.bounds[5] > aiis[2] - 5
        # Down the front of the thigh: in front of the femur at mid-thigh.
        femur = np.asarray(meshes[f"femur_{side}"].points)
        mid = (aiis[2] + patella.bounds[5]) / 2
        femur_front = femur[np.abs(femur[:, 2] - mid) < 5][:, 1].max()
        belly = np.asarray(muscle.points)
        assert belly[np.abs(belly[:, 2] - mid) < 5][:, 1].min() > femur_front
        (line,) = paths_doc["muscles"][f"rectus_femoris_{side}"]
        # From the pelvis, over the femur, to the tibia (whose knots turn with the knee).
        assert [k["bone"] for k in line["knots"]] == [f"hip_bone_{side}", f"femur_{side}", f"tibia_{side}"]
