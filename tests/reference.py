"""An independent CPU reference of the Earth pass, in float64 NumPy.

It shares no code with the shader: the ray meets the ellipsoid by solving the
quadratic directly in float64, the geodetic latitude comes from the textbook
formula tan(phi) = z / ((1 - f)^2 sqrt(x^2 + y^2)), and the texture is sampled
bilinearly from the full-resolution image.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

from renderer.assets import asset_path
from renderer.frame_state import FrameState, View

A = 6378.137
F = 1 / 298.257223563
B = A * (1 - F)


@cache
def day_texture_linear() -> np.ndarray:
    """Blue Marble as linear-light float32 (H, W, 3)."""
    with Image.open(asset_path("earth_day.jpg")) as img:
        srgb = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
    lin = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return lin.astype(np.float32)


def pixel_rays(state: FrameState, view: View) -> np.ndarray:
    """Unit world directions of every pixel centre, (H, W, 3), row 0 at the TOP."""
    x = np.arange(view.width) + 0.5 - view.width / 2
    y = view.height / 2 - (np.arange(view.height) + 0.5)
    xx, yy = np.meshgrid(x / view.focal_px, y / view.focal_px)
    d = (
        state.camera_forward[None, None, :]
        + xx[..., None] * state.camera_right
        + yy[..., None] * state.camera_up
    )
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def ground_points(state: FrameState, view: View) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hit mask, latitude deg, longitude deg) of every pixel's first ellipsoid hit."""
    m = state.itrs_from_gcrs
    o = m @ state.camera_pos_km
    d = pixel_rays(state, view) @ m.T
    w = np.array([1 / A**2, 1 / A**2, 1 / B**2])
    qa = np.sum(d * d * w, axis=-1)
    qb = 2 * np.sum(o * d * w, axis=-1)
    qc = np.sum(o * o * w) - 1
    disc = qb * qb - 4 * qa * qc
    hit = disc >= 0
    t = (-qb - np.sqrt(np.where(hit, disc, 0))) / (2 * qa)
    hit &= t > 0
    p = o + t[..., None] * d
    lat = np.degrees(np.arctan2(p[..., 2], (1 - F) ** 2 * np.hypot(p[..., 0], p[..., 1])))
    lon = np.degrees(np.arctan2(p[..., 1], p[..., 0]))
    return hit, lat, lon


def sample_texture(tex: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Bilinear sample of an equirectangular image (x=0 at lon -180, y=0 at lat +90)."""
    h, w, _ = tex.shape
    u = (lon + 180.0) / 360.0 * w - 0.5
    v = (90.0 - lat) / 180.0 * h - 0.5
    u0 = np.floor(u).astype(int)
    v0 = np.clip(np.floor(v).astype(int), 0, h - 2)
    fu = (u - u0)[..., None]
    fv = np.clip(v - v0, 0, 1)[..., None]
    u0 %= w
    u1 = (u0 + 1) % w
    top = tex[v0, u0] * (1 - fu) + tex[v0, u1] * fu
    bot = tex[v0 + 1, u0] * (1 - fu) + tex[v0 + 1, u1] * fu
    return top * (1 - fv) + bot * fv


def geodetic_normal(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Unit geodetic vertical, Earth-fixed."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def kim_planckian_xy(t: float) -> tuple[float, float]:
    """CIE 1931 xy of a blackbody, Kim et al. (2002) cubic fit, 1667 K to 25000 K."""
    u = 1e3 / t
    if t <= 4000:
        x = -0.2661239 * u**3 - 0.2343589 * u**2 + 0.8776956 * u + 0.179910
    else:
        x = -3.0258469 * u**3 + 2.1070379 * u**2 + 0.2226347 * u + 0.240390
    if t <= 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y
