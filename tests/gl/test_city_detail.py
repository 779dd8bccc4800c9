"""City lights below the map's texel (shaders/lib/city_detail.glsl): the structure keeps each
texel's light, fades to the map's mean where the pixel cannot resolve it, and is sharp."""

from __future__ import annotations

import math

import numpy as np
import pytest

from renderer import scene as sc
from renderer.frame_state import View
from renderer.gl.shaders import GLSL_VERSION, load_source, set_uniform
from renderer.physics.night_lights import LIGHTS_SIZE
from tests.helpers import enu, geodetic_to_itrs, minimal_scene, render_hdr, state

# Sample spacing of the probe (km): finer than a street (35 m); the factor is
# evaluated with this footprint, so each sample is the box mean of its own cell
# and the sum over a region is the region's integral.
STEP_KM = 0.02
TEXEL_DEG = 360.0 / LIGHTS_SIZE[0]  # the lights map's texel

PROBE = """
layout(local_size_x = 8, local_size_y = 8) in;
layout(r32f, binding = 0) uniform writeonly image2D u_out;
uniform ivec2 u_grid;
uniform vec2 u_origin;     // lon, lat of sample (0, 0), radians
uniform vec2 u_step;       // radians per sample in lon and lat
uniform float u_footprint; // km
uniform float u_level;     // map level, radiance / LIGHTS_MAX_NW
uniform vec2 u_map_size;   // the lights map, texels

void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    if (c.x >= u_grid.x || c.y >= u_grid.y) return;
    vec2 lonlat = u_origin + (vec2(c) + 0.5) * u_step;
    float detail = city_detail(lonlat, u_footprint, u_level, u_map_size);
    imageStore(u_out, c, vec4(detail, 0.0, 0.0, 0.0));
}
"""


def detail_grid(ctx, lat_deg, lon_deg, texels, level, footprint_km=STEP_KM, step_km=STEP_KM):
    """city_detail on a grid of samples STEP_KM apart over `texels` x `texels` map texels
    whose north-west corner is the texel corner nearest (lat_deg, lon_deg); rows go south."""
    lat0 = math.floor((90.0 - lat_deg) / TEXEL_DEG) * TEXEL_DEG
    lon0 = math.floor((lon_deg + 180.0) / TEXEL_DEG) * TEXEL_DEG
    lat_top, lon_left = 90.0 - lat0, lon0 - 180.0
    coslat = math.cos(math.radians(lat_top - 0.5 * texels * TEXEL_DEG))
    per_texel = (
        round(TEXEL_DEG * 111.32 * coslat / step_km),
        round(TEXEL_DEG * 111.32 / step_km),
    )
    grid = (per_texel[0] * texels, per_texel[1] * texels)
    body = "\n".join(
        load_source(f"lib/{name}.glsl").body for name in ("common", "clouds", "city_detail")
    )
    program = ctx.compute_shader(f"{GLSL_VERSION}\n#define COMPUTE_SHADER 1\n{body}\n{PROBE}")
    tex = ctx.texture(grid, 1, dtype="f4")
    try:
        set_uniform(program, "u_grid", grid)
        set_uniform(program, "u_origin", (math.radians(lon_left), math.radians(lat_top)))
        step = math.radians(texels * TEXEL_DEG)
        set_uniform(program, "u_step", (step / grid[0], -step / grid[1]))
        set_uniform(program, "u_footprint", footprint_km)
        set_uniform(program, "u_level", level)
        set_uniform(program, "u_map_size", LIGHTS_SIZE)
        tex.bind_to_image(0, read=False, write=True)
        program.run((grid[0] + 7) // 8, (grid[1] + 7) // 8, 1)
        ctx.memory_barrier()
        values = np.frombuffer(tex.read(), np.float32).reshape(grid[1], grid[0])
    finally:
        tex.release()
        program.release()
    return values, per_texel


def texel_means(values, per_texel):
    """Mean of the samples over each map texel."""
    h, w = values.shape
    nx, ny = w // per_texel[0], h // per_texel[1]
    return values.reshape(ny, per_texel[1], nx, per_texel[0]).mean(axis=(1, 3))


# Tehran's north-west corner texel: any place will do, the pattern is procedural.
LAT, LON = 35.7, 51.4


@pytest.mark.parametrize("level", [0.005, 0.05, 0.3])
def test_each_texel_keeps_its_light(ctx, level):
    # Fringe, suburb and core levels: over every texel of a 4 x 4 patch of the map
    # the structure's mean is 1 within a few per cent, so each texel's light is kept.
    values, per_texel = detail_grid(ctx, LAT, LON, 4, level)
    means = texel_means(values, per_texel)
    assert np.abs(means - 1.0).max() < 0.07, means
    assert abs(float(means.mean()) - 1.0) < 0.025, means.mean()
    # And it is structure, not a uniform 1: dark gaps, and lines and lit
    # districts several times the mean.
    assert (values < 0.05).mean() > 0.05
    assert np.quantile(values, 0.99) > 3.0


def test_the_structure_fades_to_the_mean_below_the_pixel(ctx):
    # Seen with a footprint of 0.3 and 1 km (samples that far apart, each the box
    # mean of its footprint), the texels keep their light and the contrast falls
    # as the footprint grows; from 2.5 km on the factor is exactly 1.
    spread = []
    for footprint in (STEP_KM, 0.3, 1.0):
        step = max(footprint, STEP_KM)
        values, per_texel = detail_grid(ctx, LAT, LON, 4, 0.05, footprint, step)
        means = texel_means(values, per_texel)
        assert np.abs(means - 1.0).max() < 0.08, (footprint, means)
        spread.append(float(values.std()))
    assert spread[0] > spread[1] > spread[2] > 0.05, spread
    values, _ = detail_grid(ctx, LAT, LON, 2, 0.05, 2.5, 0.5)
    assert np.all(values == 1.0)


def blocks_of(image, b=4):
    """Means of b x b pixel blocks."""
    h, w = image.shape
    return image[: h // b * b, : w // b * b].reshape(h // b, b, w // b, b).mean(axis=(1, 3))


def test_a_wide_view_keeps_its_brightness_and_does_not_shimmer(ctx):
    # The Nile delta and Cairo straight down from 400 km with a 70 deg field at
    # 480 x 270: pixel footprints of 1.2 to 2 km, where the structure is partly
    # resolved and partly faded.  Its mean radiance is that of the same view at a
    # quarter of the resolution (footprints over 4 km: no structure at all), and
    # moving the camera by 0.37 pixel changes the light of 4 x 4 pixel blocks of the
    # city by under 10 % (aliased detail would flicker at every scale).
    lat, lon, fov = 30.3, 31.2, 70.0
    east, north, up = enu(lat, lon)
    scene = minimal_scene(
        night_lights=sc.NightLights(), day=None, clouds=None, atmosphere=None, airglow=None,
        glint=None,
    )  # fmt: skip
    luma = np.array([0.2126, 0.7152, 0.0722])

    def render(view, east_km=0.0):
        pos = geodetic_to_itrs(lat, lon, 400.0) + east_km * east
        st = state(pos, forward=-up, up_hint=north, sun_dir=-up)
        return render_hdr(ctx, scene, st, view) @ luma

    view = View(480, 270, fov)
    fine = render(view)
    coarse = render(View(120, 68, fov))
    assert fine.mean() == pytest.approx(coarse.mean(), rel=0.03)
    px_km = 2 * 400.0 * math.tan(math.radians(fov / 2)) / view.width
    moved = render(view, 0.37 * px_km)
    assert moved.mean() == pytest.approx(fine.mean(), rel=0.01)
    a, b = blocks_of(fine), blocks_of(moved)
    city = a > np.quantile(a, 0.8)
    assert np.sqrt(np.mean((a - b)[city] ** 2)) / a[city].mean() < 0.1
    # The structure is there: pixels of the city differ from their block's mean.
    crop = fine[: a.shape[0] * 4, : a.shape[1] * 4]
    spread = np.abs(crop - np.kron(a, np.ones((4, 4))))
    assert spread[np.kron(city, np.ones((4, 4), bool))].mean() > 0.05 * a[city].mean()


CAIRO_TOML = """
scene_version = 1
[time]
start_utc = "2018-11-16T19:30:00Z"
[output]
width = 480
height = 270
[camera]
fov_deg = 40
[camera.orbit.over]
lat_deg = 30.05
lon_deg = 31.25
time_utc = "2018-11-16T19:30:00Z"
altitude_km = 400.0
inclination_deg = 51.64
[camera.look]
target = { lat_deg = 30.05, lon_deg = 31.25 }
"""


def test_cairo_stands_10_to_100_times_above_the_moonlit_ground(ctx, tmp_path):
    # docs/physics.md: cities are 10 to 100 times brighter than the moonlit ground.
    # Cairo and the delta from 400 km with a 40 deg field (0.4 km per pixel), the
    # Moon 61 % lit and up: with clouds and airglow off, the ground's median radiance
    # with the lights off is the moonlit ground, and the brightest 1 % of the pixels
    # with them on (by the lights' own radiance) are the city: their median over the
    # ground's is 10 to 100, and a city of many pixels stands above 10 times it.
    import dataclasses

    from renderer.frame_state import FrameState
    from renderer.scene import load_scene
    from renderer.timeline import build_timeline

    path = tmp_path / "cairo.toml"
    path.write_text(CAIRO_TOML)
    base = load_scene(path)
    st = FrameState.from_timeline(build_timeline(base, np.array([0.0])), 0)
    earth = dataclasses.replace(base.earth, clouds=None, airglow=None)
    lit = dataclasses.replace(base, earth=earth, stars=None, launches=())
    unlit = dataclasses.replace(lit, earth=dataclasses.replace(earth, night_lights=None))
    view = View(480, 270, base.camera.fov_deg)
    luma = np.array([0.2126, 0.7152, 0.0722])
    a = render_hdr(ctx, lit, st, view) @ luma
    b = render_hdr(ctx, unlit, st, view) @ luma
    assert np.all(b > 0)  # all ground, moonlit
    ground = float(np.median(b))
    lights = a - b
    city = lights >= np.quantile(lights, 0.99)
    ratio = float(np.median(a[city])) / ground
    assert 10.0 <= ratio <= 100.0, ratio
    assert (lights > 10.0 * ground).mean() > 0.03
