"""Drafts from any point and compositing output, through the command line: ``--start``,
``--draft``, ``--codec``, ``--crf``, the still's default name, 16-bit PNG and EXR frames.

The deep frames are checked against the 8-bit frames of the same scene, read back by
readers that are not orbitlapse's: ffmpeg's PNG decoder and the OpenEXR library (or,
without it, ffmpeg's EXR decoder).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renderer.frame_state import View
from renderer.output.ffmpeg import ffmpeg_exe
from renderer.output.frames import frame_states
from renderer.physics.camera import CAMERA_BLACK_POINT, CAMERA_S_CURVE
from renderer.scene import load_scene, with_overrides
from tests.cli.conftest import SCENES, run
from tests.farm.test_chunks import tiny_scene
from tests.video_probe import decode_frames, probe_video


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {proc.stderr!r}"
    return lines[0]


def frame_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def read_pngs(folder: Path) -> np.ndarray:
    """A folder's 8-bit PNG frames in their numbers' order, (N, H, W, 3)."""
    return np.stack(
        [np.asarray(Image.open(folder / n).convert("RGB")) for n in frame_names(folder)]
    )


# ---------------------------------------------------------------------------
# --start, --draft, --codec, --crf, still's name
# ---------------------------------------------------------------------------


def test_start_renders_that_range_with_its_frame_numbers(tmp_path):
    scene = tiny_scene(tmp_path)  # png, 20 frames at 10 fps, noise seeded per frame
    whole = run("render", str(scene), "-o", str(tmp_path / "whole"), "--quiet")
    assert whole.returncode == 0, whole.stderr
    part = run("render", str(scene), "--start", "0.7", "--duration", "0.5",
               "-o", str(tmp_path / "part"))  # fmt: skip
    assert part.returncode == 0, part.stderr
    assert "(7:12)" in part.stderr
    assert frame_names(tmp_path / "part") == [f"frame_{k:06d}.png" for k in range(7, 12)]
    reference = decode_frames(tmp_path / "whole")
    assert np.array_equal(read_pngs(tmp_path / "part"), reference[7:12])
    # Without --duration: to the end; as a video, a video of just that range.
    video = tiny_scene(tmp_path, codec="h264", name="v")
    tail = run("render", str(video), "--start", "1.2", "-o", str(tmp_path / "tail.mp4"), "--quiet")
    assert tail.returncode == 0, tail.stderr
    assert probe_video(tmp_path / "tail.mp4")["frames"] == 8


def test_start_past_the_end_with_duration_lengthens_the_video(tmp_path):
    scene = tiny_scene(tmp_path)
    done = run("render", str(scene), "--start", "1.9", "--duration", "0.3",
               "-o", str(tmp_path / "past"), "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert frame_names(tmp_path / "past") == [f"frame_{k:06d}.png" for k in (19, 20, 21)]


def test_chunks_lie_on_one_grid_so_ranges_and_whole_renders_share_them(tmp_path):
    scene = tiny_scene(tmp_path)
    out = str(tmp_path / "r")
    # Frames 5 to 11 in chunks cut at the multiples of 4: 5:8 and 8:12.
    args = ["render", str(scene), "--start", "0.5", "--duration", "0.7", "-o", out,
            "--chunk-frames", "4", "--keep-chunks"]  # fmt: skip
    first = run(*args)
    assert first.returncode == 0, first.stderr
    again = run(*args, "--force")
    assert again.returncode == 0, again.stderr
    assert "reusing 2 of 2 chunks" in again.stderr
    assert frame_names(tmp_path / "r") == [f"frame_{k:06d}.png" for k in range(5, 12)]
    # The whole video to the same name: 0:4, 4:8, 8:12, 12:16, 16:20, and 8:12 is there.
    whole = run("render", str(scene), "-o", out, "--chunk-frames", "4", "--force")
    assert whole.returncode == 0, whole.stderr
    assert "reusing 1 of 5 chunks" in whole.stderr
    fresh = run("render", str(scene), "-o", str(tmp_path / "fresh"), "--quiet")
    assert fresh.returncode == 0, fresh.stderr
    assert np.array_equal(read_pngs(tmp_path / "r"), read_pngs(tmp_path / "fresh"))


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--start", "2.5"], "--start"),
        (["--start", "-1"], "--start"),
        (["--start", "0.5", "--duration", "0"], "--duration"),
        (["--start", "0.5", "--frames", "0:3"], "--start"),
        (["--crf", "52"], "--crf"),
        (["--codec", "av1", "--crf", "64"], "--crf"),
        (["--codec", "h266"], "--codec"),
        (["--codec", "exr", "-o", "x.mp4"], "-o"),
    ],
)
def test_bad_flags_are_one_line_exit_2_and_write_nothing(tmp_path, args, names):
    scene = tiny_scene(tmp_path, codec="h264")
    before = sorted(tmp_path.iterdir())
    proc = run("render", str(scene), *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert names in one_error_line(proc)
    assert sorted(tmp_path.iterdir()) == before


def test_draft_is_half_size_with_the_same_framing_beside_the_full_render(tmp_path):
    scene = tiny_scene(tmp_path, extra="")  # no noise: the two differ only in size
    full = run("render", str(scene), "--quiet", "--frames", "0:2", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    draft = run("render", str(scene), "--draft", "--frames", "0:2", cwd=tmp_path)
    assert draft.returncode == 0, draft.stderr
    assert "(draft)" in draft.stderr
    big = decode_frames(tmp_path / "s").astype(np.float64)
    small = decode_frames(tmp_path / "s-draft").astype(np.float64)
    assert big.shape == (2, 36, 64, 3) and small.shape == (2, 18, 32, 3)
    # The full frame averaged over 2x2 blocks is the draft's picture: the same framing.
    binned = big.reshape(2, 18, 2, 32, 2, 3).mean(axis=(2, 4))
    same = np.abs(binned - small).mean()
    shifted = np.abs(binned[:, 2:] - small[:, :-2]).mean()  # two draft pixels off
    assert small.mean() > 20  # not black
    assert same < 6 and same < 0.5 * shifted, (same, shifted)


def test_codec_and_crf_override_the_scene(tmp_path):
    scene = tiny_scene(tmp_path, codec="h264")
    h265 = run("render", str(scene), "--codec", "h265", "--crf", "40", "--frames", "0:3",
               "--quiet", cwd=tmp_path)  # fmt: skip
    assert h265.returncode == 0, h265.stderr
    assert probe_video(tmp_path / "s.mp4")["codec"] == "hevc"
    # A frame-sequence codec without -o: the scene's name as a folder.
    png = run("render", str(scene), "--codec", "png", "--frames", "0:2", "--quiet", cwd=tmp_path)
    assert png.returncode == 0, png.stderr
    assert frame_names(tmp_path / "s") == ["frame_000000.png", "frame_000001.png"]
    # crf decides the bytes: a lower crf makes a larger file.
    size = {}
    for crf in ("5", "45"):
        out = tmp_path / f"crf{crf}.mp4"
        done = run("render", str(scene), "--crf", crf, "--frames", "0:3", "-o", str(out), "--quiet")
        assert done.returncode == 0, done.stderr
        size[crf] = out.stat().st_size
    assert size["5"] > 1.5 * size["45"], size


def test_still_without_o_is_named_after_the_scene_and_time(tmp_path):
    scene = tiny_scene(tmp_path)
    at = run("still", str(scene), "--at", "0.5", "--width", "40", "--height", "24",
             "--quiet", cwd=tmp_path)  # fmt: skip
    assert at.returncode == 0, at.stderr
    assert (tmp_path / "s-t0.5.png").is_file()
    # --utc: the name gives the same instant in seconds of video (speed 10: 12 s is 1.2 s).
    utc = run("still", str(scene), "--utc", "2018-11-16T10:00:12Z", "--width", "40",
              "--height", "24", "--quiet", cwd=tmp_path)  # fmt: skip
    assert utc.returncode == 0, utc.stderr
    assert (tmp_path / "s-t1.2.png").is_file()
    again = run("still", str(scene), "--at", "0.5", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in one_error_line(again)


# ---------------------------------------------------------------------------
# The flagship from 20 s: the launch
# ---------------------------------------------------------------------------


def test_flagship_from_20_s_shows_the_rocket(tmp_path):
    out = tmp_path / "launch"
    width, height, fps = 320, 180, 10
    proc = run("render", str(SCENES / "progress-ms10.toml"), "--start", "20", "--duration", "3",
               "--width", str(width), "--height", str(height), "--fps", str(fps),
               "--codec", "png", "-o", str(out), "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    frames = read_pngs(out)
    assert frame_names(out)[0] == "frame_000200.png" and frames.shape[0] == 30
    scene = with_overrides(load_scene(SCENES / "progress-ms10.toml"), width=width,
                           height=height, fps=fps, duration_s=23)  # fmt: skip
    view = View(width, height, scene.camera.fov_deg)
    for i, states in enumerate(frame_states(scene, range(200, 230))):
        st = states[len(states) // 2]
        rel = st.vehicles_km[0] - st.camera_pos_km
        x, y = view.project(rel, st.camera_right, st.camera_up, st.camera_forward)
        assert 6 <= x < width - 6 and 6 <= y < height - 6, (i, x, y)
        img = frames[i].astype(np.float64).max(axis=2)
        px, py = int(x), int(y)
        spot = img[py - 1 : py + 2, px - 1 : px + 2].max()
        box = img[py - 6 : py + 7, px - 6 : px + 7]
        ring = np.concatenate([box[0], box[-1], box[1:-1, 0], box[1:-1, -1]])
        # The rocket: a bright dot where the ascent puts it, well above its surroundings.
        assert spot >= 200 and spot >= np.median(ring) + 80, (i, spot, np.median(ring))


# ---------------------------------------------------------------------------
# png16 and exr against the 8-bit frames
# ---------------------------------------------------------------------------


def _ffmpeg_raw(path: Path, pix_fmt: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return np.frombuffer(done.stdout, dtype=dtype).reshape(shape)


def read_exr(path: Path, height: int, width: int) -> tuple[np.ndarray, float | None]:
    """RGB float32 (H, W, 3) and the header's whiteLuminance, by the OpenEXR library when
    it is installed, else by ffmpeg's decoder (planes G, B, R; no header)."""
    try:
        import OpenEXR
    except ImportError:
        planes = _ffmpeg_raw(path, "gbrpf32le", "<f4", (3, height, width))
        return np.stack([planes[2], planes[0], planes[1]], axis=-1), None
    with OpenEXR.File(str(path)) as f:
        white = float(f.header()["whiteLuminance"])
        return np.asarray(f.channels()["RGB"].pixels, dtype=np.float32), white


def camera_rendering(x: np.ndarray) -> np.ndarray:
    """The default display rendering as docs/physics.md states it: black point, sRGB
    encoding, mild S-curve; encoded values in [0, 1]."""
    b = CAMERA_BLACK_POINT
    c = np.clip((x - b) / (1 - b), 0.0, 1.0)
    v = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    smooth = v * v * (3 - 2 * v)
    return (1 - CAMERA_S_CURVE) * v + CAMERA_S_CURVE * smooth


def test_png16_is_the_8_bit_frames_at_16_bits(tmp_path):
    scene = tiny_scene(tmp_path)
    eight = run("render", str(scene), "--frames", "0:3", "-o", str(tmp_path / "p8"), "--quiet")
    assert eight.returncode == 0, eight.stderr
    deep = run("render", str(scene), "--frames", "0:3", "--codec", "png16", "--chunk-frames",
               "2", "-o", str(tmp_path / "p16"), "--quiet")  # fmt: skip
    assert deep.returncode == 0, deep.stderr
    assert frame_names(tmp_path / "p16") == [f"frame_{k:06d}.png" for k in range(3)]
    for k in range(3):
        name = f"frame_{k:06d}.png"
        v16 = _ffmpeg_raw(tmp_path / "p16" / name, "rgb48le", "<u2", (36, 64, 3)).astype(float)
        v8 = _ffmpeg_raw(tmp_path / "p8" / name, "rgb24", "u1", (36, 64, 3)).astype(float)
        assert v8.mean() > 20  # not black
        # The 8-bit code is the 16-bit value rounded to 8 bits, give or take its dither.
        assert np.abs(v8 - np.round(v16 / 257)).max() <= 1
        # And the 16 bits are real: most values fall between two 8-bit codes.
        lit = v16 > 0
        assert (v16[lit] % 257 != 0).mean() > 0.9


def test_exr_frames_hold_the_linear_values_the_8_bit_frames_encode(tmp_path):
    scene = tiny_scene(tmp_path)  # EV100 15, sensor noise on (in both)
    eight = run("render", str(scene), "--frames", "0:3", "-o", str(tmp_path / "p8"), "--quiet")
    assert eight.returncode == 0, eight.stderr
    exr = run("render", str(scene), "--frames", "0:3", "--codec", "exr", "--chunk-frames", "2",
              "-o", str(tmp_path / "lin"), "--quiet")  # fmt: skip
    assert exr.returncode == 0, exr.stderr
    assert frame_names(tmp_path / "lin") == [f"frame_{k:06d}.exr" for k in range(3)]
    for k in range(3):
        x, white = read_exr(tmp_path / "lin" / f"frame_{k:06d}.exr", 36, 64)
        v8 = _ffmpeg_raw(tmp_path / "p8" / f"frame_{k:06d}.png", "rgb24", "u1", (36, 64, 3))
        if white is not None:
            # 1.0 is the sensor's saturation: L_sat = 1.2 * 2^EV100 cd/m^2 (ISO 12232).
            assert white == pytest.approx(1.2 * 2**15, rel=1e-6)
        # Linear, 1 = saturation: the sunlit ground (the lower half) is some tens of %.
        assert 0.05 < float(np.median(x[18:])) < 0.8
        expected = 255.0 * camera_rendering(x.astype(np.float64))
        error = v8.astype(np.float64) - expected
        # Rounding plus a triangular dither of +-1 code: never 1.5 codes off, unbiased.
        assert np.abs(error).max() < 1.5 + 0.02, np.abs(error).max()
        assert abs(error.mean()) < 0.1
