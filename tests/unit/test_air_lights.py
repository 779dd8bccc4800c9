"""The per-frame bound on the lights' zenith cosines over the air the Earth pass marches.

renderer/passes/air_lights.py bounds, from a coarse grid of rays, the cosine of a
light's zenith angle at every point of the air's shell that a ray through the
screen crosses; the Earth pass compiles a light's term out of the march where
that bound puts it deep in the Earth's shadow.  The reference here marches a
ray through every few pixels, finely, with its own ray-sphere geometry.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from renderer.frame_state import View
from renderer.passes.air_lights import (
    NEGLIGIBLE_CD_M2,
    light_adds_to_air,
    light_mu_bound,
    multiscatter_bound,
    shadow_dark_mu,
)
from tests.helpers import A, B, enu, geodetic_to_itrs

TOP = A + 60.0
SCALE = np.array([1.0, 1.0, A / B])


def brute_mu_max(cam, right, up, forward, view, toward, step_px=4, points=600):
    """The greatest x . l / |x| over points x of the shell [A, TOP] (sphere space) on
    rays through every step_px-th pixel, each marched from the camera (or where it
    enters the shell) to the ground or out of the shell."""
    w, h, f = view.width, view.height, view.focal_px
    xs = (np.arange(0.5, w, step_px) - 0.5 * w) / f
    ys = (np.arange(0.5, h, step_px) - 0.5 * h) / f
    gx, gy = np.meshgrid(xs, ys)
    d = (right[:, None, None] * gx + up[:, None, None] * gy + forward[:, None, None]) * SCALE[
        :, None, None
    ]
    d = (d / np.linalg.norm(d, axis=0)).reshape(3, -1)
    o = cam * SCALE
    light = toward * SCALE / np.linalg.norm(toward * SCALE)
    best = -1.0
    for k in range(d.shape[1]):
        u = d[:, k]
        b = float(o @ u)
        c_top = float(o @ o) - TOP * TOP
        disc = b * b - c_top
        if disc <= 0.0:
            continue
        t0, t1 = max(-b - math.sqrt(disc), 0.0), -b + math.sqrt(disc)
        disc_g = b * b - (float(o @ o) - A * A)
        if disc_g > 0.0 and -b - math.sqrt(disc_g) > 0.0:
            t1 = -b - math.sqrt(disc_g)
        if t1 <= t0:
            continue
        t = np.linspace(t0, t1, points)
        x = o[None, :] + t[:, None] * u[None, :]
        best = max(best, float(((x @ light) / np.linalg.norm(x, axis=1)).max()))
    return best


CASES = [
    # height km, pitch deg (below the horizontal), field of view, light (east, north,
    # up), how much above the true maximum the bound may be
    (408.0, -15.0, 60.0, (0.3, 0.0, -1.0), 0.15),  # the limb at night, the Sun far below
    (408.0, -15.0, 60.0, (0.0, -1.0, -0.2), 0.15),  # the limb, the Sun behind the camera
    (408.0, -90.0, 70.0, (1.0, 0.0, -0.3), 0.15),  # nadir, the terminator in view
    (30.0, 5.0, 60.0, (0.0, 1.0, -0.5), 0.15),  # inside the air, looking up
    (36000.0, -90.0, 20.0, (0.5, 0.2, -1.0), 1.0),  # the whole disc: far, so loose
]


@pytest.mark.parametrize(("h_km", "pitch_deg", "fov", "light", "slack"), CASES)
def test_bound_holds_over_every_marched_point(h_km, pitch_deg, fov, light, slack):
    lat, lon = 30.0, 60.0
    east, north, up_ = enu(lat, lon)
    pitch = math.radians(pitch_deg)
    forward = math.cos(pitch) * north + math.sin(pitch) * up_
    hint = up_ if abs(pitch_deg) < 80 else north
    right = np.cross(forward, hint)
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    cam = geodetic_to_itrs(lat, lon, h_km)
    view = View(160, 90, fov)
    toward = 1.5e8 * (light[0] * east + light[1] * north + light[2] * up_)
    (bound,) = light_mu_bound(cam, right, up, forward, view, [toward])
    ref = brute_mu_max(cam, right, up, forward, view, toward)
    assert bound >= ref
    assert bound <= ref + slack, "the bound is too loose to be of use"


def test_a_light_counts_above_the_shadow_or_where_the_table_is_not_dark():
    # A table dark (1e-20) below mu = 0 and bright above: a look-up at mu blends the
    # columns on either side of it.
    n = 33
    mu = np.linspace(-1.0, 1.0, n)
    column_max = np.where(mu < 0.0, 1e-20, 1e-3)
    assert multiscatter_bound(column_max, -0.5) == 1e-20
    assert multiscatter_bound(column_max, -0.07) == 1e-3  # the filter reaches mu = 0
    assert light_adds_to_air(shadow_dark_mu() + 0.01, 1e-3, column_max)  # lit directly
    assert not light_adds_to_air(-0.5, 1.3e5, column_max)  # 1.3e-15 cd/m^2
    assert light_adds_to_air(-0.5, 1.0, np.full(n, 2.0 * NEGLIGIBLE_CD_M2))
    assert not light_adds_to_air(0.9, 0.0, column_max)  # no light at all
