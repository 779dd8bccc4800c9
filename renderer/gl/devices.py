"""The EGL devices of this machine, and which of them a CUDA_VISIBLE_DEVICES means.

Ray (and Slurm, Kubernetes' device plugin, ...) hands a task its GPU by setting
``CUDA_VISIBLE_DEVICES``. EGL knows nothing of that variable: without help every task
would render on EGL device 0. ``egl_device_for_cuda`` maps the first visible CUDA device
to the EGL device on the same GPU:

* by UUID, where the driver has ``EGL_EXT_device_persistent_id`` (``GPU-...`` entries, and
  indices looked up with ``nvidia-smi``);
* else by the NVIDIA CUDA device attribute (``EGL_NV_device_cuda``, ``EGL_CUDA_DEVICE_NV``),
  which numbers GPUs as CUDA does with ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` (the numbering
  ``nvidia-smi`` and Ray use).

The devices are listed with ``EGL_EXT_device_enumeration`` through ctypes (the same list,
in the same order, that moderngl's EGL backend indexes). The matching itself is a pure
function of the two lists, tested without a GPU; on NVIDIA hardware it is unverified.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

from renderer.errors import RenderError

_EGL_EXTENSIONS = 0x3055
_EGL_VENDOR = 0x3053
_EGL_CUDA_DEVICE_NV = 0x323A
_EGL_DRM_DEVICE_FILE_EXT = 0x3233
_EGL_RENDERER_EXT = 0x335F
_EGL_DEVICE_UUID_EXT = 0x335C


@dataclass(frozen=True)
class EglDevice:
    """One EGL device as the driver describes it."""

    index: int
    extensions: tuple[str, ...]
    vendor: str = ""
    renderer: str = ""
    drm_file: str = ""
    cuda_device: int | None = None
    uuid: str = ""  # "GPU-xxxxxxxx-xxxx-..." as nvidia-smi writes it

    @property
    def software(self) -> bool:
        """Mesa's software device (llvmpipe)."""
        return "EGL_MESA_device_software" in self.extensions

    def describe(self) -> str:
        """One line for ``orbitlapse info``."""
        kind = "software (EGL_MESA_device_software)" if self.software else "device"
        parts = [self.renderer or self.vendor or kind]
        if self.cuda_device is not None:
            parts.append(f"CUDA device {self.cuda_device}")
        if self.uuid:
            parts.append(self.uuid)
        if self.drm_file:
            parts.append(self.drm_file)
        return ", ".join(parts)


@dataclass(frozen=True)
class NvidiaGpu:
    """A GPU as ``nvidia-smi`` numbers it (PCI bus order, as CUDA_VISIBLE_DEVICES)."""

    index: int
    uuid: str


def parse_visible(text: str | None) -> str | None:
    """The first entry of a CUDA_VISIBLE_DEVICES value, or None when it names none."""
    if text is None:
        return None
    first = text.split(",")[0].strip()
    if not first or first.startswith("-"):
        return None
    return first


def parse_nvidia_smi(text: str) -> list[NvidiaGpu]:
    """``nvidia-smi --query-gpu=index,uuid --format=csv,noheader`` output."""
    gpus = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 2 and fields[0].isdigit():
            gpus.append(NvidiaGpu(int(fields[0]), fields[1]))
    return gpus


def match_device(
    visible: str | None, devices: list[EglDevice], gpus: list[NvidiaGpu]
) -> int | None:
    """The EGL device index for the first entry of CUDA_VISIBLE_DEVICES.

    None when the variable names no device, or when EGL lists no NVIDIA device (a machine
    without one renders where it can; a task that asked for a GPU checks the renderer).
    RenderError when an NVIDIA device is listed but none is the one asked for.
    """
    first = parse_visible(visible)
    if first is None:
        return None
    nvidia = [d for d in devices if d.cuda_device is not None or d.uuid]
    if not nvidia:
        return None
    if first.upper().startswith("GPU-"):
        uuid = first.lower()
        index = next((g.index for g in gpus if g.uuid.lower().startswith(uuid)), None)
        found = [d for d in nvidia if d.uuid and d.uuid.lower().startswith(uuid)]
    elif first.isdigit():
        index = int(first)
        uuid = next((g.uuid.lower() for g in gpus if g.index == index), "")
        found = [d for d in nvidia if uuid and d.uuid.lower() == uuid]
    else:
        raise RenderError(f"CUDA_VISIBLE_DEVICES={visible!r}: cannot read {first!r}")
    if not found and index is not None:
        found = [d for d in nvidia if d.cuda_device == index]
    if not found:
        listed = "; ".join(f"{d.index}: {d.describe()}" for d in nvidia)
        raise RenderError(
            f"CUDA_VISIBLE_DEVICES={visible} names GPU {first}, which is none of the EGL "
            f"devices ({listed}); set ORBITLAPSE_EGL_DEVICE to choose one"
        )
    return found[0].index


def egl_device_for_cuda() -> int | None:
    """The EGL device for this process's CUDA_VISIBLE_DEVICES (see ``match_device``)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if parse_visible(visible) is None:
        return None
    devices = egl_devices()
    if not any(d.cuda_device is not None or d.uuid for d in devices):
        return None
    return match_device(visible, devices, nvidia_gpus())


def nvidia_gpus() -> list[NvidiaGpu]:
    """The GPUs ``nvidia-smi`` lists (none where it is missing or fails)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        done = subprocess.run(
            [exe, "--query-gpu=index,uuid", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_nvidia_smi(done.stdout) if done.returncode == 0 else []


# --------------------------------------------------------------------------- EGL through ctypes


@functools.cache
def _egl() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.eglGetProcAddress.restype = ctypes.c_void_p
    lib.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    lib.eglQueryString.restype = ctypes.c_char_p
    lib.eglQueryString.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def _proc(lib: ctypes.CDLL, name: str, restype: object, *argtypes: object) -> object:
    address = lib.eglGetProcAddress(name.encode())
    if not address:
        return None
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


def egl_devices() -> list[EglDevice]:
    """Every device ``eglQueryDevicesEXT`` lists, in its order (empty without EGL)."""
    lib = _egl()
    if lib is None:
        return []
    client = (lib.eglQueryString(None, _EGL_EXTENSIONS) or b"").decode().split()
    if "EGL_EXT_device_enumeration" not in client and "EGL_EXT_device_base" not in client:
        return []
    query_devices = _proc(
        lib,
        "eglQueryDevicesEXT",
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_int),
    )
    query_string = _proc(
        lib, "eglQueryDeviceStringEXT", ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int
    )
    query_attrib = _proc(
        lib,
        "eglQueryDeviceAttribEXT",
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_ssize_t),
    )
    query_binary = _proc(
        lib,
        "eglQueryDeviceBinaryEXT",
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_ssize_t,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_ssize_t),
    )
    if query_devices is None or query_string is None:
        return []
    count = ctypes.c_int(0)
    if not query_devices(0, None, ctypes.byref(count)) or count.value <= 0:
        return []
    handles = (ctypes.c_void_p * count.value)()
    if not query_devices(count.value, handles, ctypes.byref(count)):
        return []
    devices = []
    for i in range(count.value):
        handle = handles[i]

        def text(what: int, handle: object = handle) -> str:
            raw = query_string(handle, what)
            return raw.decode(errors="replace") if raw else ""

        extensions = tuple(text(_EGL_EXTENSIONS).split())
        cuda = None
        if "EGL_NV_device_cuda" in extensions and query_attrib is not None:
            value = ctypes.c_ssize_t(0)
            if query_attrib(handle, _EGL_CUDA_DEVICE_NV, ctypes.byref(value)):
                cuda = int(value.value)
        uuid = ""
        if "EGL_EXT_device_persistent_id" in extensions and query_binary is not None:
            buffer = (ctypes.c_ubyte * 16)()
            size = ctypes.c_ssize_t(0)
            if query_binary(handle, _EGL_DEVICE_UUID_EXT, 16, buffer, ctypes.byref(size)):
                uuid = format_uuid(bytes(buffer[: size.value]))
        devices.append(
            EglDevice(
                index=i,
                extensions=extensions,
                vendor=text(_EGL_VENDOR) if "EGL_EXT_device_query_name" in extensions else "",
                renderer=text(_EGL_RENDERER_EXT)
                if "EGL_EXT_device_query_name" in extensions
                else "",
                drm_file=text(_EGL_DRM_DEVICE_FILE_EXT)
                if "EGL_EXT_device_drm" in extensions
                else "",
                cuda_device=cuda,
                uuid=uuid,
            )
        )
    return devices


def format_uuid(raw: bytes) -> str:
    """16 bytes as ``GPU-8-4-4-4-12`` hex, the way nvidia-smi and CUDA_VISIBLE_DEVICES write it."""
    if len(raw) != 16:
        return ""
    h = raw.hex()
    return f"GPU-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
