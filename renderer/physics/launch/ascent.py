"""Launch vehicles: built-in profiles and sites, ascent trajectories, spent stages.

CONTRACT used by the timeline (``look.target = "launch:N"``) and by the sprite pass:

    vehicle_itrs(launch: Launch, t_since_liftoff_s: np.ndarray) -> (pos_km, vel_km_s)

Earth-fixed (ITRS) position and velocity of the vehicle, each (N, 3) float64; rows
for times before lift-off are NaN.

Everything here is geometry in the Earth-fixed frame (ITRS, km, km/s, seconds after
lift-off).  Nothing reads an ephemeris: the only link to inertial space is the
Earth's rotation rate about the ITRS z axis, so the "inertial" velocity of a point is
``v_itrs + omega x r`` with the axes frozen at that instant.  The trajectory does not
depend on the lift-off date: the timeline turns it into GCRS.

The model
---------
*Powered flight* comes from an ascent table of (t_s, altitude_km, downrange_km), each
column interpolated by a monotone piecewise cubic (PCHIP, C1).  The ground point
lies ``downrange_km`` along the ground track from the pad; the vehicle is that far
above it on the WGS84 normal (geodetic altitude).  The ground track leaves the pad on
a great circle at the Earth-relative launch azimuth (:func:`launch_azimuth_deg`).
When the launch names a target inclination, the track also bends slightly to the
side, by a cross-track angle growing as the cube of the distance flown (so the
heading and the curvature at the pad are untouched), just enough for the inertial
velocity at cut-off to lie in an orbit of exactly that inclination.  This stands in
for what a real ascent does: it starts along the Earth-relative azimuth and ends in
an inertial plane whose trace on the rotating Earth is not a great circle.  Velocity
is the chain rule on the table's exact slopes, so position and velocity are both
continuous (the acceleration jumps at rows, as PCHIP's second derivative does).

*After the last table row* (engine cut-off) the vehicle coasts: its state at the
last row is integrated ballistically, as are the *spent stages* from their
separation: RK4 with a fixed 1 s step in the rotating frame (point mass + J2
gravity, Coriolis and centrifugal terms, drag in an exponential atmosphere that
turns with the Earth), sampled with cubic Hermite interpolation on the stored
states.  A suborbital object is integrated once, up to its impact (geodetic
altitude 0), and its track ends there; an orbiting one is integrated lazily as far
as it is asked for (always from the same start with the same step, so the answer
does not depend on the order of the requests).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from renderer.physics.launch.catalogue import SITES, VEHICLE_NAMES

if TYPE_CHECKING:  # renderer.scene imports this module: no run-time import back
    from renderer.scene import Launch, Site, VehicleTable

FloatArray = npt.NDArray[np.float64]

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

WGS84_A_KM = 6378.137  # REFERENCE.md, "Earth"
WGS84_F = 1.0 / 298.257223563  # REFERENCE.md, "Earth"
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
OMEGA_EARTH_RAD_S = 7.292115e-5  # IERS/WGS84 nominal rotation rate
MU_EARTH_KM3_S2 = 398600.4418  # WGS84 / EGM96
J2_EARTH = 1.08262668e-3  # EGM96 (unnormalised C20 = -J2)
# The launch-azimuth correction of REFERENCE.md: the ground turns east at 465.1 cos(lat)
# m/s under an orbit flown at about 7.8 km/s.
EQUATOR_SPEED_KM_S = 0.4651
ORBITAL_SPEED_KM_S = 7.8

# Exponential atmosphere: sea-level density and a scale height of 7.2 km, which stays
# within ~25 % of the US Standard Atmosphere 1976 from 20 to 100 km, where spent
# stages lose their speed.
SEA_LEVEL_DENSITY_KG_M3 = 1.225
SCALE_HEIGHT_KM = 7.2

# Ballistic coefficients m / (Cd A), kg/m^2.  An empty Soyuz strap-on (3.8 t, 19.6 m x
# 2.68 m) is about 1,400 kg/m^2 end-on (A = 5.6 m^2, Cd ~ 0.5); the empty core
# (6.5 t, 27.8 m x 2.95 m) about 1,200; a third stage about 1,000.  Tumbling broadside
# they would be several times lower: these values make the stages fall a little
# long, by tens of km out of hundreds.  A coasting payload uses 300 (Progress:
# 7 t over ~10 m^2 with Cd 2.2); at its height drag hardly matters here.
BOOSTER_BALLISTIC_KG_M2 = 1400.0
CORE_BALLISTIC_KG_M2 = 1200.0
UPPER_BALLISTIC_KG_M2 = 1000.0
PAYLOAD_BALLISTIC_KG_M2 = 300.0

# Side-by-side pieces (the Korolev cross of four strap-ons) leave with this much
# velocity away from the axis, spread evenly around it.  The real push is a few m/s;
# 20 m/s opens the cross to ~5 km by impact, a few pixels from the station (a visual
# choice, documented as such).
PIECE_SPREAD_KM_S = 0.020
# A stage that is dropped after cut-off (the last one) would otherwise coast on top of
# the payload: the payload's springs and the stage's avoidance burn part them at
# about this speed, the stage falling behind.
LAST_STAGE_PUSH_KM_S = 0.002

BALLISTIC_STEP_S = 1.0
# An object whose osculating perigee lies below this is integrated to impact at once.
_SUBORBITAL_PERIGEE_KM = 120.0
# Safety limit of a fall (a suborbital path that grazes the atmosphere for ever).
_MAX_FALL_S = 6.0 * 3600.0
# How long after it starts a free flight is followed (1 s steps: ~1 s of CPU a day).
# Beyond it the payload has manoeuvred or docked and a spent stage decayed or moved
# off: the positions are NaN, rather than a week of integration for a scene that
# starts long after its launch.
MAX_FREE_FLIGHT_S = 86400.0
# Steps of the central differences of the map (arc, height) -> ITRS: truncation
# ~ r ds^2 / 6 and round-off ~ 1e-16 r / ds stay below 1e-9 km per unit of arc.
# Position is linear in height, so any height step is exact.
_ARC_STEP_RAD = 1e-6
_HEIGHT_STEP_KM = 1e-3


# ---------------------------------------------------------------------------
# Vehicles
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageEvent:
    """Something that happens to a vehicle at ``t_s`` seconds after lift-off.

    ``kind`` tells the consumer what to draw:

    * ``"stage"``: a spent stage separates (``count`` pieces; a flash, and a spent
      track from :func:`spent_stages_itrs` with the same ``name``);
    * ``"fairing"``: the payload fairing is jettisoned (``count`` halves; no track);
    * ``"cutoff"``: the last engine stops, the plume ends, the vehicle coasts;
    * ``"payload"``: the payload separates from the last stage.
    """

    name: str
    t_s: float
    count: int = 1
    kind: str = "stage"


@dataclass(frozen=True)
class VehicleProfile:
    """A vehicle as this module uses it: built in, or made from a scene's ``VehicleTable``.

    ``profile`` rows are (t_s, altitude_km, downrange_km): seconds after lift-off,
    geodetic altitude and distance along the ground track from the pad.  The first
    row is lift-off, the last engine cut-off.  ``speed_km_s`` (built-in profiles) is
    the inertial speed of the nominal flight at each row, for reference and tests:
    the trajectory is computed from the first three columns only.  ``stages`` are
    ``(name, separation_s, count)``; ``ballistic_kg_m2`` has one value per stage.
    ``extra_events`` are events other than staging and cut-off (fairing, payload).
    """

    name: str
    stages: tuple[tuple[str, float, int], ...]
    profile: tuple[tuple[float, float, float], ...]
    ballistic_kg_m2: tuple[float, ...]
    speed_km_s: tuple[float, ...] | None = None
    extra_events: tuple[StageEvent, ...] = ()

    @property
    def cutoff_s(self) -> float:
        """Time of the last table row: engine cut-off, after which the vehicle coasts."""
        return self.profile[-1][0]


def _clamped_spline_slopes(x: FloatArray, y: FloatArray, d0: float, dn: float) -> FloatArray:
    """Knot slopes of the C2 cubic spline through (x, y) with end slopes d0 and dn."""
    n = len(x)
    h = np.diff(x)
    secant = np.diff(y) / h
    a = np.zeros((n, n))
    b = np.zeros(n)
    a[0, 0] = a[-1, -1] = 1.0
    b[0], b[-1] = d0, dn
    for i in range(1, n - 1):
        # continuity of the second derivative at knot i
        a[i, i - 1] = h[i]
        a[i, i] = 2.0 * (h[i - 1] + h[i])
        a[i, i + 1] = h[i - 1]
        b[i] = 3.0 * (h[i] * secant[i - 1] + h[i - 1] * secant[i])
    return np.linalg.solve(a, b)


def _hermite_eval(
    x: FloatArray, y: FloatArray, d: FloatArray, xq: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Value and first derivative of the cubic Hermite spline (x, y, dy/dx) at xq.

    Outside [x0, xn] the first and last cubics are extended.
    """
    i = np.clip(np.searchsorted(x, xq, side="right") - 1, 0, len(x) - 2)
    h = x[i + 1] - x[i]
    u = (xq - x[i]) / h
    y0, y1 = y[i], y[i + 1]
    m0, m1 = d[i] * h, d[i + 1] * h
    u2 = u * u
    u3 = u2 * u
    val = (
        (2 * u3 - 3 * u2 + 1) * y0
        + (u3 - 2 * u2 + u) * m0
        + (-2 * u3 + 3 * u2) * y1
        + (u3 - u2) * m1
    )
    der = ((6 * u2 - 6 * u) * y0 + (3 * u2 - 4 * u + 1) * m0
           + (-6 * u2 + 6 * u) * y1 + (3 * u2 - 2 * u) * m1) / h
    return val, der


class Pchip:
    """Monotone piecewise cubic interpolation (Fritsch & Carlson; the PCHIP rule).

    C1, never overshoots the data between rows, reproduces straight lines and, with the
    three-point end rule, parabolas at the ends.  ``start_slope`` replaces the end
    rule at the first row when the slope there is known.  Beyond the ends the end
    cubics are extended.
    """

    def __init__(self, x: npt.ArrayLike, y: npt.ArrayLike,
                 start_slope: float | None = None) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        if self.x.ndim != 1 or self.x.shape != self.y.shape or len(self.x) < 2:
            raise ValueError("Pchip needs two 1-D arrays of equal length, at least 2")
        if not np.all(np.diff(self.x) > 0):
            raise ValueError("Pchip abscissae must increase strictly")
        self.d = self._slopes(self.x, self.y)
        if start_slope is not None:
            self.d[0] = start_slope

    @staticmethod
    def _slopes(x: FloatArray, y: FloatArray) -> FloatArray:
        h = np.diff(x)
        delta = np.diff(y) / h
        n = len(x)
        d = np.zeros(n)
        if n == 2:
            d[:] = delta[0]
            return d
        # Interior: weighted harmonic mean of the neighbouring secants, zero at extrema.
        h0, h1 = h[:-1], h[1:]
        s0, s1 = delta[:-1], delta[1:]
        w1 = 2 * h1 + h0
        w2 = h1 + 2 * h0
        same = (s0 * s1) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            hm = (w1 + w2) / (w1 / s0 + w2 / s1)
        d[1:-1] = np.where(same, hm, 0.0)
        d[0] = Pchip._end_slope(h[0], h[1], delta[0], delta[1])
        d[-1] = Pchip._end_slope(h[-1], h[-2], delta[-1], delta[-2])
        return d

    @staticmethod
    def _end_slope(h0: float, h1: float, s0: float, s1: float) -> float:
        # Three-point (parabola) slope, kept monotone as in Fritsch & Carlson / SciPy.
        d = ((2 * h0 + h1) * s0 - h0 * s1) / (h0 + h1)
        if np.sign(d) != np.sign(s0):
            return 0.0
        if np.sign(s0) != np.sign(s1) and abs(d) > abs(3 * s0):
            return 3 * s0
        return float(d)

    def __call__(self, xq: npt.ArrayLike) -> FloatArray:
        """Interpolated values at ``xq``."""
        return _hermite_eval(self.x, self.y, self.d, np.asarray(xq, dtype=np.float64))[0]

    def derivative(self, xq: npt.ArrayLike) -> FloatArray:
        """First derivative of the interpolant at ``xq``."""
        return _hermite_eval(self.x, self.y, self.d, np.asarray(xq, dtype=np.float64))[1]


# --- Soyuz-FG ---------------------------------------------------------------
#
# A generic Soyuz-FG ascent (not one flight's telemetry), built to meet the events of
# shared/REFERENCE.md ("Soyuz-FG ascent"): strap-on separation at 118 s, ~48 km,
# 1.5-1.8 km/s; fairing at ~155 s, ~85 km; core separation at ~286 s, ~176 km,
# 3.75 km/s; third-stage cut-off at ~525 s at orbital speed, 1,640 km downrange, in a
# ~200 x 250 km orbit.
#
# Altitude: a cubic spline (C2: no step in the vertical acceleration between events)
# through the knots below (t_s, km), clamped to zero climb at lift-off and at cut-off.
# The climb starts at rest with ~5.8 m/s^2 (lift-off thrust/weight ~1.4 would give
# ~4), peaks near 1 km/s just after booster separation (the core alone has
# thrust/weight ~1, so the climb stalls), falls to ~0.36 km/s (a flight-path angle
# of ~5.5 deg) by core separation as the pitch program lays the vehicle down, and
# the third stage flattens out to insert at perigee (zero climb) at 210 km geodetic:
# ~197 km above the equatorial radius, the convention of orbit heights.
_SOYUZ_ALTITUDE_KNOTS = (
    (0.0, 0.0),
    (30.0, 2.0),
    (60.0, 8.0),
    (118.0, 48.0),
    (155.0, 85.0),
    (220.0, 142.8),
    (286.0, 176.0),
    (525.0, 210.0),
)
# Ground speed u = d(downrange)/dt, Earth-relative and horizontal, one shape a stage:
#   boosters + core, 0-118 s:  u = U1 (t/118)^2 (vertical rise, then the gravity turn);
#   core alone, 118-286 s:     u = U1 + (U2 - U1) (x + c x (1 - x)), x = (t-118)/168,
#                              i.e. the horizontal acceleration eases off as the
#                              trajectory flattens (c is solved for the downrange at 286 s);
#   third stage, 286-525 s:    u = U2 + (U3 - U2) ln(1 - k x) / ln(1 - k), x = (t-286)/239,
#                              the rocket equation's shape (mass m0 (1 - k x)): k is
#                              solved for 1,640 km at cut-off and comes out ~0.68, a
#                              mass ratio of ~3.1 (a fuelled third stage plus Progress,
#                              ~33 t, burning to ~10 t).
# U1, U2, U3 are found from the inertial speeds at 118, 286 and 525 s (1.75, 3.75 and
# 7.793 km/s; the last, horizontal at 210 km over latitude ~51 deg, is a 197 x 249 km
# orbit above the equatorial radius) by undoing the Earth's rotation for the nominal
# flight (Baikonur 1/5, 62 deg Earth-relative azimuth; _soyuz_ground_speed_from_inertial).
# 1.75 km/s at booster separation is inside REFERENCE.md's 1.5-1.8 and drops the
# strap-ons ~325 km from the pad (the Soyuz drop zone lies some 300-400 km out).
#
# Downrange at core separation: REFERENCE.md (from ESA) says "500 km".  The physics of
# the core stage's burn (1.7 -> 3.75 km/s in 168 s with thrust/weight rising from ~1
# to ~2) gives a ground-track distance nearer 420-460 km, and the third stage's
# rocket-equation burn to 1,640 km at 525 s independently puts it at ~460 km; ESA's
# "travelled 500 km" reads as the distance flown along the climbing path, which this
# table makes ~515 km.  The table uses 460 km over the ground.
#
# Rows are 1 s apart, so that 118, 286 and 525 s are rows and the spacing is even:
# PCHIP's slope at a row between unequal intervals is only first-order accurate, and
# near cut-off (31 m/s^2) that showed as a spurious 50 m/s^2 in the acceleration.
_SOYUZ_T_BOOSTERS_S = 118.0
_SOYUZ_T_FAIRING_S = 155.0
_SOYUZ_T_CORE_S = 286.0
_SOYUZ_T_CUTOFF_S = 525.0
_SOYUZ_T_PAYLOAD_S = 528.0
_SOYUZ_SPEED_TARGETS_KM_S = (1.75, 3.75, 7.793)
_SOYUZ_DOWNRANGE_CORE_KM = 460.0
_SOYUZ_DOWNRANGE_CUTOFF_KM = 1640.0
_SOYUZ_NOMINAL_LAT_DEG = 45.920  # Baikonur 1/5, REFERENCE.md
_SOYUZ_NOMINAL_AZIMUTH_DEG = 62.0  # Earth-relative, REFERENCE.md
_SOYUZ_ROW_STEP_S = 1.0


def _soyuz_ground_speed_from_inertial(v_inertial: float, climb: float, alt_km: float) -> float:
    """Ground speed (downrange rate, km/s) that gives inertial speed ``v_inertial``.

    Nominal geometry: the Earth's eastward surface speed at Baikonur, split along and
    across a 62 deg track; horizontal speed at height ``alt_km`` scaled to the ground.
    """
    lat = math.radians(_SOYUZ_NOMINAL_LAT_DEG)
    az = math.radians(_SOYUZ_NOMINAL_AZIMUTH_DEG)
    ve = EQUATOR_SPEED_KM_S * math.cos(lat)
    along, across = ve * math.sin(az), ve * math.cos(az)
    horiz = math.sqrt(v_inertial**2 - climb**2)
    rel = math.sqrt(horiz**2 - across**2) - along
    r_ground = _geocentric_radius_at_geodetic_km(_SOYUZ_NOMINAL_LAT_DEG)
    return rel * r_ground / (r_ground + alt_km)


def _soyuz_fg_speed(u: FloatArray, climb: FloatArray, alt_km: FloatArray) -> FloatArray:
    """Inverse of :func:`_soyuz_ground_speed_from_inertial`, elementwise (km/s)."""
    lat = math.radians(_SOYUZ_NOMINAL_LAT_DEG)
    az = math.radians(_SOYUZ_NOMINAL_AZIMUTH_DEG)
    ve = EQUATOR_SPEED_KM_S * math.cos(lat)
    r_ground = _geocentric_radius_at_geodetic_km(_SOYUZ_NOMINAL_LAT_DEG)
    rel = u * (r_ground + alt_km) / r_ground
    return np.sqrt((rel + ve * math.sin(az)) ** 2 + (ve * math.cos(az)) ** 2 + climb**2)


def _log_shape_mean(k: float) -> float:
    """Mean over [0, 1] of ln(1 - k x) / ln(1 - k)."""
    return -((1 - k) * math.log(1 - k) + k) / (k * math.log(1 - k))


def _soyuz_fg_rows() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The built-in Soyuz-FG table: t_s, altitude_km, downrange_km, inertial speed km/s."""
    t1, t2, t3 = _SOYUZ_T_BOOSTERS_S, _SOYUZ_T_CORE_S, _SOYUZ_T_CUTOFF_S
    kt = np.array([k[0] for k in _SOYUZ_ALTITUDE_KNOTS])
    kh = np.array([k[1] for k in _SOYUZ_ALTITUDE_KNOTS])
    kd = _clamped_spline_slopes(kt, kh, 0.0, 0.0)
    climb_at = dict(zip(kt.tolist(), kd.tolist(), strict=True))
    alt_at = dict(zip(kt.tolist(), kh.tolist(), strict=True))
    v1, v2, v3 = _SOYUZ_SPEED_TARGETS_KM_S
    u1 = _soyuz_ground_speed_from_inertial(v1, climb_at[t1], alt_at[t1])
    u2 = _soyuz_ground_speed_from_inertial(v2, climb_at[t2], alt_at[t2])
    u3 = _soyuz_ground_speed_from_inertial(v3, climb_at[t3], alt_at[t3])
    s1 = u1 * t1 / 3.0
    l2, l3 = t2 - t1, t3 - t2
    # Core stage: mean of x + c x (1 - x) is 1/2 + c/6; solve c for the downrange at t2.
    mean2 = ((_SOYUZ_DOWNRANGE_CORE_KM - s1) / l2 - u1) / (u2 - u1)
    c = 6.0 * (mean2 - 0.5)
    # Third stage: the log shape's mean falls from 1/2 (k -> 0) as k grows: bisect k.
    mean3 = ((_SOYUZ_DOWNRANGE_CUTOFF_KM - _SOYUZ_DOWNRANGE_CORE_KM) / l3 - u2) / (u3 - u2)
    lo, hi = 1e-6, 0.999
    for _ in range(80):
        k = 0.5 * (lo + hi)
        if _log_shape_mean(k) > mean3:
            lo = k
        else:
            hi = k
    k = 0.5 * (lo + hi)

    t = np.unique(np.concatenate([np.arange(0.0, t3, _SOYUZ_ROW_STEP_S),
                                  [t1, _SOYUZ_T_FAIRING_S, t2, t3]]))
    s = np.empty_like(t)
    u = np.empty_like(t)
    a = t <= t1
    s[a] = u1 * t1 / 3.0 * (t[a] / t1) ** 3
    u[a] = u1 * (t[a] / t1) ** 2
    b = (t > t1) & (t <= t2)
    x = (t[b] - t1) / l2
    s[b] = s1 + l2 * (u1 * x + (u2 - u1) * (x**2 / 2 + c * (x**2 / 2 - x**3 / 3)))
    u[b] = u1 + (u2 - u1) * (x + c * x * (1 - x))
    g = t > t2
    x = (t[g] - t2) / l3
    lk = math.log(1 - k)
    shape_int = -((1 - k * x) * np.log(1 - k * x) + k * x) / (k * lk)
    s[g] = _SOYUZ_DOWNRANGE_CORE_KM + l3 * (u2 * x + (u3 - u2) * shape_int)
    u[g] = u2 + (u3 - u2) * np.log(1 - k * x) / lk
    alt, climb = _hermite_eval(kt, kh, kd, t)
    return t, alt, s, _soyuz_fg_speed(u, climb, alt)


@cache
def _builtin_profile(name: str) -> VehicleProfile:
    if name != "soyuz-fg":
        known = ", ".join(VEHICLE_NAMES)
        raise ValueError(f"unknown vehicle {name!r}; built-in vehicles: {known}")
    t, alt, s, speed = _soyuz_fg_rows()
    rows = tuple((float(a), float(b), float(c)) for a, b, c in zip(t, alt, s, strict=True))
    return VehicleProfile(
        name="soyuz-fg",
        stages=(
            ("boosters", _SOYUZ_T_BOOSTERS_S, 4),
            ("core stage", _SOYUZ_T_CORE_S, 1),
            ("third stage", _SOYUZ_T_CUTOFF_S, 1),
        ),
        profile=rows,
        ballistic_kg_m2=(BOOSTER_BALLISTIC_KG_M2, CORE_BALLISTIC_KG_M2, UPPER_BALLISTIC_KG_M2),
        speed_km_s=tuple(float(v) for v in speed),
        extra_events=(
            StageEvent("fairing", _SOYUZ_T_FAIRING_S, 2, "fairing"),
            StageEvent("spacecraft separation", _SOYUZ_T_PAYLOAD_S, 1, "payload"),
        ),
    )


def _ballistic_for_stage(name: str, index: int, n_stages: int) -> float:
    """A ballistic coefficient for a custom vehicle's stage, from its name and place."""
    low = name.lower()
    if any(w in low for w in ("booster", "strap", "srb", "side")):
        return BOOSTER_BALLISTIC_KG_M2
    if index == n_stages - 1 and n_stages > 1:
        return UPPER_BALLISTIC_KG_M2
    return CORE_BALLISTIC_KG_M2


def vehicle_profile(vehicle: str | VehicleTable) -> VehicleProfile:
    """The :class:`VehicleProfile` of a built-in name or of a scene's ``VehicleTable``.

    Raises ValueError for an unknown name or a table that is not a usable profile
    (fewer than two rows, times not increasing from 0 or later).
    """
    if isinstance(vehicle, str):
        return _builtin_profile(vehicle)
    rows = tuple((float(r[0]), float(r[1]), float(r[2])) for r in vehicle.profile)
    if len(rows) < 2:
        raise ValueError(
            "a vehicle profile needs at least two rows (t_s, altitude_km, downrange_km)"
        )
    ts = [r[0] for r in rows]
    if ts[0] < 0.0 or any(b <= a for a, b in zip(ts, ts[1:], strict=False)):
        raise ValueError("vehicle profile times must start at 0 or later and increase row by row")
    if ts[0] > 0.0:
        # The table starts in flight: lift-off is from the pad, at rest.
        rows = ((0.0, 0.0, 0.0), *rows)
    stages = tuple((str(st.name), float(st.separation_s), int(st.count)) for st in vehicle.stages)
    for name, sep, count in stages:
        if not 0.0 < sep <= rows[-1][0] or count < 1:
            raise ValueError(
                f"stage {name!r}: separation_s must lie within the profile "
                f"(0, {rows[-1][0]:g}] s and count be at least 1"
            )
    n = len(stages)
    return VehicleProfile(
        name="custom",
        stages=stages,
        profile=rows,
        ballistic_kg_m2=tuple(_ballistic_for_stage(s[0], i, n) for i, s in enumerate(stages)),
    )


# ---------------------------------------------------------------------------
# Sites and azimuths
# ---------------------------------------------------------------------------


def site_latlon(site: Site | str | tuple[float, float]) -> tuple[float, float]:
    """Geodetic (WGS84) latitude and longitude of a launch site, degrees north and east.

    ``site`` is a scene ``Site``, a built-in site name (a key of :data:`SITES`) or a
    (lat, lon) pair.
    """
    if isinstance(site, str):
        if site not in SITES:
            raise ValueError(f"unknown site {site!r}; built-in sites: {', '.join(SITES)}")
        return SITES[site]
    if isinstance(site, tuple):
        return float(site[0]), float(site[1])
    return float(site.lat_deg), float(site.lon_deg)


def inertial_azimuth_deg(lat_deg: float, inclination_deg: float) -> float:
    """Inertial launch azimuth (deg from north) into an orbit of that inclination.

    The ascending (northbound) solution ``asin(cos i / cos lat)``: north-east for a
    prograde orbit, north-west for a retrograde one.  Raises ValueError when the
    orbit cannot pass over the latitude (``|lat| > i`` or ``|lat| > 180 - i``).
    """
    c = math.cos(math.radians(inclination_deg)) / math.cos(math.radians(lat_deg))
    if not (0.0 <= inclination_deg <= 180.0) or abs(c) > 1.0 + 1e-12:
        lo = abs(lat_deg)
        raise ValueError(
            f"target inclination {inclination_deg:g} deg cannot be reached from latitude "
            f"{lat_deg:g} deg: a launch there reaches {lo:g} to {180.0 - lo:g} deg"
        )
    return math.degrees(math.asin(max(-1.0, min(1.0, c)))) % 360.0


def relative_azimuth_deg(lat_deg: float, inertial_azimuth: float,
                         orbital_speed_km_s: float = ORBITAL_SPEED_KM_S) -> float:
    """Earth-relative azimuth that ends at ``inertial_azimuth`` once the ground's speed is added.

    The orbital velocity ``V (sin b, cos b)`` (east, north) minus the ground's eastward
    465.1 cos(lat) m/s, as in REFERENCE.md: for Baikonur and 51.64 deg, 63.1 deg
    inertial becomes ~62 deg relative.
    """
    b = math.radians(inertial_azimuth)
    ve = EQUATOR_SPEED_KM_S * math.cos(math.radians(lat_deg))
    east = orbital_speed_km_s * math.sin(b) - ve
    north = orbital_speed_km_s * math.cos(b)
    return math.degrees(math.atan2(east, north)) % 360.0


def launch_azimuth_deg(launch: Launch) -> float:
    """Earth-relative ground-track azimuth at the pad, degrees clockwise from north, [0, 360).

    ``launch.azimuth_deg`` when given; otherwise derived from
    ``launch.target_inclination_deg`` (ascending launch; ValueError if unreachable).
    """
    if launch.azimuth_deg is not None:
        return float(launch.azimuth_deg) % 360.0
    if launch.target_inclination_deg is None:
        raise ValueError("a launch needs azimuth_deg or target_inclination_deg")
    lat, _lon = site_latlon(launch.site)
    beta = inertial_azimuth_deg(lat, float(launch.target_inclination_deg))
    return relative_azimuth_deg(lat, beta)


# ---------------------------------------------------------------------------
# Geodesy
# ---------------------------------------------------------------------------


def _geocentric_radius_at_geodetic_km(lat_deg: float) -> float:
    """Distance from the Earth's centre to the WGS84 surface at a geodetic latitude."""
    p = _geodetic_to_itrs(np.radians([lat_deg]), np.zeros(1), np.zeros(1))[0]
    return float(np.linalg.norm(p))


def _geodetic_to_itrs(lat: FloatArray, lon: FloatArray, h: FloatArray) -> FloatArray:
    """Geodetic latitude, longitude (rad) and height (km) -> ITRS (..., 3) km."""
    s, c = np.sin(lat), np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * s * s)
    return np.stack(
        [(n + h) * c * np.cos(lon), (n + h) * c * np.sin(lon), (n * (1.0 - WGS84_E2) + h) * s],
        axis=-1,
    )


def _surface_point_from_direction(q: FloatArray, h: FloatArray) -> FloatArray:
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
    return np.stack(
        [(n + h) * c * cl, (n + h) * c * sl, (n * (1.0 - WGS84_E2) + h) * s], axis=-1
    )


def _altitude_km(x: float, y: float, z: float) -> float:
    """Height above the WGS84 ellipsoid along the geocentric radius (km).

    Within a few metres of the geodetic height below 300 km, which is all drag and
    impact need, and much cheaper in the integrator's inner loop.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    s2 = z * z / r2
    re = WGS84_A_KM * WGS84_B_KM / math.sqrt(WGS84_B_KM**2 * (1.0 - s2) + WGS84_A_KM**2 * s2)
    return r - re


def altitude_km(pos_km: npt.ArrayLike) -> FloatArray:
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


def _inertial_velocity(pos: FloatArray, vel: FloatArray) -> FloatArray:
    """ITRS velocity plus the frame's rotation, omega x r (km/s)."""
    w = OMEGA_EARTH_RAD_S
    out = np.array(vel, dtype=np.float64, copy=True)
    out[..., 0] -= w * pos[..., 1]
    out[..., 1] += w * pos[..., 0]
    return out


def inclination_deg(pos_km: npt.ArrayLike, vel_itrs_km_s: npt.ArrayLike) -> FloatArray:
    """Orbit inclination (deg) from ITRS position and ITRS velocity, via r x (v + omega x r)."""
    r = np.asarray(pos_km, dtype=np.float64)
    v = _inertial_velocity(r, np.asarray(vel_itrs_km_s, dtype=np.float64))
    hv = np.cross(r, v)
    return np.degrees(np.arccos(np.clip(hv[..., 2] / np.linalg.norm(hv, axis=-1), -1.0, 1.0)))


# ---------------------------------------------------------------------------
# Ballistic flight in the rotating frame
# ---------------------------------------------------------------------------


def _accel(x: float, y: float, z: float, vx: float, vy: float, vz: float,
           inv_beta: float) -> tuple[float, float, float]:
    """Acceleration (km/s^2) in the ITRS: gravity with J2, Coriolis, centrifugal, drag.

    Plain floats: this is the integrator's inner loop, and small NumPy arrays would
    cost ten times more.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_r3 = MU_EARTH_KM3_S2 / (r2 * r)
    k = 1.5 * J2_EARTH * WGS84_A_KM**2 / r2
    z2 = 5.0 * z * z / r2
    gxy = -mu_r3 * (1.0 + k * (1.0 - z2))
    ax = gxy * x
    ay = gxy * y
    az = -mu_r3 * (1.0 + k * (3.0 - z2)) * z
    w = OMEGA_EARTH_RAD_S
    # -2 w x v - w x (w x r), with w along z.
    ax += 2.0 * w * vy + w * w * x
    ay += -2.0 * w * vx + w * w * y
    h = _altitude_km(x, y, z)
    if h < 600.0 and inv_beta > 0.0:  # above 600 km the exponential's air is nil
        # Air turns with the Earth: drag opposes the ITRS velocity.  a = rho v^2 / (2 beta)
        # in SI; with v in km/s and a in km/s^2 that is 500 rho |v| v / beta.
        rho = SEA_LEVEL_DENSITY_KG_M3 * math.exp(-max(h, 0.0) / SCALE_HEIGHT_KM)
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        f = -500.0 * rho * speed * inv_beta
        ax += f * vx
        ay += f * vy
        az += f * vz
    return ax, ay, az


class BallisticTrack:
    """A free-flying object's ITRS path from ``t0_s``, RK4 at a fixed step, cached.

    Suborbital objects are integrated to impact on construction (``impact_s`` is then
    finite); orbiting ones lazily, as far as :meth:`sample` is asked, up to
    :data:`MAX_FREE_FLIGHT_S` after ``t0_s``.
    """

    def __init__(self, t0_s: float, pos_km: npt.ArrayLike, vel_km_s: npt.ArrayLike,
                 ballistic_kg_m2: float, step_s: float = BALLISTIC_STEP_S) -> None:
        self.t0_s = float(t0_s)
        self.step_s = float(step_s)
        self.inv_beta = 1.0 / ballistic_kg_m2 if ballistic_kg_m2 > 0 else 0.0
        p = [float(c) for c in np.asarray(pos_km, dtype=np.float64)]
        v = [float(c) for c in np.asarray(vel_km_s, dtype=np.float64)]
        self._states: list[tuple[float, ...]] = [(*p, *v)]
        self.impact_s = math.inf
        self._arrays: tuple[FloatArray, FloatArray] | None = None
        self._lock = threading.Lock()
        if _perigee_altitude_km(np.array(p), np.array(v)) < _SUBORBITAL_PERIGEE_KM:
            self._extend(self.t0_s + _MAX_FALL_S)

    @property
    def end_s(self) -> float:
        """Last time the cached path reaches (the impact time once it has landed)."""
        if math.isfinite(self.impact_s):
            return self.impact_s
        return self.t0_s + (len(self._states) - 1) * self.step_s

    def _derivs(self, s: tuple[float, ...]) -> tuple[float, ...]:
        ax, ay, az = _accel(s[0], s[1], s[2], s[3], s[4], s[5], self.inv_beta)
        return (s[3], s[4], s[5], ax, ay, az)

    def _extend(self, t_max: float) -> None:
        n_need = math.ceil((t_max - self.t0_s) / self.step_s) + 1
        dt = self.step_s
        states = self._states
        h_prev = _altitude_km(*states[-1][:3])
        while len(states) < n_need and not math.isfinite(self.impact_s):
            s = states[-1]
            k1 = self._derivs(s)
            k2 = self._derivs(tuple(a + 0.5 * dt * b for a, b in zip(s, k1, strict=True)))
            k3 = self._derivs(tuple(a + 0.5 * dt * b for a, b in zip(s, k2, strict=True)))
            k4 = self._derivs(tuple(a + dt * b for a, b in zip(s, k3, strict=True)))
            nxt = tuple(
                a + dt / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
                for a, b1, b2, b3, b4 in zip(s, k1, k2, k3, k4, strict=True)
            )
            states.append(nxt)
            h = _altitude_km(*nxt[:3])
            if h <= 0.0:
                # The step that crosses the ground: impact by linear interpolation of height.
                frac = h_prev / (h_prev - h) if h_prev > h else 1.0
                self.impact_s = self.t0_s + (len(states) - 2 + frac) * dt
            h_prev = h
        self._arrays = None

    def _state_arrays(self) -> tuple[FloatArray, FloatArray]:
        if self._arrays is None:
            a = np.array(self._states, dtype=np.float64)
            self._arrays = (a[:, :3], a[:, 3:])
        return self._arrays

    def sample(self, t_s: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """ITRS position (km) and velocity (km/s), (N, 3); NaN before t0 and after impact."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        pos = np.full((t.size, 3), np.nan)
        vel = np.full((t.size, 3), np.nan)
        ok = (np.isfinite(t) & (t >= self.t0_s) & (t <= self.impact_s)
              & (t <= self.t0_s + MAX_FREE_FLIGHT_S))
        if not np.any(ok):
            return pos, vel
        with self._lock:
            t_max = float(np.max(t[ok]))
            if t_max > self.end_s and not math.isfinite(self.impact_s):
                self._extend(t_max)
            r, v = self._state_arrays()
        tq = t[ok]
        dt = self.step_s
        i = np.clip(np.floor((tq - self.t0_s) / dt).astype(np.int64), 0, len(r) - 2)
        u = ((tq - self.t0_s) - i * dt)[:, None] / dt
        r0, r1, v0, v1 = r[i], r[i + 1], v[i] * dt, v[i + 1] * dt
        u2, u3 = u * u, u * u * u
        pos[ok] = ((2 * u3 - 3 * u2 + 1) * r0 + (u3 - 2 * u2 + u) * v0
                   + (-2 * u3 + 3 * u2) * r1 + (u3 - u2) * v1)
        vel[ok] = ((6 * u2 - 6 * u) * r0 + (3 * u2 - 4 * u + 1) * v0
                   + (-6 * u2 + 6 * u) * r1 + (3 * u2 - 2 * u) * v1) / dt
        return pos, vel


def _perigee_altitude_km(pos: FloatArray, vel_itrs: FloatArray) -> float:
    """Osculating perigee height above the equatorial radius (km) of an ITRS state."""
    v = _inertial_velocity(pos, vel_itrs)
    r = float(np.linalg.norm(pos))
    v2 = float(v @ v)
    energy = v2 / 2.0 - MU_EARTH_KM3_S2 / r
    h = float(np.linalg.norm(np.cross(pos, v)))
    if energy >= 0.0:
        return math.inf if float(pos @ v) > 0.0 else -math.inf
    a = -MU_EARTH_KM3_S2 / (2.0 * energy)
    e = math.sqrt(max(0.0, 1.0 - h * h / (MU_EARTH_KM3_S2 * a)))
    return a * (1.0 - e) - WGS84_A_KM


# ---------------------------------------------------------------------------
# The ascent
# ---------------------------------------------------------------------------


class _Ascent:
    """One launch's trajectory: powered table, ground track, coast, spent stages."""

    def __init__(self, vehicle: VehicleProfile, lat_deg: float, lon_deg: float,
                 azimuth_deg: float, target_inclination_deg: float | None) -> None:
        self.vehicle = vehicle
        rows = np.array(vehicle.profile, dtype=np.float64)
        self.t_end = float(rows[-1, 0])
        # Lift-off is from rest: the end rule's slope at t = 0 is the table's estimate
        # of something known to be zero (it was 7 mm/s for the Soyuz rows).
        rest = 0.0 if rows[0, 0] == 0.0 else None
        self.alt = Pchip(rows[:, 0], rows[:, 1], start_slope=rest)
        self.down = Pchip(rows[:, 0], rows[:, 2], start_slope=rest)
        self.azimuth_deg = azimuth_deg
        lat, lon = math.radians(lat_deg), math.radians(lon_deg)
        pad = _geodetic_to_itrs(np.array(lat), np.array(lon), np.array(0.0))
        self.pad_radius_km = float(np.linalg.norm(pad))
        up = pad / self.pad_radius_km
        east = np.array([-math.sin(lon), math.cos(lon), 0.0])
        north = np.cross(up, east)  # geocentric north, tangent to the sphere through the pad
        az = math.radians(azimuth_deg)
        self.u0 = up
        self.t0 = math.sin(az) * east + math.cos(az) * north
        self.left = np.cross(self.u0, self.t0)  # pole of the great circle, left of the track
        self.bend = 0.0
        if target_inclination_deg is not None:
            self.bend = self._solve_bend(target_inclination_deg)
        self._coast: BallisticTrack | None = None
        self._stages: list[tuple[BallisticTrack, list[BallisticTrack]]] | None = None
        self._lock = threading.Lock()

    # --- powered flight -----------------------------------------------------

    def _track_point(self, sigma: FloatArray, h: FloatArray, bend: float) -> FloatArray:
        """ITRS point ``h`` km above the ground track, ``sigma`` rad of arc from the pad."""
        cross = bend * sigma**3
        p = np.cos(sigma)[:, None] * self.u0 + np.sin(sigma)[:, None] * self.t0
        q = np.cos(cross)[:, None] * p + np.sin(cross)[:, None] * self.left
        return _surface_point_from_direction(q, h)

    def _powered_state(self, t: FloatArray, bend: float | None = None
                       ) -> tuple[FloatArray, FloatArray]:
        """Powered-flight ITRS position (km) and velocity (km/s) at times t.

        Velocity by the chain rule: the table's exact time derivatives (PCHIP, C1)
        times the partial derivatives of the smooth map (arc, height) -> ITRS, the
        latter by central differences (the map has no rows, so they are accurate to
        ~1e-9 of the value).  Continuous wherever the table's slopes are, rows included.
        """
        k = self.bend if bend is None else bend
        sigma = self.down(t) / self.pad_radius_km
        sigma_dot = self.down.derivative(t) / self.pad_radius_km
        h = self.alt(t)
        h_dot = self.alt.derivative(t)
        pos = self._track_point(sigma, h, k)
        ds, dh = _ARC_STEP_RAD, _HEIGHT_STEP_KM
        d_sigma = (self._track_point(sigma + ds, h, k)
                   - self._track_point(sigma - ds, h, k)) / (2 * ds)
        d_h = (self._track_point(sigma, h + dh, k) - self._track_point(sigma, h - dh, k)) / (2 * dh)
        return pos, d_sigma * sigma_dot[:, None] + d_h * h_dot[:, None]

    def _solve_bend(self, inclination: float) -> float:
        """Cross-track bend (rad per rad^3 of downrange) that ends in the target inclination.

        Secant iteration; the inclination is nearly linear in the bend.  If it does not
        converge to a modest bend (a target almost equal to the pad latitude, where the
        inclination has a minimum), the track stays a great circle.
        """
        t_end = np.array([self.t_end])

        def miss(bend: float) -> float:
            p, v = self._powered_state(t_end, bend)
            return float(inclination_deg(p, v)[0]) - inclination

        sigma_end = float(self.down(t_end)[0]) / self.pad_radius_km
        if sigma_end <= 1e-6:
            return 0.0
        # A bend worth at most 3 deg of cross-track angle at cut-off.
        limit = math.radians(3.0) / sigma_end**3
        b0, f0 = 0.0, miss(0.0)
        b1 = 0.01 * limit
        f1 = miss(b1)
        for _ in range(30):
            if abs(f1) < 1e-7:
                break
            if f1 == f0:
                return 0.0
            b0, b1, f0 = b1, b1 - f1 * (b1 - b0) / (f1 - f0), f1
            if not math.isfinite(b1) or abs(b1) > limit:
                return 0.0
            f1 = miss(b1)
        return b1 if abs(f1) < 1e-3 else 0.0

    # --- whole flight -------------------------------------------------------

    def coast(self) -> BallisticTrack:
        with self._lock:
            if self._coast is None:
                p, v = self._powered_state(np.array([self.t_end]))
                self._coast = BallisticTrack(self.t_end, p[0], v[0], PAYLOAD_BALLISTIC_KG_M2)
            return self._coast

    def state(self, t_s: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64)).reshape(-1)
        pos = np.full((t.size, 3), np.nan)
        vel = np.full((t.size, 3), np.nan)
        powered = np.isfinite(t) & (t >= 0.0) & (t <= self.t_end)
        if np.any(powered):
            pos[powered], vel[powered] = self._powered_state(t[powered])
        after = np.isfinite(t) & (t > self.t_end)
        if np.any(after):
            pos[after], vel[after] = self.coast().sample(t[after])
        return pos, vel

    def spent_tracks(self) -> list[tuple[BallisticTrack, list[BallisticTrack]]]:
        with self._lock:
            if self._stages is not None:
                return self._stages
        out = []
        for (_name, sep, count), beta in zip(self.vehicle.stages, self.vehicle.ballistic_kg_m2,
                                             strict=True):
            p, v = self.state(np.array([sep]))
            p, v = p[0], v[0]
            speed = float(np.linalg.norm(v))
            if sep >= self.t_end and speed > 0.0:
                # Dropped after cut-off: falls behind the payload (see LAST_STAGE_PUSH_KM_S).
                v = v - LAST_STAGE_PUSH_KM_S * v / speed
            nominal = BallisticTrack(sep, p, v, beta)
            pieces = [nominal]
            if count > 1:
                pieces = [BallisticTrack(sep, p, v + dv, beta) for dv in _spread(p, v, count)]
            out.append((nominal, pieces))
        with self._lock:
            if self._stages is None:
                self._stages = out
            return self._stages


def _spread(pos: FloatArray, vel: FloatArray, count: int) -> list[FloatArray]:
    """Separation velocities of ``count`` side-by-side pieces, evenly around the axis.

    Piece j leaves at angle j 360/count deg from the vehicle's right toward its top, in
    the plane across the velocity: four strap-ons go right, up, left and down.  Pushes
    across the track part the pieces sideways, pushes up and down along the track (by
    their time of flight), so all four stay apart; diagonal pushes would pair them up.
    """
    radial = pos / np.linalg.norm(pos)
    speed = float(np.linalg.norm(vel))
    # A piece dropped while the vehicle stands still (a custom table) spreads about the vertical.
    along = vel / speed if speed > 0.0 else radial
    up = radial - (radial @ along) * along
    if np.linalg.norm(up) < 1e-9:  # flying straight up: any horizontal will do
        helper = np.array([0.0, 0.0, 1.0]) if abs(along[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        up = np.cross(along, helper)
    up /= np.linalg.norm(up)
    right = np.cross(along, up)
    out = []
    for j in range(count):
        a = 2.0 * math.pi * j / count
        out.append(PIECE_SPREAD_KM_S * (math.cos(a) * right + math.sin(a) * up))
    return out


def _launch_key(launch: Launch) -> tuple[Any, ...]:
    """A hashable key of what the trajectory depends on (not the date)."""
    veh = launch.vehicle
    if isinstance(veh, str):
        vkey: Any = veh
    else:
        vkey = (
            tuple((str(s.name), float(s.separation_s), int(s.count)) for s in veh.stages),
            tuple(tuple(float(c) for c in row) for row in veh.profile),
        )
    lat, lon = site_latlon(launch.site)
    return (vkey, lat, lon,
            None if launch.azimuth_deg is None else float(launch.azimuth_deg),
            None if launch.target_inclination_deg is None else float(launch.target_inclination_deg))


_ASCENTS: dict[tuple[Any, ...], _Ascent] = {}
_ASCENTS_LOCK = threading.Lock()
_ASCENTS_MAX = 32


def _ascent(launch: Launch) -> _Ascent:
    key = _launch_key(launch)
    with _ASCENTS_LOCK:
        hit = _ASCENTS.get(key)
    if hit is not None:
        return hit
    lat, lon = site_latlon(launch.site)
    azimuth = launch_azimuth_deg(launch)
    profile = vehicle_profile(launch.vehicle)
    asc = _Ascent(profile, lat, lon, azimuth,
                  None if launch.azimuth_deg is not None else launch.target_inclination_deg)
    with _ASCENTS_LOCK:
        if len(_ASCENTS) >= _ASCENTS_MAX:
            _ASCENTS.pop(next(iter(_ASCENTS)))
        return _ASCENTS.setdefault(key, asc)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def vehicle_itrs(launch: Launch, t_since_liftoff_s: npt.ArrayLike
                 ) -> tuple[FloatArray, FloatArray]:
    """Position and velocity of the launch vehicle, Earth-fixed (ITRS).

    ``t_since_liftoff_s`` are seconds after lift-off (any shape; flattened to N).
    Returns ``(pos_km, vel_km_s)``, each (N, 3) float64, geocentric ITRS km and the
    velocity relative to the rotating Earth in km/s (add ``omega x r`` for the
    inertial velocity).  Rows before lift-off (t < 0) or for non-finite t are NaN.
    Powered flight follows the vehicle's ascent table; after its last row the vehicle
    (the payload and, until it is dropped, the last stage) coasts ballistically.  Rows
    after an impact (a suborbital custom profile) or more than
    :data:`MAX_FREE_FLIGHT_S` after cut-off are NaN again.
    """
    return _ascent(launch).state(t_since_liftoff_s)


def stage_events(launch: Launch) -> list[StageEvent]:
    """Staging, fairing, cut-off and payload events of the launch, in time order.

    One ``"stage"`` event per stage of the vehicle (its name, separation time and piece
    count), ``"cutoff"`` at the last row of the ascent table, and for built-in vehicles
    the fairing jettison and payload separation.  Times in seconds after lift-off.
    """
    prof = vehicle_profile(launch.vehicle)
    events = [StageEvent(n, t, c, "stage") for n, t, c in prof.stages]
    events.append(StageEvent("cut-off", prof.cutoff_s, 1, "cutoff"))
    events.extend(prof.extra_events)
    order = {"stage": 0, "fairing": 1, "cutoff": 2, "payload": 3}
    return sorted(events, key=lambda e: (e.t_s, order.get(e.kind, 9)))


@dataclass(frozen=True, eq=False)  # holds arrays: compare the fields, not the tracks
class SpentStageTrack:
    """Where a spent stage is, sampled at the times asked for (ITRS, km, km/s).

    ``pos_km`` and ``vel_km_s`` (N, 3) follow the stage as one body from its
    separation; NaN before ``separation_s`` and after ``impact_s`` (``inf`` for a
    stage left in orbit, which is followed for :data:`MAX_FREE_FLIGHT_S`).
    ``pieces_km`` (count, N, 3) are the positions of the ``count`` side-by-side
    pieces (the four strap-ons), each pushed off sideways so they drift apart; for
    ``count == 1`` it is ``pos_km[None]``.  Each piece may land at a slightly
    different time, given in ``pieces_impact_s``.
    """

    name: str
    separation_s: float
    count: int
    impact_s: float
    ballistic_kg_m2: float
    pos_km: FloatArray
    vel_km_s: FloatArray
    pieces_km: FloatArray
    pieces_impact_s: tuple[float, ...]


def spent_stages_itrs(launch: Launch, t_since_liftoff_s: npt.ArrayLike
                      ) -> list[SpentStageTrack]:
    """Ballistic paths of the launch's spent stages, one track per stage, in stage order.

    Each stage leaves with the vehicle's ITRS position and velocity at its separation
    and falls under gravity (point mass + J2, rotating frame) and drag until it meets
    the ground.  ``t_since_liftoff_s`` (any shape, flattened to N) are seconds after
    lift-off.  See :class:`SpentStageTrack` for the arrays.
    """
    asc = _ascent(launch)
    t = np.atleast_1d(np.asarray(t_since_liftoff_s, dtype=np.float64)).reshape(-1)
    out = []
    for (name, sep, count), beta, (nominal, pieces) in zip(
        asc.vehicle.stages, asc.vehicle.ballistic_kg_m2, asc.spent_tracks(), strict=True
    ):
        pos, vel = nominal.sample(t)
        # One body: its pieces are itself.
        piece_pos = np.stack([pc.sample(t)[0] for pc in pieces]) if count > 1 else pos[None]
        out.append(SpentStageTrack(
            name=name,
            separation_s=sep,
            count=count,
            impact_s=nominal.impact_s,
            ballistic_kg_m2=beta,
            pos_km=pos,
            vel_km_s=vel,
            pieces_km=piece_pos,
            pieces_impact_s=tuple(pc.impact_s for pc in pieces),
        ))
    return out
