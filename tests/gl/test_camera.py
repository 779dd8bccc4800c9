"""The camera and the frame pipeline: YUV on the GPU, motion blur, determinism."""

from __future__ import annotations

from dataclasses import replace

import moderngl
import numpy as np
import pytest

from renderer.frame_state import FrameState, View
from renderer.gl.context import bind_default_framebuffer
from renderer.output.frames import render_still, render_video
from renderer.output.writer import VideoWriter
from renderer.passes.bloom import GLARE_SIGMA_RAD, GLARE_WEIGHT, BloomPass
from renderer.passes.compositor import Compositor, padded_size
from renderer.passes.post import PostPass
from renderer.scene import Bloom, Camera, Exposure, MotionBlur, Noise, load_scene
from renderer.timeline import build_timeline, subframe_sim_seconds
from tests.cli.conftest import SCENES
from tests.video_probe import decode_frames


def bt709_limited(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Independent BT.709 limited-range Y'CbCr of 8-bit R'G'B' (float code values), and
    4:2:0 chroma sited left (co-sited columns, rows averaged), as the H.264 default."""
    c = rgb.astype(np.float64) / 255.0
    ey = 0.2126 * c[..., 0] + 0.7152 * c[..., 1] + 0.0722 * c[..., 2]
    cb = (c[..., 2] - ey) / 1.8556
    cr = (c[..., 0] - ey) / 1.5748
    y = 16 + 219 * ey

    def sub(plane: np.ndarray) -> np.ndarray:
        padded = np.pad(plane, ((0, 0), (1, 1)), mode="edge")
        h = 0.25 * padded[:, 0:-2] + 0.5 * padded[:, 1:-1] + 0.25 * padded[:, 2:]
        h = h[:, 0::2]
        return 0.5 * (h[0::2] + h[1::2])

    return y, 128 + 224 * sub(cb), 128 + 224 * sub(cr)


@pytest.fixture(scope="module")
def quick_scene():
    return load_scene(SCENES / "quick.toml")


def _states(scene, k):
    sub = subframe_sim_seconds(scene, k)
    tl = build_timeline(scene, np.asarray(sub))
    return [FrameState.from_timeline(tl, j) for j in range(len(sub))]


def test_gpu_yuv_planes_match_an_independent_bt709_conversion(ctx, quick_scene):
    w, h = 160, 90
    comp = Compositor(ctx, quick_scene, View(w, h, quick_scene.camera.fov_deg), output="yuv420p")
    try:
        comp.render(_states(quick_scene, 0), 0)
        rgb = np.frombuffer(comp.read_rgb(), np.uint8).reshape(h, w, 3)
        planes = np.frombuffer(comp.yuv.read(), np.uint8)
    finally:
        comp.release()
    y = planes[: w * h].reshape(h, w)
    cb = planes[w * h : w * h * 5 // 4].reshape(h // 2, w // 2)
    cr = planes[w * h * 5 // 4 :].reshape(h // 2, w // 2)
    ry, rcb, rcr = bt709_limited(rgb)
    assert rgb.std() > 20  # a real picture: sky, limb, land and sea
    assert np.abs(y - ry).max() <= 0.51 + 1e-6  # rounding only
    assert np.abs(cb - rcb).max() <= 0.51 + 1e-6
    assert np.abs(cr - rcr).max() <= 0.51 + 1e-6


def test_decoded_video_matches_the_rgb_frame(tmp_path, quick_scene):
    # Encode losslessly (crf 0) through the GPU-planes path, decode with ffmpeg,
    # compare with the RGB frame of the same instant.  Where the colour is
    # uniform over the 4:2:0 filter's reach, every channel is within 2 code
    # values; at sharp colour edges 4:2:0 must lose detail, and there the GPU
    # path loses no more than ffmpeg's own RGB -> Y'CbCr conversion does.
    w, h = 160, 90
    scene = replace(
        quick_scene,
        output=replace(
            quick_scene.output, path=tmp_path / "v.mp4", width=w, height=h, duration_s=0.1, crf=0
        ),
    )
    render_video(scene, quiet=True)
    decoded = decode_frames(tmp_path / "v.mp4", w, h)[0].astype(int)
    rgb8 = render_still(scene, 0.0)
    with VideoWriter(tmp_path / "ffmpeg.mp4", w, h, 10, "h264", 0) as video:
        video.write(rgb8)  # ffmpeg converts this one
    by_ffmpeg = decode_frames(tmp_path / "ffmpeg.mp4", w, h)[0].astype(int)
    rgb = rgb8.astype(int)
    pad = np.pad(rgb, ((2, 2), (2, 2), (0, 0)), mode="edge")
    uniform = np.ones((h, w), bool)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            shifted = pad[2 + dy : 2 + dy + h, 2 + dx : 2 + dx + w]
            uniform &= (np.abs(shifted - rgb) <= 2).all(axis=-1)
    assert uniform.mean() > 0.2, uniform.mean()
    diff = np.abs(decoded - rgb).max(axis=-1)
    assert diff[uniform].max() <= 2, np.percentile(diff[uniform], [50, 99, 100])
    assert diff.mean() <= 1.1 * np.abs(by_ffmpeg - rgb).max(axis=-1).mean()


def test_motion_blur_is_the_mean_of_its_sub_frames(ctx, quick_scene):
    n = 4
    scene = replace(
        quick_scene,
        camera=replace(
            quick_scene.camera, motion_blur=MotionBlur(samples=n, shutter_angle_deg=360)
        ),
        time=replace(quick_scene.time, speed=200.0),
    )  # visible motion per frame
    view = View(96, 54, scene.camera.fov_deg)
    states = _states(scene, 3)
    assert len(states) == n
    comp = Compositor(ctx, scene, view)
    try:
        comp.render_radiance(states)
        blurred = np.frombuffer(comp.read_hdr(), np.float32).copy()
        singles = []
        for st in states:
            comp.render_radiance([st])
            singles.append(np.frombuffer(comp.read_hdr(), np.float32).copy())
        comp.render_radiance(states[::-1])  # order of work must not matter
        reversed_order = np.frombuffer(comp.read_hdr(), np.float32).copy()
    finally:
        comp.release()
    rgb = lambda a: a.reshape(-1, 4)[:, :3]  # noqa: E731  (alpha carries no meaning)
    mean = np.mean([rgb(s) for s in singles], axis=0)
    assert np.abs(rgb(singles[0]) - rgb(singles[-1])).max() > 100  # they really differ
    np.testing.assert_allclose(rgb(blurred), mean, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(rgb(reversed_order), rgb(blurred), rtol=1e-5, atol=1e-3)


def test_same_scene_twice_gives_identical_frames(tmp_path, quick_scene):
    scene = replace(
        quick_scene, output=replace(quick_scene.output, width=96, height=54, duration_s=0.3)
    )
    a = replace(scene, output=replace(scene.output, path=tmp_path / "a.mp4"))
    b = replace(scene, output=replace(scene.output, path=tmp_path / "b.mp4"))
    render_video(a, quiet=True)
    render_video(b, quiet=True)
    fa, fb = decode_frames(tmp_path / "a.mp4", 96, 54), decode_frames(tmp_path / "b.mp4", 96, 54)
    assert fa.shape[0] == 3 and np.array_equal(fa, fb)
    assert np.array_equal(render_still(scene, 1.0), render_still(scene, 1.0))


# ---------------------------------------------------------------------------
# Glare and sensor noise, on synthetic radiance
# ---------------------------------------------------------------------------


def _point_source(ctx, view, flux=1.0e6):
    """A radiance buffer (padded as the compositor pads it) with one bright 2x2 block
    at the view's centre."""
    pw, ph = padded_size(view)
    img = np.zeros((ph, pw, 4), np.float32)
    cy, cx = view.height // 2, view.width // 2
    img[cy - 1 : cy + 1, cx - 1 : cx + 1, :3] = flux / 4
    tex = ctx.texture((pw, ph), 4, img.tobytes(), dtype="f4")
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    return tex, img


def _glare(ctx, view, fraction=0.1):
    tex, img = _point_source(ctx, view)
    bloom = BloomPass(ctx, Bloom(fraction), view, padded_size(view))
    try:
        out = np.frombuffer(bloom.draw(tex).read(), np.float32).reshape(view.height, view.width, 4)
        return (
            img[: view.height, : view.width, 0].astype(np.float64),
            out[..., 0].astype(np.float64),
        )
    finally:
        bloom.release()
        tex.release()


def _encircled(img, view, angles_deg):
    """Fraction of the image's light within each angle of the centre (pinhole geometry)."""
    y, x = np.mgrid[0 : view.height, 0 : view.width] + 0.5
    r = np.hypot(x - view.width / 2, y - view.height / 2)
    theta = np.degrees(np.arctan(r / view.focal_px))
    return np.array([img[theta <= a].sum() for a in angles_deg]) / img.sum()


def _kept_in_block(view, fraction):
    """Share of a source spread evenly over a 2x2 pixel block that the glare kernel
    (1 - F) delta + F sum_j a_j G_j leaves in that block: for each Gaussian, the chance
    that a point uniform on [-1, 1] px lands in [-1, 1] px, squared (x and y).

    Each Gaussian is widened by the resampling of the mip level L it is blurred at
    (bloom.py: the deepest where it spans 2 texels; never level 0 where pixels are
    under 1 mrad): from level 1 on, a 2^L px average and a bilinear read-back add
    (4^L - 1) / 12 and 3/16 4^L px^2 to its variance, and one under half a texel is
    not blurred at all."""
    from math import erf, floor, log2, sqrt

    u = np.linspace(-1.0, 1.0, 2001)
    phi = np.vectorize(lambda z: 0.5 * (1.0 + erf(z / sqrt(2.0))))
    kept = 0.0
    for sigma_rad, a in zip(GLARE_SIGMA_RAD, GLARE_WEIGHT, strict=True):
        s = sigma_rad * view.focal_px
        level = max(floor(log2(max(s / 2.0, 1.0))), 1 if view.focal_px > 1000 else 0)
        if level > 0:
            blurred = s if s >= 2**level / 2 else 0.0
            s = sqrt(blurred**2 + (4**level - 1) / 12 + 3 / 16 * 4**level)
        kept += a * float(np.mean(phi((1 - u) / s) - phi((-1 - u) / s))) ** 2
    return 1.0 - fraction + fraction * kept


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_glare_conserves_energy_and_spreads_a_fixed_share(ctx, size):
    view = View(*size, 60.0)
    before, after = _glare(ctx, view, fraction=0.1)
    assert after.sum() == pytest.approx(before.sum(), rel=0.01)
    # 90 % stays in the source's own pixels, 10 % goes into the halo, less the part of
    # the halo that falls within those pixels (its narrowest Gaussians, 100 arcsec and
    # up, are sub-pixel at 640 px): 93 % stays there, 91 % at 1920 px.
    cy, cx = view.height // 2, view.width // 2
    kept = after[cy - 1 : cy + 1, cx - 1 : cx + 1].sum() / before.sum()
    assert kept == pytest.approx(_kept_in_block(view, 0.1), abs=0.01)
    assert 0.9 < kept < 0.95
    assert _encircled(after, view, [0.3])[0] < 0.97  # a real halo beyond 0.3 deg


def test_glare_looks_the_same_at_any_resolution(ctx):
    # Encircled energy at angles both sizes resolve (at 320 px one pixel is
    # 0.19 deg, so the profile is compared from 0.5 deg out).
    angles = [0.5, 1.0, 2.0, 4.0]
    small = _encircled(_glare(ctx, View(320, 180, 60.0))[1], View(320, 180, 60.0), angles)
    large = _encircled(_glare(ctx, View(1280, 720, 60.0))[1], View(1280, 720, 60.0), angles)
    np.testing.assert_allclose(small, large, atol=0.01)


def _noisy_frame(ctx, iso, seed=0, frame=0, x=0.1, read_noise_e=2.5):
    """8-bit output of a uniform field at exposure x (1 = saturation) with noise on: one
    photosite per output pixel and no hot pixels, the shot and read noise alone."""
    view = View(128, 128, 60.0)
    exposure = Exposure(iso=iso, shutter_s=0.5, f_number=1.4)
    from renderer.physics.camera import saturation_luminance

    radiance = x * saturation_luminance(exposure)
    img = np.full((view.height, view.width, 4), radiance, np.float32)
    tex = ctx.texture((view.width, view.height), 4, img.tobytes(), dtype="f4")
    target = ctx.texture((view.width, view.height), 4)
    fbo = ctx.framebuffer(color_attachments=[target])
    noise = Noise(
        seed=seed, read_noise_e=read_noise_e, sensor_width_px=view.width, hot_pixel_fraction=0.0
    )
    camera = Camera(orbit=None, exposure=exposure, noise=noise)
    post = PostPass(ctx, camera, dither=False)
    try:
        fbo.use()
        post.draw(tex, frame, view.height)
        return np.frombuffer(fbo.read(components=3), np.uint8).reshape(128, 128, 3).astype(float)
    finally:
        bind_default_framebuffer(ctx)
        for obj in (fbo, target, tex):
            obj.release()
        post.release()


def test_sensor_noise_grows_as_the_square_root_of_iso(ctx):
    # Shot noise: at a fixed exposure x the sensor collects x * FW electrons with
    # FW = 60000 * 100 / ISO, so the relative noise grows as sqrt(ISO).  Read noise
    # is left out: at ISO 12800 the red channel (white-balance gain 1.7) collects only
    # 27 electrons at x = 0.1, where 2.5 e- of read noise would add a fifth to the
    # variance.  At the same operating point the tone curve's slope is the same, so
    # output codes scale alike.
    low = _noisy_frame(ctx, 1600, read_noise_e=0.0)
    high = _noisy_frame(ctx, 12800, read_noise_e=0.0)
    ratio = high.std() / low.std()
    assert low.std() > 0.5
    assert ratio == pytest.approx(np.sqrt(12800 / 1600), rel=0.12)


def test_sensor_noise_is_seeded(ctx):
    a, b = _noisy_frame(ctx, 6400, seed=1), _noisy_frame(ctx, 6400, seed=1)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _noisy_frame(ctx, 6400, seed=2))
    assert not np.array_equal(a, _noisy_frame(ctx, 6400, seed=1, frame=1))


def test_glare_halo_is_round(ctx):
    # Equal brightness at equal angle from the source, along an axis and a
    # diagonal, from the narrow core to the wide halo (a box- or tent-shaped
    # kernel would draw a square: brighter along the diagonals).
    view = View(640, 360, 60.0)
    _, after = _glare(ctx, view)
    cy, cx = view.height / 2, view.width / 2  # the 2x2 source's centre (pixel edges)

    def at(x: float, y: float) -> float:
        """Bilinear value at continuous image coordinates (pixel i's centre is i + 0.5)."""
        fx, fy = x - 0.5, y - 0.5
        i, j = int(np.floor(fx)), int(np.floor(fy))
        tx, ty = fx - i, fy - j
        a = after[j : j + 2, i : i + 2]
        return float(
            (a[0, 0] * (1 - tx) + a[0, 1] * tx) * (1 - ty)
            + (a[1, 0] * (1 - tx) + a[1, 1] * tx) * ty
        )

    for r in (8, 20, 50, 100):
        axis = at(cx + r, cy)
        diagonal = at(cx + r / np.sqrt(2), cy + r / np.sqrt(2))
        assert diagonal == pytest.approx(axis, rel=0.1), (r, axis, diagonal)


def _ramp_frame(ctx, dither: bool) -> np.ndarray:
    """8-bit output of a radiance ramp rising by less than one output code across 256 px."""
    w, h = 256, 64
    exposure = Exposure(ev100=0.0)
    from renderer.physics.camera import saturation_luminance

    l_sat = saturation_luminance(exposure)
    x = np.linspace(0.0100, 0.0104, w, dtype=np.float32)  # a dark sky gradient
    img = np.zeros((h, w, 4), np.float32)
    img[..., :3] = (x * l_sat)[None, :, None]
    tex = ctx.texture((w, h), 4, img.tobytes(), dtype="f4")
    target = ctx.texture((w, h), 4)
    fbo = ctx.framebuffer(color_attachments=[target])
    post = PostPass(ctx, Camera(orbit=None, exposure=exposure), dither=dither)
    try:
        fbo.use()
        post.draw(tex, 0, h)
        return np.frombuffer(fbo.read(components=3), np.uint8).reshape(h, w, 3).astype(float)
    finally:
        bind_default_framebuffer(ctx)
        for obj in (fbo, target, tex):
            obj.release()
        post.release()


def test_dither_keeps_a_gradient_finer_than_one_code(ctx):
    # Without dither the ramp collapses onto one or two codes (a band edge);
    # with it, the column means follow the ramp smoothly.
    plain, dithered = _ramp_frame(ctx, False), _ramp_frame(ctx, True)
    assert len(np.unique(plain)) <= 2
    means = dithered.mean(axis=(0, 2))
    slope = np.polyfit(np.arange(means.size), means, 1)[0]
    assert slope > 0
    assert np.corrcoef(np.arange(means.size), means)[0, 1] > 0.9
    assert abs(dithered.mean() - plain.mean()) < 0.6  # unbiased
