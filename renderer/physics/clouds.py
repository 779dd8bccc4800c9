"""The procedural cloud layer's parameters: seed, cover, drift (``shaders/lib/clouds.glsl``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from renderer.astro.constants import WGS84_A_KM
from renderer.scene import Clouds

# Mean eastward drift of the whole field at drift = 1: 10 m/s at 45 deg of
# latitude, a typical mid-tropospheric zonal wind, as a solid rotation.
DRIFT_SPEED_M_S = 10.0
DRIFT_RAD_PER_S = DRIFT_SPEED_M_S / 1000.0 / (WGS84_A_KM * math.cos(math.radians(45.0)))
J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
# "Cloudy" means inside a cloud's edge: the field must exceed the threshold by
# this much (clouds.glsl cloud_density_of, whose edge starts at density 0.12,
# a thin rim the ground shows through, and passes 0.3 within 0.03 of the
# field's range inward, so the margin is nil).
CLOUDY_MARGIN = 0.0


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
