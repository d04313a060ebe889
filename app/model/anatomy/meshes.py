"""Check a mesh file before VTK reads it: VTK's PLY reader crashes the process on a
truncated file and accepts garbage silently, so every mesh is read here first with
``plyfile`` (memory-mapped: element counts are checked against the file's size) and
checked for what a surface needs: finite coordinates and triangles whose corners exist.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from app.model.io.atomic import not_a_regular_file

#: The largest mesh file read (the shipped ones are under 400 kB).
MAX_MESH_BYTES = 64_000_000
#: The longest header read: VTK's PLY reader fails on a header line over 4,095 bytes, and the
#: shipped headers are under 400.
MAX_HEADER_BYTES = 4_000
#: What a face's corner list may be called in a PLY file.
INDEX_NAMES = ("vertex_indices", "vertex_index")


def check_mesh(path: Path) -> str | None:
    """Why ``path`` is not a usable triangle mesh, in a few words, or None if it is."""
    path = Path(path)
    try:  # never opened otherwise: a named pipe would wait for a writer forever
        if kind := not_a_regular_file(path):
            return f"not a regular file: it is {kind}"
        stat = path.stat()
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    return _check(str(path), stat.st_size, stat.st_mtime_ns)


@cache
def _check(path: str, size: int, _mtime_ns: int) -> str | None:
    """Cached on the file's size and time, so each mesh is read once per process."""
    from plyfile import PlyData, PlyParseError

    if size == 0:
        return "empty file"
    if size > MAX_MESH_BYTES:
        return f"file too large (over {MAX_MESH_BYTES:,} bytes)"
    with open(path, "rb") as handle:
        head = handle.read(MAX_HEADER_BYTES)
    if not head.startswith(b"ply\n"):
        return "not a PLY file"
    if b"end_header" not in head:
        return f"no end_header in the first {MAX_HEADER_BYTES:,} bytes (the header is too long or cut)"
    try:
        lengths = {"face": dict.fromkeys(INDEX_NAMES, 3)}
        data = PlyData.read(path, known_list_len=lengths)
    except PlyParseError as exc:
        return f"broken PLY file: {exc}"
    except (ValueError, UnicodeDecodeError, MemoryError, OSError) as exc:
        return f"broken PLY file: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    names = [element.name for element in data.elements]
    if "vertex" not in names or "face" not in names:
        return "a mesh needs 'vertex' and 'face' elements"
    vertices, faces = data["vertex"], data["face"]
    if not {"x", "y", "z"} <= set(vertices.data.dtype.names or ()):
        return "vertices need x, y and z"
    if vertices.count < 3 or faces.count < 1:
        return "no surface (fewer than 3 vertices or no face)"
    with np.errstate(all="ignore"):  # garbage (the wrong byte order, say) is refused next, quietly
        points = np.column_stack([np.asarray(vertices[axis], dtype=float) for axis in "xyz"])
    if not np.isfinite(points).all():
        return "coordinates that are not finite numbers (NaN or infinity)"
    field = next((n for n in INDEX_NAMES if n in (faces.data.dtype.names or ())), None)
    if field is None:
        return "faces need vertex_indices"
    indices = np.asarray(faces[field])
    if indices.size and (indices.min() < 0 or indices.max() >= vertices.count):
        return f"faces refer to vertices that do not exist (the file has {vertices.count})"
    return None


@cache
def read_surface(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A checked mesh file's vertices (N, 3) and triangles (M, 3), read once per process
    (the cross-sections' surfaces: no VTK)."""
    from plyfile import PlyData

    data = PlyData.read(str(path), known_list_len={"face": dict.fromkeys(INDEX_NAMES, 3)})
    vertices = data["vertex"]
    points = np.column_stack([np.asarray(vertices[axis], dtype=float) for axis in "xyz"])
    field = next(n for n in INDEX_NAMES if n in (data["face"].data.dtype.names or ()))
    faces = np.asarray(data["face"][field], dtype=np.int64).reshape(-1, 3)
    points.setflags(write=False)
    faces.setflags(write=False)
    return points, faces
