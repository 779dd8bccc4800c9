"""Clouds: shadows away from the Sun, cover as asked, determinism, drift, the weather map
and the noise gradient beside their procedural references."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import numpy as np
import pytest

from renderer import scene as sc
from renderer.frame_state import View
from renderer.gl.cloud_cover import field_grid, weather_map
from renderer.gl.shaders import GLSL_VERSION, load_source, set_uniform
from renderer.physics.clouds import DRIFT_RAD_PER_S, seed_offset
from tests.helpers import enu, geodetic_to_itrs, minimal_scene, render_hdr, state

LUMA = np.array([0.2126, 0.7152, 0.0722])


def render_lum(ctx, scene, st, view):
    return render_hdr(ctx, scene, st, view) @ LUMA


def clouds_only(**clouds):
    return minimal_scene(
        day=None,
        night_lights=None,
        atmosphere=None,
        airglow=None,
        glint=None,
        clouds=sc.Clouds(**clouds),
    )


LAT, LON = 30.0, 60.0  # where seed 3 at cover 0.5 has cloud edges in view
VIEW = View(160, 160, 50.0)


def nadir_state(sun_elev_deg: float, sun_from_east: bool = True):
    pos = geodetic_to_itrs(LAT, LON, 400.0)
    east, north, up = enu(LAT, LON)
    e = math.radians(sun_elev_deg)
    horiz = east if sun_from_east else -east
    # Image right = forward x up = (-up) x north = east.
    return state(pos, forward=-up, up_hint=north, sun_dir=math.cos(e) * horiz + math.sin(e) * up)


@pytest.mark.parametrize("from_east", [True, False])
def test_cloud_shadows_fall_away_from_the_sun(ctx, from_east):
    # Sun 20 deg up: a cloud 5 km high shades the ground 5 / tan(20 deg) =
    # 13.7 km from beneath it, on the side away from the Sun.  Over grey ground,
    # the cloud mask shifted by that offset must best match the shadow mask.
    elev = 20.0
    scene = clouds_only(coverage=0.5, seed=3)
    lum = render_lum(ctx, scene, nadir_state(elev, from_east), VIEW)
    east, _, up = enu(LAT, LON)
    e = math.radians(elev)
    sun = math.cos(e) * east + math.sin(e) * up
    ground = 0.1 * 133_800 / math.pi * float(np.dot(sun, up))  # grey albedo 0.1, no clouds
    cloud = lum > 1.5 * ground
    shadow = lum < 0.8 * ground
    assert 0.05 < cloud.mean() < 0.9 and shadow.mean() > 0.002, (cloud.mean(), shadow.mean())
    km_per_px = 2 * 400.0 * math.tan(math.radians(VIEW.fov_deg / 2)) / VIEW.width
    expect_px = 5.0 / math.tan(e) / km_per_px * (-1 if from_east else 1)
    shifts = np.arange(-15, 16)
    score = [(np.roll(cloud, s, axis=1)[:, 15:-15] & shadow[:, 15:-15]).sum() for s in shifts]
    best = shifts[int(np.argmax(score))]
    # Away from the Sun, by about the geometric offset (the masks' soft edges
    # widen the overlap peak, so the distance is checked loosely).
    assert np.sign(best) == np.sign(expect_px), (best, expect_px, score)
    assert 0.5 * abs(expect_px) <= abs(best) <= 2.0 * abs(expect_px) + 1, (best, expect_px)


def test_cover_is_the_asked_fraction(ctx):
    # The field on a global grid with the threshold the pass uses: the
    # area-weighted cloudy fraction is the asked coverage.
    from renderer.gl.cloud_cover import cloud_threshold
    from renderer.physics.clouds import CLOUDY_MARGIN

    for coverage in (0.2, 0.6):
        clouds = sc.Clouds(coverage=coverage, seed=11)
        field = field_grid(ctx, seed_offset(11))
        thr = cloud_threshold(ctx, clouds)
        lat = np.radians(90 - (np.arange(field.shape[0]) + 0.5) / field.shape[0] * 180)
        w = np.cos(lat)[:, None] * np.ones_like(field)
        frac = float((w * (field > thr + CLOUDY_MARGIN)).sum() / w.sum())
        assert frac == pytest.approx(coverage, abs=0.02)


def test_same_seed_same_clouds_other_seed_other_clouds(ctx):
    st = nadir_state(60.0)
    a = render_lum(ctx, clouds_only(seed=5), st, View(48, 48, 20.0))
    b = render_lum(ctx, clouds_only(seed=5), st, View(48, 48, 20.0))
    c = render_lum(ctx, clouds_only(seed=6), st, View(48, 48, 20.0))
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 0.05 * a.mean()


def test_clouds_drift_east_over_time(ctx):
    # A quarter hour later at drift = 3 the field has turned east by 3 omega 900 s:
    # the later image matches the earlier one moved east by that many pixels.
    st0 = nadir_state(60.0)
    hours = 0.25
    st1 = dataclasses.replace(st0, utc=st0.utc + timedelta(hours=hours))
    scene = clouds_only(coverage=0.5, seed=3, drift=3.0)
    a = render_lum(ctx, scene, st0, VIEW)
    b = render_lum(ctx, scene, st1, VIEW)
    km = 3.0 * DRIFT_RAD_PER_S * 3600 * hours * 6378.137 * math.cos(math.radians(LAT))
    km_per_px = 2 * 400.0 * math.tan(math.radians(VIEW.fov_deg / 2)) / VIEW.width
    expect = km / km_per_px
    shifts = np.arange(0, 21)
    err = [np.abs(np.roll(a, s, axis=1)[:, 20:-20] - b[:, 20:-20]).mean() for s in shifts]
    assert shifts[int(np.argmin(err))] == pytest.approx(expect, abs=2), expect


def test_the_moon_casts_cloud_shadows_away_from_it(ctx):
    # Night (the Sun straight below), the Moon 20 deg up in the east: a cloud 5 km
    # high shades the moonlit ground 13.7 km to its west, as the Sun's shadow would.
    # Cloud and shadow are found against the same view without clouds.
    elev = 20.0
    east, north, up = enu(LAT, LON)
    e = math.radians(elev)
    moon_dir = math.cos(e) * east + math.sin(e) * up
    st = dataclasses.replace(
        nadir_state(-60.0), moon_km=geodetic_to_itrs(LAT, LON, 0.0) + 384_400.0 * moon_dir
    )
    lum = render_lum(ctx, clouds_only(coverage=0.5, seed=3), st, VIEW)
    clear = render_lum(ctx, clouds_only(coverage=0.0, seed=3), st, VIEW)
    assert clear.min() > 0.0
    cloud = lum > 1.5 * clear
    shadow = lum < 0.8 * clear
    assert 0.05 < cloud.mean() < 0.9 and shadow.mean() > 0.002, (cloud.mean(), shadow.mean())
    km_per_px = 2 * 400.0 * math.tan(math.radians(VIEW.fov_deg / 2)) / VIEW.width
    expect_px = -5.0 / math.tan(e) / km_per_px
    shifts = np.arange(-15, 16)
    score = [(np.roll(cloud, s, axis=1)[:, 15:-15] & shadow[:, 15:-15]).sum() for s in shifts]
    best = shifts[int(np.argmax(score))]
    assert np.sign(best) == np.sign(expect_px), (best, expect_px, score)
    assert 0.5 * abs(expect_px) <= abs(best) <= 2.0 * abs(expect_px) + 1, (best, expect_px)


def test_deck_tops_are_lumpy_and_shaded_toward_the_sun(ctx):
    # A 15 deg nadir view (0.16 km per pixel) of thick deck with the Sun 25 deg up,
    # once from the east and once from the west.  The tops' cells and billows give
    # the deck a texture of a few km (its high-passed radiance varies by several per
    # cent of its mean), and that texture is relief: slopes facing the Sun are
    # brighter, so turning the Sun to the other side inverts the fine pattern (the
    # two high-passed images are not positively alike), where albedo variations
    # alone would keep it.
    from scipy.ndimage import uniform_filter

    scene = clouds_only(coverage=0.6, seed=3)
    view = View(240, 240, 15.0)
    a = render_lum(ctx, scene, nadir_state(25.0, True), view)
    b = render_lum(ctx, scene, nadir_state(25.0, False), view)
    ground = 0.1 * 133_800 / math.pi * math.sin(math.radians(25.0))
    deck = uniform_filter((a > 3 * ground).astype(float), 15) > 0.999
    assert deck.mean() > 0.1

    def high_pass(x):
        return x - uniform_filter(x, 9)

    assert high_pass(a)[deck].std() > 0.065 * a[deck].mean()
    assert np.corrcoef(high_pass(a)[deck], high_pass(b)[deck])[0, 1] < 0.3


def test_cloud_edges_are_thin_rims_the_ground_shows_through(ctx):
    # The same view: of the pixels where there is cloud at all (5 % above the grey
    # ground), more than 3.5 % are thin, less than 30 % of the way from the ground's
    # radiance to the deck's, rims rather than a deck cut out at full brightness
    # (an edge that starts opaque leaves only the anti-aliased pixels, ~2 %).
    view = View(240, 240, 15.0)
    a = render_lum(ctx, clouds_only(coverage=0.6, seed=3), nadir_state(25.0), view)
    ground = 0.1 * 133_800 / math.pi * math.sin(math.radians(25.0))
    deck = float(np.median(a[a > 2 * ground]))
    cloud = a > 1.05 * ground
    thin = cloud & (a < ground + 0.3 * (deck - ground))
    assert cloud.mean() > 0.1
    assert thin.sum() / cloud.sum() > 0.035, thin.sum() / cloud.sum()


# A probe over random points of the globe: the weather map's interpolated weather
# and value_noise_grad, each beside its procedural reference (cloud_weather, and
# central differences of value_noise).
PROBE = """
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;
uniform ivec2 u_grid;
uniform int u_mode;

void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    if (c.x >= u_grid.x || c.y >= u_grid.y) return;
    uvec3 id = uvec3(c, 5);
    float z = 2.0 * rand01(id) - 1.0, phi = 2.0 * PI * rand01(id + uvec3(0, 0, 1));
    vec3 m = vec3(sqrt(1.0 - z * z) * vec2(cos(phi), sin(phi)), z);
    vec4 out_value;
    if (u_mode == 0) {
        CloudWeather a = cloud_weather(m), b = cloud_weather_map(m);
        out_value = vec4(b.value - a.value, b.regime - a.regime, b.sheet - a.sheet, 0.0);
    } else {
        vec3 q = m * 3.7 + 0.31;  // small coordinates: a step of h is exact to 1e-4
        vec4 g = value_noise_grad(q);
        const float h = 1e-3;
        vec3 fd = vec3(value_noise(q + vec3(h, 0, 0)) - value_noise(q - vec3(h, 0, 0)),
                       value_noise(q + vec3(0, h, 0)) - value_noise(q - vec3(0, h, 0)),
                       value_noise(q + vec3(0, 0, h)) - value_noise(q - vec3(0, 0, h)))
                / (2.0 * h);
        out_value = vec4(g.x - value_noise(q), g.yzw - fd);
    }
    imageStore(u_out, c, out_value);
}
"""


def probe(ctx, mode: int, weather=None, grid=(256, 256)) -> np.ndarray:
    """PROBE's output, one row of 4 per sample."""
    body = "\n".join(load_source(f"lib/{name}.glsl").body for name in ("common", "clouds"))
    program = ctx.compute_shader(f"{GLSL_VERSION}\n#define COMPUTE_SHADER 1\n{body}\n{PROBE}")
    tex = ctx.texture(grid, 4, dtype="f4")
    try:
        set_uniform(program, "u_grid", grid)
        set_uniform(program, "u_mode", mode)
        set_uniform(program, "u_cloud_offset", seed_offset(3))
        if weather is not None:
            weather.use(1)
            set_uniform(program, "u_cloud_weather_map", 1)
        tex.bind_to_image(0, read=False, write=True)
        program.run((grid[0] + 7) // 8, (grid[1] + 7) // 8, 1)
        ctx.memory_barrier()
        return np.frombuffer(tex.read(), np.float32).reshape(-1, 4).copy()
    finally:
        tex.release()
        program.release()


def test_the_weather_map_holds_the_weather_systems(ctx):
    weather = weather_map(ctx, seed_offset(3))
    try:
        err = np.abs(probe(ctx, 0, weather)[:, :3])
    finally:
        weather.release()
    # Well under the sharpest edge's width (CLOUD_EDGE_MIN = 0.004) almost everywhere:
    # only near a storm's eye does the swirl wind the field tighter than a texel.
    assert np.median(err[:, 0]) < 3e-4
    assert np.percentile(err[:, 0], 99) < 0.004
    assert np.percentile(err[:, 1:], 99) < 0.004


def test_value_noise_grad_is_value_noise_and_its_gradient(ctx):
    out = probe(ctx, 1)
    assert np.abs(out[:, 0]).max() < 1e-5
    # Central differences over 1e-3 lattice units: float32 rounding, up to ~6e-4.
    assert np.abs(out[:, 1:]).max() < 2e-3
