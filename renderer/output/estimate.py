"""How big a render is, before it starts: frames, pixels, disk, GPU memory and time.

``orbitlapse check`` prints these without starting GL, so they are estimates from
the scene's numbers alone and a few constants measured on this project's machines:

* Time: every frame is drawn ``motion_blur.samples`` times and the cost is per pixel.
  On llvmpipe (the CPU) the flagship's full render at 1920x1080 took 0.79 CPU-seconds a
  frame, encoding and start-up included (README), about 3.8e-7 core-seconds per pixel
  and sub-frame, shared over the cores this machine has.  A GPU was not measured: a rate
  of 2e8 pixel sub-frames a second (a hundred times llvmpipe on 2 cores) is assumed and
  said to be an assumption. The renderer is detected without GL: an NVIDIA driver
  (``/proc/driver/nvidia``) means the GPU, anything else llvmpipe.  On llvmpipe the
  measured cost includes the encoder's; on a GPU encoding runs alongside the drawing and
  is not added.
* Disk: bytes per pixel per frame for each codec at its default quality: h264 at crf 18
  is taken as 0.02 without sensor noise and 5.6 times that with it (the flagship with
  its ISO 12800 grain came to 0.112), halving every 6 crf steps; h265 0.6 and AV1 0.5 of
  that; ProRes 422 HQ 0.45 (about 220 Mbit/s at 1080p30); PNG 1.5 (half of raw RGB).
* GPU memory: about 64 bytes a pixel (float RGBA buffers for the radiance, the glare
  levels and the output).

A warning is printed above ``WARN_HOURS`` of rendering, ``WARN_GB`` of disk or
``WARN_GPU_GB`` of GPU memory; ``check --warn-hours/--warn-gb`` (or the environment
variables ``ORBITLAPSE_WARN_HOURS``/``ORBITLAPSE_WARN_GB``) raise the first two.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from renderer.scene import Scene

CPU_CORE_S_PER_PIXEL = 0.79 / (1920 * 1080)
GPU_PIXELS_PER_S = 2e8  # assumed, not measured
START_S = 3.0  # context, shaders, tables (README: start-up 2.5 s)
GPU_BYTES_PER_PIXEL = 64
_H264_BYTES_PER_PIXEL_CRF18 = 0.02
# Sensor grain is incompressible detail: the flagship at ISO 12800 with noise on came
# to 0.112 bytes a pixel at crf 18 (625.6 MB for 2,700 frames at 1920x1080).
_NOISE_FACTOR = 5.6
_CODEC_FACTOR = {"h264": 1.0, "h265": 0.6, "av1": 0.5}
_FIXED_BYTES_PER_PIXEL = {"prores": 0.45, "png": 1.5}
# Measured on the flagship at 480x270 (its sensor noise leaves little to compress): 16-bit
# PNG 5.0 bytes a pixel, ZIP-compressed half-float EXR 4.8.
_FIXED_BYTES_PER_PIXEL.update({"png16": 5.0, "exr": 5.0})

WARN_HOURS = 1.0
WARN_GB = 10.0
WARN_GPU_GB = 4.0


@dataclass(frozen=True)
class Estimate:
    """The size of a render, from the scene alone."""

    frames: int
    pixels_per_frame: int
    subframes: int
    disk_bytes: float
    gpu_bytes: float
    seconds: float
    renderer: str

    @property
    def pixels(self) -> int:
        """Pixels in the whole video."""
        return self.frames * self.pixels_per_frame


def detect_renderer() -> tuple[str, bool]:
    """(description, is_gpu) of what EGL would most likely give, without starting GL."""
    if Path("/proc/driver/nvidia/version").exists():
        return "NVIDIA GPU (driver found; speed assumed, not measured)", True
    cores = os.cpu_count() or 1
    return f"llvmpipe on {cores} CPU core{'s' if cores != 1 else ''}", False


def estimate(scene: Scene) -> Estimate:
    """Frames, pixels, disk, GPU memory and time of rendering ``scene``."""
    out = scene.output
    frames = out.frame_count
    px = out.width * out.height
    subframes = frames * scene.camera.motion_blur.samples
    if out.codec in _CODEC_FACTOR:
        per_px = _H264_BYTES_PER_PIXEL_CRF18 * _CODEC_FACTOR[out.codec]
        per_px *= 2.0 ** ((18 - out.crf) / 6.0)
        if scene.camera.noise is not None:
            per_px *= _NOISE_FACTOR
    else:
        per_px = _FIXED_BYTES_PER_PIXEL[out.codec]
    name, gpu = detect_renderer()
    if gpu:
        seconds = START_S + subframes * px / GPU_PIXELS_PER_S
    else:
        seconds = START_S + subframes * px * CPU_CORE_S_PER_PIXEL / (os.cpu_count() or 1)
    return Estimate(
        frames=frames,
        pixels_per_frame=px,
        subframes=subframes,
        disk_bytes=frames * px * per_px,
        gpu_bytes=float(px * GPU_BYTES_PER_PIXEL),
        seconds=seconds,
        renderer=name,
    )


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def describe_size(est: Estimate) -> list[tuple[str, str]]:
    """The estimate as ``check``'s labelled rows."""
    return [
        (
            "frames",
            f"{est.frames:,}"
            + (
                f" ({est.subframes:,} drawn with motion blur)" if est.subframes > est.frames else ""
            ),
        ),
        ("pixels", f"{est.pixels_per_frame:,} a frame, {est.pixels:,} in all"),
        ("disk", f"about {_bytes(est.disk_bytes)} (a rough figure for the codec)"),
        ("GPU memory", f"about {_bytes(est.gpu_bytes)}"),
        ("time", f"about {_duration(est.seconds)} on {est.renderer}"),
    ]


def warnings(est: Estimate, *, max_hours: float, max_gb: float) -> list[str]:
    """Lines warning of a render larger than the thresholds."""
    out: list[str] = []
    if est.seconds > max_hours * 3600:
        out.append(
            f"warning: rendering would take about {_duration(est.seconds)} "
            f"(more than {max_hours:g} h; --warn-hours raises this limit)"
        )
    if est.disk_bytes > max_gb * 1e9:
        out.append(
            f"warning: the output would be about {_bytes(est.disk_bytes)} "
            f"(more than {max_gb:g} GB; --warn-gb raises this limit)"
        )
    if est.gpu_bytes > WARN_GPU_GB * 1e9:
        out.append(
            f"warning: {est.pixels_per_frame:,} pixels a frame need about "
            f"{_bytes(est.gpu_bytes)} of GPU memory; the GL set-up may fail"
        )
    return out
