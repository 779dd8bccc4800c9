"""Locate the shipped shaders, derived data files and documentation.

In a checkout they are the top-level ``shaders/``, ``assets/`` and ``docs/`` folders; in
an installed wheel the build puts them inside the package as ``renderer/_data/shaders``,
``renderer/_data/assets`` and ``renderer/_data/docs`` (see ``[tool.setuptools.package-dir]``
in pyproject.toml).
A missing file is an error, never a silent fallback to something else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from renderer.errors import RenderError

_PACKAGE = Path(__file__).resolve().parent


def _locate(folder: str, probe: str) -> Path:
    candidates = (_PACKAGE / "_data" / folder, _PACKAGE.parent / folder)
    for candidate in candidates:
        if (candidate / probe).is_file():
            return candidate
    raise RenderError(
        f"cannot find orbitlapse's {folder}/ folder (looked in "
        f"{' and '.join(map(str, candidates))}); reinstall orbitlapse"
    )


@cache
def shaders_dir() -> Path:
    """The folder holding the programs ``*.glsl`` and the libraries ``lib/*.glsl``."""
    return _locate("shaders", "lib/common.glsl")


@cache
def assets_dir() -> Path:
    """The folder holding the derived data files (textures, catalogues)."""
    return _locate("assets", "README.md")


@cache
def docs_dir() -> Path:
    """The folder holding the documentation (``scenes.md``, ``physics.md``)."""
    return _locate("docs", "scenes.md")


def asset_path(name: str) -> Path:
    """Path of one shipped asset; RenderError if it is missing."""
    path = assets_dir() / name
    if not path.is_file():
        raise RenderError(f"missing asset {path}; rebuild it with `python assets/build_assets.py`")
    return path
