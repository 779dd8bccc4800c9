"""``--gl-path auto``'s choice from a device's description and its probe times, and the
per-device cache of the probe (renderer/gl/gl_path.py)."""

from __future__ import annotations

import json

from renderer.gl.context import GLInfo
from renderer.gl.gl_path import (
    COMPUTE_MARGIN,
    ProbeTimes,
    decide,
    device_key,
    read_cached,
    write_cached,
)


def info(renderer: str, software: bool = False, version: str = "4.6.0 NVIDIA 550.54") -> GLInfo:
    return GLInfo(renderer, "vendor", version, 460, software, 32768)


def test_software_renderer_takes_fragment_whatever_a_probe_says():
    soft = info("llvmpipe (LLVM 15.0.6, 256 bits)", software=True)
    for probe in (None, ProbeTimes(1.0, 0.01)):
        choice = decide(soft, probe)
        assert choice.path == "fragment"
        assert "software" in choice.reason


def test_gpu_takes_compute_only_where_the_probe_finds_it_clearly_faster():
    gpu = info("NVIDIA H200/PCIe/SSE2")
    # The measurement: fragment 30 times slower.
    assert decide(gpu, ProbeTimes(0.030, 0.001)).path == "compute"
    assert "30.0x faster" in decide(gpu, ProbeTimes(0.030, 0.001)).reason
    # A graphics GPU: both alike, or compute a little faster: fragment, the reference.
    assert decide(gpu, ProbeTimes(0.002, 0.002)).path == "fragment"
    assert decide(gpu, ProbeTimes(0.002, 0.0019)).path == "fragment"
    assert decide(gpu, ProbeTimes(0.002, 0.003)).path == "fragment"
    # The margin's edge.
    assert decide(gpu, ProbeTimes(0.010, 0.010 * COMPUTE_MARGIN)).path == "compute"
    assert decide(gpu, ProbeTimes(0.010, 0.0101 * COMPUTE_MARGIN)).path == "fragment"
    # Not measured: fragment.
    assert decide(gpu, None).path == "fragment"


def test_probe_kept_per_device_and_driver(tmp_path):
    path = tmp_path / "cache" / "gl-path.json"
    h200, l40 = device_key(info("NVIDIA H200")), device_key(info("NVIDIA L40S"))
    assert h200 != l40
    assert device_key(info("NVIDIA H200", version="4.6.0 NVIDIA 560.1")) != h200
    assert read_cached(path, h200) is None  # no file yet
    write_cached(path, h200, ProbeTimes(0.03, 0.001))
    write_cached(path, l40, ProbeTimes(0.002, 0.002))
    assert read_cached(path, h200) == ProbeTimes(0.03, 0.001)
    assert read_cached(path, l40) == ProbeTimes(0.002, 0.002)
    assert sorted(json.loads(path.read_text())) == sorted([h200, l40])


def test_broken_or_unwritable_cache_costs_only_the_probe(tmp_path):
    path = tmp_path / "gl-path.json"
    key = device_key(info("NVIDIA H100 80GB HBM3"))
    path.write_text("{not json")
    assert read_cached(path, key) is None
    write_cached(path, key, ProbeTimes(0.03, 0.001))  # replaces what it cannot read
    assert read_cached(path, key) == ProbeTimes(0.03, 0.001)
    path.write_text(json.dumps({key: {"fragment_s": "x"}}))
    assert read_cached(path, key) is None
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    write_cached(blocked / "gl-path.json", key, ProbeTimes(0.03, 0.001))  # no exception
    assert read_cached(blocked / "gl-path.json", key) is None
