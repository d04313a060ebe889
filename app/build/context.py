"""Context bones: the rest of the skeleton around the psoas, drawn dimmed (issue 30).

The legs below the femurs and the upper body above T12 let a student read a posture. They
come from myo-sim's full-body model in its default pose (arms hanging), except the tibia and
fibula, which are one CT subject's (``gias3.examples``' ``2008_1741_tibia_fibula.wrl``,
MPL-2.0) registered onto the model's. The legs keep the model frame of our femurs (the same
model -> RAS transform); the upper body rides on T12: carried with the lumbar spine onto the
CT sacrum, then by T12's seating shift (``spine.seat_t12``).

They are context: triangles are kept low (``TRIANGLES``). The model's meshes are open or
non-manifold in places and overlap where bones meet, so each is remeshed (``remesh``:
voxelised, carved out of the bones it meets at rest, contoured, decimated into a closed
surface); the tibia is seated under the femoral condyles across a joint space and the
patella kept clear of the trochlea. The model's two sides are mirror images, and so are
ours: each left bone is its right one reflected (``mirror``).
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyvista as pv
from scipy import ndimage
from scipy.spatial import cKDTree

from app.build import pelvis, refine
from app.build.landmarks import SIDES, snap

#: Structure id (``{side}``: right/left) -> the full-body model's geoms (``{s}``: r/l).
LEG_GEOMS: dict[str, tuple[str, ...]] = {
    "tibia_{side}": ("tibia_{s}",),
    "fibula_{side}": ("fibula_{s}",),
    "patella_{side}": ("patella_{s}",),
    "foot_{side}": ("talus_{s}", "foot_{s}", "bofoot_{s}"),
}
ARM_GEOMS: dict[str, tuple[str, ...]] = {
    "clavicle_{side}": ("clavicle_{s}",),
    "scapula_{side}": ("scapula_{s}",),
    "humerus_{side}": ("humerus_{s}",),
    "ulna_{side}": ("ulna_{s}",),
    "radius_{side}": ("radius_{s}",),
}
#: The hand: every geom on the carpal bones' body tree (the lunate carries the rest).
HAND_ROOT = "lunate_{s}"
AXIAL_GEOMS: dict[str, tuple[str, ...]] = {
    "thoracic_spine": tuple(f"torso_geom_{i}" for i in range(2, 13)),  # T11 .. T1
    "cervical_spine": ("hat_cervical",),
    "skull": ("hat_skull", "hat_jaw"),  # with the mandible
}
#: The sternum's half-width (mm) where it is cut from the costal cartilages: the model has
#: them in one piece.
STERNUM_HALF_WIDTH = 16.0
#: Pieces of the model's rib-cage mesh smaller than this are an embossed logo, not bone.
LOGO_MIN_EXTENT_MM = 60.0

#: Triangles of each context bone at full detail: about 39,000 together (each at least the
#: 500 that tests/anatomy/test_geometry.py asks of every mesh).
TRIANGLES: dict[str, int] = {
    **{
        f"{b}_{side}": n
        for side in SIDES
        for b, n in (
            ("tibia", 1600),
            ("fibula", 1000),
            ("patella", 600),
            ("foot", 2200),
            ("clavicle", 600),
            ("scapula", 800),
            ("humerus", 900),
            ("ulna", 600),
            ("radius", 600),
            ("hand", 2000),
        )
    },
    "rib_cage": 7000,
    "sternum": 600,
    "thoracic_spine": 5000,
    "cervical_spine": 1500,
    "skull": 3500,
}

#: The CT tibia and fibula (same wheel as the pelvis).
CT_MEMBER = "gias3/examples/data/2008_1741_tibia_fibula.wrl"
CT_NOTICE = (
    f"Derived from gias3.examples {pelvis.VERSION} (2008_1741_tibia_fibula.wrl) by Psoas Atlas.",
    "This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.",
    "If a copy of the MPL was not distributed with this file, You can obtain one at",
    "https://mozilla.org/MPL/2.0/ (a copy ships as meshes/LICENSE.MPL-2.0).",
)
#: Knee joint space (mm) between the femoral condyles and the tibial plateau: articular
#: cartilage of both, about 5 mm on standing radiographs (Gray's Anatomy 42nd ed., knee).
KNEE_SPACE = 5.0
#: Clearance (mm) kept between other bones that meet at rest (cartilage, soft tissue).
CLEARANCE = 1.5

#: Pairs of bones that touch at rest and must not pass through each other.
NEIGHBOURS: tuple[tuple[str, str], ...] = (
    *(
        pair
        for side in SIDES
        for pair in (
            (f"femur_{side}", f"tibia_{side}"),
            (f"femur_{side}", f"patella_{side}"),
            (f"femur_{side}", f"fibula_{side}"),
            (f"tibia_{side}", f"fibula_{side}"),
            (f"tibia_{side}", f"foot_{side}"),
            (f"fibula_{side}", f"foot_{side}"),
            (f"humerus_{side}", f"scapula_{side}"),
            (f"humerus_{side}", f"ulna_{side}"),
            (f"humerus_{side}", f"radius_{side}"),
            (f"ulna_{side}", f"radius_{side}"),
            (f"radius_{side}", f"hand_{side}"),
            (f"ulna_{side}", f"hand_{side}"),
            (f"clavicle_{side}", f"scapula_{side}"),
            (f"clavicle_{side}", "sternum"),
            (f"scapula_{side}", "rib_cage"),
            (f"hand_{side}", f"femur_{side}"),
        )
    ),
    ("rib_cage", "sternum"),
    ("rib_cage", "thoracic_spine"),
    ("thoracic_spine", "vertebra_t12"),
    ("thoracic_spine", "cervical_spine"),
    ("cervical_spine", "skull"),
)


@dataclass
class ContextSource:
    """The model's context meshes in RAS mm, before the build's refinement: ``legs`` keep
    the femurs' frame; ``upper`` are already carried with the lumbar spine onto the sacrum."""

    legs: dict[str, pv.PolyData] = field(default_factory=dict)
    upper: dict[str, pv.PolyData] = field(default_factory=dict)
    #: gias3.examples' wheel, where the CT tibia and fibula are read from.
    wheel: Path | None = None


def _side_geoms(template: tuple[str, ...], suffix: str) -> tuple[str, ...]:
    return tuple(g.format(s=suffix.lstrip("_")) for g in template)


def _merge(meshes: list[pv.PolyData]) -> pv.PolyData:
    merged = meshes[0].merge(meshes[1:]) if len(meshes) > 1 else meshes[0]
    return pv.PolyData(merged.points, merged.faces).clean()


def _hand_geoms(model, suffix: str) -> list[str]:
    """Every mesh geom on the hand's bodies: the root carpal and all bodies below it."""
    root = model.body(HAND_ROOT.format(s=suffix.lstrip("_"))).id
    bodies = {root}
    for b in range(model.nbody):  # parents come before their children
        if model.body_parentid[b] in bodies:
            bodies.add(b)
    return [
        model.geom(g).name
        for g in range(model.ngeom)
        if model.geom_bodyid[g] in bodies and model.geom_dataid[g] >= 0
    ]


def source_meshes(
    model, rest, posed, on_spine, ribcage: pv.PolyData, ribs: dict[str, pv.PolyData]
) -> ContextSource:
    """Read the context bones out of the model: legs at rest, the upper body as posed and
    carried by ``on_spine`` (as the thorax's ribcage, ``ribcage``, already is).

    ``rest`` and ``posed`` are source._Posed readers; ``ribs`` are the 12th ribs already
    taken out of the rib cage."""
    out = ContextSource()
    for side, (suffix, _) in SIDES.items():
        for template, geoms in LEG_GEOMS.items():
            out.legs[template.format(side=side)] = _merge([rest.mesh(g) for g in _side_geoms(geoms, suffix)])
        upper = {
            **{t: _side_geoms(g, suffix) for t, g in ARM_GEOMS.items()},
            "hand_{side}": tuple(_hand_geoms(model, suffix)),
        }
        for template, geoms in upper.items():
            mesh = _merge([posed.mesh(g) for g in geoms])
            out.upper[template.format(side=side)] = pv.PolyData(on_spine(mesh.points), mesh.faces)
    for sid, geoms in AXIAL_GEOMS.items():
        mesh = _merge([posed.mesh(g) for g in geoms])
        out.upper[sid] = pv.PolyData(on_spine(mesh.points), mesh.faces)
    out.upper.update(split_rib_cage(ribcage, ribs))
    return out


def split_rib_cage(ribcage: pv.PolyData, ribs: dict[str, pv.PolyData]) -> dict[str, pv.PolyData]:
    """``rib_cage`` (ribs 1-11 and the costal cartilages) and ``sternum`` from the thorax
    model's one rib-cage mesh: the 12th ribs (already their own bones) and an embossed logo
    are left out; the sternum is cut from the cartilages it is fused with in the model."""
    pieces = [
        p.extract_surface(algorithm="dataset_surface").triangulate()
        for p in ribcage.clean().connectivity().split_bodies()
    ]
    twelfth = [np.asarray(r.center) for r in ribs.values()]
    kept = []
    for piece in pieces:
        extent = np.ptp(np.asarray(piece.points), axis=0)
        if any(np.linalg.norm(np.asarray(piece.center) - c) < 1e-6 for c in twelfth):
            continue
        if not piece.is_manifold or extent.max() < LOGO_MIN_EXTENT_MM:
            continue  # the logo's parts: open surfaces, small
        kept.append(piece)
    # The sternum and the costal cartilages: the one piece that crosses the midline.
    middle = max(kept, key=lambda p: -abs(p.center[0]) + np.ptp(p.points[:, 0]))
    ribs_only = [p for p in kept if p is not middle]
    # clip_closed_surface keeps the side its normal points to, and caps the cut.
    sternum = middle.clip_closed_surface(normal=(-1, 0, 0), origin=(STERNUM_HALF_WIDTH, 0, 0))
    sternum = sternum.clip_closed_surface(normal=(1, 0, 0), origin=(-STERNUM_HALF_WIDTH, 0, 0))
    right = middle.clip_closed_surface(normal=(1, 0, 0), origin=(STERNUM_HALF_WIDTH, 0, 0))
    left = middle.clip_closed_surface(normal=(-1, 0, 0), origin=(-STERNUM_HALF_WIDTH, 0, 0))
    cage = _merge([*ribs_only, right.triangulate(), left.triangulate()])
    return {
        "rib_cage": cage,
        "sternum": sternum.triangulate()
        .clean()
        .connectivity("largest")
        .extract_surface(algorithm="dataset_surface"),
    }


def read_ct_leg(wheel: Path) -> tuple[pv.PolyData, pv.PolyData, str]:
    """The CT subject's tibia and fibula (scanner frame, mm) and the file's sha256.

    The two are told apart by volume: the tibia is about five times the fibula's."""
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        data = archive.read(CT_MEMBER)
        path = Path(tmp) / "tibia_fibula.wrl"
        path.write_bytes(data)
        meshes = [pv.PolyData(m.points, m.faces).clean() for m in pelvis.read_wrl(path)]
    if len(meshes) != 2:
        raise ValueError(f"{CT_MEMBER}: expected a tibia and a fibula, found {len(meshes)} shapes")
    tibia, fibula = sorted(meshes, key=lambda m: -abs(m.volume))
    return tibia, fibula, hashlib.sha256(data).hexdigest()


def _similarity(
    a: np.ndarray, b: np.ndarray, allow_mirror: bool = False
) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, rotation and translation taking points ``a`` onto ``b`` (Umeyama)."""
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    u, s, vt = np.linalg.svd((b - cb).T @ (a - ca))
    d = np.ones(3)
    if not allow_mirror and np.linalg.det(u @ vt) < 0:
        d[2] = -1
    r = u @ np.diag(d) @ vt
    scale = float((s * d).sum() / ((a - ca) ** 2).sum())
    return scale, r, cb - scale * r @ ca


def register_leg(
    ct: list[pv.PolyData], model: list[pv.PolyData], iterations: int = 40
) -> tuple[np.ndarray, float]:
    """The 4x4 similarity (a mirror included where the CT leg is the other side) that lays
    the CT tibia and fibula on the model's, and its mean surface distance (mm).

    Symmetric iterative closest points from 24 starts: the long axes aligned (either way up,
    mirrored or not) and turned about them in 60-degree steps; the closest fit wins."""
    rng = np.random.default_rng(0)
    ct_points = np.vstack([m.points for m in ct])
    ct_points = ct_points[rng.choice(len(ct_points), min(3000, len(ct_points)), replace=False)]
    target = _merge(model)
    target_points = np.vstack([target.points, target.cell_centers().points])

    def axis_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = points.mean(axis=0)
        _, _, vt = np.linalg.svd(points - c, full_matrices=False)
        return c, vt

    ct_c, ct_axes = axis_frame(ct_points)
    m_c, m_axes = axis_frame(target_points)
    best: tuple[float, np.ndarray] | None = None
    for flip in (1.0, -1.0):
        for mirror in (1.0, -1.0):
            for turn in np.radians(np.arange(0, 360, 60)):
                c, s = np.cos(turn), np.sin(turn)
                spin = np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ np.diag([flip, mirror, flip * mirror])
                rot = m_axes.T @ spin @ ct_axes
                scale, t = 1.0, m_c - rot @ ct_c
                for _ in range(iterations):
                    moved = scale * ct_points @ rot.T + t
                    _, on_model = target.find_closest_cell(moved, return_closest_point=True)
                    _, back = cKDTree(moved).query(target_points)  # the CT sample nearest each model point
                    a = np.vstack([ct_points, ct_points[back]])
                    b = np.vstack([on_model, target_points])
                    scale, rot, t = _similarity(a, b, allow_mirror=True)
                moved = scale * ct_points @ rot.T + t
                _, on_model = target.find_closest_cell(moved, return_closest_point=True)
                error = float(np.linalg.norm(moved - on_model, axis=1).mean())
                if best is None or error < best[0]:
                    matrix = np.eye(4)
                    matrix[:3, :3], matrix[:3, 3] = scale * rot, t
                    best = (error, matrix)
    assert best is not None
    return best[1], best[0]


def penetration(a: pv.PolyData, b: pv.PolyData) -> float:
    """How deep (mm) either surface's vertices reach inside the other; 0 if apart."""

    def depth(p: pv.PolyData, q: pv.PolyData) -> float:
        lo, hi = np.array(q.bounds[::2]) - 1, np.array(q.bounds[1::2]) + 1
        near = np.all((p.points > lo) & (p.points < hi), axis=1)
        if not near.any():
            return 0.0
        d = pv.PolyData(np.asarray(p.points[near])).compute_implicit_distance(q)["implicit_distance"]
        return float(max(0.0, -np.min(d)))

    return max(depth(a, b), depth(b, a))


def gap(a: pv.PolyData, b: pv.PolyData) -> float:
    """Signed nearest distance (mm) of ``a``'s vertices to ``b``'s surface: negative inside."""
    return float(np.min(pv.PolyData(np.asarray(a.points)).compute_implicit_distance(b)["implicit_distance"]))


def _along(mesh: pv.PolyData, other: pv.PolyData, direction: np.ndarray, target: float) -> float:
    """How far to move ``mesh`` along ``direction`` so its nearest approach to ``other`` is
    ``target`` mm (a few bisection steps on the signed gap)."""
    lo, hi = -30.0, 30.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if gap(mesh.translate(direction * mid), other) < target:
            lo = mid
        else:
            hi = mid
    return hi


def remesh(
    mesh: pv.PolyData,
    triangles: int,
    voxel: float = 1.0,
    carve: tuple[pv.PolyData, ...] = (),
    closing: int = 1,
) -> pv.PolyData:
    """A closed two-manifold surface of ``mesh``'s inside, out of the ``carve`` bones.

    The model's context meshes are open or non-manifold in places (fins, doubled faces) and
    overlap where bones meet (rib heads in the vertebrae, the olecranon round the trochlea):
    voxelised, the neighbours' insides (``carve``, grown by ``CLEARANCE``) cut away, lightly
    blurred, contoured, Taubin-smoothed and decimated to about ``triangles``."""
    lo = np.array(mesh.bounds[::2]) - (4 + closing) * voxel
    hi = np.array(mesh.bounds[1::2]) + (4 + closing) * voxel
    dims = np.ceil((hi - lo) / voxel).astype(int) + 1
    grid = pv.ImageData(dimensions=dims, spacing=(voxel,) * 3, origin=lo)

    def inside(surface: pv.PolyData) -> np.ndarray:
        mask = surface.voxelize_binary_mask(reference_volume=grid)
        return np.asarray(mask.point_data[mask.point_data.keys()[0]]).reshape(dims, order="F") > 0

    solid = inside(mesh)
    if closing:  # close the small tunnels a thin or fenestrated source surface leaves
        solid = ndimage.binary_closing(solid, iterations=closing)
    solid = ndimage.binary_fill_holes(solid)
    for other in carve:
        other_inside = inside(other)
        if other_inside.any():
            solid &= ndimage.distance_transform_edt(~other_inside) * voxel > CLEARANCE
    # A signed distance (mm, positive inside), lightly blurred: smoother than the mask's steps.
    signed = ndimage.distance_transform_edt(solid) - ndimage.distance_transform_edt(~solid)
    field = ndimage.gaussian_filter(signed.astype(np.float32) * voxel, 1.0)
    grid.point_data["f"] = field.ravel(order="F")
    surface = grid.contour([0.0], scalars="f", method="flying_edges").triangulate().clean()
    surface = surface.smooth_taubin(n_iter=30, pass_band=0.05)
    surface = decimate_pieces(surface, triangles, min_piece=40)
    return surface.compute_normals(auto_orient_normals=True, split_vertices=False)


def decimate_pieces(mesh: pv.PolyData, triangles: int, min_piece: int = 0) -> pv.PolyData:
    """About ``triangles`` triangles shared among ``mesh``'s separate pieces, each decimated
    on its own (the vertebrae, the hand's and foot's bones): across the thin gaps between
    them a joint decimation pinches the surfaces together. Pieces under ``min_piece``
    triangles (specks left by carving) are dropped."""
    bodies = mesh.connectivity().split_bodies()
    pieces = [p.extract_surface(algorithm="dataset_surface") for p in bodies]
    pieces = [p for p in pieces if p.n_cells >= max(min_piece, 1)]
    total = sum(p.n_cells for p in pieces)
    pieces = [_decimate(p, max(40, int(triangles * p.n_cells / total))) for p in pieces]
    merged = pieces[0].merge(pieces[1:], merge_points=False) if len(pieces) > 1 else pieces[0]
    return pv.PolyData(merged.points, merged.faces)


def _decimate(piece: pv.PolyData, triangles: int) -> pv.PolyData:
    """About ``triangles`` triangles, in steps that each keep a closed two-manifold; where
    a step would pinch it (a thin blade such as the scapula's, once its triangles grow much
    longer than it is thick), it stops with more triangles."""
    piece = piece.clean()
    piece = pv.PolyData(piece.points, faces=piece.faces).triangulate()  # polygons only
    while piece.n_cells > triangles:
        for keep in (0.5, 0.7, 0.85):
            target = max(triangles, int(piece.n_cells * keep))
            result = piece.decimate(1.0 - target / piece.n_cells, volume_preservation=True)
            if result.is_manifold:
                piece = result
                break
        else:
            return piece
    return piece


#: Voxel size (mm) and closing (voxels) of each context bone's remeshing: fine for the
#: hand's phalanges; the skull and scapula closed over their arches, orbits and notches
#: (real tunnels that a decimation to a few thousand triangles cannot keep manifold).
VOXEL = {
    "hand": 0.8,
    "skull": 2.0,
    "foot": 1.2,
    "clavicle": 0.7,
    "scapula": 2.0,
    "cervical_spine": 1.5,
    "thoracic_spine": 1.2,
    "humerus": 1.5,
}
CLOSING = {"skull": 5, "scapula": 4, "hand": 2, "foot": 3, "thoracic_spine": 2}
#: Which finished bones each context bone is carved out of (ids; ``{side}`` filled in),
#: in the order they are built: joints and fused contacts of the model's meshes.
CARVED_BY: dict[str, tuple[str, ...]] = {
    "sternum": (),
    "rib_cage": (),
    "thoracic_spine": ("vertebra_t12", "rib_cage"),  # the rib heads' facets
    "cervical_spine": ("thoracic_spine",),
    "skull": ("cervical_spine",),
    "scapula_{side}": (),
    "clavicle_{side}": ("scapula_{side}", "sternum", "rib_cage"),
    "humerus_{side}": ("scapula_{side}",),
    "ulna_{side}": ("humerus_{side}",),
    "radius_{side}": ("humerus_{side}", "ulna_{side}"),
    "hand_{side}": ("radius_{side}", "ulna_{side}"),
    "foot_{side}": ("tibia_{side}", "fibula_{side}"),
}
#: Closed, manifold source meshes kept as they are, only refined (refine.refine): the ribs
#: and the sternum (thin bars that a voxel remeshing pinches when decimated).
REFINED = ("rib_cage", "sternum")


@dataclass
class Context:
    """The finished context bones, which of them derive from the CT leg (MPL-2.0), and a
    record for PROVENANCE.json."""

    bones: dict[str, pv.PolyData]
    ct_ids: tuple[str, ...]
    record: dict[str, object]


def build(source: ContextSource, t12_shift: np.ndarray, skeleton: dict[str, pv.PolyData]) -> Context:
    """Remesh and place the context bones around ``skeleton`` (femurs, T12, pelvis)."""
    if source.wheel is None:
        raise ValueError("no gias3.examples wheel to read the CT tibia and fibula from")
    tibia_ct, fibula_ct, ct_sha256 = read_ct_leg(source.wheel)
    record: dict[str, object] = {
        "ct_leg": {
            "package": pelvis.PACKAGE,
            "version": pelvis.VERSION,
            "file": CT_MEMBER,
            "licence": "MPL-2.0",
            "sha256": ct_sha256,
        },
        "knee_space_mm": KNEE_SPACE,
        "clearance_mm": CLEARANCE,
    }
    bones: dict[str, pv.PolyData] = {}
    # The right leg, laid on the model's; the left is its mirror image, as the femurs are.
    femur = skeleton["femur_right"]
    model_leg = [source.legs["tibia_right"], source.legs["fibula_right"]]
    matrix, error = register_leg([tibia_ct, fibula_ct], model_leg)
    mirrored = bool(np.linalg.det(matrix[:3, :3]) < 0)
    leg = []
    for mesh, sid in ((tibia_ct, "tibia_right"), (fibula_ct, "fibula_right")):
        placed = mesh.transform(matrix, inplace=False)
        placed = placed.flip_faces() if mirrored else placed  # keep the faces turned outward
        leg.append(refine.decimate_to(placed, TRIANGLES[sid]))
    # Seat the tibia (and the fibula with it) under the condyles along its long axis.
    axis = _long_axis(leg[0])
    drop = _along(leg[0], femur, axis, KNEE_SPACE)
    for mesh, sid in zip(leg, ("tibia_right", "fibula_right"), strict=True):
        bones[sid] = mesh.translate(axis * drop).compute_normals(
            auto_orient_normals=True, split_vertices=False
        )
    patella = remesh(source.legs["patella_right"], TRIANGLES["patella_right"], 0.6)
    forward = np.array([0.0, 1.0, 0.0])
    push = max(0.0, _along(patella, femur, forward, CLEARANCE))
    bones["patella_right"] = patella.translate(forward * push)
    for name in ("tibia", "fibula", "patella"):
        bones[f"{name}_left"] = mirror(bones[f"{name}_right"], 0.0)
    fits = {
        "mean_distance_to_model_mm": round(error, 2),
        "scale": round(float(np.cbrt(abs(np.linalg.det(matrix[:3, :3])))), 4),
        "mirrored_onto_the_right": mirrored,
        "tibia_seated_mm": [round(float(c), 2) for c in axis * drop],
        "patella_forward_mm": round(push, 2),
        "left": "mirror image of the right about the midline plane x = 0",
    }
    record["ct_leg_registration"] = fits
    shift = np.asarray(t12_shift, dtype=float)
    # The upper body's midline: the spine was carried onto the CT sacrum, a few mm to one side.
    midline = float(np.mean(source.upper["thoracic_spine"].points[:, 0]) + shift[0])
    raw = {**source.legs, **{sid: mesh.translate(shift) for sid, mesh in source.upper.items()}}
    set_back: dict[str, object] = {}
    for template, carvers in CARVED_BY.items():
        for side in SIDES if "{side}" in template else ("",):
            sid = template.format(side=side)
            if sid in bones:
                continue
            done = {**skeleton, **bones}
            kind = sid.removesuffix(f"_{side}") if side else sid
            if side == "left":  # the model's two sides are mirror images: so are ours
                plane = 0.0 if sid in source.legs else midline
                bones[sid] = mirror(bones[template.format(side="right")], plane)
                continue
            if kind in REFINED:
                mesh = refine.refine(raw[sid], TRIANGLES[sid])
            else:
                carve = tuple(done[c.format(side=side)] for c in carvers)
                mesh = remesh(raw[sid], TRIANGLES[sid], VOXEL.get(kind, 1.0), carve, CLOSING.get(kind, 1))
            if kind == "scapula":  # the model's scapula sinks into the ribs: set it back
                back = np.array([0.0, -1.0, 0.0])
                step = max(0.0, _along(mesh, done["rib_cage"], back, CLEARANCE))
                mesh = mesh.translate(back * step)
                set_back[sid] = round(step, 2)
            bones[sid] = mesh
    record["scapula_set_back_mm"] = set_back
    everything = {**skeleton, **bones}
    record["penetration_mm"] = {
        f"{a}/{b}": round(penetration(everything[a], everything[b]), 2) for a, b in NEIGHBOURS
    }
    return Context(
        bones=bones, ct_ids=tuple(f"{b}_{s}" for b in ("tibia", "fibula") for s in SIDES), record=record
    )


def mirror(mesh: pv.PolyData, plane_x: float) -> pv.PolyData:
    """``mesh`` reflected in the sagittal plane x = ``plane_x``, its faces still outward."""
    points = np.array(mesh.points, dtype=float)
    points[:, 0] = 2 * plane_x - points[:, 0]
    reflected = pv.PolyData(points, mesh.faces.copy()).flip_faces()
    return reflected.compute_normals(auto_orient_normals=True, split_vertices=False)


def _long_axis(mesh: pv.PolyData) -> np.ndarray:
    """Unit principal axis of a long bone, pointing down (its distal end)."""
    p = np.asarray(mesh.points)
    _, _, vt = np.linalg.svd(p - p.mean(axis=0), full_matrices=False)
    return vt[0] if vt[0][2] < 0 else -vt[0]


#: How far above its lowest point (mm) each malleolus is looked for.
MALLEOLUS_MM = 15.0


def leg_landmarks(
    bones: dict[str, pv.PolyData], sites: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The knee's, ankle's and foot's landmarks on the finished bones (RAS mm), and how far
    the joint centres found on the bones lie from the model's own (``KJC``, ``AJC``).

    Epicondyles: the distal femur's extreme points across the knee's flexion axis (the
    model's is within 5 degrees of left-right), 15-60 mm above the condyles' lowest point.
    Malleoli: the fibula's most lateral and the tibia's most medial point in their lowest
    ``MALLEOLUS_MM`` (the malleoli's tips). The knee's centre is the epicondyles' midpoint
    (within about 2 mm of the model's knee joint), the ankle's the model's ankle joint. The
    heel is the calcaneus' lowest point behind the ankle; the fifth metatarsal head is the
    model's ``MT5`` marker snapped onto the foot, the first the foot's most medial point
    from there to 35 mm ahead of it; the tibial tuberosity the model's ``recfem-P5`` snapped
    onto the tibia."""
    points: dict[str, np.ndarray] = {}
    checks: dict[str, object] = {}
    for side, (suffix, sign) in SIDES.items():
        femur = np.asarray(bones[f"femur_{side}"].points)
        low = femur[:, 2].min()
        band = femur[(femur[:, 2] > low + 15) & (femur[:, 2] < low + 60)]
        lateral = band[np.argmax(band[:, 0] * sign)]
        medial = band[np.argmin(band[:, 0] * sign)]
        points[f"femoral_epicondyle_lateral_{side}"] = lateral
        points[f"femoral_epicondyle_medial_{side}"] = medial
        knee = (lateral + medial) / 2
        points[f"knee_joint_center_{side}"] = knee

        tibia = np.asarray(bones[f"tibia_{side}"].points)
        fibula = np.asarray(bones[f"fibula_{side}"].points)
        tib_low = tibia[tibia[:, 2] < tibia[:, 2].min() + MALLEOLUS_MM]
        fib_low = fibula[fibula[:, 2] < fibula[:, 2].min() + MALLEOLUS_MM]
        points[f"malleolus_lateral_{side}"] = fib_low[np.argmax(fib_low[:, 0] * sign)]
        points[f"malleolus_medial_{side}"] = tib_low[np.argmin(tib_low[:, 0] * sign)]
        # The ankle's centre is the model's (its foot turns about it, the talus in the
        # mortise); the malleoli's midpoint lies 10-20 mm higher, at the tibial plafond.
        malleoli = (points[f"malleolus_lateral_{side}"] + points[f"malleolus_medial_{side}"]) / 2
        ankle = np.asarray(sites[f"ankle{suffix}"], dtype=float)
        points[f"ankle_joint_center_{side}"] = ankle

        foot_mesh = bones[f"foot_{side}"]
        foot = np.asarray(foot_mesh.points)
        behind = foot[foot[:, 1] < ankle[1]]
        points[f"heel_{side}"] = behind[np.argmin(behind[:, 2])]
        fifth = snap(foot_mesh, sites[f"MT5{suffix}"])
        points[f"fifth_metatarsal_head_{side}"] = fifth
        ahead = foot[(foot[:, 1] > fifth[1]) & (foot[:, 1] < fifth[1] + 35) & (foot[:, 2] < ankle[2] - 30)]
        points[f"first_metatarsal_head_{side}"] = ahead[np.argmin(ahead[:, 0] * sign)]
        points[f"toe_tip_{side}"] = foot[np.argmax(foot[:, 1])]

        points[f"patella_center_{side}"] = np.asarray(bones[f"patella_{side}"].center_of_mass())
        tuberosity_site = sites[f"recfem-P5{suffix}"]
        points[f"tibial_tuberosity_{side}"] = snap(bones[f"tibia_{side}"], tuberosity_site)
        points[f"anterior_inferior_iliac_spine_{side}"] = snap(
            bones[f"hip_bone_{side}"], sites[f"recfem-P1{suffix}"]
        )
        checks[side] = {
            "knee_centre_to_model_knee_joint_mm": round(
                float(np.linalg.norm(knee - sites[f"knee{suffix}"])), 1
            ),
            "malleoli_midpoint_to_ankle_centre_mm": [round(float(c), 1) for c in malleoli - ankle],
            "tibial_tuberosity_to_model_site_mm": round(
                float(np.linalg.norm(points[f"tibial_tuberosity_{side}"] - tuberosity_site)), 1
            ),
        }
    return points, checks
