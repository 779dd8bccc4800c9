"""Photometry: how much light the Sun, the Moon and the stars deliver, in lux.

Illuminances here are outside the atmosphere, on a surface facing the source; the
passes turn them into radiance with their own geometry.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from renderer.astro.constants import AU_KM, MOON_MEAN_DISTANCE_KM

FloatArray = npt.NDArray[np.float64]

# Illuminance of a magnitude-0 star outside the atmosphere: E = 10^(-14.18 / 2.5) lux
# (the project's physical reference, "Stars").
MAG0_LOG_LUX = -14.18 / 2.5

# Illuminance of sunlight outside the atmosphere at 1 au: the luminous solar
# constant, 133.8 klx (Darula, Kittler & Gueymard 2005, Solar Energy 79:559).
# Not in docs/physics.md; scaled by (1 au / distance)^2 for the date.
SOLAR_ILLUMINANCE_1AU_LUX = 133_800.0


def illuminance_lux(vmag: npt.ArrayLike) -> FloatArray:
    """Illuminance (lux) of a point source of V magnitude ``vmag`` outside the atmosphere.

    E = 10^(-14.18 / 2.5 - 0.4 m) lux.
    """
    return 10.0 ** (MAG0_LOG_LUX - 0.4 * np.asarray(vmag, dtype=np.float64))


def solar_illuminance_lux(sun_km: np.ndarray) -> float:
    """Solar illuminance at the Earth for a Sun at ``sun_km`` (geocentric), lux."""
    d = float(np.linalg.norm(sun_km))
    return SOLAR_ILLUMINANCE_1AU_LUX * (AU_KM / d) ** 2


def lunar_illuminance_lux(moon_km: np.ndarray, sun_km: np.ndarray) -> float:
    """Illuminance of moonlight at the Earth, lux, from the Moon's phase and distance.

    The Moon's V magnitude at phase angle alpha (degrees) and mean distance,
    m = -12.73 + 0.026 |alpha| + 4e-9 alpha^4 (Allen's Astrophysical Quantities),
    converted with E = 10^((-14.18 - m) / 2.5) lux (docs/physics.md, "Stars"),
    then scaled by (mean distance / distance)^2.  Full Moon: 0.26 lux.
    """
    to_sun = sun_km - moon_km
    to_earth = -moon_km
    cos_a = np.dot(to_sun, to_earth) / (np.linalg.norm(to_sun) * np.linalg.norm(to_earth))
    alpha = float(np.degrees(np.arccos(np.clip(cos_a, -1.0, 1.0))))
    mag = -12.73 + 0.026 * alpha + 4e-9 * alpha**4
    d = float(np.linalg.norm(moon_km))
    return float(illuminance_lux(mag)) * (MOON_MEAN_DISTANCE_KM / d) ** 2
