"""Which lights the Earth pass's march through the air needs, found per frame on the CPU.

``scatter_along_ray`` (``shaders/lib/atmosphere.glsl``) adds, at every sample
x of a view ray, each light's source term: its single scattering, dimmed by
``light_transmittance``, and its multiple scattering, E Psi_ms (sigma_R +
sigma_M) (``multiscatter_lut``).  Both depend on the light only through mu_l
= x . l / |x|, the cosine of its zenith angle at x.  The first is exactly 0
once the light's disc is below the horizon of x (``shadow_dark_mu``); the
second adds at most E max(Psi_ms) to the ray's radiance, since the march
integrates the source over the extinction it scatters out of (the sum of
T_i S_i (1 - exp(-sigma_i dt_i)) / sigma_i is at most max(S / sigma) (1 - T),
and sigma_t >= sigma_R + sigma_M), the maximum taken over the table's columns
a look-up at mu_l can blend.  Deep in the Earth's shadow Psi_ms falls below
1e-15 (the light must reach the air around x by two scatterings), so where a
light's mu_l is low at every point the frame's rays march through, its term
adds less than ``NEGLIGIBLE_CD_M2`` and the pass compiles it out of that
frame's programs (the ``AIR_SUN`` and ``AIR_MOON`` switches): at night the
Sun's term is half the cost of the march and adds nothing.

The points the rays march through lie in the air's shell, on rays through
the screen, up to the ground or out of the shell.  ``light_mu_bound`` bounds
mu_l over them by sampling rays on a grid over the screen, points along each,
and widening the result by how far any point of the frame can lie from the
nearest sample.  Geometry is sphere space (``earth_regions.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from renderer.astro.constants import WGS84_A_KM
from renderer.frame_state import View
from renderer.passes.earth_regions import ATMOSPHERE_THICKNESS_KM, SPHERE_SCALE, _directions

# Rays across the screen (columns, rows, edges included) and points along each.
GRID = (33, 19)
POINTS_PER_RAY = 64
# A bound on the Sun's angular radius (rad, 0.00467): light_transmittance's
# shadow ramps over the disc's width around the horizon.
DISC_RADIUS_BOUND = 0.01


# Radiance (cd/m^2) a light's term may add and still be left out: a ten-thousandth
# of the darkest natural night sky (about 2e-4 cd/m^2), no code at any exposure.
NEGLIGIBLE_CD_M2 = 1e-8


def shadow_dark_mu() -> float:
    """The cosine of a light's zenith angle below which ``light_transmittance`` is 0
    at every radius of the shell: below the horizon of its top by more than the disc."""
    a = WGS84_A_KM
    top = a + ATMOSPHERE_THICKNESS_KM
    mu_h = -math.sqrt((top - a) * (top + a)) / top
    return mu_h - DISC_RADIUS_BOUND


def light_mu_bound(
    cam_pos: np.ndarray,
    right: np.ndarray,
    up: np.ndarray,
    forward: np.ndarray,
    view: View,
    toward: Sequence[np.ndarray],
) -> list[float]:
    """For each light, an upper bound of mu_l = x . l / |x| over every point x of
    the air's shell that a ray through the screen marches through (to the ground,
    or out of the shell), l the unit sphere-space direction of the light's
    ``toward`` (ITRS, from the Earth's centre); -1 when no ray meets the shell.

    Grid rays d' are sampled at points t_k along them: for a point x = o + t d
    of the frame, o + t d' is within t delta <= t_max delta of it (delta the
    largest angle from any screen ray to the nearest grid ray), so inside the
    sphere of radius top + t_max delta, where each grid ray's samples start, and
    a sample lies within dt / 2 of that point; every sample within eps = t_max
    delta + dt / 2 of the shell is kept and the largest mu_l found is raised by
    eps / (a - eps), the most a point eps away can turn the direction from the
    centre.  A grid ray is followed to its ground (or its exit from the shell,
    or its closest approach when it misses) and on for the longest chord of the
    shell, 2 sqrt(top^2 - a^2), since a frame ray beside it may pass just above
    the limb or go deeper into the shell."""
    a = WGS84_A_KM
    top = a + ATMOSPHERE_THICKNESS_KM
    o = np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE
    lights = np.asarray(toward, dtype=np.float64).reshape(-1, 3) * SPHERE_SCALE
    lights /= np.linalg.norm(lights, axis=1, keepdims=True)
    w, h, f = view.width, view.height, view.focal_px
    nx, ny = GRID
    gx = (np.linspace(0.0, w, nx) - 0.5 * w) / f
    gy = (np.linspace(0.0, h, ny) - 0.5 * h) / f
    d = _directions(right, up, forward, gx, gy).reshape(3, -1)
    # Tangents of a cell's sides bound its angles; sphere space stretches them by a/b.
    cell = math.hypot(gx[1] - gx[0], gy[1] - gy[0])
    delta = 0.5 * cell * float(SPHERE_SCALE[2])
    tc = -(o @ d)
    q = np.linalg.norm(o[:, None] + tc * d, axis=0)
    chord = 2.0 * math.sqrt((top - a) * (top + a))
    ground = tc - np.sqrt(np.maximum((a - q) * (a + q), 0.0))
    exit_top = tc + np.sqrt(np.maximum((top - q) * (top + q), 0.0))
    t_end = np.maximum(np.where((q < a) & (ground > 0.0), ground, exit_top), 0.0) + chord
    t_max = float(t_end.max())
    near = t_max * delta
    outer = top + near
    t_in = np.maximum(tc - np.sqrt(np.maximum((outer - q) * (outer + q), 0.0)), 0.0)
    t_in = np.minimum(t_in, t_end)
    dt = float((t_end - t_in).max()) / POINTS_PER_RAY
    u = np.arange(POINTS_PER_RAY + 1)[:, None] / POINTS_PER_RAY
    t = t_in[None] + (t_end - t_in)[None] * u
    x = o[:, None, None] + t[None] * d[:, None, :]
    r = np.linalg.norm(x, axis=0)
    eps = near + 0.5 * dt
    keep = (r <= top + eps) & (r >= a - eps)
    if not keep.any():
        return [-1.0] * len(lights)
    xk = x[:, keep]
    mu = (lights @ xk) / r[keep]
    return [float(m) + eps / (a - eps) for m in mu.max(axis=1)]


def multiscatter_bound(column_max: np.ndarray, mu: float) -> float:
    """The greatest Psi_ms (sr^-1 km) a linearly filtered look-up at a cosine of at
    most ``mu`` can read, from the table's per-column maxima (mu_s from -1 to 1 on
    the column centres): the columns up to the first centre at or above ``mu``,
    and one more for the filter's rounding."""
    n = len(column_max)
    last = min(math.ceil((min(mu, 1.0) + 1.0) * 0.5 * (n - 1)) + 1, n - 1)
    return float(np.max(column_max[: max(last, 0) + 1]))


def light_adds_to_air(mu_bound: float, illuminance_lux: float, column_max: np.ndarray) -> bool:
    """Whether a light of ``illuminance_lux`` whose zenith cosine over the frame's
    air is at most ``mu_bound`` can add NEGLIGIBLE_CD_M2 or more to the air's
    radiance: above the shadow's edge, or with E max(Psi_ms) that large."""
    if illuminance_lux <= 0.0:
        return False
    if mu_bound > shadow_dark_mu():
        return True
    return illuminance_lux * multiscatter_bound(column_max, mu_bound) >= NEGLIGIBLE_CD_M2
