"""The star field: Hipparcos 2 down to the scene's limiting magnitude, one instanced draw.

:class:`PointSources` owns ``shaders/stars.glsl`` and one instance buffer of point
sources (direction, illuminance, colour); :class:`StarsPass` fills it with the
catalogue (renderer/physics/stars.py) and the bodies pass (passes/bodies.py) uses a
second one for the planets.  All the per-star work (projection, culling, the Earth's
limb, the atmosphere's transmittance, the point-spread function) happens on the GPU:
a frame costs one draw call whatever the number of stars.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import moderngl
import numpy as np

from renderer.frame_state import FrameState, View
from renderer.gl.atmosphere_tables import bind_atmosphere
from renderer.gl.shaders import build_program, set_uniform
from renderer.passes.common import set_sky_view
from renderer.physics.camera import saturation_luminance
from renderer.physics.photometry import illuminance_lux
from renderer.physics.stars import load_catalog
from renderer.scene import Exposure, Stars

# The point-spread function: a Gaussian of 1.6 px full width at half maximum
# (sigma = FWHM / 2.3548), about what a good lens and a Bayer sensor give a star.
PSF_FWHM_PX = 1.6
PSF_SIGMA_PX = PSF_FWHM_PX / (2.0 * math.sqrt(2.0 * math.log(2.0)))
# A sprite reaches out to where its PSF falls to this fraction of the sensor's
# saturation radiance: far below one 8-bit step, so the cut never shows.  It only
# sizes the quads (a bright star's PSF is drawn wider); it scales no radiance.
PSF_CUTOFF_OF_SATURATION = 1e-4
PSF_MAX_RADIUS_PX = 64.0

# Per-instance record: direction (3 f4), illuminance (f4), colour (3 f4).
INSTANCE_DTYPE = np.dtype([("dir", "<f4", 3), ("lux", "<f4"), ("rgb", "<f4", 3)])
_INSTANCE_FORMAT = "3f 1f 3f/i"
# The most points a streak is sampled at: smooth up to 128 standard deviations (~90 px).
STREAK_SAMPLES_MAX = 128


def instance_records(directions: np.ndarray, lux: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Pack point sources into the instance buffer's record type."""
    rec = np.zeros(len(lux), dtype=INSTANCE_DTYPE)
    rec["dir"] = directions
    rec["lux"] = lux
    rec["rgb"] = rgb
    return rec


def streak_samples(state: FrameState, view: View) -> int:
    """How many points along its streak the longest streak of the frame needs so that they
    lie at most a PSF standard deviation apart: a power of two from 1 to STREAK_SAMPLES_MAX.

    The camera turns by |w| t over the exposure t; a direction at angle a off the axis
    moves by at most |w| t f / cos^2 a pixels (the pinhole's stretch), largest in the
    image's corners.
    """
    turn = float(np.linalg.norm(state.camera_spin_rad_s)) * state.exposure_s
    corner = math.hypot(view.width, view.height) / (2.0 * view.focal_px)
    longest_px = turn * view.focal_px * (1.0 + corner * corner)
    needed = max(1, math.ceil(longest_px / PSF_SIGMA_PX))
    return min(1 << (needed - 1).bit_length(), STREAK_SAMPLES_MAX)


def view_cone_mask(directions: np.ndarray, state: FrameState, view: View) -> np.ndarray:
    """Which directions (GCRS, unit) can put light in the frame: those within the cone
    about the view axis that holds the frame's corners, widened by the most a sprite
    reaches beyond its centre (PSF_MAX_RADIUS_PX and half the longest streak), as an
    angle at the image's centre.

    Conservative: a direction at angle a from the axis lands f tan(a) from the centre,
    and f tan grows at least as fast as f a, so whatever this drops lies farther than
    the corners plus the reach, where stars.glsl culls it too.  Order is kept, so what
    is drawn is added in the same order as without the test.
    """
    corner = math.hypot(view.width, view.height) / (2.0 * view.focal_px)
    turn = float(np.linalg.norm(state.camera_spin_rad_s)) * state.exposure_s
    streak_px = turn * view.focal_px * (1.0 + corner * corner)
    reach_rad = (PSF_MAX_RADIUS_PX + 0.5 * streak_px + 1.0) / view.focal_px
    cone = math.atan(corner) + reach_rad
    if cone >= 0.5 * math.pi:
        return np.ones(len(directions), dtype=bool)
    forward = np.asarray(state.camera_forward, dtype=np.float64)
    forward = forward / np.linalg.norm(forward)
    return directions @ forward.astype(np.float32) >= math.cos(cone) - 1e-6


class PointSources:
    """A set of point sources drawn with one instanced draw of ``shaders/stars.glsl``."""

    def __init__(self, ctx: moderngl.Context, capacity: int, exposure: Exposure) -> None:
        self.ctx = ctx
        self.capacity = max(int(capacity), 1)
        self.buffer = ctx.buffer(reserve=self.capacity * INSTANCE_DTYPE.itemsize)
        # One program per streak sample count (a power of two), built when first needed.
        self._variants: dict[int, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self.program, self.vao = self._variant(1)
        self.count = 0
        self._records = np.zeros(0, dtype=INSTANCE_DTYPE)
        self.exposure = exposure

    def upload(self, records: np.ndarray) -> None:
        """Replace the sources with ``records`` (INSTANCE_DTYPE)."""
        if len(records) > self.capacity:
            raise ValueError(f"{len(records)} point sources exceed capacity {self.capacity}")
        self.count = len(records)
        self._records = np.ascontiguousarray(records)

    def _variant(self, samples: int) -> tuple[moderngl.Program, moderngl.VertexArray]:
        if samples not in self._variants:
            program = build_program(self.ctx, "stars.glsl", {"STREAK_SAMPLES": samples})
            vao = self.ctx.vertex_array(
                program, [(self.buffer, _INSTANCE_FORMAT, "in_dir", "in_lux", "in_rgb")]
            )
            self._variants[samples] = (program, vao)
        return self._variants[samples]

    def draw(self, state: FrameState, view: View, weight: float) -> None:
        """Add the sources' radiance, times ``weight``, to the bound framebuffer."""
        if self.count == 0:
            return
        # Only the sources that can reach the frame are drawn: most of the sky is
        # outside it, and each instance costs four vertices' work even when culled.
        visible = self._records[view_cone_mask(self._records["dir"], state, view)]
        if len(visible) == 0:
            return
        self.buffer.write(visible.tobytes())
        self.program, self.vao = self._variant(streak_samples(state, view))
        p = self.program
        set_sky_view(p, state, view)
        set_uniform(p, "u_flux_scale", weight * view.focal_px**2)
        set_uniform(p, "u_sigma_px", PSF_SIGMA_PX)
        exposure = self.exposure if state.exposure is None else state.exposure
        set_uniform(p, "u_cutoff", PSF_CUTOFF_OF_SATURATION * saturation_luminance(exposure))
        set_uniform(p, "u_max_radius_px", PSF_MAX_RADIUS_PX)
        set_uniform(p, "u_half_turn", state.camera_spin_rad_s * (0.5 * state.exposure_s))
        bind_atmosphere(p, 0)
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(visible))

    def release(self) -> None:
        """Free GL objects."""
        for program, vao in self._variants.values():
            vao.release()
            program.release()
        self._variants.clear()
        self.buffer.release()


def _nearest_hour(utc: datetime) -> datetime:
    t = utc.astimezone(UTC)
    return t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=round(t.minute / 60))


class StarsPass:
    """The catalogue stars down to ``stars.limiting_magnitude``."""

    def __init__(self, ctx: moderngl.Context, stars: Stars, exposure: Exposure) -> None:
        self.catalog = load_catalog()
        self.count = self.catalog.count_brighter_than(stars.limiting_magnitude)
        self.sources = PointSources(ctx, self.count, exposure)
        self._lux = illuminance_lux(self.catalog.vmag[: self.count])
        self._rgb = self.catalog.colors(self.count)
        self._epoch: datetime | None = None

    def _update(self, utc: datetime) -> None:
        # Positions are computed for the nearest whole hour of the frame's time: in an
        # hour proper motion and aberration move a star by ~0.02 arcsec, a ten-
        # thousandth of a pixel, and the result depends on the frame's time alone.
        epoch = _nearest_hour(utc)
        if epoch == self._epoch:
            return
        directions = self.catalog.directions_at(epoch, count=self.count)
        self.sources.upload(instance_records(directions, self._lux, self._rgb))
        self._epoch = epoch

    def draw(self, state: FrameState, view: View, weight: float = 1.0) -> None:
        """Add the stars' radiance for one instant, times ``weight``, to the bound buffer."""
        if self.count == 0:
            return
        self._update(state.utc)
        self.sources.draw(state, view, weight)

    def release(self) -> None:
        """Free GL objects."""
        self.sources.release()
