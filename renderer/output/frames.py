"""The frame loop: render frame k+1 while frame k is read back and encoded.

Three things run at once:

* the main thread issues GL work for frame k and starts an asynchronous
  read-back of it into one of two pixel buffers (PBOs);
* it then maps the *other* pixel buffer, which holds frame k-1 (its transfer had
  a whole frame's rendering to complete), and hands the bytes to a bounded queue;
* a writer thread takes bytes off the queue and writes them into ffmpeg's pipe,
  where the encoder runs in its own process.

The queue holds at most ``QUEUE_FRAMES`` frames and the timeline is built in
chunks of ``CHUNK_FRAMES``, so memory does not grow with the video's length.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

import moderngl
import numpy as np

from renderer.errors import RenderError
from renderer.frame_state import FrameState, View
from renderer.gl.context import check_gl_error, create_headless_context, gl_failures
from renderer.output.codecs import EVEN_SIZE_CODECS
from renderer.output.exr import ExrSequence
from renderer.output.files import check_target, make_work_folder, publish_file, remove_stale_work
from renderer.output.writer import VideoWriter
from renderer.passes.compositor import Compositor
from renderer.physics.camera import saturation_luminance
from renderer.scene import Scene
from renderer.timeline import build_timeline, subframe_sim_seconds

QUEUE_FRAMES = 3
CHUNK_FRAMES = 120


@dataclass
class Progress:
    """Frames done, frames per second and time left, on standard error.

    On a terminal the line is redrawn in place; otherwise (a log file, CI) a
    line is printed every ``log_every_s`` seconds and at the end.
    """

    total: int
    label: str = "render"
    stream: TextIO = sys.stderr
    log_every_s: float = 5.0
    #: Shown after the timing (a farm's "3 workers busy").
    detail: str = ""

    def __post_init__(self) -> None:
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0
        self.printed = -1
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int) -> None:
        """Record that ``done`` frames are finished; redraw when due."""
        self.done = done
        now = time.monotonic()
        interval = 0.25 if self.tty else self.log_every_s
        if done < self.total and now - self.last < interval:
            return
        self.last = now
        self.printed = done
        self.stream.write(self._line(now) + ("\r" if self.tty and done < self.total else "\n"))
        self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        fps = self.done / elapsed
        left = (self.total - self.done) / fps if fps > 0 else float("inf")
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        eta = _clock(left) if left != float("inf") else "--:--"
        return (
            f"{self.label} [{bar}] {self.done}/{self.total} frames  "
            f"{fps:5.1f} fps  {_clock(elapsed)} elapsed  {eta} left"
            + (f"  {self.detail}" if self.detail else "")
        )

    def finish(self) -> None:
        """Print the final line unless it is already shown."""
        if self.printed != self.total:
            self.last = 0.0
            self.update(self.total)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60:02d}:{s % 60:02d}"


def frame_states(scene: Scene, frames: range) -> Iterator[list[FrameState]]:
    """Sub-frame states of each frame in ``frames``, built a chunk at a time."""
    for first in range(frames.start, frames.stop, CHUNK_FRAMES):
        chunk = range(first, min(first + CHUNK_FRAMES, frames.stop))
        per_frame = [subframe_sim_seconds(scene, k) for k in chunk]
        counts = [len(t) for t in per_frame]
        tl = build_timeline(scene, np.concatenate(per_frame))
        i = 0
        for n in counts:
            yield [FrameState.from_timeline(tl, j) for j in range(i, i + n)]
            i += n


def states_at(scene: Scene, sim_s: float) -> list[FrameState]:
    """The state (one sub-frame, no blur) at ``sim_s`` simulated seconds after the start."""
    tl = build_timeline(scene, np.array([sim_s], dtype=np.float64))
    return [FrameState.from_timeline(tl, 0)]


class _Writer(threading.Thread):
    """Feeds ffmpeg from a bounded queue; remembers the first error it meets."""

    def __init__(self, video: VideoWriter | ExrSequence) -> None:
        super().__init__(name="orbitlapse-writer", daemon=True)
        self.video = video
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self.error: BaseException | None = None

    def run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue  # drain without writing so the producer never blocks
            try:
                self.video.write(item)
            except BaseException as exc:  # reported to the main thread
                self.error = exc

    def put(self, data: bytes) -> None:
        """Queue a frame, waking up regularly to notice a failed writer."""
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(data, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Stop the thread after the queued frames are written."""
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def render_video(
    scene: Scene,
    *,
    force: bool = False,
    quiet: bool = False,
    ctx: moderngl.Context | None = None,
    on_frame: Callable[[int], None] | None = None,
    frames: range | None = None,
    encoder: str | None = None,
    metadata: dict[str, str] | None = None,
    compositor: Compositor | None = None,
) -> Path:
    """Render the scene (or the frames ``frames`` of it) to ``scene.output.path``; returns
    the path written.

    Frame numbers are absolute: frame k is the same picture whatever range holds it, and a
    PNG folder numbers its files from ``frames.start``. ``encoder`` fixes the encoder (else
    it is chosen here); ``metadata`` adds container tags; ``compositor`` (made by
    ``video_compositor`` on ``ctx``) is reused instead of building one. The file appears
    under its name only when complete (VideoWriter renames a temporary file); any failure
    or Ctrl-C leaves the target as it was.
    """
    out = scene.output
    frames = range(out.frame_count) if frames is None else frames
    layout = _layout(scene)
    progress: Progress | None = None
    own_ctx = ctx is None
    # The writer first: a target that may not be written is refused before the GL set-up.
    video: VideoWriter | ExrSequence
    if out.codec == "exr":
        video = ExrSequence(
            out.path,
            out.width,
            out.height,
            white_luminance=saturation_luminance(scene.camera.exposure),
            force=force,
            start_number=frames.start,
        )
    else:
        video = VideoWriter(
            out.path,
            out.width,
            out.height,
            out.fps,
            out.codec,
            out.crf,
            force=force,
            title=scene.title,
            pixel_format=layout,
            encoder=encoder,
            metadata=metadata,
            start_number=frames.start,
            preset=out.preset,
        )
    with video:
        ctx = ctx or create_headless_context()
        comp: Compositor | None = compositor
        pbos: list[moderngl.Buffer] = []
        try:
            with gl_failures(f"setting up the GL passes at {out.width}x{out.height}"):
                if comp is None:
                    comp = video_compositor(ctx, scene)
                pbos = [ctx.buffer(reserve=comp.frame_nbytes) for _ in range(2)]
            progress = None if quiet else Progress(len(frames))
            _frame_loop(scene, frames, comp, pbos, video, progress, on_frame, ctx)
        finally:
            for b in pbos:
                b.release()
            if comp is not None and compositor is None:
                comp.release()
            if own_ctx:
                ctx.release()
    if progress is not None:
        progress.finish()
    return Path(out.path)


def _frame_loop(
    scene: Scene,
    frames: range,
    comp: Compositor,
    pbos: list[moderngl.Buffer],
    video: VideoWriter | ExrSequence,
    progress: Progress | None,
    on_frame: Callable[[int], None] | None,
    ctx: moderngl.Context,
) -> None:
    writer = _Writer(video)
    writer.start()
    try:
        pending = -1
        for k, states in enumerate(frame_states(scene, frames)):
            number = frames.start + k
            with gl_failures(f"drawing frame {number}"):
                comp.render(states, number)
                comp.read_frame_into(pbos[k % 2])
            if pending >= 0:
                writer.put(pbos[pending % 2].read())
                _tick(progress, on_frame, pending + 1)
            pending = k
            check_gl_error(ctx, f"frame {number}")
        if pending >= 0:
            writer.put(pbos[pending % 2].read())
            _tick(progress, on_frame, pending + 1)
    except BaseException:
        # Kill ffmpeg first: that unblocks a writer stuck in a pipe
        # write, so joining it cannot hang.
        video.abort()
        with contextlib.suppress(BaseException):
            writer.close()
        raise
    writer.close()
    if writer.error is not None:
        raise writer.error


def _layout(scene: Scene) -> str:
    # The 4:2:0 codecs get their planes from the GPU; PNG and ProRes (4:2:2,
    # 10 bit) take RGB and let ffmpeg convert; png16 takes 16-bit display values and
    # exr the linear exposure in float, both from deeper targets than 8 bits.
    codec = scene.output.codec
    if codec in EVEN_SIZE_CODECS:
        return "yuv420p"
    return {"png16": "rgb48le", "exr": "rgbf32le"}.get(codec, "rgb24")


def video_compositor(ctx: moderngl.Context, scene: Scene) -> Compositor:
    """The compositor ``render_video`` draws the scene's video with (for reuse across
    chunks of one scene: its start-up is the GPU tables, not the frames)."""
    out = scene.output
    view = View(out.width, out.height, scene.camera.fov_deg)
    return Compositor(ctx, scene, view, output=_layout(scene))


def _tick(progress: Progress | None, on_frame: Callable[[int], None] | None, done: int) -> None:
    if progress is not None:
        progress.update(done)
    if on_frame is not None:
        on_frame(done)


def render_still(
    scene: Scene,
    sim_s: float,
    *,
    ctx: moderngl.Context | None = None,
) -> np.ndarray:
    """One frame at ``sim_s`` simulated seconds after the start: (H, W, 3) uint8, top row first.

    Motion blur applies as in the video: the sub-frames are spread over the
    shutter interval centred on that instant.
    """
    out = scene.output
    view = View(out.width, out.height, scene.camera.fov_deg)
    own_ctx = ctx is None
    ctx = ctx or create_headless_context()
    comp: Compositor | None = None
    try:
        with gl_failures(f"setting up the GL passes at {out.width}x{out.height}"):
            comp = Compositor(ctx, scene, view)
        frame = sim_s * out.fps / scene.time.speed
        sub = subframe_sim_seconds(scene, frame)
        tl = build_timeline(scene, np.asarray(sub, dtype=np.float64))
        states = [FrameState.from_timeline(tl, j) for j in range(len(sub))]
        with gl_failures("drawing the still"):
            comp.render(states, int(round(frame)))
            check_gl_error(ctx, "the still")
            data = comp.read_rgb()
    finally:
        if comp is not None:
            comp.release()
        if own_ctx:
            ctx.release()
    return np.frombuffer(data, dtype=np.uint8).reshape(out.height, out.width, 3)


def sim_seconds_of_utc(scene: Scene, when: datetime) -> float:
    """Simulated seconds after the scene's start for a UTC instant."""
    return (when - scene.time.start_utc).total_seconds()


def video_seconds_to_sim(scene: Scene, video_s: float) -> float:
    """Simulated seconds shown at ``video_s`` seconds into the video."""
    return video_s * scene.time.speed


def write_png(image: np.ndarray, path: Path, *, force: bool = False) -> None:
    """Write an RGB image to PNG atomically, in a private work folder beside ``path``.

    An existing ``path`` (a dangling symlink included) is refused unless ``force``; a
    folder is never replaced.  A full disk or a folder that cannot be written is a
    RenderError (one line); nothing is left behind.
    """
    from PIL import Image

    path = Path(path)
    remove_stale_work(path.parent)
    check_target(path, folder=False, force=force)
    work = make_work_folder(path)
    try:
        made = work.still_path()
        try:
            Image.fromarray(image, "RGB").save(made, format="PNG")
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise RenderError(f"cannot write {path}: {reason}") from None
        publish_file(made, path, force=force)
    finally:
        work.discard()
