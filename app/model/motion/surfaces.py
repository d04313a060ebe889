"""Rest surfaces and the arithmetic the deformation does on them (numpy only): a surface's
vertices, normals and triangles (:class:`Tissue`), distances to its nearest vertex, normals,
volume. Written out for the small arrays a frame deals in (``np.cross`` spends most of its
time arranging axes for them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tissue:
    """A rest surface a nerve can lie in or along: vertices (N, 3), unit normals (N, 3) and
    triangles (M, 3)."""

    points: np.ndarray
    normals: np.ndarray
    faces: np.ndarray

    @classmethod
    def of(cls, points: np.ndarray, faces: np.ndarray) -> Tissue:
        points, faces = np.asarray(points, dtype=float), np.asarray(faces)
        return cls(points, vertex_normals(points, faces), faces)

    def sampled(self, spacing: float) -> np.ndarray:
        """Points over every triangle no further apart than about ``spacing`` (mm): the
        vertices alone leave gaps where triangles are long (a femur's shaft)."""
        corners = self.points[self.faces]  # (M, 3, 3)
        longest = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max(axis=1)
        out = [self.points]
        for steps in np.unique(np.ceil(longest / spacing).astype(int)):
            if steps < 2:
                continue
            i, j = np.meshgrid(np.arange(steps + 1), np.arange(steps + 1), indexing="ij")
            keep = i + j <= steps
            weights = np.stack([i[keep], j[keep], steps - i[keep] - j[keep]], axis=1) / steps
            chosen = corners[np.ceil(longest / spacing).astype(int) == steps]
            out.append(np.einsum("kc,mcd->mkd", weights, chosen).reshape(-1, 3))
        return np.concatenate(out)


def cells(points: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The mean point of each cube of ``size`` mm that holds points, and each point's cube."""
    _, index = np.unique(np.floor(points / size).astype(np.int64), axis=0, return_inverse=True)
    index = index.reshape(-1)
    count = np.bincount(index)
    means = np.stack([np.bincount(index, points[:, k]) for k in range(3)], axis=1) / count[:, None]
    return means, index


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) squared distances."""
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0.0)


def nearest_vertex(points: np.ndarray, surface: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to the surface's nearest vertex (inf beyond ``reach`` of its
    box), and that vertex."""
    distance = np.full(len(points), np.inf)
    vertex = np.zeros(len(points), dtype=np.int64)
    low, high = surface.min(axis=0) - reach, surface.max(axis=0) + reach
    near = np.flatnonzero(((points > low) & (points < high)).all(axis=1))
    for start in range(0, len(near), 512):
        chunk = near[start : start + 512]
        squared = squared_distances(points[chunk], surface)
        vertex[chunk] = squared.argmin(axis=1)
        distance[chunk] = np.sqrt(squared[np.arange(len(chunk)), vertex[chunk]])
    return distance, vertex


def distance_to(points: np.ndarray, surface: np.ndarray, reach: float) -> np.ndarray:
    distance, _ = nearest_vertex(points, surface, reach)
    return np.where(distance <= reach, distance, np.inf)


def signed_distance(points: np.ndarray, tissue: Tissue, reach: float) -> np.ndarray:
    """Distance to the surface's nearest vertex, negative inside (behind its normal)."""
    distance, vertex = nearest_vertex(points, tissue.points, reach)
    inward = np.isfinite(distance) & (
        ((points - tissue.points[vertex]) * tissue.normals[vertex]).sum(axis=1) < 0
    )
    return np.where(inward, -distance, distance)


def volume_of(points: np.ndarray, faces: np.ndarray, face_normals: np.ndarray | None = None) -> float:
    """Volume enclosed by a closed, outward-wound triangle mesh (divergence theorem: each
    triangle's first corner dotted with its :func:`face_normals_of`, a sixth of their sum)."""
    normals = face_normals_of(points, faces) if face_normals is None else face_normals
    return float(np.einsum("ij,ij->", points[faces[:, 0]], normals) / 6.0)


def keep_volume(points: np.ndarray, faces: np.ndarray, volume: float) -> np.ndarray:
    """Move the surface along its normals by the thickness that restores ``volume``: what a
    stretched muscle loses in girth, a shortened one gains."""
    face_normals = face_normals_of(points, faces)
    area = float(np.sqrt((face_normals**2).sum(axis=1)).sum() / 2)
    offset = (volume - volume_of(points, faces, face_normals)) / area if area > 0 else 0.0
    if abs(offset) < 1e-3:
        return points
    return points + offset * vertex_normals(points, faces, face_normals)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays, or of a vector with rows (np.cross spends
    most of its time arranging axes for arrays this small: a fifth of a playing frame)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1]
    out[..., 1] = a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2]
    out[..., 2] = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    return out


def face_normals_of(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Each triangle's normal, twice its area long."""
    a, b, c = points[faces[:, 0]], points[faces[:, 1]], points[faces[:, 2]]
    return cross(b - a, c - a)


def vertex_normals(
    points: np.ndarray, faces: np.ndarray, face_normals: np.ndarray | None = None
) -> np.ndarray:
    """Unit vertex normals: the area-weighted sum of the faces around each vertex."""
    if face_normals is None:
        face_normals = face_normals_of(points, faces)
    normals = np.zeros_like(points)
    for corner in range(3):
        for axis in range(3):
            normals[:, axis] += np.bincount(faces[:, corner], face_normals[:, axis], minlength=len(points))
    return normals / np.maximum(np.sqrt((normals**2).sum(axis=1))[:, None], 1e-12)
