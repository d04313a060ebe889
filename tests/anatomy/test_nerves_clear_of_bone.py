"""No nerve runs in bone at rest: not one vertex of any nerve's surface lies inside a bone
(issue 29: the left lumbosacral trunk ran 5 % inside L5 and the sacrum). The rami pass their
intervertebral foramina, walled by bone, narrowed to the room they leave."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.anatomy.structures import Kind
from tests.shapes import BoneDepth


def _nerves(catalogue) -> list[str]:
    return [s.id for s in catalogue if s.kind is Kind.nerve]


def test_every_nerve_is_checked(catalogue):
    nerves = _nerves(catalogue)
    assert {"lumbar_plexus_left", "lumbosacral_trunk_left", "subcostal_nerve_right"} <= set(nerves)
    assert len(nerves) == 18


@pytest.mark.parametrize("side", ["right", "left"])
def test_no_nerve_vertex_lies_inside_bone_at_rest(side, catalogue, meshes):
    depth = BoneDepth({s.id: meshes[s.id] for s in catalogue if s.kind is Kind.bone})
    inside = {}
    for nerve in (n for n in _nerves(catalogue) if n.endswith(side)):
        signed, _ = depth(np.asarray(meshes[nerve].points, dtype=float))
        if (signed < 0).any():
            inside[nerve] = f"{100 * (signed < 0).mean():.1f} % of its points, {-signed.min():.1f} mm deep"
    assert inside == {}
