"""Drawing a rendered frame into the window: letterboxed, upscaled from the internal size,
with the heads-up text on top (``shaders/present.glsl``)."""

from __future__ import annotations

import moderngl
import numpy as np

from renderer.gl.shaders import build_program, set_uniform


class Presenter:
    """Draws RGBA8 images (top row first) onto rectangles of the window."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = build_program(ctx, "present.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        self.smooth = ctx.sampler(
            filter=(moderngl.LINEAR, moderngl.LINEAR), repeat_x=False, repeat_y=False
        )
        self.sharp = ctx.sampler(
            filter=(moderngl.NEAREST, moderngl.NEAREST), repeat_x=False, repeat_y=False
        )
        self.hud: moderngl.Texture | None = None

    def draw(
        self,
        texture: moderngl.Texture,
        rect: tuple[float, float, float, float],
        *,
        smooth: bool,
        blend: bool,
    ) -> None:
        """Draw ``texture`` over ``rect`` (NDC x0, y0, x1, y1) of the current viewport."""
        sampler = self.smooth if smooth else self.sharp
        sampler.use(0)
        texture.use(0)
        set_uniform(self.program, "u_image", 0)
        set_uniform(self.program, "u_rect", rect)
        if blend:
            self.ctx.enable(moderngl.BLEND)
            self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4)
        if blend:
            self.ctx.disable(moderngl.BLEND)
        sampler.clear(0)

    def hud_texture(self, image: np.ndarray) -> moderngl.Texture:
        """Upload the heads-up image, reusing the texture while its size holds."""
        h, w, _ = image.shape
        if self.hud is None or self.hud.size != (w, h):
            if self.hud is not None:
                self.hud.release()
            self.hud = self.ctx.texture((w, h), 4)
        self.hud.write(np.ascontiguousarray(image).tobytes())
        return self.hud

    def release(self) -> None:
        """Free GL objects."""
        for obj in (self.vao, self.program, self.smooth, self.sharp, self.hud):
            if obj is not None:
                obj.release()
