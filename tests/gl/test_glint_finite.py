"""The Moon's glint stays finite where the Moon is straight behind the camera."""

from __future__ import annotations

import numpy as np

from renderer.frame_state import FrameState, View
from renderer.passes.compositor import Compositor
from renderer.scene import loads_scene
from renderer.timeline import build_timeline

# Straight down over the Pacific at 20 N 170 W, two nights before full Moon, the Moon
# 11.6 deg from the zenith: the point opposite the Moon (where the view ray v and the
# direction to the Moon l coincide, so v . h rounds to just above 1) lies in the frame.
# Ten seconds after the camera passes over that point (09:30:10 UTC) the opposition
# point falls inside one pixel's ray at 480 x 270; before the
# glint clamped its Fresnel base, that pixel was NaN and the glare spread it over
# 83 % of the frame as black.
SCENE = """
scene_version = 1
title = "moon glint straight down"
[time]
start_utc = "2019-01-18T09:30:00Z"
speed = 1.0
[output]
width = 480
height = 270
[camera]
fov_deg = 60
[camera.orbit.over]
lat_deg = 20.0
lon_deg = -170.0
time_utc = "2019-01-18T09:30:00Z"
altitude_km = 408.0
inclination_deg = 51.64
[camera.look]
elevation_deg = -90
[camera.exposure]
iso = 12800
shutter_s = 0.5
f_number = 1.4
[earth]
clouds = { coverage = 0.4, seed = 6 }
"""


def test_moon_glint_opposite_the_moon_is_finite_and_the_frame_lit(ctx):
    scene = loads_scene(SCENE)
    tl = build_timeline(scene, np.array([10.0]))
    st = FrameState.from_timeline(tl, 0)
    # The geometry the scene is for: the anti-Moon direction is inside the frame.
    moon = st.moon_km - st.camera_pos_km
    off_axis = np.degrees(np.arccos(np.dot(-moon / np.linalg.norm(moon), st.camera_forward)))
    assert off_axis < 15.0, off_axis
    view = View(480, 270, 60.0)
    comp = Compositor(ctx, scene, view)
    try:
        comp.render([st], 0)
        hdr = np.frombuffer(comp.read_hdr(), np.float32).reshape(270, 480, 4)[..., :3]
        rgb = np.frombuffer(comp.read_rgb(), np.uint8)
    finally:
        comp.release()
    assert np.isfinite(hdr).all(), np.argwhere(~np.isfinite(hdr).all(-1))[:5]
    # Moonlit sea and cloud under a near-full Moon at ISO 12800, f/1.4, 0.5 s: every
    # pixel has light (moonlit ocean alone is ~1e-3 cd/m^2, a tenth of clipping).
    assert hdr.min() > 0.0
    assert (rgb == 0).mean() < 0.01, (rgb == 0).mean()
