"""Export the visible scene: PLY files (mm, RAS) plus ``scene.json``, or one glTF binary.

The scene is exported as it is posed: in a pose other than neutral standing the meshes,
landmarks and attachment sites are where the pose puts them (by the model's rule, the one
the renderer draws with: :class:`app.model.motion.body.Body`), with the same ids, units, frame and
file formats, and ``scene.json`` names the pose.

No Qt, no VTK: the meshes are copied, posed with plyfile or read with trimesh."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from app import __version__
from app.model.anatomy.meshes import INDEX_NAMES
from app.model.anatomy.structures import Structure
from app.model.io.atomic import atomic_write_bytes, atomic_write_text, folder_replaced_whole
from app.model.motion.posture import STANDING
from app.model.scene.state import SceneModel

SCENE_FILE = "scene.json"
GLB_FILE = "psoas-atlas.glb"


def export_scene(scene: SceneModel, meshes_dir: Path, out_dir: Path) -> Path:
    """Write one PLY per shown structure and ``scene.json`` into ``out_dir``; return its path.

    The meshes are stored in millimetres in the RAS frame already, so at rest they are
    copied as they are (byte for byte); posed, each is written in its own PLY format with
    its vertices and normals moved (the same vertices, in the same order). The folder is
    written whole or not at all: a full disk leaves the previous export as it was, and an
    export over an earlier one leaves none of its files behind.
    """
    out_dir = Path(out_dir)

    def ours(name: str) -> bool:
        return name == SCENE_FILE or (name.endswith(".ply") and name[:-4] in scene.catalogue)

    with folder_replaced_whole(out_dir, ours) as folder:
        _write_scene(scene, Path(meshes_dir), folder)
    return out_dir / SCENE_FILE


def posed_ply(scene: SceneModel, structure: Structure, path: Path) -> bytes:
    """A structure's mesh file with its vertices and normals where the scene's pose puts
    them: the same elements, properties, comments and encoding, written back."""
    from plyfile import PlyData

    assert scene.body is not None
    ply = PlyData.read(str(path), known_list_len={"face": dict.fromkeys(INDEX_NAMES, 3)})
    vertices = np.array(ply["vertex"].data)  # a copy: the file is mapped
    corners = next(n for n in INDEX_NAMES if n in (ply["face"].data.dtype.names or ()))
    faces = np.asarray(ply["face"][corners], dtype=np.int64)
    rest = np.column_stack([vertices[axis] for axis in "xyz"]).astype(float)
    has_normals = {"nx", "ny", "nz"} <= set(vertices.dtype.names or ())
    rest_normals = np.column_stack([vertices[a] for a in ("nx", "ny", "nz")]) if has_normals else 0 * rest
    skin = scene.body.skin(structure, rest, faces)
    points, normals = scene.body.posed_surface(skin, faces, rest_normals, scene.pose)
    for i, axis in enumerate("xyz"):
        vertices[axis] = points[:, i]
        if has_normals:
            vertices["n" + axis] = normals[:, i]
    ply["vertex"].data = vertices
    out = io.BytesIO()
    ply.write(out)
    return out.getvalue()


def _mesh_bytes(scene: SceneModel, structure: Structure, meshes_dir: Path) -> bytes:
    """A structure's PLY file as exported: as shipped at rest, else posed."""
    path = meshes_dir / structure.mesh
    if scene.body is None or scene.pose.neutral:
        return path.read_bytes()
    return posed_ply(scene, structure, path)


def _write_scene(scene: SceneModel, meshes_dir: Path, out_dir: Path) -> None:
    structures = []
    for structure_id in scene.shown_ids:
        structure = scene.catalogue[structure_id]
        file_name = f"{structure.id}.ply"
        atomic_write_bytes(out_dir / file_name, _mesh_bytes(scene, structure, meshes_dir))
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
        **({"pose": scene.pose.as_dict()} if not scene.pose.neutral else {}),
        **({"posture": scene.pose.posture} if scene.pose.posture != STANDING else {}),
        "structures": structures,
        "landmarks": {name: list(point) for name, point in scene.posed_landmarks.items()},
        "attachments": [
            {
                "muscle": a.muscle,
                "role": a.role,
                "bone": a.bone,
                "name": a.name,
                "points": [list(p) for p in a.points],
            }
            for a in map(scene.posed_attachment, scene.attachments)
        ],
    }
    # allow_nan=False: a NaN would make the file invalid JSON; the loaders keep NaN out.
    atomic_write_text(out_dir / SCENE_FILE, json.dumps(document, indent=2, allow_nan=False) + "\n")


def export_glb(scene: SceneModel, meshes_dir: Path, out_dir: Path) -> Path:
    """Write the visible scene as one glTF binary, ``psoas-atlas.glb`` in ``out_dir``: a
    named node per structure, with its colour; return its path.

    Blender and web viewers open it; coordinates stay RAS millimetres (glTF viewers assume
    metres and +y up, so a viewer may show it large and lying on its back). Posed as the
    scene is; the folder is written whole or not at all, as by :func:`export_scene`.
    """
    import trimesh

    gltf = trimesh.Scene()
    for structure_id in scene.shown_ids:
        structure = scene.catalogue[structure_id]
        data = io.BytesIO(_mesh_bytes(scene, structure, Path(meshes_dir)))
        mesh = trimesh.load(data, file_type="ply", process=False, force="mesh")
        rgb = [int(structure.color[i : i + 2], 16) for i in (1, 3, 5)]
        mesh.visual = trimesh.visual.TextureVisuals(
            material=trimesh.visual.material.PBRMaterial(
                name=structure.id, baseColorFactor=[*rgb, 255], metallicFactor=0.0, roughnessFactor=0.7
            )
        )
        gltf.add_geometry(mesh, node_name=structure.id, geom_name=structure.id)
    data = gltf.export(file_type="glb")
    with folder_replaced_whole(Path(out_dir), lambda name: name == GLB_FILE) as folder:
        (folder / GLB_FILE).write_bytes(data)
    return Path(out_dir) / GLB_FILE
