"""The Earth pass: surface, city lights, clouds, glint, atmosphere and airglow per pixel.

Draws a full-screen triangle with ``shaders/earth.glsl``; the shader meets each
view ray with the WGS84 ellipsoid and integrates the air and the airglow
shells along it.  Geometry arrives in the ITRS: the camera basis, position and
the Sun's direction are rotated here, in float64, from the frame's GCRS state.
Time-dependent phases (cloud drift, airglow ripples) are reduced here in
float64 too, so the shader never sees a large time.

Textures that do not depend on the scene (night lights, water mask, the
shipped day texture) are uploaded once per GL context and shared.
"""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np

from renderer.assets import asset_path
from renderer.astro.constants import WGS84_A_KM
from renderer.errors import RenderError
from renderer.frame_state import FrameState, View
from renderer.gl.atmosphere_tables import bind_atmosphere
from renderer.gl.cloud_cover import cloud_threshold
from renderer.gl.shaders import build_program, set_uniform
from renderer.passes.common import set_earth_fixed_view
from renderer.physics import clouds as cloud_params
from renderer.physics.airglow import MAX_LAYERS, layer_uniforms, ripple_uniforms
from renderer.physics.night_lights import (
    CD_PER_NW,
    LED_RGB,
    LIGHTS_MAX_NW,
    SODIUM_RGB,
    decode_lights,
    decode_share,
)
from renderer.physics.photometry import lunar_illuminance_lux, solar_illuminance_lux
from renderer.physics.surface import day_textures
from renderer.scene import Earth

GL_SRGB8 = 0x8C41


def _srgb_texture(ctx: moderngl.Context, rgb: np.ndarray, *, repeat_x: bool) -> moderngl.Texture:
    """An sRGB texture (decoded to linear light by the sampler), trilinear.

    Not anisotropic: earth.glsl's sample_anisotropic filters the footprint itself.
    """
    h, w, _ = rgb.shape
    tex = ctx.texture(
        (w, h), 3, np.ascontiguousarray(rgb).tobytes(), alignment=1, internal_format=GL_SRGB8
    )
    tex.repeat_x = repeat_x
    tex.repeat_y = False
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    tex.build_mipmaps()
    return tex


def _read_grey(name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(asset_path(name)) as img:
        return np.asarray(img.convert("L"))


def _read_grey_alpha(name: str) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    with Image.open(asset_path(name)) as img:
        la = np.asarray(img.convert("LA"))
    return la[..., 0], la[..., 1]


def _linear_texture(
    ctx: moderngl.Context, data: np.ndarray, *, mipmaps: bool, dtype: str
) -> moderngl.Texture:
    """A one- or two-channel equirectangular texture, repeating in x, trilinear, no anisotropy.

    No anisotropic filtering: llvmpipe's ignores textureGrad's explicit
    gradients, which the shader uses to blur the lights under clouds.
    """
    h, w = data.shape[:2]
    channels = 1 if data.ndim == 2 else data.shape[2]
    tex = ctx.texture(
        (w, h), channels, np.ascontiguousarray(data).tobytes(), alignment=1, dtype=dtype
    )
    tex.repeat_x = True
    tex.repeat_y = False
    if mipmaps:
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        tex.build_mipmaps()
    else:
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    return tex


# Per-context textures shared by every Earth pass: {id(ctx): (ctx, {name: texture})}.
_SHARED: dict[int, tuple[moderngl.Context, dict[str, moderngl.Texture]]] = {}


def _shared_texture(ctx: moderngl.Context, name: str) -> moderngl.Texture:
    entry = _SHARED.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        entry = (ctx, {})
        _SHARED[id(ctx)] = entry
    cache = entry[1]
    if name not in cache:
        if name == "lights":
            # Decoded to linear radiance over LIGHTS_MAX_NW, all light and the LED
            # light (premultiplied), so filtering averages light of each kind.
            grey, alpha = _read_grey_alpha("night_lights.png")
            lin = decode_lights(grey) / LIGHTS_MAX_NW
            rg = np.stack([lin, lin * decode_share(alpha)], axis=-1).astype(np.float16)
            cache[name] = _linear_texture(ctx, rg, mipmaps=True, dtype="f2")
        elif name == "water":
            cache[name] = _linear_texture(
                ctx, _read_grey("water_mask.png"), mipmaps=True, dtype="f1"
            )
        else:
            raise KeyError(name)
    return cache[name]


def release_shared_textures(ctx: moderngl.Context) -> None:
    """Free the textures shared by the Earth passes of ``ctx``."""
    entry = _SHARED.pop(id(ctx), None)
    if entry is not None:
        for tex in entry[1].values():
            tex.release()


def _set_array(program: moderngl.Program, name: str, values: list[float]) -> None:
    """Write a float/vec3 uniform array (as much of it as the linker kept)."""
    if name not in program:
        return
    member = program[name]
    data = np.asarray(values, dtype=np.float32)
    member.write(data[: member.array_length * member.dimension].tobytes())


class EarthPass:
    """Owns the Earth program and its textures for one GL context."""

    def __init__(self, ctx: moderngl.Context, earth: Earth) -> None:
        self.ctx = ctx
        self.earth = earth
        self.program = build_program(ctx, "earth.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        self.day_textures: list[moderngl.Texture] = []
        if earth.day is not None:
            path = Path(earth.day.texture) if earth.day.texture else None
            equirect, north, south = day_textures(path)
            limit = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 16384))
            if max(equirect.shape[:2]) > limit:
                raise RenderError(
                    f"texture {path} is {equirect.shape[1]}x{equirect.shape[0]}, "
                    f"larger than this GL allows ({limit})"
                )
            self.day_textures = [
                _srgb_texture(ctx, equirect, repeat_x=True),
                _srgb_texture(ctx, north, repeat_x=False),
                _srgb_texture(ctx, south, repeat_x=False),
            ]
        self.lights = _shared_texture(ctx, "lights") if earth.night_lights else None
        needs_water = earth.glint or earth.night_lights
        self.water = _shared_texture(ctx, "water") if needs_water else None
        self.cloud_threshold = cloud_threshold(ctx, earth.clouds) if earth.clouds else 0.0
        layers = earth.airglow.layers if earth.airglow else ()
        if len(layers) > MAX_LAYERS:
            raise RenderError(f"{len(layers)} airglow layers; at most {MAX_LAYERS} are drawn")
        self.airglow = [layer_uniforms(layer) for layer in layers]

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the Earth's radiance for one instant, times ``weight``, to the bound buffer."""
        m = state.itrs_from_gcrs
        p = self.program
        set_uniform(p, "u_weight", weight)
        set_earth_fixed_view(p, state, view)
        set_uniform(p, "u_sun_illuminance", solar_illuminance_lux(state.sun_km))
        set_uniform(p, "u_moon_pos", m @ state.moon_km)
        set_uniform(p, "u_moon_illuminance", lunar_illuminance_lux(state.moon_km, state.sun_km))
        set_uniform(p, "u_day_enabled", bool(self.day_textures))
        for unit, (tex, name) in enumerate(
            zip(self.day_textures, ("u_day", "u_day_north", "u_day_south"), strict=False)
        ):
            tex.use(unit)
            set_uniform(p, name, unit)
        unit = 3
        earth = self.earth
        set_uniform(p, "u_atmosphere_enabled", earth.atmosphere is not None)
        unit = bind_atmosphere(p, unit)
        set_uniform(p, "u_lights_enabled", self.lights is not None)
        if self.lights is not None:
            self.lights.use(unit)
            set_uniform(p, "u_lights", unit)
            unit += 1
            scale = LIGHTS_MAX_NW * CD_PER_NW * earth.night_lights.intensity
            set_uniform(p, "u_lights_radiance", tuple(scale * c for c in SODIUM_RGB))
            led_extra = tuple(scale * (a - b) for a, b in zip(LED_RGB, SODIUM_RGB, strict=True))
            set_uniform(p, "u_lights_led_extra", led_extra)
        set_uniform(p, "u_glint_enabled", self.earth.glint is not None)
        if self.water is not None:
            self.water.use(unit)
            set_uniform(p, "u_water", unit)
            unit += 1
        self._set_clouds(state)
        self._set_airglow(state)
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def _set_clouds(self, state: FrameState) -> None:
        p = self.program
        clouds = self.earth.clouds
        set_uniform(p, "u_clouds_enabled", clouds is not None)
        if clouds is None:
            return
        set_uniform(p, "u_cloud_radius", WGS84_A_KM + clouds.altitude_km)
        set_uniform(p, "u_cloud_threshold", self.cloud_threshold)
        set_uniform(p, "u_cloud_offset", cloud_params.seed_offset(clouds.seed))
        set_uniform(p, "u_cloud_frame", cloud_params.drift_frame(clouds, state.utc))

    def _set_airglow(self, state: FrameState) -> None:
        p = self.program
        set_uniform(p, "u_airglow_count", len(self.airglow))
        if not self.airglow:
            return
        pad = MAX_LAYERS - len(self.airglow)
        _set_array(p, "u_airglow_radius", [a.radius_km for a in self.airglow] + [0.0] * pad)
        _set_array(p, "u_airglow_sigma", [a.sigma_km for a in self.airglow] + [1.0] * pad)
        _set_array(
            p, "u_airglow_emission", [c for a in self.airglow for c in a.emission] + [0.0] * 3 * pad
        )
        seconds = (state.utc - cloud_params.J2000).total_seconds()
        ks, phases, amps = ripple_uniforms(seconds)
        _set_array(p, "u_ripple_k", ks.ravel().tolist())
        _set_array(p, "u_ripple_phase", phases.tolist())
        _set_array(p, "u_ripple_amplitude", amps.tolist())

    def release(self) -> None:
        """Free GL objects."""
        for obj in (self.vao, self.program, *self.day_textures):
            obj.release()
