"""Benchmark: seconds per frame of the full-size render against ``--draft``.

    python bench/draft.py [--scene SCENE] [--at 10,20,40] [--repeats 3]

For each instant (seconds of video) it draws the frame at the scene's size and as
``render --draft`` draws it (half the width and height, same framing, one motion-blur
sub-frame), alternating the two ``--repeats`` times so that a busy machine slows both
alike, and prints one row per instant: the median seconds per frame of each, their
spread (min..max) and the ratio of the medians.  A frame is timed from its first GL
call to its read-back in the video's layout (every pass, glare, camera, Y'CbCr), with
the shaders compiled and the tables built beforehand: what each frame of a render
costs, start-up aside.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from renderer.frame_state import FrameState, View  # noqa: E402
from renderer.gl.context import create_headless_context, gl_info  # noqa: E402
from renderer.output.frames import _layout, frame_states  # noqa: E402
from renderer.passes.compositor import Compositor  # noqa: E402
from renderer.scene import Scene, as_draft, load_scene  # noqa: E402


class _Timer:
    """One compositor for one version of the scene; times whole frames."""

    def __init__(self, ctx: object, scene: Scene) -> None:
        out = scene.output
        self.ctx = ctx
        self.scene = scene
        self.comp = Compositor(ctx, scene, View(out.width, out.height, scene.camera.fov_deg),
                               output=_layout(scene))  # fmt: skip
        self.pbo = ctx.buffer(reserve=self.comp.frame_nbytes)  # type: ignore[attr-defined]

    def states(self, frame: int) -> list[FrameState]:
        return next(frame_states(self.scene, range(frame, frame + 1)))

    def time(self, frame: int, states: list[FrameState]) -> float:
        t0 = time.perf_counter()
        self.comp.render(states, frame)
        self.comp.read_frame_into(self.pbo)
        self.pbo.read()
        return time.perf_counter() - t0

    def release(self) -> None:
        self.pbo.release()
        self.comp.release()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scene", default=str(REPO / "scenes" / "progress-ms10.toml"))
    ap.add_argument("--at", default="10,20,40", help="seconds of video, comma-separated")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    full = load_scene(Path(args.scene))
    draft = as_draft(full, rename=True)
    ctx = create_headless_context()
    info = gl_info(ctx)
    timers = {"full": _Timer(ctx, full), "draft": _Timer(ctx, draft)}
    fo, do = full.output, draft.output
    print(f"orbitlapse draft benchmark: {Path(args.scene).name}, GL: {info.renderer}")
    print(f"full {fo.width}x{fo.height} against draft {do.width}x{do.height}, "
          f"{args.repeats} alternating runs per instant (seconds per frame)")  # fmt: skip
    print()
    print("| video s | full: median (min..max) | draft: median (min..max) | full / draft |")
    print("| --- | --- | --- | --- |")
    ratios = []
    for at in (float(a) for a in args.at.split(",")):
        frame = round(at * fo.fps)
        states = {name: t.states(frame) for name, t in timers.items()}
        for name, t in timers.items():  # warm-up: programs for this frame's streak length
            t.time(frame, states[name])
        runs: dict[str, list[float]] = {"full": [], "draft": []}
        for _ in range(args.repeats):
            for name, t in timers.items():
                runs[name].append(t.time(frame, states[name]))
        med = {name: statistics.median(r) for name, r in runs.items()}
        ratio = med["full"] / med["draft"]
        ratios.append(ratio)
        cells = [f"{med[n]:.3f} ({min(runs[n]):.3f}..{max(runs[n]):.3f})" for n in runs]
        print(f"| {at:g} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
    print()
    print(f"full / draft per frame: {min(ratios):.2f} to {max(ratios):.2f}")
    for t in timers.values():
        t.release()
    ctx.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
