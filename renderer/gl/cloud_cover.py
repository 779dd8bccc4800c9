"""The cloud layer's per-seed data, computed on the GPU from the procedural cloud field
(``shaders/lib/clouds.glsl``, run by ``shaders/cloud_cover.glsl``): the threshold above
which a scene's ``coverage`` of the globe's area is cloudy, and the weather map (the
field's weather systems over the globe, which the Earth pass reads instead of
computing them per pixel).
"""

from __future__ import annotations

import moderngl
import numpy as np

from renderer.gl.shaders import build_compute, set_uniform
from renderer.physics.clouds import CLOUDY_MARGIN, seed_offset
from renderer.scene import Clouds

# The equirectangular grid the field is sampled on: 512 x 256, rows from +90 to -90 deg.
GRID = (512, 256)


def field_grid(ctx: moderngl.Context, offset: np.ndarray) -> np.ndarray:
    """cloud_field on the GRID (rows from +90 to -90 deg), computed on the GPU."""
    program = build_compute(ctx, "cloud_cover.glsl")
    tex = ctx.texture(GRID, 1, dtype="f4")
    try:
        set_uniform(program, "u_grid", GRID)
        set_uniform(program, "u_cloud_offset", offset)
        set_uniform(program, "u_cloud_frame", np.eye(3))
        tex.bind_to_image(0, read=False, write=True)
        program.run((GRID[0] + 7) // 8, (GRID[1] + 7) // 8, 1)
        ctx.memory_barrier()
        return np.frombuffer(tex.read(), np.float32).reshape(GRID[1], GRID[0]).copy()
    finally:
        tex.release()
        program.release()


# The weather map's texels (octahedral): 1536 x 1536, 15 km on the ground on average.
WEATHER_MAP = (1536, 1536)


def weather_map(ctx: moderngl.Context, offset: np.ndarray) -> moderngl.Texture:
    """The weather map of clouds.glsl (cloud_weather over the globe, octahedral),
    computed on the GPU; the caller releases it."""
    program = build_compute(ctx, "cloud_cover.glsl", {"CLOUD_WEATHER_MAP": 1})
    tex = ctx.texture(WEATHER_MAP, 4, dtype="f4")
    try:
        set_uniform(program, "u_grid", WEATHER_MAP)
        set_uniform(program, "u_cloud_offset", offset)
        tex.bind_to_image(0, read=False, write=True)
        program.run((WEATHER_MAP[0] + 7) // 8, (WEATHER_MAP[1] + 7) // 8, 1)
        ctx.memory_barrier()
    except BaseException:
        tex.release()
        raise
    finally:
        program.release()
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    tex.repeat_x = False
    tex.repeat_y = False
    return tex


_THRESHOLDS: dict[tuple[int, float], float] = {}


def cloud_threshold(ctx: moderngl.Context, clouds: Clouds) -> float:
    """The field threshold that makes ``coverage`` of the globe's area cloudy."""
    key = (clouds.seed, clouds.coverage)
    if key not in _THRESHOLDS:
        field = field_grid(ctx, seed_offset(clouds.seed))
        lat = np.radians(90.0 - (np.arange(GRID[1]) + 0.5) / GRID[1] * 180.0)
        weights = np.repeat(np.cos(lat)[:, None], GRID[0], axis=1).ravel()
        values = field.ravel()
        order = np.argsort(values)
        cum = np.cumsum(weights[order]) / weights.sum()
        # The value above which a fraction `coverage` of the area lies.
        q = float(np.interp(1.0 - clouds.coverage, cum, values[order]))
        if clouds.coverage <= 0.0:
            q = float(values.max()) + 1.0
        _THRESHOLDS[key] = q - CLOUDY_MARGIN
    return _THRESHOLDS[key]
