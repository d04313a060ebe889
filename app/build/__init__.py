"""Regenerate ``meshes/`` from myo-sim and the CT pelvis of gias3.examples (``build`` extra).

Run ``psoas-atlas build-meshes`` (or ``make meshes``). The viewer itself never imports this
package: it reads the PLY files and JSON written here.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyvista as pv

from app.build import context, landmarks, pelvis, refine, source, spine, vertebrae
from app.build.muscles import Skeleton
from app.build.rectus import RectusFemorisBuilder
from app.build.soft_tissue import RECIPES, build_soft_tissue, load_recipe
from app.model.io import paths
from app.model.io.atomic import atomic_write_bytes, atomic_write_text

#: Triangle caps for refined bones (the rest keep all 16x): smooth at full screen, and the
#: whole scene renders fast with software OpenGL.
BONE_TRIANGLES = {
    "femur_left": 7000,
    "femur_right": 7000,
    "vertebra_t12": 5000,
    **{f"vertebra_l{i}": 5000 for i in range(1, 6)},
}

#: Triangles of the CT pelvis (about 8,000 per hip bone, 7,200 for the sacrum in the scan):
#: quadric decimation keeps the shape where the scene's triangle budget needs it.
PELVIS_TRIANGLES = {"hip_bone_right": 6500, "hip_bone_left": 6500, "sacrum": 7200}
#: CT bones softened before their decimation (refine.soften), and kept at the scan's own
#: triangle count: the sacrum's facets showed at 5,500 (median dihedral angle 10 degrees).
SOFTENED = ("sacrum",)
#: The licence notice carried inside every mesh file derived from the CT pelvis.
MPL_NOTICE = (
    "Derived from gias3.examples 3.0.0 (2007_5028_short_closedsacrum.wrl) by Psoas Atlas.",
    "This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.",
    "If a copy of the MPL was not distributed with this file, You can obtain one at",
    "https://mozilla.org/MPL/2.0/ (a copy ships as meshes/LICENSE.MPL-2.0).",
)
MPL_FILE = "LICENSE.MPL-2.0"

#: Low-detail copies for camera motion: ``meshes/lod/`` mirrors the other folders.
LOD_DIR = "lod"
LOD_FRACTION = 0.25

PROVENANCE: dict[str, Any] = {
    "source": {
        "package": "myo-sim",
        "model": source.MODEL_NAME,
        "licence": "Apache-2.0",
        "pose": "default (qpos0, mujoco.mj_forward)",
        "papers": [
            "Rajagopal A, Dembia CL, DeMers MS, Delp DD, Hicks JL, Delp SL. Full-body "
            "musculoskeletal model for muscle-driven simulation of human gait. IEEE Trans "
            "Biomed Eng. 2016;63(10):2068-79.",
            "Christophy M, Faruk Senan NA, Lotz JC, O'Reilly OM. A musculoskeletal model for "
            "the lumbar spine. Biomech Model Mechanobiol. 2012;11(1-2):19-34.",
            "Walia P, et al. MyoBack: a musculoskeletal model of the human back (MyoSuite), 2025.",
        ],
    },
    "frame": "RAS millimetres; origin at the midpoint of the two hip joint centres",
    "processing": [
        "model frame -> RAS: rotate 180 degrees about z, metres -> millimetres, shift",
        "pelvis (hip bones, sacrum): the CT pelvis of gias3.examples, named from its geometry, "
        "repaired (fins, doubled layers, bow-ties, holes) and smoothed (windowed sinc, "
        f"{pelvis.SMOOTHING_ITERATIONS} iterations, pass band {pelvis.SMOOTHING_PASS_BAND}); "
        "registered by one similarity on the model's hip joint centres and anterior pelvic "
        "plane; acetabula relieved around the model's femoral heads; the sacrum softened (Loop "
        f"subdivision x1, Taubin smoothing {refine.SOFTEN_ITERATIONS} iterations); quadric-decimated",
        "lumbar spine: posed with the lumbar model's extension joint and carried onto the CT "
        "sacrum (L5 on S1 across a wedged disc), trunk upright as in the default pose; the "
        "model's pelvis sites mapped onto the CT pelvis by a thin-plate spline on landmarks",
        f"bones: butterfly subdivision x{refine.SUBDIVISIONS} (interpolating), Taubin "
        f"smoothing {refine.SMOOTHING_ITERATIONS} iterations, pass band {refine.SMOOTHING_PASS_BAND}",
        "vertebra_t12: translated to sit on L1 along the L2-L1 axis with a "
        f"{spine.T12_L1_DISC_HEIGHT} mm disc (the source T12 overlaps L1 at the default pose)",
        "vertebrae L1-L5: each warped smoothly in its own frame to the morphometric table of "
        f"meshes/recipes/{vertebrae.RECIPE} (body widened laterally to the upper endplate width, "
        "blended out behind the posterior wall; transverse processes stretched where the table "
        "gives their span; spinous processes stretched back from the canal, a band about the "
        "midline, where the table gives their reach; each pedicle's lateral wall moved sideways, "
        "the canal kept, where the table gives its width), the model's sites on each vertebra moved "
        "with it, before the discs, landmarks and soft tissue are built (dimensions before and "
        "after: vertebral_proportions)",
        "discs: generated between the endplates found by rays along the spinal axis",
        "muscles: fascicles from the recipes in meshes/recipes/iliopsoas.yaml (origins on the "
        "myo-sim psoas sites and on the refined surfaces; the leg model's psoas path over the "
        "pelvic brim), blended distance field, carved out of bone, contoured, Taubin-smoothed",
        "rib_12: the 12th ribs, the pieces of the thorax model's rib cage nearest the quadratus "
        "lumborum's insertions on the 12th rib",
        "quadratus lumborum: the lumbar model's QL fascicles (iliac crest, L1-L4 transverse "
        "processes, T12, 12th rib) from meshes/recipes/quadratus_lumborum.yaml, blended, carved "
        "out of bone, contoured, Taubin-smoothed",
        "nerves: splines through the control points of meshes/recipes/lumbar_plexus.yaml, swept into tubes",
        "context skeleton (app/build/context.py): legs (patella, foot: talus, calcaneus, tarsals, "
        "metatarsals, phalanges) from the full-body model at rest, in the femurs' frame; tibia and "
        "fibula from the CT subject of gias3.examples (2008_1741_tibia_fibula.wrl, MPL-2.0), laid "
        "on the model's by one similarity (symmetric closest points; mirrored for the other side), "
        "the tibia seated under the femoral condyles across a knee joint space, the patella kept "
        "clear of the femur; the upper body (thoracic spine T1-T11, ribs 1-11 with the costal "
        "cartilages, sternum cut from them, cervical spine, skull with mandible, clavicles, "
        "scapulae, arms hanging, hands) carried with the lumbar spine and by T12's seating "
        "translation; each voxelised, carved out of the bones it meets at rest, contoured, "
        "Taubin-smoothed and decimated (ribs and sternum refined as the other model bones); "
        "the model's embossed logo on the sternum left out",
        "rectus femoris: fascicles from meshes/recipes/rectus_femoris.yaml (straight head at the "
        "leg model's recfem-P1 on the AIIS, reflected head above the acetabulum, over the front "
        "of the femur to the base of the patella), blended, carved out of bone, contoured; its "
        "path from the leg model's recfem-P1 over a femur knot to a tibia knot, placed so its "
        "length follows the leg model's recfem over hip and knee flexion (recipe: path)",
        f"lod/: every mesh decimated to {LOD_FRACTION:.0%} of its triangles (one of several bones "
        "piece by piece, as far as each stays closed), drawn while the camera moves",
    ],
    "command": "psoas-atlas build-meshes",
}


def _lod(mesh: pv.PolyData) -> pv.PolyData:
    """The low-detail version drawn while the camera moves (a third of the triangles)."""
    clean = pv.PolyData(mesh.points, faces=mesh.faces).clean()
    lod = refine.decimate_to(clean, int(clean.n_cells * LOD_FRACTION))  # stays manifold
    if lod.n_cells == clean.n_cells:  # several bones in one mesh (the hand): one at a time
        lod = context.decimate_pieces(clean, int(clean.n_cells * LOD_FRACTION))
    return lod


def _ply_bytes(mesh: pv.PolyData, comments: tuple[str, ...] = ()) -> bytes:
    """Binary PLY of a mesh's points and triangles, with ``comments`` in its header."""
    clean = pv.PolyData(mesh.points.astype("float32"), mesh.faces)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mesh.ply"
        clean.save(path, binary=True)
        data = path.read_bytes()
    header_end = data.index(b"\n", data.index(b"format ")) + 1
    lines = b"".join(f"comment {c}\n".encode("ascii") for c in comments)
    return data[:header_end] + lines + data[header_end:]


def _femoral_heads(bones: dict[str, pv.PolyData], points: dict[str, list[float]]) -> dict[str, object]:
    """The sphere of each femoral head (what the iliopsoas wraps over), fitted to the bone."""
    out: dict[str, object] = {}
    for side in ("right", "left"):
        centre, radius = source.femoral_head(
            bones[f"femur_{side}"], np.asarray(points[f"hip_joint_center_{side}"])
        )
        out[side] = {"centre": [round(float(c), 2) for c in centre], "radius": round(float(radius), 2)}
    return out


def build_meshes(out_dir: Path, recipes_dir: Path | None = None) -> dict[str, object]:
    """Write bones, discs, muscles, nerves, landmarks, attachments and provenance into ``out_dir``.

    The soft tissue follows the recipes in ``recipes_dir`` (default ``meshes/recipes``).
    Returns the provenance record.
    """
    recipes_dir = Path(recipes_dir or paths.meshes_dir() / "recipes")
    src = source.load_source()
    bones = {sid: refine.refine(mesh, BONE_TRIANGLES.get(sid)) for sid, mesh in src.bones.items()}
    for sid, mesh in src.pelvis.items():
        mesh = refine.soften(mesh) if sid in SOFTENED else mesh
        bones[sid] = refine.decimate_to(mesh, PELVIS_TRIANGLES[sid]).compute_normals(
            auto_orient_normals=True, split_vertices=False
        )
    shift = spine.seat_t12(bones["vertebra_t12"], bones["vertebra_l1"], bones["vertebra_l2"])
    bones["vertebra_t12"] = bones["vertebra_t12"].translate(shift)
    bodies = {f"vertebra_{lvl}": spine.measure_body(bones[f"vertebra_{lvl}"]) for lvl in spine.LEVELS}
    bones, sites, proportions = vertebrae.morph(
        bones,
        bodies,
        spine.spinal_axes(bodies),
        src.sites,
        src.site_bones,
        vertebrae.load_table(recipes_dir),
    )
    bodies = {f"vertebra_{lvl}": spine.measure_body(bones[f"vertebra_{lvl}"]) for lvl in spine.LEVELS}
    axes = spine.spinal_axes(bodies)
    discs = {
        disc_id: spine.build_disc(bones[upper], bones[lower], bodies[upper], axes[upper])
        for disc_id, (upper, lower) in spine.DISCS.items()
    }

    around = context.build(src.context, shift, bones)
    points = landmarks.compute_landmarks(bones, bodies, sites, src.s1_endplate)
    leg_points, leg_checks = context.leg_landmarks({**bones, **around.bones}, sites)
    points.update({name: [round(float(c), 2) for c in p] for name, p in leg_points.items()})
    skeleton = Skeleton(
        bones={**bones, **discs},
        bodies=bodies,
        sites=sites,
        landmarks={k: np.array(v) for k, v in points.items()},
    )
    tissue = build_soft_tissue(skeleton, recipes_dir)
    with_context = Skeleton({**skeleton.bones, **around.bones}, bodies, sites, skeleton.landmarks)
    rectus = load_recipe(recipes_dir, "rectus_femoris.yaml")
    for side in landmarks.SIDES:
        builder = RectusFemorisBuilder(with_context, rectus, side)
        tissue.muscles[f"rectus_femoris_{side}"] = builder.muscle()
        tissue.attachments.extend(builder.attachments)
        tissue.paths.update(builder.paths())
        tissue.centrelines[f"rectus_femoris_{side}"] = builder.centreline()

    checksums: dict[str, str] = {}
    groups = (
        ("bones", {**bones, **around.bones}),
        ("discs", discs),
        ("muscles", tissue.muscles),
        ("nerves", tissue.nerves),
    )
    for group, meshes in groups:
        for sid, mesh in meshes.items():
            notice = MPL_NOTICE if sid in src.pelvis else context.CT_NOTICE if sid in around.ct_ids else ()
            for rel, data in (
                (f"{group}/{sid}.ply", _ply_bytes(mesh, notice)),
                (f"{LOD_DIR}/{group}/{sid}.ply", _ply_bytes(_lod(mesh), notice)),
            ):
                atomic_write_bytes(out_dir / rel, data)
                checksums[rel] = hashlib.sha256(data).hexdigest()

    points.update({name: [round(float(c), 2) for c in p] for name, p in tissue.landmarks.items()})
    documents = {
        "landmarks.json": {"units": "mm", "frame": "RAS", "landmarks": points},
        "attachments.json": {
            "units": "mm",
            "frame": "RAS",
            "attachments": [a.as_json() for a in tissue.attachments],
        },
        "paths.json": {
            "units": "mm",
            "frame": "RAS",
            "femoral_heads": _femoral_heads(bones, points),
            "muscles": tissue.paths,
        },
        "centrelines.json": {
            "units": "mm",
            "frame": "RAS",
            "centrelines": {
                k: [[round(float(c), 2) for c in p] for p in line] for k, line in tissue.centrelines.items()
            },
        },
    }
    for name, document in documents.items():
        text = json.dumps(document, indent=1) + "\n"
        atomic_write_text(out_dir / name, text)
        checksums[name] = hashlib.sha256(text.encode()).hexdigest()
    atomic_write_text(out_dir / MPL_FILE, src.pelvis_licence)
    checksums[MPL_FILE] = hashlib.sha256(src.pelvis_licence.encode()).hexdigest()
    for recipe in RECIPES:
        checksums[f"recipes/{recipe}"] = hashlib.sha256((recipes_dir / recipe).read_bytes()).hexdigest()

    provenance: dict[str, object] = dict(PROVENANCE)
    provenance["source"] = {**PROVENANCE["source"], "version": src.package_version}
    provenance["tools"] = {
        "mujoco": src.mujoco_version,
        "pyvista": pv.__version__,
        "python": platform.python_version(),
    }
    provenance["ct_pelvis"] = src.assembly["ct_pelvis"]
    provenance["assembly"] = {k: v for k, v in src.assembly.items() if k != "ct_pelvis"}
    provenance["t12_translation_mm"] = [round(float(c), 2) for c in shift]
    provenance["vertebral_proportions"] = proportions
    provenance["context_skeleton"] = {
        **around.record,
        "source": "myo-sim full-body model (Apache-2.0), except the CT tibia and fibula (MPL-2.0)",
        "triangles": {sid: int(mesh.n_cells) for sid, mesh in sorted(around.bones.items())},
        "joint_centres": leg_checks,
    }
    provenance["files"] = dict(sorted(checksums.items()))
    atomic_write_text(out_dir / "PROVENANCE.json", json.dumps(provenance, indent=2) + "\n")
    return provenance
