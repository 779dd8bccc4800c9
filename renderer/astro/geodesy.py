"""Geodesy on the WGS84 ellipsoid: geodetic <-> Earth-fixed (ITRS) coordinates, the local
vertical, heights above the ellipsoid.

Geodetic coordinates are degrees north / east and km above the ellipsoid; ITRS
positions are km, a set of N vectors an ``(N, 3)`` float64 array.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from renderer.astro.constants import (
    WGS84_A_KM,
    WGS84_B_KM,
    WGS84_E2,
    WGS84_F,
)

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------------
# WGS84
# ---------------------------------------------------------------------------


def geodetic_to_itrs(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, h_km: npt.ArrayLike = 0.0
) -> FloatArray:
    """WGS84 geodetic latitude, longitude (degrees) and height (km) -> ITRS position (km).

    Inputs broadcast; the result has shape ``broadcast_shape + (3,)``.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(h_km, dtype=np.float64)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    # Prime-vertical radius of curvature.
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    x = (n + h) * cos_lat * np.cos(lon)
    y = (n + h) * cos_lat * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def itrs_to_geodetic(r_itrs_km: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ITRS position (km, shape ``(..., 3)``) -> WGS84 (lat_deg, lon_deg, h_km).

    Longitude in (-180, 180].  Bowring's parametric-latitude iteration: three passes
    reach well below a millimetre from the ground to geostationary heights.
    """
    r = np.asarray(r_itrs_km, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    # Start from the parametric latitude of the geocentric direction.
    beta = np.arctan2(z * WGS84_A_KM, p * WGS84_B_KM)
    lat = beta
    for _ in range(3):
        lat = np.arctan2(
            z + ep2 * WGS84_B_KM * np.sin(beta) ** 3,
            p - WGS84_E2 * WGS84_A_KM * np.cos(beta) ** 3,
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    cos_lat = np.cos(lat)
    # Two forms of the height, each well conditioned away from one pole / the equator.
    h = np.where(
        np.abs(cos_lat) > 0.5,
        p / np.where(cos_lat == 0.0, 1.0, cos_lat) - n,
        z / np.where(sin_lat == 0.0, 1.0, sin_lat) - n * (1.0 - WGS84_E2),
    )
    return np.degrees(lat), np.degrees(lon), h


def geocentric_latlon(r_km: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Direction of a position vector (``(..., 3)``) as geocentric (lat_deg, lon_deg)."""
    r = np.asarray(r_km, dtype=np.float64)
    lat = np.degrees(np.arctan2(r[..., 2], np.hypot(r[..., 0], r[..., 1])))
    lon = np.degrees(np.arctan2(r[..., 1], r[..., 0]))
    return lat, lon


def ellipsoid_up(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> FloatArray:
    """Unit ellipsoid normal (local vertical) at geodetic (lat, lon), ITRS, ``(..., 3)``."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    return np.stack(
        np.broadcast_arrays(np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)),
        axis=-1,
    )
