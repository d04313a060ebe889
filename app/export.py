"""Export the visible scene: PLY files (mm, RAS) plus ``scene.json``, or one glTF binary.

No Qt, no VTK: the meshes are copied or read with trimesh."""

from __future__ import annotations

import json
from pathlib import Path

from app import __version__
from app.files import atomic_write_bytes, atomic_write_text, folder_replaced_whole
from app.model.scene import SceneModel

SCENE_FILE = "scene.json"


def export_scene(scene: SceneModel, meshes_dir: Path, out_dir: Path) -> Path:
    """Write one PLY per shown structure and ``scene.json`` into ``out_dir``; return its path.

    The meshes are stored in millimetres in the RAS frame already, so they are copied as
    they are (byte for byte). The folder is written whole or not at all: a full disk leaves
    the previous export as it was, and an export over an earlier one leaves none of its
    files behind.
    """
    out_dir = Path(out_dir)

    def ours(name: str) -> bool:
        return name == SCENE_FILE or (name.endswith(".ply") and name[:-4] in scene.catalogue)

    with folder_replaced_whole(out_dir, ours) as folder:
        _write_scene(scene, Path(meshes_dir), folder)
    return out_dir / SCENE_FILE


def _write_scene(scene: SceneModel, meshes_dir: Path, out_dir: Path) -> None:
    structures = []
    for structure_id in scene.shown_ids:
        structure = scene.catalogue[structure_id]
        file_name = f"{structure.id}.ply"
        atomic_write_bytes(out_dir / file_name, (meshes_dir / structure.mesh).read_bytes())
        structures.append(
            {
                "id": structure.id,
                "name": structure.name,
                "latin": structure.latin,
                "kind": structure.kind.value,
                "side": structure.side.value,
                "group": structure.group.value,
                "color": structure.color,
                "file": file_name,
                **({"roots": list(structure.roots)} if structure.roots else {}),
            }
        )
    document = {
        "generator": f"psoas-atlas {__version__}",
        "units": "mm",
        "frame": "RAS",
        "structures": structures,
        "landmarks": {name: list(point) for name, point in scene.landmarks.items()},
        "attachments": [
            {
                "muscle": a.muscle,
                "role": a.role,
                "bone": a.bone,
                "name": a.name,
                "points": [list(p) for p in a.points],
            }
            for a in scene.attachments
        ],
    }
    # allow_nan=False: a NaN would make the file invalid JSON; the loaders keep NaN out.
    atomic_write_text(out_dir / SCENE_FILE, json.dumps(document, indent=2, allow_nan=False) + "\n")


def export_glb(scene: SceneModel, meshes_dir: Path, out: Path) -> Path:
    """Write the visible scene as one glTF binary: a named node per structure, with its colour.

    Blender and web viewers open it; coordinates stay RAS millimetres (glTF viewers assume
    metres and +y up, so a viewer may show it large and lying on its back).
    """
    import trimesh

    gltf = trimesh.Scene()
    for structure_id in scene.shown_ids:
        structure = scene.catalogue[structure_id]
        mesh = trimesh.load(Path(meshes_dir) / structure.mesh, file_type="ply", process=False, force="mesh")
        rgb = [int(structure.color[i : i + 2], 16) for i in (1, 3, 5)]
        mesh.visual = trimesh.visual.TextureVisuals(
            material=trimesh.visual.material.PBRMaterial(
                name=structure.id, baseColorFactor=[*rgb, 255], metallicFactor=0.0, roughnessFactor=0.7
            )
        )
        gltf.add_geometry(mesh, node_name=structure.id, geom_name=structure.id)
    out = Path(out)
    atomic_write_bytes(out, gltf.export(file_type="glb"))
    return out
