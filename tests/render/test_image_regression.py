"""Image regression: rendered views compared with pictures stored in ``tests/images``.

A change that moves, recolours or hides anatomy, labels or texts shows here as a failed
comparison (the new picture is saved beside the test's temporary files to look at). After
an intended change of the picture, regenerate the references with
``pytest tests/render/test_image_regression.py --update-images`` and look at them before committing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.model.atlas import Atlas
from app.render.snapshot import Annotations, render_image

IMAGES = Path(__file__).parent / "images"
#: Mean and 99th-percentile difference (0-255, all channels) allowed: software OpenGL and
#: FreeType differ a little between machines; a moved label or a recoloured muscle does not.
MEAN_TOLERANCE = 2.0
P99_TOLERANCE = 60.0

CASES = {
    "anterior-psoas-right": dict(view="anterior", select=["psoas_major_right"], title="Right psoas major"),
    "right-femoral-nerve-xray": dict(view="right", select=["femoral_nerve_right"], xray=True, title=None),
}


def render_case(view: str, select: list[str], title: str | None, xray: bool = False) -> np.ndarray:
    scene = Atlas.load().scene()
    scene.set_view(view)
    scene.select_many(select)
    scene.set_xray(xray)
    scene.set_picture(title=title)
    return np.asarray(render_image(scene, (480, 300), Annotations()))[..., :3]


@pytest.mark.parametrize("name", list(CASES))
def test_rendered_view_matches_the_stored_picture(name, request, tmp_path):
    image = render_case(**CASES[name])
    reference = IMAGES / f"{name}.png"
    if request.config.getoption("--update-images"):
        Image.fromarray(image).save(reference)
        pytest.skip(f"wrote {reference}")
    expected = np.asarray(Image.open(reference).convert("RGB"))
    assert image.shape == expected.shape
    difference = np.abs(image.astype(int) - expected.astype(int))
    if difference.mean() > MEAN_TOLERANCE or np.percentile(difference, 99) > P99_TOLERANCE:
        Image.fromarray(image).save(tmp_path / f"{name}.png")
        pytest.fail(
            f"{name}: mean difference {difference.mean():.2f}, 99th percentile "
            f"{np.percentile(difference, 99):.0f} (new picture: {tmp_path / name}.png)"
        )
