"""Rajagopal et al. 2016's leg model (myo-sim's ``myolegs``) driven with MuJoCo: the
musculotendon lengths (mm) of its right leg at given joint angles, the knee's coupled joints
(the tibia's translations and rotations, the patella's) set from the model's own polynomials
(``mj_forward`` does not enforce equality constraints)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest


class LegModel:
    def __init__(self) -> None:
        self.mujoco = pytest.importorskip("mujoco")
        myo_sim = pytest.importorskip("myo_sim")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = myo_sim.load_model("myolegs")
        self.data = self.mujoco.MjData(self.model)

    def lengths(self, tendons: tuple[str, ...], **degrees: float) -> dict[str, float]:
        """Each tendon's length (mm) with the model's joints (``hip_flexion_r=30``...) at
        ``degrees``, the others at the model's rest."""
        model, mujoco = self.model, self.mujoco
        q = model.qpos0.copy()
        for joint, value in degrees.items():
            q[model.jnt_qposadr[model.joint(joint).id]] = math.radians(value)
        for e in range(model.neq):
            if model.eq_type[e] != mujoco.mjtEq.mjEQ_JOINT or model.eq_obj2id[e] < 0:
                continue
            master = q[model.jnt_qposadr[model.eq_obj2id[e]]]
            q[model.jnt_qposadr[model.eq_obj1id[e]]] = np.polynomial.polynomial.polyval(
                master, model.eq_data[e][:5]
            )
        self.data.qpos[:] = q
        mujoco.mj_forward(model, self.data)
        return {t: float(self.data.ten_length[self.model.tendon(t).id]) * 1000 for t in tendons}

    def length(self, hip_flexion: float = 0.0, knee_flexion: float = 0.0) -> float:
        """The right rectus femoris' length (mm) at a hip and a knee flexion."""
        lengths = self.lengths(("recfem_r_tendon",), hip_flexion_r=hip_flexion, knee_angle_r=knee_flexion)
        return lengths["recfem_r_tendon"]
