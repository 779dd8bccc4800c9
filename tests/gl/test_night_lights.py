"""City lights: the asset's calibration, and where and how bright they are drawn."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renderer import scene as sc
from renderer.assets import asset_path
from renderer.frame_state import View
from renderer.physics.night_lights import CD_PER_NW, LIGHTS_MAX_NW, decode_lights
from tests import reference as ref
from tests.helpers import enu, geodetic_to_itrs, minimal_scene, render_hdr, state


def lights_map() -> np.ndarray:
    with Image.open(asset_path("night_lights.png")) as img:
        return decode_lights(np.asarray(img.convert("L")))


def peak_near(radiance, lat, lon, km=15.0):
    h, w = radiance.shape
    dy = int(km / (180 / h * 111.32)) + 1
    dx = int(km / (360 / w * 111.32 * math.cos(math.radians(lat)))) + 1
    y = int((90 - lat) / 180 * h)
    x = int((lon + 180) / 360 * w)
    return float(radiance[y - dy : y + dy + 1, x - dx : x + dx + 1].max())


def test_big_cities_reach_tens_of_nanowatts_and_the_sea_is_dark():
    # docs/physics.md: VIIRS radiances of cities reach tens of nW cm^-2 sr^-1.
    lights = lights_map()
    for name, lat, lon in [
        ("Paris", 48.857, 2.352),
        ("Moscow", 55.756, 37.617),
        ("Cairo", 30.044, 31.236),
        ("Tokyo", 35.690, 139.692),
        ("Tashkent", 41.300, 69.240),
    ]:
        assert 20.0 <= peak_near(lights, lat, lon) <= LIGHTS_MAX_NW, name
    # A town is dimmer than a capital, but lit: Kyzylorda (~300,000 people).
    assert 3.0 < peak_near(lights, 44.85, 65.51) < peak_near(lights, 41.30, 69.24)
    for name, lat, lon in [
        ("mid-Pacific", 0.0, -150.0),
        ("central Sahara", 23.0, 12.0),
        ("Southern Ocean", -55.0, 90.0),
    ]:
        assert peak_near(lights, lat, lon, km=100.0) < 0.5, name


def test_lights_appear_only_on_the_night_side(ctx):
    # Looking down on the Po valley and the Alps from 2,000 km with the
    # terminator through the middle of the view (the Sun on the horizon due
    # east of 10 E): the lights (render with minus render without) must match
    # the map on the night (west) side and be absent where the Sun is up.
    lat, lon = 46.0, 10.0
    pos = geodetic_to_itrs(lat, lon, 2000.0)
    east, north, up = enu(lat, lon)
    # The Sun in the plane of the 10 E meridian's horizon: terminator along it.
    sun = np.array([-math.sin(math.radians(lon)), math.cos(math.radians(lon)), 0.0])
    st = state(pos, forward=-up, up_hint=north, sun_dir=sun)
    view = View(96, 96, 60.0)
    base = dict(day=None, clouds=None, atmosphere=None, airglow=None, glint=None)
    on = render_hdr(ctx, minimal_scene(night_lights=sc.NightLights(), **base), st, view)
    off = render_hdr(ctx, minimal_scene(night_lights=None, **base), st, view)
    lit = (on - off) @ np.array([0.2126, 0.7152, 0.0722])
    hit, glat, glon = ref.ground_points(st, view)
    normals = ref.geodetic_normal(glat, glon)
    sun_elev = np.degrees(np.arcsin(np.clip(normals @ sun, -1, 1)))
    day, night = hit & (sun_elev > 0.5), hit & (sun_elev < -6.5)
    assert day.sum() > 500 and night.sum() > 500
    assert np.abs(lit[day]).max() < 1e-6, "lights on the day side"
    # On the night side: the map sampled independently at 6 x 6 points in each
    # pixel (a pixel here spans several texels, which the GPU's mipmaps average).
    k = 6
    fine = View(view.width * k, view.height * k, view.fov_deg)
    fhit, flat, flon = ref.ground_points(st, fine)
    sub = ref.sample_texture(lights_map()[..., None], flat, flon)[..., 0] * CD_PER_NW
    expect = sub.reshape(view.height, k, view.width, k).mean(axis=(1, 3))
    assert lit[night].max() > 0.02, "no bright city on the night side"
    r = np.corrcoef(lit[night], expect[night])[0, 1]
    assert r > 0.8, r
    # Same scale: the warm colour has luminance 1, so the means agree.
    assert lit[night].mean() == pytest.approx(expect[night].mean(), rel=0.2)


def test_lights_fade_in_through_twilight(ctx):
    # The same city seen with the Sun at +2, -3 and -8 deg: off, partly, fully on.
    lat, lon = 55.756, 37.617  # Moscow
    pos = geodetic_to_itrs(lat, lon, 400.0)
    east, north, up = enu(lat, lon)
    base = dict(day=None, clouds=None, atmosphere=None, airglow=None, glint=None)
    view = View(32, 32, 10.0)
    levels = []
    for elev in (2.0, -3.0, -8.0):
        e = math.radians(elev)
        sun = math.cos(e) * east + math.sin(e) * up
        st = state(pos, forward=-up, up_hint=north, sun_dir=sun)
        on = render_hdr(ctx, minimal_scene(night_lights=sc.NightLights(), **base), st, view)
        off = render_hdr(ctx, minimal_scene(night_lights=None, **base), st, view)
        levels.append(float((on - off).sum()))
    assert levels[0] == pytest.approx(0.0, abs=1e-6)
    assert 0.1 * levels[2] < levels[1] < 0.9 * levels[2]
    assert levels[2] > 0


def test_cities_stand_10_to_100_times_above_the_moonlit_ground(ctx):
    # docs/physics.md: cities are 10 to 100 times brighter than moonlit clouds.  In the
    # flagship's view at 18:11:40 UTC (Central Asia at night, the Moon 61 % lit and
    # low; a fixed instant, whatever the scene's own timing), with the
    # clouds and airglow off, the ground's median radiance is the moonlit ground, and
    # the brightest 1 % of the Earth's pixels with the lights on (less the same view
    # without them) are the city cores: their median radiance over the ground's.
    import dataclasses

    from renderer.frame_state import FrameState
    from renderer.scene import load_scene
    from renderer.timeline import build_timeline

    base = load_scene(Path(__file__).resolve().parents[2] / "scenes" / "progress-ms10.toml")
    instant = datetime(2018, 11, 16, 18, 11, 40, tzinfo=UTC)
    base = dataclasses.replace(base, time=dataclasses.replace(base.time, start_utc=instant))
    tl = build_timeline(base, np.array([0.0]))
    st = FrameState.from_timeline(tl, 0)
    earth = dataclasses.replace(base.earth, clouds=None, airglow=None)
    lit = dataclasses.replace(base, earth=earth, stars=None, launches=())
    unlit = dataclasses.replace(lit, earth=dataclasses.replace(earth, night_lights=None))
    view = View(480, 270, base.camera.fov_deg)
    luma = np.array([0.2126, 0.7152, 0.0722])
    a = render_hdr(ctx, lit, st, view) @ luma
    b = render_hdr(ctx, unlit, st, view) @ luma
    ground_px = b > 0
    assert 0.3 < ground_px.mean() < 0.6  # the Earth at lower left
    ground = float(np.median(b[ground_px]))
    assert ground > 1e-4  # moonlit (cd/m^2), not black
    lights = a - b
    city = ground_px & (lights >= np.quantile(lights[ground_px], 0.99))
    ratio = float(np.median(a[city])) / ground
    assert 10.0 <= ratio <= 100.0, ratio
    assert float(a[ground_px].max()) / ground <= 150.0
