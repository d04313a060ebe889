"""The wheel is the product: built from this tree and installed into a new virtual environment
outside it, ``psoas-atlas`` finds its data inside the installed package and draws a picture
from any folder (an editable install would find them beside the sources either way)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built with this environment's setuptools (no build isolation: no download)
    from a copy of what it is built from, so the tree gets no build/ nor egg-info."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE", "NOTICE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "app", source / "app", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", dist, source)  # fmt: skip
    (built,) = dist.glob("psoas_atlas-*.whl")
    return built


def test_the_wheel_ships_the_data_and_their_licences(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = ROOT / "app" / "data"
    for path in shipped.rglob("*"):
        if path.is_file():
            assert f"app/data/{path.relative_to(shipped).as_posix()}" in names, path
    assert "app/data/meshes/LICENSE.MPL-2.0" in names and "app/py.typed" in names
    licences = {Path(n).name for n in names if ".dist-info/licenses/" in n}
    assert {"LICENSE", "NOTICE"} <= licences


def test_an_installed_wheel_draws_a_picture_from_anywhere(wheel, tmp_path):
    """Installed with --no-deps into a new environment that sees this one's site-packages
    through a .pth (not its editable install: a path in a .pth file is not a site folder, so
    its own .pth files are not run), so the test downloads nothing."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    (site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "from app.model.io import paths; print(paths.shipped_root())", cwd=elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout
    result = _run(venv / "bin" / "psoas-atlas", "screenshot", "out.png", "--size", "320x240", cwd=elsewhere)
    assert "wrote out.png (320x240" in result.stdout and "warning" not in result.stderr, result.stderr
    picture = np.asarray(Image.open(elsewhere / "out.png").convert("RGB")).astype(float)
    assert picture.shape == (240, 320, 3)
    assert picture.std() > 10 and len(np.unique(picture.reshape(-1, 3), axis=0)) > 100  # not blank
