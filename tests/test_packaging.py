"""The installed wheel carries the shaders, assets and docs and renders without the
checkout; the sdist carries the whole of docs/ and scenes/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
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


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    # From a copy without the build's leftovers: setuptools would otherwise list the files
    # of an earlier build's *.egg-info/SOURCES.txt whatever MANIFEST.in says.
    src = tmp_path_factory.mktemp("src") / "orbitlapse"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "_artifacts"
        ),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))",
            str(out),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (archive,) = out.glob("orbitlapse-*.tar.gz")
    return archive


def test_sdist_carries_the_docs_and_the_scenes(sdist):
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for folder in ("docs", "scenes"):
        files = [p for p in (REPO / folder).rglob("*") if p.is_file()]
        assert files
        for path in files:
            assert path.relative_to(REPO).as_posix() in names
    for page in ("README.md", "docs/scenes.md", "docs/physics.md", "pyproject.toml"):
        assert page in names


def test_wheel_contains_every_shader_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shaders = REPO / "shaders"
    glsl_files = sorted(shaders.rglob("*.glsl"))
    assert (shaders / "lib" / "common.glsl") in glsl_files  # the included libraries too
    for glsl in glsl_files:
        assert f"renderer/_data/shaders/{glsl.relative_to(shaders).as_posix()}" in names
    for asset in ("earth_day.jpg", "README.md", "build_assets.py"):
        assert f"renderer/_data/assets/{asset}" in names
    for page in sorted((REPO / "docs").glob("*.md")):
        assert f"renderer/_data/docs/{page.name}" in names
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


def test_help_of_the_installed_wheel_names_its_own_docs(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    proc = subprocess.run(
        [sys.executable, "-m", "renderer", "--help"],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    help_text = " ".join(proc.stdout.split())
    scenes = site / "renderer" / "_data" / "docs" / "scenes.md"
    assert f"documented in {scenes}" in help_text
    assert scenes.read_text() == (REPO / "docs" / "scenes.md").read_text()
