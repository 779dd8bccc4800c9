"""The day texture and its polar caps, as the Earth pass uploads them.

The day texture is equirectangular (x = 0 at longitude -180, y = 0 at latitude
+90).  Near a pole such a texture cannot be filtered well: a row of texels wraps
a circle only a few texels round, so a pixel's footprint is thousands of texels
long and a fraction of one wide, and any practical filter either aliases or
smears radially.  The Earth pass therefore samples two polar caps above about
65 deg of latitude: azimuthal equidistant images around each pole, derived from
the same texture.  The shipped texture's caps are prebuilt in assets/ (by
assets/build_assets.py, which calls this module); a scene's own texture gets
its caps computed at load.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from renderer.assets import asset_path
from renderer.errors import RenderError
from renderer.physics.colour import linear_to_srgb, srgb_to_linear

# Polar caps: azimuthal equidistant images of the day texture around each pole,
# out to POLAR_CAP_DEG of colatitude.  Near a pole an equirectangular row wraps
# a circle a few texels long, so no filter on it can be both sharp and free of
# radial smearing; the Earth pass samples these caps above ~65 deg instead.
POLAR_CAP_DEG = 30.0
POLAR_CAP_SIZE = 1024


def polar_cap(equirect_linear: np.ndarray, north: bool, size: int, supersample: int) -> np.ndarray:
    """Azimuthal equidistant cap (linear RGB float), pole at the centre.

    Pixel (i, j) of an N x N cap, centre x = (j + 1/2) / N * 2 - 1 (rightward),
    y = 1 - (i + 1/2) / N * 2 (upward), lies at colatitude sqrt(x^2 + y^2) * 30
    deg (from its pole) and longitude atan2(y, x): +x toward longitude 0, +y
    toward 90 E, for both caps.  Both are thus the ITRS (x, y) plane seen from
    +z, and the shader indexes either with the surface normal's (x, y).  Each
    pixel averages S x S sub-samples of the
    bilinearly sampled source (the source is far denser than the cap near the
    pole, along the rows).
    """
    h, w, _ = equirect_linear.shape
    n, s = size, supersample
    out = np.zeros((n, n, 3), np.float32)
    sub = (np.arange(s) + 0.5) / s
    for i0 in range(0, n, 64):
        rows = np.arange(i0, min(i0 + 64, n))
        ii = (rows[:, None] + sub[None, :]).ravel()
        jj = (np.arange(n)[:, None] + sub[None, :]).ravel()
        y = 1.0 - ii / n * 2.0
        x = jj / n * 2.0 - 1.0
        xx, yy = np.meshgrid(x, y)
        colat = np.hypot(xx, yy) * POLAR_CAP_DEG
        lat = 90.0 - colat if north else -90.0 + colat
        lon = np.degrees(np.arctan2(yy, xx))
        u = (lon + 180.0) / 360.0 * w - 0.5
        v = np.clip((90.0 - lat) / 180.0 * h - 0.5, 0, h - 1.001)
        u0 = np.floor(u).astype(int)
        v0 = np.floor(v).astype(int)
        fu, fv = (u - u0)[..., None], (v - v0)[..., None]
        u0 %= w
        u1 = (u0 + 1) % w
        px = (equirect_linear[v0, u0] * (1 - fu) + equirect_linear[v0, u1] * fu) * (1 - fv) + (
            equirect_linear[v0 + 1, u0] * (1 - fu) + equirect_linear[v0 + 1, u1] * fu
        ) * fv
        px = px.reshape(len(rows), s, n, s, 3).mean(axis=(1, 3))
        out[rows] = px
    return out


def polar_cap_srgb8(
    equirect_srgb8: np.ndarray, north: bool, size: int, supersample: int
) -> np.ndarray:
    """A polar cap as 8-bit sRGB (averaged in linear light)."""
    lin = srgb_to_linear(equirect_srgb8.astype(np.float32) / 255.0)
    cap = polar_cap(lin, north, size, supersample)
    return (linear_to_srgb(cap) * 255.0 + 0.5).astype(np.uint8)


def _read_rgb(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise RenderError(f"cannot read texture {path}: {exc}") from None


@cache
def day_textures(path: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(equirect, north cap, south cap) as 8-bit sRGB arrays, once per process.

    ``path`` None means the shipped Blue Marble with its prebuilt caps.
    """
    if path is None:
        return tuple(
            _read_rgb(asset_path(name))
            for name in ("earth_day.jpg", "earth_day_north.jpg", "earth_day_south.jpg")  # type: ignore[return-value]
        )
    rgb = _read_rgb(path)
    # Run-time caps: half the size and supersampling of the shipped ones (~1 s).
    size = POLAR_CAP_SIZE // 2
    return (rgb, polar_cap_srgb8(rgb, True, size, 2), polar_cap_srgb8(rgb, False, size, 2))
