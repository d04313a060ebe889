"""``psoas-atlas mechanics``: muscle lengths and moment arms over a joint's range."""

from __future__ import annotations

import argparse
import json

from app.cli.common import UsageError, exit_status, load_atlas, resolve_pose
from app.model.motion.kinematics import JOINTS


def cmd_mechanics(args: argparse.Namespace) -> int:
    atlas = load_atlas(args)
    body = atlas.body
    base = resolve_pose(atlas, args.pose)
    if body is None:  # resolve_pose refused already
        return 2
    joint = JOINTS[args.joint]
    start, stop = getattr(args, "from"), args.to
    for label, value in (("--from", start), ("--to", stop)):
        if not joint.lower <= value <= joint.upper:
            raise UsageError(
                f"{label} {value:g}: {joint.name} ranges from {joint.lower:g} to {joint.upper:g} degrees"
            )
    if args.step <= 0 or (stop - start) / args.step > 10_000:
        raise UsageError(f"--step {args.step:g}: must be positive, at most 10,000 steps")
    count = int(abs(stop - start) / args.step + 1e-9) + 1
    direction = 1 if stop >= start else -1
    mechanics = body.mechanics
    rows = []
    for i in range(count):
        angle = round(start + direction * i * args.step, 6)
        pose = base.updated({joint.name: angle})
        lengths = mechanics.lengths(pose)
        arms = {m: mechanics.moment_arm(m, pose, joint.name) for m in mechanics.muscles}
        rows.append(
            {
                "angle": angle,
                "length": {m: round(v, 2) for m, v in lengths.items()},
                "moment_arm": {m: round(v, 2) + 0.0 for m, v in arms.items()},
            }
        )
    if args.json:
        units = {"angle": "deg", "length": "mm", "moment_arm": "mm"}
        print(
            json.dumps({"joint": joint.name, "pose": base.as_dict(), "units": units, "rows": rows}, indent=1)
        )
        return exit_status(atlas)
    muscles = mechanics.muscles
    print(f"{joint.label} ({joint.meaning}); lengths and moment arms in mm; other joints: {base.describe()}")
    print("angle  " + "  ".join(f"{m:>28}" for m in muscles))
    for row in rows:
        cells = [f"{row['length'][m]:7.1f} mm, arm {row['moment_arm'][m]:6.1f}" for m in muscles]
        print(f"{row['angle']:5g}  " + "  ".join(f"{c:>28}" for c in cells))
    return exit_status(atlas)
