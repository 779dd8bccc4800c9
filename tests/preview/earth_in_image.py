"""Finding the Earth of a day scene in a screenshot, without the renderer.

The scene is scenes/quick.toml with the layers over the ground switched off
(clouds, atmosphere, airglow, glint, stars), so what shows is the Blue Marble
surface alone and the test does not change as those layers are tuned.  It
puts the camera 408 km above 30 N 30 E at local noon, looking 20 deg below
the local horizontal with a 60 deg field of view.  The geometric horizon
from height h over a sphere of radius R lies arccos(R / (R + h)) below the
horizontal: 19.87 deg for R = 6372.8 km (the WGS84 radius at 30 deg latitude)
and h = 413 km (the geodetic height the HUD shows; the orbit's 408 km is above
the equatorial radius).  So the limb crosses the centre column 0.13 deg above
the image centre, the sunlit Egyptian desert and the Mediterranean and Red Sea
below it and black space above.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

R_KM = 6372.8
H_KM = 413.0
ELEVATION_DEG = -20.0
FOV_DEG = 60.0


DAY_SCENE = """\
scene_version = 1
title = "preview test: day side from the ISS orbit (quick.toml, bare ground)"
stars = false

[time]
start_utc = "2018-11-16T10:00:00Z"
speed = 10.0

[output]
path = "day.mp4"
width = 320
height = 180
fps = 10
duration_s = 2

[camera]
fov_deg = 60

[camera.orbit]
over = { lat_deg = 30.0, lon_deg = 30.0, time_utc = "2018-11-16T10:00:00Z", \
altitude_km = 408.0, inclination_deg = 51.64, ascending = true }

[camera.look]
azimuth_deg = 0
elevation_deg = -20

[camera.exposure]
ev100 = 14.0

[earth]
clouds = false
atmosphere = false
airglow = false
glint = false
"""


def write_day_scene(folder: Path, name: str = "day.toml") -> Path:
    """The day scene as a file (a copy a test may edit)."""
    path = folder / name
    path.write_text(DAY_SCENE)
    return path


def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of 8-bit RGB, (H, W) float."""
    rgb = image[..., :3].astype(np.float64)
    return 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]


def expected_limb_row(height: int, width: int) -> float:
    """Row (from the top, continuous) where the limb crosses the centre column."""
    dip = math.degrees(math.acos(R_KM / (R_KM + H_KM)))
    above = -dip - ELEVATION_DEG  # degrees above the image centre
    f = 0.5 * width / math.tan(math.radians(FOV_DEG) / 2.0)
    return 0.5 * height - f * math.tan(math.radians(above))


def limb_row(image: np.ndarray) -> float:
    """First row from the top where the centre columns turn bright (continuous, px)."""
    h, w, _ = image.shape
    column = luminance(image[:, w // 2 - 8 : w // 2 + 8]).mean(axis=1)
    ground = np.median(column[int(0.7 * h) :])
    rows = np.nonzero(column > 0.5 * ground)[0]
    assert rows.size, "no bright rows in the centre column: no Earth"
    r = int(rows[0])
    # Anti-aliased limb: interpolate the half-brightness crossing within the row above.
    prev = column[r - 1] if r > 0 else 0.0
    frac = (0.5 * ground - prev) / max(column[r] - prev, 1e-9)
    return r - 1 + frac + 0.5


def assert_day_earth(image: np.ndarray, what: str = "screenshot") -> None:
    """The Earth of quick.toml: black space above, a sunlit blue and brown Earth below."""
    h, w, _ = image.shape
    space = image[: int(0.4 * h)]
    ground = image[int(0.6 * h) :].astype(np.int32)
    assert space.max(axis=2).mean() < 6.0, f"{what}: the sky above the limb is not black"
    assert luminance(ground).mean() > 70.0, f"{what}: the ground below the limb is not sunlit"
    r, b = ground[..., 0], ground[..., 2]
    desert = np.mean(r > b + 25)
    sea = np.mean(b > r + 25)
    # Mostly desert, with the Mediterranean and the Red Sea (about 75 % and 20 %).
    assert desert > 0.45, f"{what}: too little brown land below the limb ({desert:.0%})"
    assert 0.05 < sea < 0.45, f"{what}: blue sea is {sea:.0%} of the ground, not 5-45 %"
    expected = expected_limb_row(h, w)
    found = limb_row(image)
    assert abs(found - expected) < 3.0, f"{what}: limb at row {found:.1f}, expected {expected:.1f}"
