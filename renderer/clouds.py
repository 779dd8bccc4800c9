"""The procedural cloud layer's parameters: seed, cover, drift (``shaders/lib/clouds.glsl``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import moderngl
import numpy as np

from renderer.gl.shaders import build_compute
from renderer.passes.common import set_uniform
from renderer.scene import Clouds

WGS84_A_KM = 6378.137
# Mean eastward drift of the whole field at drift = 1: 10 m/s at 45 deg of
# latitude, a typical mid-tropospheric zonal wind, as a solid rotation.
DRIFT_SPEED_M_S = 10.0
DRIFT_RAD_PER_S = DRIFT_SPEED_M_S / 1000.0 / (WGS84_A_KM * math.cos(math.radians(45.0)))
J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
GRID = (512, 256)
# "Cloudy" means a density above about 0.25 (optical depth above 3.75): the
# field must exceed the threshold by this much (clouds.glsl cloud_density).
CLOUDY_MARGIN = 0.027


def seed_offset(seed: int) -> np.ndarray:
    """Shift of the noise domain for a seed (deterministic, any integer)."""
    rng = np.random.default_rng(np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
    return rng.uniform(-500.0, 500.0, 3)


def drift_frame(clouds: Clouds, utc: datetime) -> np.ndarray:
    """ITRS -> drifting cloud frame at ``utc``: the field turned east by its drift."""
    seconds = (utc - J2000).total_seconds()
    angle = math.fmod(DRIFT_RAD_PER_S * clouds.drift * seconds, 2.0 * math.pi)
    c, s = math.cos(angle), math.sin(angle)
    # A feature at longitude L in the field frame shows at L + angle.
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


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
