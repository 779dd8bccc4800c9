"""The preview window on a real X server: what it shows, and the keys and mouse driving it."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from renderer.output.frames import render_still
from renderer.scene import load_scene
from tests.preview.earth_in_image import assert_day_earth, luminance, write_day_scene


def centre_follow_turn(dx: float, width: int, fov_deg: float, elevation_deg: float) -> float:
    """Azimuth turn (deg) after which the point seen at the centre lies dx px to the right.

    A direction at elevation e, D degrees of azimuth off the view axis, projects to
    x = f cos e sin D / (cos^2 e cos D + sin^2 e); solved for D by bisection.
    """
    f = 0.5 * width / math.tan(math.radians(fov_deg) / 2.0)
    e = math.radians(elevation_deg)

    def x(d: float) -> float:
        return f * math.cos(e) * math.sin(d) / (math.cos(e) ** 2 * math.cos(d) + math.sin(e) ** 2)

    lo, hi = 0.0, math.pi / 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if x(mid) < dx else (lo, mid)
    return math.degrees(lo)


def test_window_shows_the_frame_render_draws(preview, ctx, artifacts, tmp_path):
    """Paused, stepped to frame 2, HUD off: the X server's copy of the window is the Earth,
    and it is the frame `orbitlapse still` renders for that instant."""
    scene_path = write_day_scene(tmp_path)
    p = preview(scene_path, "--paused", "--width", "320")
    status = p.status()
    assert status["framebuffer"] == [320, 180], "window not at the scene's 16:9 aspect"
    assert status["paused"] and status["frame"] == 0
    p.request("step 1")
    p.request("step 1")
    p.request("hud")
    status = p.sync()
    assert status["frame"] == 2 and status["paused"] and not status["hud"]
    assert status["utc"].startswith("2018-11-16T10:00:02")  # speed 10, 10 fps: 1 s a frame

    shot = p.grab()
    Image.fromarray(shot).save(artifacts / "preview_window_frame2.png")
    assert shot.shape == (180, 320, 3)
    assert_day_earth(shot, "window screenshot")

    scene = load_scene(scene_path)
    still = render_still(scene, scene.sim_seconds(2), ctx=ctx)
    diff = np.abs(shot.astype(np.int16) - still.astype(np.int16))
    Image.fromarray(np.clip(diff * 8, 0, 255).astype(np.uint8)).save(
        artifacts / "preview_window_vs_still_diff.png"
    )
    assert diff.mean() < 1.0 and np.percentile(diff, 99.9) <= 8, (
        f"window differs from `still` of the same frame: mean {diff.mean():.2f}, max {diff.max()}"
    )

    # The framebuffer the preview reads back is what the X server shows.
    gl_shot = p.screenshot(p.cwd / "gl.png")
    assert np.abs(gl_shot.astype(np.int16) - shot.astype(np.int16)).max() <= 1


def test_hud_line_shows_time_frame_altitude_and_size(preview, tmp_path):
    p = preview(write_day_scene(tmp_path), "--paused", "--width", "480")
    p.request("step 3")
    status = p.sync()
    text = " | ".join(status["hud_text"])
    assert "2018-11-16 10:00:03 UTC" in text and "frame 3/19" in text
    # The camera flies 408 km above the equatorial radius over 30 N: about 413 km geodetic.
    alt = float(text.split("alt ")[1].split(" km")[0])
    assert abs(alt - status["altitude_km"]) < 0.05 and 405.0 < alt < 420.0
    assert "internal 480x270" in text and "software GL" in text
    with_hud = p.grab()
    p.request("hud")
    without = p.grab()
    # The text sits top left over black space: it lights pixels there and nowhere else.
    corner = (slice(0, 30), slice(0, 200))
    assert luminance(with_hud[corner]).max() > 200 and luminance(without[corner]).max() < 10
    assert np.abs(with_hud[140:].astype(int) - without[140:].astype(int)).max() == 0


def test_playing_steps_seeks_and_speeds(preview, tmp_path):
    p = preview(write_day_scene(tmp_path), "--width", "320")
    s = p.wait_for(lambda s: s["frame"] >= 2, "playback to reach frame 2")
    assert not s["paused"]
    p.request("pause")
    assert p.sync()["paused"]
    p.request("seek -5")  # wherever it paused (it loops every 2 s): back to the start
    assert p.sync()["frame"] == 0
    p.request("step 3")
    p.request("step -1")
    assert p.sync()["frame"] == 2
    p.request("seek 1")  # one second of a 10 fps video
    assert p.sync()["frame"] == 12
    p.request("seek 5")
    assert p.sync()["frame"] == 19  # the last frame, not past it
    p.request("faster")
    p.request("faster")
    assert p.sync()["speed"] == 4.0
    p.request("slower")
    assert p.sync()["speed"] == 2.0
    p.request("zoom 3")
    assert abs(p.sync()["fov_deg"] - 60.0 * 0.9**3) < 1e-9
    p.request("drag 32 0")  # the view follows the pointer: it turns left
    s = p.sync()
    turn = centre_follow_turn(32, 320, 60.0 * 0.9**3, -20.0)
    assert s["turned"] and abs(s["azimuth_deg"] - (360.0 - turn)) < 1e-6
    p.request("reset")
    s = p.sync()
    assert (s["fov_deg"], s["azimuth_deg"], s["elevation_deg"], s["speed"], s["turned"]) == (
        60.0,
        0.0,
        -20.0,
        1.0,
        False,
    )


def test_real_x_key_and_mouse_events(preview, xdotool_available, ctx, artifacts, tmp_path):
    """xdotool sends real key presses and a mouse drag through the X server."""
    scene_path = write_day_scene(tmp_path)
    p = preview(scene_path, "--paused", "--width", "320")
    s = p.status()
    x, y = s["window_pos"]
    window = str(s["x11_window"])
    p.xdotool("mousemove", "--sync", str(x + 160), str(y + 90))
    p.xdotool("windowfocus", window)

    p.xdotool("key", "space")
    p.wait_for(lambda s: not s["paused"], "space to start playing")
    p.xdotool("key", "space")
    p.wait_for(lambda s: s["paused"], "space to pause")
    p.request("seek -5")  # back to frame 0 (it played for a while, looping)
    p.xdotool("key", "Right")
    p.xdotool("key", "Right")
    p.wait_for(lambda s: s["frame"] == 2, "Right, Right to step two frames")
    p.xdotool("key", "shift+Right")
    p.wait_for(lambda s: s["frame"] == 12, "shift+Right to go on 1 s (10 frames)")
    p.xdotool("key", "Left")
    p.wait_for(lambda s: s["frame"] == 11, "Left to step back")
    p.xdotool("key", "shift+Left")
    s = p.wait_for(lambda s: s["frame"] == 1, "shift+Left to go back 1 s")
    assert s["paused"]
    shown = s["frame"]

    p.xdotool("key", "s")
    name = f"day-frame{shown:05d}.png"
    p.wait_for(lambda s: (p.cwd / name).exists(), f"s to save {name}")
    saved = np.asarray(Image.open(p.cwd / name).convert("RGB"))
    scene = load_scene(scene_path)
    still = render_still(scene, scene.sim_seconds(shown), ctx=ctx)
    assert saved.shape == still.shape == (180, 320, 3)
    assert np.abs(saved.astype(int) - still.astype(int)).mean() < 1.0
    assert_day_earth(saved, "the saved still")

    p.xdotool("key", "h")
    p.wait_for(lambda s: not s["hud"], "h to hide the heads-up line")

    # Drag 40 px to the right: the view follows the pointer, so the look turns left until
    # the point that was at the centre is 40 px right of it (in four steps: within 0.1 deg).
    p.xdotool("mousedown", "1")
    for dx in (10, 20, 30, 40):
        p.xdotool("mousemove", "--sync", str(x + 160 + dx), str(y + 90))
    p.xdotool("mouseup", "1")
    s = p.wait_for(lambda s: s["turned"], "the drag to turn the look")
    turn = centre_follow_turn(40, 320, 60.0, -20.0)
    assert abs(s["azimuth_deg"] - (360.0 - turn)) < 0.1, (s["azimuth_deg"], turn)
    assert abs(s["elevation_deg"] - -20.0) < 1e-6
    Image.fromarray(p.grab()).save(artifacts / "preview_after_drag.png")

    p.xdotool("key", "p")
    printed_az = f"azimuth_deg = {s['azimuth_deg']:.3f}".rstrip("0").rstrip(".")
    p.wait_for(lambda _: any(printed_az in line for line in p.printed), "p to print the look")

    # A window resized by the user keeps the scene's aspect (letterboxed) and draws at
    # the new size.
    p.xdotool("windowsize", "--sync", window, "640", "240")
    s = p.wait_for(lambda s: s["internal"] == [427, 240], "a re-build at the new size")
    assert s["framebuffer"] == [640, 240] and s["viewport"] == [427, 240]
    shot = p.grab()
    assert shot[:, :100].max() < 40 and shot[:, -100:].max() < 40  # grey side bars
    assert_day_earth(shot[:, 107 : 107 + 427], "letterboxed frame")

    p.xdotool("key", "q")
    p.proc.wait(timeout=30)
    assert p.proc.returncode == 0
