"""The video writer: frames piped into ffmpeg, written to a temporary name, renamed when done.

ffmpeg is imageio-ffmpeg's bundled binary (there is no ffprobe beside it, so ``probe_video``
reads what ffmpeg itself prints). Frames arrive as rgb24 (or one of a few other raw formats),
top row first, one ``write`` at a time, and go straight into ffmpeg's stdin: nothing is
buffered here beyond the frame being written.

Atomic output: ffmpeg writes ``.NAME.part-PID-N.EXT`` beside the target (a folder of the same
shape for ``png``), and only a clean exit of ffmpeg renames it into place. Anything else (an
exception in the frame loop, Ctrl-C, ffmpeg dying) kills ffmpeg and deletes the temporary
output, so the target is either the complete new video or exactly what it was before.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, NamedTuple, TypedDict

import numpy as np
from numpy.typing import NDArray

from renderer.errors import OrbitlapseError, RenderError

__all__ = [
    "CODECS",
    "ENCODERS",
    "PIXEL_FORMATS",
    "OutputExistsError",
    "VideoInfo",
    "VideoWriter",
    "available_encoders",
    "decode_frames",
    "ffmpeg_exe",
    "frame_rate",
    "probe_encoder",
    "probe_video",
]

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
_MUXERS: dict[str, str] = {
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

# swscale's defaults round sloppily and interpolate chroma coarsely; these flags make flat
# colours land on the code values the BT.709 formulas give.
_SWS_FLAGS = "accurate_rnd+full_chroma_int"
_BT709_TAGS = "color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
_SVT_PRESET = "8"

_STDERR_TAIL_BYTES = 64 * 1024
_temp_serial = itertools.count()


class OutputExistsError(OrbitlapseError):
    """The target already exists and replacing it was not asked for (``--force``)."""

    exit_status = 2

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: exists; use --force to replace it")


# --------------------------------------------------------------------------- ffmpeg itself


def ffmpeg_exe() -> str:
    """Return the path of imageio-ffmpeg's ffmpeg binary.

    Raises RenderError when imageio-ffmpeg or its binary is missing: the renderer never falls
    back to another way of writing video.
    """
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise RenderError(
            f"cannot write video: the imageio-ffmpeg package is not installed ({exc})"
        ) from exc
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # imageio-ffmpeg raises RuntimeError, but be liberal here
        raise RenderError(f"cannot write video: no ffmpeg found ({_one_line(str(exc))})") from exc
    if not exe or not os.access(exe, os.X_OK):
        raise RenderError(f"cannot write video: ffmpeg at {exe!r} is not an executable file")
    return exe


@functools.cache
def available_encoders() -> dict[str, bool]:
    """Which of ``ENCODERS`` this ffmpeg binary lists (``ffmpeg -encoders``); cached.

    Listed is not the same as usable: see ``probe_encoder`` for NVENC.
    """
    exe = ffmpeg_exe()
    try:
        done = subprocess.run(
            [exe, "-hide_banner", "-nostdin", "-encoders"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot run ffmpeg ({exe}): {_one_line(str(exc))}") from exc
    if done.returncode != 0:
        raise RenderError(f"ffmpeg -encoders failed: {_last_meaningful_line(done.stderr)}")
    listed: set[str] = set()
    for line in done.stdout.splitlines():
        # Rows look like " V....D libx264   description"; the header legend has the same
        # shape but its names ("=") are not encoders, and the separator ends it.
        fields = line.split()
        if len(fields) >= 2 and re.fullmatch(r"[VAS.][F.][S.][X.][B.][D.]", fields[0]):
            listed.add(fields[1])
    return {name: name in listed for name in ENCODERS}


def _encoder_pix_fmt(encoder: str) -> str:
    if encoder == "prores_ks":
        return "yuv422p10le"
    if encoder == "png":
        return "rgb24"
    return "yuv420p"


#: The GPU encoder tried first for each codec (NVIDIA NVENC).
HARDWARE_ENCODERS: dict[str, str] = {"h264": "h264_nvenc", "h265": "hevc_nvenc",
                                     "av1": "av1_nvenc"}


def choose_encoder(codec: str, width: int, height: int) -> str:
    """The encoder for a codec: NVENC where the binary has it AND it encodes a test clip
    on this machine (decided by trying, not by guessing), else the software encoder.

    ``ORBITLAPSE_ENCODER=software`` skips the hardware encoders.
    """
    hardware = HARDWARE_ENCODERS.get(codec)
    if (hardware and os.environ.get("ORBITLAPSE_ENCODER", "").lower() != "software"
            and available_encoders().get(hardware, False) and probe_encoder(hardware, width,
                                                                            height)):
        return hardware
    return CODECS[codec]


@functools.lru_cache(maxsize=64)
def probe_encoder(name: str, width: int, height: int) -> bool:
    """Whether encoder ``name`` really encodes frames of ``width`` x ``height``; cached.

    Encodes three synthetic frames to ffmpeg's null muxer. This is how NVENC is judged: it is
    compiled into the binary but works only with an NVIDIA GPU and driver, and it has size
    limits of its own.
    """
    if name in ENCODERS and not available_encoders()[name]:
        return False
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel", "error",
        "-nostdin",
        "-f", "lavfi",
        "-i", f"testsrc2=size={width}x{height}:rate=30",
        "-frames:v", "3",
        "-pix_fmt", _encoder_pix_fmt(name),
        "-c:v", name,
        "-f", "null",
        "-",
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, env=_ffmpeg_env(), timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def frame_rate(fps: float) -> Fraction:
    """The exact frame rate ffmpeg is given for ``fps`` frames per second.

    The NTSC family (23.976, 29.97, 59.94, ...) means n * 1000/1001 to everyone who types it,
    so those snap to that fraction; any other rate is the nearest fraction with a
    denominator up to 1001 (30 -> 30/1, 12.5 -> 25/2).
    """
    if not (fps > 0 and np.isfinite(fps)):
        raise RenderError(f"frame rate must be a positive number, not {fps!r}")
    n = round(fps * 1.001)
    if n >= 12 and fps != round(fps) and abs(fps * 1.001 - n) <= 5e-6 * n:
        return Fraction(n * 1000, 1001)
    rate = Fraction(fps).limit_denominator(1001)
    if rate == 0:
        raise RenderError(f"frame rate {fps!r} is too small")
    return rate


def _ffmpeg_env() -> dict[str, str]:
    env = dict(os.environ)
    # SVT-AV1 prints its banner and configuration straight to stderr, whatever ffmpeg's
    # -loglevel says; 1 keeps only its errors.
    env.setdefault("SVT_LOG", "1")
    return env


# --------------------------------------------------------------------------- stderr handling

# Lines ffmpeg prints after the real cause, saying only that something failed.
_GENERIC = re.compile(
    r"^(Conversion failed!?"
    r"|Last message repeated \d+ times?"
    r"|Error opening (input|output) files?\b.*"
    r"|Error (writing trailer|closing file|muxing a packet)\b.*"
    r"|Task finished with error code.*"
    r"|Terminating thread with return code.*"
    r"|Error while filtering: .*"
    r"|Error while opening encoder.*"
    r"|Could not open encoder before EOF"
    r"|Error sending frames to consumers: .*"
    r"|Nothing was written into output file.*"
    r"|Exiting normally, received signal.*"
    r"|Received signal \d+: terminating\.?)$"
)
_CONTEXT = re.compile(r"^\[([^\]@]*?)\s*@\s*0x[0-9a-fA-F]+\]\s*")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _split_context(line: str) -> tuple[str, str]:
    """``[vost#0:0/libx264 @ 0x55..] [enc:libx264 @ 0x55..] msg`` -> ``("libx264", "msg")``."""
    name = ""
    while match := _CONTEXT.match(line):
        # ffmpeg's own tags (out#0/mp4, vost#0:0/libx264, enc:libx264) end in the component
        # a user recognises; bare stream tags (vf#0:0, in#0) name nothing useful.
        tag = match.group(1).split("/")[-1].split(":")[-1]
        if tag and "#" not in tag:
            name = tag
        line = line[match.end() :]
    return name, line.strip()


def _last_meaningful_line(stderr: str) -> str:
    """The line of ffmpeg's stderr that says why it failed, as ``component: message``.

    ffmpeg follows the cause with generic lines (``Conversion failed!``, ``Task finished
    with error code``...); the last line that is not one of those is the cause.
    """
    lines = [_split_context(raw) for raw in stderr.splitlines()]
    lines = [(name, text) for name, text in lines if text]
    specific = [(name, text) for name, text in lines if not _GENERIC.match(text)]
    if not (specific or lines):
        return ""
    name, text = (specific or lines)[-1]
    return _one_line(f"{name}: {text}" if name else text)


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"ffmpeg was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"ffmpeg was killed by signal {-returncode}"
    return f"ffmpeg exited with status {returncode}"


# --------------------------------------------------------------------------- the writer

FrameLike = bytes | bytearray | memoryview | NDArray[np.uint8]
_State = Literal["open", "closing", "done", "aborted"]


class VideoWriter:
    """Pipes raw frames into ffmpeg and publishes the video atomically.

    ``VideoWriter(path, width, height, fps, codec, crf, force=..., pixel_format=..., title=...)``
    starts ffmpeg at once (after checking that the target may be written); use it as a
    context manager. Leaving the ``with`` block normally finishes the video and renames it
    into place; leaving it with an exception (KeyboardInterrupt included) kills ffmpeg and
    removes the temporary output, leaving the target as it was.

    ``codec`` is a scene codec name (``h264``, ``h265``, ``av1``, ``prores``, ``png``); for
    ``png`` the path is a folder that receives ``frame_000000.png``, ``frame_000001.png``...
    ``write`` and ``close`` are meant to be called from one thread; ``abort`` may be called
    from another (it unblocks a ``write`` stuck on a full pipe).
    """

    def __init__(
        self,
        path: Path | str,
        width: int,
        height: int,
        fps: float,
        codec: str,
        crf: int,
        *,
        force: bool = False,
        pixel_format: str = "rgb24",
        title: str = "",
    ) -> None:
        self.path = Path(path)
        self.width = int(width)
        self.height = int(height)
        self.fps = float(fps)
        self.codec = codec
        self.crf = int(crf)
        self.force = force
        self.pixel_format = pixel_format
        self.title = title
        self.frames_written = 0
        self.rate = frame_rate(self.fps)
        self._state: _State = "aborted"  # until ffmpeg is running; makes __del__ harmless
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None

        self._validate()
        self.encoder = choose_encoder(codec, self.width, self.height)
        self.frame_bytes = int(PIXEL_FORMATS[pixel_format] * self.width * self.height)
        self._check_target()
        self.temp_path = self._temp_name()
        self._start()

    # ----------------------------------------------------------------- set-up

    def _validate(self) -> None:
        if self.codec not in CODECS:
            raise RenderError(f"unknown codec {self.codec!r}; expected one of {', '.join(CODECS)}")
        if self.pixel_format not in PIXEL_FORMATS:
            raise RenderError(
                f"unknown pixel format {self.pixel_format!r}; "
                f"expected one of {', '.join(PIXEL_FORMATS)}"
            )
        if self.width <= 0 or self.height <= 0:
            raise RenderError(f"frame size {self.width}x{self.height} is not positive")
        subsampled = self.codec in EVEN_SIZE_CODECS or self.pixel_format == "yuv420p"
        if subsampled and (self.width % 2 or self.height % 2):
            raise RenderError(
                f"{self.codec} needs an even width and height (4:2:0 chroma), "
                f"not {self.width}x{self.height}"
            )
        if self.codec in CRF_RANGES:
            low, high = CRF_RANGES[self.codec]
            if not low <= self.crf <= high:
                raise RenderError(f"crf {self.crf} is outside {low}..{high} for {self.codec}")
        suffix = self.path.suffix.lower()
        if self.codec == "png":
            if suffix in _MUXERS:
                raise RenderError(
                    f"{self.path}: codec png writes a folder of frames, "
                    f"not a {suffix} file; give a folder name"
                )
        elif suffix not in CONTAINERS[self.codec]:
            raise RenderError(
                f"{self.path}: {self.codec} video needs a file ending in "
                f"{' or '.join(CONTAINERS[self.codec])}"
            )
        if not available_encoders().get(CODECS[self.codec], False):
            raise RenderError(
                f"this ffmpeg ({ffmpeg_exe()}) has no {CODECS[self.codec]} encoder "
                f"for codec {self.codec}"
            )

    def _check_target(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            raise RenderError(f"{parent}: output folder does not exist")
        if not os.path.lexists(self.path):
            return
        if not self.force:
            raise OutputExistsError(self.path)
        is_dir = self.path.is_dir() and not self.path.is_symlink()
        if self.codec == "png" and not is_dir:
            raise RenderError(f"{self.path}: exists and is not a folder; not replacing it")
        if self.codec != "png" and self.path.is_dir():
            raise RenderError(f"{self.path}: exists and is a folder; not replacing it")

    def _temp_name(self) -> Path:
        # Same folder as the target so the final rename stays on one file system; a leading
        # dot keeps it out of casual listings; the real extension keeps tools happy.
        serial = next(_temp_serial)
        if self.codec == "png":
            return self.path.parent / f".{self.path.name}.part-{os.getpid()}-{serial}"
        stem, suffix = self.path.stem, self.path.suffix
        return self.path.parent / f".{stem}.part-{os.getpid()}-{serial}{suffix}"

    def _filters(self) -> str:
        out_fmt = _encoder_pix_fmt(self.encoder)
        rgb_in = self.pixel_format in ("rgb24", "rgba")
        if self.codec == "png":
            if rgb_in:
                return "format=rgb24"
            return f"scale=in_color_matrix=bt709:in_range=tv:flags={_SWS_FLAGS},format=rgb24"
        if self.pixel_format == out_fmt:
            # Planes made on the GPU, already what the encoder takes: convert nothing,
            # only tag the frames (the encoder takes its colour description from them).
            return f"setparams={_BT709_TAGS}"
        if rgb_in:
            # RGB -> Y'CbCr with the BT.709 matrix into limited range; then tag the frames,
            # because the encoder takes its colour description from them.
            convert = f"scale=out_color_matrix=bt709:out_range=tv:flags={_SWS_FLAGS}"
        else:
            # Already BT.709 Y'CbCr: only chroma resampling / bit depth may change.
            convert = (
                "scale=in_color_matrix=bt709:in_range=tv:"
                f"out_color_matrix=bt709:out_range=tv:flags={_SWS_FLAGS}"
            )
        return f"{convert},format={out_fmt},setparams={_BT709_TAGS}"

    def command(self) -> list[str]:
        """The ffmpeg command line this writer runs (for logs and tests)."""
        rate = f"{self.rate.numerator}/{self.rate.denominator}"
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel", "error",
            "-nostats",
            "-nostdin",
            "-f", "rawvideo",
            "-pix_fmt", self.pixel_format,
            "-video_size", f"{self.width}x{self.height}",
            "-framerate", rate,
            "-i", "pipe:0",
            "-map", "0:v",
            "-vf", self._filters(),
            "-c:v", self.encoder,
            # Every frame written is one frame in the file, with the input's timestamps:
            # nothing duplicated or dropped to meet a rate (-r would ask for exactly that).
            "-fps_mode", "passthrough",
        ]  # fmt: skip
        if self.codec == "png":
            cmd += ["-f", "image2", "-start_number", "0", "-y",
                    str(self.temp_path / PNG_PATTERN)]  # fmt: skip
            return cmd
        if self.encoder.endswith("_nvenc"):
            # NVENC has no crf; constant quality (-cq) with no bitrate cap is its nearest
            # equivalent, on a 1..51 scale (its 0 means "automatic", not lossless).
            cq = min(max(self.crf, 1), 51)
            cmd += ["-rc", "vbr", "-cq", str(cq), "-b:v", "0", "-preset", "p5",
                    "-pix_fmt", "yuv420p"]
        elif self.codec in ("h264", "h265"):
            cmd += ["-crf", str(self.crf), "-pix_fmt", "yuv420p"]
        if self.encoder == "libx265":
            cmd += ["-x265-params", "log-level=error"]
        if self.encoder == "libsvtav1":
            cmd += ["-crf", str(self.crf), "-preset", _SVT_PRESET, "-pix_fmt", "yuv420p"]
        if self.codec == "prores":
            # Profile 3 is ProRes 422 HQ; the apl0 vendor tag is what Apple's own decoders
            # expect to see.
            cmd += ["-profile:v", "3", "-vendor", "apl0", "-pix_fmt", "yuv422p10le"]
        cmd += [
            "-colorspace", "bt709",
            "-color_primaries", "bt709",
            "-color_trc", "bt709",
            "-color_range", "tv",
        ]  # fmt: skip
        muxer = _MUXERS[self.path.suffix.lower()]
        if muxer in ("mp4", "mov"):
            cmd += ["-movflags", "+faststart"]
            if self.codec == "h265":
                # Apple's players refuse HEVC tagged hev1 (ffmpeg's default) in mp4/mov.
                cmd += ["-tag:v", "hvc1"]
        if self.title:
            cmd += ["-metadata", f"title={self.title}"]
        cmd += ["-f", muxer, "-y", str(self.temp_path)]
        return cmd

    def _start(self) -> None:
        cmd = self.command()
        if self.codec == "png":
            try:
                os.mkdir(self.temp_path)
            except OSError as exc:
                raise RenderError(f"cannot create {self.temp_path}: {exc.strerror or exc}") from exc
        # stderr goes to an anonymous file, not a pipe: a chatty encoder can then never fill
        # a pipe nobody reads and stall ffmpeg (and with it this writer).
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as ffmpeg)
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                env=_ffmpeg_env(),
                # Own session: Ctrl-C in the terminal reaches only Python, which then kills
                # ffmpeg itself; otherwise ffmpeg would finish the file on SIGINT on its own.
                start_new_session=True,
            )
        except OSError as exc:
            self._stderr.close()
            self._remove_temp()
            raise RenderError(f"cannot start ffmpeg ({cmd[0]}): {exc}") from exc
        assert self._proc.stdin is not None
        self._stdin = self._proc.stdin
        self._grow_pipe()
        self._state = "open"

    def _grow_pipe(self) -> None:
        # A larger pipe (Linux) means fewer wake-ups per frame; purely an optimisation.
        try:
            import fcntl
        except ImportError:
            return
        set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
        if set_size is None or self._stdin is None:
            return
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._stdin.fileno(), set_size, 1 << 20)

    # ----------------------------------------------------------------- use

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The running ffmpeg process (tests use it to simulate a crash)."""
        assert self._proc is not None
        return self._proc

    @property
    def closed(self) -> bool:
        """True once the video is published or abandoned."""
        return self._state in ("done", "aborted")

    def __enter__(self) -> VideoWriter:
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

    def _frame_view(self, frame: FrameLike) -> memoryview:
        if isinstance(frame, np.ndarray):
            if frame.dtype != np.uint8:
                raise ValueError(f"frame must be uint8, not {frame.dtype}")
            if self.pixel_format in ("rgb24", "rgba"):
                channels = 3 if self.pixel_format == "rgb24" else 4
                expected = (self.height, self.width, channels)
                if frame.shape != expected:
                    raise ValueError(
                        f"frame has shape {frame.shape}, expected {expected} "
                        f"({self.pixel_format}, top row first)"
                    )
            frame = np.ascontiguousarray(frame)
        view = memoryview(frame)
        if not view.contiguous:
            raise ValueError("frame buffer must be contiguous")
        view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        if view.nbytes != self.frame_bytes:
            raise ValueError(
                f"frame has {view.nbytes} bytes, expected {self.frame_bytes} "
                f"({self.width}x{self.height} {self.pixel_format})"
            )
        return view

    def write(self, frame: FrameLike) -> None:
        """Send one frame to ffmpeg: an (H, W, 3) uint8 array or bytes, top row first.

        Raises ValueError for a frame of the wrong size or type, RenderError when ffmpeg has
        died (with its last error line); after that the temporary output is gone.
        """
        if self._state != "open":
            raise ValueError(f"write to a {self._state} VideoWriter ({self.path})")
        view = self._frame_view(frame)
        assert self._stdin is not None
        try:
            self._stdin.write(view)
        except (OSError, ValueError) as exc:
            # ValueError: abort() closed the pipe under us from another thread.
            self._fail_after_broken_pipe(exc)
        self.frames_written += 1

    def _fail_after_broken_pipe(self, exc: BaseException) -> None:
        with self._lock:
            if self._state == "aborted":
                raise RenderError(f"writing {self.path} was aborted") from exc
            self._state = "aborted"
            returncode = self._reap(timeout=10.0)
            message = self._failure_message(returncode)
            self._release()
            self._remove_temp()
        raise RenderError(message) from exc

    def close(self) -> None:
        """Finish the video: wait for ffmpeg, check it succeeded, rename into place.

        Raises RenderError when ffmpeg failed (the temporary output is removed) and
        OutputExistsError when the target appeared meanwhile and ``force`` is off. Closing a
        finished or aborted writer does nothing.
        """
        with self._lock:
            if self._state != "open":
                return
            self._state = "closing"
        assert self._proc is not None and self._stdin is not None
        try:
            with contextlib.suppress(BrokenPipeError):
                self._stdin.close()
            returncode = self._proc.wait()
        except BaseException:
            # Ctrl-C while ffmpeg drains its queue still must not leave a partial file.
            self.abort()
            raise
        with self._lock:
            if self._state == "aborted":
                raise RenderError(f"writing {self.path} was aborted")
            try:
                if returncode != 0:
                    raise RenderError(self._failure_message(returncode))
                if self.frames_written == 0:
                    raise RenderError(f"{self.path}: no frames were written; nothing to save")
                self._publish()
            except BaseException:
                self._state = "aborted"
                self._release()
                self._remove_temp()
                raise
            self._state = "done"
            self._release()

    def abort(self) -> None:
        """Abandon the video: kill ffmpeg, delete the temporary output, leave the target.

        Safe to call more than once and from another thread than ``write``.
        """
        with self._lock:
            if self._state in ("done", "aborted"):
                return
            self._state = "aborted"
            self._reap(timeout=0.0)
            self._release()
            self._remove_temp()

    def __del__(self) -> None:
        # A writer dropped without close() must not leave ffmpeg finishing a stray file.
        if getattr(self, "_state", "aborted") in ("open", "closing"):
            with contextlib.suppress(Exception):
                self.abort()

    # ----------------------------------------------------------------- internals

    def _reap(self, timeout: float) -> int:
        """Wait up to ``timeout`` for ffmpeg to exit, then kill it; return its status."""
        assert self._proc is not None
        try:
            return self._proc.wait(timeout=timeout) if timeout > 0 else self._kill_and_wait()
        except subprocess.TimeoutExpired:
            return self._kill_and_wait()

    def _kill_and_wait(self) -> int:
        assert self._proc is not None
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        return self._proc.wait()

    def _release(self) -> None:
        if self._stdin is not None:
            # A killed ffmpeg leaves unflushed bytes that can only fail to go anywhere.
            with contextlib.suppress(OSError, ValueError):
                self._stdin.close()
        if self._stderr is not None:
            self._stderr.close()

    def _stderr_text(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.flush()
        size = self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, size - _STDERR_TAIL_BYTES))
        return self._stderr.read().decode("utf-8", errors="replace")

    def _failure_message(self, returncode: int) -> str:
        detail = _last_meaningful_line(self._stderr_text())
        status = _exit_description(returncode)
        where = f"ffmpeg failed writing {self.path} after {self.frames_written} frames"
        return f"{where}: {detail} ({status})" if detail else f"{where}: {status}"

    def _remove_temp(self) -> None:
        path = self.__dict__.get("temp_path")
        if path is None:
            return
        if self.codec == "png":
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def _publish(self) -> None:
        try:
            if self.codec == "png":
                self._publish_folder()
            else:
                self._publish_file()
        except OrbitlapseError:
            raise
        except OSError as exc:
            raise RenderError(
                f"cannot move {self.temp_path} to {self.path}: {exc.strerror or exc}"
            ) from exc

    def _publish_file(self) -> None:
        if self.force:
            os.replace(self.temp_path, self.path)
            return
        # A hard link refuses to overwrite, closing the window between the check at start
        # and now in which another process could have created the target.
        try:
            os.link(self.temp_path, self.path)
        except FileExistsError:
            raise OutputExistsError(self.path) from None
        except OSError:
            # File systems without hard links: check, then rename (a small race remains).
            if os.path.lexists(self.path):
                raise OutputExistsError(self.path) from None
            os.replace(self.temp_path, self.path)
            return
        os.unlink(self.temp_path)

    def _publish_folder(self) -> None:
        if not os.path.lexists(self.path):
            os.rename(self.temp_path, self.path)
            return
        if not self.force:
            raise OutputExistsError(self.path)
        # A folder cannot be swapped in one step: move the old one aside, move the new one
        # in, and only then delete the old one (or put it back if the move failed).
        aside = self.path.parent / f".{self.path.name}.old-{os.getpid()}-{next(_temp_serial)}"
        os.rename(self.path, aside)
        try:
            os.rename(self.temp_path, self.path)
        except OSError:
            os.rename(aside, self.path)
            raise
        if aside.is_symlink() or not aside.is_dir():
            aside.unlink()
        else:
            shutil.rmtree(aside, ignore_errors=True)


# --------------------------------------------------------------------------- reading back


class VideoInfo(TypedDict):
    """What ``probe_video`` reports about a video file or PNG frame folder."""

    width: int
    height: int
    frames: int
    fps: float | None  # None for a PNG folder, which has no rate
    frame_rate: Fraction | None  # exact where the container's time base allows
    codec: str
    pix_fmt: str
    color_range: str | None
    color_space: str | None
    title: str | None


def _input_args(path: Path) -> list[str]:
    if path.is_dir():
        return ["-f", "image2", "-start_number", "0", "-i", str(path / PNG_PATTERN)]
    if not path.exists():
        raise RenderError(f"{path}: no such file")
    return ["-i", str(path)]


_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: Video: (.*)$")
_FPS = re.compile(r"([\d.]+) fps")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


class _Stream(NamedTuple):
    codec: str
    pix_fmt: str
    width: int
    height: int
    color_range: str | None
    color_space: str | None
    fps: float | None


def _parse_stream(stderr: str, path: Path) -> _Stream:
    for line in stderr.splitlines():
        match = _STREAM.match(line)
        if not match:
            continue
        parts = _split_top_level(match.group(1))
        codec = parts[0].split()[0]
        pix = re.match(r"(\w+)(?:\(([^)]*)\))?", parts[1]) if len(parts) > 1 else None
        size = next((m for p in parts[1:] if (m := re.match(r"(\d+)x(\d+)\b", p))), None)
        if pix is None or size is None:
            break
        color = [c.strip() for c in (pix.group(2) or "").split(",")]
        color_range = color[0] if color and color[0] in ("tv", "pc") else None
        space = next((c for c in color if c not in ("tv", "pc", "progressive") and c), None)
        return _Stream(
            codec=codec,
            pix_fmt=pix.group(1),
            width=int(size.group(1)),
            height=int(size.group(2)),
            color_range=color_range,
            color_space=space.split("/")[0] if space else None,
            fps=next((float(m.group(1)) for p in parts if (m := _FPS.fullmatch(p))), None),
        )
    raise RenderError(f"{path}: no video stream ({_last_meaningful_line(stderr)})")


def _parse_title(stderr: str) -> str | None:
    in_input = False
    for line in stderr.splitlines():
        if line.startswith("Input #0"):
            in_input = True
        elif in_input and re.match(r"\s*(Duration|Stream #)", line):
            return None
        elif in_input and (m := re.match(r"\s+title\s*: (.*)$", line)):
            return m.group(1)
    return None


def _exact_rate(pts: list[int], durations: list[int], time_base: Fraction) -> Fraction | None:
    """The frame rate the timestamps give, or None where the time base rounds them.

    mp4/mov written here count time in 1/rate steps (or finer), so every frame lasts the
    same whole number of ticks; Matroska's millisecond ticks do not, and then ffmpeg's
    printed rate is the better answer.
    """
    if len(pts) == 1:
        return 1 / (durations[0] * time_base) if durations[0] > 0 else None
    steps = {b - a for a, b in itertools.pairwise(pts)}
    if len(steps) != 1 or (step := steps.pop()) <= 0:
        return None
    return 1 / (step * time_base)


def probe_video(path: Path | str) -> VideoInfo:
    """Read a video's size, frame count, rate, codec and pixel format with ffmpeg.

    The frame count is the number of video packets (one per frame for the codecs written
    here), read with ``-c copy`` so nothing is decoded; the rate comes from the packets'
    timestamps. A PNG frame folder reports its frames and ``fps`` None.
    """
    path = Path(path)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *_input_args(path),
           "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot probe {path}: {_one_line(str(exc))}") from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise RenderError(f"cannot read {path}: {_last_meaningful_line(stderr)}")
    stream = _parse_stream(stderr, path)

    time_base: Fraction | None = None
    pts: list[int] = []
    durations: list[int] = []
    for line in done.stdout.decode("ascii", errors="replace").splitlines():
        if line.startswith("#tb 0:"):
            num, den = line.split(":", 1)[1].strip().split("/")
            time_base = Fraction(int(num), int(den))
        elif line and not line.startswith("#"):
            fields = [f.strip() for f in line.split(",")]
            if fields[0] == "0":
                pts.append(int(fields[2]))
                durations.append(int(fields[3]))

    rate: Fraction | None = None
    fps: float | None = None
    if not path.is_dir() and time_base is not None and pts:
        rate = _exact_rate(sorted(pts), durations, time_base)
        fps = float(rate) if rate is not None else stream.fps
    return VideoInfo(
        width=stream.width,
        height=stream.height,
        frames=len(pts),
        fps=fps,
        frame_rate=rate,
        codec=stream.codec,
        pix_fmt=stream.pix_fmt,
        color_range=stream.color_range,
        color_space=stream.color_space,
        title=_parse_title(stderr),
    )


def decode_frames(
    path: Path | str, width: int | None = None, height: int | None = None
) -> NDArray[np.uint8]:
    """Decode every frame of a video (or PNG folder) to an (N, H, W, 3) uint8 RGB array.

    Y'CbCr is converted with the BT.709 matrix from limited range, whatever the file's tags
    say, so a test of the writer's colours does not depend on them. Meant for tests and
    short clips: the whole video is held in memory. ``width``/``height``, when given, must
    match the file.
    """
    path = Path(path)
    convert = [] if path.is_dir() else [
        "-vf", f"scale=in_color_matrix=bt709:in_range=tv:flags={_SWS_FLAGS}"
    ]  # fmt: skip
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *_input_args(path),
           "-map", "0:v:0", *convert, "-fps_mode", "passthrough",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot decode {path}: {_one_line(str(exc))}") from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise RenderError(f"cannot decode {path}: {_last_meaningful_line(stderr)}")
    stream = _parse_stream(stderr, path)
    w, h = stream.width, stream.height
    if (width is not None and width != w) or (height is not None and height != h):
        raise RenderError(f"{path}: frames are {w}x{h}, not {width}x{height}")
    data = np.frombuffer(done.stdout, dtype=np.uint8)
    if w * h == 0 or data.size % (w * h * 3):
        raise RenderError(f"{path}: decoded {data.size} bytes, not whole {w}x{h} frames")
    return data.reshape(-1, h, w, 3)
