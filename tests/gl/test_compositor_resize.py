"""Compositor.resize: a compositor re-sized draws what a new one of that size draws."""

from __future__ import annotations

import numpy as np

from renderer.frame_state import View
from renderer.passes.compositor import Compositor
from tests.helpers import A, minimal_scene, state


def _frame(comp: Compositor, st) -> np.ndarray:
    comp.render([st], 0)
    v = comp.view
    return np.frombuffer(comp.read_rgb(), np.uint8).reshape(v.height, v.width, 3).copy()


def test_resized_compositor_matches_a_new_one(ctx):
    # A limb with the sunlit Earth and the glare on: size and field of view both move
    # the limb, the glare's kernels follow the focal length, and the Y'CbCr planes
    # follow the size.
    scene = minimal_scene(ev100=12.0)
    st = state(
        np.array([A + 408.0, 0.0, 0.0]),
        forward=np.array([-0.3, 1.0, 0.0]),
        up_hint=np.array([1.0, 0.0, 0.0]),
        sun_dir=np.array([1.0, 0.4, 0.2]),
    )
    first, second = View(96, 64, 60.0), View(150, 82, 35.0)
    comp = Compositor(ctx, scene, first, output="yuv420p")
    fresh = Compositor(ctx, scene, second, output="yuv420p")
    try:
        before = _frame(comp, st)
        comp.resize(second)
        resized = _frame(comp, st)
        assert comp.frame_nbytes == fresh.frame_nbytes == 150 * 82 * 3 // 2
        expect = _frame(fresh, st)
        assert resized.shape == expect.shape == (82, 150, 3)
        assert expect.std() > 20  # a limb, not a blank frame
        assert np.array_equal(resized, expect)
        # and back: the first size again, drawn as before
        comp.resize(first)
        assert np.array_equal(_frame(comp, st), before)
    finally:
        comp.release()
        fresh.release()
