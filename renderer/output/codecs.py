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
