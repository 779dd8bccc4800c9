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
from renderer.physics.camera import saturation_luminance
from renderer.scene import Clouds, Look, OverOrbit, Scene, load_scene
from renderer.timeline import build_timeline, subframe_sim_seconds
from tests.cli.conftest import SCENES
from tests.gl.test_display import camera_reference
from tests.reference import geodetic_normal, ground_points, sample_texture


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
        light = np.frombuffer(comp.bloom.output.read(), np.float32)
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
    # through from above (its columns of 80 to 270 R) and the city lights: the median
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
    # third.  The green (O I 557.7 nm) and gold (Na D) bands are bright and coloured; the
    # O I 630.0 nm layer, 80 R, about 5 deg higher, is a dim red near the grain (filmic
    # drew it crimson, (56, 0, 9)).
    view = View(1920, 1080, 60.0)
    level = Look(azimuth_deg=90.0, elevation_deg=-16.0, roll_deg=0.0)
    scene = after_moonset(flagship)
    scene = replace(scene, camera=replace(scene.camera, look=level))
    _, codes, _ = frame(ctx, scene, 0.0, view)
    mid = codes[:, 640:1280]
    prof = np.median(mid, axis=1)
    green = int(np.argmax(prof[:, 1]))
    r, g, b = prof[green]
    assert g >= 70 and g > r and g > 4 * b, prof[green]
    below = prof[green : green + 15]
    gold = below[np.argmax(below[:, 0] - below[:, 1])]
    assert gold[0] >= 80 and gold[0] > gold[1] > 4 * gold[2], gold
    px_per_deg = view.focal_px * np.pi / 180
    above = slice(green - int(9 * px_per_deg), green - int(2 * px_per_deg))
    red_row = above.start + int(np.argmax(prof[above, 0]))
    red = prof[red_row]
    grain = robust_std(mid[red_row, :, 0])
    assert red[0] <= 30 and red[1] <= 3 and red[2] <= 3, red
    assert red[0] <= 2.5 * grain, (red, grain)
