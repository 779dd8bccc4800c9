"""The one skyfield wrapper: time scale, Earth orientation, ephemeris, orbits, WGS84.

Everything here is offline.  Data come from the ``skyfield-data`` package (``de421.bsp``
and ``finals2000A.all``) and from skyfield's built-in time scale; a missing file is an
error, never a download.  Loaded objects are cached for the life of the process.

Frames and units, everywhere in this module:

* GCRS: geocentric, axes of the ICRS (J2000 equator and equinox to within
  milliarcseconds).  The renderer's world space.  Kilometres, km/s.
* ITRS: Earth-fixed, ``r_itrs = M @ r_gcrs`` with ``M`` from :func:`itrs_from_gcrs`.
* Geodetic coordinates are on the WGS84 ellipsoid, degrees north / east and km.
* Arrays are float64; a set of N vectors is an ``(N, 3)`` array.
"""

from __future__ import annotations

import functools
import math
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from skyfield.api import EarthSatellite, Loader
from skyfield.data import iers
from skyfield.framelib import itrs as _itrs_frame
from skyfield.jpllib import SpiceKernel
from skyfield.timelib import Time, Timescale

from renderer.scene import ElementsOrbit, Orbit, OverOrbit, TleOrbit

FloatArray = npt.NDArray[np.float64]

# WGS84 ellipsoid (shared/REFERENCE.md, "Earth").
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
_WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

# Earth's gravitational parameter (WGS84 / EGM96 value), km^3 s^-2.
GM_EARTH_KM3_S2 = 398600.4418

# The circular orbits of SCENE_FORMAT.md have radius this + altitude_km.
ORBIT_BASE_RADIUS_KM = WGS84_A_KM

SECONDS_PER_DAY = 86400.0

EPHEMERIS_FILE = "de421.bsp"
EOP_FILE = "finals2000A.all"


# ---------------------------------------------------------------------------
# Data files, loaded once
# ---------------------------------------------------------------------------


@functools.cache
def _loader() -> Loader:
    # skyfield-data warns on every call that its finals2000A.all has "expired".  That
    # only matters for predicting the Earth's rotation after the file was made; the
    # renderer uses skyfield's built-in time scale and the file's measured polar motion
    # for past dates such as 2018, so the warning is noise for a user.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"The file .* has expired", category=RuntimeWarning
        )
        import skyfield_data

        path = Path(skyfield_data.get_skyfield_data_path())
    for name in (EPHEMERIS_FILE, EOP_FILE):
        if not (path / name).is_file():
            # Loader would try to download a missing file; the renderer never goes online.
            raise FileNotFoundError(
                f"{path / name} is missing: reinstall the skyfield-data package"
            )
    return Loader(str(path), verbose=False, expire=False)


@functools.cache
def timescale() -> Timescale:
    """The skyfield time scale: built-in UT1/leap seconds, plus IERS polar motion.

    Polar motion (a few tenths of an arcsecond, about 10 m on the ground) comes from the
    ``finals2000A.all`` shipped in skyfield-data, so :func:`itrs_from_gcrs` is the full
    IERS chain: precession, nutation, Earth rotation and polar motion.
    """
    load = _loader()
    ts = load.timescale(builtin=True)
    with load.open(EOP_FILE) as f:
        finals = iers.parse_x_y_dut1_from_finals_all(f)
    iers.install_polar_motion_table(ts, finals)
    return ts


@functools.cache
def ephemeris() -> SpiceKernel:
    """The JPL DE421 ephemeris (1900 to 2050) from skyfield-data."""
    return _loader()(EPHEMERIS_FILE)


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------


def time_at(utc: datetime) -> Time:
    """A single skyfield Time for an aware ``datetime`` (any offset; converted to UTC)."""
    if utc.tzinfo is None:
        raise ValueError(f"naive datetime {utc!r}: a UTC offset is required")
    return timescale().from_datetime(utc)


def times(start_utc: datetime, sim_s: npt.ArrayLike) -> Time:
    """Array Time for ``start_utc`` plus ``sim_s`` elapsed SI seconds (1-D, length N).

    The seconds are added on the TT scale, so they are uniform across leap seconds, and
    kept in skyfield's (whole day, fraction) pair so no precision is lost to the ~2.4e6
    Julian day number.
    """
    seconds = np.atleast_1d(np.asarray(sim_s, dtype=np.float64))
    if seconds.ndim != 1:
        raise ValueError(f"sim_s must be 1-D, got shape {seconds.shape}")
    t0 = time_at(start_utc)
    whole = np.full(seconds.shape, float(t0.whole))
    fraction = float(t0.tt_fraction) + seconds / SECONDS_PER_DAY
    return timescale().tt_jd(whole, fraction)


def seconds_between(t: Time, t0: Time) -> FloatArray:
    """Elapsed SI seconds ``t - t0`` (TT), as an array shaped like ``t``."""
    days = (np.asarray(t.whole) - np.asarray(t0.whole)) + (
        np.asarray(t.tt_fraction) - np.asarray(t0.tt_fraction)
    )
    return np.asarray(days * SECONDS_PER_DAY, dtype=np.float64)


# ---------------------------------------------------------------------------
# Earth orientation
# ---------------------------------------------------------------------------


def itrs_from_gcrs(t: Time) -> FloatArray:
    """Rotation matrices GCRS -> ITRS, ``(N, 3, 3)``: ``r_itrs = M @ r_gcrs``.

    Precession-nutation (IAU 2000A), Earth rotation (UT1) and polar motion, from skyfield.
    A scalar ``t`` gives ``(1, 3, 3)``.
    """
    m = np.asarray(_itrs_frame.rotation_at(t), dtype=np.float64)
    if m.ndim == 2:
        return m[np.newaxis]
    # skyfield stacks the time axis last: (3, 3, N).
    return np.ascontiguousarray(np.moveaxis(m, -1, 0))


def gcrs_to_itrs(m_itrs_from_gcrs: FloatArray, r_gcrs: FloatArray) -> FloatArray:
    """Rotate ``(N, 3)`` GCRS vectors to ITRS with ``(N, 3, 3)`` matrices (any units)."""
    return np.einsum("nij,nj->ni", m_itrs_from_gcrs, r_gcrs)


def itrs_to_gcrs(m_itrs_from_gcrs: FloatArray, r_itrs: FloatArray) -> FloatArray:
    """Rotate ``(N, 3)`` ITRS vectors to GCRS with the transposes of ``(N, 3, 3)`` matrices.

    Vectors only: this does not add the Earth-rotation term to a velocity.
    """
    return np.einsum("nji,nj->ni", m_itrs_from_gcrs, r_itrs)


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
    n = WGS84_A_KM / np.sqrt(1.0 - _WGS84_E2 * sin_lat**2)
    x = (n + h) * cos_lat * np.cos(lon)
    y = (n + h) * cos_lat * np.sin(lon)
    z = (n * (1.0 - _WGS84_E2) + h) * sin_lat
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
    ep2 = _WGS84_E2 / (1.0 - _WGS84_E2)
    # Start from the parametric latitude of the geocentric direction.
    beta = np.arctan2(z * WGS84_A_KM, p * WGS84_B_KM)
    lat = beta
    for _ in range(3):
        lat = np.arctan2(
            z + ep2 * WGS84_B_KM * np.sin(beta) ** 3,
            p - _WGS84_E2 * WGS84_A_KM * np.cos(beta) ** 3,
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - _WGS84_E2 * sin_lat**2)
    cos_lat = np.cos(lat)
    # Two forms of the height, each well conditioned away from one pole / the equator.
    h = np.where(
        np.abs(cos_lat) > 0.5,
        p / np.where(cos_lat == 0.0, 1.0, cos_lat) - n,
        z / np.where(sin_lat == 0.0, 1.0, sin_lat) - n * (1.0 - _WGS84_E2),
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
    return _rows(pos), _rows(vel)


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
    and x axis (SCENE_FORMAT.md).
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


# ---------------------------------------------------------------------------
# Sun, Moon, planets
# ---------------------------------------------------------------------------


def body_gcrs_km(t: Time, name: str) -> FloatArray:
    """Apparent geocentric position of a DE421 body (``"sun"``, ``"moon"``,
    ``"venus"``, ``"jupiter barycenter"``...), GCRS axes, km, ``(N, 3)``.

    Apparent (light time, aberration, light deflection) rather than astrometric: it is
    the direction in which the body is seen from the moving Earth, and the direction its
    light arrives from in the Earth's frame, so it is right both for drawing the disc
    and for lighting the Earth.  The two differ by at most ~20 arcsec (annual
    aberration), far below a pixel, but apparent is the one a camera records.  The
    distance is the light-time distance.
    """
    eph = ephemeris()
    pos = eph["earth"].at(t).observe(eph[name]).apparent().position.km
    return _rows(np.asarray(pos, dtype=np.float64))


def sun_gcrs_km(t: Time) -> FloatArray:
    """Apparent geocentric Sun position, GCRS axes, km, ``(N, 3)``."""
    return body_gcrs_km(t, "sun")


def moon_gcrs_km(t: Time) -> FloatArray:
    """Apparent geocentric Moon position, GCRS axes, km, ``(N, 3)``."""
    return body_gcrs_km(t, "moon")


def illuminated_fraction(
    sun_km: FloatArray, body_km: FloatArray, observer_km: FloatArray | float = 0.0
) -> FloatArray:
    """Fraction of a body's disc lit as seen by an observer, 0..1, ``(N,)``.

    All positions geocentric in one frame (km); ``(1 + cos phase) / 2`` with the phase
    angle at the body between the Sun and the observer.
    """
    to_sun = np.asarray(sun_km) - np.asarray(body_km)
    to_obs = np.asarray(observer_km) - np.asarray(body_km)
    cos_phase = np.sum(to_sun * to_obs, axis=-1) / (
        np.linalg.norm(to_sun, axis=-1) * np.linalg.norm(to_obs, axis=-1)
    )
    return 0.5 * (1.0 + cos_phase)


def _rows(v: Any) -> FloatArray:
    """skyfield's (3,) or (3, N) vectors -> (N, 3)."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 1:
        return a[np.newaxis, :]
    return np.ascontiguousarray(a.T)


# The planets the sky shows, as DE421 names (the barycentres stand for the outer planets:
# their moons shift the planet from the barycentre by under 0.1 arcsec as seen from Earth).
PLANETS = ("mercury", "venus", "mars", "jupiter barycenter", "saturn barycenter",
           "uranus barycenter", "neptune barycenter")


def planets_gcrs_km_and_magnitude(
    t: Time, names: tuple[str, ...] = PLANETS
) -> tuple[FloatArray, FloatArray]:
    """Apparent geocentric positions (GCRS axes, km, ``(P, 3)``) and V magnitudes
    (``(P,)``) of planets at one instant ``t``.

    Positions as :func:`body_gcrs_km`; magnitudes from skyfield's ``planetary_magnitude``
    (Mallama & Hilton 2018: distance, phase angle and, for Saturn, the rings' tilt).
    """
    from skyfield.magnitudelib import planetary_magnitude

    eph = ephemeris()
    earth = eph["earth"].at(t)
    pos = np.empty((len(names), 3))
    mag = np.empty(len(names))
    for i, name in enumerate(names):
        astrometric = earth.observe(eph[name])
        pos[i] = np.asarray(astrometric.apparent().position.km, dtype=np.float64).reshape(3)
        mag[i] = float(planetary_magnitude(astrometric))
    return pos, mag
