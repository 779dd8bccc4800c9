"""The flagship's staging as its frames show it: a flash standing out of the plume at
booster separation (5-9 s of video) and at core separation (16-22 s).

Frames at the scene's own frame rate and exposure, rendered as 480 x 270 crops at
the pixel scale of the 1920 x 1080 video (the same focal length in pixels), the lens
turned toward the rocket so the crop holds it: only the frames needed, small.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from renderer.output.frames import render_still
from renderer.scene import load_scene
from renderer.timeline import build_timeline, local_frame
from tests.cli.conftest import SCENES

FULL_WIDTH = 1920


def _crop_scene(scene, video_s: float, width: int = 480, height: int = 270):
    """The scene, its lens narrowed to a ``width`` x ``height`` crop of the full video
    and aimed (azimuth, elevation; roll kept) at the vehicle at ``video_s``."""
    tl = build_timeline(scene, np.array([video_s * scene.time.speed]))
    d = tl.vehicles_km[0][0] - tl.camera_pos_km[0]
    d /= np.linalg.norm(d)
    up, fwd, right = (x[0] for x in local_frame(tl.camera_pos_km, tl.camera_vel_km_s))
    focal = 0.5 * FULL_WIDTH / math.tan(math.radians(scene.camera.fov_deg) / 2.0)
    look = replace(
        scene.camera.look,
        azimuth_deg=math.degrees(math.atan2(d @ right, d @ fwd)),
        elevation_deg=math.degrees(math.asin(d @ up)),
    )
    camera = replace(
        scene.camera, look=look, fov_deg=2.0 * math.degrees(math.atan(0.5 * width / focal))
    )
    return replace(scene, camera=camera, output=replace(scene.output, width=width, height=height))


def saturated_px(img: np.ndarray) -> int:
    """Pixels with a channel at full scale."""
    return int((img.max(axis=2) >= 254).sum())


@pytest.mark.parametrize(("event_s", "window"), [(7.0, (5.0, 9.0)), (19.0, (16.0, 22.0))])
def test_a_flash_stands_out_of_the_plume_at_each_separation(ctx, event_s, window):
    scene = load_scene(SCENES / "progress-ms10.toml")
    crop = _crop_scene(scene, event_s)
    fps = scene.output.fps
    frame = round(event_s * fps)
    # The plume on either side, half a second of video away, and the frames around
    # the event, at the video's own frame times.
    plume_frames = [frame - fps // 2, frame + fps // 2]
    flash_frames = [frame + k for k in range(0, 5)]
    area = {}
    for k in plume_frames + flash_frames:
        img = render_still(crop, k / fps * scene.time.speed, ctx=ctx)
        area[k] = saturated_px(img)
    plume = 0.5 * (area[plume_frames[0]] + area[plume_frames[1]])
    peak_frame = max(flash_frames, key=lambda k: area[k])
    assert plume > 10  # the plume itself saturates: not a black frame
    assert area[peak_frame] >= 2.0 * plume, area
    assert window[0] <= peak_frame / fps <= window[1]
