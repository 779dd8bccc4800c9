"""Vehicle profiles: the built-in Soyuz-FG ascent table, tables from a scene, stage events,
sites and launch azimuths.

A profile is a table of (t_s, altitude_km, downrange_km) from lift-off to engine
cut-off, interpolated by a monotone piecewise cubic (PCHIP), plus its staging events
and the ballistic coefficient of each spent stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from renderer.astro.geodesy import geocentric_radius_at_geodetic_km
from renderer.physics.launch.catalogue import SITES, VEHICLE_NAMES

if TYPE_CHECKING:  # the scene's types, for annotations only: no run-time import of it
    from renderer.scene import Launch, Site, VehicleTable

FloatArray = npt.NDArray[np.float64]

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

# The launch-azimuth correction of docs/physics.md: the ground turns east at 465.1 cos(lat)
# m/s under an orbit flown at about 7.8 km/s.
EQUATOR_SPEED_KM_S = 0.4651
ORBITAL_SPEED_KM_S = 7.8

# Ballistic coefficients m / (Cd A), kg/m^2.  An empty Soyuz strap-on (3.8 t, 19.6 m x
# 2.68 m) is about 1,400 kg/m^2 end-on (A = 5.6 m^2, Cd ~ 0.5); a third stage about
# 1,000.  Tumbling broadside they would be several times lower: these values make
# them fall a little long, by tens of km out of hundreds.  The empty core (6.5 t,
# 27.8 m x 2.95 m) would be ~1,200 end-on, but the third stage's exhaust on its
# forward dome sets it tumbling from the moment it is dropped (staging.py), so it
# meets the air at every attitude: its mean cross-section, 68 m^2 (a quarter of its
# surface, Cauchy), with the hypersonic drag coefficient of a cylinder across the
# flow, ~1.2 (Newtonian theory gives 4/3 broadside, ~0.9 for the blunt ends), makes
# Cd A ~ 80 m^2 and m / (Cd A) ~ 80.  It slows higher (peak deceleration near 50 km
# rather than 30) and its re-entry glow starts higher, ~100 km, where the drag's power
# first reaches ~1 MW.  A coasting payload uses 300 (Progress: 7 t over ~10 m^2 with
# Cd 2.2); at its height drag hardly matters here.
BOOSTER_BALLISTIC_KG_M2 = 1400.0
CORE_BALLISTIC_KG_M2 = 80.0
UPPER_BALLISTIC_KG_M2 = 1000.0
PAYLOAD_BALLISTIC_KG_M2 = 300.0


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
    der = (
        (6 * u2 - 6 * u) * y0
        + (3 * u2 - 4 * u + 1) * m0
        + (-6 * u2 + 6 * u) * y1
        + (3 * u2 - 2 * u) * m1
    ) / h
    return val, der


class Pchip:
    """Monotone piecewise cubic interpolation (Fritsch & Carlson; the PCHIP rule).

    C1, never overshoots the data between rows, reproduces straight lines and, with the
    three-point end rule, parabolas at the ends.  ``start_slope`` replaces the end
    rule at the first row when the slope there is known.  Beyond the ends the end
    cubics are extended.
    """

    def __init__(
        self, x: npt.ArrayLike, y: npt.ArrayLike, start_slope: float | None = None
    ) -> None:
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
# docs/physics.md ("Soyuz-FG ascent"): strap-on separation at 118 s, ~48 km,
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
# 1.75 km/s at booster separation is inside docs/physics.md's 1.5-1.8 and drops the
# strap-ons ~325 km from the pad (the Soyuz drop zone lies some 300-400 km out).
#
# Downrange at core separation: docs/physics.md (from ESA) says "500 km".  The physics of
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
_SOYUZ_NOMINAL_LAT_DEG = 45.920  # Baikonur 1/5, docs/physics.md
_SOYUZ_NOMINAL_AZIMUTH_DEG = 62.0  # Earth-relative, docs/physics.md
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
    r_ground = geocentric_radius_at_geodetic_km(_SOYUZ_NOMINAL_LAT_DEG)
    return rel * r_ground / (r_ground + alt_km)


def _soyuz_fg_speed(u: FloatArray, climb: FloatArray, alt_km: FloatArray) -> FloatArray:
    """Inverse of :func:`_soyuz_ground_speed_from_inertial`, elementwise (km/s)."""
    lat = math.radians(_SOYUZ_NOMINAL_LAT_DEG)
    az = math.radians(_SOYUZ_NOMINAL_AZIMUTH_DEG)
    ve = EQUATOR_SPEED_KM_S * math.cos(lat)
    r_ground = geocentric_radius_at_geodetic_km(_SOYUZ_NOMINAL_LAT_DEG)
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

    t = np.unique(
        np.concatenate([np.arange(0.0, t3, _SOYUZ_ROW_STEP_S), [t1, _SOYUZ_T_FAIRING_S, t2, t3]])
    )
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


def relative_azimuth_deg(
    lat_deg: float, inertial_azimuth: float, orbital_speed_km_s: float = ORBITAL_SPEED_KM_S
) -> float:
    """Earth-relative azimuth that ends at ``inertial_azimuth`` once the ground's speed is added.

    The orbital velocity ``V (sin b, cos b)`` (east, north) minus the ground's eastward
    465.1 cos(lat) m/s, as in docs/physics.md: for Baikonur and 51.64 deg, 63.1 deg
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
