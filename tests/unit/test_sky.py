"""The sky report of ``orbitlapse check`` (renderer/sky.py) against references coded here:
the Astronomical Almanac's low-precision Sun and Moon, skyfield's own sub-point of a TLE,
the dip of the horizon from orbit, and the lunar phases of November 2018."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from skyfield.api import EarthSatellite, load, wgs84

from renderer import sky
from renderer.events import launch_events
from renderer.scene import load_scene, loads_scene
from tests.cli.conftest import REPO, SCENES

FLAGSHIP = SCENES / "progress-ms10.toml"
START = datetime(2018, 11, 16, 18, 14, 28, tzinfo=UTC)


# ---------------------------------------------------------------------------
# Low-precision references (Astronomical Almanac, section C for the Sun, D for the Moon)
# ---------------------------------------------------------------------------


def _days_since_j2000(utc: datetime) -> float:
    return (utc - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds() / 86400.0


def _elevation(ra_deg: float, dec_deg: float, utc: datetime, lat: float, lon: float) -> float:
    n = _days_since_j2000(utc)
    gmst_deg = (280.46061837 + 360.98564736629 * n) % 360.0
    h = math.radians(gmst_deg + lon - ra_deg)
    phi, dec = math.radians(lat), math.radians(dec_deg)
    return math.degrees(
        math.asin(math.sin(phi) * math.sin(dec) + math.cos(phi) * math.cos(dec) * math.cos(h))
    )


def _ecliptic_to_equatorial(lam: float, beta: float, n: float) -> tuple[float, float]:
    eps = math.radians(23.439 - 0.0000004 * n)
    lam, beta = math.radians(lam), math.radians(beta)
    ra = math.atan2(math.sin(lam) * math.cos(eps) - math.tan(beta) * math.sin(eps), math.cos(lam))
    dec = math.asin(math.sin(beta) * math.cos(eps) + math.cos(beta) * math.sin(eps) * math.sin(lam))
    return math.degrees(ra), math.degrees(dec)


def low_precision_sun_elevation(utc: datetime, lat: float, lon: float) -> float:
    """The Sun's geometric elevation (deg) at a place: about 0.01 deg in position."""
    n = _days_since_j2000(utc)
    mean_lon = 280.460 + 0.9856474 * n
    g = math.radians(357.528 + 0.9856003 * n)
    lam = mean_lon + 1.915 * math.sin(g) + 0.020 * math.sin(2 * g)
    ra, dec = _ecliptic_to_equatorial(lam, 0.0, n)
    return _elevation(ra, dec, utc, lat, lon)


def low_precision_moon_elevation(utc: datetime, lat: float, lon: float) -> float:
    """The Moon's topocentric elevation (deg): about 0.3 deg in position."""
    n = _days_since_j2000(utc)
    t = n / 36525.0

    def s(a: float, b: float) -> float:
        return math.sin(math.radians(a + b * t))

    def c(a: float, b: float) -> float:
        return math.cos(math.radians(a + b * t))

    lam = (
        218.32
        + 481267.881 * t
        + 6.29 * s(135.0, 477198.87)
        - 1.27 * s(259.3, -413335.36)
        + 0.66 * s(235.7, 890534.22)
        + 0.21 * s(269.9, 954397.74)
        - 0.19 * s(357.5, 35999.05)
        - 0.11 * s(186.5, 966404.03)
    )
    beta = (
        5.13 * s(93.3, 483202.02)
        + 0.28 * s(228.2, 960400.89)
        - 0.28 * s(318.3, 6003.15)
        - 0.17 * s(217.6, -407332.21)
    )
    parallax = (
        0.9508
        + 0.0518 * c(135.0, 477198.87)
        + 0.0095 * c(259.3, -413335.38)
        + 0.0078 * c(235.7, 890534.22)
        + 0.0028 * c(269.9, 954397.70)
    )
    ra, dec = _ecliptic_to_equatorial(lam, beta, n)
    geocentric = _elevation(ra, dec, utc, lat, lon)
    return geocentric - parallax * math.cos(math.radians(geocentric))


def over_scene(lat: float, lon: float, when: str, speed: float, duration: float) -> str:
    return (
        "scene_version = 1\n"
        f'[time]\nstart_utc = "{when}"\nspeed = {speed}\n'
        f"[output]\nwidth = 64\nheight = 36\nfps = 10\nduration_s = {duration}\n"
        f'[camera.orbit]\nover = {{ lat_deg = {lat}, lon_deg = {lon}, time_utc = "{when}" }}\n'
    )


# ---------------------------------------------------------------------------
# The point under the camera and the Sun and Moon there
# ---------------------------------------------------------------------------


def test_the_point_under_the_camera_is_skyfields_subpoint_of_the_tle():
    scene = load_scene(FLAGSHIP)
    line1 = "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997"
    line2 = "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417"
    ts = load.timescale(builtin=True)
    seconds = np.array([0.0, 300.0, 1260.0])
    got = sky.track(scene, seconds)
    for k, s in enumerate(seconds):
        t = ts.from_datetime(START + timedelta(seconds=float(s)))
        ref = wgs84.subpoint_of(EarthSatellite(line1, line2, ts=ts).at(t))
        assert got.lat_deg[k] == pytest.approx(ref.latitude.degrees, abs=0.01)
        assert got.lon_deg[k] == pytest.approx(ref.longitude.degrees, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "when"),
    [
        (30.0, 31.0, "2018-11-16T10:00:00Z"),
        (-20.0, -160.0, "2018-11-16T14:30:00Z"),
        (45.0, 63.0, "2018-11-16T18:14:28Z"),
        (51.0, -100.0, "2018-11-07T21:00:00Z"),
    ],
)
def test_sun_and_moon_elevation_under_the_camera_match_the_almanac_formulas(lat, lon, when):
    scene = loads_scene(over_scene(lat, lon, when, 1.0, 1.0))
    at = sky.track(scene, [0.0])
    utc = datetime.fromisoformat(when)
    sub_lat, sub_lon = float(at.lat_deg[0]), float(at.lon_deg[0])
    sun = low_precision_sun_elevation(utc, sub_lat, sub_lon)
    assert float(at.sun_elevation_deg[0]) == pytest.approx(sun, abs=0.02)
    moon = low_precision_moon_elevation(utc, sub_lat, sub_lon)
    assert float(at.moon_elevation_deg[0]) == pytest.approx(moon, abs=0.3)


def test_light_labels_follow_the_twilight_definitions():
    labels = [sky.light_label(e) for e in (10.0, 0.0, -0.1, -6.0, -6.1, -12.5, -18.0, -18.1)]
    assert labels == [
        "day",
        "day",
        "civil twilight",
        "civil twilight",
        "nautical twilight",
        "astronomical twilight",
        "astronomical twilight",
        "night",
    ]


# ---------------------------------------------------------------------------
# The Moon's phase against the almanac of November 2018
# ---------------------------------------------------------------------------


def test_moon_phase_follows_the_phases_of_november_2018():
    new, first_quarter, full = (
        datetime(2018, 11, 7, 16, 2, tzinfo=UTC),
        datetime(2018, 11, 15, 14, 54, tzinfo=UTC),
        datetime(2018, 11, 23, 5, 39, tzinfo=UTC),
    )
    assert sky.moon_phase(new)[0] < 0.002
    lit, waxing = sky.moon_phase(first_quarter)
    assert lit == pytest.approx(0.5, abs=0.01) and waxing
    assert sky.moon_phase(full)[0] > 0.998
    assert sky.moon_phase(full + timedelta(days=2))[1] is False
    # The flagship's lift-off: the phase angle runs from 90 deg at first quarter to 0 at
    # full in 182.75 h; 27.33 h after first quarter it is near 76.5 deg, 62 % lit.
    lit, waxing = sky.moon_phase(datetime(2018, 11, 16, 18, 14, tzinfo=UTC))
    assert 0.57 < lit < 0.65 and waxing


# ---------------------------------------------------------------------------
# Crossings: the terminator under the camera and the Earth's shadow at the camera
# ---------------------------------------------------------------------------


def test_terminator_and_shadow_crossings_over_one_orbit():
    # 100 minutes of the ISS's orbit from over Cairo at midday: the orbit crosses into
    # the night and back into the day once each.
    scene = loads_scene(over_scene(30.0, 31.0, "2018-11-16T10:00:00Z", 60.0, 100.0))
    term, shadow = sky.crossings(scene)
    assert [c.rising for c in term] == [False, True]
    for c in term:
        before = sky.track(scene, [c.sim_s - 3.0])
        after = sky.track(scene, [c.sim_s + 3.0])
        # Checked on both sides with the almanac's Sun, at the module's own ground points.
        e0 = low_precision_sun_elevation(
            c.utc - timedelta(seconds=3), float(before.lat_deg[0]), float(before.lon_deg[0])
        )
        e1 = low_precision_sun_elevation(
            c.utc + timedelta(seconds=3), float(after.lat_deg[0]), float(after.lon_deg[0])
        )
        assert (e0 < 0.0 < e1) if c.rising else (e1 < 0.0 < e0)
        assert c.video_s == pytest.approx(c.sim_s / 60.0)
        assert c.utc == pytest.approx(
            scene.time.start_utc + timedelta(seconds=c.sim_s), abs=timedelta(milliseconds=1)
        )
    assert [c.rising for c in shadow] == [False, True]
    # From 405 km up the Sun sets for the camera when it is one horizon dip below the
    # horizon at the ground beneath: acos(R / (R + h)), about 20 deg; the ship enters the
    # shadow after the ground below it does, and leaves it before.
    assert shadow[0].sim_s > term[0].sim_s and shadow[1].sim_s < term[1].sim_s
    for c in shadow:
        at = sky.track(scene, [c.sim_s])
        radius = float(np.linalg.norm(_ground(at)))
        dip = math.degrees(math.acos(radius / (6378.137 + 405.0)))
        assert float(at.sun_elevation_deg[0]) == pytest.approx(-dip, abs=1.0)
        inside = sky.track(scene, [c.sim_s + (-3.0 if c.rising else 3.0)])
        outside = sky.track(scene, [c.sim_s + (3.0 if c.rising else -3.0)])
        assert inside.sun_clearance[0] < 0.0 < outside.sun_clearance[0]


def _ground(at: sky.Track) -> np.ndarray:
    lat, lon = math.radians(float(at.lat_deg[0])), math.radians(float(at.lon_deg[0]))
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    n = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return np.array(
        [
            n * math.cos(lat) * math.cos(lon),
            n * math.cos(lat) * math.sin(lon),
            n * (1 - e2) * math.sin(lat),
        ]
    )


# ---------------------------------------------------------------------------
# The flagship: the Moon in the frame, the launch, what check prints
# ---------------------------------------------------------------------------


def test_the_flagships_moon_is_where_the_rendered_still_has_it():
    # docs/gallery/progress-ms10.jpg is the flagship drawn at 19.13 s at 480x270 (README):
    # its saturated blob is the Moon in its glare.  At the start the Moon is outside the
    # 60 deg frame.
    scene = load_scene(FLAGSHIP)
    start, gallery = sky.moon_in_view(scene, [0.0, 19.13 * 14.0])
    assert not start.in_frame and start.text.startswith("off the frame")
    assert gallery.in_frame
    x, y = (float(v) for v in gallery.text.split("(")[1].split(")")[0].split(","))
    still = np.asarray(Image.open(REPO / "docs" / "gallery" / "progress-ms10.jpg").convert("L"))
    ys, xs = np.nonzero(still >= 250)
    scale = 1920 / still.shape[1]
    assert x == pytest.approx((xs.mean() + 0.5) * scale, abs=20)
    assert y == pytest.approx((ys.mean() + 0.5) * scale, abs=20)


def test_the_flagships_sky_report():
    out = subprocess.run(
        [sys.executable, "-m", "renderer", "check", str(FLAGSHIP)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = out[out.index("sky (") :].splitlines()
    assert 8 <= len(report) <= 16
    assert "Sun -58.7 deg, night" in report[1]
    assert "nautical twilight" in report[2]
    assert "61 % lit, waxing" in out
    events = [e for e in launch_events(load_scene(FLAGSHIP)) if e.view.startswith("in view")]
    launch = next(line for line in report if line.strip().startswith("launch 1:"))
    assert f"{len(events)} of 7 events in view" in launch
    # docs/physics.md: the Sun 58.6 deg below the horizon at the pad at lift-off.
    assert "Sun -58.6 deg at the pad" in launch
    # docs/scenes.md shows this report as it is.
    shown = (REPO / "docs" / "scenes.md").read_text()
    assert "\n".join(line for line in report if not line.startswith("ok:")) in shown


def test_a_long_scene_lists_the_first_crossings_and_counts_the_rest():
    scene = loads_scene(over_scene(30.0, 31.0, "2018-11-16T10:00:00Z", 600.0, 144.0))
    text = sky.describe_sky(scene)
    # 24 hours: about 15.5 orbits, two terminator crossings each.
    term = sky.crossings(scene)[0]
    assert 28 <= len(term) <= 34
    assert f"terminator: and {len(term) - 4} more" in text
    assert all(a.sim_s < b.sim_s for a, b in zip(term, term[1:], strict=False))
