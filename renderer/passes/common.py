"""Helpers every pass shares: setting uniforms without tripping over unused ones."""

from __future__ import annotations

from collections.abc import Iterable

import moderngl
import numpy as np

from renderer.frame_state import View


def set_uniform(program: moderngl.Program, name: str, value: object) -> None:
    """Set a uniform if the linked program kept it (the GLSL compiler drops unused ones)."""
    if name not in program:
        return
    member = program[name]
    if isinstance(value, np.ndarray):
        arr = value.astype(np.float32)
        if arr.shape == (3, 3):
            # GLSL matrices are column-major: hand over the transpose's rows.
            member.write(np.ascontiguousarray(arr.T).tobytes())
            return
        member.value = tuple(float(x) for x in arr.ravel())
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        member.value = tuple(value)
    else:
        member.value = value


def set_camera(program: moderngl.Program, view: View, right: np.ndarray, up: np.ndarray,
               forward: np.ndarray) -> None:
    """The pinhole uniforms of common.glsl, basis vectors in the pass's own axes."""
    set_uniform(program, "u_resolution", (float(view.width), float(view.height)))
    set_uniform(program, "u_focal_px", float(view.focal_px))
    set_uniform(program, "u_cam_right", right)
    set_uniform(program, "u_cam_up", up)
    set_uniform(program, "u_cam_forward", forward)
