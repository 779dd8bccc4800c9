"""The Earth pass's screen regions against every pixel's own ray, met with the spheres."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from renderer.frame_state import View
from renderer.passes.earth_regions import (
    AIRGLOW_EXTENT_SIGMAS,
    ATMOSPHERE_THICKNESS_KM,
    BLOCK,
    block_angles,
    classify_blocks,
    cone_half_angle,
)
from tests.helpers import A, B

SHADERS = Path(__file__).resolve().parents[2] / "shaders"


def test_shells_are_the_shaders_shells():
    atmo = (SHADERS / "lib" / "atmosphere.glsl").read_text()
    m = re.search(r"const float ATMO_THICKNESS_KM = ([0-9.]+);", atmo)
    assert m and float(m.group(1)) == ATMOSPHERE_THICKNESS_KM
    glow = (SHADERS / "lib" / "airglow.glsl").read_text()
    k = f"{AIRGLOW_EXTENT_SIGMAS:.1f}"
    assert f"R - {k} * s" in glow and f"R + {k} * s" in glow


def pixel_hits(cam, right, up, forward, view, radius):
    """Whether each pixel centre's ray (rows from the bottom) meets the sphere of
    ``radius`` in sphere space, by the quadratic of the scaled ray."""
    w, h, f = view.width, view.height, view.focal_px
    s = np.array([1.0, 1.0, A / B])
    gx, gy = np.meshgrid((np.arange(w) + 0.5 - w / 2) / f, (np.arange(h) + 0.5 - h / 2) / f)
    d = (forward + gx[..., None] * right + gy[..., None] * up) * s
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    o = cam * s
    tc = -(d @ o)
    q2 = o @ o - tc**2
    return (q2 <= radius**2) & ((tc > 0) | (o @ o <= radius**2))


@pytest.mark.parametrize("seed", range(6))
def test_no_pixel_whose_ray_meets_a_sphere_is_left_out_of_its_region(seed):
    rng = np.random.default_rng(seed)
    view = View(320, 180, float(rng.uniform(20.0, 100.0)))
    h_km = float(rng.choice([250.0, 408.0, 2000.0]))
    cam = rng.normal(size=3)
    cam *= (A + h_km) / np.linalg.norm(cam)
    # Aim near the limb, where the regions have edges.
    down = -cam / np.linalg.norm(cam)
    forward = down + rng.normal(scale=0.6, size=3)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, rng.normal(size=3))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    radii = [A + 5.0, A + 60.0, A + 300.0]
    theta, delta = block_angles(cam, right, up, forward, view)
    region = classify_blocks(theta, delta, [cone_half_angle(cam, r) for r in radii], 0.0)
    per_pixel = np.repeat(np.repeat(region, BLOCK, 0), BLOCK, 1)[: view.height, : view.width]
    seen = 0
    for k, radius in enumerate(radii):
        hits = pixel_hits(cam, right, up, forward, view, radius)
        seen += hits.sum()
        assert (per_pixel[hits] <= k).all(), f"a ray meeting sphere {k} drawn by a later one"
    # And the regions are not everything: beyond the outermost sphere nothing is drawn.
    outside = ~pixel_hits(cam, right, up, forward, view, radii[-1])
    if outside.mean() > 0.3:
        assert (per_pixel[outside] == len(radii)).mean() > 0.5
    assert seen > 0
