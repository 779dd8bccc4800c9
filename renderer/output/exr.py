"""OpenEXR frames: linear half-float RGB, one scanline file per frame, and their sequence.

The file layout is OpenEXR's single-part scanline image (version 2): the magic number,
the version field, a header of named, typed attributes ended by a NUL, a table of the
file offsets of the pixel blocks, then the blocks.  A block holds ``LINES_PER_BLOCK``
scanlines; each scanline holds every channel in the header's (alphabetical) order, B, G,
R, as little-endian half floats, left to right.  Blocks are ZIP-compressed as OpenEXR
defines it (bytes split into even and odd halves, then a running difference, then
zlib); a block that would not shrink is stored as it is, as readers expect.

Values: the frame's linear exposure, 1.0 = the sensor's saturation; the header's
``whiteLuminance`` says how many cd/m^2 that is, and ``chromaticities`` that the
primaries are sRGB's (docs/scenes.md, "Compositing and grading").

``ExrSequence`` writes such frames into a private work folder and publishes the folder
the way the video writer publishes a PNG folder (``renderer/output/files.py``).
"""

from __future__ import annotations

import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from renderer.errors import RenderError
from renderer.output.codecs import frame_file_name
from renderer.output.files import (
    WorkFolder,
    check_target,
    make_work_folder,
    publish_folder,
    remove_stale_work,
)

_MAGIC = 20000630
_VERSION = 2  # single-part scanline file, short names
_HALF = 1  # OpenEXR pixel type HALF
_ZIP = 3  # ZIP_COMPRESSION: 16 scanlines per block
LINES_PER_BLOCK = 16
#: The largest finite half float: brighter values (the Sun at a night exposure) clip here.
HALF_MAX = 65504.0
#: sRGB / BT.709 primaries and D65 white, CIE 1931 xy: the frames' colour space.
SRGB_CHROMATICITIES = (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290)
# Level 1: on the flagship's grainy frames 1.5 % larger than level 4 in 60 % of its time.
_ZLIB_LEVEL = 1
# zlib lets go of the interpreter while it compresses: blocks compress side by side.
_THREADS = max(1, min(8, os.cpu_count() or 1))
_CHANNELS = ("B", "G", "R")  # the header lists channels sorted by name


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value


def _header(width: int, height: int, white_luminance: float) -> bytes:
    channels = b"".join(
        c.encode() + b"\0" + struct.pack("<iB3xii", _HALF, 0, 1, 1) for c in _CHANNELS
    )
    window = struct.pack("<iiii", 0, 0, width - 1, height - 1)
    parts = [
        _attribute("channels", "chlist", channels + b"\0"),
        _attribute("chromaticities", "chromaticities", struct.pack("<8f", *SRGB_CHROMATICITIES)),
        _attribute("compression", "compression", bytes([_ZIP])),
        _attribute("dataWindow", "box2i", window),
        _attribute("displayWindow", "box2i", window),
        _attribute("lineOrder", "lineOrder", b"\0"),  # increasing y: top row first
        _attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
        _attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0.0, 0.0)),
        _attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
        _attribute("whiteLuminance", "float", struct.pack("<f", white_luminance)),
    ]
    return struct.pack("<ii", _MAGIC, _VERSION) + b"".join(parts) + b"\0"


def _zip_block(raw: bytes) -> bytes:
    """OpenEXR's ZIP: even bytes then odd bytes, a running difference (+128), zlib."""
    data = np.frombuffer(raw, dtype=np.uint8)
    split = np.concatenate((data[0::2], data[1::2]))
    delta = split.copy()
    delta[1:] = split[1:] - split[:-1] + 128  # uint8 arithmetic wraps modulo 256
    packed = zlib.compress(delta.tobytes(), _ZLIB_LEVEL)
    return packed if len(packed) < len(raw) else raw


def encode_exr(rgb: NDArray[np.floating], white_luminance: float) -> bytes:
    """An OpenEXR file of ``rgb`` ((H, W, 3) linear values, top row first) as half floats.

    NaN becomes 0 and values beyond the half float's range clip to +-``HALF_MAX``.
    ``white_luminance`` is the luminance (cd/m^2) of the value 1.0.
    """
    height, width, depth = rgb.shape
    if depth != 3 or width <= 0 or height <= 0:
        raise ValueError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    clean = np.clip(np.nan_to_num(np.asarray(rgb, dtype=np.float32), nan=0.0), -HALF_MAX, HALF_MAX)
    # Per scanline: the B row, the G row, the R row.
    planar = np.ascontiguousarray(clean[:, :, ::-1].transpose(0, 2, 1)).astype("<f2")
    header = _header(width, height, white_luminance)
    starts = range(0, height, LINES_PER_BLOCK)
    raws = [planar[y : y + LINES_PER_BLOCK].tobytes() for y in starts]
    with ThreadPoolExecutor(_THREADS) as pool:
        payloads = list(pool.map(_zip_block, raws))
    blocks = [struct.pack("<ii", y, len(p)) + p for y, p in zip(starts, payloads, strict=True)]
    offsets = []
    at = len(header) + 8 * len(blocks)
    for block in blocks:
        offsets.append(at)
        at += len(block)
    return header + struct.pack(f"<{len(offsets)}Q", *offsets) + b"".join(blocks)


def exr_size(path: Path) -> tuple[int, int]:
    """Width and height from an OpenEXR file's ``dataWindow``; ValueError if it is not one."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if len(head) < 8 or struct.unpack_from("<i", head)[0] != _MAGIC:
        raise ValueError(f"{path}: not an OpenEXR file")
    at = 8
    while at < len(head) and head[at] != 0:
        name_end = head.index(b"\0", at)
        kind_end = head.index(b"\0", name_end + 1)
        (size,) = struct.unpack_from("<i", head, kind_end + 1)
        value_at = kind_end + 5
        if head[at:name_end] == b"dataWindow":
            x0, y0, x1, y1 = struct.unpack_from("<iiii", head, value_at)
            return x1 - x0 + 1, y1 - y0 + 1
        at = value_at + size
    raise ValueError(f"{path}: no dataWindow in the OpenEXR header")


class ExrSequence:
    """Writes linear float frames as ``frame_NNNNNN.exr`` into a folder, published whole.

    The same use as ``VideoWriter`` for a PNG folder: a context manager; leaving it
    normally publishes the folder (an existing one only with ``force`` and only if it
    holds nothing but orbitlapse's frames), leaving it with an exception removes what was
    written.  Frames are float32 RGB bytes (or arrays), top row first, numbered from
    ``start_number``.
    """

    def __init__(
        self,
        path: Path | str,
        width: int,
        height: int,
        *,
        white_luminance: float,
        force: bool = False,
        start_number: int = 0,
    ) -> None:
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.white_luminance = float(white_luminance)
        self.force = force
        self.start_number = int(start_number)
        self.frames_written = 0
        self.frame_bytes = self.width * self.height * 3 * 4
        self._open = False
        remove_stale_work(self.path.parent)
        check_target(self.path, folder=True, force=force)
        self._work: WorkFolder = make_work_folder(self.path)
        self.temp_path = self._work.frames_path()
        try:
            self.temp_path.mkdir()
        except OSError as exc:
            self._work.discard()
            raise RenderError(f"cannot create {self.temp_path}: {exc.strerror or exc}") from exc
        self._open = True

    def __enter__(self) -> ExrSequence:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: bytes | bytearray | memoryview | NDArray[np.float32]) -> None:
        """Write the next frame: float32 RGB, ``height`` x ``width``, top row first."""
        if not self._open:
            raise ValueError(f"write to a closed frame sequence ({self.path})")
        pixels = (
            np.frombuffer(frame, dtype=np.float32) if not isinstance(frame, np.ndarray) else frame
        )
        if pixels.size * 4 != self.frame_bytes:
            raise ValueError(
                f"frame has {pixels.size * 4} bytes, expected {self.frame_bytes} "
                f"({self.width}x{self.height} float32 RGB)"
            )
        data = encode_exr(pixels.reshape(self.height, self.width, 3), self.white_luminance)
        name = self.temp_path / frame_file_name("exr", self.start_number + self.frames_written)
        try:
            name.write_bytes(data)
        except OSError as exc:
            self.abort()
            raise RenderError(
                f"cannot write {self.path}: {(exc.strerror or str(exc)).lower()}"
            ) from None
        self.frames_written += 1

    def close(self) -> None:
        """Publish the folder; nothing written is an error."""
        if not self._open:
            return
        self._open = False
        try:
            if self.frames_written == 0:
                raise RenderError(f"{self.path}: no frames were written; nothing to save")
            publish_folder(self.temp_path, self.path, self._work.path, force=self.force)
        finally:
            self._work.discard()

    def abort(self) -> None:
        """Remove what was written and leave the target as it was."""
        if self._open:
            self._open = False
            self._work.discard()

    @property
    def closed(self) -> bool:
        """True once the folder is published or abandoned."""
        return not self._open
