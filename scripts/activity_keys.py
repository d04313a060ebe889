"""Write the ``rows`` of an activity file that gives its published key values (``keys:``):
each angle every 1 % of the cycle, a shape-preserving cubic through its keys (PCHIP, scipy's
``PchipInterpolator``: it passes through every key, never overshoots one, and each key that is
a peak stays the peak, at its %). A periodic cycle is continued a cycle either side before
fitting, so the curve is smooth across its end; a movement played once (``periodic: false``)
starts and ends at rest (the first and last keys held either side: no slope at the ends).

    python scripts/activity_keys.py app/data/annotations/activities/stair_ascent.yaml

Everything from ``columns:`` on is rewritten; the lines above it are kept as written.
Needs scipy (``pip install -e .[build]``); the atlas itself reads the rows and needs none.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml
from scipy.interpolate import PchipInterpolator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.model.motion.activities import DATA_COLUMNS

STEP = 1.0  # % of the cycle between rows


def curve(pairs: list[list[float]], periodic: bool) -> PchipInterpolator:
    """The PCHIP through ``pairs`` ([%, degrees], ...) over 0 to 100 %."""
    keys = np.asarray(pairs, dtype=float)
    if periodic:
        if keys[0, 0] == 0 and keys[-1, 0] == 100:
            keys = keys[:-1]  # 100 % is 0 % again
        cycle = np.array([100.0, 0.0])
        keys = np.vstack([keys - cycle, keys, keys + cycle])
    else:
        held = np.array([10.0, 0.0])
        keys = np.vstack([keys[0] - held, keys, keys[-1] + held])
    return PchipInterpolator(keys[:, 0], keys[:, 1])


def rows(document: dict) -> tuple[list[str], list[list[float]]]:
    periodic = bool(document.get("periodic", True))
    keys = document["keys"]
    columns = [c for c in DATA_COLUMNS if c in keys]
    grid = np.arange(0.0, 100.0 + STEP / 2, STEP)
    curves = {c: curve(keys[c], periodic)(grid) for c in columns}
    table = [
        [round(float(p), 1), *(round(float(curves[c][i]), 2) for c in columns)] for i, p in enumerate(grid)
    ]
    return ["cycle_percent", *columns], table


def main(path: Path) -> None:
    text = path.read_text()
    document = yaml.safe_load(text)
    columns, table = rows(document)
    head = text[: text.index("\ncolumns:") + 1]
    lines = [f"columns: [{', '.join(columns)}]", "rows:"]
    lines += [f"  - [{row[0]:g}, {', '.join(f'{v:.2f}' for v in row[1:])}]" for row in table]
    path.write_text(head + "\n".join(lines) + "\n")
    print(f"wrote {len(table)} rows of {', '.join(columns[1:])} to {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
