"""Texture data decoded from image files, kept on disk between runs.

Decoding the Earth's maps (PNG and JPEG, converted to linear light or half floats)
takes seconds on a CPU, about as long as a few frames of a short draft: the arrays
handed to the texture uploads are kept as uncompressed ``.npz`` files in the same
cache folder as the atmosphere's tables (``cache_dir``), which load in a fraction of
that.  The key hashes the source files' bytes (the images, and the module whose
constants decode them) under a name that carries the decoding's version, so an
edited image or a changed decoding makes a new entry, which replaces the old.  Like the
atmosphere's, the cache is never needed for correctness: an unreadable, unwritable
or mismatched entry is ignored and the arrays are decoded again.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import moderngl
import numpy as np

from renderer.gl.atmosphere_tables import cache_dir, save_npz


def arrays_key(name: str, sources: Sequence[Path]) -> str:
    """Hash of a named decoding and the bytes of every file it depends on (the images
    and the modules whose code decodes them)."""
    h = hashlib.sha256(name.encode())
    for path in sources:
        data = Path(path).read_bytes()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:24]


def _load(path: Path) -> list[np.ndarray] | None:
    try:
        with np.load(path) as data:
            arrays = [data[f"a{i}"] for i in range(len(data.files))]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # absent, or cut short: decode again and the save replaces it
    return arrays or None


def _drop_older(name: str, keep: Path) -> None:
    """Remove this cache's other entries for ``name``'s tag (made from older images or
    by older versions of the decoding: a few hundred MB that would otherwise pile up)."""
    stem = name.rstrip("0123456789")  # the tag without its version: older versions go too
    for old in keep.parent.glob(f"{stem}*-*.npz"):
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def cached_arrays(
    name: str, sources: Sequence[Path], decode: Callable[[], Sequence[np.ndarray]]
) -> list[np.ndarray]:
    """``decode()``'s arrays, from the disk cache when an entry for ``name`` and the
    current bytes of ``sources`` is there, else decoded and stored (replacing the
    entries for ``name`` made from other bytes).  ``name`` is a letter-and-digit
    tag naming the decoding and its version."""
    path = cache_dir() / f"{name}-{arrays_key(name, sources)}.npz"
    arrays = _load(path)
    if arrays is None:
        arrays = [np.ascontiguousarray(a) for a in decode()]
        save_npz(path, {f"a{i}": a for i, a in enumerate(arrays)})
        if path.is_file():
            _drop_older(name, path)
    return arrays


# GL enums for defining mip levels directly (moderngl defines level 0 only; its
# build_mipmaps computes the rest on the renderer, about 0.1 s per large map on llvmpipe).
_GL_TEXTURE_2D = 0x0DE1
_GL_UNPACK_ALIGNMENT = 0x0CF5
_GL_TEXTURE_INTERNAL_FORMAT = 0x1003
_GL_FORMATS = {1: 0x1903, 2: 0x8227, 3: 0x1907, 4: 0x1908}  # RED, RG, RGB, RGBA
_GL_TYPES = {"f1": 0x1401, "f2": 0x140B, "f4": 0x1406}  # UNSIGNED_BYTE, HALF_FLOAT, FLOAT
_NP_TYPES = {"f1": np.uint8, "f2": np.float16, "f4": np.float32}


def level_count(width: int, height: int) -> int:
    """Mip levels of a full chain down to 1x1."""
    return max(width, height).bit_length()


def mip_levels(
    ctx: moderngl.Context,
    data: np.ndarray,
    dtype: str,
    internal_format: int | None = None,
) -> list[np.ndarray]:
    """``data``'s mip chain as this GL makes it (``build_mipmaps``), read back, level 0
    first: (H, W) or (H, W, C) arrays of ``dtype``'s element type."""
    h, w = data.shape[:2]
    channels = 1 if data.ndim == 2 else data.shape[2]
    tex = ctx.texture(
        (w, h), channels, np.ascontiguousarray(data), dtype=dtype, internal_format=internal_format
    )
    try:
        tex.build_mipmaps()
        levels = [np.ascontiguousarray(data)]
        for k in range(1, level_count(w, h)):
            lw, lh = max(w >> k, 1), max(h >> k, 1)
            raw = np.frombuffer(tex.read(level=k, alignment=1), _NP_TYPES[dtype])
            levels.append(raw.reshape((lh, lw) if data.ndim == 2 else (lh, lw, channels)))
    finally:
        tex.release()
    return levels


def texture_from_levels(
    ctx: moderngl.Context,
    levels: Sequence[np.ndarray],
    dtype: str,
    internal_format: int | None = None,
) -> moderngl.Texture:
    """A texture whose mip chain is ``levels`` (``mip_levels``' answer): level 0 through
    moderngl, the others defined directly (glTexImage2D), the bytes GL itself made."""
    first = levels[0]
    h, w = first.shape[:2]
    channels = 1 if first.ndim == 2 else first.shape[2]
    tex = ctx.texture(
        (w, h), channels, np.ascontiguousarray(first), dtype=dtype, internal_format=internal_format
    )
    loader = ctx.mglo._context  # the GL function loader moderngl itself uses
    void = ctypes.c_void_p
    tex_image = ctypes.CFUNCTYPE(
        None,
        *(ctypes.c_uint, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int),
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        void,
    )(loader.load("glTexImage2D"))
    pixel_store = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_int)(loader.load("glPixelStorei"))
    get_level = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, void)(
        loader.load("glGetTexLevelParameteriv")
    )
    tex.use(0)
    fmt = ctypes.c_int(0)
    get_level(_GL_TEXTURE_2D, 0, _GL_TEXTURE_INTERNAL_FORMAT, ctypes.cast(ctypes.byref(fmt), void))
    pixel_store(_GL_UNPACK_ALIGNMENT, 1)
    for k, level in enumerate(levels[1:], start=1):
        a = np.ascontiguousarray(level)
        lh, lw = a.shape[:2]
        tex_image(
            _GL_TEXTURE_2D,
            k,
            fmt.value,
            lw,
            lh,
            0,
            _GL_FORMATS[channels],
            _GL_TYPES[dtype],
            a.ctypes.data_as(void),
        )
    if ctx.error != "GL_NO_ERROR":
        tex.release()
        raise RuntimeError("defining the mip levels failed")
    return tex
