"""``--gl-path auto``: whether this device runs the heavy passes faster as compute shaders.

The Earth pass and the glare's blurs exist as fragment and as compute shaders
(the same picture).  Which is faster depends on the device: NVIDIA's compute
parts (H100, H200), headless through EGL, ran one arithmetic test 30 times
slower as fragments than as compute; Mesa's llvmpipe runs the Earth pass's
compute programs slower than its fragment programs (the per-pixel differences
go through shared memory and barriers; README "Performance").

``auto`` decides per device, in this order:

1. a software renderer (llvmpipe and its kin): fragment, without measuring;
   the bench measured compute slower there, and a probe would cost seconds;
2. a probe measured before on this device (the renderer and driver version
   strings, and the probe's source) and kept in the user's cache directory;
3. else the probe, run now and kept: ``shaders/gl_path_probe.glsl``'s
   arithmetic over PROBE_SIZE pixels as a fragment pass and as a compute
   dispatch, each timed from submission to finish (the fastest of PROBE_RUNS
   after a warm-up, milliseconds on a GPU): compute when it takes at most
   COMPUTE_MARGIN of the fragment time.  The margin leaves fragment, the path
   the project is tested on, where the two are about even (the Earth pass's
   compute programs pay for their barriers, which the probe does not).

A measurement, not a list of GPU names: it is right for a device no list
knows, and it is what the choice is about.  Kept per device, so a render pays
for it once; a cache that cannot be written only costs the probe again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import moderngl

from renderer.assets import shaders_dir
from renderer.gl.atmosphere_tables import cache_dir
from renderer.gl.context import GLInfo, bind_default_framebuffer, gl_info
from renderer.gl.shaders import build_compute, build_program, set_uniform

PROBE_SIZE = (1024, 1024)  # pixels
PROBE_STEPS = 256  # steps of the probe's arithmetic per pixel (a GPU: about a millisecond)
PROBE_RUNS = 3  # timed runs per path, after one warm-up
COMPUTE_MARGIN = 0.8  # compute is chosen at <= this share of the fragment time
CACHE_NAME = "gl-path.json"


@dataclass(frozen=True)
class GLPathChoice:
    """The GL path a run takes and, in words, why (for ``orbitlapse info``)."""

    path: str  # "fragment" or "compute"
    reason: str


@dataclass(frozen=True)
class ProbeTimes:
    """The probe's GPU time on one device, seconds per run."""

    fragment_s: float
    compute_s: float


def decide(info: GLInfo, probe: ProbeTimes | None) -> GLPathChoice:
    """``auto``'s choice for a device from its description and, unless it is a
    software renderer, its probe times (the module's docstring)."""
    if info.software:
        return GLPathChoice(
            "fragment", f"{info.renderer} is a software renderer: fragment shaders run faster"
        )
    if probe is None:
        return GLPathChoice("fragment", "the probe could not be timed: fragment, the reference")
    ratio = probe.compute_s / probe.fragment_s if probe.fragment_s > 0.0 else 1.0
    times = (
        f"probe {1e3 * probe.fragment_s:.2f} ms as fragments, "
        f"{1e3 * probe.compute_s:.2f} ms as compute"
    )
    if ratio <= COMPUTE_MARGIN:
        return GLPathChoice("compute", f"{times}: compute is {1.0 / ratio:.1f}x faster")
    return GLPathChoice("fragment", f"{times}: compute is not faster by {1 / COMPUTE_MARGIN:.2g}x")


def device_key(info: GLInfo) -> str:
    """What a kept probe is valid for: the device and driver, and the probe's source."""
    h = hashlib.sha256((shaders_dir() / "gl_path_probe.glsl").read_bytes())
    h.update(repr((PROBE_SIZE, PROBE_STEPS)).encode())
    return f"{info.renderer} | {info.version} | {h.hexdigest()[:12]}"


def read_cached(path: Path, key: str) -> ProbeTimes | None:
    """The probe times kept for ``key`` in the JSON file ``path``, or None."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))[key]
        return ProbeTimes(float(entry["fragment_s"]), float(entry["compute_s"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cached(path: Path, key: str, probe: ProbeTimes) -> None:
    """Keep ``probe`` under ``key`` in ``path`` (other devices' entries kept); a file
    that cannot be written is left as it is."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[key] = {"fragment_s": probe.fragment_s, "compute_s": probe.compute_s}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def run_probe(ctx: moderngl.Context, size: tuple[int, int] = PROBE_SIZE) -> ProbeTimes:
    """Time the probe over ``size`` pixels as a fragment pass and as a compute
    dispatch: wall time from submission to ``ctx.finish()``, the fastest of PROBE_RUNS
    after a warm-up.  (Not the GPU's timer queries: llvmpipe answers them for compute
    with nothing.)"""
    defines = {"PROBE_STEPS": PROBE_STEPS}
    frag = build_program(ctx, "gl_path_probe.glsl", defines)
    comp = build_compute(ctx, "gl_path_probe.glsl", defines)
    vao = ctx.vertex_array(frag, [])
    tex = ctx.texture(size, 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    before = ctx.fbo
    groups = (-(-size[0] // 8), -(-size[1] // 8), 1)

    def fragment() -> None:
        vao.render(moderngl.TRIANGLES, vertices=3)

    def compute() -> None:
        comp.run(*groups)

    best = []
    try:
        fbo.use()
        tex.bind_to_image(0, read=False, write=True)
        for program, run in ((frag, fragment), (comp, compute)):
            times = []
            for i in range(PROBE_RUNS + 1):
                set_uniform(program, "u_seed", 0.25 * i)
                ctx.finish()
                t0 = time.perf_counter()
                run()
                ctx.finish()
                times.append(time.perf_counter() - t0)
            best.append(min(times[1:]))
        ctx.memory_barrier()
    finally:
        if before is not None:
            before.use()
        else:
            bind_default_framebuffer(ctx)
        for obj in (fbo, tex, vao, comp, frag):
            obj.release()
    return ProbeTimes(best[0], best[1])


# Per context: {id(ctx): (ctx, choice)}.
_CHOSEN: dict[int, tuple[moderngl.Context, GLPathChoice]] = {}


def choose_gl_path(ctx: moderngl.Context, requested: str) -> GLPathChoice:
    """The GL path for ``requested`` (``--gl-path``): itself unless it is ``auto``,
    else ``auto``'s choice for the device of ``ctx`` (kept per context, and the
    probe per device in the user's cache directory)."""
    if requested != "auto":
        return GLPathChoice(requested, "asked for by --gl-path")
    held = _CHOSEN.get(id(ctx))
    if held is not None and held[0] is ctx:
        return held[1]
    info = gl_info(ctx)
    probe = None
    if not info.software:
        path = cache_dir() / CACHE_NAME
        key = device_key(info)
        probe = read_cached(path, key)
        if probe is None:
            probe = run_probe(ctx)
            write_cached(path, key, probe)
    choice = decide(info, probe)
    _CHOSEN[id(ctx)] = (ctx, choice)
    return choice
