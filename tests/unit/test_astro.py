"""renderer.astro against independent references: skyfield's own geodesy and frames,
published numbers from docs/physics.md, and hand calculations."""

from __future__ import annotations

import math
import socket
import warnings
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from skyfield.api import wgs84
from skyfield.framelib import itrs
from skyfield.positionlib import build_position
from skyfield.units import AU_KM

from renderer.astro import ephemeris, geodesy, orbits
from renderer.scene import ElementsOrbit, OverOrbit, TleOrbit

# docs/physics.md, "The ISS that night": the 2018-11-11 TLE.
ISS_L1 = "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997"
ISS_L2 = "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417"
LIFTOFF = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
# Baikonur Site 1/5 (docs/physics.md).
PAD_LAT, PAD_LON = 45.920, 63.342


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _skyfield_latlon(pos_gcrs_km: np.ndarray, t) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and longitude through skyfield's own GCRS -> ITRS path."""
    geo = build_position(pos_gcrs_km.T / AU_KM, t=t, center=399)
    lat, lon, _ = geo.frame_latlon(itrs)
    lon_deg = (np.asarray(lon.degrees) + 180.0) % 360.0 - 180.0
    return np.asarray(lat.degrees), lon_deg


# ---------------------------------------------------------------------------
# Data loading
# ---------------------------------------------------------------------------


def test_loading_is_offline_and_quiet(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("astro tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for cached in (ephemeris._loader, ephemeris.timescale, ephemeris.ephemeris, orbits._satellite):
        cached.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts = ephemeris.timescale()
        eph = ephemeris.ephemeris()
    assert ts.polar_motion_table is not None
    assert "moon" in eph
    assert not [w for w in caught if "expired" in str(w.message)]
    # Cached: the same objects every time.
    assert ephemeris.timescale() is ts and ephemeris.ephemeris() is eph


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------


def test_times_add_si_seconds_across_a_leap_second():
    # A leap second (23:59:60) was inserted at the end of 2016: 2 s after 23:59:59 UTC
    # is 00:00:00, not 00:00:01.
    t = ephemeris.times(datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC), [0.0, 2.0, 86401.0])
    got = [
        d.replace(microsecond=0) + timedelta(seconds=round(d.microsecond / 1e6))
        for d in t.utc_datetime()
    ]
    assert got == [
        datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2017, 1, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2017, 1, 1, 23, 59, 59, tzinfo=UTC),
    ]


def test_times_keep_sub_millisecond_precision_and_offsets():
    # 18:10 UTC, given in Moscow time.
    start = datetime(2018, 11, 16, 21, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    t = ephemeris.times(start, np.array([0.0, 1e-4, 1000.0]))
    dt = ephemeris.seconds_between(t, ephemeris.time_at(datetime(2018, 11, 16, 18, 10, tzinfo=UTC)))
    np.testing.assert_allclose(dt, [0.0, 1e-4, 1000.0], atol=1e-7)


# ---------------------------------------------------------------------------
# WGS84 and Earth orientation
# ---------------------------------------------------------------------------


def test_wgs84_hand_cases():
    # Equator at Greenwich, the north pole, 90 E at 400 km: the semi-axes by hand.
    r = geodesy.geodetic_to_itrs([0.0, 90.0, 0.0], [0.0, 0.0, 90.0], [0.0, 0.0, 400.0])
    b = 6378.137 * (1 - 1 / 298.257223563)
    np.testing.assert_allclose(r, [[6378.137, 0, 0], [0, 0, b], [0, 6778.137, 0]], atol=1e-9)
    assert b == pytest.approx(6356.752314, abs=1e-6)  # the published WGS84 polar radius


def test_wgs84_matches_skyfield_and_round_trips():
    rng = np.random.default_rng(3)
    lat = rng.uniform(-90, 90, 200)
    lon = rng.uniform(-180, 180, 200)
    h = rng.uniform(-5, 40000, 200)
    r = geodesy.geodetic_to_itrs(lat, lon, h)
    ref = wgs84.latlon(lat, lon, elevation_m=h * 1000).itrs_xyz.km.T
    np.testing.assert_allclose(r, ref, atol=1e-8)
    lat2, lon2, h2 = geodesy.itrs_to_geodetic(r)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(h2, h, atol=1e-6)  # 1 mm


def test_itrs_from_gcrs_matches_skyfield_ground_point():
    # skyfield's GeographicPosition.at(t) builds the GCRS position of a ground point
    # through its own code path; ours must agree to well under a metre.
    t = ephemeris.times(LIFTOFF, np.linspace(0, 6 * 3600, 7))
    m = ephemeris.itrs_from_gcrs(t)
    assert m.shape == (7, 3, 3)
    np.testing.assert_allclose(
        m @ np.transpose(m, (0, 2, 1)), np.broadcast_to(np.eye(3), (7, 3, 3)), atol=1e-14
    )
    np.testing.assert_allclose(np.linalg.det(m), 1.0, atol=1e-14)
    pad_itrs = geodesy.geodetic_to_itrs(PAD_LAT, PAD_LON, 0.0)
    pad_gcrs = ephemeris.itrs_to_gcrs(m, np.broadcast_to(pad_itrs, (7, 3)))
    ref = wgs84.latlon(PAD_LAT, PAD_LON).at(t).position.km.T
    assert np.max(np.linalg.norm(pad_gcrs - ref, axis=1)) < 1e-3  # < 1 m


def test_earth_turns_once_per_sidereal_day():
    # Hand number: one rotation relative to the stars takes 86164.09 s.
    t = ephemeris.times(LIFTOFF, [0.0, 86164.0905, 43082.045])
    m = ephemeris.itrs_from_gcrs(t)
    x0 = m[0].T @ [1.0, 0.0, 0.0]  # the Greenwich meridian's equator point, in GCRS
    assert _angle_deg(m[1].T @ [1.0, 0.0, 0.0], x0) < 0.01
    assert _angle_deg(m[2].T @ [1.0, 0.0, 0.0], x0) == pytest.approx(180.0, abs=0.01)


# ---------------------------------------------------------------------------
# The ISS from its TLE (docs/physics.md)
# ---------------------------------------------------------------------------


def test_iss_tle_at_liftoff_matches_reference_and_skyfield():
    t = ephemeris.times(LIFTOFF, [0.0])
    pos, vel = orbits.camera_orbit_states(TleOrbit(ISS_L1, ISS_L2), t)
    assert pos.shape == vel.shape == (1, 3)
    lat, lon, h = geodesy.itrs_to_geodetic(ephemeris.gcrs_to_itrs(ephemeris.itrs_from_gcrs(t), pos))
    # docs/physics.md: sub-point 45.49 N 62.28 E, 406.3 km, 7.675 km/s.  These match the
    # geodetic latitude (the geocentric one is 0.18 deg lower, 45.31).
    assert lat[0] == pytest.approx(45.49, abs=0.3)
    assert lon[0] == pytest.approx(62.28, abs=0.3)
    assert h[0] == pytest.approx(406.3, abs=3.0)
    assert np.linalg.norm(vel[0]) == pytest.approx(7.675, abs=0.01)
    # skyfield's own geodesy of its own satellite position.
    sat = orbits._satellite(ISS_L1, ISS_L2)
    ref = wgs84.geographic_position_of(sat.at(t))
    assert lat[0] == pytest.approx(ref.latitude.degrees[0], abs=1e-6)
    assert lon[0] == pytest.approx(ref.longitude.degrees[0], abs=1e-6)
    assert h[0] == pytest.approx(ref.elevation.km[0], abs=1e-3)
    sub = wgs84.subpoint(sat.at(t))
    assert lat[0] == pytest.approx(sub.latitude.degrees[0], abs=1e-6)


def test_iss_tle_vectorised_and_inclined():
    t = ephemeris.times(LIFTOFF, np.arange(0.0, 5600.0, 60.0))
    pos, vel = orbits.tle_states(ISS_L1, ISS_L2, t)
    assert pos.shape == (94, 3) and pos.dtype == np.float64
    h = np.cross(pos, vel)
    inc = _angle_deg(h, np.array([0.0, 0.0, 1.0]))
    # Instantaneous osculating inclination vs the GCRS pole: 51.64 within J2 wobble
    # and the ~0.1 deg between the GCRS and the 2018 equator.
    assert np.all(np.abs(inc - 51.64) < 0.3)


# ---------------------------------------------------------------------------
# elements
# ---------------------------------------------------------------------------


def test_elements_geometry_by_hand():
    epoch = datetime(2018, 11, 16, 18, 0, 0, tzinfo=UTC)
    orbit = ElementsOrbit(
        altitude_km=400.0,
        inclination_deg=51.6,
        raan_deg=120.0,
        arg_latitude_deg=30.0,
        epoch_utc=epoch,
    )
    # Hand numbers: r = 6778.137 km, n = sqrt(GM/r^3) = 1.13137e-3 rad/s,
    # T = 2 pi / n = 5553.6 s (92.56 min), v = sqrt(GM/r) = 7.6686 km/s.
    period = 2 * math.pi * math.sqrt(6778.137**3 / 398600.4418)
    assert period == pytest.approx(5553.6, abs=0.1)
    t = ephemeris.times(epoch, [0.0, period / 4, period, 1234.5])
    pos, vel = orbits.elements_states(orbit, t)
    np.testing.assert_allclose(np.linalg.norm(pos, axis=1), 6778.137, rtol=1e-13)
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), 7.66856, atol=1e-4)
    np.testing.assert_allclose(np.sum(pos * vel, axis=1), 0.0, atol=1e-8)
    # Angular momentum: inclination from the GCRS pole, node from the GCRS x axis.
    h = np.cross(pos, vel)
    np.testing.assert_allclose(_angle_deg(h, np.array([0.0, 0.0, 1.0])), 51.6, atol=1e-9)
    node = np.cross([0.0, 0.0, 1.0], h[0])
    assert math.degrees(math.atan2(node[1], node[0])) == pytest.approx(120.0, abs=1e-9)
    # Argument of latitude at epoch, a quarter period later, a full period later.
    assert _angle_deg(pos[0], node) == pytest.approx(30.0, abs=1e-9)
    assert _angle_deg(pos[1], node) == pytest.approx(120.0, abs=1e-9)
    assert np.linalg.norm(pos[2] - pos[0]) < 1e-6
    # Prograde: the velocity points toward increasing argument of latitude.
    assert np.dot(np.cross(pos[0], vel[0]), h[0]) > 0


def test_elements_epoch_may_differ_from_the_times():
    epoch = datetime(2018, 11, 16, 18, 0, 0, tzinfo=UTC)
    orbit = ElementsOrbit(400.0, 0.0, 0.0, 0.0, epoch)
    n = math.sqrt(398600.4418 / 6778.137**3)
    pos, _ = orbits.elements_states(orbit, ephemeris.times(epoch + timedelta(seconds=100), [0.0]))
    # Equatorial, node on x: the position is at angle n * 100 s from x in the xy plane.
    np.testing.assert_allclose(
        pos[0], 6778.137 * np.array([math.cos(100 * n), math.sin(100 * n), 0.0]), atol=1e-8
    )


# ---------------------------------------------------------------------------
# over
# ---------------------------------------------------------------------------

OVER_CASES = [
    (45.92, 63.342, True),
    (45.92, 63.342, False),
    (0.0, 0.0, True),
    (-30.0, -120.0, False),
    (51.0, 179.95, True),  # just west of the antimeridian
    (-51.0, -179.95, False),  # just east of it
    (51.63, 10.0, True),  # near +inclination
    (-51.63, 10.0, False),  # near -inclination
    (51.64, -45.0, True),  # at the vertex exactly
    (-51.64, 135.0, False),
]


@pytest.mark.parametrize(("lat", "lon", "ascending"), OVER_CASES)
def test_over_puts_the_subpoint_where_asked(lat, lon, ascending):
    when = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    orbit = OverOrbit(lat, lon, when, altitude_km=406.0, inclination_deg=51.64, ascending=ascending)
    # Start the frames 10 minutes before time_utc; frame 600 s is the asked moment.
    t = ephemeris.times(when - timedelta(seconds=600), [599.0, 600.0, 601.0])
    pos, vel = orbits.over_states(orbit, t)
    np.testing.assert_allclose(np.linalg.norm(pos, axis=1), 6378.137 + 406.0, rtol=1e-13)
    sub_lat, sub_lon = _skyfield_latlon(pos, t)
    miss_deg = _angle_deg(_unit_sphere(sub_lat[1], sub_lon[1]), _unit_sphere(lat, lon))
    assert math.radians(float(miss_deg)) * 6378.137 < 1.0  # km on the ground
    if abs(lat) < 51.6:
        going_north = sub_lat[2] > sub_lat[0]
        assert going_north == ascending
    # The orbit's plane is inclined 51.64 deg to the Earth's equator of that date.
    m0 = ephemeris.itrs_from_gcrs(ephemeris.time_at(when))[0]
    h_itrs = m0 @ np.cross(pos[1], vel[1])
    assert _angle_deg(h_itrs, np.array([0.0, 0.0, 1.0])) == pytest.approx(51.64, abs=1e-9)


def _unit_sphere(lat_deg: float, lon_deg: float) -> np.ndarray:
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])


def test_over_equatorial_orbit():
    when = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    orbit = OverOrbit(0.0, -75.0, when, altitude_km=500.0, inclination_deg=0.0)
    t = ephemeris.times(when, [0.0])
    pos, vel = orbits.over_states(orbit, t)
    lat, lon = _skyfield_latlon(pos, t)
    assert lat[0] == pytest.approx(0.0, abs=1e-6)
    assert lon[0] == pytest.approx(-75.0, abs=1e-6)
    # Prograde: angular momentum along the Earth's pole.
    m0 = ephemeris.itrs_from_gcrs(t)[0]
    assert (m0 @ np.cross(pos[0], vel[0]))[2] > 0


# ---------------------------------------------------------------------------
# Sun and Moon at the pad at lift-off (docs/physics.md)
# ---------------------------------------------------------------------------


def _altitude_at_pad(body_gcrs: np.ndarray, t) -> float:
    m = ephemeris.itrs_from_gcrs(t)
    pad = geodesy.geodetic_to_itrs(PAD_LAT, PAD_LON, 0.0)
    up = geodesy.ellipsoid_up(PAD_LAT, PAD_LON)
    rel = ephemeris.gcrs_to_itrs(m, body_gcrs)[0] - pad
    return 90.0 - float(_angle_deg(rel, up))


def test_sun_and_moon_at_the_pad_at_liftoff():
    t = ephemeris.times(LIFTOFF, [0.0])
    sun = ephemeris.sun_gcrs_km(t)
    moon = ephemeris.moon_gcrs_km(t)
    assert sun.shape == moon.shape == (1, 3)
    # Mid-November: the Earth is 0.989 AU from the Sun; the Moon 356,000..407,000 km away.
    assert np.linalg.norm(sun[0]) == pytest.approx(0.989 * AU_KM, rel=2e-3)
    assert 356_000 < np.linalg.norm(moon[0]) < 407_000
    sun_alt = _altitude_at_pad(sun, t)
    moon_alt = _altitude_at_pad(moon, t)
    pad_gcrs = ephemeris.itrs_to_gcrs(
        ephemeris.itrs_from_gcrs(t), geodesy.geodetic_to_itrs(PAD_LAT, PAD_LON, 0.0)[None]
    )
    lit = ephemeris.illuminated_fraction(sun, moon, pad_gcrs)[0]
    # docs/physics.md: the Sun 58.6 deg below the horizon, the Moon 61 % lit and 14 deg up.
    assert sun_alt == pytest.approx(-58.6, abs=0.5)
    assert moon_alt == pytest.approx(14.0, abs=2.0)
    assert lit == pytest.approx(0.61, abs=0.03)
    # skyfield's own topocentric alt-az and phase.
    eph = ephemeris.ephemeris()
    here = (eph["earth"] + wgs84.latlon(PAD_LAT, PAD_LON)).at(t)
    ref_sun = here.observe(eph["sun"]).apparent().altaz()[0].degrees[0]
    moon_obs = here.observe(eph["moon"]).apparent()
    assert sun_alt == pytest.approx(ref_sun, abs=0.01)
    # Our Moon is seen from the geocentre then shifted to the pad: the light time
    # difference is ~20 ms, far below 0.01 deg.
    assert moon_alt == pytest.approx(moon_obs.altaz()[0].degrees[0], abs=0.01)
    assert lit == pytest.approx(moon_obs.fraction_illuminated(eph["sun"])[0], abs=0.005)


def test_sun_is_vectorised():
    t = ephemeris.times(LIFTOFF, np.linspace(0.0, 86400.0 * 30, 31))
    sun = ephemeris.sun_gcrs_km(t)
    assert sun.shape == (31, 3)
    # About one degree a day along the ecliptic.
    steps = _angle_deg(sun[1:], sun[:-1])
    assert np.all((steps > 0.95) & (steps < 1.05))
