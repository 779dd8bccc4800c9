"""renderer.timeline: frame times, the camera basis conventions of docs/scenes.md
(each by a hand-computed case, checked through the contract's pinhole formula), targets,
launch vehicles and the Timeline arrays."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from renderer import timeline
from renderer.astro import ephemeris, geodesy, orbits
from renderer.physics.launch import ascent
from renderer.scene import (
    Camera,
    Earth,
    ElementsOrbit,
    GroundTarget,
    Launch,
    LaunchTarget,
    Look,
    MotionBlur,
    Output,
    OverOrbit,
    Scene,
    Site,
    Stars,
    TimeSpec,
    TleOrbit,
)

START = datetime(2018, 11, 16, 18, 10, 0, tzinfo=UTC)
LIFTOFF = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
ISS = TleOrbit(
    "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
    "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
)
# Equatorial, node on the GCRS x axis, at the node at START: the camera is at +x moving
# toward +y, so by hand up = +x, forward = +y, right = forward x up = -z.
EQUATORIAL = ElementsOrbit(400.0, 0.0, 0.0, 0.0, START)
X, Y, Z = np.eye(3)
W, H, FOV = 1920, 1080, 60.0


def make_scene(
    orbit=EQUATORIAL,
    look: Look | None = None,
    launches: tuple[Launch, ...] = (),
    speed: float = 1.0,
    fps: float = 30.0,
    duration_s: float = 10.0,
    blur: MotionBlur | None = None,
) -> Scene:
    return Scene(
        source=Path("test.toml"),
        time=TimeSpec(START, speed),
        output=Output(Path("out.mp4"), width=W, height=H, fps=fps, duration_s=duration_s),
        camera=Camera(
            orbit=orbit,
            fov_deg=FOV,
            look=look or Look(),
            motion_blur=blur or MotionBlur(),
        ),
        earth=Earth(),
        stars=Stars(),
        launches=launches,
    )


def pinhole(tl: timeline.Timeline, i: int, point_km: np.ndarray) -> tuple[float, float]:
    """The contract's pinhole, inverted: pixel (px from left, py from bottom) of a point."""
    rel = np.asarray(point_km) - tl.camera_pos_km[i]
    x = rel @ tl.camera_right[i]
    y = rel @ tl.camera_up[i]
    z = rel @ tl.camera_forward[i]
    assert z > 0, "point behind the camera"
    f = (W / 2) / math.tan(math.radians(FOV) / 2)
    return W / 2 + f * x / z, H / 2 + f * y / z


def basis(scene: Scene, sim_s=(0.0,)) -> timeline.Timeline:
    return timeline.build_timeline(scene, np.asarray(sim_s, dtype=np.float64))


def assert_vec(got: np.ndarray, want: np.ndarray, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(got, want, atol=atol)


# ---------------------------------------------------------------------------
# Frame times
# ---------------------------------------------------------------------------


def test_frame_sim_seconds():
    scene = make_scene(speed=10.0, fps=30.0, duration_s=2.0)
    s = timeline.frame_sim_seconds(scene)
    assert s.shape == (60,) and s.dtype == np.float64
    assert s[0] == 0.0 and s[3] == pytest.approx(1.0) and s[59] == pytest.approx(59 / 3)
    assert s[7] == scene.sim_seconds(7)


def test_subframe_sim_seconds_spread_over_the_shutter():
    # speed 10, fps 30, 180 deg: the shutter is open 1/60 s of video = 1/6 s simulated.
    scene = make_scene(speed=10.0, fps=30.0, blur=MotionBlur(samples=4, shutter_angle_deg=180))
    s = timeline.subframe_sim_seconds(scene, 3)
    centre = 1.0
    np.testing.assert_allclose(s, centre + np.array([-3, -1, 1, 3]) / 8 / 6, atol=1e-15)
    assert s.mean() == pytest.approx(centre)
    one = timeline.subframe_sim_seconds(
        replace(scene, camera=replace(scene.camera, motion_blur=MotionBlur(samples=1))), 3
    )
    assert one.tolist() == [timeline.frame_sim_seconds(scene)[3]]


# ---------------------------------------------------------------------------
# Look conventions, by hand on the equatorial orbit
# ---------------------------------------------------------------------------


def test_local_frame_by_hand():
    tl = basis(make_scene(look=Look(azimuth_deg=0, elevation_deg=0)))
    assert_vec(tl.camera_pos_km[0], 6778.137 * X, atol=1e-9)
    assert_vec(tl.camera_forward[0], Y)
    assert_vec(tl.camera_up[0], X)
    assert_vec(tl.camera_right[0], -Z)


def test_azimuth_0_looks_along_the_horizontal_velocity_of_an_inclined_orbit():
    orbit = ElementsOrbit(400.0, 51.6, 30.0, 70.0, START)
    tl = basis(make_scene(orbit=orbit, look=Look(0, 0)))
    r, v = tl.camera_pos_km[0], tl.camera_vel_km_s[0]
    horizontal = v - (v @ r) / (r @ r) * r
    assert_vec(tl.camera_forward[0], horizontal / np.linalg.norm(horizontal))


def test_azimuth_90_looks_right():
    tl = basis(make_scene(look=Look(azimuth_deg=90, elevation_deg=0)))
    assert_vec(tl.camera_forward[0], -Z)  # = forward x up = Y x X
    assert_vec(tl.camera_up[0], X)


def test_azimuth_180_looks_aft():
    tl = basis(make_scene(look=Look(azimuth_deg=180, elevation_deg=0)))
    assert_vec(tl.camera_forward[0], -Y)
    assert_vec(tl.camera_right[0], Z)


def test_elevation_minus_90_looks_at_nadir_with_forward_up():
    tl = basis(make_scene(look=Look(azimuth_deg=0, elevation_deg=-90)))
    assert_vec(tl.camera_forward[0], -X)
    assert_vec(tl.camera_up[0], Y)
    assert_vec(tl.camera_right[0], -Z)
    # The point straight below is at the image centre; a point ahead along the track
    # is in the upper half of the image.
    px, py = pinhole(tl, 0, 6378.137 * X)
    assert (px, py) == (pytest.approx(W / 2), pytest.approx(H / 2))
    _, py_ahead = pinhole(tl, 0, 6378.137 * np.array([math.cos(0.05), math.sin(0.05), 0]))
    assert py_ahead > H / 2


def test_elevation_is_measured_from_the_local_horizontal():
    tl = basis(make_scene(look=Look(azimuth_deg=30, elevation_deg=-12)))
    fwd = tl.camera_forward[0]
    assert math.degrees(math.asin(fwd @ X)) == pytest.approx(-12.0, abs=1e-12)
    # Horizontal part: 30 deg from forward (+Y) toward right (-Z).
    assert math.degrees(math.atan2(fwd @ -Z, fwd @ Y)) == pytest.approx(30.0, abs=1e-12)
    # Roll 0: image up is local up projected on the image plane.
    up_proj = X - (X @ fwd) * fwd
    assert_vec(tl.camera_up[0], up_proj / np.linalg.norm(up_proj))


def horizon_pixels(roll_deg: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Pixels of two far points at equal elevation, 20 deg left and right of the view."""
    tl = basis(make_scene(look=Look(azimuth_deg=180, elevation_deg=-10, roll_deg=roll_deg)))
    cam = tl.camera_pos_km[0]
    fwd0, right0, up0 = Y, -Z, X  # the local frame, by hand
    pixels = []
    for az in (180 - 20, 180 + 20):  # left of the aft view, then right of it
        a, e = math.radians(az), math.radians(-10)
        d = math.cos(e) * (math.cos(a) * fwd0 + math.sin(a) * right0) + math.sin(e) * up0
        pixels.append(pinhole(tl, 0, cam + 1000.0 * d))
    return pixels[0], pixels[1]


def test_roll_makes_a_level_horizon_rise_to_the_right():
    (lx, ly), (rx, ry) = horizon_pixels(0.0)
    assert lx < W / 2 < rx
    assert ly == pytest.approx(ry, abs=1e-9)
    (lx, ly), (rx, ry) = horizon_pixels(25.0)
    assert lx < W / 2 < rx
    assert ry > ly  # py counts from the bottom: the right-hand point is higher
    # The line through them is tilted by the roll, counter-clockwise.
    assert math.degrees(math.atan2(ry - ly, rx - lx)) == pytest.approx(25.0, abs=1e-9)


def test_roll_turns_the_camera_clockwise_about_the_view_axis():
    tl0 = basis(make_scene(look=Look(azimuth_deg=180, elevation_deg=-12)))
    tl = basis(make_scene(look=Look(azimuth_deg=180, elevation_deg=-12, roll_deg=25)))
    assert_vec(tl.camera_forward, tl0.camera_forward)
    # Seen looking along the view axis, the new up is 25 deg clockwise from the old up,
    # i.e. toward the old right.
    up, right0, up0 = tl.camera_up[0], tl0.camera_right[0], tl0.camera_up[0]
    assert math.degrees(math.atan2(up @ right0, up @ up0)) == pytest.approx(25.0, abs=1e-12)


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def test_ground_target_is_at_the_image_centre():
    target = GroundTarget(lat_deg=45.92, lon_deg=63.342)
    scene = make_scene(orbit=ISS, look=Look(roll_deg=25, target=target))
    sim = np.array([0.0, 248.0, 500.0])
    tl = timeline.build_timeline(scene, sim)
    # The ground point through skyfield's own geodesy and frames.
    from skyfield.api import wgs84

    t = ephemeris.times(START, sim)
    ground = wgs84.latlon(45.92, 63.342).at(t).position.km.T
    for i in range(3):
        px, py = pinhole(tl, i, ground[i])
        assert px == pytest.approx(W / 2, abs=1e-6) and py == pytest.approx(H / 2, abs=1e-6)
    # Roll 25 about the unrolled "local up projected" orientation.
    up_local = tl.camera_pos_km / np.linalg.norm(tl.camera_pos_km, axis=1, keepdims=True)
    fwd = tl.camera_forward
    up0 = up_local - np.sum(up_local * fwd, axis=1, keepdims=True) * fwd
    up0 /= np.linalg.norm(up0, axis=1, keepdims=True)
    np.testing.assert_allclose(
        np.sum(tl.camera_up * up0, axis=1), math.cos(math.radians(25)), atol=1e-12
    )


def test_ground_target_straight_below_falls_back_to_forward_up():
    # An equatorial `over` orbit is exactly above the Earth's equator of date at its
    # time_utc, so the ellipsoid point (0, 10) is exactly along -up: no "up" to project.
    orbit = OverOrbit(0.0, 10.0, START, altitude_km=400.0, inclination_deg=0.0)
    tl = basis(make_scene(orbit=orbit, look=Look(target=GroundTarget(0.0, 10.0))))
    r, v = tl.camera_pos_km[0], tl.camera_vel_km_s[0]
    assert_vec(tl.camera_forward[0], -r / np.linalg.norm(r), atol=1e-12)
    assert_vec(tl.camera_up[0], v / np.linalg.norm(v), atol=1e-9)  # circular: v is horizontal


def _soyuz() -> Launch:
    return Launch(
        "soyuz-fg", Site(45.920, 63.342, "baikonur-1/5"), LIFTOFF, target_inclination_deg=51.64
    )


def test_launch_target_aims_at_the_pad_before_liftoff():
    scene = make_scene(orbit=ISS, look=Look(target=LaunchTarget(1)), launches=(_soyuz(),))
    tl = basis(scene, [0.0, 200.0])  # lift-off is 248 s after START
    assert tl.vehicles_km.shape == (1, 2, 3) and np.isnan(tl.vehicles_km).all()
    t = ephemeris.times(START, [0.0, 200.0])
    pad = ephemeris.itrs_to_gcrs(
        ephemeris.itrs_from_gcrs(t),
        np.broadcast_to(geodesy.geodetic_to_itrs(45.92, 63.342), (2, 3)),
    )
    for i in range(2):
        px, py = pinhole(tl, i, pad[i])
        assert px == pytest.approx(W / 2, abs=1e-6) and py == pytest.approx(H / 2, abs=1e-6)


def test_launch_target_follows_the_vehicle_after_liftoff():
    launch = _soyuz()
    scene = make_scene(orbit=ISS, look=Look(target=LaunchTarget(1)), launches=(launch,))
    sim = np.array([0.0, 248.0 + 150.0, 248.0 + 400.0])
    tl = basis(scene, sim)
    # Lift-off is 248 s after START; the reference position is the ascent model's own.
    climb, _vel = ascent.vehicle_itrs(launch, sim - 248.0)
    assert np.isnan(tl.vehicles_km[0, 0]).all()
    t = ephemeris.times(START, sim)
    m = ephemeris.itrs_from_gcrs(t)
    want = ephemeris.itrs_to_gcrs(m, np.where(np.isnan(climb), 0.0, climb))
    np.testing.assert_allclose(tl.vehicles_km[0, 1:], want[1:], atol=1e-9)
    pad_itrs = geodesy.geodetic_to_itrs(45.92, 63.342)
    pad = ephemeris.itrs_to_gcrs(m, np.broadcast_to(pad_itrs, (3, 3)))
    aims = [pad[0], want[1], want[2]]
    for i in range(3):
        px, py = pinhole(tl, i, aims[i])
        assert px == pytest.approx(W / 2, abs=1e-6) and py == pytest.approx(H / 2, abs=1e-6)


# ---------------------------------------------------------------------------
# The whole timeline
# ---------------------------------------------------------------------------


def progress_scene() -> Scene:
    """The format's first example scene: the ISS looking aft, 12 deg down, rolled 25."""
    return make_scene(
        orbit=ISS, look=Look(180.0, -12.0, 25.0), launches=(_soyuz(),), speed=10.0, duration_s=90.0
    )


def test_timeline_shapes_units_and_basis():
    scene = progress_scene()
    sim = timeline.frame_sim_seconds(scene)
    tl = timeline.build_timeline(scene, sim)
    n = 2700
    assert len(tl) == n and tl.sim_s.shape == (n,)
    for name in (
        "camera_pos_km",
        "camera_vel_km_s",
        "camera_right",
        "camera_up",
        "camera_forward",
        "sun_km",
        "moon_km",
    ):
        arr = getattr(tl, name)
        assert arr.shape == (n, 3) and arr.dtype == np.float64, name
    assert tl.itrs_from_gcrs.shape == (n, 3, 3)
    assert tl.vehicles_km.shape == (1, n, 3)
    # Orthonormal, right-handed: right = forward x up.
    b = np.stack([tl.camera_right, tl.camera_up, tl.camera_forward], axis=1)
    np.testing.assert_allclose(
        b @ np.transpose(b, (0, 2, 1)), np.broadcast_to(np.eye(3), (n, 3, 3)), atol=1e-12
    )
    np.testing.assert_allclose(
        np.cross(tl.camera_forward, tl.camera_up), tl.camera_right, atol=1e-12
    )
    # Looking aft and 12 deg below the local horizontal, all along.
    up = tl.camera_pos_km / np.linalg.norm(tl.camera_pos_km, axis=1, keepdims=True)
    el = np.degrees(np.arcsin(np.sum(tl.camera_forward * up, axis=1)))
    np.testing.assert_allclose(el, -12.0, atol=1e-9)
    assert np.all(np.sum(tl.camera_forward * tl.camera_vel_km_s, axis=1) < 0)
    # Times: 15 simulated minutes from 18:10 UTC, TT = UTC + 69.184 s in 2018.
    assert tl.utc[0] == START and tl.utc[0].tzinfo is not None
    assert abs(tl.utc[-1] - (START + timedelta(seconds=sim[-1]))) < timedelta(microseconds=50)
    jd_utc0 = 2458438.5 + (18 + 10 / 60) / 24
    assert tl.jd_tt[0] == pytest.approx(jd_utc0 + 69.184 / 86400, abs=1e-9)
    np.testing.assert_allclose((tl.jd_tt - tl.jd_tt[0]) * 86400, sim, atol=1e-4)
    # The camera is the ISS of astro, and the Sun/Moon are astro's.
    t = ephemeris.times(START, sim)
    pos, _ = orbits.tle_states(ISS.line1, ISS.line2, t)
    np.testing.assert_array_equal(tl.camera_pos_km, pos)
    np.testing.assert_array_equal(tl.sun_km, ephemeris.sun_gcrs_km(t))


def test_timeline_is_deterministic_and_row_independent():
    scene = progress_scene()
    sim = np.array([0.0, 12.5, 248.0, 900.0])
    a = timeline.build_timeline(scene, sim)
    b = timeline.build_timeline(scene, sim)
    c = timeline.build_timeline(scene, sim[2:3])
    for name in (
        "camera_pos_km",
        "camera_right",
        "camera_up",
        "camera_forward",
        "itrs_from_gcrs",
        "sun_km",
        "moon_km",
        "jd_tt",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        np.testing.assert_allclose(
            getattr(a, name)[2], getattr(c, name)[0], rtol=1e-12, atol=1e-9, err_msg=name
        )
    assert a.utc == b.utc


def test_project_to_pixels_matches_the_contract():
    tl = basis(progress_scene(), [100.0])
    point = (
        tl.camera_pos_km[0]
        + 500 * tl.camera_forward[0]
        + 40 * tl.camera_right[0]
        - 25 * tl.camera_up[0]
    )
    px, py, ahead = timeline.project_to_pixels(
        point[None],
        tl.camera_pos_km,
        tl.camera_right,
        tl.camera_up,
        tl.camera_forward,
        W,
        H,
        FOV,
    )
    assert ahead[0]
    assert (px[0], py[0]) == pytest.approx(pinhole(tl, 0, point))
    # Pixel ray from the contract: forward + (px - W/2)/f right + (py - H/2)/f up.
    f = (W / 2) / math.tan(math.radians(FOV) / 2)
    ray = (
        tl.camera_forward[0]
        + (px[0] - W / 2) / f * tl.camera_right[0]
        + (py[0] - H / 2) / f * tl.camera_up[0]
    )
    rel = point - tl.camera_pos_km[0]
    assert_vec(np.cross(ray, rel) / np.linalg.norm(rel), np.zeros(3), atol=1e-12)
