"""The star field measured from pixels against skyfield, docs/physics.md and CPU geometry.

Positions: catalogue RA/Dec and proper motions go through skyfield's own ``Star``
(space motion, annual aberration) and a pinhole written here, never through the
renderer's code.  Brightness: the integral of the radiance over the image's solid
angle against E = 10^((-14.18 - m) / 2.5) lux.  Colour: the chromaticity of a star's
light against Kim et al.'s published fit of the Planckian locus.  The limb: a star
stepped down behind the Earth, against a Beer-Lambert integral of docs/physics.md's
atmosphere computed here in float64.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import moderngl
import numpy as np
import pytest
from skyfield.api import Star
from skyfield.units import Angle

from renderer.astro import ephemeris
from renderer.frame_state import FrameState, View
from renderer.gl.context import bind_default_framebuffer
from renderer.gl.shaders import set_uniform
from renderer.passes.stars import (
    PSF_MAX_RADIUS_PX,
    PointSources,
    StarsPass,
    instance_records,
    view_cone_mask,
)
from renderer.physics.stars import load_catalog
from renderer.scene import Exposure, Stars
from tests.helpers import A, state
from tests.reference import kim_planckian_xy

UTC_2018 = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
LUMA = np.array([0.2126, 0.7152, 0.0722])


def render(ctx, draw, view: View) -> np.ndarray:
    """Radiance (H, W, 3) float32, row 0 at the TOP, of one pass drawn alone."""
    tex = ctx.texture((view.width, view.height), 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    try:
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        draw()
        ctx.disable(moderngl.BLEND)
        img = np.frombuffer(fbo.read(components=4, dtype="f4"), np.float32)
    finally:
        bind_default_framebuffer(ctx)
        fbo.release()
        tex.release()
    return img.reshape(view.height, view.width, 4)[::-1, :, :3].copy()


def pixel_solid_angles(view: View) -> np.ndarray:
    """Solid angle (sr) of every pixel of a pinhole image, (H, W): cos^3(alpha) / f^2."""
    x = (np.arange(view.width) + 0.5 - view.width / 2) / view.focal_px
    y = (np.arange(view.height) + 0.5 - view.height / 2) / view.focal_px
    xx, yy = np.meshgrid(x, y)
    return (1.0 + xx**2 + yy**2) ** -1.5 / view.focal_px**2


def project(dirs: np.ndarray, st: FrameState, view: View) -> tuple[np.ndarray, np.ndarray]:
    """Pinhole of docs/scenes.md: x from the left edge, y from the TOP edge, pixels."""
    z = dirs @ st.camera_forward
    x = view.width / 2 + view.focal_px * (dirs @ st.camera_right) / z
    y = view.height / 2 - view.focal_px * (dirs @ st.camera_up) / z
    return np.where(z > 0, x, np.nan), np.where(z > 0, y, np.nan)


def skyfield_directions(
    stars: np.ndarray, utc: datetime, *, moving: bool = True, apparent: bool = True
) -> np.ndarray:
    """Geocentric GCRS unit directions of catalogue records, computed by skyfield."""
    ts = ephemeris.timescale()
    star = Star(
        ra=Angle(radians=stars["ra"].astype(float)),
        dec=Angle(radians=stars["dec"].astype(float)),
        ra_mas_per_year=stars["pm_ra"].astype(float) if moving else 0.0,
        dec_mas_per_year=stars["pm_dec"].astype(float) if moving else 0.0,
        epoch=ts.J(1991.25),
    )
    pos = ephemeris.ephemeris()["earth"].at(ts.from_datetime(utc)).observe(star)
    if apparent:
        pos = pos.apparent()
    xyz = np.asarray(pos.position.au, dtype=np.float64).T.reshape(-1, 3)
    return xyz / np.linalg.norm(xyz, axis=1, keepdims=True)


def centroid(img: np.ndarray, x: float, y: float, r: int = 4) -> tuple[float, float, float]:
    """Luminance-weighted centroid (pixel centres at i + 0.5) in a window, and its sum."""
    i0, j0 = int(math.floor(y)) - r, int(math.floor(x)) - r
    win = img[i0 : i0 + 2 * r + 1, j0 : j0 + 2 * r + 1] @ LUMA
    jj, ii = np.meshgrid(np.arange(j0, j0 + 2 * r + 1) + 0.5, np.arange(i0, i0 + 2 * r + 1) + 0.5)
    s = float(win.sum())
    if s == 0.0:
        return math.nan, math.nan, 0.0
    return float((win * jj).sum() / s), float((win * ii).sum() / s), s


def away_from_earth(forward: np.ndarray, roll_deg: float) -> FrameState:
    """A camera 408 km up, over the point under ``forward``, looking
    along it (straight away from the Earth), rolled; world axes = GCRS = ITRS."""
    f = forward / np.linalg.norm(forward)
    helper = np.array([0.0, 0.0, 1.0]) if abs(f[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    up0 = helper - f * (helper @ f)
    up0 /= np.linalg.norm(up0)
    right0 = np.cross(f, up0)
    a = math.radians(roll_deg)
    up = math.cos(a) * up0 + math.sin(a) * right0
    st = state((A + 408.0) * f, forward=f, up_hint=up, sun_dir=-f)
    return replace(st, utc=UTC_2018)


def stars_pass(ctx, limit: float, ev100: float = -5.0) -> StarsPass:
    return StarsPass(ctx, Stars(limiting_magnitude=limit), Exposure(ev100=ev100))


@pytest.mark.parametrize(
    ("forward", "roll"),
    [
        ((1.0, 0.3, 0.2), 0.0),  # the sky overhead, out of the ecliptic
        ((0.6, -0.5, 0.6), 35.0),  # toward the north: Ursa Major, Cassiopeia
        ((0.7, 0.2, -0.7), -70.0),  # toward the south: Centaurus, Crux
        ((0.5, 0.8, -0.1), 120.0),  # along the equator: Orion
    ],
)
def test_bright_star_centroids_are_at_their_catalogue_positions(ctx, forward, roll):
    view = View(1920, 1080, 60.0)
    st = away_from_earth(np.array(forward), roll)
    sp = stars_pass(ctx, limit=4.5)
    try:
        img = render(ctx, lambda: sp.draw(st, view, 1.0), view)
    finally:
        sp.release()
    cat = load_catalog()
    bright = cat.stars[: cat.count_brighter_than(4.0)]
    allv = cat.stars[: cat.count_brighter_than(4.5)]
    x, y = project(skyfield_directions(bright, UTC_2018), st, view)
    xa, ya = project(skyfield_directions(allv, UTC_2018), st, view)
    errors = []
    for k in range(len(bright)):
        if not (8 < x[k] < view.width - 8 and 8 < y[k] < view.height - 8):
            continue
        # Skip stars with a neighbour (down to 4.5 mag) inside the window.
        near = np.hypot(xa - x[k], ya - y[k])
        if np.sum(near < 7.0) > 1:
            continue
        cx, cy, flux = centroid(img, x[k], y[k])
        assert flux > 0, f"HIP {bright['hip'][k]} is missing"
        errors.append(math.hypot(cx - x[k], cy - y[k]))
    errors = np.array(errors)
    assert len(errors) >= 10, f"only {len(errors)} measurable stars in view"
    assert np.median(errors) < 0.5, errors
    # What the renderer actually achieves (annual aberration and proper motion are
    # 0.2 px and up to 0.9 px here, so leaving either out fails this):
    assert np.median(errors) < 0.05 and errors.max() < 0.15, errors


def test_stars_do_not_snap_to_pixels(ctx):
    # Turning the camera by a tenth of a pixel at a time moves the centroid by a tenth
    # of a pixel each time: no snapping, no shimmer.
    view = View(256, 144, 20.0)
    sp = stars_pass(ctx, limit=3.0)
    cat = load_catalog()
    arcturus = cat.stars[cat.hip == 69673]
    d = skyfield_directions(arcturus, UTC_2018)[0]
    xs = []
    try:
        for k in range(6):
            a = (k * 0.1 - 0.25) / view.focal_px  # camera turned by 0.1 px per step
            f = d * math.cos(a) + np.cross(np.array([0.0, 0.0, 1.0]), d) * math.sin(a)
            st = away_from_earth(f, 0.0)
            img = render(ctx, lambda st=st: sp.draw(st, view, 1.0), view)
            x, y = project(d[None], st, view)
            cx, cy, _ = centroid(img, float(x[0]), float(y[0]))
            xs.append((cx, float(x[0])))
    finally:
        sp.release()
    measured = np.array([c for c, _ in xs])
    expected = np.array([e for _, e in xs])
    assert np.abs(np.diff(expected)).min() > 0.05  # the steps are real sub-pixel steps
    np.testing.assert_allclose(measured, expected, atol=0.02)


def test_proper_motion_and_aberration_are_applied(ctx):
    # Narrow field on Arcturus (2.3 arcsec/yr; 62 arcsec since 1991.25) and Rigil
    # Kentaurus (3.7 arcsec/yr): 1 px = 20 arcsec here, so the motion since the
    # catalogue epoch is 3 to 5 px and the annual aberration (up to 20.5 arcsec) 1 px.
    view = View(128, 128, 0.7)
    cat = load_catalog()
    sp = stars_pass(ctx, limit=1.0)
    try:
        for hip in (69673, 71683):
            rec = cat.stars[cat.hip == hip]
            now = skyfield_directions(rec, UTC_2018)[0]
            st = away_from_earth(now, 15.0)
            img = render(ctx, lambda st=st: sp.draw(st, view, 1.0), view)
            then = skyfield_directions(rec, UTC_2018, moving=False)[0]
            unaberrated = skyfield_directions(rec, UTC_2018, apparent=False)[0]
            x, y = project(np.stack([now, then, unaberrated]), st, view)
            cx, cy, flux = centroid(img, float(x[0]), float(y[0]))
            assert flux > 0
            assert math.hypot(cx - x[0], cy - y[0]) < 0.05
            assert math.hypot(x[1] - x[0], y[1] - y[0]) > 2.5  # proper motion shows
            assert math.hypot(x[2] - x[0], y[2] - y[0]) > 0.5  # so does aberration
    finally:
        sp.release()


def test_flux_follows_magnitude_on_axis_and_off_axis(ctx):
    # The integral of radiance over solid angle is the star's illuminance,
    # E = 10^((-14.18 - m) / 2.5) lux (docs/physics.md), in the centre of the image and
    # in a corner (where a pixel subtends a smaller solid angle).
    view = View(160, 120, 60.0)
    src = PointSources(ctx, 2, Exposure(ev100=0.0))
    st = away_from_earth(np.array([1.0, 0.0, 0.0]), 0.0)
    corner = st.camera_forward + 0.8 * math.tan(math.radians(30)) * (
        st.camera_right - st.camera_up * 0.7
    )
    dirs = np.stack([st.camera_forward + 0.01 * st.camera_right, corner])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    mags = np.array([1.0, 3.5])
    lux = 10 ** ((-14.18 - mags) / 2.5)
    src.upload(instance_records(dirs, lux, np.ones((2, 3))))
    try:
        img = render(ctx, lambda: src.draw(st, view, 0.5), view)
    finally:
        src.release()
    omega = pixel_solid_angles(view)
    x, y = project(dirs, st, view)
    for k in range(2):
        i, j = int(y[k]), int(x[k])
        win = (img @ LUMA * omega)[i - 6 : i + 7, j - 6 : j + 7]
        assert win.sum() == pytest.approx(0.5 * lux[k], rel=0.01)


def test_limiting_magnitude_and_exposure_decide_what_shows(ctx):
    # The same field with limit 3 and limit 6: stars between show only with limit 6,
    # and the brightest star's core covers more pixels above a fixed fraction of
    # saturation than a faint one's does (it "blooms").
    view = View(256, 144, 30.0)
    cat = load_catalog()
    orion = skyfield_directions(cat.stars[cat.hip == 27989], UTC_2018)[0]  # Betelgeuse
    st = away_from_earth(orion, 0.0)
    imgs = {}
    for limit in (3.0, 6.0):
        sp = stars_pass(ctx, limit=limit)
        try:
            imgs[limit] = render(ctx, lambda sp=sp: sp.draw(st, view, 1.0), view)
        finally:
            sp.release()
    mid = cat.stars[(cat.vmag > 4.0) & (cat.vmag < 5.5)]
    x, y = project(skyfield_directions(mid, UTC_2018), st, view)
    inside = (x > 6) & (x < view.width - 6) & (y > 6) & (y < view.height - 6)
    assert inside.sum() >= 5
    for xk, yk in zip(x[inside], y[inside], strict=True):
        assert centroid(imgs[3.0], xk, yk, r=1)[2] == 0.0
        assert centroid(imgs[6.0], xk, yk, r=1)[2] > 0.0
    # Saturated pixels (above L_sat = 1.2 * 2^EV100, post.glsl) around each star: the
    # brighter the star, the wider its saturated core; faint stars have none.
    lum = imgs[6.0] @ LUMA
    l_sat = 1.2 * 2.0**-5.0

    def saturated(d: np.ndarray) -> int:
        xs, ys = project(d[None], st, view)
        i, j = int(ys[0]), int(xs[0])
        return int((lum[i - 6 : i + 7, j - 6 : j + 7] > l_sat).sum())

    third = cat.stars[(cat.vmag > 2.5) & (cat.vmag < 3.5)]
    xt, yt = project(skyfield_directions(third, UTC_2018), st, view)
    k3 = np.nonzero((xt > 8) & (xt < view.width - 8) & (yt > 8) & (yt < view.height - 8))[0]
    assert len(k3) > 0
    n_bright = saturated(orion)
    n_third = saturated(skyfield_directions(third[k3[:1]], UTC_2018)[0])
    n_faint = [
        saturated(skyfield_directions(mid[k : k + 1], UTC_2018)[0])
        for k in np.nonzero(inside)[0][:5]
    ]
    assert n_bright > n_third >= max(n_faint) == 0, (n_bright, n_third, n_faint)


@pytest.mark.parametrize(
    ("hip", "name"), [(27989, "Betelgeuse"), (24436, "Rigel"), (69673, "Arcturus"), (91262, "Vega")]
)
def test_star_colour_is_its_blackbody(ctx, hip, name):
    # The colour of the light summed over a star's pixels, as chromaticity, against
    # the Planckian locus at the Ballesteros temperature of its catalogue B-V.
    view = View(64, 64, 5.0)
    cat = load_catalog()
    rec = cat.stars[cat.hip == hip]
    d = skyfield_directions(rec, UTC_2018)[0]
    st = away_from_earth(d, 0.0)
    sp = stars_pass(ctx, limit=2.0)
    try:
        img = render(ctx, lambda: sp.draw(st, view, 1.0), view)
    finally:
        sp.release()
    rgb = img[24:40, 24:40].reshape(-1, 3).sum(axis=0)
    srgb_to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = srgb_to_xyz @ rgb
    bv = float(rec["bv"][0])
    t = 4600.0 * (1 / (0.92 * bv + 1.7) + 1 / (0.92 * bv + 0.62))  # docs/physics.md
    x_ref, y_ref = kim_planckian_xy(t)
    assert xyz[0] / xyz.sum() == pytest.approx(x_ref, abs=0.004), name
    assert xyz[1] / xyz.sum() == pytest.approx(y_ref, abs=0.004), name


# ---------------------------------------------------------------------------
# The limb
# ---------------------------------------------------------------------------

# docs/physics.md, "Atmosphere (Bruneton 2017 demo constants)", per km; R, G, B.
RAYLEIGH = np.array([5.802e-3, 1.3558e-2, 3.310e-2])
MIE_EXT = 4.44e-3
OZONE = np.array([6.50e-4, 1.881e-3, 8.50e-5])


def reference_transmittance(o: np.ndarray, d: np.ndarray) -> np.ndarray:
    """exp(-optical depth) from o along d through docs/physics.md's atmosphere, float64,
    spherical Earth of radius a (the camera is over the equator, in the equatorial
    plane, where the ellipsoid's section is that circle)."""
    t = np.linspace(0.0, 6000.0, 600_001)
    h = np.linalg.norm(o[None] + t[:, None] * d[None], axis=1) - A
    if h.min() <= 0:
        return np.zeros(3)
    sigma = (
        RAYLEIGH[None] * np.exp(-h / 8.0)[:, None]
        + MIE_EXT * np.exp(-h / 1.2)[:, None]
        + OZONE[None] * np.clip(1 - np.abs(h - 25) / 15, 0, None)[:, None]
    )
    return np.exp(-np.trapezoid(sigma, t, axis=0))


def test_star_setting_behind_the_limb_fades_reddens_then_vanishes(ctx):
    # Camera 408 km over the equator looking at the horizon in the equatorial plane;
    # one white star stepped down through the limb.  Its tangent height falls from
    # 60 km to below the ground.
    h_cam = 408.0
    o = np.array([A + h_cam, 0.0, 0.0])
    dip = math.acos(A / (A + h_cam))
    view = View(96, 96, 6.0)

    def direction(tangent_km: float) -> np.ndarray:
        e = -math.acos((A + tangent_km) / (A + h_cam))  # below the local horizontal
        return np.array([math.sin(e), math.cos(e), 0.0])

    st = state(
        o,
        forward=direction(15.0),
        up_hint=np.array([1.0, 0.0, 0.0]),
        sun_dir=np.array([-1.0, 0.0, 0.0]),
    )
    src = PointSources(ctx, 1, Exposure(ev100=0.0))
    heights = [80.0, 40.0, 30.0, 22.0, 16.0, 12.0, 8.0, -1.0, -5.0]
    fluxes = []
    try:
        for h in heights:
            d = direction(h)
            src.upload(instance_records(d[None], np.array([1e-6]), np.ones((1, 3))))
            img = render(ctx, lambda: src.draw(st, view, 1.0), view)
            fluxes.append(img.reshape(-1, 3).sum(axis=0))
    finally:
        src.release()
    fluxes = np.array(fluxes)
    free = fluxes[0]
    assert free.min() > 0
    t_measured = fluxes / free
    green = t_measured[:, 1]
    red_over_blue = t_measured[:, 0] / np.maximum(t_measured[:, 2], 1e-30)
    above = [k for k, h in enumerate(heights) if h > 0]
    # Fades monotonically, reddens as it fades, and is gone behind the Earth.
    assert np.all(np.diff(green[above]) < 0), green
    assert np.all(np.diff(red_over_blue[above][1:]) > 0), red_over_blue
    assert green[above[-1]] < 0.2 and red_over_blue[above[-1]] > 3
    assert np.all(fluxes[len(above) :] == 0.0)
    # By the transmittance along its ray: docs/physics.md's atmosphere, integrated here.
    for k in above:
        t_ref = reference_transmittance(o, direction(heights[k]))
        np.testing.assert_allclose(
            t_measured[k], t_ref, rtol=0.08, atol=2e-3, err_msg=f"tangent height {heights[k]} km"
        )
    assert dip > 0


def rotation_y(deg: float) -> np.ndarray:
    """Rotation about the y axis: with it as itrs_from_gcrs, the GCRS and the ITRS differ
    (a transposed matrix in a shader would put the camera near a pole instead)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


@pytest.mark.parametrize("tilt_deg", [0.0, 50.0])
def test_psf_straddling_the_limb_loses_its_pixels_behind_the_earth(ctx, tilt_deg):
    # A star whose ray passes 0.7 km above the ground: its PSF spreads over pixels on
    # both sides of the limb.  Pixels whose whole square lies behind the Earth get
    # nothing; the pixels above the limb keep the star's light.  The geometry is set
    # up in the ITRS (over the equator, in its plane) and handed over in GCRS axes.
    m = rotation_y(tilt_deg)
    h_cam = 408.0
    o = np.array([A + h_cam, 0.0, 0.0])
    view = View(64, 64, 2.0)  # 1 px ~ 1.3 km of tangent height at 2,300 km
    e_limb = -math.acos(A / (A + h_cam))
    fwd = np.array([math.sin(e_limb), math.cos(e_limb), 0.0])
    st = state(
        m.T @ o,
        forward=m.T @ fwd,
        up_hint=m.T @ np.array([1.0, 0.0, 0.0]),
        sun_dir=m.T @ np.array([-1.0, 0.0, 0.0]),
        rotation=m,
    )
    e = -math.acos((A + 0.7) / (A + h_cam))  # 0.5 px above the limb
    d = m.T @ np.array([math.sin(e), math.cos(e), 0.0])
    src = PointSources(ctx, 1, Exposure(ev100=0.0))
    src.upload(instance_records(d[None], np.array([1.0]), np.ones((1, 3))))
    try:
        img = render(ctx, lambda: src.draw(st, view, 1.0), view)
    finally:
        src.release()
    lum = img @ LUMA
    x, y = project(d[None], st, view)
    # The limb crosses the image along the row boundary y = H/2 (forward is the limb
    # direction itself, in the equatorial plane where the limb is a circle).
    y_limb = view.height / 2
    assert y_limb - 0.7 < y[0] < y_limb - 0.3
    col = int(x[0])
    window = lum[:, col - 4 : col + 5]
    rows = np.arange(view.height)
    assert window.sum() > 0
    # Rows wholly behind the Earth get nothing (the first one, whose top edge is the
    # limb, at most a float32 rounding of its coverage).
    assert window[rows >= y_limb + 1].max() == 0.0
    assert window[rows >= y_limb].sum() < 0.01 * window.sum()
    # Drawn whole, a Gaussian of sigma 0.68 px centred 0.5 px above the edge would put
    # a fifth of its light below it.
    assert window[rows < y_limb].sum() > 0.99 * window.sum()


def test_sources_outside_the_view_cone_are_the_ones_the_shader_culls(ctx):
    # The CPU's cone test (view_cone_mask) drops only directions that a pinhole written
    # here puts beyond the frame by more than any sprite's reach (PSF_MAX_RADIUS_PX plus
    # half the streak), on a turning camera; and the frame drawn from what it keeps is
    # the frame of every source handed to the shader's own culling, pixel for pixel.
    rng = np.random.default_rng(5)
    dirs = rng.normal(size=(20000, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    view = View(200, 120, 70.0)
    st = replace(
        away_from_earth(np.array([0.3, -0.5, 0.8]), 20.0),
        camera_spin_rad_s=np.array([0.0, 0.02, 0.01]),
        exposure_s=0.5,
    )
    keep = view_cone_mask(dirs.astype(np.float32), st, view)
    assert 0 < keep.sum() < len(dirs) // 2
    z = dirs[~keep] @ st.camera_forward
    ahead = z > 1e-4
    x = view.focal_px * (dirs[~keep][ahead] @ st.camera_right) / z[ahead]
    y = view.focal_px * (dirs[~keep][ahead] @ st.camera_up) / z[ahead]
    corner = math.hypot(view.width, view.height) / 2.0
    assert (np.hypot(x, y) > corner + PSF_MAX_RADIUS_PX).all()

    lux = np.full(len(dirs), 1e-7)
    records = instance_records(dirs, lux, np.ones((len(dirs), 3)))
    src = PointSources(ctx, len(dirs), Exposure(ev100=-5.0))

    def every_source_to_the_shader() -> None:
        src.draw(st, view, 0.0)  # the uniforms, adding zeros
        set_uniform(src.program, "u_flux_scale", view.focal_px**2)
        src.buffer.write(records.tobytes())
        src.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(records))

    try:
        src.upload(records)
        culled = render(ctx, lambda: src.draw(st, view, 1.0), view)
        whole = render(ctx, every_source_to_the_shader, view)
    finally:
        src.release()
    assert (culled > 0.0).any(axis=-1).sum() > 20
    np.testing.assert_array_equal(culled, whole)
