"""The Earth pass as compute shaders (``gl_path = "compute"``) against the fragment path.

Both run the same per-pixel functions of ``shaders/earth.glsl`` over the same
blocks; the compute path takes the screen-space differences its texture
look-ups need from its work group's shared memory (``lib/pixel_grad.glsl``)
where the fragment path takes them from the rasteriser's 2x2 quads.  A pixel
missed, drawn twice, drawn by the wrong program, or filtered over another
footprint (a seam at the antimeridian, a speckle toward the limb) shows as a
difference in radiance.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from renderer.frame_state import View
from renderer.gl.context import gl_info
from renderer.gl.gl_path import choose_gl_path, run_probe
from renderer.output.frames import frame_states
from renderer.passes.compositor import Compositor
from renderer.passes.earth import EarthPass
from renderer.scene import load_scene, with_overrides
from tests.gl.test_earth_regions import codes, earth_radiance
from tests.helpers import enu, geodetic_to_itrs, state

SCENES = Path(__file__).resolve().parents[2] / "scenes"
# Not a multiple of the 8-pixel blocks: the last column and row of blocks are cut.
W, H = 236, 134


def assert_compute_matches_fragment(ctx, earth: EarthPass, st, view: View) -> None:
    for path in ("fast", "full"):
        earth.path = path
        earth.gl_path = "fragment"
        fragment = earth_radiance(ctx, earth, st, view)
        earth.gl_path = "compute"
        compute = earth_radiance(ctx, earth, st, view)
        peak = float(fragment.max())
        assert peak > 0.0, "the fragment frame is black"
        lum = fragment.sum(-1)
        err = np.abs(compute - fragment).sum(-1)
        # The same arithmetic: float rounding apart, the same radiance per pixel.
        bad = err > 1e-4 * lum + 1e-6 * peak
        assert not bad.any(), (
            f"{path}: {int(bad.sum())} pixels differ, worst at "
            f"{np.unravel_index(int(np.argmax(err)), err.shape)}"
        )
        # Displays at white on the peak and on its 1/1000 (the faint sky): no code
        # moves by more than one.
        for scale in (peak, 1e-3 * peak):
            assert np.abs(codes(compute, scale) - codes(fragment, scale)).max() <= 1


CASES = [
    ("progress-ms10", 0.0),  # the limb, airglow, night, city lights under clouds
    ("progress-ms10", 40.0),
    ("himalaya-day", 9.0),  # day, glint, polar-cap blend far off, toward the limb
    ("pacific-sunrise", 17.0),  # twilight
    ("europe-nile-night", 30.0),
]


@pytest.mark.parametrize(("name", "at_s"), CASES)
def test_compute_path_draws_the_shipped_scenes_as_the_fragment_path(ctx, name, at_s):
    scene = with_overrides(load_scene(SCENES / f"{name}.toml"), width=W, height=H)
    view = View(W, H, scene.camera.fov_deg)
    k = int(round(at_s * scene.output.fps))
    st = next(iter(frame_states(scene, range(k, k + 1))))[0]
    earth = EarthPass(ctx, scene.earth, gl_path="compute")
    try:
        assert_compute_matches_fragment(ctx, earth, st, view)
    finally:
        earth.release()


@pytest.mark.parametrize(
    ("lat", "lon", "pitch_deg"),
    [
        (0.0, 179.9, -90.0),  # the antimeridian under the camera: the seam's quads
        (80.0, 10.0, -60.0),  # the polar cap and its blend with the equirectangular map
    ],
)
def test_compute_path_filters_the_day_map_as_the_fragment_path(ctx, lat, lon, pitch_deg):
    scene = load_scene(SCENES / "himalaya-day.toml")
    east, north, up = enu(lat, lon)
    pitch = np.radians(pitch_deg)
    forward = np.cos(pitch) * north + np.sin(pitch) * up
    hint = up if abs(pitch_deg) < 80 else north
    st = state(geodetic_to_itrs(lat, lon, 408.0), forward, hint, up + 0.2 * east)
    earth = EarthPass(ctx, scene.earth, gl_path="compute")
    try:
        assert_compute_matches_fragment(ctx, earth, st, View(W, H, 60.0))
    finally:
        earth.release()


def test_whole_frame_through_the_compute_path_is_the_fragment_paths(ctx):
    # Every pass, glare and post included, with motion blur's sub-frames adding up.
    scene = with_overrides(load_scene(SCENES / "progress-ms10.toml"), width=W, height=H)
    view = View(W, H, scene.camera.fov_deg)
    k = int(round(19.13 * scene.output.fps))
    substates = next(iter(frame_states(scene, range(k, k + 1))))
    frames, hdr = {}, {}
    for path in ("fragment", "compute"):
        comp = Compositor(ctx, replace(scene, gl_path=path), view)
        try:
            assert comp.gl_path == path and comp.passes[0].gl_path == path
            comp.render(substates, k)
            frames[path] = np.frombuffer(comp.read_rgb(), np.uint8).astype(int)
            hdr[path] = np.frombuffer(comp.read_hdr(), np.float32).reshape(H, W, 4)[..., :3]
        finally:
            comp.release()
    peak = float(hdr["fragment"].max())
    assert peak > 0.0 and frames["fragment"].max() > 0
    err = np.abs(hdr["compute"] - hdr["fragment"]).sum(-1)
    assert (err <= 1e-4 * hdr["fragment"].sum(-1) + 1e-6 * peak).all()
    assert np.abs(frames["compute"] - frames["fragment"]).max() <= 1


def test_auto_takes_fragment_on_llvmpipe_and_an_asked_path_as_asked(ctx):
    info = gl_info(ctx)
    if not info.software:
        pytest.skip(f"auto's choice on {info.renderer} is the probe's")
    auto = choose_gl_path(ctx, "auto")
    assert auto.path == "fragment" and "software" in auto.reason
    assert choose_gl_path(ctx, "compute").path == "compute"
    assert choose_gl_path(ctx, "fragment").path == "fragment"
    scene = with_overrides(load_scene(SCENES / "progress-ms10.toml"), width=64, height=36)
    assert scene.gl_path == "auto"  # the default
    comp = Compositor(ctx, scene, View(64, 36, scene.camera.fov_deg))
    try:
        assert comp.gl_path == "fragment" and comp.passes[0].gl_path == "fragment"
    finally:
        comp.release()


def test_probe_times_both_paths(ctx):
    # The probe runs wherever auto meets a GPU it has not measured; here it must run
    # and time both paths (their ratio is the device's, not asserted).
    probe = run_probe(ctx, (128, 128))
    assert probe.fragment_s > 0.0 and probe.compute_s > 0.0
