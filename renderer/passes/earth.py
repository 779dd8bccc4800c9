"""The Earth pass: surface, city lights, clouds, glint, atmosphere and airglow per pixel.

Draws ``shaders/earth.glsl``; the shader meets each view ray with the WGS84
ellipsoid and integrates the air and the airglow shells along it.  The layers
a scene switches off are compiled out (``#define``), and each frame the screen
is split (``earth_regions.py``): the full program runs only where rays meet
the cloud layer or come near the limb, programs without the surface over the
air and airglow around it, nothing beyond; over the ground, blocks where no
city light can show, or only the blurred look-up can read any, are drawn with
the lights (their sharp look-up) compiled out (``earth_lights.py``); and the
airglow's integrals come from a table made per frame
(``renderer/gl/airglow_table.py``).  A light
that cannot reach the air the frame's rays cross (the Sun at night) is
compiled out of the air's march for that frame (``air_lights.py``), on every
path.
``EarthPass.path`` chooses: ``"fast"`` (the default: split and table),
``"split"`` (split, the airglow integrated per pixel) or ``"full"`` (the full
program over every pixel, integrating per pixel: the reference the others are
tested against).  ``gl_path`` ``"compute"`` runs the same pixels as compute
shaders, one work group per block of the regions, adding into the bound
buffer's float texture through image stores: the same picture where a GPU
runs compute faster than fragment shading.  Geometry arrives in the ITRS: the
camera basis, position and the Sun's direction are rotated here, in float64,
from the frame's GCRS state.
Time-dependent phases (cloud drift, airglow ripples) are reduced here in
float64 too, so the shader never sees a large time.

Textures that do not depend on the scene (night lights, water mask, the
shipped day texture) are uploaded once per GL context and shared.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import moderngl
import numpy as np

from renderer.assets import asset_path
from renderer.astro.constants import WGS84_A_KM
from renderer.errors import RenderError
from renderer.frame_state import FrameState, View
from renderer.gl.airglow_table import AirglowTable
from renderer.gl.atmosphere_tables import atmosphere_tables, bind_atmosphere
from renderer.gl.cloud_cover import cloud_threshold, weather_map
from renderer.gl.shaders import build_compute, build_program, set_uniform
from renderer.gl.texture_arrays import (
    cached_arrays,
    level_count,
    mip_levels,
    texture_from_levels,
)
from renderer.passes.air_lights import light_adds_to_air, light_mu_bound
from renderer.passes.common import set_earth_fixed_view
from renderer.passes.earth_lights import (
    LIGHTS_ALL,
    LIGHTS_NO_SHARP,
    LIGHTS_NONE,
    LightsMask,
    light_classes,
)
from renderer.passes.earth_regions import (
    AIRGLOW_EXTENT_SIGMAS,
    ATMOSPHERE_THICKNESS_KM,
    BLOCK,
    SPHERE_SCALE,
    AirTableFrame,
    Regions,
    region_blocks,
    screen_regions,
)
from renderer.physics import clouds as cloud_params
from renderer.physics import night_lights
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


def _mipmapped(
    ctx: moderngl.Context, data: np.ndarray | list[np.ndarray], dtype: str, internal: int | None
) -> moderngl.Texture:
    """A texture with its mip chain: given whole (``mip_levels``' list, from the disk
    cache), or made here from level 0 (``build_mipmaps``)."""
    if isinstance(data, list):
        # A GL or moderngl that will not take the levels directly costs the mipmapping.
        with contextlib.suppress(RuntimeError, AttributeError, TypeError):
            return texture_from_levels(ctx, data, dtype, internal)
        data = data[0]
    h, w = data.shape[:2]
    channels = 1 if data.ndim == 2 else data.shape[2]
    tex = ctx.texture(
        (w, h), channels, np.ascontiguousarray(data), dtype=dtype, internal_format=internal
    )
    tex.build_mipmaps()
    return tex


def _srgb_texture(
    ctx: moderngl.Context, rgb: np.ndarray | list[np.ndarray], *, repeat_x: bool
) -> moderngl.Texture:
    """An sRGB texture (decoded to linear light by the sampler), trilinear; ``rgb`` is
    level 0 or the whole mip chain (``_mipmapped``).

    Not anisotropic: earth.glsl's sample_anisotropic filters the footprint itself.
    """
    tex = _mipmapped(ctx, rgb, "f1", GL_SRGB8)
    tex.repeat_x = repeat_x
    tex.repeat_y = False
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
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
    ctx: moderngl.Context, levels: list[np.ndarray], *, dtype: str
) -> moderngl.Texture:
    """A one- or two-channel equirectangular texture from its mip chain, repeating in x,
    trilinear, no anisotropy.

    No anisotropic filtering: llvmpipe's ignores textureGrad's explicit
    gradients, which the shader uses to blur the lights under clouds.
    """
    tex = _mipmapped(ctx, levels, dtype, None)
    tex.repeat_x = True
    tex.repeat_y = False
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    return tex


# The disk cache of decoded maps (renderer/gl/texture_arrays.py) names each decoding
# with a version ("lights2", "water2", "day2"): a change to _lights_rg, _read_grey or
# day_textures must bump it.  The entries hold whole mip chains as GL makes them.


def _lights_rg() -> np.ndarray:
    """The night lights as linear radiance over LIGHTS_MAX_NW: all light and the LED
    light (premultiplied), so filtering averages light of each kind."""
    grey, alpha = _read_grey_alpha("night_lights.png")
    lin = decode_lights(grey) / LIGHTS_MAX_NW
    return np.stack([lin, lin * decode_share(alpha)], axis=-1).astype(np.float16)


def _day_arrays(
    ctx: moderngl.Context, path: Path | None
) -> list[np.ndarray] | list[list[np.ndarray]]:
    """The day texture's equirectangular map and polar caps (``day_textures``): the
    shipped one's mip chains from the disk cache when made before, a scene's own
    texture's level 0 each run (the cache keeps one entry per map, not one per scene)."""
    if path is not None:
        return list(day_textures(path))
    names = ("earth_day.jpg", "earth_day_north.jpg", "earth_day_south.jpg")
    flat = cached_arrays(
        "day2",
        [asset_path(n) for n in names],
        lambda: [lv for rgb in day_textures(None) for lv in mip_levels(ctx, rgb, "f1", GL_SRGB8)],
    )
    chains = []
    while flat:
        n = level_count(flat[0].shape[1], flat[0].shape[0])
        chains.append(flat[:n])
        flat = flat[n:]
    return chains


# Per-context textures shared by every Earth pass: {id(ctx): (ctx, {name: texture})}:
# "lights", "water", and "clouds SEED" (the cloud layer's weather map for a seed).
_SHARED: dict[int, tuple[moderngl.Context, dict[str, moderngl.Texture]]] = {}
# The lights map's non-zero texels (earth_lights.py), made from the texture's level 0
# with the first lights texture and kept for the process, as the asset does not change.
_LIGHTS_MASK: list[LightsMask] = []


def _shared_texture(ctx: moderngl.Context, name: str) -> moderngl.Texture:
    entry = _SHARED.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        entry = (ctx, {})
        _SHARED[id(ctx)] = entry
    cache = entry[1]
    if name not in cache:
        if name == "lights":
            levels = cached_arrays(
                "lights2",
                (asset_path("night_lights.png"), Path(night_lights.__file__)),
                lambda: mip_levels(ctx, _lights_rg(), "f2"),
            )
            if not _LIGHTS_MASK:
                _LIGHTS_MASK.append(LightsMask(levels[0]))
            cache[name] = _linear_texture(ctx, levels, dtype="f2")
        elif name == "water":
            levels = cached_arrays(
                "water2",
                (asset_path("water_mask.png"),),
                lambda: mip_levels(ctx, _read_grey("water_mask.png"), "f1"),
            )
            cache[name] = _linear_texture(ctx, levels, dtype="f1")
        elif name.startswith("clouds "):
            cache[name] = weather_map(ctx, cloud_params.seed_offset(int(name.split()[1])))
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


# The region programs, innermost first: the full program, then the sky above the
# cloud layer with the air, then the sky above the air (earth_regions.py).
REGION_GROUND, REGION_AIR, REGION_GLOW = "ground", "air", "glow"
# The fast path's innermost region: pixels whose rays all meet the ground, which read
# the air from the frame's air table; and the program that makes that table.
REGION_INNER, AIR_TABLE_BUILD = "inner", "air table"
# The blocks of the inner and ground regions where no city light can show, or the
# lights' sharp look-up can read only texels of 0 (earth_lights.py), drawn by the
# same programs with the lights (their sharp look-up) compiled out: the region's
# name and this suffix, in the order of earth_lights' classes.
LIGHT_CLASS_SUFFIX = {LIGHTS_NO_SHARP: ", no sharp lights", LIGHTS_NONE: ", no lights"}
# Texels in phi (azimuth about the axis) and xi.  The air changes along xi (from the
# limb inward: the path through the air, the Earth's shadow across it) far faster
# than with azimuth: 128 in phi moves a 1080p twilight frame by at most 0.3 %.
AIR_TABLE_SIZE = (128, 256)
PATHS = ("fast", "split", "full")
# The compute path's work groups per dispatch along x (GL guarantees 65535).
MAX_GROUPS_X = 65535
# The whole screen as one triangle larger than it: every pixel once, no seam.
WHOLE_SCREEN = np.array([[-1.0, -1.0], [3.0, -1.0], [-1.0, 3.0]], dtype=np.float32)


class EarthPass:
    """Owns the Earth programs and their textures for one GL context.

    ``path`` is one of ``PATHS`` (the module's docstring); ``gl_path`` is
    ``"fragment"`` or ``"compute"`` (the module's docstring).  ``dark_lights``
    (on by default) lets the split paths draw the blocks where no city light can
    show without the lights, and those where the lights' sharp look-up can read
    only texels of 0 without it (earth_lights.py): the same picture, for less work.
    """

    def __init__(self, ctx: moderngl.Context, earth: Earth, gl_path: str = "fragment") -> None:
        self.ctx = ctx
        self.earth = earth
        self.path = "fast"
        self.gl_path = gl_path
        self.dark_lights = True
        self._blocks_buffer: moderngl.Buffer | None = None
        self._airglow_table: AirglowTable | None = None
        self._air_table: tuple[list[moderngl.Texture], moderngl.Framebuffer] | None = None
        self._programs: dict[tuple[object, ...], Any] = {}
        # Whether the march's Sun and Moon terms can add light this frame (air_lights.py).
        self._air_lights = (1, 1)
        # Per program (by its glo): the buffer of its triangles and its vertex array.
        self._meshes: dict[int, tuple[moderngl.Buffer, moderngl.VertexArray]] = {}
        self.day_textures: list[moderngl.Texture] = []
        if earth.day is not None:
            path = Path(earth.day.texture) if earth.day.texture else None
            equirect, north, south = _day_arrays(ctx, path)
            level0 = equirect[0] if isinstance(equirect, list) else equirect
            limit = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 16384))
            if max(level0.shape[:2]) > limit:
                raise RenderError(
                    f"texture {path} is {level0.shape[1]}x{level0.shape[0]}, "
                    f"larger than this GL allows ({limit})"
                )
            self.day_textures = [
                _srgb_texture(ctx, equirect, repeat_x=True),
                _srgb_texture(ctx, north, repeat_x=False),
                _srgb_texture(ctx, south, repeat_x=False),
            ]
        self.lights = _shared_texture(ctx, "lights") if earth.night_lights else None
        self.lights_mask = _LIGHTS_MASK[0] if self.lights is not None else None
        needs_water = earth.glint or earth.night_lights
        self.water = _shared_texture(ctx, "water") if needs_water else None
        self.cloud_threshold = cloud_threshold(ctx, earth.clouds) if earth.clouds else 0.0
        self.cloud_weather = (
            _shared_texture(ctx, f"clouds {earth.clouds.seed}") if earth.clouds else None
        )
        layers = earth.airglow.layers if earth.airglow else ()
        if len(layers) > MAX_LAYERS:
            raise RenderError(f"{len(layers)} airglow layers; at most {MAX_LAYERS} are drawn")
        self.airglow = [layer_uniforms(layer) for layer in layers]
        self.program = self._program(REGION_GROUND)  # built now: errors surface at start
        if gl_path == "compute":
            self._program(REGION_GROUND, compute=True)

    def _defines(self, region: str) -> dict[str, int]:
        """earth.glsl's compile-time switches for one region's program."""
        earth = self.earth
        variant = LIGHTS_ALL
        for light_class, suffix in LIGHT_CLASS_SUFFIX.items():
            if region.endswith(suffix):
                variant, region = light_class, region.removesuffix(suffix)
        surface = region in (REGION_GROUND, REGION_INNER, AIR_TABLE_BUILD)
        lights = self.lights is not None and surface and variant != LIGHTS_NONE
        return {
            "EARTH_AIR_TABLE": int(region == REGION_INNER),
            "EARTH_AIR_TABLE_BUILD": int(region == AIR_TABLE_BUILD),
            "EARTH_SURFACE": int(surface),
            "EARTH_DAY": int(bool(self.day_textures) and surface),
            "EARTH_ATMOSPHERE": int(earth.atmosphere is not None and region != REGION_GLOW),
            "AIR_SUN": self._air_lights[0] if region != REGION_GLOW else 0,
            "AIR_MOON": self._air_lights[1] if region != REGION_GLOW else 0,
            "EARTH_LIGHTS": int(lights),
            "EARTH_LIGHTS_SHARP": int(lights and variant != LIGHTS_NO_SHARP),
            "EARTH_GLINT": int(earth.glint is not None and surface),
            "EARTH_CLOUDS": int(earth.clouds is not None and surface),
            "EARTH_AIRGLOW": int(bool(self.airglow)),
            "EARTH_AIRGLOW_TABLE": int(bool(self.airglow) and self.path == "fast"),
            "AIRGLOW_LAYERS": len(self.airglow),
        }

    def _program(self, region: str, *, compute: bool = False) -> Any:
        """The program of one region, drawn or (``compute``) dispatched over blocks,
        built on first use and kept, keyed on its defines."""
        defines: dict[str, int] = self._defines(region)
        if compute:
            defines |= {"EARTH_BLOCK": BLOCK, "PIXEL_GRAD_GROUP": BLOCK}
        key = (compute, *sorted(defines.items()))
        if key not in self._programs:
            build = build_compute if compute else build_program
            self._programs[key] = build(self.ctx, "earth.glsl", defines)
        return self._programs[key]

    def _airglow_top_km(self) -> float:
        """Sphere-space radius (km) of the outermost airglow layer's extent."""
        return max(a.radius_km + AIRGLOW_EXTENT_SIGMAS * a.sigma_km for a in self.airglow)

    def _update_airglow_table(self, state: FrameState) -> None:
        """Make this instant's airglow table (lib/airglow_table.glsl)."""
        if self._airglow_table is None:
            self._airglow_table = AirglowTable(self.ctx)
        table = self._airglow_table
        self._set_airglow(table.program, state)
        cam = state.itrs_from_gcrs @ state.camera_pos_km
        radius = float(np.linalg.norm(cam * SPHERE_SCALE))
        table.update(radius, max(self._airglow_top_km(), WGS84_A_KM), len(self.airglow))

    def _sky_regions(self) -> list[tuple[str, float]]:
        """The regions beyond the ground's and the sphere-space radius (km) bounding
        each: the top of the air, the outermost airglow layer's extent."""
        out = []
        if self.earth.atmosphere is not None:
            out.append((REGION_AIR, WGS84_A_KM + ATMOSPHERE_THICKNESS_KM))
        if self.airglow:
            out.append((REGION_GLOW, self._airglow_top_km()))
        return out

    def regions(self, state: FrameState, view: View) -> tuple[list[str], Regions]:
        """This frame's regions (names, innermost first) and their triangles."""
        m = state.itrs_from_gcrs
        ground_km = WGS84_A_KM
        if self.earth.clouds is not None:
            ground_km = max(ground_km, WGS84_A_KM + self.earth.clouds.altitude_km)
        sky = self._sky_regions()
        names = [REGION_GROUND] + [name for name, _ in sky]
        radii = [ground_km] + [radius for _, radius in sky]
        inner = self.path == "fast" and self.earth.atmosphere is not None
        cam = m @ state.camera_pos_km
        classes = None
        if self.dark_lights and self.lights is not None:
            sun = m @ state.sun_km
            sun = sun / np.linalg.norm(sun)

            def classes(corners: np.ndarray, surface: np.ndarray) -> np.ndarray:
                return light_classes(cam, sun, corners, view, surface, self.lights_mask)

        tris = screen_regions(
            cam,
            m @ state.camera_right,
            m @ state.camera_up,
            m @ state.camera_forward,
            view,
            radii,
            AIR_TABLE_SIZE if inner else None,
            classes,
            len(LIGHT_CLASS_SUFFIX),
        )
        surface = [REGION_INNER] if inner else []
        surface.append(REGION_GROUND)
        names = surface + names[1:]
        if classes is not None:
            names += [
                n + LIGHT_CLASS_SUFFIX[k] for k in sorted(LIGHT_CLASS_SUFFIX) for n in surface
            ]
        return names, tris

    def _march_lights(self, state: FrameState, view: View) -> tuple[int, int]:
        """Whether the Sun's and the Moon's terms of the air's march can add light at
        this instant (1) or add nothing a camera records (0): air_lights.py."""
        if self.earth.atmosphere is None:
            return (1, 1)
        m = state.itrs_from_gcrs
        sun, moon = light_mu_bound(
            m @ state.camera_pos_km,
            m @ state.camera_right,
            m @ state.camera_up,
            m @ state.camera_forward,
            view,
            [m @ state.sun_km, m @ state.moon_km],
        )
        column_max = atmosphere_tables(self.ctx).multiscatter_column_max
        e_sun = solar_illuminance_lux(state.sun_km)
        e_moon = lunar_illuminance_lux(state.moon_km, state.sun_km)
        return (
            int(light_adds_to_air(sun, e_sun, column_max)),
            int(light_adds_to_air(moon, e_moon, column_max)),
        )

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the Earth's radiance for one instant, times ``weight``, to the bound buffer."""
        target = self._compute_target() if self.gl_path == "compute" else None
        self._air_lights = self._march_lights(state, view)
        if self.path == "full":
            names, air_frame = [REGION_GROUND], None
            if target is None:
                meshes = [WHOLE_SCREEN]
            else:
                every = np.zeros((-(-view.height // BLOCK), -(-view.width // BLOCK)), np.int32)
                meshes = list(region_blocks(every, 1))
        else:
            names, regions = self.regions(state, view)
            air_frame = regions.air_table
            meshes = list(regions.triangles if target is None else regions.blocks)
        table = self.path == "fast" and bool(self.airglow)
        if table:
            self._update_airglow_table(state)
        if air_frame is not None:
            self._build_air_table(state, view, air_frame, compute=target is not None)
        for name, mesh in zip(names, meshes, strict=True):
            if len(mesh) == 0:
                continue
            program = self._program(name, compute=target is not None)
            unit = self._set_uniforms(program, state, view, weight)
            if table:
                self._bind_airglow_table(program, unit)
                unit += 1
            if name.startswith(REGION_INNER):
                assert air_frame is not None
                self._bind_air_table(program, unit, air_frame)
            if target is None:
                self._mesh(program, mesh).render(moderngl.TRIANGLES, vertices=len(mesh))
            else:
                self._dispatch(program, target, mesh)
        if target is not None:
            # The image stores reach the blending and texture reads of what follows.
            self.ctx.memory_barrier()

    def _compute_target(self) -> moderngl.Texture | None:
        """The bound framebuffer's float texture, which the compute path adds into; None
        (draw as fragments) when it is not a 4-channel float32 texture."""
        fbo = self.ctx.fbo
        attachments = fbo.color_attachments if fbo is not None else ()
        tex = attachments[0] if attachments else None
        if isinstance(tex, moderngl.Texture) and tex.components == 4 and tex.dtype == "f4":
            return tex
        return None

    def _dispatch(self, program: Any, target: moderngl.Texture, blocks: np.ndarray) -> None:
        """Run a compute program over ``blocks`` (M, 2) uint32, one work group each,
        adding into ``target`` (image unit 0); the block list is storage buffer 0."""
        data = np.ascontiguousarray(blocks, dtype=np.uint32).tobytes()
        buf = self._blocks_buffer
        if buf is None or buf.size < len(data):
            if buf is not None:
                buf.release()
            buf = self._blocks_buffer = self.ctx.buffer(reserve=max(len(data), 4096))
        buf.write(data)
        buf.bind_to_storage_buffer(0)
        target.bind_to_image(0, read=True, write=True)
        count = len(blocks)
        set_uniform(program, "u_block_count", count)
        groups_x = min(count, MAX_GROUPS_X)
        program.run(groups_x, -(-count // groups_x), 1)

    def _build_air_table(
        self, state: FrameState, view: View, frame: AirTableFrame, *, compute: bool
    ) -> None:
        """Make this instant's air table (earth.glsl's build_air_table) into its three
        textures, drawn (the bound framebuffer bound again after) or by a compute
        dispatch writing them as images."""
        if self._air_table is None:
            textures = []
            for _ in range(3):
                tex = self.ctx.texture(AIR_TABLE_SIZE, 4, dtype="f4")
                tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
                textures.append(tex)
            self._air_table = (textures, self.ctx.framebuffer(color_attachments=textures))
        textures, fbo = self._air_table
        for tex in textures:
            tex.repeat_x = frame.wrap
            tex.repeat_y = False
        program = self._program(AIR_TABLE_BUILD, compute=compute)
        self._set_uniforms(program, state, view, 1.0)
        self._set_air_table_frame(program, frame)
        if compute:
            for i, tex in enumerate(textures):
                tex.bind_to_image(i, read=False, write=True)
            program.run(-(-AIR_TABLE_SIZE[0] // BLOCK), -(-AIR_TABLE_SIZE[1] // BLOCK), 1)
            self.ctx.memory_barrier()  # the inner region's programs read it next
            return
        before = self.ctx.fbo
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0)  # the pass adds (blends) into it
        self._mesh(program, WHOLE_SCREEN).render(moderngl.TRIANGLES, vertices=3)
        before.use()

    def _set_air_table_frame(self, p: moderngl.Program, frame: AirTableFrame) -> None:
        set_uniform(p, "u_air_table_e1", frame.e1)
        set_uniform(p, "u_air_table_e2", frame.e2)
        set_uniform(p, "u_air_table_phi", frame.phi)
        set_uniform(p, "u_air_table_xi", frame.xi)
        set_uniform(p, "u_air_table_size", tuple(float(n) for n in AIR_TABLE_SIZE))

    def _bind_air_table(self, p: moderngl.Program, unit: int, frame: AirTableFrame) -> None:
        """The frame's air table on texture units ``unit`` to ``unit + 2``."""
        assert self._air_table is not None
        for i, tex in enumerate(self._air_table[0]):
            tex.use(unit + i)
            set_uniform(p, f"u_air_table_{i}", unit + i)
        self._set_air_table_frame(p, frame)

    def _bind_airglow_table(self, p: moderngl.Program, unit: int) -> None:
        """The frame's airglow table on texture unit ``unit``."""
        assert self._airglow_table is not None
        self._airglow_table.texture.use(unit)
        set_uniform(p, "u_airglow_table", unit)
        set_uniform(p, "u_airglow_table_top", max(self._airglow_top_km(), WGS84_A_KM))

    def _mesh(self, program: moderngl.Program, mesh: np.ndarray) -> moderngl.VertexArray:
        """A vertex array of ``program`` holding ``mesh``, its buffer reused while it fits."""
        data = mesh.tobytes()
        held = self._meshes.get(program.glo)
        if held is not None and held[0].size >= len(data):
            held[0].write(data)
            return held[1]
        if held is not None:
            held[1].release()
            held[0].release()
        buf = self.ctx.buffer(reserve=max(len(data), 4096))
        buf.write(data)
        vao = self.ctx.vertex_array(program, [(buf, "2f", "in_pos")])
        self._meshes[program.glo] = (buf, vao)
        return vao

    def _set_uniforms(
        self, p: moderngl.Program, state: FrameState, view: View, weight: float
    ) -> int:
        """Set a program's uniforms and bind its textures; returns the next free unit."""
        m = state.itrs_from_gcrs
        set_uniform(p, "u_weight", weight)
        set_earth_fixed_view(p, state, view)
        set_uniform(p, "u_sun_illuminance", solar_illuminance_lux(state.sun_km))
        set_uniform(p, "u_moon_pos", m @ state.moon_km)
        set_uniform(p, "u_moon_illuminance", lunar_illuminance_lux(state.moon_km, state.sun_km))
        for unit, (tex, name) in enumerate(
            zip(self.day_textures, ("u_day", "u_day_north", "u_day_south"), strict=False)
        ):
            tex.use(unit)
            set_uniform(p, name, unit)
        unit = bind_atmosphere(p, 3)
        earth = self.earth
        if self.lights is not None:
            self.lights.use(unit)
            set_uniform(p, "u_lights", unit)
            unit += 1
            scale = LIGHTS_MAX_NW * CD_PER_NW * earth.night_lights.intensity
            set_uniform(p, "u_lights_radiance", tuple(scale * c for c in SODIUM_RGB))
            led_extra = tuple(scale * (a - b) for a, b in zip(LED_RGB, SODIUM_RGB, strict=True))
            set_uniform(p, "u_lights_led_extra", led_extra)
        if self.water is not None:
            self.water.use(unit)
            set_uniform(p, "u_water", unit)
            unit += 1
        if self.cloud_weather is not None:
            self.cloud_weather.use(unit)
            set_uniform(p, "u_cloud_weather_map", unit)
            unit += 1
        self._set_clouds(p, state)
        self._set_airglow(p, state)
        return unit

    def _set_clouds(self, p: moderngl.Program, state: FrameState) -> None:
        clouds = self.earth.clouds
        if clouds is None:
            return
        set_uniform(p, "u_cloud_radius", WGS84_A_KM + clouds.altitude_km)
        set_uniform(p, "u_cloud_threshold", self.cloud_threshold)
        set_uniform(p, "u_cloud_offset", cloud_params.seed_offset(clouds.seed))
        set_uniform(p, "u_cloud_frame", cloud_params.drift_frame(clouds, state.utc))

    def _set_airglow(self, p: moderngl.Program, state: FrameState) -> None:
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
        for buf, vao in self._meshes.values():
            vao.release()
            buf.release()
        for obj in (*self._programs.values(), *self.day_textures):
            obj.release()
        if self._airglow_table is not None:
            self._airglow_table.release()
        if self._blocks_buffer is not None:
            self._blocks_buffer.release()
        if self._air_table is not None:
            self._air_table[1].release()
            for tex in self._air_table[0]:
                tex.release()
