"""One instant of the timeline, as the GL passes consume it.

The timeline holds N instants as arrays; a pass draws one instant at a time and
reads it through :class:`FrameState`.  :class:`View` is the image geometry (size
and field of view), separate because a still, a preview and a video may draw the
same instant at different sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from renderer.scene import Exposure
from renderer.timeline import Timeline


@dataclass(frozen=True)
class View:
    """Image size in pixels and horizontal field of view in degrees."""

    width: int
    height: int
    fov_deg: float

    @property
    def focal_px(self) -> float:
        """Pinhole focal length in pixels: (W/2) / tan(fov/2) (docs/scenes.md)."""
        return 0.5 * self.width / math.tan(math.radians(self.fov_deg) / 2.0)

    def project(
        self, direction: np.ndarray, right: np.ndarray, up: np.ndarray, forward: np.ndarray
    ) -> tuple[float, float]:
        """Pixel (x from the left edge, y from the TOP edge) where a direction lands.

        Continuous pixel coordinates: pixel i covers [i, i+1).  NaN when the
        direction is behind the camera.
        """
        z = float(np.dot(direction, forward))
        if z <= 0.0:
            return math.nan, math.nan
        x = 0.5 * self.width + self.focal_px * float(np.dot(direction, right)) / z
        y = 0.5 * self.height - self.focal_px * float(np.dot(direction, up)) / z
        return x, y


@dataclass(frozen=True)
class FrameState:
    """Everything a pass needs about one instant (float64, GCRS km unless noted)."""

    sim_s: float
    utc: datetime
    camera_pos_km: np.ndarray
    camera_vel_km_s: np.ndarray
    camera_right: np.ndarray
    camera_up: np.ndarray
    camera_forward: np.ndarray
    itrs_from_gcrs: np.ndarray  # (3, 3)
    sun_km: np.ndarray
    moon_km: np.ndarray
    vehicles_km: np.ndarray  # (L, 3), NaN where a vehicle does not exist yet
    # The exposure around this instant: the camera basis's angular velocity (rad/s,
    # GCRS) and the simulated seconds the shutter is open, centred on ``sim_s``.
    # Moving lights are drawn as the streak their motion makes over that time.
    camera_spin_rad_s: np.ndarray = field(default_factory=lambda: np.zeros(3))
    exposure_s: float = 0.0
    # A keyframed camera's field of view (deg) and exposure at this instant; None: the
    # scene's own (a fixed camera, or a view the caller sizes itself).
    fov_deg: float | None = None
    exposure: Exposure | None = None

    @classmethod
    def from_timeline(cls, tl: Timeline, i: int) -> FrameState:
        """Row ``i`` of a timeline."""
        vehicles = getattr(tl, "vehicles_km", None)
        if vehicles is None or len(vehicles) == 0:
            veh = np.zeros((0, 3))
        else:
            veh = np.asarray(vehicles)[:, i, :]
        return cls(
            sim_s=float(tl.sim_s[i]),
            utc=tl.utc[i],
            camera_pos_km=np.asarray(tl.camera_pos_km[i], dtype=np.float64),
            camera_vel_km_s=np.asarray(tl.camera_vel_km_s[i], dtype=np.float64),
            camera_right=np.asarray(tl.camera_right[i], dtype=np.float64),
            camera_up=np.asarray(tl.camera_up[i], dtype=np.float64),
            camera_forward=np.asarray(tl.camera_forward[i], dtype=np.float64),
            itrs_from_gcrs=np.asarray(tl.itrs_from_gcrs[i], dtype=np.float64),
            sun_km=np.asarray(tl.sun_km[i], dtype=np.float64),
            moon_km=np.asarray(tl.moon_km[i], dtype=np.float64),
            vehicles_km=veh,
            camera_spin_rad_s=np.asarray(tl.camera_spin_rad_s[i], dtype=np.float64),
            exposure_s=float(tl.exposure_s[i]),
            fov_deg=None if tl.fov_deg is None else float(tl.fov_deg[i]),
            exposure=None if tl.exposures is None else tl.exposures[i],
        )

    def to_itrs(self, v: np.ndarray) -> np.ndarray:
        """Rotate a GCRS vector into the ITRS at this instant."""
        return self.itrs_from_gcrs @ v
