"""Chunked, resumable renders: the video is rendered as short parts kept beside the output.

``render_chunked`` splits the frames into chunks of ``chunk_frames`` (by default a few
seconds of video), renders each into ``.NAME.chunks/`` beside the output and joins them
without re-encoding (``join.py``). A chunk is written under a temporary name and renamed
when complete (the video writer does that), and its file name holds a key: a hash of
everything that changes its pixels or bytes (the validated scene with the command line's
overrides, the bytes of the textures it names, the shaders and assets, the orbitlapse
version, the encoder and its settings, the frame range). Running the same command again
after Ctrl-C, a crash or a reboot finds the chunks with the same key and renders only the
rest; a changed scene has other keys and reuses nothing. The folder is removed after a
successful join unless asked to keep it.

Chunks are rendered here one after another (memory stays what one render needs), or as
Ray tasks on a cluster (``ray_farm.py``, imported only when asked for).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from renderer import __version__
from renderer.assets import assets_dir, shaders_dir
from renderer.errors import RenderError
from renderer.output.codecs import writes_folder
from renderer.output.ffmpeg import choose_encoder, frame_rate
from renderer.output.files import remove_own_frames, remove_stale_work
from renderer.output.join import join_parts, part_tag
from renderer.output.writer import OutputExistsError
from renderer.scene import Scene

#: Seconds of video per chunk unless ``--chunk-frames`` says otherwise: short enough that
#: an interruption loses little, long enough that start-up and joining cost little.
DEFAULT_CHUNK_SECONDS = 4.0

#: Called with the number of frames of one chunk done so far.
FrameCallback = Callable[[int], None]


class Farm(Protocol):
    """Somewhere else to render chunks: it chooses the encoder once and renders a list."""

    def choose_encoder(self, codec: str, width: int, height: int, choice: str) -> str: ...
    def render(self, plan: Plan, todo: list[Chunk]) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Chunk:
    """One chunk: its frames and the file (or PNG folder) it is kept in."""

    frames: range
    path: Path

    @property
    def done(self) -> bool:
        """Whether the chunk is complete (only a complete chunk has its final name)."""
        return self.path.exists()

    @property
    def label(self) -> str:
        """``40:80``: how messages name the chunk."""
        return f"{self.frames.start}:{self.frames.stop}"


@dataclass(frozen=True)
class Plan:
    """The chunks of one render and what every chunk of it shares."""

    scene: Scene
    folder: Path
    chunks: tuple[Chunk, ...]
    scene_key: str
    encoder: str

    def tags(self, chunk: Chunk) -> dict[str, str]:
        """The container tags a chunk is written with (``join.py`` reads them back)."""
        out = self.scene.output
        return part_tag(chunk.frames, frame_rate(out.fps), self.scene_key, self.encoder, out.crf)

    def chunk_scene(self, chunk: Chunk) -> Scene:
        """The scene with its output pointed at the chunk's file."""
        return dataclasses.replace(
            self.scene, output=dataclasses.replace(self.scene.output, path=chunk.path)
        )


def chunk_folder(out: Path) -> Path:
    """Where the chunks of output ``out`` are kept: ``.NAME.chunks`` beside it."""
    return out.parent / f".{out.name}.chunks"


def default_chunk_frames(fps: float) -> int:
    """Frames per chunk when not given: ``DEFAULT_CHUNK_SECONDS`` of video."""
    return max(1, round(DEFAULT_CHUNK_SECONDS * fps))


def scene_key(scene: Scene) -> str:
    """A hash of everything in a scene and this orbitlapse that decides its pixels.

    Where the scene came from and where its output goes are left out: the same scene
    rendered to another name is the same picture.
    """
    neutral = dataclasses.replace(
        scene,
        source=Path("scene.toml"),
        output=dataclasses.replace(scene.output, path=Path("out")),
    )
    h = hashlib.sha256()
    h.update(f"orbitlapse {__version__}\n".encode())
    h.update(repr(neutral).encode())
    for path in sorted(set(_paths_in(scene)) - {scene.source, scene.output.path}):
        h.update(f"\nfile {path}\n".encode())
        _hash_file(h, path)
    for folder in (shaders_dir(), assets_dir()):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            h.update(f"\n{path.relative_to(folder)}\n".encode())
            _hash_file(h, path)
    return h.hexdigest()[:16]


def _paths_in(value: object) -> Iterator[Path]:
    if isinstance(value, Path):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _paths_in(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _paths_in(item)


def _hash_file(h: hashlib._Hash, path: Path) -> None:
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    except OSError as exc:
        raise RenderError(f"cannot read {path}: {exc.strerror or exc}") from exc


def plan_chunks(scene: Scene, frames: range, chunk_frames: int, encoder: str) -> Plan:
    """Split ``frames`` into chunks kept beside the scene's output, cut at the multiples
    of ``chunk_frames`` (absolute frame numbers): a range that starts or ends between
    them has a shorter chunk there, and the chunks of any range of a scene are the same
    files as those of the whole video where they cover the same frames, so a range
    rendered to the same name reuses what an interrupted whole render left, and back."""
    out = scene.output
    key = scene_key(scene)
    folder = chunk_folder(Path(out.path))
    suffix = "" if writes_folder(out.codec) else Path(out.path).suffix
    chunks = []
    cuts = range((frames.start // chunk_frames + 1) * chunk_frames, frames.stop, chunk_frames)
    edges = [frames.start, *cuts, frames.stop]
    for first, stop in zip(edges, edges[1:], strict=False):
        part = range(first, stop)
        digest = hashlib.sha256(f"{key} {encoder} {out.crf} {part}".encode()).hexdigest()[:16]
        name = f"{part.start:07d}-{part.stop:07d}-{digest}{suffix}"
        chunks.append(Chunk(part, folder / name))
    return Plan(scene, folder, tuple(chunks), key, encoder)


def render_chunked(
    scene: Scene,
    *,
    frames: range | None = None,
    chunk_frames: int | None = None,
    force: bool = False,
    quiet: bool = False,
    keep_chunks: bool = False,
    farm: Farm | None = None,
    encoder_choice: str = "auto",
) -> Path:
    """Render ``frames`` of the scene (all by default) in chunks, reusing complete ones,
    and join them into ``scene.output.path``; returns the path written.

    ``farm`` renders the chunks elsewhere (``ray_farm.RayFarm``) and is closed here;
    without one they are rendered here, one after another.  ``encoder_choice`` is
    ``choose_encoder``'s (auto, software, nvenc).
    """
    out = scene.output
    path = Path(out.path)
    frames = range(out.frame_count) if frames is None else frames
    chunk_frames = chunk_frames or default_chunk_frames(out.fps)
    try:
        if not path.parent.is_dir():
            raise RenderError(f"{path.parent}: output folder does not exist")
        if os.path.lexists(path) and not force:
            raise OutputExistsError(path)
        # The encoder is chosen once, by the driver (or one probe on the cluster), and
        # every chunk is written with it.
        encoder = (
            farm.choose_encoder(out.codec, out.width, out.height, encoder_choice)
            if farm is not None
            else choose_encoder(out.codec, out.width, out.height, encoder_choice)
        )
        plan = plan_chunks(scene, frames, chunk_frames, encoder)
        _make_chunk_folder(plan.folder)
        todo = [c for c in plan.chunks if not c.done]
        reused = len(plan.chunks) - len(todo)
        if reused and not quiet:
            print(f"orbitlapse: reusing {reused} of {len(plan.chunks)} chunks", file=sys.stderr)
        try:
            if farm is not None:
                farm.render(plan, todo)
            else:
                _render_here(plan, todo, quiet=quiet)
        except BaseException:
            _after_failure(plan, quiet=quiet)
            raise
    finally:
        if farm is not None:
            farm.close()
    join_parts([c.path for c in plan.chunks], path, force=force)
    if not keep_chunks:
        _remove_chunks(plan)
    return path


def _make_chunk_folder(folder: Path) -> None:
    """Create the chunk folder, or accept an existing one only if it is a real folder of
    this user's (never a symlink someone planted to make us write or delete elsewhere)."""
    try:
        folder.mkdir(mode=0o700)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise RenderError(f"cannot create {folder}: {(exc.strerror or str(exc)).lower()}") from None
    st = folder.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise RenderError(
            f"{folder}: exists and is not a chunk folder of this user's; not using it"
        )


def _remove_chunks(plan: Plan) -> None:
    """Remove the plan's chunk files (a PNG chunk: its frames) and work folders that runs
    left, then the folder if that emptied it: never a name orbitlapse does not write."""
    remove_stale_work(plan.folder)
    for chunk in plan.chunks:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(chunk.path.lstat().st_mode):
                remove_own_frames(chunk.path)
            else:
                chunk.path.unlink()
    with contextlib.suppress(OSError):
        plan.folder.rmdir()


def _render_here(plan: Plan, todo: list[Chunk], *, quiet: bool) -> None:
    """Render the chunks one after another on one GL context."""
    if not todo:
        return
    from renderer.gl.context import create_headless_context
    from renderer.output.frames import Progress, render_video, video_compositor

    progress = None if quiet else Progress(sum(len(c.frames) for c in todo))
    ctx = create_headless_context()
    comp = None
    try:
        # One compositor for every chunk: the scene (bar the output's name) is the same.
        comp = video_compositor(ctx, plan.scene)
        base = 0
        for chunk in todo:

            def tick(done: int, base: int = base) -> None:
                if progress is not None:
                    progress.update(base + done)

            render_video(
                plan.chunk_scene(chunk),
                quiet=True,
                ctx=ctx,
                on_frame=tick,
                frames=chunk.frames,
                encoder=plan.encoder,
                metadata=None if writes_folder(plan.scene.output.codec) else plan.tags(chunk),
                compositor=comp,
            )
            base += len(chunk.frames)
    finally:
        if comp is not None:
            comp.release()
        ctx.release()
    if progress is not None:
        progress.finish()


def _after_failure(plan: Plan, *, quiet: bool) -> None:
    """Keep complete chunks for the next run; leave no folder when there are none."""
    kept = sum(1 for c in plan.chunks if c.done)
    if kept == 0:
        _remove_chunks(plan)
        return
    if not quiet:
        print(
            f"orbitlapse: {kept} of {len(plan.chunks)} chunks kept in {plan.folder}; "
            "the same command resumes from them",
            file=sys.stderr,
        )
