"""A keyframed camera drawn: on a key the frame is that key's still, and a fast pan
streaks the stars as a turning camera does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from renderer.frame_state import View
from renderer.output.frames import frame_states, render_still
from renderer.passes.compositor import Compositor
from renderer.passes.stars import streak_samples
from renderer.scene import Keyframe, Look, Scene, load_scene, with_overrides

SCENES = Path(__file__).resolve().parents[2] / "scenes"
W, H = 96, 54


def nile_pan() -> Scene:
    return with_overrides(load_scene(SCENES / "nile-pan.toml"), width=W, height=H)


def static_at(scene: Scene, key: Keyframe) -> Scene:
    """The scene with the key's look, field of view and exposure as its fixed camera."""
    cam = replace(
        scene.camera, look=key.look, fov_deg=key.fov_deg, exposure=key.exposure, keyframes=()
    )
    return replace(scene, camera=cam)


def video_frames(ctx, scene: Scene, frames: range) -> np.ndarray:
    """The frames as the video's loop draws them, one compositor for the run."""
    out = scene.output
    comp = Compositor(ctx, scene, View(out.width, out.height, scene.camera.fov_deg))
    try:
        images = []
        for number, states in zip(frames, frame_states(scene, frames), strict=True):
            comp.render(states, number)
            images.append(np.frombuffer(comp.read_rgb(), np.uint8).reshape(H, W, 3))
    finally:
        comp.release()
    return np.stack(images)


def test_a_frame_on_a_key_is_that_keys_still(ctx):
    scene = nile_pan()
    fps, speed = scene.output.fps, scene.time.speed
    keys = [k for k in scene.camera.keyframes if round(k.t_s * fps) < scene.output.frame_count]
    assert len(keys) >= 2
    for key in keys:
        k = round(key.t_s * fps)
        # Frames before the key come first: the compositor has followed the zoom.
        got = video_frames(ctx, scene, range(k - 6, k + 1))[-1]
        want = render_still(static_at(scene, key), k * speed / fps, ctx=ctx)
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= 1, (key.t_s, diff.max())
        assert want.mean() > 5.0  # lights, airglow: not a black frame


def test_the_pan_moves_the_picture(ctx):
    # Without the sensor's noise, which differs from frame to frame by itself.
    scene = nile_pan()
    scene = replace(scene, camera=replace(scene.camera, noise=None))
    held = static_at(scene, scene.camera.keyframes[0])
    # 10 s into the video, half way up the tilt: against the camera held on Cairo.
    (panned,) = video_frames(ctx, scene, range(300, 301))
    (still,) = video_frames(ctx, held, range(300, 301))
    (later,) = video_frames(ctx, scene, range(330, 331))
    assert np.abs(panned.astype(int) - still.astype(int)).mean() > 2.0
    assert np.abs(panned.astype(int) - later.astype(int)).mean() > 2.0


def test_a_fast_pan_streaks_the_stars():
    scene = nile_pan()
    view = View(W, H, 40.0)
    ahead = Look(azimuth_deg=0.0, elevation_deg=0.0)
    behind = Look(azimuth_deg=170.0, elevation_deg=0.0)
    cam = scene.camera
    keys = (
        Keyframe(0.0, ahead, 40.0, cam.exposure, "linear"),
        Keyframe(1.0, behind, 40.0, cam.exposure),
    )
    fast = replace(scene, camera=replace(cam, keyframes=keys))
    slow = replace(scene, camera=replace(cam, look=ahead, keyframes=()))
    (moving,) = next(frame_states(fast, range(15, 16)))
    (held,) = next(frame_states(slow, range(15, 16)))
    # 170 deg in 8 simulated seconds over a 0.267 s shutter: 5.7 deg, some 70 px here.
    assert streak_samples(moving, view) >= 32 > 4 >= streak_samples(held, view)
