"""The sprite pass: every launch's plume, flashes, spent stages and exhaust cloud.

What to draw comes from :mod:`renderer.physics.launch.light` (light sources in the GCRS, with
physical intensities); this module projects them on the image in float64 and hands
each to ``shaders/plume.glsl`` as one instance of a screen-aligned quad, which adds
the atmosphere, the Earth's shadow and occlusion and writes radiance.

Projection of a source: its centre by the pinhole of docs/scenes.md (sub-pixel, from
camera-relative float64 positions), its 3-D covariance through the projection's
Jacobian at the centre, J S J^T, plus the point spread function below (a Gaussian of
FWHM 2 px), so that a distant plume is a small round dot whose summed flux is its
physical illuminance, never a single aliased pixel.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from renderer.frame_state import FrameState, View
from renderer.gl.atmosphere_tables import bind_atmosphere
from renderer.gl.shaders import build_program, set_uniform
from renderer.passes.common import set_earth_fixed_view
from renderer.physics.launch.light import CLOUD, Sprites, frame_sprites
from renderer.physics.photometry import solar_illuminance_lux
from renderer.scene import Scene

# Camera point spread function: a Gaussian of FWHM 2 px (sigma = 2 / 2.3548).
PSF_SIGMA_PX = 2.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))
# A sprite's quad reaches this many standard deviations (the Gaussian's mass outside a
# 4-sigma box is below 1e-3 of the whole).  An exhaust cloud reaches farther: when
# the Earth's shadow covers its middle, its sunlit fringe far out is all there is
# to see, and a cut at 4 sigma would show as an edge.
EXTENT_SIGMAS = 4.0
CLOUD_EXTENT_SIGMAS = 6.5
# Sources nearer than this (km) in front of the camera are not drawn.
NEAR_KM = 1e-3

FLOATS_PER_INSTANCE = 18
_LAYOUT = "4f 2f 3f 1f 1f 3f 1f 1f 2f/i"
_ATTRIBUTES = (
    "a_rect",
    "a_centre",
    "a_cov",
    "a_dist",
    "a_depth_sigma",
    "a_emit",
    "a_reflect",
    "a_g",
    "a_motion",
)


def project_sprites(sprites: Sprites, state: FrameState, view: View) -> np.ndarray:
    """Instance rows (float32, (M, FLOATS_PER_INSTANCE)) of the sprites that can show.

    Columns: quad rect x0 y0 x1 y1, centre x y, covariance xx xy yy (px, y from the
    bottom as gl_FragCoord), distance km, spread along the line of sight km, own
    intensity RGB cd, cross-section m^2, phase g, and the centre's motion over the
    exposure x y (px, start to end).  Sources behind the camera or with a quad wholly
    off the image are left out.

    The motion: over the ``state.exposure_s`` seconds the shutter is open, centred on
    the instant, a source at r relative to the camera moves by its velocity less the
    camera's, and the camera's basis turns at ``camera_spin_rad_s`` (w), so in the
    camera's axes it is seen at r + t (v - v_cam) - t (w x r) at time t: the two ends
    are projected and the quad reaches over both.
    """
    if len(sprites) == 0:
        return np.zeros((0, FLOATS_PER_INSTANCE), dtype=np.float32)
    f = view.focal_px
    rel = sprites.centre_km - state.camera_pos_km
    x = rel @ state.camera_right
    y = rel @ state.camera_up
    z = rel @ state.camera_forward
    front = z > NEAR_KM
    rel, x, y, z = rel[front], x[front], y[front], z[front]
    cov3 = sprites.cov_km2[front]
    cx = 0.5 * view.width + f * x / z
    cy = 0.5 * view.height + f * y / z
    half = 0.5 * state.exposure_s
    step = half * (
        (sprites.vel_km_s[front] - state.camera_vel_km_s)
        - np.cross(state.camera_spin_rad_s[None, :], rel)
    )
    ends = []
    for sign in (-1.0, 1.0):
        r = rel + sign * step
        ze = np.maximum(r @ state.camera_forward, NEAR_KM)
        ends.append((f * (r @ state.camera_right) / ze, f * (r @ state.camera_up) / ze))
    mx = ends[1][0] - ends[0][0]
    my = ends[1][1] - ends[0][1]
    # Jacobian of (px, py) with respect to the source's position, (M, 2, 3).
    jac = np.stack(
        [
            f
            / z[:, None]
            * (state.camera_right[None, :] - (x / z)[:, None] * state.camera_forward),
            f / z[:, None] * (state.camera_up[None, :] - (y / z)[:, None] * state.camera_forward),
        ],
        axis=1,
    )
    cov2 = np.einsum("nij,njk,nlk->nil", jac, cov3, jac)
    cov2[:, 0, 0] += PSF_SIGMA_PX**2
    cov2[:, 1, 1] += PSF_SIGMA_PX**2
    extent = np.where(sprites.kind[front] == CLOUD, CLOUD_EXTENT_SIGMAS, EXTENT_SIGMAS)
    hx = extent * np.sqrt(cov2[:, 0, 0]) + 0.5 * np.abs(mx)
    hy = extent * np.sqrt(cov2[:, 1, 1]) + 0.5 * np.abs(my)
    x0 = np.maximum(cx - hx, 0.0)
    x1 = np.minimum(cx + hx, float(view.width))
    y0 = np.maximum(cy - hy, 0.0)
    y1 = np.minimum(cy + hy, float(view.height))
    shows = (x1 > x0) & (y1 > y0)
    out = np.zeros((int(shows.sum()), FLOATS_PER_INSTANCE), dtype=np.float64)
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = x0[shows], y0[shows], x1[shows], y1[shows]
    out[:, 4], out[:, 5] = cx[shows], cy[shows]
    out[:, 6] = cov2[shows, 0, 0]
    out[:, 7] = cov2[shows, 0, 1]
    out[:, 8] = cov2[shows, 1, 1]
    out[:, 9] = np.linalg.norm(rel[shows], axis=1)
    # spread along the line of sight: sqrt(u^T S u), u the unit vector to the centre
    u = rel[shows] / out[:, 9:10]
    out[:, 10] = np.sqrt(np.einsum("ni,nij,nj->n", u, cov3[shows], u))
    out[:, 11:14] = sprites.emit_cd[front][shows]
    out[:, 14] = sprites.reflect_m2[front][shows]
    out[:, 15] = sprites.phase_g[front][shows]
    out[:, 16] = mx[shows]
    out[:, 17] = my[shows]
    return out.astype(np.float32)


class SpritePass:
    """Draws the launches of a scene (one GL program, one instance buffer)."""

    def __init__(self, ctx: moderngl.Context, scene: Scene) -> None:
        self.ctx = ctx
        self.launches = tuple(scene.launches)
        self.program = build_program(ctx, "plume.glsl")
        self._capacity = 0
        self._buffer: moderngl.Buffer | None = None
        self._vao: moderngl.VertexArray | None = None
        self._reserve(256)

    def _reserve(self, rows: int) -> None:
        if rows <= self._capacity:
            return
        self._release_buffer()
        self._capacity = max(rows, 2 * self._capacity)
        self._buffer = self.ctx.buffer(
            reserve=self._capacity * FLOATS_PER_INSTANCE * 4, dynamic=True
        )
        self._vao = self.ctx.vertex_array(self.program, [(self._buffer, _LAYOUT, *_ATTRIBUTES)])

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the launches' radiance for one instant, times ``weight``, to the bound buffer."""
        rows = project_sprites(frame_sprites(self.launches, state), state, view)
        if rows.shape[0] == 0:
            return
        self._reserve(rows.shape[0])
        assert self._buffer is not None and self._vao is not None
        self._buffer.write(np.ascontiguousarray(rows).tobytes())
        p = self.program
        set_uniform(p, "u_weight", weight)
        set_earth_fixed_view(p, state, view)
        set_uniform(p, "u_sun_illuminance", solar_illuminance_lux(state.sun_km))
        bind_atmosphere(p, 0)
        self._vao.render(moderngl.TRIANGLES, vertices=6, instances=rows.shape[0])

    def _release_buffer(self) -> None:
        for obj in (self._vao, self._buffer):
            if obj is not None:
                obj.release()
        self._vao, self._buffer = None, None

    def release(self) -> None:
        """Free GL objects."""
        self._release_buffer()
        self.program.release()
