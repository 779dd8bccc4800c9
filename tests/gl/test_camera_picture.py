"""The flagship's picture measured as a camera would record it: moonlit ground,
sea and cloud at the codes a camera's rendering gives for their sensor values, the night
ground after moonset near black, the airglow's green and gold bands without a crimson
630 nm band.  Sensor values are read from the glare pass's output (the light on the
sensor), codes from the 8-bit frame; the camera rendering is test_display.py's
independent reference."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest
from PIL import Image

from renderer.assets import asset_path
from renderer.frame_state import FrameState, View
from renderer.passes.compositor import Compositor
from renderer.physics.camera import camera_response, saturation_luminance, sensor_noise
from renderer.scene import Airglow, Clouds, Look, OverOrbit, Scene, load_scene
from renderer.timeline import build_timeline, subframe_sim_seconds
from tests.cli.conftest import SCENES
from tests.gl.test_display import camera_reference
from tests.reference import A, B, geodetic_normal, ground_points, pixel_rays, sample_texture


@cache
def water_mask() -> np.ndarray:
    with Image.open(asset_path("water_mask.png")) as img:
        return (np.asarray(img.convert("L"), dtype=np.float32) / 255.0)[..., None]


def frame(ctx, scene: Scene, video_s: float, view: View):
    """(sensor values x (H, W, 3), 8-bit codes (H, W, 3), the frame state), row 0 at the
    top, for the frame shown ``video_s`` seconds into the scene's video."""
    k = video_s * scene.output.fps
    comp = Compositor(ctx, scene, view)
    try:
        states = subframe_sim_seconds(scene, k)
        tl = build_timeline(scene, np.asarray(states))
        state = FrameState.from_timeline(tl, 0)
        comp.render([state], int(round(k)))
        # The frame mixes the glare's halo in its post pass; the glared radiance the
        # sensor records is drawn here on its own.
        light = np.frombuffer(comp.bloom.draw(comp.hdr).read(), np.float32)
        light = light.reshape(view.height, view.width, 4)[::-1, :, :3]
        rgb = np.frombuffer(comp.read_rgb(), np.uint8).reshape(view.height, view.width, 3)
    finally:
        comp.release()
    return light / saturation_luminance(scene.camera.exposure), rgb.astype(float), state


def assert_camera_codes(x: np.ndarray, codes: np.ndarray, what: str) -> None:
    """Per channel, the median code is the camera rendering of the median sensor value,
    within 15 % (medians: the sensor noise is symmetric, the curve monotonic)."""
    expected = camera_reference(np.median(x, axis=0))
    got = np.median(codes, axis=0)
    ok = np.abs(got - expected) <= 0.15 * expected + 1.0
    assert ok.all(), f"{what}: codes {got} where the camera gives {np.round(expected, 1)}"


VIEW = View(960, 540, 60.0)


@pytest.fixture(scope="module")
def flagship():
    return load_scene(SCENES / "progress-ms10.toml")


# The flagship's view at 18:16:40 UTC: the Moon 61 % lit and up over all the ground in
# view, the Aral Sea and the Caspian in the frame; a fixed instant, whatever the scene's
# own timing.
MOONLIT = datetime(2018, 11, 16, 18, 16, 40, tzinfo=UTC)


def test_moonlit_sea_land_and_cloud_get_a_cameras_codes(ctx, flagship):
    # Everything on: glare, sensor noise.  Without clouds, sea and land apart by the
    # water mask; then a full cloud deck.
    flagship = replace(flagship, time=replace(flagship.time, start_utc=MOONLIT))
    clear = replace(flagship, earth=replace(flagship.earth, clouds=None))
    x, codes, state = frame(ctx, clear, 0.0, VIEW)
    hit, lat, lon = ground_points(state, VIEW)
    moon = state.itrs_from_gcrs @ state.moon_km
    moonlit = hit & (geodetic_normal(lat, lon) @ (moon / np.linalg.norm(moon)) > 0.05)
    water = sample_texture(water_mask(), lat, lon)[..., 0] > 0.5
    sea, land = moonlit & water, moonlit & ~water
    assert sea.sum() > 2000 and land.sum() > 20000
    for what, where in (("moonlit sea", sea), ("moonlit land", land)):
        assert np.median(x[where].max(axis=-1)) > 0.005  # really lit: codes above 13
        assert_camera_codes(x[where], codes[where], what)
    overcast = replace(flagship, earth=replace(flagship.earth, clouds=Clouds(coverage=1.0)))
    x, codes, _ = frame(ctx, overcast, 0.0, VIEW)
    assert np.median(x[moonlit].max(axis=-1)) > 0.02
    assert_camera_codes(x[moonlit], codes[moonlit], "moonlit cloud")


def after_moonset(flagship: Scene) -> Scene:
    """The flagship's camera over Baikonur at 21:30 UTC, 94 minutes after moonset there:
    the same look, exposure and airglow, no launch."""
    when = datetime(2018, 11, 16, 21, 30, tzinfo=UTC)
    orbit = OverOrbit(45.92, 63.34, when, 406.0, 51.64)
    return replace(
        flagship,
        time=replace(flagship.time, start_utc=when),
        camera=replace(flagship.camera, orbit=orbit),
        launches=(),
    )


def test_after_moonset_the_night_ground_is_near_black(ctx, flagship):
    # Where neither the Sun nor the Moon is up, the ground's light is the airglow seen
    # through from above (its columns of 15 to 250 R) and the city lights: the median
    # of that ground is the camera's code for its sensor value, and near black (each
    # channel in the bottom eighth of the range; filmic gave (46, 40, 4)).
    x, codes, state = frame(ctx, after_moonset(flagship), 0.0, VIEW)
    hit, lat, lon = ground_points(state, VIEW)
    n = geodetic_normal(lat, lon)
    moon = state.itrs_from_gcrs @ state.moon_km
    sun = state.itrs_from_gcrs @ state.sun_km
    dark = hit & (n @ (moon / np.linalg.norm(moon)) < -0.05)
    dark &= n @ (sun / np.linalg.norm(sun)) < -0.2
    assert dark.sum() > 0.2 * dark.size
    assert_camera_codes(x[dark], codes[dark], "night ground after moonset")
    assert (np.median(codes[dark], axis=0) <= 32).all(), np.median(codes[dark], axis=0)


def robust_std(a: np.ndarray) -> float:
    """Standard deviation from the median absolute deviation (stars do not count)."""
    return 1.4826 * float(np.median(np.abs(a - np.median(a))))


def test_night_horizon_has_green_and_gold_bands_and_no_crimson_one(ctx, flagship):
    # The flagship's camera after moonset, level, looking across the track at the limb,
    # at the flagship's own size (so its own grain): per-row medians over the middle
    # third.  On top the green line (O I 557.7 nm): green with little red, no blue.
    # Below it, within 18 km of tangent height, a fainter yellow-gold layer (Na D and
    # OH, over the green line's limb tail): red at least nine tenths of green, both
    # under the green line's green.  The O I 630.0 nm layer, about 5 deg higher, stays
    # within the grain (filmic drew it crimson, (56, 0, 9)).
    view = View(1920, 1080, 60.0)
    level = Look(azimuth_deg=90.0, elevation_deg=-16.0, roll_deg=0.0)
    scene = after_moonset(flagship)
    scene = replace(scene, camera=replace(scene.camera, look=level))
    _, codes, _ = frame(ctx, scene, 0.0, view)
    mid = codes[:, 640:1280]
    prof = np.median(mid, axis=1)
    green = int(np.argmax(prof[:, 1]))
    r, g, b = prof[green]
    assert g >= 70 and g > 2 * r and b <= 3, prof[green]
    below = prof[green : green + 15]
    gold = below[np.argmax(below[:, 0] - below[:, 1])]
    assert gold[0] >= 50 and gold[0] >= 0.9 * gold[1] and gold[2] <= 3, gold
    assert gold[:2].max() < g, (gold, prof[green])
    px_per_deg = view.focal_px * np.pi / 180
    above = slice(green - int(9 * px_per_deg), green - int(2 * px_per_deg))
    red_row = above.start + int(np.argmax(prof[above, 0]))
    red = prof[red_row]
    grain = robust_std(mid[red_row, :, 0])
    assert red[0] <= 15 and red[1] <= 3 and red[2] <= 3, red
    assert red[0] <= grain, (red, grain)


def grain_sigma(scene: Scene, x: np.ndarray, width: int) -> np.ndarray:
    """The noise model's standard deviation of the sensor value x (..., 3), per channel:
    shot and read noise per raw channel (sigma_c^2 = e_c + R^2 electrons), back through
    the colour matrix, as shaders/post.glsl draws it (renderer/physics/camera.py)."""
    cam = camera_response()
    noise = sensor_noise(scene.camera.noise, scene.camera.exposure, width)
    scale = cam.channel_gain * noise.full_well_e  # electrons per unit of raw
    e = np.clip(x @ np.linalg.inv(cam.matrix).T, 0.0, None) * scale
    var_raw = (e + noise.read_noise_e**2) / scale**2
    return np.sqrt(var_raw @ (cam.matrix**2).T)


def tangent_heights(state: FrameState, view: View) -> np.ndarray:
    """Each pixel ray's closest approach to the Earth's centre less the equatorial radius
    (km; sphere space, z scaled by a/b, where the shells are spheres), NaN for rays
    pointing away from it."""
    s = np.array([1.0, 1.0, A / B])
    o = (state.itrs_from_gcrs @ state.camera_pos_km) * s
    d = (pixel_rays(state, view) @ state.itrs_from_gcrs.T) * s
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    tc = -(d @ o)
    closest = np.linalg.norm(o + tc[..., None] * d, axis=-1)
    return np.where(tc > 0, closest - A, np.nan)


def test_night_horizon_has_a_thin_green_line_and_630_nm_at_the_noise_floor(ctx, flagship):
    # The flagship's camera after moonset, level, across the track, at the flagship's
    # exposure and 960 x 540 (the stills' size; noise off, its sigma from the model).
    # Each layer's contribution is the frame with the flagship's layers less the frame
    # without that one.  The O I 630.0 nm layer adds less than one sigma of the grain
    # to the red of the rows it lights (per-row medians: its level, not its ripples).
    # The O I 557.7 nm layer adds a green band whose FWHM in tangent height is that of
    # a shell 8 to 10 km thick seen edge-on (16 to 20 km, docs/physics.md), with up to
    # 4 km of glare and pixel width, peaking 2 to 4 km below the shell's 97 km.
    view = View(960, 540, 60.0)
    level = Look(azimuth_deg=90.0, elevation_deg=-16.0, roll_deg=0.0)
    scene = after_moonset(flagship)
    scene = replace(scene, camera=replace(scene.camera, look=level, noise=None))
    layers = {layer.name: layer for layer in scene.earth.airglow.layers}
    x_all, _, state = frame(ctx, scene, 0.0, view)

    def without(name: str) -> np.ndarray:
        rest = tuple(v for k, v in layers.items() if k != name)
        s = replace(scene, earth=replace(scene.earth, airglow=Airglow(rest)))
        return x_all - frame(ctx, s, 0.0, view)[0]

    h = tangent_heights(state, view)
    noisy = replace(scene, camera=flagship.camera)
    red = without("O I 630.0 nm")[..., 0]
    sigma = grain_sigma(noisy, x_all, view.width)[..., 0]
    cols = slice(view.width // 3, 2 * view.width // 3)
    # Per-row medians: the layer's level, not its gravity-wave ripples.
    ratio = np.median((red / sigma)[:, cols], axis=1)
    up = np.median(np.nan_to_num(h[:, cols], nan=-1.0), axis=1) > 150
    assert ratio[up].max() > 0.1, "no 630 nm layer drawn"
    assert ratio[up].max() < 1.0, ratio[up].max()
    green = without("O I 557.7 nm")[..., 1]
    heights = np.arange(60.0, 140.0, 0.5)
    hc, gc = h[:, cols], green[:, cols]
    prof = np.array([np.median(gc[np.abs(hc - k) < 0.75]) for k in heights])
    top = heights[np.argmax(prof)]
    band = heights[prof >= 0.5 * prof.max()]
    assert 92.5 <= top <= 95.5, top
    assert 16.0 <= band[-1] - band[0] <= 24.0, (band[0], band[-1])
