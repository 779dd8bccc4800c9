"""Joining frame ranges: exact frame count and timestamps, refusals, PNG folders.

Parts are written by the real writer (real ffmpeg, libx264 with B-frames) with the tags
``orbitlapse render --frames`` gives them; no GL is needed.
"""

from __future__ import annotations

import itertools
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from renderer.errors import UsageError
from renderer.output.ffmpeg import ffmpeg_exe, frame_rate
from renderer.output.join import join_parts, part_tag, read_part
from renderer.output.writer import OutputExistsError, VideoWriter
from tests.video_probe import decode_frames, probe_video

W, H = 64, 48
_BASE = np.random.default_rng(7).integers(0, 256, (H, W, 3), dtype=np.uint8)


def frame(k: int) -> np.ndarray:
    """Frame k: a noise picture moving a pixel a frame (so x264 uses B-frames)."""
    return np.roll(_BASE, 3 * k, axis=1)


def write_part(
    path: Path,
    frames: range,
    *,
    codec: str = "h264",
    fps: float = 30.0,
    crf: int = 18,
    scene: str = "0123456789abcdef",
    size=(W, H),
) -> Path:
    w, h = size
    encoder = {"h264": "libx264", "prores": "prores_ks", "png": "png"}[codec]
    tags = part_tag(frames, frame_rate(fps), scene, encoder, crf)
    with VideoWriter(
        path,
        w,
        h,
        fps,
        codec,
        crf,
        title="A title",
        start_number=frames.start,
        metadata=None if codec == "png" else tags,
    ) as v:
        for k in frames:
            v.write(np.ascontiguousarray(np.resize(frame(k), (h, w, 3))))
    return path


def packet_times(path: Path) -> tuple[Fraction, list[int], list[int]]:
    """Time base, presentation times and durations of every video packet."""
    done = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-i",
            str(path),
            "-map",
            "0:v",
            "-c",
            "copy",
            "-f",
            "framecrc",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    tb = next(line for line in done.stdout.splitlines() if line.startswith("#tb 0:"))
    num, den = tb.split(":", 1)[1].strip().split("/")
    rows = [
        [f.strip() for f in line.split(",")]
        for line in done.stdout.splitlines()
        if line and not line.startswith("#")
    ]
    return Fraction(int(num), int(den)), [int(r[2]) for r in rows], [int(r[3]) for r in rows]


@pytest.mark.parametrize("fps", [30.0, 30000 / 1001])
def test_h264_parts_join_to_exact_frames_and_duration(tmp_path, fps):
    ranges = [range(0, 40), range(40, 80), range(80, 97)]
    parts = [write_part(tmp_path / f"part{r.start}.mp4", r, fps=fps) for r in ranges]
    out = join_parts(parts, tmp_path / "joined.mp4")

    info = probe_video(out)
    assert info["frames"] == 97
    rate = Fraction(30) if fps == 30.0 else Fraction(30000, 1001)
    assert info["frame_rate"] == rate
    tb, pts, durations = packet_times(out)
    pts_sorted = sorted(pts)
    assert {b - a for a, b in itertools.pairwise(pts_sorted)} == {1 / rate / tb}
    # Duration N/fps to the tick: from the first frame's start to the last one's end.
    last = pts.index(pts_sorted[-1])
    assert (pts_sorted[-1] + durations[last] - pts_sorted[0]) * tb == Fraction(97) / rate
    # The packets are the parts' packets: the joined video decodes to the parts' frames.
    joined = decode_frames(out)
    separate = np.concatenate([decode_frames(p) for p in parts])
    assert np.array_equal(joined, separate)
    # Title and colour description survive; the joined file describes its whole range.
    assert info["title"] == "A title"
    assert (info["color_range"], info["color_space"]) == ("tv", "bt709")
    assert (read_part(out).start, read_part(out).stop) == (0, 97)
    # Every part starts with a keyframe (packets without flags are keyframes in framecrc).
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(out), "-map", "0:v",
                           "-c", "copy", "-f", "framecrc", "-"], capture_output=True, text=True,
                          check=True)  # fmt: skip
    rows = [line for line in done.stdout.splitlines() if line and not line.startswith("#")]
    assert [i for i, row in enumerate(rows) if "F=" not in row][:3] == [0, 40, 80]


def test_parts_given_out_of_order_are_joined_in_frame_order(tmp_path):
    a = write_part(tmp_path / "a.mkv", range(5, 9))
    b = write_part(tmp_path / "b.mkv", range(0, 5))
    out = join_parts([a, b], tmp_path / "j.mp4")
    assert probe_video(out)["frames"] == 9
    assert (read_part(out).start, read_part(out).stop) == (0, 9)


def test_png_parts_join_as_one_numbered_folder(tmp_path):
    a = write_part(tmp_path / "a", range(0, 3), codec="png")
    b = write_part(tmp_path / "b", range(3, 7), codec="png")
    out = join_parts([b, a], tmp_path / "all")
    assert sorted(p.name for p in out.iterdir()) == [f"frame_{k:06d}.png" for k in range(7)]
    assert np.array_equal(decode_frames(out), np.stack([frame(k) for k in range(7)]))


@pytest.mark.parametrize(
    "second, message",
    [
        (dict(frames=range(41, 50)), "frames 40:41 are missing"),
        (dict(frames=range(39, 50)), "overlap"),
        (dict(frames=range(40, 50), crf=20), "crf 20 differs"),
        (dict(frames=range(40, 50), scene="fedcba9876543210"), "scene fedcba9876543210 differs"),
        (dict(frames=range(40, 50), size=(32, 24)), "size 32x24 differs"),
        (dict(frames=range(40, 50), fps=25.0), "frame rate 25 differs"),
        (dict(frames=range(40, 50), codec="prores", suffix=".mov"), "codec prores differs"),
    ],
)
def test_mismatched_parts_are_refused_with_one_line(tmp_path, second, message):
    first = write_part(tmp_path / "first.mp4", range(0, 40))
    suffix = second.pop("suffix", ".mp4")
    frames = second.pop("frames")
    other = write_part(tmp_path / f"second{suffix}", frames, **second)
    with pytest.raises(UsageError, match=message) as err:
        join_parts([first, other], tmp_path / "j.mp4")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "j.mp4").exists()


def test_a_video_without_the_range_tag_is_refused(tmp_path):
    plain = tmp_path / "plain.mp4"
    with VideoWriter(plain, W, H, 30, "h264", 18) as v:
        v.write(frame(0))
    with pytest.raises(UsageError, match="no frame-range tag"):
        join_parts([plain], tmp_path / "j.mp4")


def test_existing_output_needs_force(tmp_path):
    a = write_part(tmp_path / "a.mp4", range(0, 4))
    (tmp_path / "j.mp4").write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        join_parts([a], tmp_path / "j.mp4")
    assert (tmp_path / "j.mp4").read_bytes() == b"old"
    join_parts([a], tmp_path / "j.mp4", force=True)
    assert probe_video(tmp_path / "j.mp4")["frames"] == 4
