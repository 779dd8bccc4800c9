"""The preview's logic without a window: playback, steering, TOML, sizes, file watching."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from renderer.frame_state import View
from renderer.preview.controls import (
    SPEEDS,
    LookEdit,
    Playback,
    azel_of,
    keyframe_toml,
    look_at,
    look_toml,
)
from renderer.preview.inputs import SceneWatch
from renderer.preview.keys import BINDINGS, CHAR_COMMANDS, controls_help
from renderer.preview.size import MIN_INTERNAL_WIDTH, AdaptiveSize, default_window_size, letterbox
from renderer.scene import loads_scene
from renderer.timeline import build_timeline, local_frame, look_azel
from tests.preview.conftest import REPO
from tests.preview.earth_in_image import DAY_SCENE


def test_playback_advances_at_video_speed_and_loops():
    pb = Playback(frame_count=20, fps=10.0)
    pb.advance(0.35)  # 3.5 frames of wall time
    assert pb.frame == 3
    pb.set_speed(+1)  # 2x
    pb.advance(0.5)
    assert pb.frame == 13
    pb.advance(1.0)  # 20 more frames at 2x: loops round to the same frame
    assert pb.frame == 13 and 0 <= pb.position < 20


def test_playback_steps_pause_and_seeks_clamp():
    pb = Playback(frame_count=20, fps=10.0, position=5.7)
    pb.step(1)
    assert (pb.frame, pb.paused) == (6, True)
    pb.step(-10)
    assert pb.frame == 0
    pb.paused = False
    pb.seek(1.0)
    assert pb.frame == 10 and not pb.paused
    pb.seek(5.0)
    assert pb.frame == 19
    pb.advance(10.0)  # paused: nothing moves
    pb.paused = True
    pb.advance(10.0)
    assert pb.frame == 19
    for _ in range(20):
        pb.set_speed(-1)
    assert pb.speed == SPEEDS[0] == 0.125
    for _ in range(20):
        pb.set_speed(+1)
    assert pb.speed == SPEEDS[-1] == 8.0


def test_playback_rescale_keeps_the_video_time():
    pb = Playback(frame_count=20, fps=10.0, position=15.0)
    pb.rescale(frame_count=60, fps=30.0)
    assert pb.frame == 45
    pb.rescale(frame_count=5, fps=30.0)
    assert pb.frame == 4


def test_azel_of_inverts_look_azel():
    rng = np.random.default_rng(7)
    for _ in range(50):
        pos = rng.normal(size=3) * 6800.0
        vel = np.cross(pos, rng.normal(size=3))
        az, el = rng.uniform(0, 360), rng.uniform(-89, 89)
        up, fwd, right = local_frame(pos[None], vel[None])
        _, _, d = look_azel(up, fwd, right, az, el)
        got_az, got_el = azel_of(pos, vel, d[0])
        assert abs((got_az - az + 180) % 360 - 180) < 1e-9 and abs(got_el - el) < 1e-9


@pytest.mark.parametrize("roll", [0.0, 25.0, -90.0])
def test_drag_keeps_the_centre_point_under_the_pointer(roll):
    """After a drag of (dx, dy) the direction seen at the image centre before lies
    (dx, dy) pixels away, as the pinhole projects it with the new look."""
    pos = np.array([6786.0, 0.0, 0.0])
    vel = np.array([0.0, 4.8, 6.0])
    up, fwd, right = local_frame(pos[None], vel[None])
    view = View(320, 180, 60.0)
    for dx, dy in ((32.0, 0.0), (0.0, 16.0), (-50.0, -20.0), (3.0, -2.0)):
        look = LookEdit()
        look.drag(dx, dy, view.focal_px, start_azel=(10.0, -20.0), roll_deg=roll)
        _, _, before = look_azel(up, fwd, right, 10.0, -20.0, roll)
        r, u, f = look_azel(up, fwd, right, look.azimuth_deg, look.elevation_deg, roll)
        x, y = view.project(before[0], r[0], u[0], f[0])
        # Along the unrolled image's axes the point follows exactly; an azimuth turn away
        # from the horizon also lifts it a little (it moves along a circle of equal
        # elevation), and the two turns of a diagonal drag are about different axes.
        assert math.hypot(x - (160 + dx), y - (90 + dy)) < 0.05 * math.hypot(dx, dy), (
            roll,
            dx,
            dy,
            x,
            y,
        )
        if roll == 0.0 and dy == 0.0:
            assert abs(x - (160 + dx)) < 1e-6
        if roll == 0.0 and dx == 0.0:
            assert abs(x - 160) < 1e-6 and abs(y - (90 + dy)) < 1e-6


def test_drag_and_zoom_clamp():
    look = LookEdit()
    look.drag(0, -1e6, 277.0, start_azel=(0.0, 0.0))
    assert look.elevation_deg == pytest.approx(-90.0, abs=0.1)
    look.drag(0, -1e6, 277.0, start_azel=(0.0, 0.0))
    assert look.elevation_deg == -90.0  # clamped, not past the nadir
    look.drag(1e6, 0, 277.0, start_azel=(0.0, 0.0))  # at the nadir: atan(t) ~ 90 deg
    assert look.azimuth_deg == pytest.approx(270.0, abs=0.1)
    look.zoom(1, 60.0)
    assert look.fov_deg == pytest.approx(54.0)
    look.zoom(-100, 60.0)
    assert look.fov_deg == 170.0
    look.zoom(100, 60.0)
    assert look.fov_deg == 1.0
    look.reset()
    assert not look.turned and look.fov_deg is None


def test_steered_scene_prints_as_toml_that_loads_to_the_same_camera():
    scene = loads_scene(DAY_SCENE)
    look = LookEdit()
    look.drag(-100, 37, 277.0, (scene.camera.look.azimuth_deg, scene.camera.look.elevation_deg))
    look.zoom(3, 60.0)
    steered = look.apply(scene)
    assert steered.camera.look.target is None and steered.camera.look.roll_deg == 0.0
    text = look_toml(steered, "test")
    pasted = (
        DAY_SCENE.replace("[camera]\nfov_deg = 60\n", "").replace(
            "[camera.look]\nazimuth_deg = 0\nelevation_deg = -20\n", ""
        )
        + "\n"
        + text
    )
    again = loads_scene(pasted)
    assert again.camera.fov_deg == pytest.approx(steered.camera.fov_deg, abs=5e-4)
    assert again.camera.look.azimuth_deg == pytest.approx(look.azimuth_deg, abs=5e-4)
    assert again.camera.look.elevation_deg == pytest.approx(look.elevation_deg, abs=5e-4)
    assert again.camera.orbit == scene.camera.orbit and again.output == scene.output


def test_target_look_prints_its_target():
    text = DAY_SCENE.replace(
        "azimuth_deg = 0\nelevation_deg = -20",
        "target = { lat_deg = 25.5, lon_deg = 32.25 }\nroll_deg = 5",
    )
    scene = loads_scene(text)
    out = look_toml(scene)
    assert "target = { lat_deg = 25.5, lon_deg = 32.25 }" in out and "roll_deg = 5" in out
    assert "azimuth_deg" not in out


def test_adaptive_size_halves_when_slow_and_recovers_when_fast():
    a = AdaptiveSize(budget_s=0.1)
    vp = (1280, 720)
    assert a.internal(vp) == (1280, 720) and not a.lowered(vp)
    changes = [a.record(0.4, vp) for _ in range(3)]
    assert changes == [False, False, True] and a.internal(vp) == (640, 360) and a.lowered(vp)
    for _ in range(30):
        a.record(0.4, vp)
    assert a.internal(vp) == (MIN_INTERNAL_WIDTH, 90)  # the floor, however slow
    # A frame time within budget but not 8x under it: stays.
    for _ in range(10):
        assert not a.record(0.03, vp)
    for _ in range(30):
        a.record(0.001, vp)
    assert a.internal(vp) == vp


def test_window_size_keeps_the_scene_aspect():
    assert default_window_size(1920, 1080) == (1280, 720)
    assert default_window_size(320, 180) == (640, 360)
    assert default_window_size(1000, 1000) == (720, 720)
    assert default_window_size(1920, 1080, width=400) == (400, 225)
    assert letterbox(800, 450, 16 / 9) == (0, 0, 800, 450)
    assert letterbox(1000, 450, 16 / 9) == (100, 0, 800, 450)
    assert letterbox(800, 600, 16 / 9) == (0, 75, 800, 450)


def test_scene_watch_reports_a_change_once_it_has_settled(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("a")
    watch = SceneWatch(path)
    t = 0.0
    assert not watch.poll(t)
    path.write_text("ab")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    t += 1.0
    assert not watch.poll(t)  # changed: wait one poll to see that it holds still
    t += 1.0
    assert watch.poll(t)
    t += 1.0
    assert not watch.poll(t)  # reported once
    path.unlink()
    t += 1.0
    watch.poll(t)
    t += 1.0
    assert watch.poll(t)  # a deleted file is a change too (the reload then reports it)


def test_every_control_is_in_the_help_and_the_readme():
    help_text = controls_help()
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Preview", 1)[1].split("\n## ", 1)[0]
    for b in BINDINGS:
        assert b.keys in help_text and b.does in help_text
        for key in re.split(r",\s*", b.keys):
            assert f"`{key}`" in section, f"README's Preview section lacks {key}"
    assert set(CHAR_COMMANDS.values()) <= {
        c for b in BINDINGS for c in re.split(r"\s*\|\s*", b.command)
    }


def test_help_lists_the_controls():
    from renderer.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["preview"]
    text = sub.format_help()
    for b in BINDINGS:
        assert b.keys in text


def test_headless_commands_never_import_the_window_library(tmp_path):
    code = (
        "import sys\n"
        "from renderer.cli import main\n"
        f"assert main(['still', {str(REPO / 'scenes' / 'quick.toml')!r}, '-o', "
        f"{str(tmp_path / 'x.png')!r}, '--width', '64', '--height', '36', '--quiet']) == 0\n"
        f"assert main(['render', {str(REPO / 'scenes' / 'quick.toml')!r}, '-o', "
        f"{str(tmp_path / 'x.mp4')!r}, '--width', '64', '--height', '36', '--duration', "
        "'0.3', '--quiet']) == 0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('glfw', 'moderngl_window')\n"
        "       or m in ('renderer.preview.window', 'renderer.preview.controls')]\n"
        "assert not bad, bad\n"
    )
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "x.png").stat().st_size > 0 and (tmp_path / "x.mp4").stat().st_size > 0


def test_first_drag_from_a_target_look_starts_where_the_target_look_points():
    """A target look turned into azimuth/elevation (drag by zero) keeps the camera basis."""
    from renderer.timeline import build_timeline

    text = DAY_SCENE.replace(
        "azimuth_deg = 0\nelevation_deg = -20",
        "target = { lat_deg = 25.0, lon_deg = 33.0 }\nroll_deg = 10",
    )
    scene = loads_scene(text)
    tl = build_timeline(scene, np.array([5.0]))
    az, el = azel_of(tl.camera_pos_km[0], tl.camera_vel_km_s[0], tl.camera_forward[0])
    look = LookEdit()
    look.drag(0.0, 0.0, 277.0, start_azel=(az, el), roll_deg=10.0)
    steered = build_timeline(look.apply(scene), np.array([5.0]))
    for axis in ("camera_forward", "camera_right", "camera_up"):
        assert np.allclose(getattr(steered, axis), getattr(tl, axis), atol=1e-9), axis


PAN_KEYS = """
[[camera.keyframe]]
t_s = 0.4
ease = "linear"

[[camera.keyframe]]
t_s = 1.6
azimuth_deg = 70
elevation_deg = -50
roll_deg = 10
fov_deg = 40
"""


@pytest.mark.parametrize("video_s", [0.2, 0.4, 0.9, 1.6, 1.9])
def test_printed_keyframe_pastes_to_the_camera_shown(video_s):
    """``k`` on a keyframed scene: the printed key, pasted into the scene without its
    keys, gives at that instant the camera basis and field of view that were shown."""
    scene = loads_scene(DAY_SCENE + PAN_KEYS)
    sim = np.array([video_s * scene.time.speed])
    shown = build_timeline(scene, sim)
    basis = (shown.camera_right[0], shown.camera_up[0], shown.camera_forward[0])
    look, fov = look_at(scene, video_s, shown.camera_pos_km[0], shown.camera_vel_km_s[0], basis)
    text = keyframe_toml(look, fov, video_s, "test")
    assert text.splitlines().count("[[camera.keyframe]]") == 1 and f"t_s = {video_s:g}\n" in text
    pasted = loads_scene(DAY_SCENE + "\n" + text)
    again = build_timeline(pasted, sim)
    for name in ("camera_right", "camera_up", "camera_forward"):
        np.testing.assert_allclose(getattr(again, name), getattr(shown, name), atol=2e-5)
    assert again.fov_deg is not None and shown.fov_deg is not None
    assert again.fov_deg[0] == pytest.approx(shown.fov_deg[0], abs=5e-4)
