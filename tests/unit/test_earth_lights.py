"""The dark-block test's parts (renderer/passes/earth_lights.py) against brute force:
the non-zero texels counted over boxes, the texels a trilinear look-up reads, the
corner rays' ground points, and blocks with the Sun up."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from renderer.frame_state import View
from renderer.passes.earth_lights import (
    BLUR_SCALE,
    LIGHTS_ALL,
    LIGHTS_NO_SHARP,
    LIGHTS_NONE,
    LightsMask,
    corner_ground,
    light_classes,
    texel_range,
)
from renderer.passes.earth_regions import SPHERE_SCALE, corner_directions
from tests.helpers import enu, geodetic_to_itrs

SHADERS = Path(__file__).resolve().parents[2] / "shaders"


def test_the_blur_is_the_shaders():
    src = (SHADERS / "earth.glsl").read_text()
    m = re.search(r"city\.blur = sample_seamless\(u_lights, uv, ([0-9.]+), 1\)", src)
    assert m and float(m.group(1)) == BLUR_SCALE


def test_mask_finds_every_lit_texel_in_any_box_round_the_map():
    rng = np.random.default_rng(3)
    h, w = 64, 128
    lights = np.zeros((h, w, 2), dtype=np.float16)
    for y, x in zip(rng.integers(0, h, 12), rng.integers(0, w, 12), strict=True):
        lights[y, x, 0] = 0.01
    lights[5, 0, 1] = 1e-3  # light in the second channel alone
    mask = LightsMask(lights)
    lit = (lights != 0).any(axis=-1)
    x0 = rng.integers(-2 * w, 2 * w, 4000)
    x1 = x0 + rng.integers(0, 40, 4000)
    x1[:50] = x0[:50] + w + rng.integers(0, 10, 50)  # the whole way round
    y0 = rng.integers(-10, h + 5, 4000)
    y1 = y0 + rng.integers(0, 12, 4000)
    got = mask.any_lit(x0, x1, y0, y1)
    for i in range(len(x0)):
        cols = np.arange(x0[i], x1[i] + 1) % w
        rows = np.unique(np.clip(np.arange(y0[i], y1[i] + 1), 0, h - 1))
        want = bool(lit[np.ix_(rows, cols)].any())
        # Cells of two texels may only add light near it, never lose any.
        assert got[i] or not want, (x0[i], x1[i], y0[i], y1[i])
        if want != got[i]:
            grown = np.arange(x0[i] - 2, x1[i] + 3) % w
            near = np.unique(np.clip(np.arange(y0[i] - 2, y1[i] + 3), 0, h - 1))
            assert lit[np.ix_(near, grown)].any()
    assert got.any() and not got.all()


def _trilinear_texels(q: float, lod: float) -> tuple[int, int]:
    """First and last level-0 texel a trilinear look-up at q reads along one axis, by
    GL's rules: levels floor(lod) and floor(lod) + 1 (lod clamped at 0), bilinear at
    each (the two texels whose centres surround q)."""
    lod = max(lod, 0.0)
    levels = [math.floor(lod)] + ([math.floor(lod) + 1] if lod > math.floor(lod) else [])
    first, last = math.inf, -math.inf
    for k in levels:
        s = 2.0**k
        i = math.floor(q / s - 0.5)
        first = min(first, int(s * i))
        last = max(last, int(s * (i + 2)) - 1)
    return int(first), int(last)


def test_texel_range_holds_every_texel_the_blurred_and_sharp_lookups_read():
    rng = np.random.default_rng(5)
    for _ in range(3000):
        lo = float(rng.uniform(-50.0, 500.0))
        hi = lo + float(rng.uniform(0.0, 30.0))
        foot = float(np.exp(rng.uniform(np.log(0.01), np.log(40.0))))
        box = (np.array([lo]), np.array([hi]), np.array([foot]))
        blur_first, blur_last = texel_range(*box)
        sharp_first, sharp_last = texel_range(*box, scale=1.0)
        # Pixels anywhere in the box (and a pixel's footprint past it), footprints
        # up to the bound, both look-ups: the blurred one at the pixel, the sharp
        # one's anisotropic taps within half its footprint.
        for q in np.linspace(lo - foot, hi + foot, 9):
            for f in (foot, 0.5 * foot, 0.01 * foot):
                sharp = [(q + t * f / 2, math.log2(f)) for t in (-1.0, 0.0, 1.0)]
                blur = [(q, math.log2(BLUR_SCALE * f))]
                for p, lod in sharp + blur:
                    a, b = _trilinear_texels(p, lod)
                    assert blur_first[0] <= a and b <= blur_last[0], (lo, hi, foot, f, p)
                for p, lod in sharp:
                    a, b = _trilinear_texels(p, lod)
                    assert sharp_first[0] <= a and b <= sharp_last[0], (lo, hi, foot, f, p)


def test_corner_rays_meet_the_ellipsoid():
    cam = geodetic_to_itrs(40.0, 20.0, 500.0)
    _, north, up = enu(40.0, 20.0)
    forward = -0.8 * up + 0.6 * north
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    cam_up = np.cross(right, forward)
    view = View(64, 48, 60.0)
    corners = corner_directions(right, cam_up, forward, view)
    hit, dist, n, mu_v = corner_ground(cam, corners)
    assert hit.all()
    # Back along each ray (ITRS) to the ellipsoid, checked on its own equation.
    d = corners / SPHERE_SCALE[:, None, None]
    d /= np.linalg.norm(d, axis=0)
    p = cam[:, None, None] + dist * d
    a, b = 6378.137, 6356.752314245
    assert np.allclose((p[0] ** 2 + p[1] ** 2) / a**2 + p[2] ** 2 / b**2, 1.0, atol=1e-9)
    grad = p / np.array([a * a, a * a, b * b])[:, None, None]
    assert np.allclose(n, grad / np.linalg.norm(grad, axis=0))
    assert np.allclose(mu_v, -(d * n).sum(axis=0))


def test_blocks_under_the_sun_are_dark_and_at_night_need_the_map():
    lat, lon = 10.0, 30.0
    cam = geodetic_to_itrs(lat, lon, 400.0)
    east, north, up = enu(lat, lon)
    view = View(80, 48, 40.0)
    corners = corner_directions(east, north, -up, view)
    every = np.ones((48 // 8, 80 // 8), dtype=bool)
    # Noon below: every block dark without a map; midnight: none.
    assert (light_classes(cam, up, corners, view, every, None) == LIGHTS_NONE).all()
    assert (light_classes(cam, -up, corners, view, every, None) == LIGHTS_ALL).all()
    # At midnight over a map lit everywhere no block is dark; over an unlit one all.
    lit = LightsMask(np.ones((64, 128), dtype=np.float16))
    unlit = LightsMask(np.zeros((64, 128), dtype=np.float16))
    assert (light_classes(cam, -up, corners, view, every, lit) == LIGHTS_ALL).all()
    assert (light_classes(cam, -up, corners, view, every, unlit) == LIGHTS_NONE).all()
    # Blocks not asked about keep their lights.
    none = np.zeros_like(every)
    assert (light_classes(cam, -up, corners, view, none, unlit) == LIGHTS_ALL).all()
    # The terminator across the screen, east of the middle: blocks left dark by the
    # Sun are only those wholly on the day side, each corner with the Sun up.
    sun = np.cos(np.radians(89.0)) * up - np.sin(np.radians(89.0)) * east
    dark = light_classes(cam, sun, corners, view, every, None) == LIGHTS_NONE
    assert dark.any() and not dark.all()


def test_a_town_beyond_the_sharp_reach_leaves_only_the_blurred_lookup():
    # 2 km pixels straight down over (0, 0) on a map of 4.9 km texels: the sharp
    # look-up reaches a texel or two from each block, the blurred one tens.
    cam = geodetic_to_itrs(0.0, 0.0, 3000.0)
    east, north, up = enu(0.0, 0.0)
    view = View(64, 64, 2.0 * np.degrees(np.arctan(32.0 * 2.0 / 3000.0)))
    corners = corner_directions(east, north, -up, view)
    every = np.ones((8, 8), dtype=bool)
    lights = np.zeros((4096, 8192), dtype=np.float16)
    lights[2048 - 18, 4096 + 18] = 1.0  # 90 km north and east of the middle
    classes = light_classes(cam, -up, corners, view, every, LightsMask(lights))
    assert (classes == LIGHTS_NO_SHARP).any()
    assert (classes == LIGHTS_NONE).any()
    # The block nearest the town (top right) keeps the blurred look-up.
    assert classes[-1, -1] != LIGHTS_NONE
