"""The video writer: frames piped into ffmpeg, written to a temporary name, renamed when done.

ffmpeg is imageio-ffmpeg's bundled binary (there is no ffprobe beside it, so ``probe_video``
reads what ffmpeg itself prints). Frames arrive as rgb24 (or one of a few other raw formats),
top row first, one ``write`` at a time, and go straight into ffmpeg's stdin: nothing is
buffered here beyond the frame being written.

Atomic output: ffmpeg writes into a private work folder beside the target
(``renderer.output.files``), and only a clean exit of ffmpeg moves the result into place.
Anything else (an exception in the frame loop, Ctrl-C, ffmpeg dying) kills ffmpeg and
deletes the work folder, so the target is either the complete new video or exactly what it
was before.  ffmpeg is asked by the kernel to die with this process (the parent-death
signal), so even a SIGKILL of orbitlapse leaves no encoder running; the work folder such
a kill leaves is removed by the next run into the same folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

import numpy as np
from numpy.typing import NDArray

from renderer.errors import RenderError
from renderer.output.codecs import (
    CODECS,
    CONTAINERS,
    CRF_RANGES,
    EVEN_SIZE_CODECS,
    EXR_WRITER,
    MUXERS,
    PIXEL_FORMATS,
    PNG_PATTERN,
    PRESETS,
    encoder_preset,
    nvenc_preset,
    writes_folder,
)
from renderer.output.ffmpeg import (
    SWS_FLAGS,
    available_encoders,
    choose_encoder,
    encoder_pix_fmt,
    exit_description,
    ffmpeg_env,
    ffmpeg_exe,
    frame_rate,
    last_meaningful_line,
)
from renderer.output.files import (
    OutputExistsError,  # noqa: F401 (re-exported: callers catch it from here)
    WorkFolder,
    check_target,
    ffmpeg_output_name,
    image2_pattern,
    make_work_folder,
    publish_file,
    publish_folder,
    remove_stale_work,
)

_BT709_TAGS = "color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
_STDERR_TAIL_BYTES = 64 * 1024

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
        encoder: str | None = None,
        metadata: dict[str, str] | None = None,
        start_number: int = 0,
        preset: str = "",
    ) -> None:
        self.path = Path(path)
        self.width = int(width)
        self.height = int(height)
        self.fps = float(fps)
        self.codec = codec
        self.crf = int(crf)
        # The scene's encoder preset ("" for the codec's default: codecs.DEFAULT_PRESETS).
        self.preset = preset
        self.force = force
        self.pixel_format = pixel_format
        self.title = title
        # Tags beside the title (a rendered range's description); PNG folders carry none.
        self.metadata = dict(metadata or {})
        # The number of the first PNG written: a frame range keeps its absolute numbers.
        self.start_number = int(start_number)
        self.frames_written = 0
        self.rate = frame_rate(self.fps)
        self._state: _State = "aborted"  # until ffmpeg is running; makes __del__ harmless
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._work: WorkFolder | None = None

        self._validate()
        # A farm's driver chooses once and hands the same encoder to every chunk, so no
        # worker falls back to another encoder on its own.
        self.encoder = encoder or choose_encoder(codec, self.width, self.height)
        self.frame_bytes = int(PIXEL_FORMATS[pixel_format] * self.width * self.height)
        remove_stale_work(self.path.parent)
        check_target(self.path, folder=writes_folder(self.codec), force=self.force)
        self._work = make_work_folder(self.path)
        self.temp_path = (
            self._work.frames_path() if writes_folder(self.codec) else self._work.video_path()
        )
        try:
            self._start()
        except BaseException:
            self._remove_temp()
            raise

    # ----------------------------------------------------------------- set-up

    def _validate(self) -> None:
        if self.codec not in CODECS or CODECS[self.codec] == EXR_WRITER:
            # EXR frames have their own writer (renderer/output/exr.py), not ffmpeg.
            ffmpeg_codecs = ", ".join(c for c, e in CODECS.items() if e != EXR_WRITER)
            raise RenderError(f"unknown codec {self.codec!r}; expected one of {ffmpeg_codecs}")
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
        if self.preset and self.preset not in PRESETS.get(self.codec, ()):
            raise RenderError(f"preset {self.preset!r} is not one of {self.codec}'s presets")
        suffix = self.path.suffix.lower()
        if writes_folder(self.codec):
            if suffix in MUXERS:
                raise RenderError(
                    f"{self.path}: codec {self.codec} writes a folder of frames, "
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

    def _filters(self) -> str:
        out_fmt = encoder_pix_fmt(self.encoder)
        rgb_in = self.pixel_format in ("rgb24", "rgba")
        if self.codec == "png16":
            # 16 bits a channel, already in the display encoding: only the byte order
            # changes (PNG stores big-endian samples).
            return "format=rgb48be"
        if self.codec == "png":
            if rgb_in:
                return "format=rgb24"
            return f"scale=in_color_matrix=bt709:in_range=tv:flags={SWS_FLAGS},format=rgb24"
        if self.pixel_format == out_fmt:
            # Planes made on the GPU, already what the encoder takes: convert nothing,
            # only tag the frames (the encoder takes its colour description from them).
            return f"setparams={_BT709_TAGS}"
        if rgb_in:
            # RGB -> Y'CbCr with the BT.709 matrix into limited range; then tag the frames,
            # because the encoder takes its colour description from them.
            convert = f"scale=out_color_matrix=bt709:out_range=tv:flags={SWS_FLAGS}"
        else:
            # Already BT.709 Y'CbCr: only chroma resampling / bit depth may change.
            convert = (
                "scale=in_color_matrix=bt709:in_range=tv:"
                f"out_color_matrix=bt709:out_range=tv:flags={SWS_FLAGS}"
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
        if writes_folder(self.codec):
            cmd += ["-f", "image2", "-start_number", str(self.start_number), "-y",
                    image2_pattern(self.temp_path, PNG_PATTERN)]  # fmt: skip
            return cmd
        if self.encoder.endswith("_nvenc"):
            # NVENC has no crf; constant quality (-cq) with no bitrate cap is its nearest
            # equivalent, on a 1..51 scale (its 0 means "automatic", not lossless).
            cq = min(max(self.crf, 1), 51)
            cmd += [
                "-rc",
                "vbr",
                "-cq",
                str(cq),
                "-b:v",
                "0",
                "-preset",
                nvenc_preset(self.codec, self.preset),
                "-pix_fmt",
                "yuv420p",
            ]
        elif self.codec in ("h264", "h265"):
            preset = encoder_preset(self.codec, self.preset)
            cmd += ["-crf", str(self.crf), "-preset", str(preset), "-pix_fmt", "yuv420p"]
        if self.encoder == "libx265":
            cmd += ["-x265-params", "log-level=error"]
        if self.encoder == "libsvtav1":
            preset = encoder_preset(self.codec, self.preset)
            cmd += ["-crf", str(self.crf), "-preset", str(preset), "-pix_fmt", "yuv420p"]
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
        muxer = MUXERS[self.path.suffix.lower()]
        if muxer in ("mp4", "mov"):
            cmd += ["-movflags", "+faststart"]
            if self.codec == "h265":
                # Apple's players refuse HEVC tagged hev1 (ffmpeg's default) in mp4/mov.
                cmd += ["-tag:v", "hvc1"]
        if self.title:
            cmd += ["-metadata", f"title={self.title}"]
        for key, value in self.metadata.items():
            cmd += ["-metadata", f"{key}={value}"]
        # -y is safe: the name is inside this run's private work folder.
        cmd += ["-f", muxer, "-y", ffmpeg_output_name(self.temp_path)]
        return cmd

    def _start(self) -> None:
        cmd = self.command()
        if writes_folder(self.codec):
            try:
                os.mkdir(self.temp_path)
            except OSError as exc:
                raise RenderError(f"cannot create {self.temp_path}: {exc.strerror or exc}") from exc
        # stderr goes to an anonymous file, not a pipe: a chatty encoder can then never fill
        # a pipe nobody reads and stall ffmpeg (and with it this writer).
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as ffmpeg)
        try:
            with _signals_held():
                self._proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=self._stderr,
                    env=ffmpeg_env(),
                    # Own session: Ctrl-C in the terminal reaches only Python, which then
                    # kills ffmpeg itself; otherwise ffmpeg would finish the file on SIGINT.
                    start_new_session=True,
                    preexec_fn=_die_with_parent(),
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
        detail = last_meaningful_line(self._stderr_text())
        status = exit_description(returncode)
        where = f"ffmpeg failed writing {self.path} after {self.frames_written} frames"
        return f"{where}: {detail} ({status})" if detail else f"{where}: {status}"

    def _remove_temp(self) -> None:
        work = self.__dict__.get("_work")
        if work is not None:
            work.discard()

    def _publish(self) -> None:
        assert self._work is not None
        if writes_folder(self.codec):
            publish_folder(self.temp_path, self.path, self._work.path, force=self.force)
        else:
            publish_file(self.temp_path, self.path, force=self.force)
        self._work.discard()


def _die_with_parent() -> Callable[[], None]:
    """A preexec function that has the kernel SIGKILL the child when this process dies.

    Linux's PR_SET_PDEATHSIG through libc's prctl, looked up here in the parent so the
    child only makes the call.  Linux sends the signal when the *thread* that started the
    child ends, so a writer belongs to a thread that outlives it (the CLI's main thread).
    Elsewhere the child only gets back the signals held while it was forked, and it
    outlives a SIGKILLed parent: then only the next run's clean-up of stale work folders
    helps.
    """
    import ctypes
    import ctypes.util
    import sys

    def unblock() -> None:
        # The child inherits the signals _signals_held blocked: ffmpeg gets them back.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_SIGNALS)

    if not sys.platform.startswith("linux"):
        return unblock
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return unblock
    pr_set_pdeathsig = 1
    parent = os.getpid()

    def preexec() -> None:
        unblock()
        prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call: die now
            os._exit(1)

    return preexec


# Ctrl-C, SIGTERM and SIGHUP: held while ffmpeg is forked (see _signals_held).
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while a child is forked, then deliver them.

    A fork with a ``preexec_fn`` runs Python's at-fork handlers, and a KeyboardInterrupt
    raised inside one of them is printed and dropped: Ctrl-C at that instant would be
    lost and the render would run on.  Blocked, the signal waits and is raised as soon
    as the fork is done, at an ordinary point of the program.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
