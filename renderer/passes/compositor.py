"""One frame: every pass into a float radiance buffer, then the camera into 8 bits.

Passes draw radiance (cd/m^2, linear sRGB) ADDED into one float buffer: the
Earth (surface, lights, clouds, atmosphere, airglow), the sky (stars, Sun,
Moon, planets) and sprites (plumes, stages).  Each pass hides what the Earth
hides by testing its own rays against the ellipsoid, so no depth buffer and no
draw order is needed between them.

Motion blur: the sub-frames of a frame are drawn one after another into the
same buffer, each weighted 1/n, so the result is their mean whatever order
they are drawn in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import moderngl

from renderer.frame_state import FrameState, View
from renderer.gl.context import bind_default_framebuffer, check_gl_error
from renderer.gl.gl_path import choose_gl_path
from renderer.passes.bloom import BloomPass
from renderer.passes.bodies import BodiesPass
from renderer.passes.earth import EarthPass
from renderer.passes.post import PostPass
from renderer.passes.sprites import SpritePass
from renderer.passes.stars import StarsPass
from renderer.passes.yuv import YuvPass
from renderer.scene import Scene


class RadiancePass(Protocol):
    """What the compositor asks of a pass that adds radiance to the frame."""

    def draw(self, state: FrameState, view: View, weight: float) -> None:
        """Add this pass's radiance for one instant, times ``weight``, to the bound buffer."""

    def release(self) -> None:
        """Free GL objects."""


def build_passes(ctx: moderngl.Context, scene: Scene, gl_path: str) -> list[RadiancePass]:
    """The radiance passes a scene needs, in drawing order; ``gl_path`` is
    ``"fragment"`` or ``"compute"`` (the scene's, decided for the device)."""
    passes: list[RadiancePass] = [EarthPass(ctx, scene.earth, gl_path)]
    if scene.stars is not None:
        passes.append(StarsPass(ctx, scene.stars, scene.camera.exposure))
    passes.append(BodiesPass(ctx, scene))
    if scene.launches:  # plumes, flashes, spent stages, exhaust clouds
        passes.append(SpritePass(ctx, scene))
    return passes


#: Frame layouts a compositor reads back: 8-bit RGB, the Y'CbCr 4:2:0 planes, 16-bit RGB
#: in the display encoding (png16), the linear exposure as float RGB (exr).
OUTPUT_LAYOUTS = ("rgb24", "yuv420p", "rgb48le", "rgbf32le")
#: The deep layouts: the post pass draws into a target of this texture type instead.
_DEEP_TARGETS = {"rgb48le": "nu2", "rgbf32le": "f4"}

HDR_PAD = 128  # 2^7: exact mip levels up to 7 (glare up to ~110 px sigma, 4K and 60 deg)


def padded_size(view: View) -> tuple[int, int]:
    """Size of the radiance buffer for a view: W and H rounded up to HDR_PAD."""
    return -(-view.width // HDR_PAD) * HDR_PAD, -(-view.height // HDR_PAD) * HDR_PAD


class Compositor:
    """Owns the framebuffers and the passes for one scene at one image size."""

    def __init__(
        self, ctx: moderngl.Context, scene: Scene, view: View, *, output: str = "rgb24"
    ) -> None:
        """``output`` is the layout of the frame read back, one of ``OUTPUT_LAYOUTS``."""
        if output not in OUTPUT_LAYOUTS:
            raise ValueError(f"unknown output layout {output!r}")
        self.ctx = ctx
        self.output = output
        self.scene = scene
        self.gl_path = choose_gl_path(ctx, scene.gl_path).path
        self.passes = build_passes(ctx, scene, self.gl_path)
        deep = output in _DEEP_TARGETS
        self.post = PostPass(ctx, scene.camera, dither=not deep, linear=output == "rgbf32le")
        self._build_targets(view)
        check_gl_error(ctx, "creating the frame's passes")

    def _build_targets(self, view: View) -> None:
        """The buffers, glare and Y'CbCr stages sized for ``view``."""
        ctx = self.ctx
        self.view = view
        self._targets_view = view  # self.view may be swapped for a new field of view alone
        size = (view.width, view.height)
        # The radiance buffer is padded with black to a multiple of HDR_PAD
        # pixels: the glare reads its mip chain, and only then is every texel of
        # the levels it uses an exact box average of whole pixels (GL floors
        # odd sizes, which would leak energy).  Passes draw in the W x H corner.
        self.hdr = ctx.texture(padded_size(view), 4, dtype="f4")
        # No mipmap filter here: without mip levels that would make the texture
        # incomplete (black) for the post pass when there is no glare.
        self.hdr.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.hdr.repeat_x = self.hdr.repeat_y = False
        self.hdr_fbo = ctx.framebuffer(color_attachments=[self.hdr])
        self.hdr_fbo.viewport = (0, 0, view.width, view.height)
        # A texture, not a renderbuffer, so a window can draw the finished frame.
        # Its rows are stored top row first (the post pass flips them for read-back).
        self.ldr = ctx.texture(size, 4)
        self.yuv = YuvPass(ctx, view.width, view.height) if self.output == "yuv420p" else None
        # With the Y'CbCr planes, the post pass writes the luma plane as well.
        luma = [self.yuv.y] if self.yuv is not None else []
        self.ldr_fbo = ctx.framebuffer(color_attachments=[self.ldr, *luma])
        bloom = self.scene.camera.bloom
        # The glare's kernels are sized by the focal length in pixels: built per view.
        self.bloom = (
            BloomPass(ctx, bloom, view, padded_size(view), gl_path=self.gl_path)
            if bloom and bloom.fraction > 0
            else None
        )
        # The frame-sequence codecs' deeper target: 16-bit normalised or float.
        self.deep: moderngl.Texture | None = None
        self.deep_fbo: moderngl.Framebuffer | None = None
        if self.output in _DEEP_TARGETS:
            self.deep = ctx.texture(size, 4, dtype=_DEEP_TARGETS[self.output])
            self.deep_fbo = ctx.framebuffer(color_attachments=[self.deep])

    def _release_targets(self) -> None:
        bind_default_framebuffer(self.ctx)
        if self.bloom is not None:
            self.bloom.release()
        if self.yuv is not None:
            self.yuv.release()
        if self.deep_fbo is not None and self.deep is not None:
            self.deep_fbo.release()
            self.deep.release()
        for obj in (self.hdr_fbo, self.hdr, self.ldr_fbo, self.ldr):
            obj.release()

    def resize(self, view: View) -> None:
        """Draw at another size or field of view from now on.

        Only what depends on the view is rebuilt (the buffers, the glare, the
        Y'CbCr stage); the passes keep their programs and textures, so this is
        cheap next to building a new compositor (the preview's resize and zoom).
        """
        if view == self._targets_view:
            self.view = view
            return
        old = self._targets_view
        if (view.width, view.height) == (old.width, old.height) and (
            self.bloom is None or self.bloom.refocus(view)
        ):
            # A new field of view alone (a zoom): the buffers stay, the glare re-aims.
            self.view = self._targets_view = view
            return
        self._release_targets()
        self._build_targets(view)
        check_gl_error(self.ctx, f"resizing the frame to {view.width}x{view.height}")

    def render_radiance(self, substates: Sequence[FrameState]) -> None:
        """Fill the float buffer with the frame's radiance (mean over the sub-frames)."""
        ctx = self.ctx
        weight = 1.0 / len(substates)
        self.hdr_fbo.use()
        self.hdr_fbo.clear(0.0, 0.0, 0.0, 0.0, viewport=(0, 0, *self.hdr.size))
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        for state in substates:
            for p in self.passes:
                p.draw(state, self.view, weight)
        ctx.disable(moderngl.BLEND)

    def render(self, substates: Sequence[FrameState], frame_index: int) -> None:
        """Draw one frame from its sub-frame states (one state when blur is off).

        A keyframed camera's field of view and exposure are the middle sub-frame's,
        held over the frame's shutter.
        """
        middle = substates[len(substates) // 2]
        if middle.fov_deg is not None and middle.fov_deg != self.view.fov_deg:
            self.resize(View(self.view.width, self.view.height, middle.fov_deg))
        self.render_radiance(substates)
        radiance, glare = self.hdr, None
        if self.bloom is not None:
            # The post pass mixes the halo in: no full-size pass writes the mix.
            radiance, halo = self.bloom.draw_halo(self.hdr)
            glare = (halo, self.bloom.bloom.fraction)
        (self.deep_fbo or self.ldr_fbo).use()
        self.post.draw(
            radiance,
            frame_index,
            self.view.height,
            self.view.width,
            exposure=middle.exposure,
            glare=glare,
            luma=self.yuv is not None,
        )
        if self.yuv is not None:
            self.yuv.draw(self.ldr, luma=False)

    @property
    def frame_nbytes(self) -> int:
        """Bytes of one frame in the output layout."""
        if self.yuv is not None:
            return self.yuv.nbytes
        per_channel = {"rgb48le": 2, "rgbf32le": 4}.get(self.output, 1)
        return self.view.width * self.view.height * 3 * per_channel

    def read_frame_into(self, buffer: moderngl.Buffer) -> None:
        """Start an asynchronous read-back of the last frame, in the output layout."""
        if self.yuv is not None:
            self.yuv.read_into(buffer)
        elif self.deep_fbo is not None:
            dtype = "nu2" if self.output == "rgb48le" else "f4"
            self.deep_fbo.read_into(buffer, components=3, alignment=1, dtype=dtype)
        else:
            self.read_rgb_into(buffer)

    def read_rgb(self) -> bytes:
        """The last frame as tightly packed RGB bytes, top row first (blocking)."""
        return self.ldr_fbo.read(components=3, alignment=1)

    def read_rgb_into(self, buffer: moderngl.Buffer) -> None:
        """Start an asynchronous read-back of the last frame into a pixel buffer."""
        self.ldr_fbo.read_into(buffer, components=3, alignment=1)

    def read_hdr(self) -> bytes:
        """The radiance buffer (W x H) as float32 RGBA, bottom row first (for tests)."""
        return self.hdr_fbo.read(
            viewport=(0, 0, self.view.width, self.view.height), components=4, dtype="f4"
        )

    def release(self) -> None:
        """Free GL objects."""
        self._release_targets()
        for p in self.passes:
            p.release()
        self.post.release()
