"""Moving lights during the shutter: a streak of the length the motion gives, holding
the light of the still point (stars by the camera's turn; sprites by their own motion)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from renderer.frame_state import View
from renderer.passes.stars import PSF_SIGMA_PX, PointSources, instance_records
from renderer.scene import Exposure
from tests.gl.test_launch_render import (
    illuminance,
    launch_scene,
    sprite_radiance,
    states,
    view_of,
)
from tests.gl.test_stars import pixel_solid_angles, render
from tests.helpers import state

LUMA = np.array([0.2126, 0.7152, 0.0722])


def _profile_stats(img: np.ndarray) -> tuple[float, float, float]:
    """Total light (sum of luminance), the centroid's x and the variance along x."""
    lum = img @ LUMA
    xs = np.arange(lum.shape[1]) + 0.5
    col = lum.sum(axis=0)
    total = float(col.sum())
    cx = float((col * xs).sum() / total)
    return total, cx, float((col * (xs - cx) ** 2).sum() / total)


def test_a_star_seen_by_a_turning_camera_streaks_with_the_still_light(ctx):
    view = View(160, 40, 10.0)
    cam = np.array([0.0, 0.0, 7000.0])
    st = state(cam, np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0]), np.array([-1.0, 0, 0]))
    d = np.array([[1.0, 0.0, 0.0]])
    src = PointSources(ctx, 1, Exposure(ev100=0.0))
    try:
        src.upload(instance_records(d, np.array([1e-6]), np.ones((1, 3))))
        still = render(ctx, lambda: src.draw(st, view, 1.0), view)
        # The camera turns about its up axis at w for t seconds: the star sweeps
        # f w t pixels across the image (hand calculation: small angles, on axis).
        w, t = 0.002, 20.0
        length_px = view.focal_px * w * t
        turning = replace(st, camera_spin_rad_s=w * st.camera_up, exposure_s=t)
        moving = render(ctx, lambda: src.draw(turning, view, 1.0), view)
    finally:
        src.release()
    assert 30.0 < length_px < 40.0
    omega = pixel_solid_angles(view)[..., None]
    e_still, cx0, var0 = _profile_stats(still * omega)
    e_moving, cx1, var1 = _profile_stats(moving * omega)
    assert e_still > 0.0
    assert abs(e_moving / e_still - 1.0) < 0.01
    assert abs(cx1 - cx0) < 0.1  # centred on the mid-exposure position
    # A uniform segment of length L blurred by the PSF: variance L^2 / 12 + sigma^2
    # (plus the pixel's 1/12, as for the still point).
    assert math.sqrt(var1 - var0) == pytest.approx(length_px / math.sqrt(12.0), rel=0.03)
    # and its length: light above half the streak's plateau spans L to within a pixel
    row = (moving @ LUMA).sum(axis=0)
    lit = np.nonzero(row > 0.5 * row.max())[0]
    assert abs((lit[-1] - lit[0] + 1) - length_px) < 1.5
    assert var0 < 2.0 * (PSF_SIGMA_PX**2 + 1.0 / 12.0)


def test_a_rocket_streaks_by_its_motion_over_the_exposure(ctx, tmp_path):
    # The third stage's steady plume at T+400 s, through a narrow lens: drawn still
    # and over an 8 s exposure, the same light, spread along the projected motion.
    # This camera follows the vehicle, turning with it (no streak: tested here too);
    # held still instead, it sees the vehicle sweep across.
    scene = launch_scene(tmp_path, size=128, fov=1.5)
    view = view_of(scene)
    (st,) = states(scene, [400.0])
    still_state = replace(st, exposure_s=0.0)
    long_state = replace(st, exposure_s=8.0, camera_spin_rad_s=np.zeros(3))
    still, moving = sprite_radiance(ctx, scene, [still_state, long_state], view)
    e0, e1 = illuminance(still, view), illuminance(moving, view)
    assert e0 > 0.0 and abs(e1 / e0 - 1.0) < 0.02
    # the streak's length from the motion the pass projects (both ends of the exposure)
    from renderer.passes.sprites import project_sprites
    from renderer.physics.launch.light import PLUME, frame_sprites

    sprites = frame_sprites(scene.launches, long_state)
    rows = project_sprites(sprites, long_state, view)
    tracking = project_sprites(
        frame_sprites(scene.launches, replace(st, exposure_s=20.0)), st, view
    )
    assert np.abs(tracking[:, 16:18]).max() < 0.05 * view.width
    core = rows[np.argmax(rows[:, 11:14].sum(axis=1))]
    length_px = math.hypot(core[16], core[17])
    assert 20.0 < length_px < 80.0
    assert (sprites.kind == PLUME).sum() == 2
    lum = moving @ LUMA
    lit = lum > 0.5 * lum.max()
    yy, xx = np.nonzero(lit)
    extent = math.hypot(np.ptp(xx), np.ptp(yy)) + 1.0
    assert abs(extent - length_px) < 0.15 * length_px + 2.0
