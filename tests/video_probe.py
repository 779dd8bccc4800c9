"""Reading videos back for the tests: what a file holds (``probe_video``) and its frames as
RGB arrays (``decode_frames``), both through the same bundled ffmpeg the writer uses.

imageio-ffmpeg ships no ffprobe, so the probe reads what ffmpeg prints about its input.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple, TypedDict

import numpy as np
from numpy.typing import NDArray

from renderer.errors import RenderError
from renderer.output.codecs import PNG_PATTERN
from renderer.output.ffmpeg import SWS_FLAGS, ffmpeg_exe, last_meaningful_line, one_line


class VideoInfo(TypedDict):
    """What ``probe_video`` reports about a video file or PNG frame folder."""

    width: int
    height: int
    frames: int
    fps: float | None  # None for a PNG folder, which has no rate
    frame_rate: Fraction | None  # exact where the container's time base allows
    codec: str
    pix_fmt: str
    color_range: str | None
    color_space: str | None
    title: str | None


def _input_args(path: Path) -> list[str]:
    if path.is_dir():
        return ["-f", "image2", "-start_number", "0", "-i", str(path / PNG_PATTERN)]
    if not path.exists():
        raise RenderError(f"{path}: no such file")
    return ["-i", str(path)]


_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: Video: (.*)$")
_FPS = re.compile(r"([\d.]+) fps")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


class _Stream(NamedTuple):
    codec: str
    pix_fmt: str
    width: int
    height: int
    color_range: str | None
    color_space: str | None
    fps: float | None


def _parse_stream(stderr: str, path: Path) -> _Stream:
    for line in stderr.splitlines():
        match = _STREAM.match(line)
        if not match:
            continue
        parts = _split_top_level(match.group(1))
        codec = parts[0].split()[0]
        pix = re.match(r"(\w+)(?:\(([^)]*)\))?", parts[1]) if len(parts) > 1 else None
        size = next((m for p in parts[1:] if (m := re.match(r"(\d+)x(\d+)\b", p))), None)
        if pix is None or size is None:
            break
        color = [c.strip() for c in (pix.group(2) or "").split(",")]
        color_range = color[0] if color and color[0] in ("tv", "pc") else None
        space = next((c for c in color if c not in ("tv", "pc", "progressive") and c), None)
        return _Stream(
            codec=codec,
            pix_fmt=pix.group(1),
            width=int(size.group(1)),
            height=int(size.group(2)),
            color_range=color_range,
            color_space=space.split("/")[0] if space else None,
            fps=next((float(m.group(1)) for p in parts if (m := _FPS.fullmatch(p))), None),
        )
    raise RenderError(f"{path}: no video stream ({last_meaningful_line(stderr)})")


def _parse_title(stderr: str) -> str | None:
    in_input = False
    for line in stderr.splitlines():
        if line.startswith("Input #0"):
            in_input = True
        elif in_input and re.match(r"\s*(Duration|Stream #)", line):
            return None
        elif in_input and (m := re.match(r"\s+title\s*: (.*)$", line)):
            return m.group(1)
    return None


def _exact_rate(pts: list[int], durations: list[int], time_base: Fraction) -> Fraction | None:
    """The frame rate the timestamps give, or None where the time base rounds them.

    mp4/mov written here count time in 1/rate steps (or finer), so every frame lasts the
    same whole number of ticks; Matroska's millisecond ticks do not, and then ffmpeg's
    printed rate is the better answer.
    """
    if len(pts) == 1:
        return 1 / (durations[0] * time_base) if durations[0] > 0 else None
    steps = {b - a for a, b in itertools.pairwise(pts)}
    if len(steps) != 1 or (step := steps.pop()) <= 0:
        return None
    return 1 / (step * time_base)


def probe_video(path: Path | str) -> VideoInfo:
    """Read a video's size, frame count, rate, codec and pixel format with ffmpeg.

    The frame count is the number of video packets (one per frame for the codecs written
    here), read with ``-c copy`` so nothing is decoded; the rate comes from the packets'
    timestamps. A PNG frame folder reports its frames and ``fps`` None.
    """
    path = Path(path)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *_input_args(path),
           "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot probe {path}: {one_line(str(exc))}") from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise RenderError(f"cannot read {path}: {last_meaningful_line(stderr)}")
    stream = _parse_stream(stderr, path)

    time_base: Fraction | None = None
    pts: list[int] = []
    durations: list[int] = []
    for line in done.stdout.decode("ascii", errors="replace").splitlines():
        if line.startswith("#tb 0:"):
            num, den = line.split(":", 1)[1].strip().split("/")
            time_base = Fraction(int(num), int(den))
        elif line and not line.startswith("#"):
            fields = [f.strip() for f in line.split(",")]
            if fields[0] == "0":
                pts.append(int(fields[2]))
                durations.append(int(fields[3]))

    rate: Fraction | None = None
    fps: float | None = None
    if not path.is_dir() and time_base is not None and pts:
        rate = _exact_rate(sorted(pts), durations, time_base)
        fps = float(rate) if rate is not None else stream.fps
    return VideoInfo(
        width=stream.width,
        height=stream.height,
        frames=len(pts),
        fps=fps,
        frame_rate=rate,
        codec=stream.codec,
        pix_fmt=stream.pix_fmt,
        color_range=stream.color_range,
        color_space=stream.color_space,
        title=_parse_title(stderr),
    )


def decode_frames(
    path: Path | str, width: int | None = None, height: int | None = None
) -> NDArray[np.uint8]:
    """Decode every frame of a video (or PNG folder) to an (N, H, W, 3) uint8 RGB array.

    Y'CbCr is converted with the BT.709 matrix from limited range, whatever the file's tags
    say, so a test of the writer's colours does not depend on them. Meant for tests and
    short clips: the whole video is held in memory. ``width``/``height``, when given, must
    match the file.
    """
    path = Path(path)
    convert = [] if path.is_dir() else [
        "-vf", f"scale=in_color_matrix=bt709:in_range=tv:flags={SWS_FLAGS}"
    ]  # fmt: skip
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *_input_args(path),
           "-map", "0:v:0", *convert, "-fps_mode", "passthrough",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot decode {path}: {one_line(str(exc))}") from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise RenderError(f"cannot decode {path}: {last_meaningful_line(stderr)}")
    stream = _parse_stream(stderr, path)
    w, h = stream.width, stream.height
    if (width is not None and width != w) or (height is not None and height != h):
        raise RenderError(f"{path}: frames are {w}x{h}, not {width}x{height}")
    data = np.frombuffer(done.stdout, dtype=np.uint8)
    if w * h == 0 or data.size % (w * h * 3):
        raise RenderError(f"{path}: decoded {data.size} bytes, not whole {w}x{h} frames")
    return data.reshape(-1, h, w, 3)
