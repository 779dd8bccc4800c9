"""Where the camera's orbit comes from: the ISS defaults of ``over`` and element sets
picked by name from a TLE file (``tle_file``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from sgp4.api import Satrec, jday

from renderer.scene import OverOrbit, loads_scene

# The two real ISS element sets of docs/physics.md (2018-11-11 and 2018-11-23).
ISS_SETS = (
    (
        "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
        "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
    ),
    (
        "1 25544U 98067A   18327.76881777  .00002477  00000-0  44843-4 0  9999",
        "2 25544  51.6406 303.4674 0005305  77.2314 344.6784 15.54011739143334",
    ),
)
A_KM = 6378.137

MINIMAL = """\
scene_version = 1
[time]
start_utc = "2018-11-16T18:14:28Z"
[output]
width = 64
height = 36
duration_s = 1
"""


def test_over_defaults_are_the_iss_of_november_2018():
    scene = loads_scene(
        MINIMAL + "[camera.orbit]\nover = { lat_deg = 30, lon_deg = 31, time_utc = "
        '"2018-11-16T10:00:00Z" }\n'
    )
    orbit = scene.camera.orbit
    assert isinstance(orbit, OverOrbit)
    for line1, line2 in ISS_SETS:
        # The inclination as the element set gives it (columns 9-16 of line 2).
        assert orbit.inclination_deg == pytest.approx(float(line2[8:16]), abs=0.01)
        # The mean geocentric distance over one orbit on 2018-11-16, straight from sgp4's
        # TEME positions, is the circular orbit's radius 6378.137 km + altitude_km.
        sat = Satrec.twoline2rv(line1, line2)
        jd, fr = jday(2018, 11, 16, 18, 0, 0)
        radii = []
        for k in range(200):
            err, r, _ = sat.sgp4(jd, fr + k * 92.7 / 200 / 1440)
            assert err == 0
            radii.append(math.dist(r, (0, 0, 0)))
        assert A_KM + orbit.altitude_km == pytest.approx(float(np.mean(radii)), abs=1.0)
    assert orbit.ascending is True


def test_over_keys_still_override_the_defaults():
    scene = loads_scene(
        MINIMAL + "[camera.orbit]\nover = { lat_deg = 30, lon_deg = 31, time_utc = "
        '"2018-11-16T10:00:00Z", altitude_km = 550, inclination_deg = 97.6 }\n'
    )
    assert scene.camera.orbit == OverOrbit(
        30.0, 31.0, datetime(2018, 11, 16, 10, tzinfo=UTC), 550.0, 97.6, True
    )
