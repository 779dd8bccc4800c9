"""Ballistic flight in the rotating Earth-fixed frame: coasting vehicles and spent stages.

RK4 with a fixed step (point mass + J2 gravity, Coriolis and centrifugal terms, drag in
an exponential atmosphere that turns with the Earth), sampled with cubic Hermite
interpolation on the stored states.  A suborbital object is integrated once, up to
impact; an orbiting one lazily, as far as it is asked for, always from the same start
with the same step, so the answer does not depend on the order of the requests.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from renderer.astro.constants import (
    GM_EARTH_KM3_S2,
    J2_EARTH,
    OMEGA_EARTH_RAD_S,
    WGS84_A_KM,
)
from renderer.astro.geodesy import radial_height_km

if TYPE_CHECKING:  # the scene's types, for annotations only: no run-time import of it
    pass

FloatArray = npt.NDArray[np.float64]

# Exponential atmosphere: sea-level density and a scale height of 7.2 km, which stays
# within ~25 % of the US Standard Atmosphere 1976 from 20 to 100 km, where spent
# stages lose their speed.
SEA_LEVEL_DENSITY_KG_M3 = 1.225
SCALE_HEIGHT_KM = 7.2

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


def _accel(
    x: float, y: float, z: float, vx: float, vy: float, vz: float, inv_beta: float
) -> tuple[float, float, float]:
    """Acceleration (km/s^2) in the ITRS: gravity with J2, Coriolis, centrifugal, drag.

    Plain floats: this is the integrator's inner loop, and small NumPy arrays would
    cost ten times more.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_r3 = GM_EARTH_KM3_S2 / (r2 * r)
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
    h = radial_height_km(x, y, z)
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

    def __init__(
        self,
        t0_s: float,
        pos_km: npt.ArrayLike,
        vel_km_s: npt.ArrayLike,
        ballistic_kg_m2: float,
        step_s: float = BALLISTIC_STEP_S,
    ) -> None:
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
        h_prev = radial_height_km(*states[-1][:3])
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
            h = radial_height_km(*nxt[:3])
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
        ok = (
            np.isfinite(t)
            & (t >= self.t0_s)
            & (t <= self.impact_s)
            & (t <= self.t0_s + MAX_FREE_FLIGHT_S)
        )
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
        pos[ok] = (
            (2 * u3 - 3 * u2 + 1) * r0
            + (u3 - 2 * u2 + u) * v0
            + (-2 * u3 + 3 * u2) * r1
            + (u3 - u2) * v1
        )
        vel[ok] = (
            (6 * u2 - 6 * u) * r0
            + (3 * u2 - 4 * u + 1) * v0
            + (-6 * u2 + 6 * u) * r1
            + (3 * u2 - 2 * u) * v1
        ) / dt
        return pos, vel


def _perigee_altitude_km(pos: FloatArray, vel_itrs: FloatArray) -> float:
    """Osculating perigee height above the equatorial radius (km) of an ITRS state."""
    v = _inertial_velocity(pos, vel_itrs)
    r = float(np.linalg.norm(pos))
    v2 = float(v @ v)
    energy = v2 / 2.0 - GM_EARTH_KM3_S2 / r
    h = float(np.linalg.norm(np.cross(pos, v)))
    if energy >= 0.0:
        return math.inf if float(pos @ v) > 0.0 else -math.inf
    a = -GM_EARTH_KM3_S2 / (2.0 * energy)
    e = math.sqrt(max(0.0, 1.0 - h * h / (GM_EARTH_KM3_S2 * a)))
    return a * (1.0 - e) - WGS84_A_KM
