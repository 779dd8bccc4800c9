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
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
class Regions:
    """Clip-space triangles (N, 2) float32 of each region, innermost first."""

    triangles: tuple[np.ndarray, ...]


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
    xs = np.arange(nx + 1, dtype=np.float64) * block
    ys = np.arange(ny + 1, dtype=np.float64) * block
    basis = np.stack([right, up, forward]) * SPHERE_SCALE  # rows: S R, S U, S F

    def directions(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        # common.glsl's view_ray, mapped into sphere space and normalised.
        gx, gy = np.meshgrid((px - 0.5 * w) / f, (py - 0.5 * h) / f)
        d = gx[..., None] * basis[0] + gy[..., None] * basis[1] + basis[2]
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    corners = directions(xs, ys)  # (ny + 1, nx + 1, 3)
    centres = directions(xs[:-1] + 0.5 * block, ys[:-1] + 0.5 * block)  # (ny, nx, 3)
    o = np.asarray(cam_pos, dtype=np.float64) * SPHERE_SCALE
    down = -o / np.linalg.norm(o)
    theta = _angle(centres, down)
    delta = np.zeros_like(theta)
    for dy in (0, 1):
        for dx in (0, 1):
            corner = corners[dy : dy + ny, dx : dx + nx]
            delta = np.maximum(delta, _angle(centres, corner))
    return theta, delta


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle between unit vectors, accurate at 0 and pi (atan2 of |u x v| and u . v)."""
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.arctan2(cross, np.sum(u * v, axis=-1))


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
    out = []
    for k in range(count):
        mask = np.zeros((ny, nx + 2), dtype=np.int8)
        mask[:, 1:-1] = region == k
        step = np.diff(mask, axis=1)
        rows, starts = np.nonzero(step == 1)
        _, ends = np.nonzero(step == -1)  # same row order as the starts
        x0 = starts * block * 2.0 / w - 1.0
        x1 = np.minimum(ends * block, w) * 2.0 / w - 1.0
        y0 = rows * block * 2.0 / h - 1.0
        y1 = np.minimum((rows + 1) * block, h) * 2.0 / h - 1.0
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
    return Regions(tuple(out))


def screen_regions(
    cam_pos: np.ndarray,
    right: np.ndarray,
    up: np.ndarray,
    forward: np.ndarray,
    view: View,
    radii_km: Sequence[float],
) -> Regions:
    """Triangles of each region for the spheres ``radii_km`` (sphere space, km),
    innermost region first: region k is the blocks whose rays may meet sphere k and
    none of the spheres before it.  What no region covers sees none of the spheres."""
    theta, delta = block_angles(cam_pos, right, up, forward, view)
    half = [cone_half_angle(cam_pos, r) for r in radii_km]
    # A pixel turns a ray by at most 1/f rad; sphere space stretches that by a/b.
    margin = MARGIN_PX / view.focal_px * float(SPHERE_SCALE[2])
    region = classify_blocks(theta, delta, half, margin)
    return region_triangles(region, len(radii_km), view)
