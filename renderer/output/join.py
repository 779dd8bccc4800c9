"""Joining rendered frame ranges into one video without re-encoding.

Every video orbitlapse writes carries a tag (the container's ``comment``) saying which
frames of which scene it holds and how they were encoded::

    orbitlapse frames=40:80 rate=30/1 scene=3f9c0a1b2c4d5e6f encoder=libx264 crf=18

``join_parts`` reads that tag and what ffmpeg reports of each part, refuses parts that
cannot make one video (another codec, size, rate, scene or encoder setting; a gap or an
overlap between ranges), and copies the packets into one file with ffmpeg's concat demuxer.

Exact time: the concat demuxer places each part after the previous one's *measured*
duration, which for codecs with B-frames can be off by a few ticks per join. The list
therefore states each part's duration, frames / rate, in microseconds (the demuxer's unit);
rounded into the output's time base (1/15360 s for 30 fps) that lands on the exact tick.
The joined file is counted again before it is published.

PNG parts are folders whose files keep their absolute frame numbers; they join into one
folder of consecutively numbered frames (hard links where the file system allows).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from renderer.errors import RenderError, UsageError
from renderer.output.codecs import CONTAINERS, MUXERS, frame_file_name, writes_folder
from renderer.output.exr import exr_size
from renderer.output.ffmpeg import ffmpeg_exe, last_meaningful_line, one_line
from renderer.output.files import (
    check_target,
    ffmpeg_output_name,
    make_work_folder,
    publish_file,
    publish_folder,
    remove_stale_work,
)

#: The container tag that describes a part.
PART_TAG = "comment"
_TAG = re.compile(
    r"^orbitlapse frames=(\d+):(\d+) rate=(\d+)/(\d+) scene=([0-9a-f]+) "
    r"encoder=([\w.-]+) crf=(-?\d+)$"
)
_FRAME_FILE = re.compile(r"^frame_(\d{6,})\.(png|exr)$")
_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: Video: (.*)$")
_META = re.compile(r"^\s{4}(\w+)\s*: (.*)$")


def part_tag(
    frames: range, rate: Fraction, scene_key: str, encoder: str, crf: int
) -> dict[str, str]:
    """The container tags of a video holding ``frames`` of the scene with ``scene_key``.

    The exact rate is stated because Matroska's millisecond clock cannot show it.
    """
    text = f"orbitlapse frames={frames.start}:{frames.stop} rate={rate.numerator}/"
    return {PART_TAG: text + f"{rate.denominator} scene={scene_key} encoder={encoder} crf={crf}"}


@dataclass(frozen=True)
class Part:
    """What one part holds, read back from the file (or folder) itself."""

    path: Path
    start: int
    stop: int
    scene: str
    encoder: str
    crf: int
    codec: str
    pix_fmt: str
    width: int
    height: int
    rate: Fraction | None  # None for PNG folders
    title: str

    @property
    def frames(self) -> int:
        """Number of frames in the part."""
        return self.stop - self.start

    def settings(self) -> dict[str, object]:
        """Everything that must agree between parts of one video, by name."""
        return {
            "codec": self.codec,
            "size": f"{self.width}x{self.height}",
            "frame rate": self.rate,
            "pixel format": self.pix_fmt,
            "scene": self.scene,
            "encoder": self.encoder,
            "crf": self.crf,
        }


def read_part(path: Path | str) -> Part:
    """Read a part's range, settings and real frame count; UsageError if it is not one."""
    path = Path(path)
    if path.is_dir():
        return _read_png_part(path)
    if not path.is_file():
        raise UsageError(f"orbitlapse join: {path}: no such file or folder")
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path),
           "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot read {path}: {one_line(str(exc))}") from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise UsageError(f"orbitlapse join: {path}: not a video ({last_meaningful_line(stderr)})")
    tags, stream = _input_description(stderr)
    if stream is None:
        raise UsageError(f"orbitlapse join: {path}: has no video stream")
    match = _TAG.match(tags.get(PART_TAG, ""))
    if match is None:
        raise UsageError(
            f"orbitlapse join: {path}: not written by orbitlapse render (no frame-range tag)"
        )
    start, stop = int(match.group(1)), int(match.group(2))
    time_base, pts = _packets(done.stdout.decode("ascii", errors="replace"))
    if len(pts) != stop - start:
        raise UsageError(
            f"orbitlapse join: {path}: holds {len(pts)} frames, its tag says {stop - start} "
            "(a truncated or edited file)"
        )
    rate = Fraction(int(match.group(3)), int(match.group(4)))
    measured = _rate(pts, time_base)
    if measured is not None and measured != rate:
        raise UsageError(f"orbitlapse join: {path}: plays at {measured} fps, its tag says {rate}")
    return Part(
        path=path,
        start=start,
        stop=stop,
        scene=match.group(5),
        encoder=match.group(6),
        crf=int(match.group(7)),
        codec=stream[0],
        pix_fmt=stream[1],
        width=stream[2],
        height=stream[3],
        rate=rate,
        title=tags.get("title", ""),
    )


def _input_description(stderr: str) -> tuple[dict[str, str], tuple[str, str, int, int] | None]:
    """The input's global tags and its first video stream (codec, pix_fmt, w, h)."""
    tags: dict[str, str] = {}
    stream = None
    in_input = in_global = False
    for line in stderr.splitlines():
        if line.startswith("Input #0"):
            in_input = True
            continue
        if not in_input:
            continue
        if line.startswith("  Metadata:"):
            in_global = not tags and stream is None
            continue
        if line.startswith("  Duration:"):
            in_global = False
        if in_global and (m := _META.match(line)):
            tags.setdefault(m.group(1).lower(), m.group(2))
        if stream is None and (m := _STREAM.match(line)):
            stream = _stream_fields(m.group(1))
        if line.startswith("Output #") or line.startswith("Stream mapping"):
            break
    return tags, stream


def _stream_fields(text: str) -> tuple[str, str, int, int] | None:
    """``h264 (High) (avc1 / ..), yuv420p(tv, bt709, progressive), 64x48, ...`` -> fields."""
    parts, depth, begin = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(text[begin:i].strip())
            begin = i + 1
    parts.append(text[begin:].strip())
    pix = re.match(r"\w+", parts[1]) if len(parts) > 1 else None
    size = next((m for p in parts[1:] if (m := re.match(r"(\d+)x(\d+)\b", p))), None)
    if pix is None or size is None:
        return None
    return parts[0].split()[0], pix.group(0), int(size.group(1)), int(size.group(2))


def _packets(framecrc: str) -> tuple[Fraction, list[int]]:
    time_base = Fraction(1)
    pts: list[int] = []
    for line in framecrc.splitlines():
        if line.startswith("#tb 0:"):
            num, den = line.split(":", 1)[1].strip().split("/")
            time_base = Fraction(int(num), int(den))
        elif line and not line.startswith("#"):
            fields = [f.strip() for f in line.split(",")]
            if fields[0] == "0":
                pts.append(int(fields[2]))
    return time_base, sorted(pts)


def _rate(pts: list[int], time_base: Fraction) -> Fraction | None:
    steps = {b - a for a, b in zip(pts, pts[1:], strict=False)}
    if len(steps) != 1:
        return None
    step = steps.pop()
    return 1 / (step * time_base) if step > 0 else None


def _read_png_part(path: Path) -> Part:
    """A folder of frames (PNG, 8 or 16 bits, or EXR) as a part; its codec from the files."""
    found = [(int(m.group(1)), m.group(2)) for f in os.listdir(path) if (m := _FRAME_FILE.match(f))]
    if not found:
        raise UsageError(f"orbitlapse join: {path}: a folder without frame_NNNNNN.png files")
    kinds = {kind for _, kind in found}
    if len(kinds) > 1:
        raise UsageError(f"orbitlapse join: {path}: holds both PNG and EXR frames")
    numbers = sorted(k for k, _ in found)
    start, stop = numbers[0], numbers[-1] + 1
    if len(numbers) != stop - start:
        raise UsageError(f"orbitlapse join: {path}: frames {start}..{stop - 1} have gaps")
    codec = kinds.pop()
    first = path / frame_file_name(codec, start)
    if codec == "exr":
        try:
            width, height = exr_size(first)
        except (OSError, ValueError):
            raise UsageError(f"orbitlapse join: {first}: not an OpenEXR file") from None
        layout = "half"
    else:
        width, height, depth = _png_size(first)
        codec, layout = ("png16", "rgb48") if depth == 16 else ("png", "rgb24")
    return Part(path, start, stop, "", codec, 0, codec, layout, width, height, None, "")


def _png_size(path: Path) -> tuple[int, int, int]:
    """Width, height and bits per sample of a PNG file."""
    with open(path, "rb") as f:
        head = f.read(25)
    if len(head) < 25 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise UsageError(f"orbitlapse join: {path}: not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"), head[24]


def check_parts(parts: list[Part]) -> list[Part]:
    """The parts in frame order; UsageError (one line) unless they make one video."""
    if not parts:
        raise UsageError("orbitlapse join: no parts given")
    ordered = sorted(parts, key=lambda p: (p.start, p.stop))
    first = ordered[0].settings()
    for part in ordered[1:]:
        for name, value in part.settings().items():
            if value != first[name]:
                raise UsageError(
                    f"orbitlapse join: {part.path}: {name} {value} differs from "
                    f"{ordered[0].path}'s {first[name]}"
                )
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start > a.stop:
            raise UsageError(
                f"orbitlapse join: frames {a.stop}:{b.start} are missing between "
                f"{a.path} and {b.path}"
            )
        if b.start < a.stop:
            raise UsageError(
                f"orbitlapse join: {a.path} and {b.path} overlap (frames "
                f"{b.start}:{min(a.stop, b.stop)})"
            )
    return ordered


def join_parts(paths: list[Path], out: Path | str, *, force: bool = False) -> Path:
    """Join parts written by ``orbitlapse render`` into ``out`` without re-encoding.

    Returns the path written. The joined file has exactly the parts' frames, at exact
    timestamps, with the first part's title and colour tags; it appears under its name
    only when complete.
    """
    out = Path(out)
    parts = check_parts([read_part(p) for p in paths])
    folder = writes_folder(parts[0].codec)
    remove_stale_work(out.parent)
    check_target(out, folder=folder, force=force)
    if folder:
        if out.suffix.lower() in MUXERS:
            raise UsageError(
                f"orbitlapse join: {out}: frame folders join into a folder, not a file"
            )
        _join_png(parts, out, force)
        return out
    codec = _scene_codec(parts[0])
    if out.suffix.lower() not in CONTAINERS[codec]:
        raise UsageError(
            f"orbitlapse join: {out}: {codec} video needs a file ending in "
            f"{' or '.join(CONTAINERS[codec])}"
        )
    _join_video(parts, out, force)
    return out


def _scene_codec(part: Part) -> str:
    names = {"h264": "h264", "hevc": "h265", "av1": "av1", "prores": "prores"}
    if part.codec not in names:
        raise UsageError(f"orbitlapse join: {part.path}: codec {part.codec} is not one written")
    return names[part.codec]


def _join_video(parts: list[Part], out: Path, force: bool) -> None:
    first = parts[0]
    assert first.rate is not None
    work = make_work_folder(out)
    temp = work.video_path()
    muxer = MUXERS[out.suffix.lower()]
    whole = range(first.start, parts[-1].stop)
    joined = part_tag(whole, first.rate, first.scene, first.encoder, first.crf)
    with tempfile.TemporaryDirectory(prefix="orbitlapse-join-") as tmp:
        listing = Path(tmp) / "parts.txt"
        lines = ["ffconcat version 1.0"]
        for part in parts:
            micros = round(Fraction(part.frames) / first.rate * 1_000_000)
            lines += [f"file {_quote(part.path.resolve())}", f"duration {micros}us"]
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
               "-f", "concat", "-safe", "0", "-i", str(listing),
               "-map", "0:v", "-c", "copy", "-map_metadata", "-1"]  # fmt: skip
        if first.title:
            cmd += ["-metadata", f"title={first.title}"]
        for key, value in joined.items():
            cmd += ["-metadata", f"{key}={value}"]
        if muxer in ("mp4", "mov"):
            cmd += ["-movflags", "+faststart"]
            if first.codec == "hevc":
                cmd += ["-tag:v", "hvc1"]
        # -y is safe: the name is inside this run's private work folder.
        cmd += ["-f", muxer, "-y", ffmpeg_output_name(temp)]
        try:
            try:
                done = subprocess.run(cmd, capture_output=True, timeout=3600, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise RenderError(f"cannot run ffmpeg to join: {one_line(str(exc))}") from exc
            if done.returncode != 0:
                detail = last_meaningful_line(done.stderr.decode("utf-8", errors="replace"))
                raise RenderError(f"ffmpeg failed joining into {out}: {detail}")
            result = read_part(temp)
            if result.frames != parts[-1].stop - first.start or result.rate != first.rate:
                raise RenderError(
                    f"joining into {out} gave {result.frames} frames at {result.rate} fps, "
                    f"not {parts[-1].stop - first.start} at {first.rate}"
                )
            publish_file(temp, out, force=force)
        finally:
            work.discard()


def _quote(path: Path) -> str:
    # The concat list's quoting: single quotes, a quote inside written as '\''.
    return "'" + str(path).replace("'", "'\\''") + "'"


def _join_png(parts: list[Part], out: Path, force: bool) -> None:
    work = make_work_folder(out)
    try:
        frames = work.frames_path()
        frames.mkdir()
        for part in parts:
            for k in range(part.start, part.stop):
                name = frame_file_name(part.codec, k)
                try:
                    os.link(part.path / name, frames / name)
                except OSError:
                    shutil.copyfile(part.path / name, frames / name)
        publish_folder(frames, out, work.path, force=force)
    finally:
        work.discard()
