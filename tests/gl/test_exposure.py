"""The camera's exposure alone decides what shows (the README: one radiometric scale).

At a D5-like night setting (ISO 12800, 0.5 s, f/1.4; docs/physics.md, ISS night
photography), as in the ISS night photographs: a big city's lights saturate,
the airglow band is a visible mid-tone (neither black nor clipped), and the
same exposure blows out a sunlit limb.  Measured on the 8-bit frames a user gets.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from renderer.output.frames import render_still
from renderer.scene import Exposure, load_scene

NIGHT_EXPOSURE = "iso = 12800\nshutter_s = 0.5\nf_number = 1.4"
# A moonless night over Moscow (Sun -27 deg, Moon -19 deg there; found with skyfield),
# seen from an orbit inclined enough to pass over 55.75 N.
MOONLESS = "2018-11-01T17:00:00Z"


def scene(tmp_path, *, time, over, look, earth="", width=320, height=180):
    path = tmp_path / "s.toml"
    path.write_text(f"""scene_version = 1
[time]
start_utc = "{time}"
[output]
width = {width}
height = {height}
[camera]
fov_deg = 40
[camera.orbit]
over = {over}
[camera.look]
{look}
[camera.exposure]
{NIGHT_EXPOSURE}
[camera.bloom]
fraction = 0.0
[earth]
{earth}
""")
    return load_scene(path)


def test_big_city_lights_saturate_at_night(tmp_path):
    s = scene(
        tmp_path,
        time=MOONLESS,
        over=f'{{ lat_deg = 55.75, lon_deg = 37.62, time_utc = "{MOONLESS}", '
        "altitude_km = 408, inclination_deg = 65 }",
        look="elevation_deg = -90",
        earth="clouds = false",
    )
    img = render_still(s, 0.0)
    lum = img.max(axis=-1)
    assert np.percentile(lum, 99.9) >= 250  # Moscow's core clips, as in the photographs
    assert np.percentile(lum, 10) < 40  # while unlit country stays dark


def test_airglow_band_is_a_visible_mid_tone(tmp_path):
    # Looking at the horizon, moonless: the band just above the limb is neither
    # black nor clipped.
    s = scene(
        tmp_path,
        time=MOONLESS,
        over=f'{{ lat_deg = 55.75, lon_deg = 37.62, time_utc = "{MOONLESS}", '
        "altitude_km = 408, inclination_deg = 65 }",
        look="azimuth_deg = 90\nelevation_deg = -19.8",
        earth="clouds = false\nnight_lights = false",
        width=320,
        height=360,
    )
    img = render_still(s, 0.0).astype(int)
    column = img[:, 150:170].max(axis=-1).mean(axis=1)  # brightness down the image centre
    peak = column.max()
    assert 40 <= peak <= 230, column
    # The band is a band: far above it the sky is much darker.
    top = int(np.argmax(column))
    assert column[: max(top - 40, 1)].mean() < 0.5 * peak


def test_sunlit_limb_blows_out_at_the_night_exposure(tmp_path):
    noon = "2018-11-16T10:00:00Z"
    s = scene(
        tmp_path,
        time=noon,
        over=f'{{ lat_deg = 30, lon_deg = 30, time_utc = "{noon}", '
        "altitude_km = 408, inclination_deg = 51.64 }",
        look="elevation_deg = -20",
    )
    img = render_still(s, 0.0)
    lower = img[img.shape[0] * 2 // 3 :]
    assert (lower.min(axis=-1) >= 250).mean() > 0.9  # white: clipped in every channel


@pytest.mark.parametrize("ev100", [14.0, 15.0, 16.0])
def test_a_daylight_exposure_keeps_the_day_side_in_range(tmp_path, ev100):
    noon = "2018-11-16T10:00:00Z"
    s = scene(
        tmp_path,
        time=noon,
        over=f'{{ lat_deg = 30, lon_deg = 30, time_utc = "{noon}", '
        "altitude_km = 408, inclination_deg = 51.64 }",
        look="elevation_deg = -90",
        earth="clouds = false",
    )
    s = replace(s, camera=replace(s.camera, exposure=Exposure(ev100=ev100)))
    img = render_still(s, 0.0)
    assert 30 < np.median(img) < 230
