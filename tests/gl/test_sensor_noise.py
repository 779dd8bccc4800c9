"""Sensor noise as a Bayer sensor makes it: per raw channel, through the colour matrix,
binned to the output pixel, with hot pixels fixed by the seed.  Measured from the post
pass's pixels against predictions computed here from the shipped camera data
(assets/camera_response.json, read directly)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from renderer.assets import asset_path
from renderer.gl.context import bind_default_framebuffer
from renderer.passes.post import PostPass
from renderer.physics.camera import saturation_luminance
from renderer.scene import Camera, Exposure, Noise


def camera_data() -> tuple[np.ndarray, np.ndarray]:
    """(M: white-balanced raw -> linear sRGB, g: raw gain of each channel relative to the
    largest), from the shipped JSON."""
    data = json.loads(asset_path("camera_response.json").read_text())
    white = np.asarray(data["white_raw_d65"], dtype=np.float64)
    return np.asarray(data["matrix_raw_to_linear_srgb"], dtype=np.float64), white / white.max()


def frame(ctx, x, *, iso=1600, size=128, frame_index=0, **noise) -> np.ndarray:
    """8-bit output (float, H x W x 3) of a uniform grey field at sensor value ``x``."""
    exposure = Exposure(iso=iso, shutter_s=0.5, f_number=1.4)
    img = np.zeros((size, size, 4), np.float32)
    img[..., :3] = x * saturation_luminance(exposure)
    tex = ctx.texture((size, size), 4, img.tobytes(), dtype="f4")
    target = ctx.texture((size, size), 4)
    fbo = ctx.framebuffer(color_attachments=[target])
    camera = Camera(orbit=None, exposure=exposure, bloom=None, noise=Noise(**noise))
    post = PostPass(ctx, camera, dither=False)
    try:
        fbo.use()
        post.draw(tex, frame_index, size)
        return np.frombuffer(fbo.read(components=3), np.uint8).reshape(size, size, 3) * 1.0
    finally:
        bind_default_framebuffer(ctx)
        for obj in (fbo, target, tex):
            obj.release()
        post.release()


def test_noise_is_per_raw_channel_and_coloured_by_the_colour_matrix(ctx):
    # Grey at x = 0.3, ISO 1600, one photosite per pixel.  Raw r = M^-1 x; channel c
    # collects e = r g FW electrons; sigma = sqrt(e + R^2) / (g FW) per raw channel,
    # independent; in sRGB the covariance is M diag(sigma^2) M^T: red noisier than
    # green (white-balance gain), and the channels anti-correlated (chroma noise).  At
    # one operating point every channel has the same tone-curve slope, so the codes'
    # correlations and std ratios are those of the linear values.
    m, g = camera_data()
    fw, read = 60000.0 * 100 / 1600, 2.5
    r = np.linalg.solve(m, np.full(3, 0.3))
    sigma = np.sqrt(r * g * fw + read**2) / (g * fw)
    cov = m @ np.diag(sigma**2) @ m.T
    sd = np.sqrt(np.diag(cov))
    img = frame(ctx, 0.3, size=256, sensor_width_px=256, hot_pixel_fraction=0.0)
    flat = img.reshape(-1, 3)
    measured = np.corrcoef(flat.T)
    np.testing.assert_allclose(measured, cov / np.outer(sd, sd), atol=0.04)
    assert measured[1, 2] < -0.4  # green against blue: chroma noise, not grey grain
    np.testing.assert_allclose(flat.std(axis=0) / flat[:, 1].std(), sd / sd[1], rtol=0.06)


def test_an_output_pixel_gathers_the_photosites_of_the_sensor_scaled_to_it(ctx):
    # A sensor twice the frame's width puts four photosites in each output pixel: twice
    # the signal-to-noise ratio, half the noise.
    one = frame(ctx, 0.3, sensor_width_px=128, hot_pixel_fraction=0.0)
    four = frame(ctx, 0.3, sensor_width_px=256, hot_pixel_fraction=0.0)
    assert one.std() / four.std() == pytest.approx(2.0, rel=0.06)


def test_hot_pixels_are_fixed_by_the_camera_seed_and_coloured(ctx):
    # A black field at ISO 12800, no read noise: only hot photosites show.  0.2 % of
    # them, dark charge 100 e-/s on average over 0.5 s, against a full well of 469 e-.
    kw = dict(iso=12800, size=256, sensor_width_px=256, read_noise_e=0.0)
    kw |= dict(hot_pixel_fraction=0.002, seed=3)
    a, b = frame(ctx, 0.0, **kw), frame(ctx, 0.0, frame_index=1, **kw)
    lit_a, lit_b = a.max(axis=-1) > 10, b.max(axis=-1) > 10
    n = 256 * 256 * 0.002
    # Exponential charges: a few are too faint to pass 10 codes.
    assert 0.6 * n < lit_a.sum() < 1.2 * n
    assert (lit_a == lit_b).mean() > 0.999  # the same pixels in every frame
    other = frame(ctx, 0.0, **(kw | dict(seed=4)))
    assert (lit_a & (other.max(axis=-1) > 10)).sum() < 0.1 * lit_a.sum()  # another camera
    # One raw channel through the colour matrix: a strongly coloured dot, not a grey one.
    hot = a[lit_a]
    assert (hot.min(axis=-1) < 0.6 * hot.max(axis=-1)).mean() > 0.9
    assert a[~lit_a].max() <= 10


def test_a_night_frame_has_grain_that_changes_each_frame_and_repeats_exactly(ctx):
    # The flagship at half size, 40 s into its video: high ISO turns the noise on by
    # default.  Off the stars (where the same frame without noise is black), the sky
    # shimmers by more than a code; the next frame's grain is another; the same frame
    # rendered twice is the same, to the bit.
    from renderer.output.frames import render_still
    from renderer.scene import load_scene
    from tests.cli.conftest import SCENES

    scene = load_scene(SCENES / "progress-ms10.toml")
    assert scene.camera.noise is not None
    scene = replace(scene, output=replace(scene.output, width=960, height=540))
    t = 40.0 * scene.time.speed
    step = scene.time.speed / scene.output.fps  # one frame later
    clean = render_still(replace(scene, camera=replace(scene.camera, noise=None)), t, ctx=ctx)
    a, again = render_still(scene, t, ctx=ctx), render_still(scene, t, ctx=ctx)
    b = render_still(scene, t + step, ctx=ctx)
    sky = clean.max(axis=-1) == 0
    assert sky.mean() > 0.2
    assert a[sky].astype(float).std() >= 1.0
    assert np.array_equal(a, again)
    assert (a[sky] != b[sky]).any(axis=-1).mean() > 0.5
