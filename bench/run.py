"""Benchmark: what each pass of a frame costs, and frames per second end to end.

    python bench/run.py [--quick] [--scene SCENE] [--frames N] [--e2e-frames N]
    python bench/run.py --stages      (the pipeline's stages, chunked path, memory)
    python bench/run.py --chunked-only

By default, at 640x360 and 1920x1080, on frames of the scene from 40 s of video
(where the flagship has its launch in view), with each GL path (``--gl-path``
fragment and compute: the Earth pass and the glare's blurs as fragment or as
compute shaders; ``--gl-paths`` to time only some), it prints markdown tables of:

* each pass's CPU time per frame (``time.process_time`` around the pass, with
  ``ctx.finish()`` before and after, so the GL work is inside; on llvmpipe that
  is the renderer's own threads) and its wall time;
* the floor: a full-screen pass that reads one texel and writes it
  (``shaders/floor.glsl``), the least any full-screen pass costs, and each pass
  and the whole frame as a multiple of it;
* end to end: ``render_video`` of N frames into an MP4 at the scene's codec and
  preset, frames per second (wall) and CPU seconds per frame (this process and
  ffmpeg).

The passes timed are a list (``frame_steps``): one entry per radiance pass of the
compositor, then glare, post and Y'CbCr; a pass measured on its own terms can be
added to that list.

``--stages`` prints what the pipeline's stages (render, read-back, encode) reach
alone and together, the chunked path's overhead and peak memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import moderngl  # noqa: E402

from renderer.frame_state import FrameState, View  # noqa: E402
from renderer.gl.context import create_headless_context, gl_info  # noqa: E402
from renderer.gl.shaders import build_program  # noqa: E402
from renderer.output.chunks import chunk_folder, render_chunked  # noqa: E402
from renderer.output.codecs import EVEN_SIZE_CODECS  # noqa: E402
from renderer.output.frames import frame_states, render_video  # noqa: E402
from renderer.output.join import join_parts  # noqa: E402
from renderer.output.writer import VideoWriter  # noqa: E402
from renderer.passes.compositor import Compositor  # noqa: E402
from renderer.scene import GL_PATHS, Scene, load_scene, with_overrides  # noqa: E402


def _sized(scene: Scene, width: int, height: int, frames: int, path: Path) -> Scene:
    fps = scene.output.fps
    return with_overrides(
        scene, path=str(path), width=width, height=height, duration_s=frames / fps
    )


def time_stages(scene: Scene, frames: int, tmp: Path) -> dict[str, float]:
    """Seconds per frame for each stage, on one GL context."""
    ctx = create_headless_context()
    out = scene.output
    view = View(out.width, out.height, scene.camera.fov_deg)
    layout = "yuv420p" if out.codec in EVEN_SIZE_CODECS else "rgb24"  # as render_video
    comp = Compositor(ctx, scene, view, output=layout)
    states: list[list[FrameState]] = list(frame_states(scene, range(frames)))
    comp.render(states[0], 0)
    ctx.finish()  # warm-up: shader compile, texture upload

    t0 = time.perf_counter()
    for k, st in enumerate(states):
        comp.render(st, k)
    ctx.finish()
    render = (time.perf_counter() - t0) / frames

    pbo = ctx.buffer(reserve=comp.frame_nbytes)
    t0 = time.perf_counter()
    data = b""
    for _ in range(frames):
        comp.read_frame_into(pbo)
        data = pbo.read()
    readback = (time.perf_counter() - t0) / frames
    pbo.release()

    t0 = time.perf_counter()
    with VideoWriter(
        tmp / "encode.mp4",
        out.width,
        out.height,
        out.fps,
        out.codec,
        out.crf,
        force=True,
        pixel_format=layout,
    ) as video:
        for _ in range(frames):
            video.write(data)
    encode = (time.perf_counter() - t0) / frames
    comp.release()
    ctx.release()

    # End to end in steady state: from the first frame handed to the encoder to
    # the last (start-up, i.e. context, textures and ffmpeg launch, is reported
    # separately: it is paid once per video, not per frame).
    marks: dict[int, float] = {}
    t0 = time.perf_counter()
    render_video(
        replace(scene, output=replace(out, path=tmp / "e2e.mp4")),
        force=True,
        quiet=True,
        on_frame=lambda done: marks.__setitem__(done, time.perf_counter()),
    )
    total = time.perf_counter() - t0
    e2e = (marks[frames] - marks[1]) / (frames - 1)
    startup = marks[1] - t0
    return {
        "render": render,
        "readback": readback,
        "encode": encode,
        "end-to-end": e2e,
        "startup": startup,
        "total": total,
    }


# ---------------------------------------------------------------------------
# Per pass: CPU and wall time around ctx.finish(), against the floor
# ---------------------------------------------------------------------------

#: Where the frames timed start, in seconds of video (the flagship's launch is in view).
START_S = 40.0

#: One timed step: a name and what it draws for a frame (its sub-frame states, its index).
Step = tuple[str, Callable[[Sequence[FrameState], int], None]]


def _pass_name(obj: object) -> str:
    name = type(obj).__name__
    return (name[: -len("Pass")] if name.endswith("Pass") else name).lower()


def frame_steps(comp: Compositor) -> list[Step]:
    """The steps of one frame, in the compositor's order, each drawing what
    ``Compositor.render`` draws at that point: every radiance pass (into the float
    buffer, blending on), the glare, the post pass and the Y'CbCr planes."""
    ctx, view = comp.ctx, comp.view
    steps: list[Step] = []

    def clear(states: Sequence[FrameState], k: int) -> None:
        comp.hdr_fbo.use()
        comp.hdr_fbo.clear(0.0, 0.0, 0.0, 0.0, viewport=(0, 0, *comp.hdr.size))

    steps.append(("clear", clear))
    for p in comp.passes:

        def radiance(states: Sequence[FrameState], k: int, p: object = p) -> None:
            comp.hdr_fbo.use()
            ctx.enable(moderngl.BLEND)
            ctx.blend_func = moderngl.ONE, moderngl.ONE
            for st in states:
                p.draw(st, view, 1.0 / len(states))  # type: ignore[attr-defined]
            ctx.disable(moderngl.BLEND)

        steps.append((_pass_name(p), radiance))
    radiance_tex = [comp.hdr]
    glare_of: list = [None]
    if comp.bloom is not None:
        bloom = comp.bloom

        def glare(states: Sequence[FrameState], k: int) -> None:
            radiance_tex[0], halo = bloom.draw_halo(comp.hdr)
            glare_of[0] = (halo, bloom.bloom.fraction)

        steps.append(("glare", glare))

    def post(states: Sequence[FrameState], k: int) -> None:
        comp.ldr_fbo.use()
        comp.post.draw(
            radiance_tex[0],
            k,
            view.height,
            view.width,
            glare=glare_of[0],
            luma=comp.yuv is not None,
        )

    steps.append(("post", post))
    if comp.yuv is not None:
        yuv = comp.yuv
        steps.append(("yuv", lambda states, k: yuv.draw(comp.ldr, luma=False)))
    return steps


def time_steps(
    ctx: moderngl.Context, steps: Sequence[Step], frames: Sequence[tuple[Sequence[FrameState], int]]
) -> dict[str, tuple[float, float]]:
    """Mean (CPU, wall) seconds per frame of each step over ``frames``, each step fenced
    by ``ctx.finish()`` so its GL work is counted in it and nowhere else."""
    cpu = {name: 0.0 for name, _ in steps}
    wall = dict(cpu)
    for states, k in frames:
        for name, step in steps:
            ctx.finish()
            c0, w0 = time.process_time(), time.perf_counter()
            step(states, k)
            ctx.finish()
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - w0
    n = len(frames)
    return {name: (cpu[name] / n, wall[name] / n) for name, _ in steps}


def time_floor(ctx: moderngl.Context, view: View, repeats: int) -> tuple[float, float]:
    """(CPU, wall) seconds of the floor pass at the view's size: one texel read and one
    float RGBA write per pixel; the median of ``repeats`` calls."""
    size = (view.width, view.height)
    src = ctx.texture(size, 4, dtype="f4")
    dst = ctx.texture(size, 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[dst])
    prog = build_program(ctx, "floor.glsl")
    vao = ctx.vertex_array(prog, [])
    src.use(0)
    prog["u_src"].value = 0
    fbo.use()
    vao.render(moderngl.TRIANGLES, vertices=3)  # warm-up: compile
    ctx.finish()
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.finish()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    # The median: one call is ~10 ms at 1080p, and a thread woken late or a core
    # lent elsewhere for one of them moves a mean of ten by a fifth.
    result = (statistics.median(cpu), statistics.median(wall))
    for obj in (vao, prog, fbo, dst, src):
        obj.release()
    return result


def measure_passes(scene: Scene, frames: int) -> tuple[dict[str, tuple[float, float]], tuple]:
    """Per-step (CPU, wall) seconds per frame over ``frames`` frames from START_S, and
    the floor's, on one GL context at the scene's output size."""
    out = scene.output
    ctx = create_headless_context()
    view = View(out.width, out.height, scene.camera.fov_deg)
    layout = "yuv420p" if out.codec in EVEN_SIZE_CODECS else "rgb24"
    comp = Compositor(ctx, scene, view, output=layout)
    first = min(round(START_S * out.fps), out.frame_count - frames - 1)
    states = list(frame_states(scene, range(first, first + frames + 1)))
    steps = frame_steps(comp)
    time_steps(ctx, steps, [(states[0], first)])  # warm-up: compile, upload
    timed = time_steps(ctx, steps, [(st, first + 1 + i) for i, st in enumerate(states[1:])])
    floor = time_floor(ctx, view, max(40, 4 * frames))
    comp.release()
    ctx.release()
    return timed, floor


def time_end_to_end(scene: Scene, frames: int, tmp: Path) -> tuple[float, float]:
    """``render_video`` of ``frames`` frames from START_S into an MP4: (frames per second
    wall, CPU seconds per frame of this process and its children, start-up included)."""
    out = scene.output
    first = min(round(START_S * out.fps), out.frame_count - frames)
    path = tmp / "e2e.mp4"
    s = replace(scene, output=replace(out, path=path))
    wall, cpu = _timed(
        lambda: render_video(s, force=True, quiet=True, frames=range(first, first + frames))
    )
    return frames / wall, cpu / frames


def print_pass_tables(
    base: Scene, sizes: list[tuple[int, int]], frames: int, e2e: int, gl_paths: Sequence[str]
) -> None:
    """The per-pass table (CPU and wall ms per frame and CPU over the floor) for each
    size and GL path, then the end-to-end table."""
    results = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for w, h in sizes:
            for gl in gl_paths:
                scene = replace(
                    _sized(base, w, h, base.output.frame_count, tmp / "x.mp4"), gl_path=gl
                )
                timed, floor = measure_passes(scene, frames)
                fps, cpu = time_end_to_end(scene, e2e, tmp)
                results[(w, h, gl)] = (timed, floor, fps, cpu)
    names = list(next(iter(results.values()))[0])
    columns = list(results)
    head = " | ".join(f"{w}x{h} {gl} CPU / wall / floors" for w, h, gl in results)
    print(f"| pass | {head} |")
    print("| --- |" + " --- |" * len(columns))

    def cell(cpu: float, wall: float, floor_cpu: float) -> str:
        return f"{1000 * cpu:,.1f} / {1000 * wall:,.1f} ms / {cpu / floor_cpu:.1f}"

    for name in names:
        cells = [cell(*results[sz][0][name], results[sz][1][0]) for sz in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")
    totals = []
    for sz in columns:
        timed, floor = results[sz][0], results[sz][1]
        cpu = sum(c for c, _ in timed.values())
        wall = sum(w for _, w in timed.values())
        totals.append(cell(cpu, wall, floor[0]))
    print("| **frame** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    floors = [cell(*results[sz][1], results[sz][1][0]) for sz in columns]
    print("| floor (one fetch, full screen) | " + " | ".join(floors) + " |")
    print()
    print(f"| end to end ({e2e} frames to MP4, {base.output.codec}) | fps (wall) | CPU per frame |")
    print("| --- | --- | --- |")
    for (w, h, gl), (_, _, fps, cpu) in results.items():
        print(f"| {w}x{h} {gl} | {fps:.2f} | {cpu:.2f} s |")


_PEAK_CHILD = """
import json, resource, sys
sys.path.insert(0, {repo!r})
from renderer.output.frames import render_video
from renderer.scene import load_scene, with_overrides
s = with_overrides(load_scene({scene!r}), path={out!r}, width={w}, height={h},
                   duration_s={d})
render_video(s, force=True, quiet=True)
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def peak_rss_mib(scene_path: Path, width: int, height: int, duration_s: float, out: Path) -> float:
    """Peak resident memory (MiB) of a whole render in a fresh process."""
    code = _PEAK_CHILD.format(
        repo=str(REPO), scene=str(scene_path), out=str(out), w=width, h=height, d=duration_s
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(
            f"the {duration_s:g} s render failed (status {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1]) / 1024.0


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (ffmpeg): less disturbed by
    other work on a shared machine than wall time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu_s()
    fn()
    return time.perf_counter() - wall, _cpu_s() - cpu


def time_chunked(scene: Scene, frames: int, chunk_frames: int, tmp: Path) -> dict[str, float]:
    """The chunked path against one plain ``render_video`` of the same frames.

    Returns wall and CPU seconds of the ``plain`` render, the ``chunked`` one (chunks
    rendered and joined) and a second ``join`` of the kept chunks, and the number of
    ``chunks``. What the chunked render costs beyond the plain one and the join, per
    chunk, is the start-up of a chunk.
    """
    plain_scene = replace(scene, output=replace(scene.output, path=tmp / "plain.mp4"))
    out = tmp / "chunked.mp4"
    chunked_scene = replace(scene, output=replace(scene.output, path=out))
    plain = _timed(lambda: render_video(plain_scene, quiet=True))
    chunked = _timed(
        lambda: render_chunked(
            chunked_scene, chunk_frames=chunk_frames, quiet=True, keep_chunks=True
        )
    )
    parts = sorted(p for p in chunk_folder(out).iterdir() if not p.name.startswith("."))
    join = _timed(lambda: join_parts(parts, tmp / "joined.mp4"))
    return {
        "plain": plain[0],
        "chunked": chunked[0],
        "join": join[0],
        "plain_cpu": plain[1],
        "chunked_cpu": chunked[1],
        "join_cpu": join[1],
        "chunks": len(parts),
    }


def print_chunked(scene: Scene, frames: int, chunk_frames: int, tmp: Path) -> None:
    """One line: the chunked path's overhead over a plain render (wall, then CPU time)."""
    out = scene.output
    t = time_chunked(scene, frames, chunk_frames, tmp)
    n = t["chunks"]
    per_wall = (t["chunked"] - t["plain"] - t["join"]) / n
    per_cpu = (t["chunked_cpu"] - t["plain_cpu"] - t["join_cpu"]) / n
    print(
        f"chunked at {out.width}x{out.height}, {frames} frames in {n:.0f} chunks of "
        f"{chunk_frames}: wall plain {t['plain']:.1f} s, chunked {t['chunked']:.1f} s, "
        f"join {t['join']:.2f} s, {per_wall:+.2f} s a chunk; CPU plain {t['plain_cpu']:.1f} s, "
        f"chunked {t['chunked_cpu']:.1f} s, join {t['join_cpu']:.2f} s, "
        f"{per_cpu:+.2f} s a chunk"
    )


# The floor: a full-screen triangle whose fragments each fetch one texel.
_FLOOR_VERTEX = """#version 450 core
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""
_FLOOR_FRAGMENT = """#version 450 core
uniform sampler2D u_tex;
out vec4 color;
void main() { color = texelFetch(u_tex, ivec2(gl_FragCoord.xy), 0); }
"""


def time_earth_paths(
    scene: Scene, at_s: float, repeats: int, gl_paths: Sequence[str] = ("fragment",)
) -> dict[str, dict[str, list[float]]]:
    """CPU and wall seconds of the Earth pass alone and of whole frames, per Earth path
    (``EarthPass.path``) and GL path (``EarthPass.gl_path``, the Earth pass alone), and
    of the floor: a full-screen pass of one texture fetch.

    Paths are measured in turn within each repeat, so a shared machine's load falls on
    all of them alike. Returns {what: {"cpu": [...], "wall": [...]}}.
    """
    import moderngl

    from renderer.passes.earth import PATHS

    ctx = create_headless_context()
    out = scene.output
    view = View(out.width, out.height, scene.camera.fov_deg)
    comp = Compositor(ctx, scene, view)
    earth = comp.passes[0]
    k = int(round(at_s * out.fps))
    states = next(iter(frame_states(scene, range(k, k + 1))))
    floor_prog = ctx.program(vertex_shader=_FLOOR_VERTEX, fragment_shader=_FLOOR_FRAGMENT)
    floor_vao = ctx.vertex_array(floor_prog, [])
    src = ctx.texture((out.width, out.height), 4, dtype="f4")
    result: dict[str, dict[str, list[float]]] = {}

    def record(name: str, fn) -> None:
        ctx.finish()
        wall, cpu = _timed(lambda: (fn(), ctx.finish()))
        entry = result.setdefault(name, {"cpu": [], "wall": []})
        entry["cpu"].append(cpu)
        entry["wall"].append(wall)

    def earth_alone() -> None:
        comp.hdr_fbo.use()
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        earth.draw(states[0], view, 1.0)
        ctx.disable(moderngl.BLEND)

    def floor() -> None:
        comp.hdr_fbo.use()
        src.use(0)
        floor_vao.render(moderngl.TRIANGLES, vertices=3)

    for path in PATHS:  # warm-up: programs, tables
        earth.path = path
        comp.render(states, k)
    floor()
    for gl in gl_paths:  # warm-up: the compute programs
        earth.gl_path = gl
        earth_alone()
    for _ in range(repeats):
        record("floor", floor)
        for path in PATHS:
            earth.path = path
            for gl in gl_paths:
                earth.gl_path = gl
                record(f"earth {path} {gl}" if len(gl_paths) > 1 else f"earth {path}", earth_alone)
            earth.gl_path = comp.gl_path
            record(f"frame {path}", lambda: comp.render(states, k))
    comp.release()
    floor_vao.release()
    floor_prog.release()
    src.release()
    ctx.release()
    return result


def print_earth_paths(
    scene: Scene, at_s: float, repeats: int, gl_paths: Sequence[str] = ("fragment",)
) -> None:
    """The Earth pass and whole frames per Earth path: medians (min to max) of CPU and
    wall milliseconds, and CPU over the floor's."""

    out = scene.output
    t = time_earth_paths(scene, at_s, repeats, gl_paths)
    floor_cpu = statistics.median(t["floor"]["cpu"])
    print(f"Earth paths at {out.width}x{out.height}, {at_s:g} s of video, {repeats} repeats:")
    print(f"{'':22} {'CPU ms (min-max)':>24} {'wall ms (min-max)':>24} {'CPU / floor':>12}")
    for name, v in t.items():
        cpu = [1e3 * x for x in v["cpu"]]
        wall = [1e3 * x for x in v["wall"]]
        c = f"{statistics.median(cpu):.0f} ({min(cpu):.0f}-{max(cpu):.0f})"
        w = f"{statistics.median(wall):.0f} ({min(wall):.0f}-{max(wall):.0f})"
        ratio = statistics.median(v["cpu"]) / floor_cpu
        print(f"{name:22} {c:>24} {w:>24} {ratio:12.1f}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer frames, smaller sizes")
    ap.add_argument("--scene", default=str(REPO / "scenes" / "progress-ms10.toml"))
    ap.add_argument("--chunked-only", action="store_true", help="only the chunked path's line")
    ap.add_argument(
        "--stages", action="store_true", help="the pipeline's stages, chunked path and memory"
    )
    ap.add_argument("--frames", type=int, default=None, help="frames timed per pass (default 5)")
    ap.add_argument(
        "--e2e-frames", type=int, default=None, help="frames rendered end to end (default 20)"
    )
    ap.add_argument(
        "--earth-only",
        action="store_true",
        help="only the Earth pass and whole frames per Earth path, at 1920x1080 and 40 s",
    )
    ap.add_argument(
        "--gl-paths",
        default="fragment,compute",
        help="GL paths timed, comma-separated (default fragment,compute)",
    )
    args = ap.parse_args(argv)
    gl_paths = [gl for gl in args.gl_paths.split(",") if gl]
    timed_paths = [gl for gl in GL_PATHS if gl != "auto"]  # auto is one of these
    if not gl_paths or any(gl not in timed_paths for gl in gl_paths):
        ap.error(f"--gl-paths: each of {', '.join(timed_paths)}, got {args.gl_paths!r}")
    scene_path = Path(args.scene)
    base = load_scene(scene_path)
    if args.earth_only:
        w, h = (640, 360) if args.quick else (1920, 1080)
        scene = with_overrides(base, width=w, height=h)
        print_earth_paths(scene, 40.0, 3 if args.quick else 5, gl_paths)
        return 0
    if not (args.stages or args.chunked_only):
        ctx = create_headless_context()
        info = gl_info(ctx)
        ctx.release()
        sizes = [(320, 180), (640, 360)] if args.quick else [(640, 360), (1920, 1080)]
        frames = args.frames or (2 if args.quick else 5)
        e2e = args.e2e_frames or (5 if args.quick else 20)
        print(f"orbitlapse benchmark: {scene_path.name} from {START_S:g} s, per pass over")
        print(f"{frames} frames (ms per frame; floors: CPU time over the floor pass's)")
        print(
            f"GL: {info.renderer} ({info.kind}); CPU: {platform.processor() or platform.machine()}"
        )
        print()
        print_pass_tables(base, sizes, frames, e2e, gl_paths)
        return 0
    sizes = [(320, 180)] if args.quick else [(640, 360), (1280, 720)]
    frames = 40 if args.quick else 120
    if args.chunked_only:
        with tempfile.TemporaryDirectory() as d:
            w, h = sizes[0]
            scene = _sized(base, w, h, frames, Path(d) / "x.mp4")
            print_chunked(scene, frames, frames // 4, Path(d))
        return 0

    ctx = create_headless_context()
    info = gl_info(ctx)
    ctx.release()
    print(f"orbitlapse benchmark: {scene_path.name}, {frames} frames per stage")
    print(f"GL: {info.renderer} ({info.kind}); CPU: {platform.processor() or platform.machine()}")
    print()
    header = f"{'size':>10} {'render':>9} {'readback':>9} {'encode':>9} {'end-to-end':>11}"
    print(header + f"   (frames per second){'start-up':>12}")
    ratio = 0.0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for w, h in sizes:
            scene = _sized(base, w, h, frames, tmp / "x.mp4")
            t = time_stages(scene, frames, tmp)
            fps = {k: 1.0 / t[k] for k in ("render", "readback", "encode", "end-to-end")}
            print(
                f"{w:>5}x{h:<4} {fps['render']:9.1f} {fps['readback']:9.1f} "
                f"{fps['encode']:9.1f} {fps['end-to-end']:11.1f}"
                f"{'':21}{t['startup']:9.2f} s"
            )
            slowest = max(t["render"], t["readback"], t["encode"])
            ratio = t["end-to-end"] / slowest
        w, h = sizes[0]
        print()
        print_chunked(_sized(base, w, h, frames, tmp / "x.mp4"), frames, frames // 4, tmp)
        short_s, long_s = (2.0, 20.0) if args.quick else (5.0, 60.0)
        pw, ph = sizes[0]
        short = peak_rss_mib(scene_path, pw, ph, short_s, tmp / "short.mp4")
        long = peak_rss_mib(scene_path, pw, ph, long_s, tmp / "long.mp4")
    print()
    print(
        f"peak memory at {pw}x{ph}: {short:.0f} MiB for {short_s:g} s of video, "
        f"{long:.0f} MiB for {long_s:g} s"
    )
    print(f"end-to-end / slowest stage: {ratio:.2f}")
    print(f"peak memory long / short: {long / short:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
