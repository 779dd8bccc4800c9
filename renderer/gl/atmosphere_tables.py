"""The atmosphere's lookup tables: computed on the GPU, cached on disk, shared per context.

``shaders/lib/atmosphere.glsl`` declares three samplers (``u_atmo_transmittance``,
``u_atmo_multiscatter``, ``u_atmo_irradiance``); a program that includes it calls
:func:`bind_atmosphere` before drawing.  The tables are computed once per GL
context by the compute programs of ``shaders/atmosphere_luts.glsl`` (well
under a second on llvmpipe) and kept in one per-context cache, so every pass
shares the same texture objects.

The disk cache (``$XDG_CACHE_HOME/orbitlapse`` or ``~/.cache/orbitlapse``) keeps
the tables between runs, keyed by a hash of the shader sources that define
them (constants included) and the table sizes; it is never needed for
correctness: an unreadable, unwritable or mismatched cache is ignored and the
tables are recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from renderer.assets import shaders_dir
from renderer.gl.shaders import build_compute, set_uniform

# (name, sampler uniform, size (width, height), TABLE define); built in this order
# because the irradiance table samples the other two.
TABLES: tuple[tuple[str, str, tuple[int, int], int], ...] = (
    ("transmittance", "u_atmo_transmittance", (256, 64), 0),
    ("multiscatter", "u_atmo_multiscatter", (32, 32), 1),
    ("irradiance", "u_atmo_irradiance", (64, 16), 2),
)
_SOURCES = ("lib/common.glsl", "lib/atmosphere.glsl", "atmosphere_luts.glsl")


@dataclass
class AtmosphereTables:
    """The three tables of one GL context, as linear-filtered RGBA32F textures, and
    the multiple-scattering table's greatest value (R, G, B) over all radii in each
    of its columns (mu_s, from -1 to 1 on the column centres): what
    ``renderer/passes/air_lights.py`` bounds a light's multiple scattering by."""

    textures: dict[str, moderngl.Texture]
    multiscatter_column_max: np.ndarray

    def release(self) -> None:
        """Free the textures."""
        for tex in self.textures.values():
            tex.release()


_PER_CONTEXT: dict[int, tuple[moderngl.Context, AtmosphereTables]] = {}


def cache_dir() -> Path:
    """Where computed tables are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orbitlapse"


def tables_key() -> str:
    """Hash of everything the tables depend on: shader sources and sizes."""
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update((shaders_dir() / name).read_bytes())
    h.update(repr(TABLES).encode())
    return h.hexdigest()[:24]


def _load_cached(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path) as data:
            arrays = {name: data[name] for name, _, _, _ in TABLES}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        # A file cut short (a crash while it was written elsewhere, a full disk) reads as a
        # broken zip: recompute, and the save below replaces it.
        return None
    for name, _, (w, h), _ in TABLES:
        a = arrays[name]
        if a.shape != (h, w, 4) or a.dtype != np.float32 or not np.isfinite(a).all():
            return None
    return arrays


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to the cache file ``path`` whole or not at all (a temporary file
    renamed over it); a read-only or full disk only costs the work again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass


def _texture(
    ctx: moderngl.Context, size: tuple[int, int], data: np.ndarray | None = None
) -> moderngl.Texture:
    tex = ctx.texture(size, 4, None if data is None else data.tobytes(), dtype="f4")
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    tex.repeat_x = False
    tex.repeat_y = False
    return tex


def compute_tables(ctx: moderngl.Context) -> dict[str, np.ndarray]:
    """Compute the tables on the GPU; (H, W, 4) float32 arrays by name."""
    done: dict[str, moderngl.Texture] = {}
    arrays: dict[str, np.ndarray] = {}
    try:
        for name, _, size, table in TABLES:
            program = build_compute(ctx, "atmosphere_luts.glsl", {"TABLE": table})
            tex = _texture(ctx, size)
            unit = 1
            for prev_name, prev_uniform, _, _ in TABLES:
                if prev_name in done:
                    done[prev_name].use(unit)
                    set_uniform(program, prev_uniform, unit)
                    unit += 1
            set_uniform(program, "u_size", (float(size[0]), float(size[1])))
            tex.bind_to_image(0, read=False, write=True)
            program.run((size[0] + 7) // 8, (size[1] + 7) // 8, 1)
            ctx.memory_barrier()
            done[name] = tex
            program.release()
            arrays[name] = np.frombuffer(tex.read(), np.float32).reshape(size[1], size[0], 4).copy()
    finally:
        for tex in done.values():
            tex.release()
    return arrays


def atmosphere_tables(ctx: moderngl.Context) -> AtmosphereTables:
    """The tables of ``ctx``: from this context's cache, the disk cache, or computed."""
    entry = _PER_CONTEXT.get(id(ctx))
    if entry is not None and entry[0] is ctx:
        return entry[1]
    path = cache_dir() / f"atmosphere-{tables_key()}.npz"
    arrays = _load_cached(path)
    if arrays is None:
        arrays = compute_tables(ctx)
        save_npz(path, arrays)
    tables = AtmosphereTables(
        {name: _texture(ctx, size, arrays[name]) for name, _, size, _ in TABLES},
        arrays["multiscatter"][..., :3].max(axis=(0, 2)),
    )
    _PER_CONTEXT[id(ctx)] = (ctx, tables)
    return tables


def release_atmosphere(ctx: moderngl.Context) -> None:
    """Free the tables of ``ctx`` (before the context itself is released)."""
    entry = _PER_CONTEXT.pop(id(ctx), None)
    if entry is not None:
        entry[1].release()


def bind_atmosphere(program: moderngl.Program, first_texture_unit: int) -> int:
    """Bind the atmosphere's tables to ``program`` from ``first_texture_unit`` on.

    Uses (and on first use creates) the tables of the program's context.
    Returns the next free texture unit.
    """
    tables = atmosphere_tables(program.ctx)
    unit = first_texture_unit
    for name, uniform, _, _ in TABLES:
        tables.textures[name].use(unit)
        set_uniform(program, uniform, unit)
        unit += 1
    return unit
