"""renderer.camera_moves and the keyframed timeline: easing curves by their formulas,
the turn between two camera bases against SciPy's rotation slerp, the field of view and
exposure against their closed forms, and the timeline at, between and around keys."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from renderer import camera_moves as cm
from renderer import timeline
from renderer.physics.exposure import ev100
from renderer.scene import Exposure, GroundTarget, Keyframe, Look, MotionBlur, Scene
from tests.helpers import geodetic_to_itrs
from tests.unit.test_timeline import EQUATORIAL, FOV, ISS, H, W, make_scene, pinhole

U = np.linspace(0.0, 1.0, 11)


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("linear", U),
        ("smooth", 3 * U**2 - 2 * U**3),
        ("ease-in", U**2),
        ("ease-out", 1 - (1 - U) ** 2),
        ("hold", 0 * U),
    ],
)
def test_easing_curves(name, want):
    np.testing.assert_allclose(cm.ease(name, U), want, atol=1e-15)


def keyed(scene: Scene, *keys: Keyframe) -> Scene:
    return replace(scene, camera=replace(scene.camera, keyframes=keys))


def key(t_s: float, look: Look, fov: float = FOV, ease: str = "linear", **exp) -> Keyframe:
    return Keyframe(t_s, look, fov, Exposure(**exp) if exp else Exposure(), ease)


def test_segments_hold_before_between_and_after():
    keys = (key(1.0, Look(), ease="hold"), key(2.0, Look(), ease="linear"), key(4.0, Look()))
    idx, w = cm.segments(keys, np.array([0.0, 1.0, 1.5, 1.999, 2.0, 3.0, 4.0, 9.0]))
    assert idx.tolist() == [0, 0, 0, 0, 1, 1, 2, 2]
    np.testing.assert_allclose(w, [0, 0, 0, 0, 0, 0.5, 0, 0])
    # Around a hold's cut, an instant's neighbours stay in its segment.
    idx, w = cm.segments(keys, np.array([2.1]), centre_s=np.array([1.95]))
    assert idx.tolist() == [0] and w.tolist() == [0.0]


def _random_bases(n: int, seed: int) -> tuple[np.ndarray, tuple]:
    rot = Rotation.random(n, random_state=seed)
    m = rot.as_matrix()
    return m, (m[:, :, 0], m[:, :, 1], m[:, :, 2])


def test_slerp_basis_matches_scipy_slerp():
    m0, b0 = _random_bases(64, 1)
    m1, b1 = _random_bases(64, 2)
    w = np.random.default_rng(3).uniform(0, 1, 64)
    got = np.stack(cm.slerp_basis(b0, b1, w), axis=-1)
    for i in range(64):
        ref = Slerp([0.0, 1.0], Rotation.from_matrix([m0[i], m1[i]]))([w[i]]).as_matrix()[0]
        np.testing.assert_allclose(got[i], ref, atol=1e-12)
    # The ends are the keys' bases exactly.
    ends = cm.slerp_basis(b0, b1, np.r_[np.zeros(32), np.ones(32)])
    for k in range(3):
        assert np.array_equal(ends[k][:32], b0[k][:32])
        assert np.array_equal(ends[k][32:], b1[k][32:])


def test_slerp_basis_near_a_half_turn_stays_orthonormal():
    m0, b0 = _random_bases(8, 4)
    flip = Rotation.from_rotvec(np.tile([0.0, 0.0, math.pi - 1e-9], (8, 1))).as_matrix()
    m1 = flip @ m0
    b1 = (m1[:, :, 0], m1[:, :, 1], m1[:, :, 2])
    got = np.stack(cm.slerp_basis(b0, b1, np.full(8, 0.5)), axis=-1)
    np.testing.assert_allclose(
        got @ np.swapaxes(got, 1, 2), np.tile(np.eye(3), (8, 1, 1)), atol=1e-12
    )
    # Half way is a quarter turn about the same axis.
    np.testing.assert_allclose(
        np.einsum("ij,njk->nik", [[0, -1, 0], [1, 0, 0], [0, 0, 1]], m0), got, atol=1e-8
    )


LOCAL = tuple(np.tile(v, (5, 1)) for v in (np.eye(3)[0], np.eye(3)[1], -np.eye(3)[2]))


def test_pan_across_north_keeps_its_elevation_and_goes_the_short_way():
    # 350 -> 20 deg at elevation -35: the turn is about the local vertical, 30 deg long.
    up, fwd, right = LOCAL
    a = timeline.look_azel(up, fwd, right, 350.0, -35.0)
    b = timeline.look_azel(up, fwd, right, 20.0, -35.0)
    w = np.linspace(0.0, 1.0, 5)
    got = cm.slerp_basis(a, b, w)
    for i, wi in enumerate(w):
        want = timeline.look_azel(up[:1], fwd[:1], right[:1], 350.0 + 30.0 * wi, -35.0)
        for g, e in zip(got, want, strict=True):
            np.testing.assert_allclose(g[i], e[0], atol=1e-12)


def test_a_turn_at_the_nadir_only_spins_the_image():
    up, fwd, right = LOCAL
    a = timeline.look_azel(up, fwd, right, 0.0, -90.0)
    b = timeline.look_azel(up, fwd, right, 120.0, -90.0)
    _, _, forward = cm.slerp_basis(a, b, np.linspace(0, 1, 5))
    np.testing.assert_allclose(forward, -up, atol=1e-12)


@pytest.mark.parametrize(("az", "el", "roll"), [(10, -30, 0), (200, 45, 25), (359, -5, -170)])
def test_azel_roll_reads_back_a_look(az, el, roll):
    up, fwd, right = (v[:1] for v in LOCAL)
    b = timeline.look_azel(up, fwd, right, az, el, roll)
    np.testing.assert_allclose(cm.azel_roll(b, (up, fwd, right))[0], [az, el, roll], atol=1e-9)


def test_field_of_view_moves_in_log_tan():
    keys = (key(0.0, Look(), fov=60.0), key(4.0, Look(), fov=10.0))
    idx, w = cm.segments(keys, np.linspace(0.0, 4.0, 9))
    got = cm.fov_between(keys, idx, w)
    ta, tb = math.tan(math.radians(30.0)), math.tan(math.radians(5.0))
    want = [2 * math.degrees(math.atan(ta ** (1 - x) * tb**x)) for x in np.linspace(0, 1, 9)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[0] == 60.0 and got[-1] == 10.0


def test_exposure_moves_linearly_in_stops():
    a = Exposure(iso=800.0, shutter_s=0.5, f_number=1.4)
    b = Exposure(iso=12800.0, shutter_s=0.125, f_number=2.8)
    for x in (0.25, 0.5, 0.9):
        got = cm.exposure_between(a, b, x)
        assert ev100(got) == pytest.approx(ev100(a) + x * (ev100(b) - ev100(a)), abs=1e-12)
        assert got.ev100 is None
        assert got.iso == pytest.approx(800.0 * 16.0**x)
    given = cm.exposure_between(a, Exposure(ev100=2.0), 0.5)
    assert given.ev100 == pytest.approx(0.5 * (ev100(a) + 2.0))
    assert cm.exposure_between(a, b, 0.0) is a and cm.exposure_between(a, b, 1.0) is b


# ---------------------------------------------------------------------------
# The keyframed timeline
# ---------------------------------------------------------------------------


def test_timeline_on_a_key_is_that_keys_still_camera():
    base = make_scene(orbit=ISS, speed=10.0, duration_s=10.0)
    look = Look(azimuth_deg=40.0, elevation_deg=-10.0, roll_deg=5.0)
    scene = keyed(base, key(3.0, look, fov=35.0, ease="smooth", iso=1600.0), key(7.0, Look()))
    still = replace(base, camera=replace(base.camera, look=look, fov_deg=35.0))
    tl = timeline.build_timeline(scene, np.array([30.0]))
    ref = timeline.build_timeline(still, np.array([30.0]))
    for name in ("camera_right", "camera_up", "camera_forward"):
        assert np.array_equal(getattr(tl, name), getattr(ref, name)), name
    assert tl.fov_deg is not None and tl.fov_deg[0] == 35.0
    assert tl.exposures is not None and tl.exposures[0].iso == 1600.0


def test_timeline_is_a_function_of_each_instant_alone():
    scene = keyed(
        make_scene(orbit=ISS, speed=10.0),
        key(2.0, Look(azimuth_deg=300.0, elevation_deg=-80.0), ease="ease-in"),
        key(6.0, Look(target=GroundTarget(45.0, 60.0), offset_elevation_deg=5.0), fov=20.0),
    )
    sim = np.array([5.0, 33.3, 47.0, 61.0, 99.0])
    whole = timeline.build_timeline(scene, sim)
    for i, s in enumerate(sim):
        one = timeline.build_timeline(scene, sim[i : i + 1])
        for name in ("camera_forward", "camera_up", "camera_spin_rad_s", "fov_deg"):
            assert np.array_equal(getattr(whole, name)[i], getattr(one, name)[0]), (name, s)


@pytest.mark.parametrize(("speed", "span_s", "at_s"), [(10.0, 9.0, 4.5), (1.0, 0.5, 0.3)])
def test_a_pans_turning_rate_is_in_the_spin(speed, span_s, at_s):
    # 0 -> 90 deg of azimuth in span_s of video, linear: a long slow pan at 10x, and a
    # half-second whip at 1x that a coarse difference would average away.
    base = make_scene(orbit=EQUATORIAL, speed=speed)
    scene = keyed(
        base,
        key(0.0, Look(azimuth_deg=0.0, elevation_deg=0.0)),
        key(span_s, Look(azimuth_deg=90.0, elevation_deg=0.0)),
    )
    sim = np.array([at_s * speed])
    tl = timeline.build_timeline(scene, sim)
    still = timeline.build_timeline(base, sim)
    orbit_rate = np.linalg.norm(still.camera_spin_rad_s[0])
    pan_rate = math.radians(90.0) / (span_s * speed)
    # The pan turns about the local vertical, the orbit about the orbit normal: at right
    # angles, so the rates add in quadrature.
    got = np.linalg.norm(tl.camera_spin_rad_s[0])
    assert got == pytest.approx(math.hypot(pan_rate, orbit_rate), rel=1e-4)


def ground_gcrs(tl: timeline.Timeline, target: GroundTarget) -> np.ndarray:
    """The target on the ellipsoid, GCRS km at the timeline's first instant (WGS84 by
    the textbook formula, rotated with the timeline's own Earth orientation)."""
    ground = geodetic_to_itrs(target.lat_deg, target.lon_deg, 0.0)
    return tl.itrs_from_gcrs[0].T @ ground


def test_target_offsets_put_the_target_off_centre_by_the_offset():
    target = GroundTarget(lat_deg=45.92, lon_deg=63.342)
    f = (W / 2) / math.tan(math.radians(FOV) / 2)
    for d_el in (0.0, 7.5, -4.0):
        scene = make_scene(orbit=ISS, look=Look(target=target, offset_elevation_deg=d_el))
        tl = timeline.build_timeline(scene, np.array([120.0]))
        px, py = pinhole(tl, 0, ground_gcrs(tl, target))
        assert px == pytest.approx(W / 2, abs=1e-6)
        assert py == pytest.approx(H / 2 - f * math.tan(math.radians(d_el)), abs=1e-6)


def test_motion_blur_sub_frames_sample_the_pan():
    # A linear pan about the local vertical at 1 deg per simulated second, a 360 deg
    # shutter at 10x and 30 fps: the sub-frames span 1/3 s of simulated time.
    base = make_scene(orbit=EQUATORIAL, speed=10.0, blur=MotionBlur(5, 360.0))
    scene = keyed(
        base,
        key(0.0, Look(azimuth_deg=0.0, elevation_deg=0.0)),
        key(9.0, Look(azimuth_deg=90.0, elevation_deg=0.0)),
    )
    sub = timeline.subframe_sim_seconds(scene, 60)
    tl = timeline.build_timeline(scene, sub)
    up, fwd, right = timeline.local_frame(tl.camera_pos_km, tl.camera_vel_km_s)
    az = cm.azel_roll((tl.camera_right, tl.camera_up, tl.camera_forward), (up, fwd, right))[:, 0]
    np.testing.assert_allclose(az, sub * 1.0, atol=1e-9)  # 1 deg per simulated second


def test_a_keyframed_shutter_sets_each_instants_exposure_window():
    # At 10x and 30 fps frames are 1/3 simulated second apart: a 0.5 s shutter is cut to
    # that, 1/4 s (half way in log shutter) and 1/8 s are not.
    base = make_scene(orbit=ISS, speed=10.0)
    scene = keyed(
        base,
        key(0.0, Look(), shutter_s=0.5),
        key(4.0, Look(), shutter_s=0.125),
    )
    tl = timeline.build_timeline(scene, np.array([0.0, 20.0, 40.0]))
    np.testing.assert_allclose(tl.exposure_s, [1.0 / 3.0, 0.25, 0.125], rtol=1e-12)
    assert tl.exposures is not None
    assert [e.shutter_s for e in tl.exposures] == pytest.approx([0.5, 0.25, 0.125], rel=1e-12)
