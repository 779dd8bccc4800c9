"""The Sun, the Moon and the planets, where skyfield's ephemeris puts them.

The Sun's and the Moon's discs are drawn per pixel by ``shaders/bodies.glsl``, each
over a screen rectangle that bounds it (:func:`disc_bounds`; skipped when the disc is
out of view, the whole frame when the disc's cone reaches behind the camera); the
planets are point sources drawn like stars (:class:`renderer.passes.stars.PointSources`)
at the V magnitudes skyfield computes for their distance and phase.  The Sun and the Moon
come from the frame state (``sun_km``, ``moon_km``); the planets are computed here
from the frame's time.  Everything is made camera-relative in float64 first, so the
Moon's parallax (up to a degree from low orbit) and the planets' (up to 0.3 px) are
right.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import moderngl
import numpy as np

from renderer.astro import ephemeris
from renderer.astro.constants import AU_KM, MOON_MEAN_DISTANCE_KM
from renderer.frame_state import FrameState, View
from renderer.gl.atmosphere_tables import bind_atmosphere
from renderer.gl.shaders import build_program, set_uniform
from renderer.passes.common import set_sky_view
from renderer.passes.stars import PointSources, instance_records
from renderer.physics.photometry import (
    illuminance_lux,
    lunar_illuminance_lux,
    solar_illuminance_lux,
)
from renderer.physics.stars import MOON_BV, SUN_BV, bv_to_linear_srgb
from renderer.scene import Scene

# IAU 2015 nominal solar radius and the Moon's mean radius (IAU WGCCRE), km.
SUN_RADIUS_KM = 695_700.0
MOON_RADIUS_KM = 1737.4
EARTH_MEAN_RADIUS_KM = 6371.0
# Linear limb-darkening coefficient of the Sun in the visible (about 0.6 near 550 nm;
# Allen's Astrophysical Quantities, 4th ed., sect. 14.7).
SUN_LIMB_DARKENING = 0.6
# The Earth's geometric albedo (NASA Earth fact sheet: 0.367), for earthshine.
EARTH_GEOMETRIC_ALBEDO = 0.367
# The brightest planets are always drawn; Uranus and Neptune only with the star field
# and when brighter than its limiting magnitude, like the catalogue stars.
BRIGHT_PLANETS = ephemeris.PLANETS[:5]
# Planets' colours (B-V; Allen's Astrophysical Quantities, 4th ed., table 12.x),
# mapped like the stars'.
PLANET_BV = {
    "mercury": 0.93,
    "venus": 0.82,
    "mars": 1.36,
    "jupiter barycenter": 0.83,
    "saturn barycenter": 1.04,
    "uranus barycenter": 0.56,
    "neptune barycenter": 0.41,
}
# Planets are computed at whole minutes and interpolated linearly in between: the
# error is below a milliarcsecond, and the result depends on the frame's time alone.
_PLANET_STEP = timedelta(minutes=1)


def lommel_seeliger_phase(alpha_rad: float) -> float:
    """Disc-integrated brightness of a Lommel-Seeliger sphere at phase angle alpha,
    relative to full phase: 1 - sin(a/2) tan(a/2) ln(cot(a/4)) (e.g. Hapke 2012,
    "Theory of Reflectance and Emittance Spectroscopy", sect. 9.3)."""
    a = min(max(alpha_rad, 1e-6), math.pi - 1e-3)
    return 1.0 - math.sin(a / 2) * math.tan(a / 2) * math.log(1.0 / math.tan(a / 4))


def lambert_phase(alpha_rad: float) -> float:
    """Disc-integrated brightness of a Lambert sphere at phase angle alpha, relative to
    full phase: (sin a + (pi - a) cos a) / pi."""
    a = min(max(alpha_rad, 0.0), math.pi)
    return (math.sin(a) + (math.pi - a) * math.cos(a)) / math.pi


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return math.atan2(float(np.linalg.norm(np.cross(a, b))), float(np.dot(a, b)))


def moon_reflectance_k(moon_km: np.ndarray, sun_km: np.ndarray) -> float:
    """The Moon's Lommel-Seeliger reflectance k (L = k E mu0 / (pi (mu0 + mu))).

    Chosen so that the disc integrates to the phase-law illuminance the Earth pass
    lights the Earth with (``lunar_illuminance_lux``): the Moon in the image and the
    moonlight on the ground agree.  A Lommel-Seeliger sphere of radius R at distance d
    gives E = k E_sun (R/d)^2 / 2 * Phi_LS(alpha); k/2 is its geometric albedo
    (about 0.1 at full Moon, from the phase law's -12.73 mag).
    """
    alpha = _angle(sun_km - moon_km, -moon_km)
    e_sun = solar_illuminance_lux(sun_km - moon_km)
    ratio = MOON_RADIUS_KM / float(np.linalg.norm(moon_km))
    e_law = lunar_illuminance_lux(moon_km, sun_km)
    return 2.0 * e_law / (e_sun * ratio**2 * lommel_seeliger_phase(alpha))


def moon_full_phase_k() -> float:
    """k of :func:`moon_reflectance_k` at full phase and mean distances (for earthshine,
    which lights the Moon's night side from near opposition)."""
    sun = np.array([AU_KM, 0.0, 0.0])
    moon = np.array([-MOON_MEAN_DISTANCE_KM, 0.0, 0.0])
    return moon_reflectance_k(moon, sun)


def earthshine_lux(moon_km: np.ndarray, sun_km: np.ndarray) -> float:
    """Illuminance of earthlight at the Moon, lux: the Earth as a Lambert sphere of
    geometric albedo 0.367, E = p E_sun (R_E / d)^2 Phi_L(alpha_E), alpha_E the Earth's
    phase angle seen from the Moon."""
    alpha = _angle(sun_km, moon_km)  # at the Earth, between the Sun and the Moon
    ratio = EARTH_MEAN_RADIUS_KM / float(np.linalg.norm(moon_km))
    return EARTH_GEOMETRIC_ALBEDO * solar_illuminance_lux(sun_km) * ratio**2 * lambert_phase(alpha)


# Sides of the polygon that bounds a disc's outline (its corners' rays are projected).
_BOUND_SIDES = 16
# Margin around a disc's edge, in pixels: its anti-aliased edge reaches half a pixel out.
_BOUND_MARGIN_PX = 2.0


def disc_bounds(
    view: View, state: FrameState, direction: np.ndarray, radius_rad: float
) -> tuple[float, float, float, float] | None:
    """A screen rectangle (x0, y0, x1, y1, pixels from the bottom-left corner, clipped
    to the frame) holding every pixel a disc of angular radius ``radius_rad`` centred on
    the unit ``direction`` can touch, or None when the disc is out of view.

    A circle of angular radius rho around the direction c is, on the plane tangent to
    the sphere at c, a circle of radius tan rho; the regular polygon circumscribed
    about it (corners at tan rho / cos(pi/N)) contains it, and so does the polygon's
    image in the camera, a central projection onto another plane that keeps lines
    straight.  The frame is the bound when some corners lie behind the camera, none
    when all do.
    """
    margin = _BOUND_MARGIN_PX / view.focal_px
    rho = radius_rad + margin
    if rho >= math.radians(80.0):
        return 0.0, 0.0, float(view.width), float(view.height)
    c = np.asarray(direction, dtype=np.float64)
    helper = np.array([1.0, 0.0, 0.0]) if abs(c[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(c, helper)
    u /= np.linalg.norm(u)
    v = np.cross(c, u)
    phi = np.arange(_BOUND_SIDES) * (2.0 * math.pi / _BOUND_SIDES)
    r = math.tan(rho) / math.cos(math.pi / _BOUND_SIDES)
    rays = c + r * (np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v)
    z = rays @ state.camera_forward
    if np.all(z <= 0.0):  # the whole polygon, so the disc, is behind the camera
        return None
    if np.any(z <= 1e-6):
        return 0.0, 0.0, float(view.width), float(view.height)
    x = view.width / 2 + view.focal_px * (rays @ state.camera_right) / z
    y = view.height / 2 + view.focal_px * (rays @ state.camera_up) / z
    x0, x1 = max(math.floor(x.min()), 0), min(math.ceil(x.max()), view.width)
    y0, y1 = max(math.floor(y.min()), 0), min(math.ceil(y.max()), view.height)
    if x0 >= x1 or y0 >= y1:
        return None
    return float(x0), float(y0), float(x1), float(y1)


def _floor_step(utc: datetime) -> datetime:
    t = utc.astimezone(UTC)
    return t.replace(second=0, microsecond=0)


class BodiesPass:
    """Owns the disc program and the planets' point sources for one GL context."""

    def __init__(self, ctx: moderngl.Context, scene: Scene) -> None:
        self.ctx = ctx
        self.program = build_program(ctx, "bodies.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        if scene.stars is not None:
            self.planet_names = ephemeris.PLANETS
            self.planet_limit = scene.stars.limiting_magnitude
        else:
            self.planet_names = BRIGHT_PLANETS
            self.planet_limit = math.inf
        self.planets = PointSources(ctx, len(self.planet_names), scene.camera.exposure)
        self._planet_rgb = bv_to_linear_srgb([PLANET_BV[n] for n in self.planet_names])
        self._planet_cache: dict[datetime, tuple[np.ndarray, np.ndarray]] = {}
        self._sun_rgb = bv_to_linear_srgb(SUN_BV)
        self._moon_rgb = bv_to_linear_srgb(MOON_BV)
        self._moon_k0 = moon_full_phase_k()

    # -- planets -----------------------------------------------------------

    def _planets_at_step(self, step: datetime) -> tuple[np.ndarray, np.ndarray]:
        hit = self._planet_cache.get(step)
        if hit is None:
            if len(self._planet_cache) > 8:
                self._planet_cache.clear()
            hit = ephemeris.planets_gcrs_km_and_magnitude(
                ephemeris.time_at(step), self.planet_names
            )
            self._planet_cache[step] = hit
        return hit

    def planets_at(self, utc: datetime) -> tuple[np.ndarray, np.ndarray]:
        """Geocentric GCRS positions (km, ``(P, 3)``) and V magnitudes of the planets."""
        t0 = _floor_step(utc)
        f = (utc - t0) / _PLANET_STEP
        p0, m0 = self._planets_at_step(t0)
        p1, m1 = self._planets_at_step(t0 + _PLANET_STEP)
        return p0 + f * (p1 - p0), m0 + f * (m1 - m0)

    def _draw_planets(self, state: FrameState, view: View, weight: float) -> None:
        pos, mag = self.planets_at(state.utc)
        rel = pos - state.camera_pos_km
        dirs = rel / np.linalg.norm(rel, axis=1, keepdims=True)
        # skyfield gives NaN outside a magnitude model's range of phase angles (Venus or
        # Mercury next to the Sun): such a planet is lost in the Sun's glare anyway.
        keep = np.isfinite(mag) & (mag <= self.planet_limit)
        self.planets.upload(
            instance_records(dirs[keep], illuminance_lux(mag[keep]), self._planet_rgb[keep])
        )
        self.planets.draw(state, view, weight)

    # -- Sun and Moon ------------------------------------------------------

    def _draw_discs(self, state: FrameState, view: View, weight: float) -> None:
        to_sun = state.sun_km - state.camera_pos_km
        sun_dist = float(np.linalg.norm(to_sun))
        sun_dir = to_sun / sun_dist
        sun_radius = math.asin(SUN_RADIUS_KM / sun_dist)
        moon_center = state.moon_km - state.camera_pos_km
        moon_dist = float(np.linalg.norm(moon_center))
        moon_radius = math.asin(min(MOON_RADIUS_KM / moon_dist, 1.0))
        sun_rect = disc_bounds(view, state, sun_dir, sun_radius)
        moon_rect = disc_bounds(view, state, moon_center / moon_dist, moon_radius)
        if sun_rect is None and moon_rect is None:
            return
        p = self.program
        set_sky_view(p, state, view)
        # The disc's mean radiance is E / Omega; limb darkening lowers the mean to
        # (1 - u/3) of the centre's.
        omega = 2.0 * math.pi * (1.0 - math.cos(sun_radius))
        i0 = solar_illuminance_lux(state.sun_km) / (omega * (1.0 - SUN_LIMB_DARKENING / 3.0))
        set_uniform(p, "u_sun_dir", sun_dir)
        set_uniform(p, "u_sun_radius", sun_radius)
        set_uniform(p, "u_limb_darkening", SUN_LIMB_DARKENING)
        set_uniform(p, "u_sun_radiance", self._sun_rgb * (i0 * weight))
        moon_to_sun = state.sun_km - state.moon_km
        k = moon_reflectance_k(state.moon_km, state.sun_km)
        e_sun_at_moon = solar_illuminance_lux(moon_to_sun)
        e_earth_at_moon = earthshine_lux(state.moon_km, state.sun_km)
        set_uniform(p, "u_moon_center", moon_center)
        set_uniform(p, "u_moon_radius_km", MOON_RADIUS_KM)
        set_uniform(p, "u_moon_sun_dir", moon_to_sun / np.linalg.norm(moon_to_sun))
        set_uniform(p, "u_moon_earth_dir", -state.moon_km / np.linalg.norm(state.moon_km))
        set_uniform(p, "u_moon_sunlit", self._moon_rgb * (k * e_sun_at_moon / math.pi * weight))
        set_uniform(
            p,
            "u_moon_earthlit",
            self._moon_rgb * (self._moon_k0 * e_earth_at_moon / math.pi * weight),
        )
        bind_atmosphere(p, 0)
        # One rectangle per disc, each drawing its own disc alone, so that where the
        # rectangles overlap (an eclipse) no disc is added twice.
        for rect, sun, moon in ((sun_rect, 1.0, 0.0), (moon_rect, 0.0, 1.0)):
            if rect is None:
                continue
            set_uniform(p, "u_rect", rect)
            set_uniform(p, "u_draw_sun", sun)
            set_uniform(p, "u_draw_moon", moon)
            self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4)

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the Sun's, the Moon's and the planets' radiance, times ``weight``."""
        self._draw_discs(state, view, weight)
        self._draw_planets(state, view, weight)

    def release(self) -> None:
        """Free GL objects."""
        self.planets.release()
        for obj in (self.vao, self.program):
            obj.release()
