"""Where on the screen the Earth pass has work, found per frame on the CPU.

The Earth pass's rays fall into nested cones around the direction from the
camera to the Earth's centre: those that meet the cloud layer (or the ground),
those that pass above it through the air, those that pass above the air
through the airglow shells, and those that see none of it.  Each cone needs
less of the shader than the one inside it, and the last needs nothing, so the
pass draws each program only over its cone's part of the screen.

Geometry is that of ``shaders/lib/atmosphere.glsl``'s sphere space, ITRS axes
with z scaled by a/b, where the WGS84 ellipsoid is the sphere of radius a and
every shell is a sphere: a ray from the camera o (sphere space) in the unit
direction u meets the sphere of radius R exactly when the angle between u and
-o is at most alpha = asin(R / |o|) (any direction when |o| <= R).

The screen is cut into square blocks of ``BLOCK`` pixels.  A block belongs to
the innermost cone that any of its rays can enter: the angle theta between its
centre ray and -o, less the largest angle delta from the centre ray to a
corner ray (the block's rays all lie within delta of its centre: the block's
image on the sphere of directions is a small convex quadrilateral), against
alpha plus a margin of ``MARGIN_PX`` pixels.  Blocks are whole 2x2 pixel quads,
so the screen-space derivatives of the full program never mix programs.

Returned as triangles in clip coordinates, one list per region: a row of blocks
of one region is one quad (two triangles).  Pixel centres never lie on a
block's edge (edges are whole pixels), so no pixel is drawn twice or missed.
And as lists of the blocks themselves, for the compute path (one work group
per block).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from renderer.astro.constants import WGS84_A_KM, WGS84_B_KM
from renderer.frame_state import View

BLOCK = 8  # pixels; a multiple of 2 so blocks are whole pixel quads
# Pixels of slack around each cone: the limb's anti-aliasing covers pixels up to
# half a pixel outside the disc, and sphere space stretches angles by up to a/b.
MARGIN_PX = 2.0

# The shells as the shaders draw them: the air's top ATMO_THICKNESS_KM above the
# ground (shaders/lib/atmosphere.glsl), an airglow layer out to this many of its
# sigmas from its peak (shaders/lib/airglow.glsl's shell_piece).
ATMOSPHERE_THICKNESS_KM = 60.0
AIRGLOW_EXTENT_SIGMAS = 4.0

SPHERE_SCALE = np.array([1.0, 1.0, WGS84_A_KM / WGS84_B_KM])


@dataclass(frozen=True)
class AirTableFrame:
    """Where the air table of ``shaders/earth.glsl`` lies, for one frame: the basis
    about the camera's axis (sphere space), and for each table axis the value at
    texture coordinate 0 and its change per unit coordinate (phi in radians, xi km)."""

    e1: np.ndarray
    e2: np.ndarray
    phi: tuple[float, float]
    xi: tuple[float, float]
    wrap: bool  # phi goes round the axis: the table repeats in u


@dataclass(frozen=True)
class Regions:
    """Clip-space triangles (N, 2) float32 of each region, innermost first, and its
    blocks (M, 2) uint32 (column, row from the bottom, in blocks); with an inner
    region (all of whose rays meet the ground), its air table's frame."""

    triangles: tuple[np.ndarray, ...]
    blocks: tuple[np.ndarray, ...] = ()
    air_table: AirTableFrame | None = None


def block_angles(
    cam_pos: np.ndarray,
    right: np.ndarray,
    up: np.ndarray,
    forward: np.ndarray,
    view: View,
    block: int = BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """For each block (rows from the bottom of the screen, as gl_FragCoord counts),
    the sphere-space angle (rad) from its centre ray to the direction of the Earth's
    centre, and the largest angle from its centre ray to one of its corner rays.

    ``cam_pos`` in km and the camera basis are ITRS (float64).
    """
    w, h, f = view.width, view.height, view.focal_px
    nx, ny = -(-w // block), -(-h // block)
    o = np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE
    down = -o / np.linalg.norm(o)
    corners = corner_directions(right, up, forward, view, block)  # (3, ny + 1, nx + 1)
    xs = np.arange(nx, dtype=np.float64) * block + 0.5 * block
    ys = np.arange(ny, dtype=np.float64) * block + 0.5 * block
    centres = _directions(right, up, forward, (xs - 0.5 * w) / f, (ys - 0.5 * h) / f)
    theta = np.arccos(np.clip(np.einsum("i,i...->...", down, centres), -1.0, 1.0))
    cos_delta = np.ones_like(theta)
    for dy in (0, 1):
        for dx in (0, 1):
            c = corners[:, dy : dy + ny, dx : dx + nx]
            cos_delta = np.minimum(cos_delta, (centres * c).sum(axis=0))
    return theta, np.arccos(np.clip(cos_delta, -1.0, 1.0))


def _directions(
    right: np.ndarray, up: np.ndarray, forward: np.ndarray, gx: np.ndarray, gy: np.ndarray
) -> np.ndarray:
    """common.glsl's view_ray for the tangents gx (columns) by gy (rows), mapped into
    sphere space and normalised: (3, len(gy), len(gx)), one plane per component."""
    r, u, fw = (np.asarray(v, dtype=np.float64) * SPHERE_SCALE for v in (right, up, forward))
    d = (
        r[:, None, None] * gx[None, None, :]
        + u[:, None, None] * gy[None, :, None]
        + fw[:, None, None]
    )
    return d / np.sqrt((d * d).sum(axis=0))


def corner_directions(
    right: np.ndarray, up: np.ndarray, forward: np.ndarray, view: View, block: int = BLOCK
) -> np.ndarray:
    """Unit sphere-space directions of the blocks' corners, (3, ny + 1, nx + 1)."""
    w, h, f = view.width, view.height, view.focal_px
    xs = np.arange(-(-w // block) + 1, dtype=np.float64) * block
    ys = np.arange(-(-h // block) + 1, dtype=np.float64) * block
    return _directions(right, up, forward, (xs - 0.5 * w) / f, (ys - 0.5 * h) / f)


def air_table_frame(
    cam_pos: np.ndarray,
    forward: np.ndarray,
    corners: np.ndarray,
    theta: np.ndarray,
    delta: np.ndarray,
    inner: np.ndarray,
    size: tuple[int, int],
) -> AirTableFrame:
    """The air table's frame over the ``inner`` blocks (all of whose rays meet the
    ground): phi over their corners' azimuths (all round when the axis may fall in
    one of them), xi = sqrt(a^2 - p^2) over their angles from the axis (p = |o| sin
    theta), the first and last texel centres on the ends of each range."""
    o = np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE
    r0 = float(np.linalg.norm(o))
    z = -o / r0
    fs = np.asarray(forward, dtype=np.float64) * SPHERE_SCALE
    e1 = fs - np.dot(fs, z) * z
    if np.linalg.norm(e1) < 1e-6:  # looking straight down: any square axis
        e1 = np.cross(z, [1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(z, e1)
    nphi, nxi = size
    # The azimuth of every corner of an inner block.
    ny, nx = inner.shape
    touch = np.zeros((ny + 1, nx + 1), dtype=bool)
    for dy in (0, 1):
        for dx in (0, 1):
            touch[dy : dy + ny, dx : dx + nx] |= inner
    c = corners[:, touch]
    phis = np.arctan2(e2 @ c, e1 @ c)
    lo_t = max(float((theta - delta)[inner].min()), 0.0)
    hi_t = float((theta + delta)[inner].max())
    wrap = lo_t <= 0.0 or float(phis.max() - phis.min()) > math.pi
    if wrap:
        phi = (-math.pi, 2.0 * math.pi)
    else:
        p0, p1 = float(phis.min()), float(phis.max())
        span = max(p1 - p0, 1e-9)
        phi = (p0 - 0.5 * span / (nphi - 1), nphi * span / (nphi - 1))
    a = WGS84_A_KM

    def xi_of(t: float) -> float:
        p = min(r0 * math.sin(min(t, 0.5 * math.pi)), a)
        return math.sqrt(max((a - p) * (a + p), 0.0))

    x0, x1 = xi_of(hi_t), xi_of(lo_t)
    span = max(x1 - x0, 1e-6)
    xi = (x0 - 0.5 * span / (nxi - 1), nxi * span / (nxi - 1))
    return AirTableFrame(e1, e2, phi, xi, wrap)


def cone_half_angle(cam_pos: np.ndarray, radius_km: float) -> float:
    """Half-angle (rad) of the cone of rays from the camera that meet the sphere of
    ``radius_km`` (sphere space): asin(R / |o|), or pi from inside the sphere."""
    dist = float(np.linalg.norm(np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE))
    return math.pi if dist <= radius_km else math.asin(radius_km / dist)


def classify_blocks(
    theta: np.ndarray, delta: np.ndarray, half_angles: Sequence[float], margin_rad: float
) -> np.ndarray:
    """Region index of each block: the first cone (of ``half_angles``) any of its rays
    may enter, or ``len(half_angles)`` for a block that enters none."""
    near = theta - delta - margin_rad
    region = np.full(theta.shape, len(half_angles), dtype=np.int32)
    for k in reversed(range(len(half_angles))):
        region[near <= half_angles[k]] = k
    return region


def region_triangles(region: np.ndarray, count: int, view: View, block: int = BLOCK) -> Regions:
    """Clip-space triangles covering the blocks of each region 0..count-1: each run of
    blocks along a row is one quad, cut at the screen's edge."""
    w, h = view.width, view.height
    ny, nx = region.shape
    # Every run of equal values along a row: its row, first and last + 1 column.
    change = np.ones((ny, nx + 1), dtype=bool)
    change[:, 1:-1] = region[:, 1:] != region[:, :-1]
    rows, cols = np.nonzero(change)  # row-major: each row's run edges in order
    last = cols == nx
    starts, row_of = cols[~last], rows[~last]
    ends = cols[1:][~last[:-1]]
    values = region[row_of, starts]
    order = np.argsort(values, kind="stable")  # by region, row-major within each
    bounds = np.searchsorted(values[order], np.arange(count + 1))
    out = []
    for k in range(count):
        pick = order[bounds[k] : bounds[k + 1]]
        x0 = starts[pick] * block * 2.0 / w - 1.0
        x1 = np.minimum(ends[pick] * block, w) * 2.0 / w - 1.0
        y0 = row_of[pick] * block * 2.0 / h - 1.0
        y1 = np.minimum((row_of[pick] + 1) * block, h) * 2.0 / h - 1.0
        quads = np.stack(
            [
                np.stack([x0, y0], -1),
                np.stack([x1, y0], -1),
                np.stack([x1, y1], -1),
                np.stack([x0, y0], -1),
                np.stack([x1, y1], -1),
                np.stack([x0, y1], -1),
            ],
            axis=1,
        )
        out.append(quads.reshape(-1, 2).astype(np.float32))
    return Regions(tuple(out), region_blocks(region, count))


def region_blocks(region: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    """The blocks of each region 0..count-1, (M, 2) uint32 (column, row) each."""
    out = []
    for k in range(count):
        rows, cols = np.nonzero(region == k)
        out.append(np.stack([cols, rows], axis=-1).astype(np.uint32))
    return tuple(out)


def screen_regions(
    cam_pos: np.ndarray,
    right: np.ndarray,
    up: np.ndarray,
    forward: np.ndarray,
    view: View,
    radii_km: Sequence[float],
    air_table_size: tuple[int, int] | None = None,
    classes: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    variants: int = 0,
) -> Regions:
    """Triangles of each region for the spheres ``radii_km`` (sphere space, km),
    innermost region first: region k is the blocks whose rays may meet sphere k and
    none of the spheres before it.  What no region covers sees none of the spheres.

    With ``air_table_size`` (texels in phi and xi), an inner region comes first: the
    blocks all of whose rays meet the ground (the sphere of radius a) at least
    ``MARGIN_PX`` inside the limb, with the frame of their air table.

    With ``classes``, a test of blocks (given the corner directions and a mask of the
    surface blocks, it returns an integer per block, 0 to keep it, 1 to
    ``variants`` to split it off), the surface regions (the inner one if any, then
    the first sphere's) lose the blocks of each class k to regions of their own,
    appended after the others: class 1's surface regions in the same order, then
    class 2's, and so on."""
    theta, delta = block_angles(cam_pos, right, up, forward, view)
    half = [cone_half_angle(cam_pos, r) for r in radii_km]
    # A pixel turns a ray by at most 1/f rad; sphere space stretches that by a/b.
    margin = MARGIN_PX / view.focal_px * float(SPHERE_SCALE[2])
    region = classify_blocks(theta, delta, half, margin)
    count = len(radii_km)
    frame = None
    corners = None
    if air_table_size is not None:
        inner = theta + delta + margin < cone_half_angle(cam_pos, WGS84_A_KM)
        if inner.any():
            corners = corner_directions(right, up, forward, view)
            frame = air_table_frame(cam_pos, forward, corners, theta, delta, inner, air_table_size)
        region = np.where(inner, 0, region + 1)
        count += 1
    if classes is not None:
        surface = 2 if air_table_size is not None else 1
        if corners is None:
            corners = corner_directions(right, up, forward, view)
        region = np.where(region < count, region, -1)  # in no region, past any
        k = classes(corners, (region >= 0) & (region < surface)).astype(np.int32)
        region = np.where(k > 0, region + count + (k - 1) * surface, region)
        count += variants * surface
    tris = region_triangles(region, count, view)
    return Regions(tris.triangles, tris.blocks, frame)
