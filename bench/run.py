"""Benchmark: frames per second per stage and end to end, and peak memory.

    python bench/run.py [--quick] [--scene SCENE]

For each size it times, on the same scene and frames:

* render    GL work only (all passes, then glFinish), no read-back;
* readback  reading one finished frame back to the CPU (blocking), in the layout the
            video takes (Y'CbCr planes made on the GPU for h264/h265/av1);
* encode    feeding ffmpeg (the scene's codec) frames already in memory;
* end-to-end  ``render_video``: the pipelined loop writing a real file.

Then it measures peak resident memory of whole renders of a short and a long
video in separate processes.  The last two lines are

    end-to-end / slowest stage: X.XX   (end-to-end time over the slowest stage's)
    peak memory long / short: X.XX     (peak RSS of a 60 s video over a 5 s one)

A ratio near 1 means the pipeline overlaps its stages fully / memory is flat.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from renderer.frame_state import FrameState, View  # noqa: E402
from renderer.gl.context import create_headless_context, gl_info  # noqa: E402
from renderer.output.chunks import chunk_folder, render_chunked  # noqa: E402
from renderer.output.codecs import EVEN_SIZE_CODECS  # noqa: E402
from renderer.output.frames import frame_states, render_video  # noqa: E402
from renderer.output.join import join_parts  # noqa: E402
from renderer.output.writer import VideoWriter  # noqa: E402
from renderer.passes.compositor import Compositor  # noqa: E402
from renderer.scene import Scene, load_scene, with_overrides  # noqa: E402


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


def time_earth_paths(scene: Scene, at_s: float, repeats: int) -> dict[str, dict[str, list[float]]]:
    """CPU and wall seconds of the Earth pass alone and of whole frames, per Earth path
    (``EarthPass.path``), and of the floor: a full-screen pass of one texture fetch.

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
    for _ in range(repeats):
        record("floor", floor)
        for path in PATHS:
            earth.path = path
            record(f"earth {path}", earth_alone)
            record(f"frame {path}", lambda: comp.render(states, k))
    comp.release()
    floor_vao.release()
    floor_prog.release()
    src.release()
    ctx.release()
    return result


def print_earth_paths(scene: Scene, at_s: float, repeats: int) -> None:
    """The Earth pass and whole frames per Earth path: medians (min to max) of CPU and
    wall milliseconds, and CPU over the floor's."""
    import statistics

    out = scene.output
    t = time_earth_paths(scene, at_s, repeats)
    floor_cpu = statistics.median(t["floor"]["cpu"])
    print(f"Earth paths at {out.width}x{out.height}, {at_s:g} s of video, {repeats} repeats:")
    print(f"{'':14} {'CPU ms (min-max)':>24} {'wall ms (min-max)':>24} {'CPU / floor':>12}")
    for name, v in t.items():
        cpu = [1e3 * x for x in v["cpu"]]
        wall = [1e3 * x for x in v["wall"]]
        c = f"{statistics.median(cpu):.0f} ({min(cpu):.0f}-{max(cpu):.0f})"
        w = f"{statistics.median(wall):.0f} ({min(wall):.0f}-{max(wall):.0f})"
        ratio = statistics.median(v["cpu"]) / floor_cpu
        print(f"{name:14} {c:>24} {w:>24} {ratio:12.1f}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer frames, smaller sizes")
    ap.add_argument("--scene", default=str(REPO / "scenes" / "progress-ms10.toml"))
    ap.add_argument("--chunked-only", action="store_true", help="only the chunked path's line")
    ap.add_argument(
        "--earth-only",
        action="store_true",
        help="only the Earth pass and whole frames per Earth path, at 1920x1080 and 40 s",
    )
    args = ap.parse_args(argv)
    scene_path = Path(args.scene)
    base = load_scene(scene_path)
    if args.earth_only:
        w, h = (640, 360) if args.quick else (1920, 1080)
        scene = with_overrides(base, width=w, height=h)
        print_earth_paths(scene, 40.0, 3 if args.quick else 5)
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
