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
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from renderer.astro.geodesy import geodetic_to_itrs, surface_point_along
from renderer.physics.launch.ballistics import BallisticTrack, inclination_deg
from renderer.physics.launch.vehicles import (
    PAYLOAD_BALLISTIC_KG_M2,
    Pchip,
    StageEvent,
    VehicleProfile,
    launch_azimuth_deg,
    site_latlon,
    vehicle_profile,
)

if TYPE_CHECKING:  # the scene's types, for annotations only: no run-time import of it
    from renderer.scene import Launch

FloatArray = npt.NDArray[np.float64]

# Side-by-side pieces (the Korolev cross of four strap-ons) leave with this much
# velocity away from the axis, spread evenly around it.  The real push is a few m/s;
# 20 m/s opens the cross to ~5 km by impact, a few pixels from the station (a visual
# choice, documented as such).
PIECE_SPREAD_KM_S = 0.020
# A stage that is dropped after cut-off (the last one) would otherwise coast on top of
# the payload: the payload's springs and the stage's avoidance burn part them at
# about this speed, the stage falling behind.
LAST_STAGE_PUSH_KM_S = 0.002

# Steps of the central differences of the map (arc, height) -> ITRS: truncation
# ~ r ds^2 / 6 and round-off ~ 1e-16 r / ds stay below 1e-9 km per unit of arc.
# Position is linear in height, so any height step is exact.
_ARC_STEP_RAD = 1e-6
_HEIGHT_STEP_KM = 1e-3


# ---------------------------------------------------------------------------
# The ascent
# ---------------------------------------------------------------------------


class _Ascent:
    """One launch's trajectory: powered table, ground track, coast, spent stages."""

    def __init__(
        self,
        vehicle: VehicleProfile,
        lat_deg: float,
        lon_deg: float,
        azimuth_deg: float,
        target_inclination_deg: float | None,
    ) -> None:
        self.vehicle = vehicle
        rows = np.array(vehicle.profile, dtype=np.float64)
        self.t_end = float(rows[-1, 0])
        # Lift-off is from rest: the end rule's slope at t = 0 is the table's estimate
        # of something known to be zero (it was 7 mm/s for the Soyuz rows).
        rest = 0.0 if rows[0, 0] == 0.0 else None
        self.alt = Pchip(rows[:, 0], rows[:, 1], start_slope=rest)
        self.down = Pchip(rows[:, 0], rows[:, 2], start_slope=rest)
        self.azimuth_deg = azimuth_deg
        lon = math.radians(lon_deg)
        pad = geodetic_to_itrs(lat_deg, lon_deg, 0.0)
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
        return surface_point_along(q, h)

    def _powered_state(
        self, t: FloatArray, bend: float | None = None
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
        d_sigma = (self._track_point(sigma + ds, h, k) - self._track_point(sigma - ds, h, k)) / (
            2 * ds
        )
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
        for (_name, sep, count), beta in zip(
            self.vehicle.stages, self.vehicle.ballistic_kg_m2, strict=True
        ):
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
    return (
        vkey,
        lat,
        lon,
        None if launch.azimuth_deg is None else float(launch.azimuth_deg),
        None if launch.target_inclination_deg is None else float(launch.target_inclination_deg),
    )


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
    asc = _Ascent(
        profile,
        lat,
        lon,
        azimuth,
        None if launch.azimuth_deg is not None else launch.target_inclination_deg,
    )
    with _ASCENTS_LOCK:
        if len(_ASCENTS) >= _ASCENTS_MAX:
            _ASCENTS.pop(next(iter(_ASCENTS)))
        return _ASCENTS.setdefault(key, asc)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def vehicle_itrs(launch: Launch, t_since_liftoff_s: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
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


def spent_stages_itrs(launch: Launch, t_since_liftoff_s: npt.ArrayLike) -> list[SpentStageTrack]:
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
        out.append(
            SpentStageTrack(
                name=name,
                separation_s=sep,
                count=count,
                impact_s=nominal.impact_s,
                ballistic_kg_m2=beta,
                pos_km=pos,
                vel_km_s=vel,
                pieces_km=piece_pos,
                pieces_impact_s=tuple(pc.impact_s for pc in pieces),
            )
        )
    return out
