"""ffmpeg itself: the bundled binary, which encoders work here, the exact frame rate, and
the one line worth showing from what ffmpeg prints when it fails.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from renderer.errors import RenderError
from renderer.output.codecs import CODECS, ENCODERS

# swscale's defaults round sloppily and interpolate chroma coarsely; these flags make flat
# colours land on the code values the BT.709 formulas give.
SWS_FLAGS = "accurate_rnd+full_chroma_int"


def ffmpeg_exe() -> str:
    """Return the path of imageio-ffmpeg's ffmpeg binary.

    Raises RenderError when imageio-ffmpeg or its binary is missing: the renderer never falls
    back to another way of writing video.
    """
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise RenderError(
            f"cannot write video: the imageio-ffmpeg package is not installed ({exc})"
        ) from exc
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # imageio-ffmpeg raises RuntimeError, but be liberal here
        raise RenderError(f"cannot write video: no ffmpeg found ({one_line(str(exc))})") from exc
    if not exe or not os.access(exe, os.X_OK):
        raise RenderError(f"cannot write video: ffmpeg at {exe!r} is not an executable file")
    return exe


@functools.cache
def available_encoders() -> dict[str, bool]:
    """Which of ``ENCODERS`` this ffmpeg binary lists (``ffmpeg -encoders``); cached.

    Listed is not the same as usable: see ``probe_encoder`` for NVENC.
    """
    exe = ffmpeg_exe()
    try:
        done = subprocess.run(
            [exe, "-hide_banner", "-nostdin", "-encoders"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot run ffmpeg ({exe}): {one_line(str(exc))}") from exc
    if done.returncode != 0:
        raise RenderError(f"ffmpeg -encoders failed: {last_meaningful_line(done.stderr)}")
    listed: set[str] = set()
    for line in done.stdout.splitlines():
        # Rows look like " V....D libx264   description"; the header legend has the same
        # shape but its names ("=") are not encoders, and the separator ends it.
        fields = line.split()
        if len(fields) >= 2 and re.fullmatch(r"[VAS.][F.][S.][X.][B.][D.]", fields[0]):
            listed.add(fields[1])
    return {name: name in listed for name in ENCODERS}


def encoder_pix_fmt(encoder: str) -> str:
    if encoder == "prores_ks":
        return "yuv422p10le"
    if encoder == "png":
        return "rgb24"
    return "yuv420p"


#: The GPU encoder tried first for each codec (NVIDIA NVENC).
HARDWARE_ENCODERS: dict[str, str] = {"h264": "h264_nvenc", "h265": "hevc_nvenc", "av1": "av1_nvenc"}


def nvenc_refusal(codec: str, width: int, height: int) -> str | None:
    """Why NVENC cannot write ``codec`` at this size on this machine, or None if it can
    (it is in this ffmpeg and encodes a test clip)."""
    hardware = HARDWARE_ENCODERS.get(codec)
    if hardware is None:
        return f"NVENC has no {codec} encoder (it writes {', '.join(HARDWARE_ENCODERS)})"
    if not available_encoders().get(hardware, False):
        return f"this ffmpeg ({ffmpeg_exe()}) has no {hardware} encoder"
    if not probe_encoder(hardware, width, height):
        return (
            f"{hardware} does not run here (no NVIDIA GPU, driver or free encoder session, "
            f"or {width}x{height} is beyond it); orbitlapse info lists the encoders"
        )
    return None


def choose_encoder(codec: str, width: int, height: int, choice: str = "auto") -> str:
    """The encoder for a codec.  ``choice`` ``auto``: NVENC where the binary has it AND it
    encodes a test clip on this machine (decided by trying, not by guessing), else the
    software encoder; ``software``: the software encoder; ``nvenc``: NVENC, or a
    RenderError saying why not.

    ``ORBITLAPSE_ENCODER=software`` makes ``auto`` skip the hardware encoders.
    """
    if choice == "software":
        return CODECS[codec]
    if choice == "nvenc":
        reason = nvenc_refusal(codec, width, height)
        if reason is not None:
            raise RenderError(f"--encoder nvenc: {reason}")
        return HARDWARE_ENCODERS[codec]
    hardware = HARDWARE_ENCODERS.get(codec)
    if (
        hardware
        and os.environ.get("ORBITLAPSE_ENCODER", "").lower() != "software"
        and available_encoders().get(hardware, False)
        and probe_encoder(hardware, width, height)
    ):
        return hardware
    return CODECS[codec]


@functools.lru_cache(maxsize=64)
def probe_encoder(name: str, width: int, height: int) -> bool:
    """Whether encoder ``name`` really encodes frames of ``width`` x ``height``; cached.

    Encodes three synthetic frames to ffmpeg's null muxer. This is how NVENC is judged: it is
    compiled into the binary but works only with an NVIDIA GPU and driver, and it has size
    limits of its own.
    """
    if name in ENCODERS and not available_encoders()[name]:
        return False
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel", "error",
        "-nostdin",
        "-f", "lavfi",
        "-i", f"testsrc2=size={width}x{height}:rate=30",
        "-frames:v", "3",
        "-pix_fmt", encoder_pix_fmt(name),
        "-c:v", name,
        "-f", "null",
        "-",
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, env=ffmpeg_env(), timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def frame_rate(fps: float) -> Fraction:
    """The exact frame rate ffmpeg is given for ``fps`` frames per second.

    The NTSC family (23.976, 29.97, 59.94, ...) means n * 1000/1001 to everyone who types it,
    so those snap to that fraction; any other rate is the nearest fraction with a
    denominator up to 1001 (30 -> 30/1, 12.5 -> 25/2).
    """
    if not (fps > 0 and np.isfinite(fps)):
        raise RenderError(f"frame rate must be a positive number, not {fps!r}")
    n = round(fps * 1.001)
    if n >= 12 and fps != round(fps) and abs(fps * 1.001 - n) <= 5e-6 * n:
        return Fraction(n * 1000, 1001)
    rate = Fraction(fps).limit_denominator(1001)
    if rate == 0:
        raise RenderError(f"frame rate {fps!r} is too small")
    return rate


def ffmpeg_env() -> dict[str, str]:
    env = dict(os.environ)
    # SVT-AV1 prints its banner and configuration straight to stderr, whatever ffmpeg's
    # -loglevel says; 1 keeps only its errors.
    env.setdefault("SVT_LOG", "1")
    return env


# --------------------------------------------------------------------------- stderr handling

# Lines ffmpeg prints after the real cause, saying only that something failed.
_GENERIC = re.compile(
    r"^(Conversion failed!?"
    r"|Last message repeated \d+ times?"
    r"|Error opening (input|output) files?\b.*"
    r"|Error (writing trailer|closing file|muxing a packet)\b.*"
    r"|Task finished with error code.*"
    r"|Terminating thread with return code.*"
    r"|Error while filtering: .*"
    r"|Error while opening encoder.*"
    r"|Could not open encoder before EOF"
    r"|Error sending frames to consumers: .*"
    r"|Nothing was written into output file.*"
    r"|Exiting normally, received signal.*"
    r"|Received signal \d+: terminating\.?)$"
)
_CONTEXT = re.compile(r"^\[([^\]@]*?)\s*@\s*0x[0-9a-fA-F]+\]\s*")


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def split_context(line: str) -> tuple[str, str]:
    """``[vost#0:0/libx264 @ 0x55..] [enc:libx264 @ 0x55..] msg`` -> ``("libx264", "msg")``."""
    name = ""
    while match := _CONTEXT.match(line):
        # ffmpeg's own tags (out#0/mp4, vost#0:0/libx264, enc:libx264) end in the component
        # a user recognises; bare stream tags (vf#0:0, in#0) name nothing useful.
        tag = match.group(1).split("/")[-1].split(":")[-1]
        if tag and "#" not in tag:
            name = tag
        line = line[match.end() :]
    return name, line.strip()


def last_meaningful_line(stderr: str) -> str:
    """The line of ffmpeg's stderr that says why it failed, as ``component: message``.

    ffmpeg follows the cause with generic lines (``Conversion failed!``, ``Task finished
    with error code``...); the last line that is not one of those is the cause.
    """
    lines = [split_context(raw) for raw in stderr.splitlines()]
    lines = [(name, text) for name, text in lines if text]
    specific = [(name, text) for name, text in lines if not _GENERIC.match(text)]
    if not (specific or lines):
        return ""
    name, text = (specific or lines)[-1]
    return one_line(f"{name}: {text}" if name else text)


def exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"ffmpeg was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"ffmpeg was killed by signal {-returncode}"
    return f"ffmpeg exited with status {returncode}"


# --------------------------------------------------------------------------- the writer

FrameLike = bytes | bytearray | memoryview | NDArray[np.uint8]
_State = Literal["open", "closing", "done", "aborted"]
