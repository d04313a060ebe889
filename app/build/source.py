"""Read bone meshes and sites from the installed ``myo-sim`` package, in the project frame.

This is the only module that knows the MuJoCo model frame (metres, z up, -y anterior,
-x toward the subject's right). Everything it returns is in the project frame:
millimetres, RAS (+x right, +y anterior, +z superior), origin at the midpoint of the two
hip joint centres.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import pyvista as pv

MODEL_NAME = "myofullbody"

#: Structure id -> MuJoCo geom name of its source mesh.
BONE_GEOMS: dict[str, str] = {
    "vertebra_t12": "torso_geom_1",
    "vertebra_l1": "lumbar1_geom_1",
    "vertebra_l2": "lumbar2_geom_1",
    "vertebra_l3": "lumbar3_geom_1",
    "vertebra_l4": "lumbar4_geom_1",
    "vertebra_l5": "lumbar5_geom_1",
    "sacrum": "sacrum_geom_1",
    "hip_bone_right": "pelvis_r",
    "hip_bone_left": "pelvis_l",
    "femur_right": "femur_r",
    "femur_left": "femur_l",
}


#: The thorax model's rib cage: every rib and costal cartilage in one mesh.
RIBCAGE_GEOM = "torso_geom_13"


def twelfth_ribs(ribcage: pv.PolyData, sites: dict[str, np.ndarray]) -> dict[str, pv.PolyData]:
    """The 12th ribs, ``rib_12_{right,left}``: of the rib cage's separate pieces, the one on
    each side nearest the quadratus lumborum's insertions on the 12th rib (``QL_*12.*``
    sites), not a piece picked by its order in the file."""
    bodies = ribcage.clean().connectivity().split_bodies()
    pieces = [p.extract_surface(algorithm="dataset_surface") for p in bodies]
    ribs = {}
    for side, suffix in (("right", "_r"), ("left", "_l")):
        on_rib = np.array(
            [p for n, p in sites.items() if n.startswith("QL_") and "-12." in n and n.endswith(suffix)]
        )
        if not len(on_rib):
            raise ValueError(f"no quadratus lumborum sites on the {side} 12th rib")

        def distance(piece: pv.PolyData, on_rib: np.ndarray = on_rib) -> float:
            return float(np.mean([np.linalg.norm(piece.points - q, axis=1).min() for q in on_rib]))

        ribs[f"rib_12_{side}"] = min(pieces, key=distance).triangulate()
    return ribs


@dataclass(frozen=True)
class SourceModel:
    """Bone meshes and named sites of the myo-sim model at its default pose, in RAS mm."""

    bones: dict[str, pv.PolyData]
    sites: dict[str, np.ndarray]
    package_version: str
    mujoco_version: str


def load_source() -> SourceModel:
    """Load ``myofullbody`` at ``qpos0`` and convert its bones and sites to RAS mm."""
    import mujoco
    import myo_sim

    with warnings.catch_warnings():
        # myo-sim's loader warns about an empty attachment prefix; harmless.
        warnings.simplefilter("ignore", UserWarning)
        model = myo_sim.load_model(MODEL_NAME)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)

    raw_sites = {model.site(i).name: np.array(data.site_xpos[i]) for i in range(model.nsite)}
    origin = (raw_sites["HJC_r"] + raw_sites["HJC_l"]) / 2.0

    def to_ras(points: np.ndarray) -> np.ndarray:
        # Rotate 180 degrees about z (x -> -x, y -> -y), metres -> millimetres.
        return (np.asarray(points) - origin) * 1000.0 * np.array([-1.0, -1.0, 1.0])

    def geom_mesh(geom_name: str) -> pv.PolyData:
        """A geom's mesh where the default pose puts it, in RAS mm."""
        g = model.geom(geom_name).id
        mesh_id = model.geom_dataid[g]
        v0, nv = model.mesh_vertadr[mesh_id], model.mesh_vertnum[mesh_id]
        f0, nf = model.mesh_faceadr[mesh_id], model.mesh_facenum[mesh_id]
        rotation = data.geom_xmat[g].reshape(3, 3)
        world = model.mesh_vert[v0 : v0 + nv] @ rotation.T + data.geom_xpos[g]
        return pv.PolyData.from_regular_faces(to_ras(world), np.asarray(model.mesh_face[f0 : f0 + nf]))

    bones = {structure_id: geom_mesh(geom_name) for structure_id, geom_name in BONE_GEOMS.items()}
    sites = {name: to_ras(p) for name, p in raw_sites.items()}
    ribcage = geom_mesh(RIBCAGE_GEOM)
    bones.update(twelfth_ribs(ribcage, sites))
    return SourceModel(
        bones=bones,
        sites=sites,
        package_version=metadata.version("myo-sim"),
        mujoco_version=metadata.version("mujoco"),
    )
