"""The Earth pass's fast paths against the full program over every pixel.

The split (renderer/passes/earth_regions.py) draws the full Earth program only
where rays may meet the cloud layer or the limb, programs without the surface
over the air and the airglow around it, and nothing beyond; the fast path adds
the tables (the airglow's integrals read per ray from a table made per frame).
The reference is the same pass with ``path = "full"``: the full program over
the whole screen, integrating per pixel.  All draw into a float buffer; any
pixel the split missed or gave the wrong program shows as a difference in
radiance, and the tables' interpolation as a small one.
"""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np
import pytest

from renderer.frame_state import FrameState, View
from renderer.gl.context import bind_default_framebuffer
from renderer.output.frames import frame_states
from renderer.passes.earth import EarthPass
from renderer.scene import load_scene, with_overrides
from tests.helpers import enu, geodetic_to_itrs, state

SCENES = Path(__file__).resolve().parents[2] / "scenes"
W, H = 240, 136


def earth_radiance(ctx, earth_pass: EarthPass, st: FrameState, view: View) -> np.ndarray:
    """The Earth pass alone, (H, W, 3) float32 radiance."""
    tex = ctx.texture((view.width, view.height), 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    try:
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        earth_pass.draw(st, view, 1.0)
        ctx.disable(moderngl.BLEND)
        data = np.frombuffer(fbo.read(components=4, dtype="f4"), dtype=np.float32)
    finally:
        bind_default_framebuffer(ctx)
        fbo.release()
        tex.release()
    return data.reshape(view.height, view.width, 4)[..., :3].copy()


def codes(radiance: np.ndarray, scale: float) -> np.ndarray:
    """8-bit sRGB codes of radiance over ``scale`` (a display of the frame's range)."""
    x = np.clip(radiance / scale, 0.0, 1.0)
    srgb = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.round(srgb * 255.0).astype(int)


def assert_split_matches_full(ctx, earth_pass: EarthPass, st: FrameState, view: View) -> None:
    earth_pass.path = "full"
    full = earth_radiance(ctx, earth_pass, st, view)
    earth_pass.path = "split"
    split = earth_radiance(ctx, earth_pass, st, view)
    earth_pass.path = "fast"
    fast = earth_radiance(ctx, earth_pass, st, view)
    assert full.max() > 0.0, "the reference frame is black"
    lum = full.sum(-1)
    # The split: the same radiance to float rounding wherever the reference has light...
    err = np.abs(split - full).sum(-1)
    bad = err > 1e-4 * lum + 1e-12 * full.max()
    assert not bad.any(), f"split: {int(bad.sum())} pixels differ"
    # ... and a display of the sky's faint end (1/1000 of the frame's peak at white)
    # shows no code moved.
    scale = 1e-3 * full.max()
    assert np.abs(codes(split, scale) - codes(full, scale)).max() <= 1
    # The tables: within 1 % of the radiance wherever it is above 1/1000 of the
    # frame's peak, and at most two codes on a display with white at 1/100 of the
    # peak, far brighter than any exposure of these scenes shows the faint sky.
    # (Fainter, at the cut-off edges of the airglow shells, where the integrals fall
    # to 0 like a square root, linear interpolation is off by a little more: 1.2 % at
    # 1/5000 of the peak in the sunrise at 960x540.)
    err = np.abs(fast - full).sum(-1)
    lit = lum > 1e-3 * full.max()
    assert (err[lit] <= 0.01 * lum[lit]).all(), (
        f"tables: {int((err[lit] > 0.01 * lum[lit]).sum())} pixels off by more than 1 %, "
        f"worst {float((err[lit] / lum[lit]).max()):.3%}"
    )
    # (A channel that is 0 in the reference, such as green beyond the green layers'
    # reach, may read 1e-5 of the peak from the table: below the light to see.)
    moved = np.abs(codes(fast, 10 * scale) - codes(full, 10 * scale))
    moved[np.abs(fast - full) < 1e-4 * full.max()] = 0
    assert moved.max() <= 2


CASES = [
    ("progress-ms10", 0.0),  # the limb, airglow, night
    ("progress-ms10", 19.13),
    ("progress-ms10", 40.0),
    ("progress-ms10", 85.0),
    ("himalaya-day", 9.0),  # day, glint, toward the limb
    ("pacific-sunrise", 17.0),  # twilight
    ("europe-nile-night", 30.0),  # night, airglow at its brightest
    ("cape-twilight-launch", 17.0),
]


@pytest.mark.parametrize(("name", "at_s"), CASES)
def test_fast_paths_draw_the_shipped_scenes_as_the_full_program(ctx, name, at_s):
    scene = with_overrides(load_scene(SCENES / f"{name}.toml"), width=W, height=H)
    view = View(W, H, scene.camera.fov_deg)
    k = int(round(at_s * scene.output.fps))
    st = next(iter(frame_states(scene, range(k, k + 1))))[0]
    earth_pass = EarthPass(ctx, scene.earth)
    try:
        assert_split_matches_full(ctx, earth_pass, st, view)
    finally:
        earth_pass.release()


@pytest.mark.parametrize(
    ("h_km", "pitch_deg"),
    [
        (408.0, -90.0),  # nadir: the ground fills the screen
        (408.0, -15.0),  # the limb across the middle
        (200.0, -10.0),  # below the top of the 630 nm layer: every ray meets its shell
        (36000.0, -90.0),  # the whole disc, the shells around it, empty sky at the corners
    ],
)
def test_fast_paths_match_full_from_any_height(ctx, h_km, pitch_deg):
    scene = load_scene(SCENES / "progress-ms10.toml")
    lat, lon = 30.0, 60.0
    east, north, up = enu(lat, lon)
    pitch = np.radians(pitch_deg)
    forward = np.cos(pitch) * north + np.sin(pitch) * up
    hint = up if abs(pitch_deg) < 80 else north
    sun = -up + 0.3 * east  # night below, the terminator in view from high up
    st = state(geodetic_to_itrs(lat, lon, h_km), forward, hint, sun)
    fov = 20.0 if h_km > 10000 else 70.0
    view = View(W, H, fov)
    earth_pass = EarthPass(ctx, scene.earth)
    try:
        assert_split_matches_full(ctx, earth_pass, st, view)
    finally:
        earth_pass.release()
