"""Named points and attachment regions (RAS mm) that the mesh build writes into ``meshes/``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


def load_landmarks(path: Path) -> dict[str, tuple[float, float, float]]:
    """Read landmarks; raise ``ValueError`` naming the file on a bad file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("units") != "mm" or data.get("frame") != "RAS":
            raise ValueError("expected units 'mm' and frame 'RAS'")
        return {str(k): (float(v[0]), float(v[1]), float(v[2])) for k, v in data["landmarks"].items()}
    except (OSError, json.JSONDecodeError, KeyError, TypeError, IndexError, ValueError) as exc:
        raise ValueError(f"{path}: bad landmarks file: {exc}") from exc


@dataclass(frozen=True)
class Attachment:
    """Where a muscle attaches: an origin or insertion region on a bone (surface points, mm)."""

    muscle: str
    role: str  # "origin" or "insertion"
    bone: str
    name: str
    points: tuple[tuple[float, float, float], ...]


def load_attachments(path: Path) -> list[Attachment]:
    """Read the attachment regions written by the mesh build; raise ``ValueError`` naming the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [
            Attachment(
                muscle=str(a["muscle"]),
                role=str(a["role"]),
                bone=str(a["bone"]),
                name=str(a["name"]),
                points=tuple((float(p[0]), float(p[1]), float(p[2])) for p in a["points"]),
            )
            for a in data["attachments"]
        ]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, IndexError, ValueError) as exc:
        raise ValueError(f"{path}: bad attachments file: {exc}") from exc
