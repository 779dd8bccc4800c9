"""The disk cache of decoded texture arrays: a hit returns what the decoding made
without decoding, new source bytes make a new entry that replaces the old, and a
damaged entry is decoded again."""

from __future__ import annotations

import numpy as np

from renderer.gl.texture_arrays import cached_arrays


def test_cached_arrays_decode_once_per_source_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "map.bin"
    source.write_bytes(b"first")
    calls = []

    def decode():
        calls.append(source.read_bytes())
        n = len(calls)
        return [np.full((3, 4), n, np.float16), np.arange(6, dtype=np.uint8) * n]

    first = cached_arrays("map1", [source], decode)
    again = cached_arrays("map1", [source], decode)
    assert len(calls) == 1
    for a, b in zip(first, again, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    entries = list((tmp_path / "cache" / "orbitlapse").glob("map1-*.npz"))
    assert len(entries) == 1

    source.write_bytes(b"second")
    changed = cached_arrays("map1", [source], decode)
    assert len(calls) == 2 and changed[0][0, 0] == 2
    after = list((tmp_path / "cache" / "orbitlapse").glob("map1-*.npz"))
    assert len(after) == 1 and after != entries  # the old entry replaced

    after[0].write_bytes(b"not a zip")  # damaged: decoded again, and stored again
    redone = cached_arrays("map1", [source], decode)
    assert len(calls) == 3 and redone[0][0, 0] == 3
    assert cached_arrays("map1", [source], decode)[0][0, 0] == 3
    assert len(calls) == 3
