"""Where on the screen city lights cannot show, found per frame on the CPU.

City lights are earth.glsl's city_lights times lights_fade: the map's values
(two look-ups of assets/night_lights.png, a sharp one over the pixel's
footprint and a blurred one over a footprint 16 times wider, the sharp one
times the procedural detail of lib/city_detail.glsl, which multiplies the
map's value) times the fade, which is 0 wherever the Sun is above the geodetic
horizon.  Most of the globe's map is exactly 0, and every filtered look-up of
texels that are all 0 is exactly 0, so over many of the Earth pass's blocks
(earth_regions.py) the lights add exactly nothing, and over more the sharp
look-up gives exactly 0: there the pass draws programs with the lights (or
the sharp look-up and the detail) compiled out, and the picture is the same.

Each block is judged from its corner rays met with the ellipsoid (the rays
through a block's pixels lie between its corner rays): the ground points'
texel coordinates, their bounding box widened to every texel a look-up of one
of its pixels can read (``texel_range``), and a query of the map's non-zero
texels over that box (``LightsMask``); the Sun's elevation at the corners'
normals, less the normals' spread.  Blocks whose corners graze the ground
(``MIN_MU_V``) or miss it keep the lights: their footprints change too fast
across the block to bound from the corners.
"""

from __future__ import annotations

import math

import numpy as np

from renderer.astro.constants import WGS84_A_KM, WGS84_B_KM
from renderer.frame_state import View
from renderer.passes.earth_regions import BLOCK, SPHERE_SCALE

# Corners whose view ray meets the ground at a cosine below this (about 6 deg above
# the horizon, a few pixels from the limb) leave their block lit.
MIN_MU_V = 0.1
# How far a look-up's footprint may exceed the one the corners give, from the
# footprint's growth across the block and a sampler's choice of mip level.
FOOTPRINT_SAFETY = 1.25
# The blurred look-up's gradients, times the pixel's (earth.glsl's city_lights).
BLUR_SCALE = 16.0
# The classes of blocks (light_classes): the lights as they are, without the sharp
# look-up (it can read only texels of 0), without any light.
LIGHTS_ALL, LIGHTS_NO_SHARP, LIGHTS_NONE = 0, 1, 2
# Above this latitude (deg) a block's longitudes may go all round the pole.
POLAR_LAT_DEG = 75.0
# Cells of LightsMask's table: squares of this many texels of the map.
CELL = 2


class LightsMask:
    """Which texels of the lights map are non-zero, for counting them over boxes of
    texels: a summed-area table of the cells (``CELL`` texels square) that hold any."""

    def __init__(self, lights: np.ndarray) -> None:
        """``lights``: the map as the texture's level 0, (H, W) or (H, W, C)."""
        lit = lights != 0 if lights.ndim == 2 else (lights != 0).any(axis=-1)
        self.height, self.width = lit.shape
        h, w = -(-self.height // CELL), -(-self.width // CELL)
        cells = np.zeros((h * CELL, w * CELL), dtype=bool)
        cells[: self.height, : self.width] = lit
        cells = cells.reshape(h, CELL, w, CELL).any(axis=(1, 3))
        table = np.zeros((h + 1, w + 1), dtype=np.int32)
        np.cumsum(np.cumsum(cells, axis=0, dtype=np.int32), axis=1, out=table[1:, 1:])
        self._table = table.ravel()
        self._stride = w + 1
        self.lit_share = float(lit.mean())

    def _count(
        self, c0: np.ndarray | int, c1: np.ndarray | int, r0: np.ndarray, r1: np.ndarray
    ) -> np.ndarray:
        """Non-empty cells in columns c0..c1-1 by rows r0..r1-1 (in range, c0 <= c1)."""
        t = self._table
        top, bottom = r0 * self._stride, r1 * self._stride
        return t[bottom + c1] - t[top + c1] - t[bottom + c0] + t[top + c0]

    def any_lit(self, x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
        """Whether any non-zero texel lies in columns x0..x1 by rows y0..y1 (integer
        texel indices, inclusive; columns wrap round the map, rows are clamped)."""
        w = self.width
        span = x1 - x0
        full = span >= w - 1
        x0 = np.mod(x0, w)
        x1 = x0 + np.minimum(span, w - 1)  # x0 <= x1 < 2 w
        r0 = np.clip(y0, 0, self.height - 1) // CELL
        r1 = np.clip(y1, 0, self.height - 1) // CELL + 1
        c0 = x0 // CELL
        c1 = np.minimum(x1, w - 1) // CELL + 1
        n = self._count(c0, c1, r0, r1)
        wraps = np.flatnonzero(x1 >= w)  # the part past the right edge, from column 0
        if wraps.size:
            n[wraps] += self._count(0, (x1[wraps] - w) // CELL + 1, r0[wraps], r1[wraps])
        fulls = np.flatnonzero(full)
        if fulls.size:
            n[fulls] = self._count(0, self._stride - 1, r0[fulls], r1[fulls])
        return n > 0


def corner_ground(
    cam_pos: np.ndarray, corners: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The corner rays met with the WGS84 ellipsoid: whether each hits, the ITRS
    distance to the hit (km), the geodetic normal there (3, ...) and the cosine of the
    view angle mu_v = -d . n.  ``corners`` are unit sphere-space directions (3, ...)
    (earth_regions.corner_directions); ``cam_pos`` ITRS km."""
    o = np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE
    scale = SPHERE_SCALE.reshape(3, *([1] * (corners.ndim - 1)))
    b = np.einsum("i,i...->...", o, corners)
    disc = b * b - (float(o @ o) - WGS84_A_KM * WGS84_A_KM)
    t = -b - np.sqrt(np.maximum(disc, 0.0))
    hit = (disc >= 0.0) & (t > 0.0)
    p = (o.reshape(scale.shape) + t * corners) / scale  # ITRS km
    d = p - (o / SPHERE_SCALE).reshape(scale.shape)
    dist = np.sqrt((d * d).sum(axis=0))
    radii2 = np.array([WGS84_A_KM**2, WGS84_A_KM**2, WGS84_B_KM**2]).reshape(scale.shape)
    n = p / radii2
    n /= np.sqrt((n * n).sum(axis=0))
    mu_v = -(d * n).sum(axis=0) / np.maximum(dist, 1e-9)
    return hit, dist, n, mu_v


def texel_range(
    lo: np.ndarray, hi: np.ndarray, footprint: np.ndarray, scale: float = BLUR_SCALE
) -> tuple[np.ndarray, np.ndarray]:
    """The first and last texel (indices along one axis of the map's level 0, not yet
    wrapped or clamped) that the look-ups of pixels whose ground points lie between
    ``lo`` and ``hi`` (texel coordinates, texel i covering [i, i + 1)) may read, for
    a pixel footprint ``footprint`` (texels, the longer side, already widened by
    ``FOOTPRINT_SAFETY``) times ``scale``.  The blurred look-up (scale BLUR_SCALE)
    is the widest: one trilinear tap with gradients BLUR_SCALE times the pixel's, at
    most at mip level L = ceil(log2(BLUR_SCALE f)), which reads bilinearly the two texels of level L
    and of level L - 1 whose centres are nearest the tap on either side: each level
    k's texels (2^k of level 0) from floor(q / 2^k - 1/2) on.  Those two levels'
    reach covers any lower level's (1.5 * 2^k < half a texel of level k + 2), so
    that of the sharp look-up, whose anisotropic taps lie within f / 2 of the point
    at levels at most ceil(log2 f), if the points are taken f / 2 wider; scale 1
    gives the sharp look-up's own reach.  The block's interior may bulge past its
    corners' box by about a pixel's footprint: the box is widened by 1.5 f on
    either side."""
    level = np.ceil(np.log2(np.maximum(scale * footprint, 1.0)))
    lo = lo - 1.5 * footprint
    hi = hi + 1.5 * footprint
    first = np.full(lo.shape, np.inf)
    last = np.full(lo.shape, -np.inf)
    for k in (level, np.maximum(level - 1.0, 0.0)):
        s = np.exp2(k)
        first = np.minimum(first, s * np.floor(lo / s - 0.5))
        last = np.maximum(last, s * (np.floor(hi / s - 0.5) + 2.0) - 1.0)
    return first, last


def _blocks_of(a: np.ndarray, size: int = 2) -> list[np.ndarray]:
    """The values of each window of ``size`` by ``size`` over the last two axes (the
    four corners of each block, from values on the corner grid, ny + 1 by nx + 1):
    size^2 arrays, each ``size - 1`` shorter along both axes."""
    ny, nx = a.shape[-2] - size + 1, a.shape[-1] - size + 1
    return [a[..., dy : dy + ny, dx : dx + nx] for dy in range(size) for dx in range(size)]


def _wrapped(du: np.ndarray, width: int) -> np.ndarray:
    """Differences of u (texels round a map ``width`` wide) taken the short way."""
    return np.mod(du + 0.5 * width, width) - 0.5 * width


def _edge_gradient(
    du: np.ndarray, dv: np.ndarray, good_a: np.ndarray, good_b: np.ndarray
) -> np.ndarray:
    """Length (texels per pixel) of the change (du, dv) of the texel coordinates along
    a block's edge; infinite where an end (``good_a``, ``good_b``) is not good."""
    return np.where(good_a & good_b, np.sqrt(du * du + dv * dv) / BLOCK, np.inf)


def light_classes(
    cam_pos: np.ndarray,
    sun_dir: np.ndarray,
    corners: np.ndarray,
    view: View,
    candidates: np.ndarray,
    mask: LightsMask | None,
) -> np.ndarray:
    """The class (int8) of each of the ``candidates`` (ny, nx) bool blocks, LIGHTS_ALL
    for the others.  Only blocks whose corner rays all meet the ground at mu_v of at
    least MIN_MU_V can be other than LIGHTS_ALL.  LIGHTS_NONE: no pixel's lights can
    be other than 0, as the Sun is up at every pixel or the map has no non-zero
    texel within the reach of any of their look-ups (``mask``; None to skip the
    map's tests); LIGHTS_NO_SHARP: none within the reach of their sharp look-ups.
    ``corners`` are earth_regions.corner_directions (3, ny + 1, nx + 1); ``cam_pos``
    and the unit ``sun_dir`` ITRS."""
    classes = np.full(candidates.shape, LIGHTS_ALL, dtype=np.int8)
    rows = np.flatnonzero(candidates.any(axis=1))
    cols = np.flatnonzero(candidates.any(axis=0))
    if len(rows) == 0:
        return classes
    # Only the candidates' bounding box is worked on.
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    corners = corners[:, r0 : r1 + 1, c0 : c1 + 1]
    classes[r0:r1, c0:c1] = _light_classes(
        cam_pos, sun_dir, corners, view, candidates[r0:r1, c0:c1], mask
    )
    return classes


def _light_classes(
    cam_pos: np.ndarray,
    sun_dir: np.ndarray,
    corners: np.ndarray,
    view: View,
    candidates: np.ndarray,
    mask: LightsMask | None,
) -> np.ndarray:
    """light_classes over one box of blocks."""
    hit, _, n, mu_v = corner_ground(cam_pos, corners)
    ok = np.logical_and.reduce(_blocks_of(hit & (mu_v >= MIN_MU_V))) & candidates
    classes = np.full(ok.shape, LIGHTS_ALL, dtype=np.int8)
    if not ok.any():
        return classes
    # The Sun's elevation, sin e = n . s, is at least its least value over the corners
    # less the spread of the normals across the block: every point of a small
    # quadrilateral lies within its longer diagonal of each corner (taken twice, for
    # the interior's bulge).
    sin_e = np.minimum.reduce(_blocks_of(np.einsum("i,i...->...", sun_dir, n)))
    day = ok & (sin_e > 0.0)
    if day.any():
        n00, n01, n10, n11 = _blocks_of(n)
        diagonal = np.maximum(
            np.sqrt(((n11 - n00) ** 2).sum(axis=0)), np.sqrt(((n10 - n01) ** 2).sum(axis=0))
        )
        classes[day & (sin_e > 2.0 * diagonal + 1e-4)] = LIGHTS_NONE
    if mask is None:
        return classes
    lon = np.arctan2(n[1], n[0])
    lat = np.arcsin(np.clip(n[2], -1.0, 1.0))
    w = mask.width
    u = (lon / (2.0 * math.pi) + 0.5) * w
    v = (0.5 - lat / math.pi) * mask.height
    # The look-ups' gradients, texels per pixel step, from the differences along the
    # blocks' edges (the longitude's across the antimeridian taken the short way, as
    # sample_seamless does); the longest of a block's edges and of its neighbours',
    # for the change of the footprint across the block.
    good = hit & (mu_v >= MIN_MU_V)
    dux, duy = _wrapped(np.diff(u, axis=1), w), _wrapped(np.diff(u, axis=0), w)
    gx = _edge_gradient(dux, np.diff(v, axis=1), good[:, 1:], good[:, :-1])
    gy = _edge_gradient(duy, np.diff(v, axis=0), good[1:], good[:-1])
    foot = np.maximum.reduce([gx[:-1], gx[1:], gy[:, :-1], gy[:, 1:]])
    foot = np.maximum.reduce(_blocks_of(np.pad(foot, 1, mode="edge"), size=3))
    foot = np.minimum(FOOTPRINT_SAFETY * foot, 4.0 * w)  # beyond, the whole map
    # The corners' u from the block's first corner along its edges, unwrapped.
    du = (dux[:-1], duy[:, :-1], duy[:, :-1] + dux[1:])
    u0 = u[:-1, :-1]
    u_lo = u0 + np.minimum(np.minimum.reduce(du), 0.0)
    u_hi = u0 + np.maximum(np.maximum.reduce(du), 0.0)
    polar = np.maximum.reduce(_blocks_of(np.abs(lat))) > math.radians(POLAR_LAT_DEG)
    vs = _blocks_of(v)
    v_lo, v_hi = np.minimum.reduce(vs), np.maximum.reduce(vs)
    big = 4 * w  # keeps absurd reaches in range of the integers
    # The blurred look-up's reach, then the sharp one's where that holds light.
    for scale, cls in ((BLUR_SCALE, LIGHTS_NONE), (1.0, LIGHTS_NO_SHARP)):
        q = ok & (classes == LIGHTS_ALL)
        if not q.any():
            break
        f = foot[q]
        x0, x1 = texel_range(u_lo[q], u_hi[q], f, scale)
        x1 = np.where(polar[q], np.maximum(x1, x0 + w), x1)
        y0, y1 = texel_range(v_lo[q], v_hi[q], f, scale)
        x0, x1, y0, y1 = (
            np.floor(np.clip(a, -big, big)).astype(np.int64) for a in (x0, x1, y0, y1)
        )
        classes[q] = np.where(mask.any_lit(x0, x1, y0, y1), LIGHTS_ALL, cls)
    return classes
