"""Measure the CT-derived mean lumbar spine of Clouthier et al. 2023 as the build measures ours.

A developer tool, run by hand (not by the build or the tests) to fill
``app/data/meshes/recipes/vertebrae.yaml``:

    PYTHONPATH=. .venv/bin/python scripts/measure_clouthier_mean_lumbar.py PATH

PATH is a clone of https://github.com/aclouthier/morphable-lumbar-model (MIT licence) or a
bare git mirror of it. Its ``SSM/meanMesh_vertices.csv`` and ``meanMesh_faces.csv`` are the
mean shape of 87 patients' L2-L5 (Clouthier AL, Wenghofer J, Wai EK, Graham RB. J Biomech
2023;146:111421), in millimetres, faces numbered from 1 (the repository's own
``LumbarMorphableModel.py`` subtracts 1), x anterior, z superior.

The mesh falls apart into four vertebrae (connected components), ordered by height into L2
to L5. Each is turned into the build's axes (x lateral, y anterior, z superior: a proper
rotation, so nothing is mirrored) and measured by ``app.build.vertebrae.measure`` with the
body found by ``app.build.spine.measure_body`` and the spinal axis by
``app.build.spine.spinal_axes``'s central differences of the body centres, so that "width",
"depth", "height" and "span" mean here what they mean in the build and its record. Prints
a YAML block.
"""

from __future__ import annotations

import argparse
import io
import subprocess
from pathlib import Path

import numpy as np
import pyvista as pv
import yaml

from app.build.spine import measure_body
from app.build.vertebrae import measure

LEVELS = ("l2", "l3", "l4", "l5")
MESH_FILES = ("SSM/meanMesh_vertices.csv", "SSM/meanMesh_faces.csv")
#: The SSM's axes (x anterior, y lateral, z superior) into the build's (x lateral, y anterior,
#: z superior): a quarter turn about the vertical, determinant +1.
TO_BUILD_AXES = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def _read(source: Path, name: str) -> tuple[str, str]:
    """A file's text and the commit it came from ('' when not a git repository)."""
    if (source / name).is_file():
        text = (source / name).read_text()
        git = ["git", "-C", str(source)]
    else:  # a bare mirror
        git = ["git", "--git-dir", str(source)]
        shown = subprocess.run([*git, "show", f"HEAD:{name}"], capture_output=True, text=True, check=True)
        text = shown.stdout
    found = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    return text, found.stdout.strip() if found.returncode == 0 else ""


def load_mean_spine(source: Path) -> tuple[dict[str, pv.PolyData], str]:
    """The mean L2-L5, one mesh a level in the build's axes, and the repository's commit."""
    (vertices_csv, commit), (faces_csv, _) = (_read(source, name) for name in MESH_FILES)
    vertices = np.loadtxt(io.StringIO(vertices_csv), delimiter=",") @ TO_BUILD_AXES.T
    faces = np.loadtxt(io.StringIO(faces_csv), delimiter=",", dtype=np.int64) - 1  # 1-based
    spine = pv.PolyData(vertices, np.column_stack([np.full(len(faces), 3), faces]).ravel())
    parts = spine.connectivity("all").split_bodies()
    if len(parts) != len(LEVELS):
        raise ValueError(f"expected {len(LEVELS)} vertebrae, found {len(parts)} pieces")
    pieces = [part.extract_surface(algorithm="dataset_surface").clean() for part in parts]
    pieces.sort(key=lambda piece: -piece.points[:, 2].mean())  # top (L2) first
    return dict(zip(LEVELS, pieces, strict=True)), commit


def measure_levels(vertebrae: dict[str, pv.PolyData]) -> dict[str, dict[str, float]]:
    """Each level's dimensions (mm) as ``app.build.vertebrae.measure`` reads them."""
    bodies = {level: measure_body(mesh) for level, mesh in vertebrae.items()}
    centres = [bodies[level].center for level in LEVELS]
    out = {}
    for i, level in enumerate(LEVELS):
        up = centres[max(i - 1, 0)] - centres[min(i + 1, len(LEVELS) - 1)]
        dims = measure(vertebrae[level], bodies[level], up / np.linalg.norm(up))
        out[level] = {key: round(value, 1) for key, value in dims.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="clone or bare mirror of morphable-lumbar-model")
    args = parser.parse_args()
    vertebrae, commit = load_mean_spine(args.source)
    record = {
        "clouthier_2023_mean_mesh": {
            "repository": "https://github.com/aclouthier/morphable-lumbar-model",
            "commit": commit,
            "files": list(MESH_FILES),
            "measured_by": "scripts/measure_clouthier_mean_lumbar.py (app.build.vertebrae.measure)",
            "levels": measure_levels(vertebrae),
        }
    }
    print(yaml.safe_dump(record, sort_keys=False, default_flow_style=None), end="")


if __name__ == "__main__":
    main()
