"""The installed wheel carries the shaders and assets and renders without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(REPO),
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (whl,) = out.glob("orbitlapse-*.whl")
    return whl


def test_wheel_contains_every_shader_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shaders = REPO / "shaders"
    glsl_files = sorted(shaders.rglob("*.glsl"))
    assert (shaders / "lib" / "common.glsl") in glsl_files  # the included libraries too
    for glsl in glsl_files:
        assert f"renderer/_data/shaders/{glsl.relative_to(shaders).as_posix()}" in names
    for asset in ("earth_day.jpg", "README.md", "build_assets.py"):
        assert f"renderer/_data/assets/{asset}" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_unpacked_wheel_renders_a_still_away_from_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    scene = tmp_path / "quick.toml"
    scene.write_text((REPO / "scenes" / "quick.toml").read_text())
    env = dict(os.environ, PYTHONPATH=str(site))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import renderer.assets as a; print(a.shaders_dir()); "
            "print(a.asset_path('earth_day.jpg'))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    for line in probe.stdout.split():
        assert Path(line).is_relative_to(site), line  # found inside the wheel, not the repo
    out = tmp_path / "still.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "renderer",
            "still",
            str(scene),
            "-o",
            str(out),
            "--width",
            "64",
            "--height",
            "36",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 1000
