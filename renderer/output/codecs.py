"""The codec table: what each scene codec is, which encoder writes it, what it muxes into.

A leaf module: the scene validator and the writer both read it, and it imports nothing
from orbitlapse.
"""

from __future__ import annotations

from fractions import Fraction

#: Scene codec name -> the ffmpeg encoder that writes it.
CODECS: dict[str, str] = {
    "h264": "libx264",
    "h265": "libx265",
    "av1": "libsvtav1",
    "prores": "prores_ks",
    "png": "png",
}

#: The encoders ``available_encoders`` reports on (NVENC ones are listed by the binary but
#: work only with an NVIDIA GPU and driver; ``probe_encoder`` tells).
ENCODERS: tuple[str, ...] = (
    "libx264",
    "libx265",
    "libsvtav1",
    "prores_ks",
    "png",
    "h264_nvenc",
    "hevc_nvenc",
    "av1_nvenc",
)

#: Raw frame layouts ``VideoWriter`` accepts: bytes per pixel (as a fraction: 4:2:0 is 1.5).
#: The YUV ones are taken to be BT.709, limited range, as the post pass would produce them.
PIXEL_FORMATS: dict[str, Fraction] = {
    "rgb24": Fraction(3),
    "rgba": Fraction(4),
    "yuv420p": Fraction(3, 2),
    "yuv444p": Fraction(3),
}

# Container by file extension; -f is passed explicitly so the temporary name cannot confuse
# ffmpeg's guess.
MUXERS: dict[str, str] = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
}
#: Each codec and the file suffixes ffmpeg can mux it into (the scene validator uses
#: these too).  ``png`` writes numbered frames into a folder, so it has no suffix.
CONTAINERS: dict[str, tuple[str, ...]] = {
    "h264": (".mp4", ".m4v", ".mov", ".mkv"),
    "h265": (".mp4", ".m4v", ".mov", ".mkv"),
    # The mov muxer refuses AV1 ("only supported in MP4 and AVIF").
    "av1": (".mp4", ".m4v", ".mkv", ".webm"),
    # The mp4 muxer has no tag for ProRes; QuickTime is its home.
    "prores": (".mov", ".mkv"),
    "png": (),
}
#: Codecs written as yuv420p: their half-resolution chroma planes need even sizes.
EVEN_SIZE_CODECS: frozenset[str] = frozenset({"h264", "h265", "av1"})
#: crf ranges of the lossy encoders (libx264/libx265: 0..51, SVT-AV1: 0..63); ProRes and
#: PNG have none.
CRF_RANGES: dict[str, tuple[int, int]] = {"h264": (0, 51), "h265": (0, 51), "av1": (0, 63)}

PNG_PATTERN = "frame_%06d.png"

# ---------------------------------------------------------------------------
# Frame-sequence codecs: a folder of numbered frames, one file each, named like the PNG
# frames (``frame_000123.png``, ``frame_000123.exr``) so that ranges slot together.
# ---------------------------------------------------------------------------

#: The name under which the EXR frames' own writer (``renderer/output/exr.py``) stands in
#: the codec table: ffmpeg does not write them.
EXR_WRITER = "orbitlapse-exr"

#: Each frame-sequence codec and the suffix of its frame files.
#: ``png16``: 16-bit PNG in the display encoding (the 8-bit frames' values, before their
#: dither, at 16 bits); ``exr``: OpenEXR half-float, linear (after the exposure, before the
#: display rendering; docs/scenes.md, "Compositing and grading").
FRAME_CODECS: dict[str, str] = {"png": ".png", "png16": ".png", "exr": ".exr"}

CODECS.update({"png16": "png", "exr": EXR_WRITER})
CONTAINERS.update({"png16": (), "exr": ()})
#: 16-bit RGB, little-endian: the png16 frames as read back from the GPU.
PIXEL_FORMATS.update({"rgb48le": Fraction(6)})


def writes_folder(codec: str) -> bool:
    """Whether ``codec`` writes a folder of numbered frames rather than one video file."""
    return codec in FRAME_CODECS


def frame_file_name(codec: str, number: int) -> str:
    """The file name of frame ``number`` in a frame-sequence codec's folder."""
    return f"frame_{number:06d}{FRAME_CODECS[codec]}"


# ---------------------------------------------------------------------------
# Encoder presets: the encoder's speed against its compression, ``[output] preset``
# ---------------------------------------------------------------------------

#: libx264's and libx265's preset names, fastest first.
X26X_PRESETS: tuple[str, ...] = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
#: SVT-AV1's presets: 0 (slowest, smallest files) to 13 (fastest).
SVT_AV1_PRESETS: tuple[str, ...] = tuple(str(n) for n in range(14))
#: The presets each codec takes; ProRes (prores_ks) and PNG have none: ProRes's size and
#: quality are its profile's (422 HQ), and its encoder has no speed setting.
PRESETS: dict[str, tuple[str, ...]] = {
    "h264": X26X_PRESETS,
    "h265": X26X_PRESETS,
    "av1": SVT_AV1_PRESETS,
}
#: The preset used when a scene names none, measured on 30 frames of the flagship at
#: 1080p, crf 18 (CPU per frame, size per frame; README, "Encoder presets"):
#: x264 medium 337 ms and 276 kB, veryfast 91 ms and 241 kB (superfast 62 ms but 436 kB):
#: veryfast spends a quarter of medium's CPU for no larger files on this noisy night
#: footage, so a fast renderer is not held back by the encoder.  x265 medium 773 ms, 157
#: kB; veryfast 436 ms, 136 kB.  SVT-AV1 8 (139 ms, 118 kB): from 10 on it warns of
#: artifacts.
DEFAULT_PRESETS: dict[str, str] = {"h264": "veryfast", "h265": "veryfast", "av1": "8"}
#: ``--encoder``: NVENC where it runs else software (auto), software only, or NVENC or
#: refuse.
ENCODER_CHOICES: tuple[str, ...] = ("auto", "software", "nvenc")
#: NVENC's presets p1 (fastest) to p7 (best), and the one used when a scene names none.
NVENC_DEFAULT_PRESET = "p5"


def encoder_preset(codec: str, preset: str) -> str | None:
    """The software encoder's preset for a scene's ``codec`` and ``preset`` ("" for the
    codec's default); None for codecs that have none."""
    if codec not in PRESETS:
        return None
    return preset or DEFAULT_PRESETS[codec]


_NVENC_RANK = dict(zip(X26X_PRESETS, (1, 1, 2, 3, 4, 5, 6, 7, 7, 7), strict=True))


def nvenc_preset(codec: str, preset: str) -> str:
    """NVENC's p1..p7 nearest a scene's preset: the x264/x265 names by their place in the
    list (ultrafast p1 ... medium p5 ... slower and beyond p7), SVT-AV1's 13..0 spread
    over p1..p7; the scene's default (no preset named) is NVENC_DEFAULT_PRESET."""
    if not preset:
        return NVENC_DEFAULT_PRESET
    if preset in X26X_PRESETS:
        return f"p{_NVENC_RANK[preset]}"
    return f"p{min(max(7 - round(int(preset) * 6 / 13), 1), 7)}"
