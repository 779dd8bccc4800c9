"""Geodesy on the WGS84 ellipsoid: geodetic <-> Earth-fixed (ITRS) coordinates, the local
vertical, heights above the ellipsoid.

Geodetic coordinates are degrees north / east and km above the ellipsoid; ITRS
positions are km, a set of N vectors an ``(N, 3)`` float64 array.
"""

from __future__ import annotations

import math

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


def geocentric_radius_at_geodetic_km(lat_deg: float) -> float:
    """Distance from the Earth's centre to the WGS84 surface at a geodetic latitude."""
    p = geodetic_to_itrs(lat_deg, 0.0, 0.0)
    return float(np.linalg.norm(p))


def surface_point_along(q: FloatArray, h: FloatArray) -> FloatArray:
    """The point ``h`` km up the geodetic normal from the surface point in direction ``q``.

    ``q`` (..., 3) are unit geocentric directions; the surface point is where that ray
    meets the ellipsoid (so its geodetic latitude has tan = tan(geocentric) / (1 - e^2)).
    """
    rho = np.hypot(q[..., 0], q[..., 1])
    lat = np.arctan2(q[..., 2], (1.0 - WGS84_E2) * rho)
    safe = rho > 0.0
    cl = np.where(safe, q[..., 0] / np.where(safe, rho, 1.0), 1.0)
    sl = np.where(safe, q[..., 1] / np.where(safe, rho, 1.0), 0.0)
    s, c = np.sin(lat), np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * s * s)
    return np.stack([(n + h) * c * cl, (n + h) * c * sl, (n * (1.0 - WGS84_E2) + h) * s], axis=-1)


def radial_height_km(x: float, y: float, z: float) -> float:
    """Height above the WGS84 ellipsoid along the geocentric radius (km).

    Within a few metres of the geodetic height below 300 km, which is all drag and
    impact need, and much cheaper in the integrator's inner loop.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    s2 = z * z / r2
    re = WGS84_A_KM * WGS84_B_KM / math.sqrt(WGS84_B_KM**2 * (1.0 - s2) + WGS84_A_KM**2 * s2)
    return r - re


def radial_heights_km(pos_km: npt.ArrayLike) -> FloatArray:
    """Height (km) above the WGS84 ellipsoid of ITRS points (..., 3), along the radius.

    The vectorised form of the integrator's height: within a few metres of the geodetic
    height below 300 km.  NaN rows stay NaN.
    """
    p = np.asarray(pos_km, dtype=np.float64)
    r = np.linalg.norm(p, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = p[..., 2] ** 2 / (r * r)
    re = WGS84_A_KM * WGS84_B_KM / np.sqrt(WGS84_B_KM**2 * (1.0 - s2) + WGS84_A_KM**2 * s2)
    return r - re


def elevation_deg(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, target_itrs_km: FloatArray
) -> FloatArray:
    """Elevation (degrees) of ITRS points ``(..., 3)`` seen from the ground at geodetic
    (lat, lon), h = 0: the angle of the line of sight above the plane normal to the
    ellipsoid's normal there.  No refraction: the geometric elevation.
    """
    ground = geodetic_to_itrs(lat_deg, lon_deg, 0.0)
    sight = np.asarray(target_itrs_km, dtype=np.float64) - ground
    up = ellipsoid_up(lat_deg, lon_deg)
    sine = np.sum(sight * up, axis=-1) / np.linalg.norm(sight, axis=-1)
    return np.degrees(np.arcsin(np.clip(sine, -1.0, 1.0)))


def segment_clearance(p_km: npt.ArrayLike, q_km: npt.ArrayLike) -> FloatArray:
    """How far the segment from ``p`` to ``q`` (any Earth-centred frame whose z is the
    Earth's axis, km, ``(..., 3)``) passes outside the WGS84 ellipsoid: with the ellipsoid
    scaled to a unit sphere, the segment's closest distance to the centre minus 1.

    Negative when the segment meets the solid Earth (``p`` cannot see ``q``); continuous
    in ``p`` and ``q``, so its sign changes mark where a line of sight is cut.
    """
    k = np.array([1.0 / WGS84_A_KM, 1.0 / WGS84_A_KM, 1.0 / WGS84_B_KM])
    a = np.asarray(p_km, dtype=np.float64) * k
    d = np.asarray(q_km, dtype=np.float64) * k - a
    s = np.clip(-np.sum(a * d, axis=-1) / np.sum(d * d, axis=-1), 0.0, 1.0)
    return np.linalg.norm(a + s[..., np.newaxis] * d, axis=-1) - 1.0
