"""The skeleton the atlas is built on: myo-sim's spine and femurs on a CT pelvis.

This is the only module that knows the MuJoCo model frame (metres, z up, -y anterior,
-x toward the subject's right). Everything it returns is in the project frame:
millimetres, RAS (+x right, +y anterior, +z superior), origin at the midpoint of the two
hip joint centres.

How the pieces meet (see ``assemble``):
1. The CT pelvis (``app.build.pelvis``) is registered with one similarity transform on
   the model's hip joint centres (weighted most: the femurs hang on them) and the
   anterior pelvic plane (its ASIS and pubic tubercle midpoints: the model's pelvic tilt).
2. The acetabula are relieved where the model's larger femoral heads would cut them.
3. The lumbar spine is carried onto the CT sacrum: L5's inferior endplate is put on the S1
   endplate across a wedge-shaped L5/S1 disc, and the model's own lumbar extension joint
   (its coupled L1-L5 levels) restores the trunk's upright posture.
4. The model's sites on the pelvis and sacrum follow a thin-plate-spline warp fitted on
   landmarks found the same way on both pelvises; sites on the spine move with it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pyvista as pv
from scipy.interpolate import RBFInterpolator
from scipy.optimize import brentq
from scipy.spatial.transform import Rotation

from app.build import context, pelvis
from app.build.landmarks import pubic_tubercle, snap
from app.build.spine import inferior_endplate, measure_body

MODEL_NAME = "myofullbody"

#: Structure id -> MuJoCo geom name of its source mesh (the pelvis comes from CT).
BONE_GEOMS: dict[str, str] = {
    "vertebra_t12": "torso_geom_1",
    "vertebra_l1": "lumbar1_geom_1",
    "vertebra_l2": "lumbar2_geom_1",
    "vertebra_l3": "lumbar3_geom_1",
    "vertebra_l4": "lumbar4_geom_1",
    "vertebra_l5": "lumbar5_geom_1",
    "femur_right": "femur_r",
    "femur_left": "femur_l",
}


#: The model's own pelvis, replaced by the CT one but used to map its sites across.
PELVIS_GEOMS: dict[str, str] = {
    "hip_bone_right": "pelvis_r",
    "hip_bone_left": "pelvis_l",
    "sacrum": "sacrum_geom_1",
}

#: Registration weights: the hip joint centres drive it; the anterior pelvic plane's
#: midpoints set the tilt without the width (the CT subject's pelvis is narrower).
REGISTRATION_WEIGHTS = {
    "hip_joint_center_right": 100.0,
    "hip_joint_center_left": 100.0,
    "asis_mid": 1.0,
    "pubic_tubercle_mid": 1.0,
}
#: The L5/S1 disc: height at its centre (mm) and lordotic wedge angle (degrees); about
#: 10-12 mm and 10-15 degrees standing (Gray's Anatomy 42nd ed., intervertebral discs).
L5_S1_DISC_HEIGHT = 10.0
L5_S1_WEDGE_DEGREES = 12.0
#: Radial clearance left between a femoral head and its acetabulum (mm): cartilage.
JOINT_SPACE = 2.0
#: The lumbar model's extension joint and the levels it drives (coupling constraints).
LUMBAR_EXTENSION = "flex_extension"
#: The knee angle, which drives the knee's small translations and the patella's joints
#: through polynomials (equality constraints that mj_forward does not apply).
KNEE_DRIVER = "knee_angle_"
#: Bodies whose sites and meshes move with the lumbar spine, and with the pelvis.
SPINE_ROOT = "lumbar5"
PELVIS_BODIES = ("pelvis", "sacrum")

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
    """The skeleton in RAS mm: ``bones`` (myo-sim, to be refined), ``pelvis`` (CT, final),
    named sites, and a record of how they were put together (for PROVENANCE.json)."""

    bones: dict[str, pv.PolyData]
    pelvis: dict[str, pv.PolyData]
    sites: dict[str, np.ndarray]
    package_version: str
    mujoco_version: str
    assembly: dict[str, object]
    pelvis_licence: str
    s1_endplate: tuple[np.ndarray, np.ndarray]  # centre and upward normal, registered
    #: Site name -> the vertebra (structure id) whose body in the model carries it.
    site_bones: dict[str, str]
    #: The rest of the skeleton, read out for app.build.context.
    context: context.ContextSource


def _load_model():
    import myo_sim

    with warnings.catch_warnings():
        # myo-sim's loader warns about an empty attachment prefix; harmless.
        warnings.simplefilter("ignore", UserWarning)
        return myo_sim.load_model(MODEL_NAME)


class _Posed:
    """The model at a pose, read out in RAS mm: meshes, sites and body rotations."""

    def __init__(self, model, extension: float = 0.0) -> None:
        import mujoco

        self.model = model
        self.data = mujoco.MjData(model)
        self.data.qpos[:] = model.qpos0
        driver = model.joint(LUMBAR_EXTENSION)
        self.data.qpos[driver.qposadr[0]] = extension
        for i in range(model.neq):  # the levels coupled to the driver: q = a0 + a1 * q_driver
            if model.eq_type[i] == mujoco.mjtEq.mjEQ_JOINT and model.eq_obj2id[i] == driver.id:
                follower = model.eq_obj1id[i]
                self.data.qpos[model.jnt_qposadr[follower]] = (
                    model.eq_data[i][0] + model.eq_data[i][1] * extension
                )
        for i in range(model.neq):  # the knees' coupled joints (the patella's among them)
            if model.eq_type[i] == mujoco.mjtEq.mjEQ_JOINT and model.eq_obj2id[i] >= 0:
                knee = model.joint(model.eq_obj2id[i])
                if knee.name.startswith(KNEE_DRIVER):
                    q = self.data.qpos[knee.qposadr[0]]
                    self.data.qpos[model.jnt_qposadr[model.eq_obj1id[i]]] = np.polyval(
                        model.eq_data[i][4::-1], q
                    )
        mujoco.mj_forward(model, self.data)
        sites = {model.site(i).name: np.array(self.data.site_xpos[i]) for i in range(model.nsite)}
        self.origin = (sites["HJC_r"] + sites["HJC_l"]) / 2.0
        self.sites = {name: self.ras(p) for name, p in sites.items()}

    def ras(self, points: np.ndarray) -> np.ndarray:
        # Rotate 180 degrees about z (x -> -x, y -> -y), metres -> millimetres.
        return (np.asarray(points) - self.origin) * 1000.0 * np.array([-1.0, -1.0, 1.0])

    def rotation(self, body: str) -> np.ndarray:
        """A body's orientation in RAS (the same 180-degree turn on both sides)."""
        flip = np.diag([-1.0, -1.0, 1.0])
        return flip @ self.data.xmat[self.model.body(body).id].reshape(3, 3) @ flip

    def position(self, body: str) -> np.ndarray:
        return self.ras(self.data.xpos[self.model.body(body).id])

    def mesh(self, geom_name: str) -> pv.PolyData:
        """A geom's mesh where the pose puts it."""
        model = self.model
        g = model.geom(geom_name).id
        mesh_id = model.geom_dataid[g]
        v0, nv = model.mesh_vertadr[mesh_id], model.mesh_vertnum[mesh_id]
        f0, nf = model.mesh_faceadr[mesh_id], model.mesh_facenum[mesh_id]
        world = (
            model.mesh_vert[v0 : v0 + nv] @ self.data.geom_xmat[g].reshape(3, 3).T + self.data.geom_xpos[g]
        )
        return pv.PolyData.from_regular_faces(self.ras(world), np.asarray(model.mesh_face[f0 : f0 + nf]))

    def chain(self, site: str) -> str:
        """'spine', 'pelvis' or 'legs': which part of the skeleton a site moves with (the
        femurs hang from the pelvis in the model's tree, but do not move with it here)."""
        model = self.model
        body = model.site_bodyid[model.site(site).id]
        if model.body(body).name in PELVIS_BODIES:
            return "pelvis"
        while body > 0:
            if model.body(body).name == SPINE_ROOT:
                return "spine"
            body = model.body_parentid[body]
        return "legs"


def femoral_head(femur: pv.PolyData, hjc: np.ndarray) -> tuple[np.ndarray, float]:
    """Sphere fitted to the upper half of the femoral head."""
    p = np.asarray(femur.points)
    head = p[(np.linalg.norm(p - hjc, axis=1) < 30) & (p[:, 2] > hjc[2] - 5)]
    return pelvis.fit_sphere(head)


def relieve_acetabulum(
    hip: pv.PolyData, centre: np.ndarray, radius: float, falloff: float = 1.5
) -> pv.PolyData:
    """Push the cup out to ``radius`` around ``centre``, smoothly: the CT subject's
    acetabulum is smaller than the model's femoral head, which would cut into it.

    Each point's distance d to the centre becomes r + b log(1 + exp((d - r) / b)): points
    inside move out to about r, points beyond r + 5b do not move.
    """
    points = np.asarray(hip.points, float)
    offset = points - centre
    d = np.linalg.norm(offset, axis=1)
    near = d < radius + 8 * falloff
    relieved = radius + falloff * np.logaddexp(0.0, (d[near] - radius) / falloff)
    points[near] = centre + offset[near] * (relieved / d[near])[:, None]
    return pv.PolyData(points, hip.faces.copy())


def _pelvic_points(
    hips: dict[str, pv.PolyData], sacrum_top: np.ndarray, found: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Landmarks found the same way on both pelvises, for the site warp: hip centres, ASIS,
    PSIS, pubic tubercles, the S1 endplate, the top of each iliac crest and the lowest
    point of each ischial tuberosity."""
    points = {
        f"{name}_{side}": np.asarray(found[f"{name}_{side}"], float)
        for name in ("hip_joint_center", "asis", "psis", "pubic_tubercle")
        for side in ("right", "left")
    }
    for side, hip in hips.items():
        p = np.asarray(hip.points)
        points[f"crest_top_{side}"] = p[np.argmax(p[:, 2])]
        points[f"ischial_tuberosity_{side}"] = p[np.argmin(p[:, 2])]
    points["s1_endplate_center"] = sacrum_top
    return points


def _sagittal_turn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation about the left-right axis that takes a's sagittal direction onto b's.

    Only sagittal: the CT subject's S1 endplate leans a few degrees to one side, and a
    rotation that followed it would tip the whole spine sideways.
    """
    angle = np.arctan2(b[1], b[2]) - np.arctan2(a[1], a[2])  # forward tilt from vertical
    return Rotation.from_rotvec(np.array([-angle, 0.0, 0.0])).as_matrix()


def _sagittal_degrees(rotation: np.ndarray) -> float:
    """Rotation about the left-right axis, degrees (positive: the top tips forward)."""
    return float(np.degrees(Rotation.from_matrix(rotation).as_rotvec()[0]))


def assemble(
    model, ct: dict[str, pv.PolyData], ct_landmarks: dict[str, np.ndarray]
) -> tuple[
    dict[str, pv.PolyData],
    dict[str, pv.PolyData],
    dict[str, np.ndarray],
    tuple[np.ndarray, np.ndarray],
    dict[str, object],
    dict[str, str],
    context.ContextSource,
]:
    """Register the CT pelvis, seat the spine on it and map the sites (see the module).

    Returns the myo-sim bones, the CT pelvis, the sites (RAS mm), the S1 endplate (centre
    and upward normal), a record of the assembly, which vertebra carries each site and the
    context bones (legs at rest, the upper body carried with the spine).
    """
    ct_landmarks = dict(ct_landmarks)  # the midpoints below are added to a copy
    rest = _Posed(model)
    old = {sid: rest.mesh(g) for sid, g in PELVIS_GEOMS.items()}
    femurs = {sid: rest.mesh(BONE_GEOMS[sid]) for sid in ("femur_right", "femur_left")}
    target = {f"hip_joint_center_{s}": rest.sites[f"HJC{x}"] for s, x in (("right", "_r"), ("left", "_l"))}
    old_found: dict[str, np.ndarray] = dict(target)
    for side, suffix, sign in (("right", "_r", 1.0), ("left", "_l", -1.0)):
        hip = old[f"hip_bone_{side}"]
        old_found[f"asis_{side}"] = snap(hip, rest.sites[f"ASI{suffix}"])
        old_found[f"psis_{side}"] = snap(hip, rest.sites[f"PSI{suffix}"])
        old_found[f"pubic_tubercle_{side}"] = pubic_tubercle(hip, sign, target[f"hip_joint_center_{side}"])
    for name in ("asis", "pubic_tubercle"):
        old_found[f"{name}_mid"] = (old_found[f"{name}_right"] + old_found[f"{name}_left"]) / 2
        ct_landmarks[f"{name}_mid"] = (ct_landmarks[f"{name}_right"] + ct_landmarks[f"{name}_left"]) / 2

    # 1. Register the CT pelvis.
    keys = list(REGISTRATION_WEIGHTS)
    fit = pelvis.fit_similarity(
        np.array([ct_landmarks[k] for k in keys]),
        np.array([old_found[k] for k in keys]),
        np.array([REGISTRATION_WEIGHTS[k] for k in keys]),
    )
    new = {sid: fit.mesh(mesh) for sid, mesh in ct.items()}
    found = {
        k: fit.points(v)
        for k, v in ct_landmarks.items()
        if k.startswith(("hip_", "asis", "psis", "pubic", "s1_endplate_center"))
    }
    s1_centre = found["s1_endplate_center"]
    s1_normal = fit.direction(ct_landmarks["s1_endplate_normal"])

    # 2. Relieve the acetabula around the model's femoral heads.
    heads = {}
    for side in ("right", "left"):
        centre, radius = femoral_head(femurs[f"femur_{side}"], target[f"hip_joint_center_{side}"])
        heads[side] = (centre, radius)
        new[f"hip_bone_{side}"] = relieve_acetabulum(new[f"hip_bone_{side}"], centre, radius + JOINT_SPACE)

    # 3. Seat the lumbar spine on the S1 endplate.
    l5 = rest.mesh(BONE_GEOMS["vertebra_l5"])
    l5_body = measure_body(l5)
    l4_body = measure_body(rest.mesh(BONE_GEOMS["vertebra_l4"]))
    axis = (l4_body.center - l5_body.center) / np.linalg.norm(l4_body.center - l5_body.center)
    endplate_centre, endplate_normal = inferior_endplate(l5, l5_body, axis)  # normal points down
    right = np.array([1.0, 0.0, 0.0])
    wedge = Rotation.from_rotvec(-right * np.radians(L5_S1_WEDGE_DEGREES)).as_matrix()
    l5_up = wedge @ s1_normal  # L5's endplate faces S1 across the wedge, tipped back
    seat = s1_centre + L5_S1_DISC_HEIGHT * (s1_normal + l5_up) / np.linalg.norm(s1_normal + l5_up)
    torso_rest = rest.rotation("torso")

    def seating(posed: _Posed) -> tuple[np.ndarray, np.ndarray]:
        """Rotation and shift that carry the posed spine onto the sacrum."""
        turn = posed.rotation(SPINE_ROOT) @ rest.rotation(SPINE_ROOT).T
        centre = turn @ (endplate_centre - rest.position(SPINE_ROOT)) + posed.position(SPINE_ROOT)
        rotate = _sagittal_turn(turn @ -endplate_normal, l5_up)
        return rotate, seat - rotate @ centre

    def lean(extension: float) -> float:
        posed = _Posed(model, extension)
        rotate, _ = seating(posed)
        return _sagittal_degrees(rotate @ posed.rotation("torso") @ torso_rest.T)

    extension = float(brentq(lean, -0.5, 0.75, xtol=1e-4))
    posed = _Posed(model, extension)
    rotate, shift = seating(posed)

    def on_spine(p: np.ndarray) -> np.ndarray:
        return np.asarray(p) @ rotate.T + shift

    bones = {}
    for sid, geom in BONE_GEOMS.items():
        mesh = posed.mesh(geom)
        if sid.startswith("vertebra_"):
            mesh = pv.PolyData(on_spine(mesh.points), mesh.faces)
        bones[sid] = mesh
    ribcage = posed.mesh(RIBCAGE_GEOM)
    ribcage = pv.PolyData(on_spine(ribcage.points), ribcage.faces)

    # 4. Carry the sites: the spine's rigidly, the pelvis' through a thin-plate spline.
    old_top = _sacrum_top(old["sacrum"], endplate_centre, axis)
    before = _pelvic_points({s: old[f"hip_bone_{s}"] for s in ("right", "left")}, old_top, old_found)
    after = _pelvic_points({s: new[f"hip_bone_{s}"] for s in ("right", "left")}, s1_centre, found)
    names = list(before)
    warp: Callable[[np.ndarray], np.ndarray] = RBFInterpolator(
        np.array([before[k] for k in names]), np.array([after[k] for k in names]), kernel="thin_plate_spline"
    )
    sites = {}
    for name, point in posed.sites.items():
        chain = posed.chain(name)
        if chain == "spine":
            sites[name] = on_spine(point)
        elif chain == "pelvis" and not name.startswith("HJC"):
            sites[name] = warp(rest.sites[name][None])[0]
            # Where the leg model itself puts it, about the same hip joint centres: the
            # muscle paths' via points, so lengths agree with the model (app/model/motion/mechanics.py).
            sites[f"model:{name}"] = rest.sites[name]
        else:
            sites[name] = rest.sites[name]
    for side, suffix in (("right", "_r"), ("left", "_l")):
        sites[f"ASI{suffix}"], sites[f"PSI{suffix}"] = found[f"asis_{side}"], found[f"psis_{side}"]
    ribs = twelfth_ribs(ribcage, sites)
    bones.update(ribs)
    around = context.source_meshes(model, rest, posed, on_spine, ribcage, ribs)
    vertebra_bodies = {
        int(model.geom_bodyid[model.geom(geom).id]): sid
        for sid, geom in BONE_GEOMS.items()
        if sid.startswith("vertebra_")
    }
    site_bones = {
        model.site(i).name: vertebra_bodies[int(model.site_bodyid[i])]
        for i in range(model.nsite)
        if int(model.site_bodyid[i]) in vertebra_bodies
    }

    record: dict[str, object] = {
        "registration": {
            "scale": round(fit.scale, 4),
            "weights": REGISTRATION_WEIGHTS,
            "hip_centre_residuals_mm": {
                side: round(
                    float(
                        np.linalg.norm(found[f"hip_joint_center_{side}"] - target[f"hip_joint_center_{side}"])
                    ),
                    2,
                )
                for side in ("right", "left")
            },
        },
        "acetabular_relief": {
            "femoral_head_radius_mm": {side: round(r, 2) for side, (_, r) in heads.items()},
            "joint_space_mm": JOINT_SPACE,
        },
        "spine": {
            "lumbar_extension_rad": round(extension, 4),
            "l5_s1_disc_height_mm": L5_S1_DISC_HEIGHT,
            "l5_s1_wedge_degrees": L5_S1_WEDGE_DEGREES,
            "rotation_degrees": round(float(np.degrees(Rotation.from_matrix(rotate).magnitude())), 2),
            "translation_mm": [round(float(c), 2) for c in shift],
        },
    }
    return bones, new, sites, (s1_centre, s1_normal), record, site_bones, around


def _sacrum_top(sacrum: pv.PolyData, endplate_centre: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Where the spine's axis below L5's endplate meets the model's sacrum."""
    hits, _ = sacrum.ray_trace(endplate_centre, endplate_centre - axis * 80)
    if len(hits) == 0:
        raise ValueError("the model's sacrum is not below L5")
    return np.asarray(hits[np.argmin(np.linalg.norm(hits - endplate_centre, axis=1))])


def load_source(cache: Path | None = None) -> SourceModel:
    """myo-sim's spine and femurs on the CT pelvis, in RAS mm (``cache`` keeps the wheel)."""
    from platformdirs import user_cache_dir

    model = _load_model()
    wheel = pelvis.fetch_wheel(Path(cache or user_cache_dir("psoas-atlas")) / "gias3")
    raw, wrl_sha256, licence = pelvis.read_wheel(wheel)
    named = pelvis.identify(raw)
    found = pelvis.landmarks(named)
    clean = {sid: pelvis.clean(mesh) for sid, mesh in named.items()}
    bones, ct, sites, s1_endplate, record, site_bones, around = assemble(model, clean, found)
    around.wheel = wheel  # the CT tibia and fibula are in the same wheel
    record["ct_pelvis"] = {
        "package": pelvis.PACKAGE,
        "version": pelvis.VERSION,
        "file": pelvis.MEMBER,
        "licence": "MPL-2.0",
        "sha256": wrl_sha256,
        "wheel_sha256": pelvis.WHEEL_SHA256,
    }
    return SourceModel(
        bones=bones,
        pelvis=ct,
        sites=sites,
        package_version=metadata.version("myo-sim"),
        mujoco_version=metadata.version("mujoco"),
        assembly=record,
        pelvis_licence=licence,
        s1_endplate=s1_endplate,
        site_bones=site_bones,
        context=around,
    )
