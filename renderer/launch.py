"""Launch vehicles: built-in profiles and sites, ascent trajectories, spent stages.

CONTRACT used by the timeline (``look.target = "launch:N"``) and by the sprite pass:

    vehicle_itrs(launch: Launch, t_since_liftoff_s: np.ndarray) -> (pos_km, vel_km_s)

Earth-fixed (ITRS) position and velocity of the vehicle, each (N, 3) float64; rows
for times before lift-off are NaN.
"""

from __future__ import annotations

# Built-in launch sites, geodetic degrees (north, east).  Baikonur's two pads are from
# shared/REFERENCE.md; the others are the published pad coordinates.
SITES: dict[str, tuple[float, float]] = {
    "baikonur-1/5": (45.920, 63.342),
    "baikonur-31/6": (45.996, 63.564),
    "cape-canaveral-slc-40": (28.5620, -80.5772),
    "ksc-lc-39a": (28.6082, -80.6041),
    "vandenberg-slc-4e": (34.6321, -120.6106),
    "kourou-ela-3": (5.2390, -52.7685),
    "wenchang-lc-101": (19.6145, 110.9510),
}

# Built-in vehicle profile names (the profiles themselves live in this module).
VEHICLE_NAMES: tuple[str, ...] = ("soyuz-fg",)
