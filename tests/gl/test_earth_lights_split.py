"""The Earth pass's blocks without city lights (renderer/passes/earth_lights.py).

The split paths draw the surface blocks where no city light can show with the
lights compiled out, and those where the lights' sharp look-up reads only
texels of 0 without it.  Two checks, each against a render that knows nothing
of the split: every pixel whose radiance the lights change (the full program
with the scene's lights against the same scene without them) lies in a block
drawn with the lights, and with the sharp look-up where there are no clouds to
show the blurred one; and the frame drawn with the split is the frame drawn
without it, to float rounding, on the fragment and the compute path.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from renderer.frame_state import FrameState, View
from renderer.output.frames import frame_states
from renderer.passes.earth import LIGHT_CLASS_SUFFIX, EarthPass
from renderer.passes.earth_lights import LIGHTS_NO_SHARP, LIGHTS_NONE
from renderer.passes.earth_regions import BLOCK
from renderer.scene import Earth, load_scene, with_overrides
from tests.gl.test_earth_compute import assert_compute_matches_fragment
from tests.gl.test_earth_regions import codes, earth_radiance
from tests.helpers import enu, geodetic_to_itrs, state

SCENES = Path(__file__).resolve().parents[2] / "scenes"


def scene_frame(name: str, at_s: float, w: int, h: int) -> tuple[Earth, FrameState, View]:
    scene = with_overrides(load_scene(SCENES / f"{name}.toml"), width=w, height=h)
    k = int(round(at_s * scene.output.fps))
    st = next(iter(frame_states(scene, range(k, k + 1))))[0]
    return scene.earth, st, View(w, h, scene.camera.fov_deg)


def synthetic_frame(
    lat: float,
    lon: float,
    pitch_deg: float,
    sun_elevation_deg: float,
    w: int,
    h: int,
    height_km: float = 408.0,
) -> tuple[Earth, FrameState, View]:
    """From height_km over (lat, lon), looking north and down by pitch_deg, the Sun
    at an elevation over the place toward the east."""
    earth = load_scene(SCENES / "progress-ms10.toml").earth
    east, north, up = enu(lat, lon)
    p = np.radians(pitch_deg)
    forward = np.cos(p) * north + np.sin(p) * up
    hint = up if abs(pitch_deg) < 80 else north
    e = np.radians(sun_elevation_deg)
    sun = np.sin(e) * up + np.cos(e) * east
    return earth, state(geodetic_to_itrs(lat, lon, height_km), forward, hint, sun), View(w, h, 70.0)


def dark_pixels(
    earth_pass: EarthPass, st: FrameState, view: View, light_class: int = LIGHTS_NONE
) -> np.ndarray:
    """(H, W) bool: the pixels of the blocks the fast path draws as ``light_class``."""
    names, regions = earth_pass.regions(st, view)
    ny, nx = -(-view.height // BLOCK), -(-view.width // BLOCK)
    dark = np.zeros((ny, nx), dtype=bool)
    for name, blocks in zip(names, regions.blocks, strict=True):
        if name.endswith(LIGHT_CLASS_SUFFIX[light_class]):
            dark[blocks[:, 1], blocks[:, 0]] = True
    return np.repeat(np.repeat(dark, BLOCK, 0), BLOCK, 1)[: view.height, : view.width]


def lights_in_frame(ctx, earth: Earth, st: FrameState, view: View) -> np.ndarray:
    """(H, W) bool: the pixels whose radiance the lights change, full program."""
    lit = EarthPass(ctx, earth)
    unlit = EarthPass(ctx, replace(earth, night_lights=None))
    try:
        lit.path = unlit.path = "full"
        with_lights = earth_radiance(ctx, lit, st, view)
        without = earth_radiance(ctx, unlit, st, view)
    finally:
        lit.release()
        unlit.release()
    return np.abs(with_lights - without).sum(-1) > 1e-6 * with_lights.sum(-1)


CASES = [
    # (frame, the least share of the screen that must be dark, for the test to bite)
    (("progress-ms10", 7.0, 480, 270), 0.02),
    (("nile-pan", 3.0, 240, 136), 0.04),
    ((30.0, 179.0, -40.0, -30.0, 240, 136), 0.5),  # across the antimeridian, night
    ((84.0, 10.0, -60.0, -30.0, 240, 136), 0.3),  # over the North Pole
    ((41.0, 29.0, -50.0, -1.0, 240, 136), 0.1),  # the terminator in Istanbul's lights
    ((45.0, 60.0, -70.0, -20.0, 240, 136, 1500.0), 0.0),  # footprints of texels
]


def frame_of(case: tuple) -> tuple[Earth, FrameState, View]:
    return scene_frame(*case) if isinstance(case[0], str) else synthetic_frame(*case)


@pytest.mark.parametrize(("case", "least_dark"), CASES)
def test_no_light_falls_in_a_block_drawn_without_lights(ctx, case, least_dark):
    earth, st, view = frame_of(case)
    earth_pass = EarthPass(ctx, earth)
    try:
        dark = dark_pixels(earth_pass, st, view)
        no_sharp = dark_pixels(earth_pass, st, view, LIGHTS_NO_SHARP)
    finally:
        earth_pass.release()
    assert dark.mean() >= least_dark, f"only {dark.mean():.1%} of the frame dark"
    # With clouds the blurred look-up shows where the sharp one has nothing.
    lights = lights_in_frame(ctx, earth, st, view)
    assert lights.mean() > 0.001, "no city lights in the frame"
    wrong = lights & dark
    assert not wrong.any(), f"{int(wrong.sum())} lit pixels in blocks drawn without lights"
    # Without clouds all light is the sharp look-up's.
    if earth.clouds is not None:
        lights = lights_in_frame(ctx, replace(earth, clouds=None), st, view)
        assert no_sharp.mean() > 0.01
        wrong = lights & (dark | no_sharp)
        assert not wrong.any(), f"{int(wrong.sum())} lit pixels without the sharp look-up"


@pytest.mark.parametrize(
    "case",
    [
        ("progress-ms10", 7.0, 480, 270),
        ("progress-ms10", 40.0, 480, 270),
        ("nile-pan", 3.0, 240, 136),
        (41.0, 29.0, -50.0, -1.0, 240, 136),
    ],
)
def test_the_split_draws_the_frame_drawn_without_it(ctx, case):
    earth, st, view = frame_of(case)
    earth_pass = EarthPass(ctx, earth)
    try:
        assert dark_pixels(earth_pass, st, view).any()
        for path in ("fast", "split"):
            earth_pass.path = path
            earth_pass.dark_lights = False
            whole = earth_radiance(ctx, earth_pass, st, view)
            earth_pass.dark_lights = True
            split = earth_radiance(ctx, earth_pass, st, view)
            peak = float(whole.max())
            assert peak > 0.0
            err = np.abs(split - whole).sum(-1)
            assert (err <= 1e-5 * whole.sum(-1) + 1e-9 * peak).all(), f"{path}: pixels differ"
            for scale in (peak, 1e-3 * peak):
                assert np.array_equal(codes(split, scale), codes(whole, scale))
    finally:
        earth_pass.release()


def test_compute_path_draws_the_dark_blocks_as_the_fragment_path(ctx):
    earth, st, view = synthetic_frame(30.0, 179.0, -40.0, -1.0, 236, 134)
    earth_pass = EarthPass(ctx, earth, gl_path="compute")
    try:
        assert dark_pixels(earth_pass, st, view).mean() > 0.3
        assert_compute_matches_fragment(ctx, earth_pass, st, view)
    finally:
        earth_pass.release()
