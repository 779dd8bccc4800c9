"""The one place an OpenGL context is created.

Headless rendering uses EGL: on a machine with an NVIDIA (or other hardware) EGL
device the context lands on the GPU, otherwise on Mesa's llvmpipe software
rasteriser.  orbitlapse needs OpenGL 4.5 (GLSL 4.50 for coarse derivatives,
compute shaders for the later passes); llvmpipe and current GPU drivers have it,
and the same code runs on both.

``ORBITLAPSE_EGL_DEVICE`` picks an EGL device index by hand when a machine has
several. Otherwise a ``CUDA_VISIBLE_DEVICES`` (set by Ray and other schedulers) picks the
EGL device on that GPU (``devices.py``); else the first device EGL enumerates.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
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
    chosen = os.environ.get("ORBITLAPSE_EGL_DEVICE")
    if chosen is not None:
        device = int(chosen)
    else:
        from renderer.gl.devices import egl_device_for_cuda

        device = egl_device_for_cuda() or 0
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


@contextlib.contextmanager
def gl_failures(what: str) -> Iterator[None]:
    """Turn moderngl's errors inside the block into a one-line RenderError.

    moderngl raises a bare ``moderngl.Error`` (a framebuffer that cannot be completed, a
    texture too large for the driver, memory the driver cannot allocate); ``what`` names
    the step for the message.
    """
    try:
        yield
    except moderngl.Error as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise RenderError(f"OpenGL failed {what}: {first}") from None


def bind_default_framebuffer(ctx: moderngl.Context) -> None:
    """Bind framebuffer 0 before releasing the bound one.

    moderngl re-binds the last used framebuffer when it creates the next one; if
    that one was released, GL reports INVALID_OPERATION.
    """
    ctx.detect_framebuffer(0).use()


def create_window_context(width: int, height: int, title: str) -> tuple[object, moderngl.Context]:
    """Open a GLFW window with an OpenGL 4.5 core context; returns ``(window, ctx)``.

    For the preview only: glfw is imported here, never at module level, so the
    headless commands (render, still) never load a window system.  The caller
    owns the window and ends GLFW with ``glfw.terminate()`` when done.  Raises
    RenderError with a one-line reason when there is no display or no GL 4.5.
    """
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise RenderError(
            "preview needs a display: DISPLAY is not set (run it in a desktop session, "
            "over ssh -X, or under Xvfb)"
        )
    try:
        import glfw
    except ImportError as exc:
        raise RenderError(f"preview needs the glfw package: {exc}") from None
    errors: list[str] = []
    glfw.set_error_callback(lambda code, text: errors.append(_text(text)))
    if not glfw.init():
        reason = errors[-1] if errors else "unknown reason"
        raise RenderError(f"cannot start GLFW (the window library): {reason}")
    # The shaders are "#version 450 core"; forward compatible for macOS-style drivers.
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, GL_REQUIRED // 100)
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, GL_REQUIRED // 10 % 10)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
    glfw.window_hint(glfw.DOUBLEBUFFER, True)
    window = glfw.create_window(width, height, title, None, None)
    if not window:
        glfw.terminate()
        reason = errors[-1] if errors else "unknown reason"
        raise RenderError(
            f"cannot open an OpenGL {GL_REQUIRED // 100}.{GL_REQUIRED // 10 % 10} core window: "
            f"{reason}"
        )
    glfw.make_context_current(window)
    try:
        ctx = moderngl.create_context(require=GL_REQUIRED)
    except Exception as exc:
        glfw.terminate()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(f"cannot use the window's OpenGL context: {first}") from None
    return window, ctx


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
