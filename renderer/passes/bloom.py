"""Glare: an energy-conserving, resolution-independent halo around bright light
(``shaders/bloom.glsl``)."""

from __future__ import annotations

import math

import moderngl

from renderer.frame_state import View
from renderer.gl.context import bind_default_framebuffer
from renderer.gl.shaders import build_program, set_uniform
from renderer.scene import Bloom

# The glare kernel: Gaussians of these angular widths (radians) and weights.
# Each width is three times the last and each weight about half the last, so
# the sum falls off roughly as a power law of angle, like the veiling glare of
# real lenses (Spencer et al. 1995, "Physically-based glare effects for digital
# images"); the proportions are our choice, not a measured lens.  Defined in
# angle: the halo covers the same part of the scene at any resolution.
GLARE_SIGMA_RAD = (0.0015, 0.0045, 0.0135, 0.0405, 0.1215)
GLARE_WEIGHT = (0.52, 0.25, 0.125, 0.07, 0.035)
# Deepest mip level used; the radiance buffer is padded so this level is exact.
MAX_LEVEL = 7


def glare_levels(view: View) -> list[tuple[int, float]]:
    """For each component: the mip level that holds it and its sigma in that level's texels.

    The level is the deepest at which sigma still spans at least two texels, so
    the blur is cheap and its bilinear read-back shows no creases.
    """
    out = []
    for sigma in GLARE_SIGMA_RAD:
        px = sigma * view.focal_px
        level = min(max(int(math.floor(math.log2(max(px / 2.0, 1.0)))), 0), MAX_LEVEL)
        out.append((level, px / 2**level))
    return out


class BloomPass:
    """Radiance in, radiance with glare out (a float texture of the view's size)."""

    def __init__(
        self, ctx: moderngl.Context, bloom: Bloom, view: View, padded: tuple[int, int]
    ) -> None:
        """``padded`` is the radiance buffer's size (a multiple of 2^MAX_LEVEL)."""
        self.ctx = ctx
        self.bloom = bloom
        self.view = view
        n = len(GLARE_SIGMA_RAD)
        self.blur_h = build_program(ctx, "bloom.glsl", {"BLUR_H": 1})
        self.blur_v = build_program(ctx, "bloom.glsl", {"BLUR_V": 1})
        self.composite = build_program(ctx, "bloom.glsl", {"COMPOSITE": 1, "NUM_GLARE": n})
        self.vaos = [ctx.vertex_array(p, []) for p in (self.blur_h, self.blur_v, self.composite)]
        self.levels = glare_levels(view)
        self.tmp: list[moderngl.Texture] = []
        self.halo: list[moderngl.Texture] = []
        self.fbos: list[tuple[moderngl.Framebuffer, moderngl.Framebuffer]] = []
        for level, _ in self.levels:
            size = (max(padded[0] >> level, 1), max(padded[1] >> level, 1))
            tmp = ctx.texture(size, 4, dtype="f4")
            halo = ctx.texture(size, 4, dtype="f4")
            tmp.filter = (moderngl.NEAREST, moderngl.NEAREST)
            halo.filter = (moderngl.LINEAR, moderngl.LINEAR)
            halo.repeat_x = halo.repeat_y = False
            self.tmp.append(tmp)
            self.halo.append(halo)
            self.fbos.append((ctx.framebuffer([tmp]), ctx.framebuffer([halo])))
        self.output = ctx.texture((view.width, view.height), 4, dtype="f4")
        self.output.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.fbo = ctx.framebuffer(color_attachments=[self.output])

    def draw(self, hdr: moderngl.Texture) -> moderngl.Texture:
        """Apply glare to ``hdr``; returns the result (the view's size)."""
        hdr.build_mipmaps()
        hdr.filter = (moderngl.NEAREST_MIPMAP_NEAREST, moderngl.NEAREST)
        h_vao, v_vao, c_vao = self.vaos
        for j, (level, sigma) in enumerate(self.levels):
            fbo_tmp, fbo_halo = self.fbos[j]
            hdr.use(0)
            set_uniform(self.blur_h, "u_src", 0)
            set_uniform(self.blur_h, "u_level", level)
            set_uniform(self.blur_h, "u_sigma", sigma)
            # Narrow components are inside the wide halo: 3 sigma does for them.
            extent = 3.0 if j < 2 else 5.0
            set_uniform(self.blur_h, "u_extent", extent)
            fbo_tmp.use()
            h_vao.render(moderngl.TRIANGLES, vertices=3)
            self.tmp[j].use(0)
            set_uniform(self.blur_v, "u_src", 0)
            set_uniform(self.blur_v, "u_sigma", sigma)
            set_uniform(self.blur_v, "u_extent", extent)
            fbo_halo.use()
            v_vao.render(moderngl.TRIANGLES, vertices=3)
        c = self.composite
        hdr.use(0)
        set_uniform(c, "u_hdr", 0)
        for j, halo in enumerate(self.halo):
            halo.use(1 + j)
        c["u_halo"].value = tuple(range(1, 1 + len(self.halo)))
        c["u_weight"].value = GLARE_WEIGHT
        set_uniform(c, "u_fraction", self.bloom.fraction)
        self.fbo.use()
        c_vao.render(moderngl.TRIANGLES, vertices=3)
        return self.output

    def release(self) -> None:
        """Free GL objects."""
        bind_default_framebuffer(self.ctx)
        for a, b in self.fbos:
            a.release()
            b.release()
        for obj in (
            *self.tmp,
            *self.halo,
            self.fbo,
            self.output,
            *self.vaos,
            self.blur_h,
            self.blur_v,
            self.composite,
        ):
            obj.release()
