"""The Earth pass: surface (and, with later layers, lights, clouds, air) per pixel.

Draws a full-screen triangle with ``shaders/earth.glsl``; the shader meets each
view ray with the WGS84 ellipsoid.  Geometry arrives in the ITRS: the camera
basis, position and the Sun's direction are rotated here, in float64, from the
frame's GCRS state.
"""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np

from renderer.earth_textures import day_textures
from renderer.errors import RenderError
from renderer.frame_state import FrameState, View
from renderer.gl.shaders import build_program
from renderer.passes.common import set_camera, set_uniform
from renderer.scene import Earth

GL_SRGB8 = 0x8C41

# Illuminance of sunlight outside the atmosphere at 1 au: the luminous solar
# constant, 133.8 klx (Darula, Kittler & Gueymard 2005, Solar Energy 79:559).
# Not in REFERENCE.md; scaled by (1 au / distance)^2 for the date.
SOLAR_ILLUMINANCE_1AU_LUX = 133_800.0
AU_KM = 149_597_870.7
MOON_MEAN_DISTANCE_KM = 384_400.0


def _srgb_texture(ctx: moderngl.Context, rgb: np.ndarray, *, repeat_x: bool) -> moderngl.Texture:
    """An sRGB texture (decoded to linear light by the sampler), mipmapped, anisotropic."""
    h, w, _ = rgb.shape
    tex = ctx.texture((w, h), 3, np.ascontiguousarray(rgb).tobytes(), alignment=1,
                      internal_format=GL_SRGB8)
    tex.repeat_x = repeat_x
    tex.repeat_y = False
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    tex.build_mipmaps()
    tex.anisotropy = 16.0
    return tex


def lunar_illuminance_lux(moon_km: np.ndarray, sun_km: np.ndarray) -> float:
    """Illuminance of moonlight at the Earth, lux, from the Moon's phase and distance.

    The Moon's V magnitude at phase angle alpha (degrees) and mean distance,
    m = -12.73 + 0.026 |alpha| + 4e-9 alpha^4 (Allen's Astrophysical Quantities),
    converted with E = 10^((-14.18 - m) / 2.5) lux (shared/REFERENCE.md, "Stars"),
    then scaled by (mean distance / distance)^2.  Full Moon: 0.26 lux.
    """
    to_sun = sun_km - moon_km
    to_earth = -moon_km
    cos_a = np.dot(to_sun, to_earth) / (np.linalg.norm(to_sun) * np.linalg.norm(to_earth))
    alpha = float(np.degrees(np.arccos(np.clip(cos_a, -1.0, 1.0))))
    mag = -12.73 + 0.026 * alpha + 4e-9 * alpha**4
    d = float(np.linalg.norm(moon_km))
    return 10.0 ** ((-14.18 - mag) / 2.5) * (MOON_MEAN_DISTANCE_KM / d) ** 2


def solar_illuminance_lux(sun_km: np.ndarray) -> float:
    """Solar illuminance at the Earth for a Sun at ``sun_km`` (geocentric), lux."""
    d = float(np.linalg.norm(sun_km))
    return SOLAR_ILLUMINANCE_1AU_LUX * (AU_KM / d) ** 2


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
                raise RenderError(f"texture {path} is {equirect.shape[1]}x{equirect.shape[0]}, "
                                  f"larger than this GL allows ({limit})")
            self.day_textures = [_srgb_texture(ctx, equirect, repeat_x=True),
                                 _srgb_texture(ctx, north, repeat_x=False),
                                 _srgb_texture(ctx, south, repeat_x=False)]

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the Earth's radiance for one instant, times ``weight``, to the bound buffer."""
        m = state.itrs_from_gcrs
        p = self.program
        set_uniform(p, "u_weight", weight)
        set_camera(p, view, m @ state.camera_right, m @ state.camera_up, m @ state.camera_forward)
        set_uniform(p, "u_cam_pos", m @ state.camera_pos_km)
        sun = m @ state.sun_km
        set_uniform(p, "u_sun_dir", sun / np.linalg.norm(sun))
        set_uniform(p, "u_sun_illuminance", solar_illuminance_lux(state.sun_km))
        set_uniform(p, "u_moon_pos", m @ state.moon_km)
        set_uniform(p, "u_moon_illuminance", lunar_illuminance_lux(state.moon_km, state.sun_km))
        set_uniform(p, "u_day_enabled", bool(self.day_textures))
        for unit, (tex, name) in enumerate(
                zip(self.day_textures, ("u_day", "u_day_north", "u_day_south"), strict=False)):
            tex.use(unit)
            set_uniform(p, name, unit)
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        """Free GL objects."""
        for obj in (self.vao, self.program, *self.day_textures):
            obj.release()
