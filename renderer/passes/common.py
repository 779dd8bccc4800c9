"""Helpers every pass shares: the view uniforms of Earth-fixed and sky passes."""

from __future__ import annotations

import moderngl
import numpy as np

from renderer.frame_state import FrameState, View
from renderer.gl.shaders import set_uniform


def set_earth_fixed_view(program: moderngl.Program, state: FrameState, view: View) -> None:
    """The uniforms of a pass that works in Earth-fixed axes: the pinhole basis, the
    camera's position relative to the Earth's centre (km) and the Sun's direction,
    all rotated from the GCRS into the ITRS in float64."""
    m = state.itrs_from_gcrs
    set_camera(program, view, m @ state.camera_right, m @ state.camera_up, m @ state.camera_forward)
    set_uniform(program, "u_cam_pos", m @ state.camera_pos_km)
    sun = m @ state.sun_km
    set_uniform(program, "u_sun_dir", sun / np.linalg.norm(sun))


def set_sky_view(program: moderngl.Program, state: FrameState, view: View) -> None:
    """The uniforms of a pass that works on GCRS directions (stars, Sun, Moon): the
    pinhole basis in the GCRS, and for its tests against the Earth the camera's
    position in the ITRS (km) and the GCRS -> ITRS rotation."""
    m = state.itrs_from_gcrs
    set_camera(program, view, state.camera_right, state.camera_up, state.camera_forward)
    set_uniform(program, "u_cam_pos", m @ state.camera_pos_km)
    set_uniform(program, "u_itrs_from_gcrs", m)


def set_camera(
    program: moderngl.Program, view: View, right: np.ndarray, up: np.ndarray, forward: np.ndarray
) -> None:
    """The pinhole uniforms of common.glsl, basis vectors in the pass's own axes."""
    set_uniform(program, "u_resolution", (float(view.width), float(view.height)))
    set_uniform(program, "u_focal_px", float(view.focal_px))
    set_uniform(program, "u_cam_right", right)
    set_uniform(program, "u_cam_up", up)
    set_uniform(program, "u_cam_forward", forward)
