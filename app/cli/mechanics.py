"""``psoas-atlas mechanics``: muscle lengths and moment arms over a joint's range."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.common import UsageError, exit_status, find_activity, load_atlas, resolve_pose
from app.model.motion.kinematics import JOINTS, Pose
from app.model.motion.mechanics import Mechanics


def cmd_mechanics(args: argparse.Namespace) -> int:
    start, stop = getattr(args, "from"), args.to
    if args.activity is not None:
        options: list[tuple[str, Any]] = [("--joint", args.joint), ("--from", start), ("--to", stop)]
        options += [("--pose", args.pose or None), ("--fascicles", args.fascicles or None)]
        given = [o for o, v in options if v is not None]
        if given:
            raise UsageError(f"--activity gives every joint's angle: leave out {given[0]}")
        return _activity_mechanics(args)
    missing = [o for o, v in (("--joint", args.joint), ("--from", start), ("--to", stop)) if v is None]
    if missing:
        raise UsageError(f"{missing[0]} is needed (or --activity NAME for an activity's cycle)")
    atlas = load_atlas(args)
    body = atlas.body
    base = resolve_pose(atlas, args.pose)
    if body is None:  # resolve_pose refused already
        return 2
    joint = JOINTS[args.joint]
    if not body.rig.can_turn(joint.name):
        raise UsageError(f"--joint {joint.name}: {body.rig.missing}")
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
        row = {
            "angle": angle,
            "length": {m: round(v, 2) for m, v in lengths.items()},
            "moment_arm": {m: round(v, 2) + 0.0 for m, v in arms.items()},
        }
        if args.fascicles:
            row["fascicles"] = _fascicles(mechanics, pose, joint.name)
        rows.append(row)
    if args.json:
        units = {"angle": "deg", "length": "mm", "moment_arm": "mm"}
        document = {"joint": joint.name, "pose": base.as_dict(), "units": units, "rows": rows}
        if args.fascicles:
            document["fascicle_origins"] = {
                m: {f.name: f.origin for f in mechanics.paths.muscles[m]} for m in mechanics.muscles
            }
        print(json.dumps(document, indent=1))
        return exit_status(atlas)
    muscles = mechanics.muscles
    print(f"{joint.label} ({joint.meaning}); lengths and moment arms in mm; other joints: {base.describe()}")
    print("angle  " + "  ".join(f"{m:>28}" for m in muscles))
    for row in rows:
        cells = [f"{row['length'][m]:7.1f} mm, arm {row['moment_arm'][m]:6.1f}" for m in muscles]
        print(f"{row['angle']:5g}  " + "  ".join(f"{c:>28}" for c in cells))
    if args.fascicles:
        _print_fascicles(mechanics, rows)
    return exit_status(atlas)


def _fascicles(mechanics: Mechanics, pose: Pose, joint: str) -> dict[str, dict[str, dict[str, float]]]:
    """Each muscle's fascicles' length and moment arm about ``joint`` (mm), by name."""
    out = {}
    for muscle in mechanics.muscles:
        lengths = mechanics.fascicle_lengths(muscle, pose)
        arms = mechanics.fascicle_moment_arms(muscle, pose, joint)
        out[muscle] = {
            name: {"length": round(lengths[name], 2), "moment_arm": round(arms[name], 2) + 0.0}
            for name in lengths
        }
    return out


def _print_fascicles(mechanics: Mechanics, rows: list[dict]) -> None:
    """A table per muscle of two or more fascicles: a row per fascicle, a column per angle."""
    for muscle in mechanics.muscles:
        fascicles = mechanics.paths.muscles[muscle]
        if len(fascicles) < 2:
            continue
        name = max(len("fascicle"), *(len(f.name) for f in fascicles)) + 2
        origin = max(len(f.origin) + 2 for f in fascicles) if any(f.origin for f in fascicles) else 0
        print(f"\n{muscle}: each fascicle's length, moment arm (mm)")
        head = f"{'fascicle':<{name}}" + (f"{'origin':<{origin}}" if origin else "")
        print(head + "".join(f"{row['angle']:>15g}" for row in rows))
        for f in fascicles:
            cells = [row["fascicles"][muscle][f.name] for row in rows]
            print(
                f"{f.name:<{name}}{f.origin:<{origin}}"
                + "".join(f"{c['length']:8.1f},{c['moment_arm']:6.1f}" for c in cells)
            )


#: Samples of an activity's cycle ``mechanics --activity`` reports: every 2 %, 0 to 100.
ACTIVITY_STEP = 2


def _activity_mechanics(args: argparse.Namespace) -> int:
    """Each muscle's length and its moment arm about its own side's hip (flexion +) at every
    2 % of an activity's cycle, with the joint angles there (the rig's: ``--pose`` takes them)."""
    atlas = load_atlas(args)
    if atlas.body is None:
        raise UsageError("cannot measure an activity: the landmarks lack the joint centres")
    activity = find_activity(atlas, args.activity)
    mechanics = atlas.body.mechanics
    rows: list[dict[str, Any]] = []
    for percent in range(0, 101, ACTIVITY_STEP):
        fraction = percent / 100
        pose = activity.pose_at(fraction)
        phase = activity.phase_at(fraction)
        lengths = mechanics.lengths(pose)
        arms = {m: mechanics.hip_flexion_moment_arm(m, pose) for m in mechanics.muscles}
        rows.append(
            {
                "cycle_percent": percent,
                "phase": phase.name if phase is not None else None,
                "posture": pose.posture,
                "angles": {j: round(pose[j], 2) + 0.0 for j in activity.joints},
                "length": {m: round(v, 2) for m, v in lengths.items()},
                "moment_arm": {m: round(v, 2) + 0.0 for m, v in arms.items()},
            }
        )
    if args.json:
        document = {
            "activity": activity.name,
            "title": activity.title,
            "source": activity.source,
            "licence": activity.licence,
            "population": activity.population,
            "periodic": activity.periodic,
            "units": {"cycle_percent": "%", "angles": "deg", "length": "mm", "moment_arm": "mm"},
            "conventions": (
                "0 % is the right side's start (walking: right initial contact); angles are this "
                "rig's joints: hip_flexion_SIDE is the thigh in the body's frame, so the hip's own "
                "flexion is hip_flexion_SIDE + pelvic_tilt; moment_arm is about the muscle's own "
                "side's hip flexion (+ a flexor)"
            ),
            "rows": rows,
        }
        print(json.dumps(document, indent=1))
        return exit_status(atlas)
    muscles = mechanics.muscles
    print(f"{activity.title} ({activity.population}); lengths in mm, every {ACTIVITY_STEP} % of the cycle")
    print("   %  " + "  ".join(f"{m:>22}" for m in muscles) + "  phase")
    for row in rows:
        cells = "  ".join(f"{row['length'][m]:22.1f}" for m in muscles)
        print(f"{row['cycle_percent']:4d}  {cells}  {row['phase'] or ''}")
    return exit_status(atlas)
