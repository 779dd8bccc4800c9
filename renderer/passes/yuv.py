"""BT.709 Y'CbCr 4:2:0 planes from the finished 8-bit frame (``shaders/yuv.glsl``).

Used for the yuv420p codecs (h264, h265, av1): ffmpeg then gets planes ready to
encode, and the read-back moves 1.5 bytes per pixel instead of 3.
"""

from __future__ import annotations

import moderngl

from renderer.gl.context import bind_default_framebuffer
from renderer.gl.shaders import build_program


class YuvPass:
    """Owns the three planes and converts the post pass's frame into them."""

    def __init__(self, ctx: moderngl.Context, width: int, height: int) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"4:2:0 needs an even frame size, not {width}x{height}")
        self.ctx = ctx
        self.width, self.height = width, height
        self.luma_program = build_program(ctx, "yuv.glsl", {"LUMA": 1})
        self.chroma_program = build_program(ctx, "yuv.glsl", {"CHROMA": 1})
        self.luma_vao = ctx.vertex_array(self.luma_program, [])
        self.chroma_vao = ctx.vertex_array(self.chroma_program, [])
        self.y = ctx.texture((width, height), 1)
        self.cb = ctx.texture((width // 2, height // 2), 1)
        self.cr = ctx.texture((width // 2, height // 2), 1)
        self.y_fbo = ctx.framebuffer(color_attachments=[self.y])
        self.c_fbo = ctx.framebuffer(color_attachments=[self.cb, self.cr])

    @property
    def nbytes(self) -> int:
        """Bytes of one frame's planes: W*H luma + 2 * (W/2)*(H/2) chroma."""
        return self.width * self.height * 3 // 2

    def draw(self, rgb: moderngl.Texture, *, luma: bool = True) -> None:
        """Convert ``rgb`` (the post pass's frame, top row first) into the planes; the
        chroma alone where the post pass has written ``y`` itself (``luma`` False)."""
        rgb.use(0)
        if luma:
            self.luma_program["u_rgb"].value = 0
            self.y_fbo.use()
            self.luma_vao.render(moderngl.TRIANGLES, vertices=3)
        self.chroma_program["u_rgb"].value = 0
        self.c_fbo.use()
        self.chroma_vao.render(moderngl.TRIANGLES, vertices=3)

    def read_into(self, buffer: moderngl.Buffer) -> None:
        """Start an asynchronous read-back of Y, then Cb, then Cr (planar yuv420p)."""
        wh = self.width * self.height
        self.y_fbo.read_into(buffer, components=1, alignment=1)
        self.c_fbo.read_into(buffer, components=1, alignment=1, attachment=0, write_offset=wh)
        self.c_fbo.read_into(
            buffer, components=1, alignment=1, attachment=1, write_offset=wh + wh // 4
        )

    def read(self) -> bytes:
        """The planes as bytes (blocking)."""
        buf = self.ctx.buffer(reserve=self.nbytes)
        try:
            self.read_into(buf)
            return buf.read()
        finally:
            buf.release()

    def release(self) -> None:
        """Free GL objects."""
        bind_default_framebuffer(self.ctx)
        for obj in (
            self.y_fbo,
            self.c_fbo,
            self.y,
            self.cb,
            self.cr,
            self.luma_vao,
            self.chroma_vao,
            self.luma_program,
            self.chroma_program,
        ):
            obj.release()
