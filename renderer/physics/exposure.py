"""Exposure value: EV100 from a camera's ISO speed, shutter time and f-number.

EV100 = log2(N^2 / t * 100 / ISO) for f-number N and shutter time t (s).  A leaf module
(it imports nothing from orbitlapse), so that the scene validator can bound a scene's
exposure without importing the camera model.
"""

from __future__ import annotations

import math
from typing import Protocol


class ExposureSettings(Protocol):
    """What EV100 is read from: a scene's ``[camera.exposure]``."""

    iso: float
    shutter_s: float
    f_number: float
    ev100: float | None


def ev100_of(iso: float, shutter_s: float, f_number: float) -> float:
    """EV100 of camera settings: ``log2(N^2 / t * 100 / ISO)``; NaN where it is not finite."""
    q = f_number * f_number / shutter_s * 100.0 / iso
    return math.log2(q) if 0.0 < q < math.inf else math.nan


def ev100(exposure: ExposureSettings) -> float:
    """EV100 of an exposure: ``exposure.ev100`` if the scene gives it, else from the settings."""
    if exposure.ev100 is not None:
        return exposure.ev100
    return ev100_of(exposure.iso, exposure.shutter_s, exposure.f_number)
