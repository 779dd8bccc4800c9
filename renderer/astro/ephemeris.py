"""The one skyfield wrapper: time scale, Earth orientation, the Sun, Moon and planets.

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
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from skyfield.api import Loader
from skyfield.data import iers
from skyfield.framelib import itrs as _itrs_frame
from skyfield.jpllib import SpiceKernel
from skyfield.timelib import Time, Timescale

from renderer.astro.constants import (
    SECONDS_PER_DAY,
)

FloatArray = npt.NDArray[np.float64]

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
    return vector_rows(np.asarray(pos, dtype=np.float64))


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


def vector_rows(v: Any) -> FloatArray:
    """skyfield's (3,) or (3, N) vectors -> (N, 3)."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 1:
        return a[np.newaxis, :]
    return np.ascontiguousarray(a.T)


# The planets the sky shows, as DE421 names (the barycentres stand for the outer planets:
# their moons shift the planet from the barycentre by under 0.1 arcsec as seen from Earth).
PLANETS = (
    "mercury",
    "venus",
    "mars",
    "jupiter barycenter",
    "saturn barycenter",
    "uranus barycenter",
    "neptune barycenter",
)


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
