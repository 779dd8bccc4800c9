"""The camera: exposure, sensor noise, display rendering and dither (``shaders/post.glsl``)."""

from __future__ import annotations

import moderngl
import numpy as np

from renderer.gl.shaders import build_program, set_uniform
from renderer.physics.camera import (
    CAMERA_BLACK_POINT,
    CAMERA_S_CURVE,
    camera_response,
    saturation_luminance,
    sensor_noise,
)
from renderer.scene import Camera, Exposure


def _glsl(kind: str, values: np.ndarray) -> str:
    """A GLSL constructor of ``kind`` holding ``values`` (flattened) as float32, exactly."""
    flat = np.asarray(values, dtype=np.float32).ravel()
    return f"{kind}({', '.join(repr(float(v)) for v in flat)})"


class PostPass:
    """Turns the HDR radiance buffer into display-ready 8-bit RGB.

    ``dither`` off for a target deeper than 8 bits; ``linear`` writes the exposure
    itself (1 = saturation, sensor noise included) before any display rendering, for a
    float target.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        camera: Camera | Exposure,
        *,
        dither: bool = True,
        linear: bool = False,
    ) -> None:
        self.ctx = ctx
        # One program per combination of the choices compiled in (shaders/post.glsl),
        # built on first use, with its vertex array.
        self._programs: dict[tuple[int, ...], tuple[moderngl.Program, moderngl.VertexArray]] = {}
        # A bare Exposure (older callers, tests) means no bloom, no noise and the
        # camera rendering.
        self.camera = camera if isinstance(camera, Camera) else None
        self.exposure = camera.exposure if isinstance(camera, Camera) else camera
        self.dither = dither
        self.linear = linear

    def draw(
        self,
        hdr: moderngl.Texture,
        frame_index: int,
        height: int,
        width: int | None = None,
        *,
        exposure: Exposure | None = None,
        glare: tuple[moderngl.Texture, float] | None = None,
        luma: bool = False,
    ) -> None:
        """Draw into the bound 8-bit framebuffer, reading the radiance in ``hdr``.

        ``height`` and ``width`` are the view's (``width`` defaults to ``hdr``'s): ``hdr``
        may be padded beyond it, and rows are flipped within the view.  The width sets
        how many photosites an output pixel gathers (the sensor noise).  ``exposure``
        is this frame's where a keyframed camera changes it (default the camera's).
        ``glare`` is (halo, fraction) from ``BloomPass.draw_halo``, whose cleaned
        radiance ``hdr`` then is: each pixel reads mix(radiance, halo, fraction), the
        glare's composite done here rather than in a pass of its own.  ``luma``: the
        framebuffer's second target receives the frame's BT.709 Y' plane (``YuvPass.y``),
        so that ``YuvPass.draw`` need not make it.
        """
        exposure = self.exposure if exposure is None else exposure
        noise = self.camera.noise if self.camera is not None else None
        tone = self.camera.tone if self.camera is not None else "camera"
        p, vao = self._program(
            glare=glare is not None,
            noise=noise is not None,
            linear=self.linear,
            filmic=tone == "filmic",
            dither=self.dither,
            luma=luma and not self.linear,
        )
        if noise is not None:
            model = sensor_noise(noise, exposure, width or hdr.width)
            set_uniform(p, "u_full_well", model.full_well_e)
            set_uniform(p, "u_read_noise", model.read_noise_e)
            set_uniform(p, "u_hot_fraction", model.hot_fraction)
            set_uniform(p, "u_hot_mean_e", model.hot_mean_e)
            set_uniform(p, "u_noise_seed", noise.seed & 0xFFFFFFFF)
        hdr.use(0)
        set_uniform(p, "u_hdr", 0)
        if glare is not None:
            glare[0].use(1)
            set_uniform(p, "u_halo", 1)
            set_uniform(p, "u_glare_fraction", glare[1])
        set_uniform(p, "u_height", float(height))
        set_uniform(p, "u_exposure", 1.0 / saturation_luminance(exposure))
        set_uniform(p, "u_frame", frame_index & 0xFFFFFFFF)
        set_uniform(p, "u_black_point", CAMERA_BLACK_POINT)
        set_uniform(p, "u_s_curve", CAMERA_S_CURVE)
        vao.render(moderngl.TRIANGLES, vertices=3)

    def _program(self, **choices: bool) -> tuple[moderngl.Program, moderngl.VertexArray]:
        """The program with ``choices`` (glare, noise, linear, filmic, dither, luma) compiled
        in, and its vertex array."""
        key = tuple(int(v) for v in choices.values())
        if key not in self._programs:
            defines: dict[str, object] = {name.upper(): int(v) for name, v in choices.items()}
            if choices["noise"]:
                response = camera_response()
                # GLSL's mat3() takes the columns.
                defines["SRGB_FROM_RAW"] = _glsl("mat3", response.matrix.T)
                defines["RAW_FROM_SRGB"] = _glsl("mat3", np.linalg.inv(response.matrix).T)
                defines["RAW_GAIN"] = _glsl("vec3", response.channel_gain)
            program = build_program(self.ctx, "post.glsl", defines)
            self._programs[key] = (program, self.ctx.vertex_array(program, []))
        return self._programs[key]

    def release(self) -> None:
        """Free GL objects."""
        for program, vao in self._programs.values():
            vao.release()
            program.release()
        self._programs.clear()
