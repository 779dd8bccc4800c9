"""No non-finite value reaches a frame, and no frame is black where the scene has light:
a sweep over seeded random places, times and looks (day and night, nadir, oblique and
limb, the Sun's and the Moon's glint), small frames through the whole compositor."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from renderer.astro import ephemeris
from renderer.frame_state import FrameState, View
from renderer.passes.compositor import Compositor
from renderer.physics.camera import saturation_luminance
from renderer.scene import loads_scene
from renderer.timeline import build_timeline

VIEW = View(96, 54, 60.0)
NIGHT = "iso = 12800\nshutter_s = 0.5\nf_number = 1.4"  # the flagship's: noise on
DAY = "ev100 = 15.0"
KINDS = ("day", "night", "sun glint", "moon glint", "day limb", "night limb")
CASES = 18  # three of each kind


def sub_point(utc: datetime, body: str) -> tuple[float, float]:
    """Geocentric latitude and longitude (deg) under the Sun or the Moon."""
    t = ephemeris.time_at(utc)
    gcrs = ephemeris.sun_gcrs_km(t)[0] if body == "sun" else ephemeris.moon_gcrs_km(t)[0]
    x, y, z = ephemeris.itrs_from_gcrs(t)[0] @ gcrs
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def case(rng: np.random.Generator, kind: str) -> tuple[str, str]:
    """(scene TOML, exposure) of one random case of a kind."""
    while True:
        utc = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=float(rng.uniform(0, 11000)))
        utc = utc.replace(microsecond=0)
        sun_lat, sun_lon = sub_point(utc, "sun")
        moon_lat, moon_lon = sub_point(utc, "moon")
        # The Moon's glint wants the Moon high over a place in the night.
        moon_night = math.cos(math.radians(moon_lon - sun_lon)) < -0.3
        if kind != "moon glint" or moon_night:
            break
    jitter = rng.uniform(-25, 25, size=2)
    if kind in ("sun glint", "moon glint"):
        lat, lon = (sun_lat, sun_lon) if kind == "sun glint" else (moon_lat, moon_lon)
        lat, lon = lat + jitter[0] / 10, lon + jitter[1] / 10  # the glint in view
        look = "elevation_deg = -90"
    else:
        lat, lon = sun_lat + jitter[0], sun_lon + jitter[1]
        if "night" in kind:
            lat, lon = -lat, lon + 180.0
        if "limb" in kind:
            azimuth = rng.uniform(0, 360)
            look = f"azimuth_deg = {azimuth:.1f}\nelevation_deg = {rng.uniform(-22, -12):.2f}"
        else:
            look = f"elevation_deg = {rng.choice([-90.0, -60.0, -40.0])}"
    lat = float(np.clip(lat, -80, 80))
    lon = (float(lon) + 180.0) % 360.0 - 180.0
    when = utc.isoformat().replace("+00:00", "Z")
    exposure = DAY if kind in ("day", "sun glint", "day limb") else NIGHT
    text = f"""scene_version = 1
[time]
start_utc = "{when}"
[camera.orbit.over]
lat_deg = {lat:.3f}
lon_deg = {lon:.3f}
time_utc = "{when}"
altitude_km = 408
inclination_deg = 97.0
[camera.look]
{look}
[camera.exposure]
{exposure}
"""
    return text, exposure


@pytest.fixture(scope="module")
def cases():
    rng = np.random.default_rng(2019_01_18)
    return [(kind, *case(rng, kind)) for kind in KINDS for _ in range(CASES // len(KINDS))]


def test_every_frame_is_finite_and_none_is_black_where_there_is_light(ctx, cases):
    compositors: dict[str, Compositor] = {}
    lit_frames = 0
    try:
        for kind, text, exposure in cases:
            scene = loads_scene(text, f"sweep-{kind}.toml")
            if exposure not in compositors:
                compositors[exposure] = Compositor(ctx, scene, VIEW)
            comp = compositors[exposure]
            state = FrameState.from_timeline(build_timeline(scene, np.zeros(1)), 0)
            comp.render([state], 0)
            hdr = np.frombuffer(comp.read_hdr(), np.float32).reshape(-1, 4)[:, :3]
            # The frame mixes the glare's halo in its post pass; the glared radiance
            # itself is drawn here on its own to be checked.
            glared = comp.bloom.draw(comp.hdr)
            glare = np.frombuffer(glared.read(), np.float32).reshape(-1, 4)[:, :3]
            rgb = np.frombuffer(comp.read_rgb(), np.uint8).reshape(-1, 3)
            where = f"{kind}: {text}"
            assert np.isfinite(hdr).all(), f"non-finite radiance in {where}"
            assert np.isfinite(glare).all(), f"non-finite glare in {where}"
            # Light a camera records (x above 0.002, about code 8) on 1 % of the frame:
            # then at least half as many pixels are not black.
            x = hdr.max(axis=-1) / saturation_luminance(scene.camera.exposure)
            lit = (x > 0.002).mean()
            if lit >= 0.01:
                lit_frames += 1
                shown = (rgb.max(axis=-1) > 0).mean()
                assert shown >= 0.5 * lit, f"{shown:.1%} shown of {lit:.1%} lit in {where}"
    finally:
        for comp in compositors.values():
            comp.release()
    assert lit_frames >= len(cases) * 2 // 3  # the sweep looks at light, not at black
