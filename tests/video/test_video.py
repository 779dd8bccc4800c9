"""The video writer against real ffmpeg: frames synthesised with NumPy, no GL.

Every test reads its output back with ffmpeg (``probe_video``, ``decode_frames`` or raw
Y'CbCr planes) and checks what a viewer would notice: frame count, order, rate, colours, and
that a failed or interrupted render leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from renderer.errors import OrbitlapseError, RenderError
from renderer.output import codecs, ffmpeg
from renderer.output.writer import OutputExistsError, VideoWriter
from tests import video_probe

W, H = 64, 48
N = 12  # frames per clip; 4 bits of index code cover it


# ----------------------------------------------------------------------------- helpers


def indexed_frame(k: int, width: int = W, height: int = H) -> np.ndarray:
    """A frame whose content encodes ``k``: four 16x16 blocks, white for a set bit, over a
    grey ramp, plus a square that moves right by 3 px per frame (so neighbours differ)."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = np.linspace(40, 200, width, dtype=np.uint8)[None, :, None]
    for bit in range(4):
        frame[0:16, 16 * bit : 16 * (bit + 1)] = 255 if k >> bit & 1 else 0
    x = 3 * k % (width - 8)
    frame[height - 12 : height - 4, x : x + 8] = (255, 64, 0)
    return frame


def read_index(frame: np.ndarray) -> int:
    """Inverse of ``indexed_frame``: the mean of each block's interior against mid-grey."""
    bits = [frame[4:12, 16 * bit + 4 : 16 * bit + 12].mean() > 128 for bit in range(4)]
    return sum(1 << bit for bit, on in enumerate(bits) if on)


def write_clip(path: Path, codec: str, fps: float = 30.0, frames: int = N, **kw) -> None:
    with VideoWriter(path, W, H, fps, codec, 18, **kw) as writer:
        for k in range(frames):
            writer.write(indexed_frame(k))


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def raw_yuv420(path: Path, width: int, height: int) -> tuple[np.ndarray, ...]:
    """The decoded Y, Cb, Cr planes of every frame, untouched by any colour conversion."""
    done = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
         "-pix_fmt", "yuv420p", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    luma, chroma = width * height, (width // 2) * (height // 2)
    data = np.frombuffer(done.stdout, np.uint8).reshape(-1, luma + 2 * chroma)
    y = data[:, :luma].reshape(-1, height, width)
    cb = data[:, luma : luma + chroma].reshape(-1, height // 2, width // 2)
    cr = data[:, luma + chroma :].reshape(-1, height // 2, width // 2)
    return y, cb, cr


def bt709_limited(rgb: np.ndarray) -> np.ndarray:
    """Y'CbCr code values of 8-bit R'G'B' by ITU-R BT.709 (Kr 0.2126, Kb 0.0722), limited
    range (Y' 16..235, Cb/Cr 16..240): the hand reference for the encoder's conversion."""
    r, g, b = (rgb[..., i] / 255.0 for i in range(3))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    cb = (b - y) / 1.8556
    cr = (r - y) / 1.5748
    return np.stack([16 + 219 * y, 128 + 224 * cb, 128 + 224 * cr], axis=-1)


# Full-intensity bars plus two greys; green separates BT.709 from BT.601 (Y' 173 vs 145),
# black and white separate limited from full range.
BARS = np.array(
    [
        (255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
        (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0),
        (128, 128, 128), (40, 90, 200),
    ],
    np.uint8,
)  # fmt: skip
BAR = 16  # px per bar


def bars_frame() -> np.ndarray:
    return np.repeat(BARS, BAR, axis=0)[None, :, :].repeat(16, axis=0)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    ("codec", "name", "fps", "codec_name", "pix_fmt"),
    [
        ("h264", "out.mp4", 30, "h264", "yuv420p"),
        ("h264", "out.mp4", 29.97, "h264", "yuv420p"),
        ("h264", "out.mp4", 10, "h264", "yuv420p"),
        ("h265", "out.mp4", 29.97, "hevc", "yuv420p"),
        ("av1", "out.mp4", 30, "av1", "yuv420p"),
        ("prores", "out.mov", 10, "prores", "yuv422p10le"),
        ("png", "frames", 30, "png", "rgb24"),
    ],
)
def test_every_frame_arrives_in_order(tmp_path, codec, name, fps, codec_name, pix_fmt):
    target = tmp_path / name
    write_clip(target, codec, fps, title="orbit test")

    assert listing(tmp_path) == [name]  # published, nothing else left beside it
    info = video_probe.probe_video(target)
    assert (info["width"], info["height"], info["frames"]) == (W, H, N)
    assert (info["codec"], info["pix_fmt"]) == (codec_name, pix_fmt)
    if codec == "png":
        assert listing(target) == [f"frame_{k:06d}.png" for k in range(N)]
    else:
        assert info["frame_rate"] == ffmpeg.frame_rate(fps)
        assert info["fps"] == pytest.approx(fps, rel=1e-4)
        assert (info["color_range"], info["color_space"]) == ("tv", "bt709")
        assert info["title"] == "orbit test"

    frames = video_probe.decode_frames(target, W, H)
    assert frames.shape == (N, H, W, 3)
    # Each decoded frame is the input frame of the same index: none dropped, doubled or
    # swapped, and the content survived the codec.
    assert [read_index(f) for f in frames] == list(range(N))
    for k in (0, N - 1):
        error = np.abs(frames[k].astype(int) - indexed_frame(k).astype(int))
        assert np.median(error) <= 3, f"frame {k} decoded far from its input"
    assert not np.array_equal(frames[0], frames[-1])


def test_png_frames_are_lossless(tmp_path):
    target = tmp_path / "frames"
    write_clip(target, "png", frames=3)
    frames = video_probe.decode_frames(target, W, H)
    for k in range(3):
        np.testing.assert_array_equal(frames[k], indexed_frame(k))


def test_h264_colours_follow_bt709_limited_range(tmp_path):
    target = tmp_path / "bars.mp4"
    frame = bars_frame()
    height, width = frame.shape[:2]
    with VideoWriter(target, width, height, 30, "h264", 18) as writer:
        for _ in range(3):
            writer.write(frame)

    # The encoded code values themselves, against the BT.709 formulas (centre of each bar,
    # away from the chroma blur at the edges).
    y, cb, cr = raw_yuv420(target, width, height)
    expect = bt709_limited(BARS.astype(float))
    for i, want in enumerate(expect):
        got = (
            y[:, 4:12, i * BAR + 4 : i * BAR + 12].mean(),
            cb[:, 2:6, i * BAR // 2 + 2 : i * BAR // 2 + 6].mean(),
            cr[:, 2:6, i * BAR // 2 + 2 : i * BAR // 2 + 6].mean(),
        )
        np.testing.assert_allclose(got, want, atol=2.0, err_msg=f"bar {i} {BARS[i]}")

    # And back to RGB: the colours a player shows are the colours written.
    decoded = video_probe.decode_frames(target, width, height)
    for i, rgb in enumerate(BARS):
        got = decoded[:, 4:12, i * BAR + 4 : i * BAR + 12].reshape(-1, 3).mean(axis=0)
        np.testing.assert_allclose(got, rgb, atol=3.0, err_msg=f"bar {i}")


def test_yuv420p_input_passes_through_unconverted(tmp_path):
    target = tmp_path / "yuv.mp4"
    luma = np.tile(np.linspace(16, 235, W).astype(np.uint8), (H, 1))
    chroma = np.full((H // 2, W // 2), 128, np.uint8)
    planes = np.concatenate([luma.ravel(), chroma.ravel(), chroma.ravel()])
    with VideoWriter(target, W, H, 30, "h264", 18, pixel_format="yuv420p") as writer:
        for _ in range(3):
            writer.write(planes.tobytes())
    y, cb, cr = raw_yuv420(target, W, H)
    assert np.abs(y.astype(int) - luma).max() <= 3
    assert np.abs(cb.astype(int) - 128).max() <= 2


# ----------------------------------------------------------------------------- atomic output


def test_existing_file_is_refused_before_ffmpeg_starts(tmp_path, monkeypatch):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"an older render")
    ffmpeg.available_encoders()  # cached first: it runs ffmpeg itself
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))

    with pytest.raises(OutputExistsError) as caught:
        VideoWriter(target, W, H, 30, "h264", 18)

    assert caught.value.exit_status == 2
    assert isinstance(caught.value, OrbitlapseError)
    assert str(caught.value) == f"{target}: exists; use --force to replace it"
    assert started == []
    assert target.read_bytes() == b"an older render"
    assert listing(tmp_path) == ["out.mp4"]


def test_force_replaces_existing_file(tmp_path):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"an older render")
    write_clip(target, "h264", frames=4, force=True)
    assert listing(tmp_path) == ["out.mp4"]
    assert video_probe.probe_video(target)["frames"] == 4


def test_png_folder_refused_then_replaced_with_force(tmp_path):
    target = tmp_path / "frames"
    write_clip(target, "png", frames=3)
    with pytest.raises(OutputExistsError):
        VideoWriter(target, W, H, 30, "png", 18)
    assert len(listing(target)) == 3

    write_clip(target, "png", frames=2, force=True)
    assert listing(target) == ["frame_000000.png", "frame_000001.png"]
    assert listing(tmp_path) == ["frames"]


@pytest.mark.parametrize(("codec", "name"), [("h264", "out.mp4"), ("png", "frames")])
def test_target_created_during_the_render_is_not_overwritten(tmp_path, codec, name):
    target = tmp_path / name
    writer = VideoWriter(target, W, H, 30, codec, 18)
    writer.write(indexed_frame(0))
    if codec == "png":
        target.mkdir()
        (target / "theirs.txt").write_text("theirs")
    else:
        target.write_bytes(b"theirs")
    with pytest.raises(OutputExistsError):
        writer.close()
    if codec == "png":
        assert listing(target) == ["theirs.txt"]
    else:
        assert target.read_bytes() == b"theirs"
    assert listing(tmp_path) == [name]


@pytest.mark.parametrize(("codec", "name"), [("h264", "out.mp4"), ("png", "frames")])
def test_interrupt_leaves_nothing(tmp_path, codec, name):
    target = tmp_path / name
    with pytest.raises(KeyboardInterrupt), VideoWriter(target, W, H, 30, codec, 18) as writer:
        for k in range(3):
            writer.write(indexed_frame(k))
        process = writer.process
        raise KeyboardInterrupt
    assert process.returncode is not None  # ffmpeg is gone, not finishing in the background
    assert listing(tmp_path) == []


def test_interrupt_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"an older render")
    with (
        pytest.raises(KeyboardInterrupt),
        VideoWriter(target, W, H, 30, "h264", 18, force=True) as w,
    ):
        w.write(indexed_frame(0))
        raise KeyboardInterrupt
    assert target.read_bytes() == b"an older render"
    assert listing(tmp_path) == ["out.mp4"]


def test_abort_from_another_thread_unblocks_a_stuck_write(tmp_path):
    # The frame loop writes from its own thread; Ctrl-C lands in the main thread, which must
    # be able to stop a write blocked on a full pipe. A stopped ffmpeg fills the pipe.
    width, height = 640, 480
    target = tmp_path / "out.mp4"
    writer = VideoWriter(target, width, height, 30, "h264", 18)
    os.kill(writer.process.pid, signal.SIGSTOP)
    frame = np.zeros((height, width, 3), np.uint8)
    outcome: list[BaseException] = []

    def loop() -> None:
        try:
            for _ in range(100):  # 92 MB: far more than any pipe holds
                writer.write(frame)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    # Should abort() itself hang (the bug this test looks for), free everything in time.
    rescued = threading.Event()

    def rescue() -> None:
        rescued.set()
        writer.process.kill()

    watchdog = threading.Timer(20, rescue)
    watchdog.start()
    try:
        thread.join(0.5)
        assert thread.is_alive(), "the writes should be blocked on the stopped ffmpeg"
        writer.abort()
        thread.join(10)
        assert not thread.is_alive(), "abort() did not unblock write()"
    finally:
        watchdog.cancel()
        # Whatever went wrong above, never leave a stopped ffmpeg holding the test run.
        if writer.process.poll() is None:
            writer.process.kill()
            writer.process.wait()
    assert not rescued.is_set(), "abort() hung until the watchdog killed ffmpeg"
    assert len(outcome) == 1 and isinstance(outcome[0], RenderError)
    assert listing(tmp_path) == []


# ----------------------------------------------------------------------------- failures


def test_ffmpeg_killed_mid_stream_fails_cleanly(tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(RenderError) as caught, VideoWriter(target, W, H, 30, "h264", 18) as w:
        for k in range(3):
            w.write(indexed_frame(k))
        w.process.kill()
        w.process.wait()
        for k in range(3, N):
            w.write(indexed_frame(k))
    message = str(caught.value)
    assert "\n" not in message
    assert "ffmpeg" in message and "SIGKILL" in message
    assert listing(tmp_path) == []


def test_ffmpeg_killed_before_close_fails_cleanly(tmp_path):
    target = tmp_path / "out.mp4"
    writer = VideoWriter(target, W, H, 30, "h264", 18)
    writer.write(indexed_frame(0))
    writer.process.kill()
    with pytest.raises(RenderError, match="SIGKILL"):
        writer.close()
    assert listing(tmp_path) == []


def test_ffmpeg_error_line_reaches_the_message(tmp_path, monkeypatch):
    # A filter ffmpeg does not know makes it exit at start-up with a specific complaint.
    monkeypatch.setattr(VideoWriter, "_filters", lambda self: "nosuchfilter")
    target = tmp_path / "out.mp4"
    with pytest.raises(RenderError) as caught, VideoWriter(target, W, H, 30, "h264", 18) as w:
        for k in range(N):
            w.write(indexed_frame(k))
    message = str(caught.value)
    assert "nosuchfilter" in message and "\n" not in message
    assert listing(tmp_path) == []


def test_wrong_frames_are_refused_and_the_writer_goes_on(tmp_path):
    target = tmp_path / "out.mp4"
    with VideoWriter(target, W, H, 30, "h264", 18) as writer:
        writer.write(indexed_frame(0))
        bad = [
            np.zeros((H, W + 2, 3), np.uint8),  # wrong width
            np.zeros((H, W, 4), np.uint8),  # RGBA given to an rgb24 writer
            np.zeros((H, W, 3), np.float32),  # not 8-bit
            bytes(W * H * 3 - 1),  # one byte short
        ]
        for frame in bad:
            with pytest.raises(ValueError):
                writer.write(frame)
        writer.write(indexed_frame(1).tobytes())
        writer.write(np.asfortranarray(indexed_frame(2)))  # non-contiguous layout is fine
    frames = video_probe.decode_frames(target, W, H)
    assert [read_index(f) for f in frames] == [0, 1, 2]


def test_write_after_close_is_an_error(tmp_path):
    writer = VideoWriter(tmp_path / "out.mp4", W, H, 30, "h264", 18)
    writer.write(indexed_frame(0))
    writer.close()
    writer.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        writer.write(indexed_frame(1))


def test_missing_output_folder_is_named(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(OrbitlapseError, match="does not exist") as caught:
        VideoWriter(folder / "out.mp4", W, H, 30, "h264", 18)
    assert str(folder) in str(caught.value)
    assert caught.value.exit_status == 2  # known before anything is drawn


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 63}, "even width"),
        ({"codec": "prores"}, r"\.mov"),  # prores in .mp4
        ({"codec": "png"}, "folder"),  # png frames into a .mp4 name
        ({"codec": "vp9"}, "unknown codec"),
        ({"crf": 99}, "crf 99"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_written(tmp_path, kwargs, match):
    args = {"width": W, "height": H, "fps": 30, "codec": "h264", "crf": 18} | kwargs
    with pytest.raises(RenderError, match=match):
        VideoWriter(tmp_path / "out.mp4", **args)
    assert listing(tmp_path) == []


def test_missing_ffmpeg_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    import imageio_ffmpeg

    def no_ffmpeg() -> str:
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", no_ffmpeg)
    with pytest.raises(RenderError, match="no ffmpeg found"):
        ffmpeg.ffmpeg_exe()
    with pytest.raises(RenderError):
        VideoWriter(tmp_path / "frames", W, H, 30, "png", 18)
    assert listing(tmp_path) == []


# ----------------------------------------------------------------------------- small parts


def test_frame_rates_are_exact_fractions():
    assert ffmpeg.frame_rate(30) == 30
    assert ffmpeg.frame_rate(10) == 10
    assert ffmpeg.frame_rate(12.5) == Fraction(25, 2)
    assert ffmpeg.frame_rate(29.97) == Fraction(30000, 1001)
    assert ffmpeg.frame_rate(23.976) == Fraction(24000, 1001)
    assert ffmpeg.frame_rate(59.94) == Fraction(60000, 1001)
    assert ffmpeg.frame_rate(30000 / 1001) == Fraction(30000, 1001)
    with pytest.raises(RenderError):
        ffmpeg.frame_rate(0)


def test_encoders_are_listed_and_probed():
    listed = ffmpeg.available_encoders()
    assert set(listed) == set(codecs.ENCODERS)
    for name in ("libx264", "libx265", "libsvtav1", "prores_ks", "png"):
        assert listed[name], name
    assert ffmpeg.probe_encoder("libx264", W, H)
    assert not ffmpeg.probe_encoder("no_such_encoder", W, H)


def test_ffmpeg_error_lines_are_made_readable():
    stderr = (
        "[vost#0:0/libx264 @ 0x55d2c0a3b200] width not divisible by 2 (65x48)\n"
        "[vost#0:0/libx264 @ 0x55d2c0a3b200] [enc:libx264 @ 0x55d2c0a3b900] Error while "
        "opening encoder - maybe incorrect parameters such as bit_rate, rate, width or height.\n"
        "[vf#0:0 @ 0x55d2c0a3b100] Error sending frames to consumers: Invalid argument\n"
        "[vf#0:0 @ 0x55d2c0a3b100] Task finished with error code: -22 (Invalid argument)\n"
        "[vost#0:0/libx264 @ 0x55d2c0a3b200] [enc:libx264 @ 0x55d2c0a3b900] Could not open "
        "encoder before EOF\n"
        "[out#0/mp4 @ 0x558b05e2b140] Nothing was written into output file, because at least "
        "one of its streams received no packets.\n"
        "Conversion failed!\n"
    )
    assert ffmpeg.last_meaningful_line(stderr) == "libx264: width not divisible by 2 (65x48)"
    assert ffmpeg.last_meaningful_line("") == ""
    stderr = (
        "[AVFilterGraph @ 0x556625f59440] No such filter: 'nosuchfilter'\n"
        "Error opening output file o.mp4.\n"
        "Error opening output files: Filter not found\n"
    )
    assert ffmpeg.last_meaningful_line(stderr) == "AVFilterGraph: No such filter: 'nosuchfilter'"
    assert ffmpeg.last_meaningful_line("Conversion failed!\n") == "Conversion failed!"


def test_a_video_without_frames_is_not_published(tmp_path):
    with (
        pytest.raises(RenderError, match="no frames"),
        VideoWriter(tmp_path / "out.mp4", W, H, 30, "h264", 18),
    ):
        pass
    assert listing(tmp_path) == []


def test_encoder_choice_is_decided_by_trying(monkeypatch):
    # NVENC is in this ffmpeg's list, but on a machine without an NVIDIA GPU its trial
    # encode fails, and the software encoder is used; forcing software skips the trial.

    monkeypatch.setattr(ffmpeg, "probe_encoder", lambda name, w, h: name == "h264_nvenc")
    monkeypatch.setattr(ffmpeg, "available_encoders", lambda: {"h264_nvenc": True})
    assert ffmpeg.choose_encoder("h264", 64, 48) == "h264_nvenc"
    assert ffmpeg.choose_encoder("h265", 64, 48) == "libx265"  # hevc_nvenc not listed
    monkeypatch.setenv("ORBITLAPSE_ENCODER", "software")
    assert ffmpeg.choose_encoder("h264", 64, 48) == "libx264"
    monkeypatch.delenv("ORBITLAPSE_ENCODER")
    monkeypatch.setattr(ffmpeg, "probe_encoder", lambda name, w, h: False)
    assert ffmpeg.choose_encoder("h264", 64, 48) == "libx264"


def _x264_options(path: Path) -> str:
    """The option string x264 writes into its stream (an SEI message)."""
    data = path.read_bytes()
    start = data.index(b"options: ")
    return data[start : data.index(b"\x00", start)].decode("ascii", "replace")


def test_preset_reaches_the_encoder(tmp_path):
    # x264 records its settings in the stream: ultrafast turns CABAC and the
    # deblocking filter off, veryfast (the default preset) keeps them, with 1 reference
    # frame; slower uses more.
    written = {}
    for preset in ("ultrafast", "", "slower"):
        path = tmp_path / f"p{preset or 'default'}.mp4"
        write_clip(path, "h264", preset=preset)
        written[preset] = _x264_options(path)
    assert "cabac=0" in written["ultrafast"] and "deblock=0" in written["ultrafast"]
    assert "cabac=1" in written[""] and " ref=1 " in written[""]
    assert " subme=2 " in written[""]  # veryfast's subpixel refinement
    assert " ref=8 " in written["slower"]


def test_writer_refuses_a_preset_its_codec_does_not_have(tmp_path):
    for codec, preset, name in [("h264", "8", "a.mp4"), ("prores", "fast", "a.mov")]:
        with pytest.raises(RenderError, match="presets"):
            VideoWriter(tmp_path / name, W, H, 30, codec, 18, preset=preset)
    assert listing(tmp_path) == []


def test_nvenc_preset_follows_the_scenes_preset():
    assert codecs.nvenc_preset("h264", "") == codecs.NVENC_DEFAULT_PRESET
    assert codecs.nvenc_preset("h264", "ultrafast") == "p1"
    assert codecs.nvenc_preset("h265", "medium") == "p5"
    assert codecs.nvenc_preset("h264", "placebo") == "p7"
    assert codecs.nvenc_preset("av1", "13") == "p1" and codecs.nvenc_preset("av1", "0") == "p7"


def test_asking_for_nvenc_where_it_cannot_run_is_refused():
    # ProRes has no NVENC encoder anywhere; h264_nvenc only where an NVIDIA encoder runs.
    with pytest.raises(RenderError, match="NVENC has no prores encoder"):
        ffmpeg.choose_encoder("prores", W, H, "nvenc")
    assert ffmpeg.choose_encoder("h264", W, H, "software") == "libx264"
    reason = ffmpeg.nvenc_refusal("h264", W, H)
    if reason is None:
        assert ffmpeg.choose_encoder("h264", W, H, "nvenc") == "h264_nvenc"
    else:
        with pytest.raises(RenderError, match="--encoder nvenc"):
            ffmpeg.choose_encoder("h264", W, H, "nvenc")
