"""The camera: exposure, sensor noise, display rendering and dither (``shaders/post.glsl``)."""

from __future__ import annotations

import moderngl

from renderer.gl.shaders import build_program, set_uniform
from renderer.physics.camera import (
    CAMERA_BLACK_POINT,
    CAMERA_S_CURVE,
    saturation_luminance,
)
from renderer.scene import Camera, Exposure


class PostPass:
    """Turns the HDR radiance buffer into display-ready 8-bit RGB."""

    def __init__(
        self, ctx: moderngl.Context, camera: Camera | Exposure, *, dither: bool = True
    ) -> None:
        self.ctx = ctx
        self.program = build_program(ctx, "post.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        # A bare Exposure (older callers, tests) means no bloom, no noise and the
        # camera rendering.
        self.camera = camera if isinstance(camera, Camera) else None
        self.exposure = camera.exposure if isinstance(camera, Camera) else camera
        self.dither = dither

    def draw(self, hdr: moderngl.Texture, frame_index: int, height: int) -> None:
        """Draw into the bound 8-bit framebuffer, reading the radiance in ``hdr``.

        ``height`` is the view's: ``hdr`` may be padded beyond it, and rows are
        flipped within the view.
        """
        p = self.program
        noise = self.camera.noise if self.camera is not None else None
        set_uniform(p, "u_noise", noise is not None)
        if noise is not None:
            # With the exposure given as EV100 alone the ISO is unknown: base ISO.
            iso = noise.base_iso if self.exposure.ev100 is not None else self.exposure.iso
            set_uniform(p, "u_full_well", noise.full_well_e * noise.base_iso / max(iso, 1e-6))
            set_uniform(p, "u_read_noise", noise.read_noise_e)
            set_uniform(p, "u_noise_seed", noise.seed & 0xFFFFFFFF)
        hdr.use(0)
        set_uniform(p, "u_hdr", 0)
        set_uniform(p, "u_height", float(height))
        set_uniform(p, "u_exposure", 1.0 / saturation_luminance(self.exposure))
        set_uniform(p, "u_frame", frame_index & 0xFFFFFFFF)
        set_uniform(p, "u_dither", self.dither)
        tone = self.camera.tone if self.camera is not None else "camera"
        set_uniform(p, "u_filmic", tone == "filmic")
        set_uniform(p, "u_black_point", CAMERA_BLACK_POINT)
        set_uniform(p, "u_s_curve", CAMERA_S_CURVE)
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        """Free GL objects."""
        self.vao.release()
        self.program.release()
