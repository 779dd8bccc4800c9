"""Launches on the image: the plume where the trajectory puts it, with its physical flux;
the staging flash; spent stages falling away, sunlit or dark; the Earth's limb hiding
the rocket; the sunlit exhaust cloud of a twilight launch.

References are independent of the sprite pass: positions from the ascent model
(renderer.physics.launch.ascent) projected
here with the textbook pinhole, the Earth's occlusion by a float64 ray-ellipsoid test,
the Sun from skyfield (through the timeline), phase laws and flux written out below.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import moderngl
import numpy as np
import pytest

from renderer.frame_state import FrameState, View
from renderer.gl.context import bind_default_framebuffer
from renderer.passes.compositor import Compositor
from renderer.passes.sprites import SpritePass
from renderer.physics.launch import ascent, staging
from renderer.physics.launch import light as pl
from renderer.physics.photometry import solar_illuminance_lux
from renderer.scene import load_scene
from renderer.timeline import build_timeline
from tests.cli.conftest import SCENES

A = 6378.137
B = A * (1 - 1 / 298.257223563)
LUMA = np.array([0.2126, 0.7152, 0.0722])
ISS_TLE = (
    'tle = ["1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997", '
    '"2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417"]'
)
LIFTOFF = "2018-11-16T18:14:08Z"  # Progress MS-10 (docs/physics.md)


def launch_scene(
    tmp_path: Path,
    *,
    orbit: str = ISS_TLE,
    liftoff: str = LIFTOFF,
    fov: float = 20.0,
    size: int = 64,
    earth: str = "",
) -> object:
    """A scene starting at lift-off whose camera keeps the Soyuz centred."""
    path = tmp_path / f"launch-{abs(hash((orbit, liftoff, fov, size)))}.toml"
    path.write_text(f"""scene_version = 1
[time]
start_utc = "{liftoff}"
[output]
width = {size}
height = {size}
[camera]
fov_deg = {fov}
[camera.orbit]
{orbit}
[camera.look]
target = "launch:1"
[camera.exposure]
iso = 12800
shutter_s = 0.5
f_number = 1.4
{earth}
[[launch]]
vehicle = "soyuz-fg"
site = "baikonur-1/5"
time_utc = "{liftoff}"
target_inclination_deg = 51.64
""")
    return load_scene(path)


def states(scene, seconds) -> list[FrameState]:
    tl = build_timeline(scene, np.asarray(seconds, dtype=np.float64))
    return [FrameState.from_timeline(tl, i) for i in range(len(tl))]


def view_of(scene) -> View:
    return View(scene.output.width, scene.output.height, scene.camera.fov_deg)


def sprite_radiance(ctx, scene, sts: list[FrameState], view: View) -> list[np.ndarray]:
    """The sprite pass alone, one radiance image (H, W, 3) per state, row 0 at the top."""
    tex = ctx.texture((view.width, view.height), 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    sprites = SpritePass(ctx, scene)
    out = []
    try:
        for st in sts:
            fbo.use()
            fbo.clear(0.0, 0.0, 0.0, 0.0)
            ctx.enable(moderngl.BLEND)
            ctx.blend_func = moderngl.ONE, moderngl.ONE
            sprites.draw(st, view, 1.0)
            ctx.disable(moderngl.BLEND)
            img = np.frombuffer(fbo.read(components=4, dtype="f4"), np.float32)
            out.append(img.reshape(view.height, view.width, 4)[::-1, :, :3].copy())
    finally:
        bind_default_framebuffer(ctx)
        sprites.release()
        fbo.release()
        tex.release()
    return out


def pixel_solid_angle(view: View) -> np.ndarray:
    """Solid angle (sr) of every pixel of a pinhole camera: cos^3 / f^2, (H, W)."""
    x = np.arange(view.width) + 0.5 - view.width / 2
    y = np.arange(view.height) + 0.5 - view.height / 2
    xx, yy = np.meshgrid(x, y)
    f = view.focal_px
    return (f / np.sqrt(f * f + xx * xx + yy * yy)) ** 3 / f**2


def illuminance(img: np.ndarray, view: View, mask: np.ndarray | None = None) -> float:
    """Illuminance at the camera (lux) of the light in an image: sum of L Omega."""
    lum = (img @ LUMA) * pixel_solid_angle(view)
    return float(lum[mask].sum() if mask is not None else lum.sum())


def project(st: FrameState, view: View, gcrs_km: np.ndarray) -> tuple[float, float]:
    """Pixel (x from the left, y from the top) of a GCRS point: docs/scenes.md's pinhole."""
    rel = gcrs_km - st.camera_pos_km
    z = rel @ st.camera_forward
    f = view.focal_px
    return (
        view.width / 2 + f * (rel @ st.camera_right) / z,
        view.height / 2 - f * (rel @ st.camera_up) / z,
    )


def centroid(img: np.ndarray, x0: float, y0: float, radius: float) -> tuple[float, float, float]:
    """Flux-weighted centre (x, y, pixel centres at +0.5) of the light within ``radius``
    px of (x0, y0), and its summed luminance."""
    lum = img @ LUMA
    h, w = lum.shape
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    near = (xx - x0) ** 2 + (yy - y0) ** 2 <= radius**2
    total = float(lum[near].sum())
    return (float((lum * xx)[near].sum() / total), float((lum * yy)[near].sum() / total), total)


def stage_gcrs(st: FrameState, launch, t: float, name: str) -> np.ndarray:
    track = next(tr for tr in ascent.spent_stages_itrs(launch, np.array([t])) if tr.name == name)
    return st.itrs_from_gcrs.T @ track.pos_km[0]


def sight_line_clearance_km(st: FrameState, target_gcrs: np.ndarray) -> float:
    """Least height of the segment camera -> target above a sphere through the ellipsoid's
    surface under its lowest point (float64, independent of the shaders): < 0 when
    the Earth hides the target."""
    m = st.itrs_from_gcrs
    o = m @ st.camera_pos_km
    p = m @ target_gcrs
    s = np.linspace(0.0, 1.0, 20001)[:, None]
    pts = o + s * (p - o)
    r = np.linalg.norm(pts, axis=1)
    lat = np.arcsin(pts[:, 2] / r)
    surface = A * B / np.sqrt((B * np.cos(lat)) ** 2 + (A * np.sin(lat)) ** 2)
    return float(np.min(r - surface))


# ---------------------------------------------------------------------------
# Tracking and flux, seen from the ISS (the whole pipeline)
# ---------------------------------------------------------------------------


def test_tracked_plume_is_at_the_image_centre_and_absent_before_liftoff(ctx, tmp_path):
    scene = launch_scene(tmp_path, size=64, fov=20.0)
    no_launch = replace(scene, launches=())
    view = view_of(scene)
    sts = states(scene, [-60.0, 200.0])
    images = []
    for st in sts:
        pair = []
        for sc in (scene, no_launch):
            comp = Compositor(ctx, sc, view)
            try:
                comp.render([st], 0)
                hdr = np.frombuffer(comp.read_hdr(), np.float32)
            finally:
                comp.release()
            pair.append(hdr.reshape(view.height, view.width, 4)[::-1, :, :3].astype(np.float64))
        images.append(pair[0] - pair[1])
    before, after = images
    # Before lift-off: nothing at all where the camera waits (on the pad) or anywhere.
    assert np.all(before == 0.0)
    # 200 s after: one bright dot, its centroid at the image centre (the target).
    lum = after @ LUMA
    assert lum.max() > 0
    iy, ix = np.unravel_index(np.argmax(lum), lum.shape)
    cx, cy, _ = centroid(after, ix + 0.5, iy + 0.5, 4.0)
    assert cx == pytest.approx(view.width / 2, abs=0.25)
    assert cy == pytest.approx(view.height / 2, abs=0.25)
    # and the plume's flux is its luminous intensity over the squared distance
    # (core stage burning, 200 s, ~130 km up: no air in the way): magnitude about -3.
    st = sts[1]
    d_m = 1000.0 * np.linalg.norm(st.vehicles_km[0] - st.camera_pos_km)
    expected = pl.PLUME_LIFTOFF_CD * pl.SOYUZ_PHASE_INTENSITY[1] / d_m**2
    near = np.zeros(lum.shape, bool)
    near[iy - 5 : iy + 6, ix - 5 : ix + 6] = True
    assert illuminance(after, view, near) == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize(("t_s", "d_range_km"), [(100.0, (600, 800)), (250.0, (1200, 1500))])
def test_plume_magnitude_from_the_iss(ctx, tmp_path, t_s, d_range_km):
    # Brief: a Soyuz plume at night from orbit is roughly magnitude -3 to -6 at 700 to
    # 1,400 km.  E = 10^((-14.18 - m) / 2.5) lux (docs/physics.md).
    scene = launch_scene(tmp_path, size=48, fov=10.0)
    view = view_of(scene)
    (st,) = states(scene, [t_s])
    d = np.linalg.norm(st.vehicles_km[0] - st.camera_pos_km)
    assert d_range_km[0] < d < d_range_km[1]
    (img,) = sprite_radiance(ctx, scene, [st], view)
    lux = illuminance(img, view)
    mag = -14.18 - 2.5 * math.log10(lux)
    assert -6.5 < mag < -2.5, mag


def test_plume_flux_is_spread_as_a_point_at_any_sub_pixel_position(ctx, tmp_path):
    # Same instant, cameras turned by fractions of a pixel, and once far off the axis:
    # the summed flux (with each pixel's own solid angle) does not change and the
    # centroid follows the projection.
    scene = launch_scene(tmp_path, size=64, fov=60.0)
    view = view_of(scene)
    (st,) = states(scene, [200.0])
    fluxes, errors = [], []
    for shift in (0.0, 0.25, 0.5, 0.8, 21.3):
        # turn the camera about its up axis by `shift` pixels' worth
        a = math.atan(shift / view.focal_px)
        fwd, right = st.camera_forward, st.camera_right
        moved = replace(
            st,
            camera_forward=math.cos(a) * fwd + math.sin(a) * right,
            camera_right=math.cos(a) * right - math.sin(a) * fwd,
        )
        (img,) = sprite_radiance(ctx, scene, [moved], view)
        fluxes.append(illuminance(img, view))
        x, y = project(moved, view, st.vehicles_km[0])
        assert x == pytest.approx(view.width / 2 - shift, abs=1e-6)
        cx, cy, _ = centroid(img, x, y, 10.0)
        errors.append((cx - x, cy - y))
    assert max(fluxes) / min(fluxes) < 1.002
    # The light's centroid sits a little behind the vehicle (the flame trails it), by
    # the same amount wherever the vehicle falls within a pixel.
    errors = np.array(errors)
    assert np.abs(errors).max() < 0.3
    assert np.ptp(errors[:4], axis=0).max() < 0.01


# ---------------------------------------------------------------------------
# Staging flash and spent stages
# ---------------------------------------------------------------------------


def test_staging_flash_is_short_bright_and_expanding(ctx, tmp_path, monkeypatch):
    # Core separation at 286 s, seen from the ISS through a narrow lens (~1 km = 4 px).
    scene = launch_scene(tmp_path, size=64, fov=1.0)
    view = view_of(scene)
    gone = 286.0 + pl.FLASH_DURATION_S + 0.5
    times = [285.5, 286.2, 286.9, gone, gone]
    sts = states(scene, times)
    imgs = sprite_radiance(ctx, scene, sts, view)
    flux = [illuminance(im, view) for im in imgs]
    before, early, later, after, again = flux
    assert early > 2.5 * before  # a flash brighter than the plume
    assert later < early  # fading
    # gone after its slowest burst: the third stage's plume alone (0.059 / 0.195 of the core's)
    plume_after = pl.SOYUZ_PHASE_INTENSITY[2] / pl.SOYUZ_PHASE_INTENSITY[1]
    assert after / before == pytest.approx(plume_after, rel=0.1)
    assert np.array_equal(imgs[3], imgs[4])  # deterministic: same instant, same image

    def rms_radius(im):
        lum = im @ LUMA
        yy, xx = np.mgrid[0 : view.height, 0 : view.width] + 0.5
        cx, cy = (lum * xx).sum() / lum.sum(), (lum * yy).sum() / lum.sum()
        return math.sqrt((lum * ((xx - cx) ** 2 + (yy - cy) ** 2)).sum() / lum.sum())

    # Expanding: the flash's own light (the frames less the same frames drawn without
    # a flash) spreads wider as it fades.
    monkeypatch.setattr(staging, "OPEN_FLAME_GAIN", 0.0)
    plume_only = sprite_radiance(ctx, scene, sts[1:3], view)
    flash_early, flash_later = (im - p for im, p in zip(imgs[1:3], plume_only, strict=True))
    assert rms_radius(flash_later) > 1.3 * rms_radius(flash_early)


def test_spent_core_stage_separates_and_falls_where_its_track_goes(ctx, tmp_path):
    # The camera follows the vehicle; the core stage, dropped at 286 s, is a dimmer dot
    # at its own ballistic position, moving away from the centre still after still.
    scene = launch_scene(tmp_path, size=128, fov=4.0)
    view = view_of(scene)
    launch = scene.launches[0]
    times = [350.0, 380.0, 410.0]
    sts = states(scene, times)
    imgs = sprite_radiance(ctx, scene, sts, view)
    offsets = []
    for t, st, img in zip(times, sts, imgs, strict=True):
        x, y = project(st, view, stage_gcrs(st, launch, t, "core stage"))
        cx, cy, stage_lum = centroid(img, x, y, 3.0)
        assert math.hypot(cx - x, cy - y) < 0.3, (t, cx - x, cy - y)
        _, _, vehicle_lum = centroid(img, view.width / 2, view.height / 2, 3.0)
        assert 0 < stage_lum < 0.1 * vehicle_lum  # dimmer than the plume
        offsets.append(math.hypot(x - view.width / 2, y - view.height / 2))
    assert offsets[0] > 6.0 and offsets[0] < offsets[1] < offsets[2]
    # Before separation there is no second dot: all light within 6 px of the centre
    # (the plume and its flame).
    (img,) = sprite_radiance(ctx, scene, states(scene, [280.0]), view)
    *_, inside = centroid(img, view.width / 2, view.height / 2, 6.0)
    assert inside > 0.999 * float((img @ LUMA).sum())


def lambert_sphere_intensity_cd(albedo_area_m2: float, e_lux: float, alpha_rad: float) -> float:
    """Intensity of a diffuse sphere at phase angle alpha: geometric albedo (2/3) rho,
    phase law (sin a + (pi - a) cos a) / pi (Russell 1916)."""
    phase = (math.sin(alpha_rad) + (math.pi - alpha_rad) * math.cos(alpha_rad)) / math.pi
    return (2.0 / 3.0) * albedo_area_m2 * e_lux / math.pi * phase


@pytest.mark.parametrize("liftoff", ["2018-11-16T08:00:00Z", "2018-11-16T20:00:00Z"])
def test_spent_stage_glints_in_sunlight_and_is_faint_in_shadow(ctx, tmp_path, liftoff, monkeypatch):
    # The same ascent (the trajectory is fixed to the Earth) by day and by night, seen
    # from a camera placed alike: 420 s after lift-off the core stage, 160 km up, is a
    # sunlit Lambert sphere by day and only the fading glow of its engine by night.
    # (By day the sunlit exhaust cloud would add its light: it is left out here.)
    monkeypatch.setattr(pl, "CLOUD_SCATTER_M2_PER_KG", 0.0)
    t = 420.0
    over_time = liftoff.replace("08:00:00", "08:07:00").replace("20:00:00", "20:07:00")
    scene = launch_scene(
        tmp_path,
        size=128,
        fov=30.0,
        liftoff=liftoff,
        orbit=(
            f'over = {{ lat_deg = 42.0, lon_deg = 72.0, time_utc = "{over_time}", '
            "altitude_km = 408.0, inclination_deg = 51.64, ascending = true }"
        ),
    )
    view = view_of(scene)
    (st,) = states(scene, [t])
    stage = stage_gcrs(st, scene.launches[0], t, "core stage")
    x, y = project(st, view, stage)
    assert math.hypot(x - 64, y - 64) > 15  # well apart from the vehicle
    (img,) = sprite_radiance(ctx, scene, [st], view)
    near = np.zeros(img.shape[:2], bool)
    near[int(y) - 6 : int(y) + 7, int(x) - 6 : int(x) + 7] = True
    got = illuminance(img, view, near)
    d_m = 1000.0 * np.linalg.norm(stage - st.camera_pos_km)
    glow = (
        pl.GLOW_SHARE
        * pl.PLUME_LIFTOFF_CD
        * pl.SOYUZ_PHASE_INTENSITY[1]
        * math.exp(-(t - 286.0) / pl.GLOW_DECAY_S)
        * staging.tumble_glow(t - 286.0, st.exposure_s, pl.tumble_phase(1, 0, 1))
    )
    to_sun = st.sun_km - stage
    to_cam = st.camera_pos_km - stage
    alpha = math.acos(to_sun @ to_cam / np.linalg.norm(to_sun) / np.linalg.norm(to_cam))
    sunlit = sight_line_clearance_km(st, stage + to_sun / np.linalg.norm(to_sun) * 2e4) > 60
    if liftoff.startswith("2018-11-16T08"):
        assert sunlit
        reflected = lambert_sphere_intensity_cd(
            pl.STAGE_ALBEDO * pl.CORE_AREA_M2, solar_illuminance_lux(st.sun_km), alpha
        )
        assert got == pytest.approx((reflected + glow) / d_m**2, rel=0.03)
        assert reflected > 10 * glow  # sunlight outshines the burning residue 20-fold
    else:
        assert not sunlit
        assert got == pytest.approx(glow / d_m**2, rel=0.03)


# ---------------------------------------------------------------------------
# The Earth's limb, and the air low down
# ---------------------------------------------------------------------------


def test_plume_hidden_behind_the_limb_until_it_clears_it(ctx, tmp_path):
    # A camera ~3,000 km from the pad: the rocket climbs out from behind the Earth.
    scene = launch_scene(
        tmp_path,
        size=32,
        fov=10.0,
        orbit=(
            'over = { lat_deg = 30.0, lon_deg = 40.0, time_utc = "2018-11-16T18:16:00Z", '
            "altitude_km = 408.0, inclination_deg = 51.64, ascending = true }"
        ),
    )
    view = view_of(scene)
    times = np.arange(80.0, 201.0, 4.0)
    sts = states(scene, times)
    imgs = sprite_radiance(ctx, scene, sts, view)
    seen = {"hidden": 0, "low": 0, "clear": 0}
    last_ratio = -1.0
    redness = []  # (clearance, R / B) of the light received
    for st, img in zip(sts, imgs, strict=True):
        clearance = sight_line_clearance_km(st, st.vehicles_km[0])
        d_m = 1000.0 * np.linalg.norm(st.vehicles_km[0] - st.camera_pos_km)
        t = (st.utc - scene.launches[0].time_utc).total_seconds()
        if t < 118.0:
            intensity = pl.PLUME_LIFTOFF_CD
        else:  # the core stage's plume, and the four boosters' glow close by, tumbling
            seen_share = np.mean(
                [
                    staging.tumble_glow(t - 118.0, st.exposure_s, pl.tumble_phase(0, j, 4))
                    for j in range(4)
                ]
            )
            intensity = pl.PLUME_LIFTOFF_CD * (
                pl.SOYUZ_PHASE_INTENSITY[1]
                + pl.GLOW_SHARE * math.exp(-(t - 118.0) / pl.GLOW_DECAY_S) * seen_share
            )
        free_space = intensity / d_m**2
        ratio = illuminance(img, view) / free_space
        if 118.0 <= t <= 118.0 + pl.FLASH_DURATION_S:
            continue  # the boosters' flash
        if clearance < -1.0:
            seen["hidden"] += 1
            assert ratio == 0.0, (t, clearance)
        elif clearance > 1.0:
            # seen through the air: dimmer the lower the line of sight, never brighter
            assert 0.0 < ratio <= 1.001, (t, clearance, ratio)
            rgb = img.reshape(-1, 3).sum(axis=0)
            redness.append((clearance, rgb[0] / rgb[2]))
            if clearance < 60.0:
                seen["low"] += 1
            else:
                seen["clear"] += 1
                assert ratio == pytest.approx(1.0, abs=0.02)
            assert ratio >= last_ratio - 1e-3  # rising out of the air, it brightens
            last_ratio = ratio
    assert all(n > 0 for n in seen.values()), seen
    # low over the limb, the air reddens it (the booster glow, redder than the plume,
    # fades meanwhile: compare the lowest sight line with the clear ones)
    redness.sort()
    low_red = redness[0][1]
    clear_red = [r for c, r in redness if c > 60.0]
    assert low_red > 1.2 * max(clear_red), redness


# ---------------------------------------------------------------------------
# The exhaust cloud at twilight ("space jellyfish")
# ---------------------------------------------------------------------------


def cloud_scene(tmp_path, liftoff: str):
    over = liftoff[:11] + f"{int(liftoff[11:13]):02d}:{int(liftoff[14:16]) + 3:02d}:00Z"
    return launch_scene(
        tmp_path,
        size=64,
        fov=60.0,
        liftoff=liftoff,
        orbit=(
            f'over = {{ lat_deg = 40.0, lon_deg = 75.0, time_utc = "{over}", '
            "altitude_km = 408.0, inclination_deg = 51.64, ascending = true }"
        ),
    )


@pytest.mark.parametrize(
    ("liftoff", "sun_at_pad_deg"),
    [
        ("2018-11-16T13:10:00Z", -9.8),  # twilight: the Sun still lights 150 km up
        ("2018-11-16T18:14:08Z", -58.6),  # the flagship launch (docs/physics.md): deep night
    ],
)
def test_exhaust_cloud_glows_only_where_the_sun_reaches_it(ctx, tmp_path, liftoff, sun_at_pad_deg):
    from skyfield.api import wgs84

    from renderer.astro import ephemeris

    scene = cloud_scene(tmp_path, liftoff)
    view = view_of(scene)
    ts, eph = ephemeris.timescale(), ephemeris.ephemeris()
    pad = eph["earth"] + wgs84.latlon(45.920, 63.342)
    t0 = ts.from_datetime(scene.launches[0].time_utc)
    alt = pad.at(t0).observe(eph["sun"]).apparent().altaz()[0].degrees
    assert alt == pytest.approx(sun_at_pad_deg, abs=0.3)

    def spread(t):
        (st,) = states(scene, [t])
        (img,) = sprite_radiance(ctx, scene, [st], view)
        cx, cy = project(st, view, st.vehicles_km[0])
        lum = (img @ LUMA) * pixel_solid_angle(view)
        yy, xx = np.mgrid[0 : view.height, 0 : view.width] + 0.5
        far = (xx - cx) ** 2 + (yy - cy) ** 2 > 4.0**2
        d_m = 1000.0 * np.linalg.norm(st.vehicles_km[0] - st.camera_pos_km)
        return float(lum[far].sum()), float(lum.sum()), d_m

    # 150 s: the rocket (85-120 km) is still in the Earth's shadow, in both cases.
    far, total, _ = spread(150.0)
    assert far < 0.02 * total
    # 350 s, the third stage burning near 190 km.
    far, total, d_m = spread(350.0)
    plume = pl.PLUME_LIFTOFF_CD * pl.SOYUZ_PHASE_INTENSITY[2] / d_m**2
    if sun_at_pad_deg > -20:
        # A wide sunlit cloud, far brighter in all than the plume itself.
        assert far > 5.0 * plume
    else:
        assert far < 0.05 * plume


def test_exhaust_cloud_is_cut_by_the_limb(ctx, tmp_path):
    # Twilight, 450 s: the cloud, hundreds of km across, hangs above the limb; whatever
    # of it lies behind the Earth is hidden pixel by pixel.
    from tests import reference as ref

    scene = cloud_scene(tmp_path, "2018-11-16T13:10:00Z")
    view = view_of(scene)
    (st,) = states(scene, [450.0])
    (img,) = sprite_radiance(ctx, scene, [st], view)
    lum = img @ LUMA
    sprites = pl.frame_sprites(scene.launches, st)
    cloud = sprites.kind == pl.CLOUD
    assert cloud.sum() > 10
    rel = sprites.centre_km[cloud] - st.camera_pos_km
    dist = np.linalg.norm(rel, axis=1)
    u = rel / dist[:, None]
    depth_sigma = np.sqrt(np.einsum("ni,nij,nj->n", u, sprites.cov_km2[cloud], u))
    nearest = float(np.min(dist - 4.0 * depth_sigma))
    # each pixel's ray against the ellipsoid, in float64
    m = st.itrs_from_gcrs
    o = m @ st.camera_pos_km
    d = ref.pixel_rays(st, view) @ m.T
    w = np.array([1 / A**2, 1 / A**2, 1 / B**2])
    qa = np.sum(d * d * w, axis=-1)
    qb = 2 * np.sum(o * d * w, axis=-1)
    qc = np.sum(o * o * w) - 1
    disc = qb * qb - 4 * qa * qc
    t_hit = np.where(disc >= 0, (-qb - np.sqrt(np.maximum(disc, 0))) / (2 * qa), np.inf)
    behind = t_hit < nearest - 50.0
    assert behind.sum() > 100 and (lum > 0).sum() > 100
    assert np.all(lum[behind] == 0.0)
    # and just above the limb the cloud is there
    above = ~np.isfinite(t_hit)
    assert lum[above].max() > 0


def test_exhaust_cloud_is_smooth_not_banded(ctx):
    # The cloud is drawn as puffs of exhaust by age.  When each puff's sunlight was
    # taken at one point of its depth, each dimmed in a step at the image row where
    # that point met the dense air under the shadow's edge, and the steps showed as
    # horizontal bands (cape-twilight-launch at 22 s, T+500 s).  Measured: what a
    # 2-pixel blur down the columns removes, against the same across the rows (the
    # cloud's own smooth curvature): banded 0.014, smooth 0.0025, x 0.0013.
    from scipy.ndimage import gaussian_filter, gaussian_filter1d

    scene = load_scene(SCENES / "cape-twilight-launch.toml")
    scene = replace(scene, output=replace(scene.output, width=480, height=270))
    view = view_of(scene)
    (st,) = states(scene, [22.0 * scene.time.speed])
    (img,) = sprite_radiance(ctx, scene, [st], view)
    lum = (img @ LUMA).astype(np.float64)
    # the cloud's body: lit, away from the rocket and from the cut at the limb
    cx, cy = project(st, view, st.vehicles_km[0])
    yy, xx = np.mgrid[0 : view.height, 0 : view.width] + 0.5
    away = (xx - cx) ** 2 + (yy - cy) ** 2 > 20.0**2
    smooth = gaussian_filter(lum, 3.0)
    body = (
        (smooth > 0.1 * np.percentile(smooth[away], 99))
        & away
        & (gaussian_filter((lum == 0).astype(float), 3.0) == 0.0)
    )
    assert body.sum() > 5000
    down = np.abs(lum - gaussian_filter1d(lum, 2.0, axis=0))[body] / smooth[body]
    across = np.abs(lum - gaussian_filter1d(lum, 2.0, axis=1))[body] / smooth[body]
    assert np.median(across) < 0.003
    assert np.median(down) < 0.005, (np.median(down), np.median(across))


# ---------------------------------------------------------------------------
# The shipped scene
# ---------------------------------------------------------------------------


def test_launch_track_scene_renders_the_tracked_rocket(ctx):
    scene = load_scene(SCENES / "launch-track.toml")
    scene = replace(scene, output=replace(scene.output, width=64, height=36))
    view = view_of(scene)
    t0 = (scene.launches[0].time_utc - scene.time.start_utc).total_seconds()
    comp = Compositor(ctx, scene, view)
    try:
        comp.render(states(scene, [t0 + 150.0]), 0)
        rgb = np.frombuffer(comp.read_rgb(), np.uint8).reshape(36, 64, 3)
    finally:
        comp.release()
    # the plume saturates the ISO 12800 exposure at the centre
    assert rgb[17:19, 31:33].max(axis=-1).min() >= 250
