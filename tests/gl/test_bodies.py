"""The Sun, the Moon and the planets measured from pixels against skyfield and closed forms."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from skyfield import almanac
from skyfield.magnitudelib import planetary_magnitude

from renderer.astro import ephemeris
from renderer.frame_state import FrameState, View
from renderer.passes.bodies import (
    BodiesPass,
    lambert_phase,
    lommel_seeliger_phase,
)
from renderer.physics.photometry import lunar_illuminance_lux
from tests.gl.test_stars import LUMA, pixel_solid_angles, project, render, rotation_y
from tests.helpers import A, minimal_scene, state

AU_KM = 149_597_870.7


def looking_at(
    utc: datetime, target_km: np.ndarray, roll_deg: float = 0.0, height_km: float = 400.0
) -> FrameState:
    """A camera ``height_km`` above the ground straight under the target (on the line
    from the Earth's centre to it, so it sees the target as the geocentre does),
    looking at it, image up toward the celestial north pole turned by ``roll_deg``."""
    t = ephemeris.time_at(utc)
    u = target_km / np.linalg.norm(target_km)
    pos = (A + height_km) * u
    f = target_km - pos
    f /= np.linalg.norm(f)
    up0 = np.array([0.0, 0.0, 1.0]) - f * f[2]
    up0 /= np.linalg.norm(up0)
    a = math.radians(roll_deg)
    up = math.cos(a) * up0 + math.sin(a) * np.cross(f, up0)
    return FrameState(
        sim_s=0.0,
        utc=utc,
        camera_pos_km=pos,
        camera_vel_km_s=np.zeros(3),
        camera_right=np.cross(f, up),
        camera_up=up,
        camera_forward=f,
        itrs_from_gcrs=ephemeris.itrs_from_gcrs(t)[0],
        sun_km=ephemeris.sun_gcrs_km(t)[0],
        moon_km=ephemeris.moon_gcrs_km(t)[0],
        vehicles_km=np.zeros((0, 3)),
    )


def draw_bodies(ctx, st: FrameState, view: View, scene=None) -> np.ndarray:
    bp = BodiesPass(ctx, scene or minimal_scene())
    try:
        return render(ctx, lambda: bp.draw(st, view, 1.0), view)
    finally:
        bp.release()


def disc_geometry(
    st: FrameState, view: View, center_km: np.ndarray, radius_km: float
) -> tuple[float, float, float]:
    """(x, y from the top, radius) in pixels of a sphere's disc near the image centre."""
    rel = center_km - st.camera_pos_km
    d = rel / np.linalg.norm(rel)
    x, y = project(d[None], st, view)
    rho = math.asin(radius_km / np.linalg.norm(rel))
    return float(x[0]), float(y[0]), view.focal_px * math.tan(rho)


# ---------------------------------------------------------------------------
# The Moon
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "roll"),
    [
        (datetime(2018, 11, 12, 12, 0, tzinfo=UTC), 0.0),  # waxing crescent
        (datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC), 40.0),  # the flagship's 61 % Moon
        (datetime(2018, 11, 19, 12, 0, tzinfo=UTC), -75.0),  # waxing gibbous
        (datetime(2018, 11, 27, 6, 0, tzinfo=UTC), 150.0),  # waning gibbous: lit on the other side
        (datetime(2018, 12, 3, 0, 0, tzinfo=UTC), 10.0),  # waning crescent
    ],
)
def test_moon_phase_and_lit_limb_match_skyfield(ctx, utc, roll):
    t = ephemeris.time_at(utc)
    st = looking_at(utc, ephemeris.moon_gcrs_km(t)[0], roll)
    view = View(256, 256, 1.0)
    img = draw_bodies(ctx, st, view)
    lum = img @ LUMA
    cx, cy, r = disc_geometry(st, view, st.moon_km, 1737.4)
    assert r > 60
    # The lit part: above a small fraction of the bright side (the earthlit night side
    # is 10^4 times fainter).
    lit = lum > 0.02 * np.percentile(lum[lum > 0], 90)
    fraction = lit.sum() / (math.pi * r * r)
    expected = float(almanac.fraction_illuminated(ephemeris.ephemeris(), "moon", t))
    assert 0.05 < expected < 0.95
    assert fraction == pytest.approx(expected, abs=0.015)
    # The lit limb faces the Sun: the lit area's centroid lies from the disc's centre
    # along the great circle toward the Sun, as it crosses the image at the Moon.
    ii, jj = np.nonzero(lit)
    v = np.array([jj.mean() + 0.5 - cx, -(ii.mean() + 0.5 - cy)])  # image x right, y up
    m = st.moon_km - st.camera_pos_km
    m /= np.linalg.norm(m)
    s = st.sun_km - st.camera_pos_km
    s /= np.linalg.norm(s)
    toward_sun = s - m * (s @ m)
    w = np.array([toward_sun @ st.camera_right, toward_sun @ st.camera_up])
    angle = math.degrees(math.atan2(v[0] * w[1] - v[1] * w[0], v @ w))
    assert abs(angle) < 2.0, f"lit side {angle:.1f} deg off the Sun's direction"


def test_moon_disc_integrates_to_the_phase_law_moonlight(ctx):
    # The Moon in the image and the moonlight that lights the Earth (passes/earth.py's
    # phase law) agree: the integral of the disc's radiance over solid angle is that
    # illuminance, scaled from the geocentre to the camera's distance.
    utc = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    t = ephemeris.time_at(utc)
    st = looking_at(utc, ephemeris.moon_gcrs_km(t)[0], 0.0)
    view = View(200, 200, 1.0)
    img = draw_bodies(ctx, st, view)
    measured = float(((img @ LUMA) * pixel_solid_angles(view)).sum())
    d_geo = np.linalg.norm(st.moon_km)
    d_cam = np.linalg.norm(st.moon_km - st.camera_pos_km)
    expected = lunar_illuminance_lux(st.moon_km, st.sun_km) * (d_geo / d_cam) ** 2
    assert measured == pytest.approx(expected, rel=0.02)


def test_earthshine_lights_the_night_side_faintly(ctx):
    # Near new Moon the night side is lit by the nearly full Earth: the "ashen light",
    # about 0.01 % of the full Moon's surface brightness (Danjon).  The full Moon's mean
    # radiance here: its -12.73 mag (Allen) as lux over its disc's solid angle.
    utc = datetime(2018, 11, 10, 12, 0, tzinfo=UTC)  # two days after new Moon
    t = ephemeris.time_at(utc)
    st = looking_at(utc, ephemeris.moon_gcrs_km(t)[0], 0.0)
    view = View(128, 128, 1.0)
    lum = draw_bodies(ctx, st, view) @ LUMA
    cx, cy, r = disc_geometry(st, view, st.moon_km, 1737.4)
    jj, ii = np.meshgrid(np.arange(view.width) + 0.5, np.arange(view.height) + 0.5)
    inner = np.hypot(jj - cx, ii - cy) < 0.8 * r
    night = inner & (lum < 1e-2 * lum.max())
    assert night.sum() > 0.3 * inner.sum()
    full_moon = 10 ** ((-14.18 + 12.73) / 2.5) / (math.pi * (1737.4 / 384_400.0) ** 2)
    ratio = np.median(lum[night]) / full_moon
    assert 5e-5 < ratio < 2e-4, ratio


def test_lommel_seeliger_and_lambert_phase_laws_integrate_correctly():
    # Brute-force disc integrals of mu0 mu / (mu0 + mu) and mu0 mu over a sphere's
    # visible, lit surface, against the closed forms the pass uses.
    rng = np.random.default_rng(3)
    n = rng.normal(size=(400_000, 3))
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    view = np.array([0.0, 0.0, 1.0])
    mu = n @ view
    for alpha_deg in (10.0, 45.0, 90.0, 135.0):
        a = math.radians(alpha_deg)
        sun = np.array([math.sin(a), 0.0, math.cos(a)])
        mu0 = n @ sun
        ok = (mu > 0) & (mu0 > 0)
        ls = np.where(ok, mu0 * mu / np.where(ok, mu0 + mu, 1.0), 0.0).mean()
        ls_full = np.where(mu > 0, mu / 2, 0.0).mean()
        assert ls / ls_full == pytest.approx(lommel_seeliger_phase(a), abs=0.01)
        lam = np.where(ok, mu0 * mu, 0.0).mean()
        lam_full = np.where(mu > 0, mu * mu, 0.0).mean()
        assert lam / lam_full == pytest.approx(lambert_phase(a), abs=0.01)


# ---------------------------------------------------------------------------
# The Sun
# ---------------------------------------------------------------------------


def test_sun_disc_size_brightness_and_limb_darkening(ctx):
    utc = datetime(2018, 11, 16, 10, 0, tzinfo=UTC)
    t = ephemeris.time_at(utc)
    st = looking_at(utc, ephemeris.sun_gcrs_km(t)[0], 0.0)
    view = View(192, 192, 1.0)
    img = draw_bodies(ctx, st, view)
    lum = img @ LUMA
    cx, cy, r = disc_geometry(st, view, st.sun_km, 695_700.0)
    # Size: the radius of the lit area is the disc's, 695,700 km at the date's distance
    # (the anti-aliased edge pixels count whole here, hence the half-pixel allowance).
    assert math.sqrt((lum > 0).sum() / math.pi) == pytest.approx(r + 0.25, abs=0.5)
    # Brightness: the disc integrates to the solar illuminance, 133.8 klx at 1 au
    # (Darula et al. 2005, passes/earth.py) scaled by the inverse square of the date's
    # distance.
    d = np.linalg.norm(st.sun_km - st.camera_pos_km)
    expected = 133_800.0 * (AU_KM / d) ** 2
    measured = float((lum * pixel_solid_angles(view)).sum())
    assert measured == pytest.approx(expected, rel=0.01)
    # Limb darkening I(mu) = I0 (1 - 0.6 (1 - mu)), along the row through the centre.
    row = lum[int(cy)]
    x = np.arange(view.width) + 0.5 - cx
    for frac in (0.5, 0.8, 0.95):
        j = int(np.argmin(np.abs(x - frac * r)))
        mu = math.sqrt(1 - (x[j] / r) ** 2)
        assert row[j] / row[int(cx)] == pytest.approx(1 - 0.6 * (1 - mu), abs=0.01)


@pytest.mark.parametrize("tilt_deg", [0.0, 50.0])
def test_sun_at_the_limb_is_cut_per_pixel_and_reddened(ctx, tilt_deg):
    # Camera over the equator, in the equatorial plane (of the ITRS; the GCRS is
    # tilted from it by tilt_deg about y); the Sun's centre 4 arcmin above the
    # Earth's limb: its lower part is behind the Earth, the rest shines through the
    # lowest air.
    m = rotation_y(tilt_deg)
    h_cam = 408.0
    o = np.array([A + h_cam, 0.0, 0.0])
    up = np.array([1.0, 0.0, 0.0])
    e_limb = -math.acos(A / (A + h_cam))
    fwd = np.array([math.sin(e_limb), math.cos(e_limb), 0.0])
    view = View(128, 128, 1.5)
    e_sun = e_limb + math.radians(4.0 / 60.0)
    sun_dir = np.array([math.sin(e_sun), math.cos(e_sun), 0.0])
    st = state(m.T @ o, forward=m.T @ fwd, up_hint=m.T @ up, sun_dir=m.T @ sun_dir, rotation=m)
    high = m.T @ np.array([math.sin(e_limb + 0.02), math.cos(e_limb + 0.02), 0.0])
    st_free = state(m.T @ o, forward=high, up_hint=m.T @ up, sun_dir=high, rotation=m)
    img = draw_bodies(ctx, st, view)
    free = draw_bodies(ctx, st_free, view)
    lum = img @ LUMA
    # The limb is the image's middle row boundary; rows wholly below it are dark.
    below = np.arange(view.height) >= view.height // 2 + 1
    above = np.arange(view.height) < view.height // 2
    assert lum[below].max() == 0.0
    assert lum[above].sum() > 0
    # Reddened by the air along the rays, and dimmed.
    rgb = img.reshape(-1, 3).sum(axis=0)
    rgb_free = free.reshape(-1, 3).sum(axis=0)
    assert rgb[0] / rgb[2] > 5 * rgb_free[0] / rgb_free[2]
    assert rgb[1] < 0.1 * rgb_free[1]


# ---------------------------------------------------------------------------
# The planets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mars", "saturn barycenter", "venus"])
def test_planet_is_a_point_at_its_place_and_magnitude(ctx, name):
    utc = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    t = ephemeris.time_at(utc)
    eph = ephemeris.ephemeris()
    astrometric = eph["earth"].at(t).observe(eph[name])
    where = np.asarray(astrometric.apparent().position.km, dtype=np.float64)
    mag = float(planetary_magnitude(astrometric))
    st = looking_at(utc, where, 25.0)
    view = View(96, 96, 0.5)  # 1 px = 19 arcsec
    st = replace(st, camera_forward=st.camera_forward)  # looking straight at it
    img = draw_bodies(ctx, st, view)
    lum = img @ LUMA
    assert lum.sum() > 0
    jj, ii = np.meshgrid(np.arange(view.width) + 0.5, np.arange(view.height) + 0.5)
    cx, cy = (lum * jj).sum() / lum.sum(), (lum * ii).sum() / lum.sum()
    assert math.hypot(cx - view.width / 2, cy - view.height / 2) < 0.05
    e = float((lum * pixel_solid_angles(view)).sum())
    assert e == pytest.approx(10 ** ((-14.18 - mag) / 2.5), rel=0.01)  # docs/physics.md


def test_faint_planets_follow_the_star_field(ctx):
    # Uranus (5.7 mag) shows with the stars down to 8 mag, not with the stars off.
    from renderer.scene import Stars

    utc = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    t = ephemeris.time_at(utc)
    eph = ephemeris.ephemeris()
    where = np.asarray(
        eph["earth"].at(t).observe(eph["uranus barycenter"]).apparent().position.km,
        dtype=np.float64,
    )
    st = looking_at(utc, where, 0.0)
    view = View(64, 64, 0.5)
    with_stars = replace(minimal_scene(), stars=Stars(limiting_magnitude=8.0))
    assert draw_bodies(ctx, st, view, with_stars).sum() > 0
    assert draw_bodies(ctx, st, view, minimal_scene()).sum() == 0


def _turned(st: FrameState, deg: float, pitch_deg: float = 0.0) -> FrameState:
    """The camera turned right by ``deg`` and then up by ``pitch_deg``."""
    a, b = math.radians(deg), math.radians(pitch_deg)
    f = math.cos(a) * st.camera_forward + math.sin(a) * st.camera_right
    r = math.cos(a) * st.camera_right - math.sin(a) * st.camera_forward
    f, u = (
        math.cos(b) * f + math.sin(b) * st.camera_up,
        math.cos(b) * st.camera_up - math.sin(b) * f,
    )
    return replace(st, camera_forward=f, camera_right=r, camera_up=u)


@pytest.mark.parametrize(
    ("body", "view", "turn", "pitch"),
    [
        ("moon", View(320, 180, 5.0), 0.0, 0.0),  # a large disc in the middle
        ("moon", View(320, 180, 60.0), 27.0, 14.0),  # a small one near a corner
        ("moon", View(160, 90, 2.0), 1.0, 0.3),  # cut by the frame's right edge
        ("sun", View(128, 128, 1.0), -0.5, 0.2),  # cut by the left edge
        ("sun", View(96, 54, 100.0), 45.0, 0.0),  # a 100 deg lens, the disc off to the side
    ],
)
def test_discs_in_bounding_rectangles_match_the_full_frame_pass(
    ctx, monkeypatch, body, view, turn, pitch
):
    # Each disc is drawn over a rectangle that bounds it: the image is the one the pass
    # gave when it drew every pixel of the frame (disc_bounds made to answer the frame).
    from renderer.passes import bodies

    utc = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    t = ephemeris.time_at(utc)
    target = ephemeris.moon_gcrs_km(t)[0] if body == "moon" else ephemeris.sun_gcrs_km(t)[0]
    st = _turned(looking_at(utc, target, 30.0), turn, pitch)
    bounded = draw_bodies(ctx, st, view)
    monkeypatch.setattr(
        bodies, "disc_bounds", lambda view, *_: (0.0, 0.0, float(view.width), float(view.height))
    )
    full = draw_bodies(ctx, st, view)
    assert (full @ LUMA > 0).sum() >= 4  # the disc is in the frame
    np.testing.assert_allclose(bounded, full, rtol=1e-6, atol=0.0)


def test_disc_bounds_are_small_for_a_small_disc():
    # The flagship's Moon (0.5 deg) in a 1920 px, 60 deg frame: a rectangle of
    # about 20 px a side, not the frame.
    from renderer.passes.bodies import disc_bounds

    utc = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    st = looking_at(utc, ephemeris.moon_gcrs_km(ephemeris.time_at(utc))[0])
    view = View(1920, 1080, 60.0)
    rel = st.moon_km - st.camera_pos_km
    rho = math.asin(1737.4 / np.linalg.norm(rel))
    x0, y0, x1, y1 = disc_bounds(view, st, rel / np.linalg.norm(rel), rho)
    diameter = 2 * view.focal_px * math.tan(rho)
    assert diameter < x1 - x0 < diameter + 8 and diameter < y1 - y0 < diameter + 8
    assert disc_bounds(view, _turned(st, 120.0), rel / np.linalg.norm(rel), rho) is None
