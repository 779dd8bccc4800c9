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
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from renderer.gl.atmosphere_tables import cache_dir


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


def _save(path: Path, arrays: Sequence[np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **{f"a{i}": a for i, a in enumerate(arrays)})
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full disk only costs the decoding next time


def _drop_older(name: str, keep: Path) -> None:
    """Remove this cache's other entries for ``name`` (made from older images or
    decoders: a few hundred MB that would otherwise pile up)."""
    for old in keep.parent.glob(f"{name}-*.npz"):
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
        _save(path, arrays)
        if path.is_file():
            _drop_older(name, path)
    return arrays
