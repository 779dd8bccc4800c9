"""The camera's orbit: a TLE through SGP4, circular elements, or a circular orbit placed over
a point at a time.  States are GCRS positions (km) and velocities (km/s), ``(N, 3)``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt
from skyfield.api import EarthSatellite
from skyfield.timelib import Time

from renderer.astro.constants import (
    GM_EARTH_KM3_S2,
    WGS84_A_KM,
)
from renderer.astro.ephemeris import (
    itrs_from_gcrs,
    seconds_between,
    time_at,
    timescale,
    vector_rows,
)
from renderer.scene import ElementsOrbit, Orbit, OverOrbit, TleOrbit

FloatArray = npt.NDArray[np.float64]

# The circular orbits of the scene format have radius this + altitude_km.
ORBIT_BASE_RADIUS_KM = WGS84_A_KM


# ---------------------------------------------------------------------------
# Orbits
# ---------------------------------------------------------------------------


@functools.cache
def _satellite(line1: str, line2: str) -> EarthSatellite:
    return EarthSatellite(line1, line2, ts=timescale())


def tle_states(line1: str, line2: str, t: Time) -> tuple[FloatArray, FloatArray]:
    """SGP4 position (km) and velocity (km/s), GCRS, each ``(N, 3)``, for a TLE.

    skyfield converts SGP4's TEME output to the GCRS.
    """
    geo = _satellite(line1.strip(), line2.strip()).at(t)
    pos = np.asarray(geo.position.km, dtype=np.float64)
    vel = np.asarray(geo.velocity.km_per_s, dtype=np.float64)
    return vector_rows(pos), vector_rows(vel)


def circular_states(
    radius_km: float,
    inclination_deg: float,
    raan_deg: float,
    arg_latitude_deg: float,
    dt_s: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Two-body circular orbit: position (km) and velocity (km/s), ``(N, 3)``.

    In whatever inertial frame the node and inclination are measured in: the ascending
    node lies ``raan_deg`` from that frame's x axis in its xy plane, and the argument of
    latitude is ``arg_latitude_deg`` at ``dt_s = 0`` and advances at the mean motion
    ``n = sqrt(GM / r^3)`` (GM = 398600.4418 km^3/s^2).
    """
    dt = np.atleast_1d(np.asarray(dt_s, dtype=np.float64))
    n = math.sqrt(GM_EARTH_KM3_S2 / radius_km**3)
    u = math.radians(arg_latitude_deg) + n * dt
    inc = math.radians(inclination_deg)
    raan = math.radians(raan_deg)
    # Unit vectors of the orbit plane: toward the ascending node, and 90 deg ahead of it.
    node = np.array([math.cos(raan), math.sin(raan), 0.0])
    ahead = np.array(
        [-math.sin(raan) * math.cos(inc), math.cos(raan) * math.cos(inc), math.sin(inc)]
    )
    cu = np.cos(u)[:, np.newaxis]
    su = np.sin(u)[:, np.newaxis]
    pos = radius_km * (cu * node + su * ahead)
    vel = (n * radius_km) * (cu * ahead - su * node)
    return pos, vel


def elements_states(orbit: ElementsOrbit, t: Time) -> tuple[FloatArray, FloatArray]:
    """Circular orbit from ``camera.orbit.elements``: GCRS km and km/s, ``(N, 3)``.

    Radius 6378.137 km + altitude; node and inclination relative to the GCRS equator
    and x axis (docs/scenes.md).
    """
    dt = seconds_between(t, time_at(orbit.epoch_utc))
    return circular_states(
        ORBIT_BASE_RADIUS_KM + orbit.altitude_km,
        orbit.inclination_deg,
        orbit.raan_deg,
        orbit.arg_latitude_deg,
        np.atleast_1d(dt),
    )


def over_states(orbit: OverOrbit, t: Time) -> tuple[FloatArray, FloatArray]:
    """Circular orbit from ``camera.orbit.over``: GCRS km and km/s, ``(N, 3)``.

    The orbit is built in the Earth's axes frozen at ``time_utc`` (the ITRS orientation
    at that instant, treated as an inertial frame): its inclination is measured from the
    Earth's equator of that date and its node from the Greenwich meridian of that
    instant.  Then the argument of latitude u solves ``sin(lat) = sin(i) sin(u)``
    (u in [-90, 90] deg northbound, 180 - u southbound) and the node longitude puts the
    position at longitude ``lon`` -- so the geocentric sub-point at ``time_utc`` is
    exactly (lat, lon) for every ``|lat| <= i``, and ``i`` is the highest latitude of the
    ground track.  (Measuring ``i`` from the GCRS equator instead would miss the asked
    point by the precession since J2000: about 0.1 deg, 11 km, in 2018, and could not
    reach latitudes near ``i`` at all.)  The orbit is then propagated as a fixed
    inertial circle, like ``elements``.
    """
    t0 = time_at(orbit.time_utc)
    m0 = itrs_from_gcrs(t0)[0]
    inc = math.radians(orbit.inclination_deg)
    lat = math.radians(orbit.lat_deg)
    sin_i = math.sin(inc)
    ratio = 0.0 if sin_i == 0.0 else max(-1.0, min(1.0, math.sin(lat) / sin_i))
    u0 = math.asin(ratio)
    if not orbit.ascending:
        u0 = math.pi - u0
    # Longitude of the position measured from the node, in the frozen Earth frame.
    along = math.atan2(math.cos(inc) * math.sin(u0), math.cos(u0))
    node_lon_deg = orbit.lon_deg - math.degrees(along)
    dt = np.atleast_1d(seconds_between(t, t0))
    pos_f, vel_f = circular_states(
        ORBIT_BASE_RADIUS_KM + orbit.altitude_km,
        orbit.inclination_deg,
        node_lon_deg,
        math.degrees(u0),
        dt,
    )
    # Frozen-ITRS vectors to GCRS: r_gcrs = M0^T r.
    return pos_f @ m0, vel_f @ m0


def camera_orbit_states(orbit: Orbit, t: Time) -> tuple[FloatArray, FloatArray]:
    """The camera's GCRS position (km) and velocity (km/s), ``(N, 3)``, for any orbit form."""
    if isinstance(orbit, TleOrbit):
        return tle_states(orbit.line1, orbit.line2, t)
    if isinstance(orbit, ElementsOrbit):
        return elements_states(orbit, t)
    if isinstance(orbit, OverOrbit):
        return over_states(orbit, t)
    raise TypeError(f"unknown orbit form {type(orbit).__name__}")
