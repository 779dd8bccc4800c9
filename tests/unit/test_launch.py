"""Launch trajectories and spent stages (renderer/physics/launch/), without GL.

Expectations come from docs/physics.md ("Soyuz-FG ascent", the launch azimuth
calc) and from hand calculations done here with formulas that share no code with
the module: geodetic latitude by Bowring's iteration, distances and bearings on a
sphere of 6371 km, orbit elements from the vis-viva equation, an inertial-frame
integrator for the rotating-frame one.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from renderer.physics.launch import ascent, ballistics, catalogue, vehicles
from renderer.scene import Launch, Site, StageSpec, VehicleTable

A = 6378.137
F = 1 / 298.257223563
E2 = F * (2 - F)
OMEGA = 7.292115e-5
MU = 398600.4418
R_MEAN = 6371.0

BAIKONUR = Site(45.920, 63.342, "baikonur-1/5")  # docs/physics.md
LIFTOFF = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)  # docs/physics.md
PROGRESS_MS10 = Launch("soyuz-fg", BAIKONUR, LIFTOFF, target_inclination_deg=51.64)


# --- independent helpers -----------------------------------------------------------


def geodetic(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ITRS km (N, 3) -> geodetic lat, lon (deg), height (km): Bowring's iteration."""
    r = np.atleast_2d(r)
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    p = np.hypot(x, y)
    b = A * (1 - F)
    ep2 = (A * A - b * b) / (b * b)
    beta = np.arctan2(z * A, p * b)
    for _ in range(4):
        lat = np.arctan2(z + ep2 * b * np.sin(beta) ** 3, p - E2 * A * np.cos(beta) ** 3)
        beta = np.arctan2((1 - F) * np.sin(lat), np.cos(lat))
    n = A / np.sqrt(1 - E2 * np.sin(lat) ** 2)
    h = p / np.cos(lat) - n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), h


def gc_distance_km(lat1, lon1, lat2, lon2):
    """Haversine distance on a 6371 km sphere."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * R_MEAN * np.arcsin(np.sqrt(a))


def bearing_deg(lat1, lon1, lat2, lon2):
    """Initial great-circle bearing from point 1 to point 2, degrees from north."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - lon1)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x)) % 360


def inertial(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """ITRS velocity + omega x r."""
    return v + np.cross(np.array([0.0, 0.0, OMEGA]), r)


def orbit(r: np.ndarray, v_itrs: np.ndarray) -> tuple[float, float, float]:
    """(inclination deg, perigee km, apogee km above the equatorial radius) by vis-viva."""
    v = inertial(r, v_itrs)
    rn, vn = np.linalg.norm(r), np.linalg.norm(v)
    a = 1 / (2 / rn - vn * vn / MU)
    h = np.cross(r, v)
    e = math.sqrt(max(0.0, 1 - (h @ h) / (MU * a)))
    inc = math.degrees(math.acos(h[2] / np.linalg.norm(h)))
    return inc, a * (1 - e) - A, a * (1 + e) - A


def at(launch: Launch, *t: float) -> tuple[np.ndarray, np.ndarray]:
    return ascent.vehicle_itrs(launch, np.array(t, dtype=float))


def last_finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x[:, 0])][-1]


# --- the Soyuz-FG profile against docs/physics.md ------------------------------------


def test_soyuz_altitudes_at_the_reference_events():
    pos, _ = at(PROGRESS_MS10, 118.0, 155.0, 286.0, 525.0)
    _, _, h = geodetic(pos)
    assert h[0] == pytest.approx(48, abs=5)  # booster separation
    assert h[1] == pytest.approx(85, abs=5)  # fairing
    assert h[2] == pytest.approx(176, abs=10)  # core separation
    assert 180 < h[3] < 260  # insertion ~200 x 250 km


def test_soyuz_inertial_speeds_at_the_reference_events():
    pos, vel = at(PROGRESS_MS10, 0.0, 118.0, 286.0, 525.0)
    speed = np.linalg.norm(inertial(pos, vel), axis=1)
    # On the pad: the Earth's rotation, 465.1 cos(45.92 deg) m/s (docs/physics.md).
    assert speed[0] == pytest.approx(0.4651 * math.cos(math.radians(45.92)), abs=0.002)
    assert 1.5 <= speed[1] <= 1.8
    assert speed[2] == pytest.approx(3.75, abs=0.3)
    # Near-orbital: within 1 % of circular speed at that radius, and ~7.8 km/s.
    v_circ = math.sqrt(MU / np.linalg.norm(pos[3]))
    assert speed[3] == pytest.approx(7.8, abs=0.1)
    assert speed[3] == pytest.approx(v_circ, rel=0.01)


def test_soyuz_downrange():
    pos, _ = at(PROGRESS_MS10, 0.0, 286.0, 525.0)
    lat, lon, _ = geodetic(pos)
    d = gc_distance_km(lat[0], lon[0], lat[1:], lon[1:])
    # docs/physics.md: ~500 km at core separation (the module explains its 460 over the
    # ground and ~515 along the path) and 1,640 km at cut-off.
    assert d[0] == pytest.approx(500, abs=60)
    assert d[1] == pytest.approx(1640, abs=40)


def test_table_speed_column_matches_the_trajectory():
    prof = vehicles.vehicle_profile("soyuz-fg")
    rows = np.array(prof.profile)
    assert len(rows) > 100  # dense
    assert prof.speed_km_s is not None
    pos, vel = ascent.vehicle_itrs(PROGRESS_MS10, rows[:, 0])
    speed = np.linalg.norm(inertial(pos, vel), axis=1)
    np.testing.assert_allclose(speed, prof.speed_km_s, atol=0.03)
    # and the table itself says what docs/physics.md says
    table = dict(
        zip(rows[:, 0], zip(rows[:, 1], rows[:, 2], prof.speed_km_s, strict=True), strict=True)
    )
    assert table[118.0][0] == pytest.approx(48, abs=1)
    assert 1.5 <= table[118.0][2] <= 1.8
    assert table[286.0][0] == pytest.approx(176, abs=1)
    assert table[286.0][2] == pytest.approx(3.75, abs=0.01)
    assert table[525.0][1] == pytest.approx(1640, abs=1)


def test_derived_launch_azimuth_for_51_64_from_baikonur():
    # docs/physics.md: asin(cos 51.64 / cos 45.92) = 63.1 deg inertial, ~62 relative.
    assert vehicles.inertial_azimuth_deg(45.92, 51.64) == pytest.approx(63.1, abs=0.1)
    assert vehicles.launch_azimuth_deg(PROGRESS_MS10) == pytest.approx(62.0, abs=0.5)
    # by hand: V (sin b, cos b) - (465.1 cos lat, 0) with V = 7.8 km/s
    b = math.asin(math.cos(math.radians(51.64)) / math.cos(math.radians(45.92)))
    east = 7.8 * math.sin(b) - 0.4651 * math.cos(math.radians(45.92))
    hand = math.degrees(math.atan2(east, 7.8 * math.cos(b)))
    assert vehicles.launch_azimuth_deg(PROGRESS_MS10) == pytest.approx(hand, abs=1e-9)


@pytest.mark.parametrize(
    "launch",
    [
        PROGRESS_MS10,
        Launch("soyuz-fg", Site(28.562, -80.577), LIFTOFF, azimuth_deg=75.0),
        Launch("soyuz-fg", Site(34.632, -120.611), LIFTOFF, target_inclination_deg=97.6),
        Launch("soyuz-fg", Site(5.239, -52.769), LIFTOFF, azimuth_deg=200.0),
    ],
)
def test_initial_ground_track_follows_the_launch_azimuth(launch):
    pos, _ = ascent.vehicle_itrs(launch, np.array([0.0, 40.0, 55.0, 70.0]))
    lat, lon, _ = geodetic(pos)
    # a few km from the pad (the first ~30 s are nearly vertical)
    d = gc_distance_km(lat[0], lon[0], lat[1:], lon[1:])
    assert np.all((d > 1) & (d < 20)), d
    brg = bearing_deg(lat[0], lon[0], lat[1:], lon[1:])
    diff = (brg - vehicles.launch_azimuth_deg(launch) + 180) % 360 - 180
    assert np.all(np.abs(diff) < 1.0), (brg, vehicles.launch_azimuth_deg(launch))


def test_given_azimuth_is_used_as_is():
    launch = Launch("soyuz-fg", BAIKONUR, LIFTOFF, azimuth_deg=-10.0)
    assert vehicles.launch_azimuth_deg(launch) == pytest.approx(350.0)


@pytest.mark.parametrize(
    ("site", "inc"),
    [
        (BAIKONUR, 51.64),
        (BAIKONUR, 64.9),
        (Site(28.562, -80.577), 28.7),
        (Site(34.632, -120.611), 97.6),
    ],
)
def test_orbit_at_cutoff_has_the_target_inclination(site, inc):
    launch = Launch("soyuz-fg", site, LIFTOFF, target_inclination_deg=inc)
    pos, vel = at(launch, 525.0)
    got, _, _ = orbit(pos[0], vel[0])
    # The module bends the track until it is met (a plain great circle at the derived
    # azimuth misses by 0.2 deg from Baikonur at 51.64, by 0.6-0.7 at 64.9 and 97.6).
    assert got == pytest.approx(inc, abs=0.01)
    assert ballistics.inclination_deg(pos, vel)[0] == pytest.approx(got, abs=1e-9)


def test_insertion_orbit_and_coast():
    pos, vel = at(PROGRESS_MS10, 525.0)
    _, perigee, apogee = orbit(pos[0], vel[0])
    # docs/physics.md: insertion orbit about 200 x 250 km
    assert perigee == pytest.approx(200, abs=15)
    assert apogee == pytest.approx(250, abs=20)
    # it stays in orbit for a whole revolution (and then some)
    t = np.arange(525.0, 525.0 + 6000.0, 37.0)
    p, v = ascent.vehicle_itrs(PROGRESS_MS10, t)
    assert np.all(np.isfinite(p))
    _, _, h = geodetic(p)
    assert h.min() > 180 and h.max() < 300
    # inclination stays put while coasting (J2 moves the node, not the inclination much)
    inc = ballistics.inclination_deg(p, v)
    assert np.all(np.abs(inc - 51.64) < 0.1)


# --- smoothness -------------------------------------------------------------------


def test_position_and_velocity_are_continuous():
    dt = 0.01
    t = np.arange(0.0, 700.0, dt)
    pos, vel = ascent.vehicle_itrs(PROGRESS_MS10, t)
    assert np.all(np.isfinite(pos)) and np.all(np.isfinite(vel))
    acc_from_pos = np.linalg.norm(pos[2:] - 2 * pos[1:-1] + pos[:-2], axis=1) / dt**2
    acc_from_vel = np.linalg.norm(np.diff(vel, axis=0), axis=1) / dt
    # A Soyuz peaks near 3.5 g at cut-off.  A 1 mm jump in position or a 1 m/s jump
    # in velocity anywhere (a table row, the end of the table) would read as 10 m/s^2
    # and 100 m/s^2 above this bound.
    assert acc_from_pos.max() < 0.045, t[np.argmax(acc_from_pos)]
    assert acc_from_vel.max() < 0.045, t[np.argmax(acc_from_vel)]
    # and the velocity is the derivative of the position (rows and the end included)
    tc = np.concatenate([np.arange(0.5, 700.0, 0.37), [118.0, 286.0, 524.9999]])
    eps = 1e-4
    p_plus, _ = ascent.vehicle_itrs(PROGRESS_MS10, tc + eps)
    p_minus, _ = ascent.vehicle_itrs(PROGRESS_MS10, tc - eps)
    _, v_mid = ascent.vehicle_itrs(PROGRESS_MS10, tc)
    assert np.abs((p_plus - p_minus) / (2 * eps) - v_mid).max() < 1e-5


def test_no_jump_at_the_end_of_the_table():
    eps = 1e-6
    pos, vel = at(PROGRESS_MS10, 525.0 - eps, 525.0, 525.0 + eps)
    assert np.linalg.norm(pos[2] - pos[0]) < 1e-4
    assert np.linalg.norm(vel[2] - vel[0]) < 1e-5


def test_at_rest_on_the_pad_and_nan_before_liftoff():
    pos, vel = at(PROGRESS_MS10, -100.0, -0.001, 0.0, float("nan"))
    assert np.all(np.isnan(pos[[0, 1, 3]])) and np.all(np.isnan(vel[[0, 1, 3]]))
    lat, lon, h = geodetic(pos[2])
    assert lat[0] == pytest.approx(45.920, abs=1e-9)
    assert lon[0] == pytest.approx(63.342, abs=1e-9)
    assert h[0] == pytest.approx(0.0, abs=1e-6)
    assert np.linalg.norm(vel[2]) < 1e-6
    assert ascent.vehicle_itrs(PROGRESS_MS10, 10.0)[0].shape == (1, 3)


# --- errors and custom vehicles ---------------------------------------------------


@pytest.mark.parametrize("inc", [40.0, 45.0, 134.5, 150.0])
def test_unreachable_inclination_raises(inc):
    launch = Launch("soyuz-fg", BAIKONUR, LIFTOFF, target_inclination_deg=inc)
    with pytest.raises(ValueError, match="cannot be reached from latitude"):
        vehicles.launch_azimuth_deg(launch)
    with pytest.raises(ValueError, match="cannot be reached"):
        ascent.vehicle_itrs(launch, np.array([10.0]))


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="unknown vehicle"):
        vehicles.vehicle_profile("saturn-v")
    with pytest.raises(ValueError, match="unknown site"):
        vehicles.site_latlon("baikonur")


def test_sites_and_vehicle_names():
    assert vehicles.site_latlon("baikonur-1/5") == (45.920, 63.342)
    assert vehicles.site_latlon(BAIKONUR) == (45.920, 63.342)
    assert vehicles.site_latlon((10.0, 20.0)) == (10.0, 20.0)
    assert "soyuz-fg" in catalogue.VEHICLE_NAMES
    for name in catalogue.VEHICLE_NAMES:
        assert vehicles.vehicle_profile(name).profile[0] == (0.0, 0.0, 0.0)


SMALL_ROCKET = VehicleTable(
    stages=(StageSpec("first stage", 150.0), StageSpec("second stage", 420.0)),
    profile=(
        (0.0, 0.0, 0.0),
        (60.0, 10.0, 4.0),
        (150.0, 70.0, 80.0),
        (300.0, 160.0, 600.0),
        (420.0, 190.0, 1300.0),
    ),
)


def test_custom_vehicle_table():
    cape = Site(28.562, -80.577)
    launch = Launch(SMALL_ROCKET, cape, LIFTOFF, azimuth_deg=90.0)
    rows = np.array(SMALL_ROCKET.profile)
    pos, vel = ascent.vehicle_itrs(launch, rows[:, 0])
    lat, lon, h = geodetic(pos)
    np.testing.assert_allclose(h, rows[:, 1], atol=1e-6)
    # downrange along the great circle, measured here on the 6371 km sphere
    d = gc_distance_km(lat[0], lon[0], lat, lon)
    np.testing.assert_allclose(d, rows[:, 2], rtol=2e-3, atol=1e-6)
    # due east from the pad
    brg = bearing_deg(lat[0], lon[0], lat[1], lon[1])
    assert brg == pytest.approx(90.0, abs=0.5)
    events = ascent.stage_events(launch)
    assert [(e.name, e.t_s, e.kind) for e in events] == [
        ("first stage", 150.0, "stage"),
        ("second stage", 420.0, "stage"),
        ("cut-off", 420.0, "cutoff"),
    ]
    tracks = ascent.spent_stages_itrs(launch, np.arange(0.0, 3000.0, 5.0))
    assert [tr.name for tr in tracks] == ["first stage", "second stage"]
    assert math.isfinite(tracks[0].impact_s)
    # the suborbital custom vehicle itself comes down too: NaN after its impact
    p_late, _ = ascent.vehicle_itrs(launch, np.array([421.0, 20000.0]))
    assert np.all(np.isfinite(p_late[0])) and np.all(np.isnan(p_late[1]))


def test_custom_table_may_start_in_flight():
    table = VehicleTable(stages=(), profile=((10.0, 0.2, 0.0), (100.0, 30.0, 40.0)))
    launch = Launch(table, BAIKONUR, LIFTOFF, azimuth_deg=45.0)
    assert vehicles.vehicle_profile(table).profile[0] == (0.0, 0.0, 0.0)
    pos, _ = ascent.vehicle_itrs(launch, np.array([0.0, 50.0]))
    assert np.all(np.isfinite(pos))


def test_vertical_custom_flight_and_bad_stages():
    # straight up and down: no downrange, pieces spread about the vertical
    table = VehicleTable(
        stages=(StageSpec("pods", 60.0, 3),),
        profile=((0.0, 0.0, 0.0), (60.0, 20.0, 0.0), (90.0, 30.0, 0.0)),
    )
    launch = Launch(table, BAIKONUR, LIFTOFF, azimuth_deg=0.0)
    pos, _ = ascent.vehicle_itrs(launch, np.array([30.0, 90.0]))
    lat, lon, _ = geodetic(pos)
    np.testing.assert_allclose([lat, lon], [[45.92, 45.92], [63.342, 63.342]], atol=1e-9)
    (pods,) = ascent.spent_stages_itrs(launch, np.array([100.0]))
    assert pods.pieces_km.shape == (3, 1, 3) and np.all(np.isfinite(pods.pieces_km))
    late = VehicleTable(stages=(StageSpec("late", 200.0),), profile=table.profile)
    with pytest.raises(ValueError, match="within the profile"):
        vehicles.vehicle_profile(late)


def test_free_flight_is_followed_for_a_day():
    pos, _ = at(PROGRESS_MS10, 525.0 + ballistics.MAX_FREE_FLIGHT_S + 10.0)
    assert np.all(np.isnan(pos))


def test_stage_events_of_the_soyuz():
    ev = ascent.stage_events(PROGRESS_MS10)
    stages = [(e.name, e.t_s, e.count) for e in ev if e.kind == "stage"]
    assert stages == [("boosters", 118.0, 4), ("core stage", 286.0, 1), ("third stage", 525.0, 1)]
    kinds = {e.kind: e.t_s for e in ev}
    assert 150 <= kinds["fairing"] <= 160
    assert kinds["cutoff"] == 525.0
    assert kinds["payload"] == pytest.approx(528.0)
    assert [e.t_s for e in ev] == sorted(e.t_s for e in ev)


# --- spent stages -----------------------------------------------------------------


@pytest.fixture(scope="module")
def soyuz_stages():
    t = np.arange(0.0, 1500.0, 1.0)
    return t, {tr.name: tr for tr in ascent.spent_stages_itrs(PROGRESS_MS10, t)}


def test_boosters_fall_some_hundreds_of_km_downrange(soyuz_stages):
    t, tracks = soyuz_stages
    b = tracks["boosters"]
    assert b.count == 4 and b.pieces_km.shape == (4, len(t), 3)
    assert b.separation_s == 118.0
    assert 118.0 < b.impact_s < 1500.0
    pad = geodetic(at(PROGRESS_MS10, 0.0)[0])
    for piece in b.pieces_km:
        lat, lon, h = geodetic(last_finite(piece))
        assert abs(h[0]) < 1.0  # on the ground
        assert 300 <= gc_distance_km(pad[0], pad[1], lat, lon)[0] <= 600
    # NaN before separation, the vehicle's own position at separation
    assert np.all(np.isnan(b.pos_km[t < 118.0]))
    i = int(np.searchsorted(t, 118.0))
    np.testing.assert_allclose(b.pos_km[i], at(PROGRESS_MS10, 118.0)[0][0], atol=1e-9)
    # and NaN after impact
    assert np.all(np.isnan(b.pos_km[t > b.impact_s]))


def test_the_four_boosters_drift_apart(soyuz_stages):
    t, tracks = soyuz_stages
    pieces = tracks["boosters"].pieces_km
    k = int(np.searchsorted(t, 300.0))  # mid-fall
    p = pieces[:, k]
    gaps = [np.linalg.norm(p[i] - p[j]) for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) > 1.0, gaps  # km: distinct dots from the station
    assert max(gaps) < 30.0, gaps  # but still one group
    again = ascent.spent_stages_itrs(PROGRESS_MS10, t)[0].pieces_km
    np.testing.assert_array_equal(again, pieces)  # deterministic


def test_core_stage_falls_over_a_thousand_km_downrange(soyuz_stages):
    _, tracks = soyuz_stages
    core = tracks["core stage"]
    assert 286.0 < core.impact_s < 1500.0
    pad = geodetic(at(PROGRESS_MS10, 0.0)[0])
    lat, lon, h = geodetic(last_finite(core.pos_km))
    assert abs(h[0]) < 1.0
    assert 1000 <= gc_distance_km(pad[0], pad[1], lat, lon)[0] <= 2000


def test_third_stage_stays_in_orbit_behind_the_payload(soyuz_stages):
    t, tracks = soyuz_stages
    third = tracks["third stage"]
    assert math.isinf(third.impact_s)
    k = int(np.searchsorted(t, 1200.0))
    vehicle = at(PROGRESS_MS10, 1200.0)[0][0]
    gap = np.linalg.norm(third.pos_km[k] - vehicle)
    assert 0.1 < gap < 20.0


def test_spent_stage_sampling_does_not_depend_on_the_request_order():
    # a fresh launch (new cache entry): ask for late times first, then early ones
    launch = Launch("soyuz-fg", BAIKONUR, LIFTOFF, target_inclination_deg=51.7)
    late = ascent.spent_stages_itrs(launch, np.array([4000.0, 900.0]))[2].pos_km
    early = ascent.spent_stages_itrs(launch, np.array([900.0]))[2].pos_km
    np.testing.assert_array_equal(late[1], early[0])
    pos_late, _ = ascent.vehicle_itrs(launch, np.array([3000.0, 800.0]))
    pos_early, _ = ascent.vehicle_itrs(launch, np.array([800.0]))
    np.testing.assert_array_equal(pos_late[1], pos_early[0])


def test_rotating_frame_integrator_matches_an_inertial_one():
    """Drag-free flight in the ITRS (Coriolis, centrifugal) against an inertial RK4."""
    r0 = np.array([A + 300.0, 0.0, 0.0])
    v_in = np.array([0.0, 5.6, 5.6])  # an inclined, eccentric orbit, inertial km/s
    v_itrs = v_in - np.cross([0.0, 0.0, OMEGA], r0)
    track = ballistics.BallisticTrack(0.0, r0, v_itrs, ballistic_kg_m2=0.0)

    def acc(r):  # point mass + J2, inertial
        x, y, z = r
        rn = np.linalg.norm(r)
        k = 1.5 * 1.08262668e-3 * (A / rn) ** 2
        s = 5 * z * z / rn**2
        return (
            -MU
            / rn**3
            * np.array([x * (1 + k * (1 - s)), y * (1 + k * (1 - s)), z * (1 + k * (3 - s))])
        )

    dt, n = 0.5, 4000
    r, v = r0.copy(), v_in.copy()
    for _ in range(n):
        k1r, k1v = v, acc(r)
        k2r, k2v = v + dt / 2 * k1v, acc(r + dt / 2 * k1r)
        k3r, k3v = v + dt / 2 * k2v, acc(r + dt / 2 * k2r)
        k4r, k4v = v + dt * k3v, acc(r + dt * k3r)
        r = r + dt / 6 * (k1r + 2 * k2r + 2 * k3r + k4r)
        v = v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
    t_end = n * dt
    a = OMEGA * t_end  # the Earth turned by this much: ITRS = Rz(-a) inertial
    rot = np.array([[math.cos(a), math.sin(a), 0], [-math.sin(a), math.cos(a), 0], [0, 0, 1]])
    want = rot @ r
    got, _ = track.sample(np.array([t_end]))
    assert np.linalg.norm(got[0] - want) < 1e-3  # km, after 2000 s


# --- the interpolant ----------------------------------------------------------------


def test_pchip_is_monotone_c1_and_exact_for_lines_and_parabolas():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    step = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    f = vehicles.Pchip(x, step)
    xs = np.linspace(0, 5, 501)
    ys = f(xs)
    assert ys.min() >= 0.0 and ys.max() <= 1.0  # no overshoot
    assert np.all(np.diff(ys) >= -1e-15)  # monotone
    line = vehicles.Pchip(x, 3 * x + 1)
    np.testing.assert_allclose(line(xs), 3 * xs + 1, atol=1e-12)
    np.testing.assert_allclose(line.derivative(xs), 3.0, atol=1e-12)
    para = vehicles.Pchip(x, x * x)
    assert para.derivative(np.array([0.0]))[0] == pytest.approx(0.0, abs=1e-12)
    # C1 across every knot
    eps = 1e-9
    xk = x[1:-1]
    d = vehicles.Pchip(x, np.array([0.0, 0.3, 1.5, 1.7, 4.0, 4.1]))
    np.testing.assert_allclose(d.derivative(xk - eps), d.derivative(xk + eps), atol=1e-6)
    np.testing.assert_allclose(d(xk), [0.3, 1.5, 1.7, 4.0])
