"""The one place an OpenGL context is created.

Headless rendering uses EGL: on a machine with an NVIDIA (or other hardware) EGL
device the context lands on the GPU, otherwise on Mesa's llvmpipe software
rasteriser.  orbitlapse needs OpenGL 4.5 (GLSL 4.50 for coarse derivatives,
compute shaders for the later passes); llvmpipe and current GPU drivers have it,
and the same code runs on both.

``ORBITLAPSE_EGL_DEVICE`` picks an EGL device index by hand when a machine has
several (the default, 0, is the first device EGL enumerates).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import moderngl

from renderer.errors import RenderError

GL_REQUIRED = 450

# Substrings of GL_RENDERER that mean a CPU implementation.
_SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swiftshader", "software", "swrast", "lavapipe")


@dataclass(frozen=True)
class GLInfo:
    """What a context runs on, for ``orbitlapse info`` and the benchmark."""

    renderer: str
    vendor: str
    version: str
    version_code: int
    software: bool
    max_texture_size: int

    @property
    def kind(self) -> str:
        """``"GPU"`` or ``"software"``."""
        return "software" if self.software else "GPU"


def create_headless_context() -> moderngl.Context:
    """Create a standalone EGL context (no window, no display server needed).

    Raises RenderError with a one-line reason when EGL or GL 4.3 is missing.
    """
    device = int(os.environ.get("ORBITLAPSE_EGL_DEVICE", "0"))
    try:
        ctx = moderngl.create_standalone_context(
            backend="egl", require=GL_REQUIRED, device_index=device
        )
    except Exception as exc:  # moderngl raises plain Exception subclasses from C
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(
            f"cannot create an OpenGL {GL_REQUIRED // 100}.{GL_REQUIRED // 10 % 10} context "
            f"through EGL (device {device}): {first}; on Debian install libegl1 and "
            "libgl1-mesa-dri for software rendering"
        ) from None
    return ctx


def gl_info(ctx: moderngl.Context) -> GLInfo:
    """Describe the renderer behind ``ctx``."""
    info = ctx.info
    renderer = str(info.get("GL_RENDERER", "unknown"))
    return GLInfo(
        renderer=renderer,
        vendor=str(info.get("GL_VENDOR", "unknown")),
        version=str(info.get("GL_VERSION", "unknown")),
        version_code=ctx.version_code,
        software=any(s in renderer.lower() for s in _SOFTWARE_RENDERERS),
        max_texture_size=int(info.get("GL_MAX_TEXTURE_SIZE", 0)),
    )


def check_gl_error(ctx: moderngl.Context, what: str) -> None:
    """Raise RenderError if the context has recorded a GL error (``what`` names the step)."""
    err = ctx.error
    if err != "GL_NO_ERROR":
        raise RenderError(f"OpenGL error after {what}: {err}")


def bind_default_framebuffer(ctx: moderngl.Context) -> None:
    """Bind framebuffer 0 before releasing the bound one.

    moderngl re-binds the last used framebuffer when it creates the next one; if
    that one was released, GL reports INVALID_OPERATION.
    """
    ctx.detect_framebuffer(0).use()
