"""The launch catalogue: built-in sites and vehicle names.

A leaf module (it imports nothing from orbitlapse), so that the scene validator can
check ``site`` and ``vehicle`` names without importing the launch physics.
"""

from __future__ import annotations

# Built-in launch sites, geodetic degrees (north, east).  Baikonur's two pads are from
# docs/physics.md; the others are the published pad coordinates.
SITES: dict[str, tuple[float, float]] = {
    "baikonur-1/5": (45.920, 63.342),
    "baikonur-31/6": (45.996, 63.564),
    "cape-canaveral-slc-40": (28.5620, -80.5772),
    "ksc-lc-39a": (28.6082, -80.6041),
    "vandenberg-slc-4e": (34.6321, -120.6106),
    "kourou-ela-3": (5.2390, -52.7685),
    "wenchang-lc-101": (19.6145, 110.9510),
}

# Built-in vehicle profile names (their profiles are built in renderer.physics.launch.ascent).
VEHICLE_NAMES: tuple[str, ...] = ("soyuz-fg",)
