"""The atmosphere: its transmittance against a float64 CPU integral, and its colours from pixels."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from renderer import scene as sc
from renderer.frame_state import View
from renderer.gl import atmosphere_tables as atmo
from renderer.gl.shaders import load_source
from tests.helpers import A, B, minimal_scene, render_hdr, state

H_CAM = 406.0

# docs/physics.md, "The atmosphere", per km.
RAYLEIGH = np.array([5.802e-3, 1.3558e-2, 3.310e-2])
MIE_EXT = 4.44e-3
OZONE = np.array([6.50e-4, 1.881e-3, 8.50e-5])


def cpu_transmittance(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """exp(-optical depth) to space by brute force: 0.05 km steps in sphere space, float64."""
    s = np.array([1.0, 1.0, A / B])
    o, w = p * s, d * s
    w /= np.linalg.norm(w)
    tc = -o @ w
    q = np.linalg.norm(o + tc * w)
    if q < A and tc > 0:
        return np.zeros(3)
    top = A + 60.0
    if q >= top:
        return np.ones(3)
    half = math.sqrt(top * top - q * q)
    t = np.arange(max(tc - half, 0.0), tc + half, 0.05)
    h = np.linalg.norm(o[None, :] + t[:, None] * w[None, :], axis=1) - A
    ext = (
        RAYLEIGH[None, :] * np.exp(-h / 8.0)[:, None]
        + MIE_EXT * np.exp(-h / 1.2)[:, None]
        + OZONE[None, :] * np.clip(1 - np.abs(h - 25.0) / 15.0, 0, None)[:, None]
    )
    return np.exp(-np.trapezoid(ext, t, axis=0))


CONTRACT_PROGRAM = """
#include "lib/common.glsl"
#include "lib/atmosphere.glsl"
#if defined(COMPUTE_SHADER)
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Rays { vec4 rays[]; };
layout(std430, binding = 1) buffer Result { vec4 result[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    result[i] = vec4(transmittance_to_space(rays[2u * i].xyz, rays[2u * i + 1u].xyz), 0.0);
}
#endif
"""


def test_transmittance_to_space_matches_a_cpu_integral(ctx, tmp_path):
    # The contract of atmosphere.glsl, compiled the way another pass uses it:
    # a program that includes only common.glsl and atmosphere.glsl and binds
    # the tables with bind_atmosphere().
    (tmp_path / "probe.glsl").write_text(CONTRACT_PROGRAM)
    from renderer.assets import shaders_dir

    (tmp_path / "lib").mkdir()
    for name in ("lib/common.glsl", "lib/atmosphere.glsl"):
        (tmp_path / name).write_text((shaders_dir() / name).read_text())
    program = ctx.compute_shader(load_source("probe.glsl", tmp_path).stage("compute"))
    cases = []
    cam = np.array([A + H_CAM, 0.0, 0.0])
    for h_t in (2.0, 8.0, 15.0, 25.0, 40.0, 55.0, 70.0):  # tangent heights, km
        el = -math.acos((A + h_t) / (A + H_CAM))
        cases.append((cam, np.array([math.sin(el), math.cos(el), 0.0])))
    ground = np.array([A + 0.01, 0.0, 0.0])
    for zen in (0.0, 60.0, 85.0, 89.0):
        z = math.radians(zen)
        cases.append((ground, np.array([math.cos(z), math.sin(z), 0.0])))
    pole = np.array([0.0, 0.0, B + 3.0])  # over the pole: z is scaled
    cases.append((pole, np.array([0.3, 0.0, 1.0]) / math.hypot(0.3, 1.0)))
    cases.append((cam, -cam / np.linalg.norm(cam)))  # at the ground: 0
    cases.append((cam, np.array([1.0, 0.0, 0.0])))  # out to space: 1
    data = np.array([np.r_[v, 0.0] for c in cases for v in c], np.float32)
    rays = ctx.buffer(data.tobytes())
    out = ctx.buffer(reserve=16 * len(cases))
    try:
        rays.bind_to_storage_buffer(0)
        out.bind_to_storage_buffer(1)
        atmo.bind_atmosphere(program, 0)
        program.run(len(cases))
        got = np.frombuffer(out.read(), np.float32).reshape(-1, 4)[:, :3]
    finally:
        rays.release()
        out.release()
        program.release()
    want = np.array([cpu_transmittance(p, d) for p, d in cases])
    # Absolute error small everywhere, relative error small where light gets through.
    assert np.abs(got - want).max() < 0.01, np.c_[got, want]
    seen = want > 0.05
    assert np.abs(got[seen] / want[seen] - 1).max() < 0.05, np.c_[got, want]
    assert (got[-2] == 0).all() and (got[-1] == 1).all()
    # Reddening: low rays keep red better than blue.
    assert got[1, 0] > 2 * got[1, 2]


def test_tables_are_cached_on_disk(ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = atmo.compute_tables(ctx)
    path = tmp_path / "orbitlapse" / f"atmosphere-{atmo.tables_key()}.npz"
    atmo.save_npz(path, fresh)
    loaded = atmo._load_cached(path)
    assert loaded is not None
    for name in fresh:
        assert np.array_equal(loaded[name], fresh[name])
    path.write_bytes(b"not a table")  # a broken cache is ignored, never trusted
    assert atmo._load_cached(path) is None


AIR_ONLY = minimal_scene(day=None, night_lights=None, clouds=None, airglow=None, glint=None)
VIEW = View(32, 128, 4.0)
PITCH = math.radians(18.5)


def limb_view(sun_dir):
    """Over the equator looking east at the limb; the Moon behind the Earth."""
    pos = np.array([A + H_CAM, 0.0, 0.0])
    fwd = np.array([-math.sin(PITCH), math.cos(PITCH), 0.0])
    st = state(pos, forward=fwd, up_hint=np.array([1.0, 0.0, 0.0]), sun_dir=sun_dir)
    return dataclasses.replace(st, moon_km=np.array([-384400.0, 0.0, 0.0]))


def glow_above_limb(img, lo_km, hi_km):
    """Mean colour of the centre column's rays with tangent heights in [lo, hi] km."""
    col = img[:, VIEW.width // 2]
    rows = []
    for y in range(VIEW.height):
        el = math.atan((VIEW.height / 2 - y - 0.5) / VIEW.focal_px) - PITCH
        impact = (A + H_CAM) * math.cos(el)  # closest approach of the ray
        if lo_km <= impact - A <= hi_km:
            rows.append(col[y])
    assert rows, "no rows in that height range"
    return np.mean(rows, axis=0)


def test_day_limb_is_blue(ctx):
    # The Sun high behind the camera: the limb is lit by day.
    sun = np.array([1.0, -0.5, 0.3])
    img = render_hdr(ctx, AIR_ONLY, limb_view(sun), VIEW)
    r, g, b = glow_above_limb(img, 15.0, 45.0)
    assert b > 1.5 * r and b > g > r, (r, g, b)
    # And it is daylight-bright, as REFERENCE's sunlight makes it (hundreds of cd/m^2).
    assert 0.2126 * r + 0.7152 * g + 0.0722 * b > 50.0


def test_sunset_limb_is_red(ctx):
    # The Sun just set behind the limb ahead: its light reaches the camera
    # only through the lowest, longest paths, which keep the red.
    el = -math.acos(A / (A + H_CAM)) - math.radians(1.0)
    sun = np.array([math.sin(el), math.cos(el), 0.0])
    img = render_hdr(ctx, AIR_ONLY, limb_view(sun), VIEW)
    r, g, b = glow_above_limb(img, 3.0, 12.0)
    assert r > 1.3 * b and r > g, (r, g, b)
    # Higher up, the same twilight limb turns blue: the classic layered sunset band.
    r2, g2, b2 = glow_above_limb(img, 30.0, 50.0)
    assert b2 / r2 > 2 * (b / r), ((r, g, b), (r2, g2, b2))


def test_night_limb_without_moon_is_black(ctx):
    img = render_hdr(ctx, AIR_ONLY, limb_view(np.array([-1.0, 0.0, 0.0])), VIEW)
    assert img.max() < 1e-6


def test_atmosphere_dims_and_hazes_the_ground(ctx):
    # Nadir at noon over grey ground (albedo 0.1): the air dims the direct
    # sunlight by the zenith transmittance, adds skylight and blue haze, so the
    # picture is bluer than grey; over so dark a ground the haze wins a little
    # (top-of-atmosphere reflectance of a 0.1 surface is ~0.12 to 0.14).
    pos = np.array([A + H_CAM, 0.0, 0.0])
    st = state(
        pos, forward=-pos, up_hint=np.array([0.0, 0.0, 1.0]), sun_dir=np.array([1.0, 0.0, 0.0])
    )
    view = View(16, 16, 10.0)
    bare = render_hdr(
        ctx,
        minimal_scene(
            day=None, night_lights=None, clouds=None, airglow=None, glint=None, atmosphere=None
        ),
        st,
        view,
    )
    hazy = render_hdr(
        ctx,
        dataclasses.replace(
            AIR_ONLY, earth=dataclasses.replace(AIR_ONLY.earth, atmosphere=sc.Atmosphere())
        ),
        st,
        view,
    )
    b = bare.mean(axis=(0, 1))
    h = hazy.mean(axis=(0, 1))
    assert h[2] / h[0] > 1.2 * b[2] / b[0]
    assert 0.9 < h.mean() / b.mean() < 1.5, (h, b)
