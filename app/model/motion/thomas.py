"""The modified Thomas test read as a clinician reads it, with muscles of any length.

On the back at the end of the table, the other knee held to the chest, the tested leg hangs
until its hip flexors stop it: the thigh until the one-joint flexors (psoas major, iliacus)
are at the end of their length, the shank until the rectus femoris, which crosses hip and
knee, is. The named pose ``thomas_test`` is the test of normal muscles (the thigh 12 deg below
the horizontal, the knee at 80 deg); a muscle shortened by a share of its length stops the
leg where the length model (:class:`~.mechanics.Mechanics`) puts that shorter end:

- a short iliopsoas holds the thigh up (hip flexion) until both muscles are no longer than
  their shortened end lengths; the shank still hangs as it did (its angle to the vertical
  kept), so the knee flexes as far as the rectus femoris lets it;
- a short rectus femoris straightens the knee first; when even a straight knee leaves it too
  long, the thigh comes up as well.

So the test tells the two apart: the thigh above the horizontal with the knee bent means
short one-joint hip flexors, a straightened knee with the thigh down a short rectus femoris.
"""

from __future__ import annotations

from collections.abc import Callable

from app.model.motion.kinematics import JOINTS, Pose
from app.model.motion.mechanics import Mechanics

#: The most a setting may shorten a muscle (a share of its length).
MOST_SHORTENED = 0.15
ONE_JOINT = ("psoas_major", "iliacus")
TWO_JOINT = "rectus_femoris"


def _solve(too_long: Callable[[float], bool], low: float, high: float) -> float:
    """The smallest angle in [low, high] at which ``too_long`` is no longer true (bisection;
    ``too_long`` goes from True to False as the angle grows), or ``high``."""
    if not too_long(low):
        return low
    if too_long(high):
        return high
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if too_long(mid) else (low, mid)
    return high


def thomas_rest(
    mechanics: Mechanics,
    normal: Pose,
    side: str = "right",
    iliopsoas: float = 0.0,
    rectus_femoris: float = 0.0,
) -> Pose:
    """Where the tested leg (``side``) of the Thomas test comes to rest when its iliopsoas
    and rectus femoris are shortened by the given shares (0 to :data:`MOST_SHORTENED`) of
    their normal end lengths, which they have in ``normal`` (the named pose)."""
    for share in (iliopsoas, rectus_femoris):
        if not 0.0 <= share <= MOST_SHORTENED:
            raise ValueError(f"a shortening of {share:.0%} is out of range (0 to {MOST_SHORTENED:.0%})")
    hip, knee = f"hip_flexion_{side}", f"knee_flexion_{side}"
    h0, k0 = normal[hip], normal[knee]
    top_hip, top_knee = JOINTS[hip].upper, JOINTS[knee].upper

    def length(muscle: str, h: float, k: float) -> float:
        return mechanics.length(f"{muscle}_{side}", normal.updated({hip: h, knee: k}))

    ends = {m: (1.0 - iliopsoas) * length(m, h0, k0) for m in ONE_JOINT}
    rf_end = (1.0 - rectus_femoris) * length(TWO_JOINT, h0, k0)

    def hanging(h: float) -> float:  # the shank keeps its angle to the vertical
        return min(top_knee, max(0.0, k0 + (h - h0)))

    # The thigh rises until both one-joint flexors are within their shortened ends.
    h = _solve(lambda a: any(length(m, a, hanging(a)) > ends[m] for m in ONE_JOINT), h0, top_hip)
    # The knee straightens until the rectus femoris is within its end; straight and still
    # too long, the thigh comes up too.
    if length(TWO_JOINT, h, 0.0) > rf_end:
        h = _solve(lambda a: length(TWO_JOINT, a, 0.0) > rf_end, h, top_hip)
        k = 0.0
    else:
        k = hanging(h) - _solve(lambda d: length(TWO_JOINT, h, hanging(h) - d) > rf_end, 0.0, hanging(h))
    return normal.updated({hip: round(h, 1), knee: round(k, 1)})
