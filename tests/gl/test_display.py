"""The camera's display rendering (``[camera] tone``): sensor values to 8-bit codes, measured
from the post pass's pixels against independent CPU implementations written here.

The references share no code with the shader or with renderer/physics/camera.py: the
sRGB encoding is written from IEC 61966-2-1, the camera rendering from its description
(black point 0.0002, sRGB, S-curve 0.08), the filmic curve from Hable's published
constants.
"""

from __future__ import annotations

import numpy as np
import pytest

from renderer.gl.context import bind_default_framebuffer
from renderer.passes.post import PostPass
from renderer.physics.camera import saturation_luminance
from renderer.scene import Camera, Exposure

EXPOSURE = Exposure(iso=12800, shutter_s=0.5, f_number=1.4)  # the flagship's


def srgb(c: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1: 12.92 c below 0.0031308, else 1.055 c^(1/2.4) - 0.055."""
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def camera_reference(x: np.ndarray) -> np.ndarray:
    """The camera rendering, written from its description: codes 0 to 255 (unrounded)."""
    b, s = 0.0002, 0.08
    v = srgb((np.asarray(x, dtype=np.float64) - b) / (1 - b))
    return 255.0 * (v - s * v * (1 - v) * (1 - 2 * v))


def filmic_reference(x: np.ndarray) -> np.ndarray:
    """Hable's curve (A..F = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30), white 11.2 at x = 1."""

    def f(z):
        a, b, c, d, e, g = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
        return (z * (a * z + c * b) + d * e) / (z * (a * z + b) + d * g) - e / g

    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return 255.0 * srgb(f(x * 11.2) / f(11.2))


def render_codes(ctx, x: np.ndarray, tone: str = "camera") -> np.ndarray:
    """8-bit codes of the post pass (no dither, no noise, no glare) for sensor values
    ``x`` (1 = saturation), one value per pixel of a row, grey (equal channels)."""
    w = x.size
    img = np.zeros((1, w, 4), np.float32)
    img[0, :, :3] = (x * saturation_luminance(EXPOSURE))[:, None]
    tex = ctx.texture((w, 1), 4, img.tobytes(), dtype="f4")
    target = ctx.texture((w, 1), 4)
    fbo = ctx.framebuffer(color_attachments=[target])
    camera = Camera(orbit=None, exposure=EXPOSURE, bloom=None, tone=tone)
    post = PostPass(ctx, camera, dither=False)
    try:
        fbo.use()
        post.draw(tex, 0, 1)
        return np.frombuffer(fbo.read(components=3), np.uint8).reshape(w, 3).astype(float)
    finally:
        bind_default_framebuffer(ctx)
        for obj in (fbo, target, tex):
            obj.release()
        post.release()


# Log-spaced from far below the black point to past saturation, and the four.
X = np.concatenate([np.geomspace(1e-5, 3.0, 400), [0.001, 0.01, 0.04, 0.10]])


def test_camera_rendering_matches_its_independent_reference(ctx):
    codes = render_codes(ctx, X)
    assert (codes == codes[:, :1]).all()  # grey stays grey
    ref = camera_reference(X)
    # Rounding to 8 bits on the GPU, plus float32 in the shader: one code at most.
    assert np.abs(codes[:, 0] - ref).max() <= 1.0, np.abs(codes[:, 0] - ref).max()
    assert codes[X <= 0.0002, 0].max() == 0  # the black point: below it, black
    assert (codes[X >= 1.0] == 255).all()  # white clips at saturation, as the sensor does


def test_camera_rendering_is_srgb_with_a_mild_s_curve(ctx):
    # Against the plain sRGB encoding of the sensor value: within 10 % wherever the code
    # is 13 or more (x >= 0.005), within 2 codes below that (one more for the rounding
    # to 8 bits), a few per cent of mid-tone contrast, and monotonic.
    codes = render_codes(ctx, X)[:, 0]
    plain = 255.0 * srgb(X)
    mid = (X >= 0.005) & (X < 1.0)
    assert np.abs(camera_reference(X[mid]) / plain[mid] - 1).max() <= 0.10
    assert (np.abs(codes[mid] - plain[mid]) <= 0.10 * plain[mid] + 1.0).all()
    assert np.abs(codes[X < 0.005] - plain[X < 0.005]).max() <= 3.0
    order = np.argsort(X)
    assert (np.diff(codes[order]) >= 0).all()
    # The slope at mid-grey is steeper than sRGB's, by a few per cent (a mild S).
    x0 = np.array([0.17, 0.19])
    ours = np.diff(camera_reference(x0))[0]
    srgb_slope = np.diff(255.0 * srgb(x0))[0]
    assert 1.0 < ours / srgb_slope < 1.1


def test_dark_sensor_values_get_a_cameras_codes(ctx):
    # Sensor fractions 0.001, 0.01, 0.04, 0.10 came out as 14, 58, 110, 156
    # under the filmic curve, where a camera's sRGB rendering gives about 3, 25, 56, 89.
    x = np.array([0.001, 0.01, 0.04, 0.10])
    camera = render_codes(ctx, x)[:, 0]
    np.testing.assert_allclose(camera[1:], [25.5, 56.3, 89.0], rtol=0.15)
    assert camera[0] <= 4
    filmic = render_codes(ctx, x, tone="filmic")[:, 0]
    np.testing.assert_allclose(filmic, [14, 58, 110, 156], atol=1)
    np.testing.assert_allclose(filmic, filmic_reference(x), atol=1)


@pytest.mark.parametrize("tone", ["camera", "filmic"])
def test_both_renderings_reach_white_at_saturation_and_black_at_zero(ctx, tone):
    codes = render_codes(ctx, np.array([0.0, 1.0, 50.0]), tone=tone)[:, 0]
    assert list(codes) == [0, 255, 255]
