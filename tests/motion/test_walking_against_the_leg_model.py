"""Issue 32: the lengths over a measured gait cycle against Rajagopal et al. 2016's leg model
(``myolegs``, driven with MuJoCo at our hip and knee angles at every sample): the psoas,
the iliacus and the rectus femoris change as the model's do, and the cycle's extremes fall
where the data put them."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.io import paths
from app.model.motion.activities import load_activities
from app.model.motion.kinematics import Pose
from tests.motion.leg_model import LegModel

#: Every 2 % of the cycle, as the data are sampled.
FRACTIONS = np.linspace(0.0, 1.0, 51)
#: Most our length change may differ from the model's (mm), after each muscle's neutral
#: length is taken away (issue 32).
WITHIN_MM = 5.0
MUSCLES = {
    "psoas_major_right": "psoas_r_tendon",
    "iliacus_right": "iliacus_r_tendon",
    "rectus_femoris_right": "recfem_r_tendon",
}


@pytest.fixture(scope="module")
def walking():
    activities, problems = load_activities(paths.annotations_dir())
    assert problems == []
    return activities["walking"]


@pytest.fixture(scope="module")
def cycle(walking, mechanics, rig):
    """Ours and the model's length changes (mm) at each sample, and the hip's own angles."""
    if not rig.can_turn("knee_flexion_right"):
        pytest.skip(f"the shipped rig cannot bend the knee: {rig.missing}")
    model = LegModel()
    tendons = tuple(MUSCLES.values())
    model_rest = model.lengths(tendons)
    ours_rest = {m: mechanics.length(m, Pose()) for m in MUSCLES}
    rows = []
    for fraction in FRACTIONS:
        pose = walking.pose_at(float(fraction))
        angles = {
            "hip_flexion_r": pose.hip_flexion("right"),  # the thigh against the pelvis
            "hip_adduction_r": pose["hip_adduction_right"],
            "hip_rotation_r": pose["hip_rotation_right"],  # + internal in both
            "knee_angle_r": pose["knee_flexion_right"],
        }
        theirs = model.lengths(tendons, **angles)
        rows.append(
            {
                "hip": angles["hip_flexion_r"],
                "ours": {m: mechanics.length(m, pose) - ours_rest[m] for m in MUSCLES},
                "model": {m: theirs[t] - model_rest[t] for m, t in MUSCLES.items()},
            }
        )
    return rows


@pytest.mark.parametrize("muscle", list(MUSCLES))
def test_length_changes_over_the_cycle_agree_with_the_leg_model(cycle, muscle):
    ours = np.array([row["ours"][muscle] for row in cycle])
    model = np.array([row["model"][muscle] for row in cycle])
    worst = int(np.abs(ours - model).argmax())
    assert np.abs(ours - model).max() <= WITHIN_MM, (
        f"{muscle} at {FRACTIONS[worst]:.0%}: ours {ours[worst]:+.1f} mm, the model's {model[worst]:+.1f} mm"
    )
    assert np.ptp(model) > 10.0  # the cycle moves the muscle: the comparison means something


def test_the_hip_is_most_extended_near_half_the_cycle_and_most_flexed_in_swing(cycle):
    """Largest extension near 50 % (terminal stance), largest flexion in swing (after 60 %):
    the data set's extremes; the iliopsoas is longest where the hip is most extended."""
    hip = np.array([row["hip"] for row in cycle])
    assert 0.4 <= FRACTIONS[hip.argmin()] <= 0.6, FRACTIONS[hip.argmin()]
    assert FRACTIONS[hip.argmax()] >= 0.6 or FRACTIONS[hip.argmax()] <= 0.02, FRACTIONS[hip.argmax()]
    psoas = np.array([row["ours"]["psoas_major_right"] for row in cycle])
    assert abs(FRACTIONS[psoas.argmax()] - FRACTIONS[hip.argmin()]) <= 0.06
