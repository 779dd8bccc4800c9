"""CUDA_VISIBLE_DEVICES -> EGL device: parsing and matching, against hand-written NVIDIA
device lists and this machine's real EGL list (Mesa: one software device, no NVIDIA).

No NVIDIA GPU is at hand here: the matching logic is tested, the driver's answers are not.
"""

from __future__ import annotations

import pytest

from renderer.errors import RenderError
from renderer.gl.devices import (
    EglDevice,
    NvidiaGpu,
    egl_devices,
    format_uuid,
    match_device,
    parse_nvidia_smi,
    parse_visible,
)

U0 = "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"
U1 = "GPU-1b2c3d4e-0000-1111-2222-333344445555"
SMI = f"0, {U0}\n1, {U1}\n"


def nv(index: int, cuda: int | None, uuid: str = "") -> EglDevice:
    return EglDevice(index, ("EGL_NV_device_cuda",), vendor="NVIDIA", cuda_device=cuda, uuid=uuid)


SOFTWARE = EglDevice(2, ("EGL_MESA_device_software",))


def test_visible_devices_are_read_as_cuda_does():
    assert parse_visible(None) is None
    assert parse_visible("") is None
    assert parse_visible("-1") is None  # CUDA's "no device"
    assert parse_visible("3,1") == "3"
    assert parse_visible(f" {U1} ,0") == U1
    assert parse_nvidia_smi(SMI) == [NvidiaGpu(0, U0), NvidiaGpu(1, U1)]
    assert format_uuid(bytes.fromhex("8932f937d72c4106c12f20bd9faed9f6")) == U0


def test_an_index_picks_the_egl_device_of_that_cuda_device():
    # EGL may list the GPUs in another order than CUDA numbers them.
    devices = [nv(0, 1), nv(1, 0), SOFTWARE]
    assert match_device("0", devices, []) == 1
    assert match_device("1,0", devices, []) == 0
    with pytest.raises(RenderError, match="names GPU 5"):
        match_device("5", devices, [])


def test_a_uuid_picks_the_device_with_that_uuid():
    devices = [nv(0, 0, U0), nv(1, 1, U1), SOFTWARE]
    assert match_device(U1, devices, []) == 1
    assert match_device(U1[:12], devices, []) == 1  # CUDA accepts a unique prefix
    # An index is looked up in nvidia-smi's list and matched by UUID where EGL has it.
    assert match_device("1", [nv(0, 5, U1), nv(1, 6, U0)], parse_nvidia_smi(SMI)) == 0
    # Without EGL UUIDs a UUID still finds its device through nvidia-smi's index.
    assert match_device(U1, [nv(0, 1), nv(1, 0)], parse_nvidia_smi(SMI)) == 0


def test_this_machines_egl_list_has_no_nvidia_device_and_maps_to_the_default():
    devices = egl_devices()
    assert devices, "EGL lists no device at all"
    assert any(d.software for d in devices)
    assert [d.index for d in devices] == list(range(len(devices)))
    assert match_device("0", devices, []) is None
    assert match_device(U0, devices, []) is None
    assert match_device(None, [nv(0, 0)], []) is None
