"""Chunks as Ray tasks: ``orbitlapse render SCENE --ray [ADDRESS]``.

The driver (the machine running the command) plans the chunks (``chunks.py``), chooses
the encoder once, and submits one Ray task per chunk still to render. Each task renders its
frames with the same ``render_video`` a local render uses, so a frame is the same picture
wherever it is drawn. Finished chunks reach the driver in one of two ways:

* over a shared folder: the driver leaves a marker file with a random token in the chunk
  folder; a task that reads the same token at the same path writes its chunk there directly;
* otherwise through Ray's object store: the task renders into a temporary folder of its
  own and returns the bytes, which the driver writes into the chunk folder.

A task that dies with its worker or node is retried elsewhere (``max_retries``); a task
that raises (a bad texture, a GPU that turned out to be a software renderer) fails the whole
job at once, with its one-line reason. Ray is imported only here, and this module only when
``--ray`` is given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from renderer.errors import OrbitlapseError, RenderError, UsageError
from renderer.output.chunks import Chunk, Plan
from renderer.output.codecs import writes_folder
from renderer.output.ffmpeg import one_line
from renderer.scene import Scene

#: Times Ray re-runs a chunk whose worker or node died before giving up on the job.
MAX_RETRIES = 3
_POLL_S = 0.5
_REPORT_EVERY_S = 0.5


class _Tally:
    """Frames done per chunk and chunks running, reported by the tasks (a Ray actor)."""

    def __init__(self) -> None:
        self.done: dict[int, int] = {}
        self.running: set[int] = set()

    def started(self, chunk: int) -> None:
        self.done[chunk] = 0
        self.running.add(chunk)

    def frames(self, chunk: int, done: int) -> None:
        self.done[chunk] = done

    def ended(self, chunk: int) -> None:
        self.running.discard(chunk)

    def read(self) -> tuple[dict[int, int], int]:
        return dict(self.done), len(self.running)


class RayFarm:
    """A connection to a Ray cluster that renders a plan's chunks.

    ``address`` is what ``ray.init`` takes (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``);
    ``local`` starts a cluster on this machine for the length of the render.
    """

    def __init__(self, address: str, *, gpus_per_chunk: float | None, quiet: bool) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError(
                "orbitlapse render: --ray needs Ray: pip install 'orbitlapse[ray]'"
            ) from None
        self.ray = ray
        self.gpus = gpus_per_chunk
        self.quiet = quiet
        self.owned = not ray.is_initialized()
        if self.owned:
            options: dict[str, Any] = {
                "logging_level": logging.ERROR,
                "log_to_driver": False,
            }
            if address == "local":
                options["include_dashboard"] = False
            else:
                options["address"] = address
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RenderError(
                    f"cannot connect to the Ray cluster at {address}: {one_line(str(exc))}"
                ) from None

    def _options(self) -> dict[str, Any]:
        return {"num_cpus": 1, "num_gpus": self.gpus or 0}

    def choose_encoder(self, codec: str, width: int, height: int, choice: str = "auto") -> str:
        """The encoder, chosen once by a task with the resources a chunk asks for."""
        task = self.ray.remote(_choose_encoder).options(**self._options(), max_retries=MAX_RETRIES)
        return self._get(task.remote(codec, width, height, choice), "choosing the encoder")

    def _get(self, ref: Any, what: str) -> Any:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:
            raise RenderError(f"{what} failed on a Ray worker: {_cause(exc)}") from None
        except self.ray.exceptions.RayError as exc:
            raise RenderError(f"{what}: Ray gave up: {_first_line(exc)}") from None

    def render(self, plan: Plan, todo: list[Chunk]) -> None:
        """Render the chunks in ``todo`` on the cluster into the plan's folder."""
        if not todo:
            return
        ray = self.ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from renderer.output.frames import Progress

        token = secrets.token_hex(16)
        marker = plan.folder / f".ray-{token[:8]}"
        marker.write_text(token)
        here = ray.get_runtime_context().get_node_id()
        tally = (
            ray.remote(_Tally)
            .options(
                num_cpus=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=True),
            )
            .remote()
        )
        task = ray.remote(_render_chunk).options(
            **self._options(), max_retries=MAX_RETRIES, retry_exceptions=False
        )
        want_gpu = self.gpus is not None
        refs = {
            task.remote(
                plan.chunk_scene(chunk),
                i,
                chunk.frames.start,
                chunk.frames.stop,
                plan.encoder,
                None if writes_folder(plan.scene.output.codec) else plan.tags(chunk),
                str(marker),
                token,
                want_gpu,
                tally,
            ): (i, chunk)
            for i, chunk in enumerate(todo)
        }
        total = sum(len(c.frames) for c in todo)
        progress = None if self.quiet else Progress(total, label="ray")
        finished = 0
        try:
            pending = list(refs)
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=_POLL_S)
                for ref in ready:
                    i, chunk = refs[ref]
                    payload = self._get(ref, f"chunk {chunk.label}")
                    if payload is not None:
                        _receive(payload, chunk.path)
                    finished += len(chunk.frames)
                if progress is not None:
                    self._report(progress, tally, todo, pending, refs, finished)
        except BaseException:
            for ref in refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            raise
        finally:
            with contextlib.suppress(Exception):
                ray.kill(tally)
            marker.unlink(missing_ok=True)
        if progress is not None:
            progress.finish()

    def _report(
        self,
        progress: Any,
        tally: Any,
        todo: list[Chunk],
        pending: list[Any],
        refs: dict[Any, tuple[int, Chunk]],
        finished: int,
    ) -> None:
        try:
            partial, busy = self.ray.get(tally.read.remote(), timeout=5)
        except Exception:  # the tally is only for show; a lost one costs the progress line
            return
        open_ids = {refs[r][0] for r in pending}
        frames = finished + sum(n for i, n in partial.items() if i in open_ids)
        progress.detail = f"{busy} workers busy"
        progress.update(min(frames, progress.total))

    def close(self) -> None:
        """Disconnect (and stop the cluster when it was started here)."""
        if self.owned:
            with contextlib.suppress(Exception):
                self.ray.shutdown()


def _cause(exc: Exception) -> str:
    cause = getattr(exc, "cause", None)
    if isinstance(cause, OrbitlapseError):
        return str(cause)
    if cause is not None:
        return one_line(f"{type(cause).__name__}: {cause}")
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return one_line(lines[-1] if lines else type(exc).__name__)


def _receive(payload: bytes | dict[str, bytes], path: Path) -> None:
    """Write a chunk that came through the object store, under a temporary name first."""
    temp = path.parent / f".{path.name}.recv-{os.getpid()}"
    try:
        if isinstance(payload, bytes):
            temp.write_bytes(payload)
        else:
            temp.mkdir()
            for name, data in payload.items():
                (temp / name).write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- on the workers


def _choose_encoder(codec: str, width: int, height: int, choice: str) -> str:
    from renderer.output.ffmpeg import choose_encoder

    return choose_encoder(codec, width, height, choice)


def _sees(marker: str, token: str) -> bool:
    try:
        return Path(marker).read_text() == token
    except OSError:
        return False


def _render_chunk(
    scene: Scene,
    index: int,
    start: int,
    stop: int,
    encoder: str,
    tags: dict[str, str] | None,
    marker: str,
    token: str,
    want_gpu: bool,
    tally: Any,
) -> bytes | dict[str, bytes] | None:
    """Render one chunk on a worker; returns its bytes unless it went to a shared folder."""
    from renderer.gl.context import create_headless_context, gl_info
    from renderer.output.frames import render_video

    tally.started.remote(index)
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= _REPORT_EVERY_S or done == stop - start:
            last[0] = now
            tally.frames.remote(index, done)

    ctx = create_headless_context()
    local: Path | None = None
    try:
        if want_gpu:
            info = gl_info(ctx)
            if info.software:
                raise RenderError(
                    f"chunk {start}:{stop} asked for a GPU, but on {socket.gethostname()} "
                    f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '')}) "
                    f"EGL gave the software renderer {info.renderer}"
                )
        target = Path(scene.output.path)
        if not _sees(marker, token):
            local = Path(tempfile.mkdtemp(prefix="orbitlapse-chunk-"))
            target = local / target.name
        render_video(
            dataclasses.replace(scene, output=dataclasses.replace(scene.output, path=target)),
            force=True,
            quiet=True,
            ctx=ctx,
            on_frame=report,
            frames=range(start, stop),
            encoder=encoder,
            metadata=tags,
        )
        if local is None:
            return None
        if target.is_dir():
            return {p.name: p.read_bytes() for p in sorted(target.iterdir())}
        return target.read_bytes()
    finally:
        ctx.release()
        tally.ended.remote(index)
        if local is not None:
            shutil.rmtree(local, ignore_errors=True)
        sys.stderr.flush()
