"""Glare: an energy-conserving, resolution-independent halo around bright light
(``shaders/bloom.glsl``)."""

from __future__ import annotations

import math

import moderngl

from renderer.frame_state import View
from renderer.gl.context import bind_default_framebuffer
from renderer.gl.shaders import build_program
from renderer.passes.common import set_uniform
from renderer.scene import Bloom

# The glare kernel: three Gaussians of these angular widths (radians) and
# relative weights: a narrow core (lens aberrations, sensor crosstalk), a wider
# skirt and a faint wide halo (veiling glare), after the shape of the glare
# point-spread functions of Spencer et al. (1995, "Physically-based glare
# effects for digital images"); the proportions are our choice, not a measured
# lens.  Defined in angle, so the halo covers the same part of the scene at any
# resolution.
GLARE_SIGMA_RAD = (0.0015, 0.006, 0.024)
GLARE_WEIGHT = (0.5, 0.3, 0.2)
# A mip level's box, bilinear and 3x3 tent blur together: sigma ~ 0.87 * 2^level px.
_SIGMA_PER_LEVEL_PX = 0.87


def glare_levels(view: View, max_level: int) -> tuple[float, float, float]:
    """Mip level whose blur matches each glare component's angular width at this view."""
    levels = []
    for sigma in GLARE_SIGMA_RAD:
        px = sigma * view.focal_px
        levels.append(min(max(math.log2(max(px, 1e-6) / _SIGMA_PER_LEVEL_PX), 0.0), max_level))
    return levels[0], levels[1], levels[2]


class BloomPass:
    """Radiance in, radiance with glare out (a float texture of the same size)."""

    def __init__(self, ctx: moderngl.Context, bloom: Bloom, view: View) -> None:
        self.ctx = ctx
        self.bloom = bloom
        self.view = view
        self.program = build_program(ctx, "bloom.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        self.output = ctx.texture((view.width, view.height), 4, dtype="f4")
        self.output.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.fbo = ctx.framebuffer(color_attachments=[self.output])

    def draw(self, hdr: moderngl.Texture) -> moderngl.Texture:
        """Apply glare to ``hdr`` (a mipmap-filtered float texture); returns the result."""
        hdr.build_mipmaps()
        hdr.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        max_level = int(math.floor(math.log2(max(hdr.width, hdr.height))))
        p = self.program
        set_uniform(p, "u_fraction", self.bloom.fraction)
        set_uniform(p, "u_level", glare_levels(self.view, max_level))
        set_uniform(p, "u_weight", GLARE_WEIGHT)
        hdr.use(0)
        set_uniform(p, "u_hdr", 0)
        self.fbo.use()
        self.vao.render(moderngl.TRIANGLES, vertices=3)
        return self.output

    def release(self) -> None:
        """Free GL objects."""
        bind_default_framebuffer(self.ctx)
        for obj in (self.fbo, self.output, self.vao, self.program):
            obj.release()
