"""Whole pipeline (scene file -> timeline -> GL) measured against skyfield and Blue Marble."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from skyfield.api import wgs84
from skyfield.framelib import itrs

from renderer.astro import ephemeris
from renderer.frame_state import FrameState, View
from renderer.output.frames import render_still
from renderer.physics.photometry import solar_illuminance_lux
from renderer.scene import load_scene
from renderer.timeline import build_timeline
from tests import reference as ref
from tests.helpers import render_hdr


def write_scene(
    tmp_path, *, orbit: str, start: str, look: str, width=97, height=97, fov=40.0, ev100=14.0
):
    path = tmp_path / "s.toml"
    path.write_text(f"""scene_version = 1
[time]
start_utc = "{start}"
[output]
width = {width + width % 2}
height = {height + height % 2}
[camera]
fov_deg = {fov}
[camera.orbit]
{orbit}
[camera.look]
{look}
[camera.exposure]
ev100 = {ev100}
# The surface alone: these tests measure where the texture and the terminator
# fall, which clouds, air, lights and glint would hide.
[earth]
clouds = false
atmosphere = false
night_lights = false
glint = false
airglow = false
""")
    return load_scene(path)


def hdr_at(ctx, scene, view, sim_s=0.0):
    tl = build_timeline(scene, np.array([sim_s]))
    st = FrameState.from_timeline(tl, 0)
    return render_hdr(ctx, scene, st, view), st


def solar_noon_utc(lon_deg: float, day: datetime) -> datetime:
    """When the Sun crosses the meridian at lon_deg that day, searched with skyfield."""
    ts, eph = ephemeris.timescale(), ephemeris.ephemeris()
    place = eph["earth"] + wgs84.latlon(0.0, lon_deg)
    best, best_alt = day, -99.0
    for minutes in range(0, 24 * 60, 2):
        t = day + timedelta(minutes=minutes)
        alt = place.at(ts.from_datetime(t)).observe(eph["sun"]).apparent().altaz()[0].degrees
        if alt > best_alt:
            best, best_alt = t, alt
    return best


def luminance(img):
    return img @ np.array([0.2126, 0.7152, 0.0722])


def test_nadir_still_at_local_noon_matches_blue_marble(ctx, tmp_path):
    lat, lon = 30.0, 31.0  # the Nile delta
    noon = solar_noon_utc(lon, datetime(2018, 11, 16, tzinfo=UTC))
    when = noon.strftime("%Y-%m-%dT%H:%M:%SZ")
    scene = write_scene(
        tmp_path,
        start=when,
        orbit=f'over = {{ lat_deg = {lat}, lon_deg = {lon}, time_utc = "{when}", '
        "altitude_km = 408, inclination_deg = 51.64 }",
        look="elevation_deg = -90",
    )
    view = View(scene.output.width, scene.output.height, scene.camera.fov_deg)
    hdr, st = hdr_at(ctx, scene, view)
    # The image centre is the asked place.  `over` fixes the GEOCENTRIC
    # sub-point and nadir is along -r, so the ground there has geocentric
    # latitude 30: geodetic atan(tan 30 / (1 - f)^2) = 30.166 deg.
    hit, glat, glon = ref.ground_points(st, view)
    c = view.width // 2
    geodetic = math.degrees(math.atan(math.tan(math.radians(lat)) / (1 - ref.F) ** 2))
    assert np.mean(glat[c - 1 : c + 1, c - 1 : c + 1]) == pytest.approx(geodetic, abs=0.01)
    assert np.mean(glon[c - 1 : c + 1, c - 1 : c + 1]) == pytest.approx(lon, abs=0.02)
    # The texture there, lit by the true Sun: correlation with the CPU reference.
    m = st.itrs_from_gcrs
    sun = m @ st.sun_km
    sun /= np.linalg.norm(sun)
    mu = np.clip(ref.geodetic_normal(glat, glon) @ sun, 0, None)
    e = solar_illuminance_lux(st.sun_km)
    tex = ref.day_texture_linear()
    expect = ref.sample_texture(tex, glat, glon) * (e * mu / math.pi)[..., None]
    r = np.corrcoef(luminance(hdr).ravel(), luminance(expect).ravel())[0, 1]
    shifted = ref.sample_texture(tex, glat - 0.5, glon + 0.5) * (e * mu / math.pi)[..., None]
    r_shift = np.corrcoef(luminance(hdr).ravel(), luminance(shifted).ravel())[0, 1]
    assert r > 0.95 and r_shift < r - 0.1, (r, r_shift)
    # Sun nearly overhead at noon in November at 30 N: zenith angle 30 + 18.7 deg.
    assert float(np.degrees(np.arccos(mu[c, c]))) == pytest.approx(30 + 18.7, abs=1.0)


def test_terminator_falls_where_skyfield_puts_the_sun(ctx, tmp_path):
    when = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    ts, eph = ephemeris.timescale(), ephemeris.ephemeris()
    t = ts.from_datetime(when)
    # A point on the equator where the Sun is setting, found with skyfield.
    sub = wgs84.subpoint_of(eph["earth"].at(t).observe(eph["sun"]))
    lon_t = (sub.longitude.degrees + 90.0 + 180.0) % 360.0 - 180.0
    scene = write_scene(
        tmp_path,
        start=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        fov=70.0,
        width=161,
        height=161,
        orbit=f"over = {{ lat_deg = 0, lon_deg = {lon_t:.4f}, time_utc = "
        f'"{when:%Y-%m-%dT%H:%M:%SZ}", altitude_km = 1500, inclination_deg = 51.64 }}',
        look="elevation_deg = -90",
    )
    view = View(scene.output.width, scene.output.height, scene.camera.fov_deg)
    hdr, st = hdr_at(ctx, scene, view)
    hit, glat, glon = ref.ground_points(st, view)
    sel = hit
    # The Sun's altitude at every ground point: skyfield's apparent Sun in the
    # ITRS, seen from skyfield's WGS84 point, against its geodetic vertical.
    sun_itrs = eph["earth"].at(t).observe(eph["sun"]).apparent().frame_xyz(itrs).km
    p = wgs84.latlon(glat[sel], glon[sel]).itrs_xyz.km.T
    to_sun = sun_itrs[None, :] - p
    to_sun /= np.linalg.norm(to_sun, axis=1, keepdims=True)
    alt = np.degrees(np.arcsin(np.sum(ref.geodetic_normal(glat[sel], glon[sel]) * to_sun, 1)))
    lum = luminance(hdr)[sel]
    day, night = alt > 0.5, alt < -0.5
    assert day.sum() > 1000 and night.sum() > 1000, "the terminator must cross the view"
    # Sunlit ground is >= 10 cd/m^2 here even half a degree above the horizon,
    # moonlit ground at most ~0.03: one threshold separates them.
    assert (lum[day] > 1.0).mean() > 0.99
    assert (lum[night] < 1.0).mean() > 0.99
    # And the lit side is the side toward the Sun's sub-point (east of lon_t here).
    assert np.mean(glon[sel][day]) < lon_t < np.mean(glon[sel][night]) or np.mean(
        glon[sel][day]
    ) > lon_t > np.mean(glon[sel][night])


def test_render_still_matches_the_frame_loop_orientation(tmp_path):
    # A still's top row is the image's top: the limb seen at elevation -20 with
    # roll 0 is above the Earth, so the top rows are sky and the bottom rows ground.
    from tests.cli.conftest import SCENES

    scene = load_scene(SCENES / "quick.toml")
    img = render_still(scene, 0.0)
    assert img.shape == (scene.output.height, scene.output.width, 3)
    top, bottom = img[:10].mean(), img[-10:].mean()
    assert top < 5 and bottom > 40, (top, bottom)
