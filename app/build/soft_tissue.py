"""Build both sides' muscles, ligament and nerves from the recipes in ``meshes/recipes/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyvista as pv
import yaml

from app.build.landmarks import SIDES
from app.build.muscles import Attachment, IliopsoasBuilder, Skeleton
from app.build.nerves import NerveBuilder
from app.build.quadratus import QuadratusLumborumBuilder

#: Every recipe the build reads (PROVENANCE.json records their checksums); vertebrae.yaml is
#: the bones' (app/build/vertebrae.py), rectus_femoris.yaml app/build/rectus.py's.
RECIPES = (
    "iliopsoas.yaml",
    "quadratus_lumborum.yaml",
    "lumbar_plexus.yaml",
    "vertebrae.yaml",
    "rectus_femoris.yaml",
)


@dataclass
class SoftTissue:
    muscles: dict[str, pv.PolyData] = field(default_factory=dict)
    nerves: dict[str, pv.PolyData] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    centrelines: dict[str, np.ndarray] = field(default_factory=dict)
    landmarks: dict[str, np.ndarray] = field(default_factory=dict)
    #: Each muscle's fascicle paths (IliopsoasBuilder.paths).
    paths: dict[str, list[dict]] = field(default_factory=dict)


def load_recipe(recipes_dir: Path, name: str) -> dict:
    with open(Path(recipes_dir) / name, encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def build_soft_tissue(skeleton: Skeleton, recipes_dir: Path) -> SoftTissue:
    """Muscles first (the nerves are placed relative to them), then the plexus and branches."""
    iliopsoas = load_recipe(recipes_dir, "iliopsoas.yaml")
    plexus = load_recipe(recipes_dir, "lumbar_plexus.yaml")
    quadratus = load_recipe(recipes_dir, "quadratus_lumborum.yaml")
    out = SoftTissue()
    for side in SIDES:
        muscles = IliopsoasBuilder(skeleton, iliopsoas, side)
        psoas = muscles.psoas_major()
        iliacus = muscles.iliacus()
        ligament, ligament_line = muscles.inguinal_ligament()
        out.muscles[f"psoas_major_{side}"] = psoas
        out.muscles[f"iliacus_{side}"] = iliacus
        out.muscles[f"psoas_minor_{side}"] = muscles.psoas_minor()
        out.muscles[f"inguinal_ligament_{side}"] = ligament
        out.centrelines[f"inguinal_ligament_{side}"] = ligament_line
        out.attachments.extend(muscles.attachments)
        out.paths.update(muscles.paths())
        out.landmarks[f"iliopubic_eminence_{side}"] = muscles.iliopubic_eminence()

        back = QuadratusLumborumBuilder(skeleton, quadratus, side)
        ql = back.muscle()
        out.muscles[f"quadratus_lumborum_{side}"] = ql
        out.attachments.extend(back.attachments)

        nerves = NerveBuilder(skeleton, plexus, side, psoas, iliacus, ligament_line, ql)
        mesh, _ = nerves.plexus()
        out.nerves[f"lumbar_plexus_{side}"] = mesh
        for nerve_id, (nerve_mesh, curve, _roots) in nerves.nerves().items():
            out.nerves[nerve_id] = nerve_mesh
            out.centrelines[nerve_id] = curve
        out.landmarks[f"obturator_canal_{side}"] = nerves.obturator_canal
        out.landmarks[f"intervertebral_foramen_l5_s1_{side}"] = nerves.point({"foramen": "l5_s1"})
    return out
