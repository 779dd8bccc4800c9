"""The Earth pass leaves a light out of the air's march only where it adds nothing.

renderer/passes/air_lights.py decides per frame whether the Sun's and the Moon's
terms of scatter_along_ray can add light; the reference is the same pass with
both terms compiled in, drawn over every pixel (``path = "full"``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renderer.frame_state import View
from renderer.output.frames import frame_states
from renderer.passes.air_lights import NEGLIGIBLE_CD_M2
from renderer.passes.earth import EarthPass
from renderer.scene import load_scene, with_overrides
from tests.gl.test_earth_regions import earth_radiance

SCENES = Path(__file__).resolve().parents[2] / "scenes"
W, H = 240, 136


@pytest.mark.parametrize(
    ("name", "at_s", "lights"),
    [
        ("progress-ms10", 40.0, (0, 1)),  # night: the Sun far below the air's horizons
        ("progress-ms10", 85.0, (1, 0)),  # toward dawn: the Moon set below them
    ],
)
def test_a_light_left_out_of_the_march_adds_nothing(ctx, name, at_s, lights):
    scene = with_overrides(load_scene(SCENES / f"{name}.toml"), width=W, height=H)
    view = View(W, H, scene.camera.fov_deg)
    k = int(round(at_s * scene.output.fps))
    st = next(iter(frame_states(scene, range(k, k + 1))))[0]
    earth_pass = EarthPass(ctx, scene.earth)
    try:
        earth_pass.path = "full"
        assert earth_pass._march_lights(st, view) == lights
        chosen = earth_radiance(ctx, earth_pass, st, view)
        earth_pass._march_lights = lambda state, view: (1, 1)
        both = earth_radiance(ctx, earth_pass, st, view)
    finally:
        earth_pass.release()
    assert both.max() > 0.0, "the reference frame is black"
    # The bound: the term left out adds at most NEGLIGIBLE_CD_M2 (float rounding aside).
    err = abs(both - chosen)
    assert (err <= NEGLIGIBLE_CD_M2 + 1e-5 * both).all(), float(err.max())
