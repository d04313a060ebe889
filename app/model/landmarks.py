"""Named anatomical points (RAS mm), written by the mesh build into ``meshes/landmarks.json``."""

from __future__ import annotations

import json
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
