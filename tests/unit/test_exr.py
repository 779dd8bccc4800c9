"""The OpenEXR writer against independent readers: the OpenEXR library (exact half
floats, the header) and ffmpeg's decoder (which clips to 0..1)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from renderer.output.exr import HALF_MAX, LINES_PER_BLOCK, encode_exr, exr_size
from renderer.output.ffmpeg import ffmpeg_exe


def _ffmpeg_rgb(path, height: int, width: int) -> np.ndarray:
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "rawvideo", "-pix_fmt", "gbrpf32le", "-"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    g, b, r = np.frombuffer(done.stdout, dtype="<f4").reshape(3, height, width)
    return np.stack([r, g, b], axis=-1)


@pytest.mark.parametrize("height", [1, LINES_PER_BLOCK, 2 * LINES_PER_BLOCK + 5])
def test_half_floats_read_back_exactly(tmp_path, height):
    rng = np.random.default_rng(height)
    width = 37
    rgb = rng.standard_normal((height, width, 3)) * 10.0 ** rng.integers(-4, 4, (height, 1, 1))
    rgb = rgb.astype(np.float32)
    rgb[0, 0] = (np.nan, 1e9, -1e9)  # NaN to 0, beyond the half range to its limit
    if height > 1:
        rgb[-1] = 0.25  # a flat row: compresses, where noise does not
    path = tmp_path / "x.exr"
    path.write_bytes(encode_exr(rgb, white_luminance=2.5))
    expected = np.clip(np.nan_to_num(rgb, nan=0.0), -HALF_MAX, HALF_MAX).astype(np.float16)
    assert exr_size(path) == (width, height)
    # ffmpeg decodes the same picture, clipped to 0..1 and converted through integers.
    decoded = _ffmpeg_rgb(path, height, width)
    assert np.abs(decoded - np.clip(expected.astype(np.float32), 0, 1)).max() < 1e-3
    OpenEXR = pytest.importorskip("OpenEXR")  # the test extra installs it: exact values
    with OpenEXR.File(str(path)) as f:
        header = dict(f.header())  # the file's dict is emptied when it closes
        pixels = np.array(f.channels()["RGB"].pixels)
    assert np.array_equal(pixels, expected)
    assert header["whiteLuminance"] == pytest.approx(2.5)
    assert header["compression"] == OpenEXR.ZIP_COMPRESSION
