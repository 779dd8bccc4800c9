"""The camera: exposure, tone map, sRGB encoding and dither (``shaders/post.glsl``)."""

from __future__ import annotations

import moderngl

from renderer.gl.shaders import build_program
from renderer.passes.common import set_uniform
from renderer.scene import Exposure, ev100


def saturation_luminance(exposure: Exposure) -> float:
    """Luminance (cd/m^2) that just saturates the sensor: 1.2 * 2^EV100.

    ISO 12232's saturation-based speed, L_sat = 78 N^2 / (q S t) with q = 0.65;
    see shaders/post.glsl.
    """
    return 1.2 * 2.0 ** ev100(exposure)


class PostPass:
    """Turns the HDR radiance buffer into display-ready 8-bit RGB."""

    def __init__(self, ctx: moderngl.Context, exposure: Exposure, *, dither: bool = True) -> None:
        self.ctx = ctx
        self.program = build_program(ctx, "post.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        self.exposure = exposure
        self.dither = dither

    def draw(self, hdr: moderngl.Texture, frame_index: int) -> None:
        """Draw into the bound 8-bit framebuffer, reading ``hdr``."""
        hdr.use(0)
        p = self.program
        set_uniform(p, "u_hdr", 0)
        set_uniform(p, "u_exposure", 1.0 / saturation_luminance(self.exposure))
        set_uniform(p, "u_frame", frame_index & 0xFFFFFFFF)
        set_uniform(p, "u_dither", self.dither)
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        """Free GL objects."""
        self.vao.release()
        self.program.release()
