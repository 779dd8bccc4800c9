"""The ``orbitlapse`` command: render, still, preview, check, schema, info.

Exit status: 0 success, 1 a failure while rendering, 2 a bad scene or bad
arguments (docs/scenes.md).  A bad input is reported as one line on standard
error, never as a Python traceback; so is any failure while rendering (set
``ORBITLAPSE_DEBUG=1`` to see the traceback of an unexpected one).  Ctrl-C,
SIGTERM and SIGHUP stop cleanly with status 128 + the signal (130, 143, 129) and
leave no partial output.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from renderer import __version__
from renderer.errors import OrbitlapseError, RenderError, SceneError, UsageError
from renderer.output.codecs import ENCODER_CHOICES


def _docs_text() -> str:
    """Where this installation's documentation is: the checkout's docs/ or the copy a
    wheel installs inside the package."""
    from renderer.assets import docs_dir

    try:
        docs = docs_dir()
    except RenderError:
        return (
            "The scene format is documented in docs/scenes.md, the physics in\n"
            "docs/physics.md (both in orbitlapse's source distribution)."
        )
    return (
        f"The scene format is documented in {docs / 'scenes.md'},\n"
        f"the physics in {docs / 'physics.md'}; `orbitlapse schema` prints the\n"
        "scene format as JSON Schema for editors."
    )


EPILOG = (
    "exit status: 0 success, 1 failure while rendering, 2 bad scene or arguments.\n" + _docs_text()
)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _env_float(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        return _positive_float(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"orbitlapse: ${name}: {exc}") from None


def _utc(text: str) -> datetime:
    from renderer.scene import parse_utc

    try:
        return parse_utc(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_farm_options(r: argparse.ArgumentParser) -> None:
    r.add_argument(
        "--frames",
        metavar="A:B",
        help="render only frames A to B-1 (absolute numbers) as a standalone video",
    )
    r.add_argument(
        "--chunk-frames",
        type=_positive_int,
        metavar="N",
        default=None,
        help="frames per resumable chunk (default: 4 s of video)",
    )
    r.add_argument(
        "--keep-chunks", action="store_true", help="keep the .NAME.chunks folder after joining"
    )
    r.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="ADDRESS",
        help="render the chunks as Ray tasks on a cluster (ADDRESS as ray.init takes it; "
        "'local' starts one here; none: RAY_ADDRESS or the running cluster)",
    )
    r.add_argument(
        "--gpus-per-chunk",
        type=_positive_float,
        metavar="G",
        default=None,
        help="GPUs each Ray task asks for (with --ray)",
    )


def _add_encoder_options(r: argparse.ArgumentParser) -> None:
    r.add_argument(
        "--preset",
        metavar="P",
        help="encoder speed preset (overrides output.preset): an x264/x265 name for "
        "h264/h265, 0-13 for av1",
    )
    _add_gl_path_option(r)
    r.add_argument(
        "--encoder",
        choices=ENCODER_CHOICES,
        default=None,
        help="auto: NVENC where it runs, else software (the default); software; "
        "nvenc: NVIDIA's encoder or refuse (h264, h265, av1)",
    )


def _add_gl_path_option(p: argparse.ArgumentParser) -> None:
    from renderer.scene import GL_PATHS

    p.add_argument(
        "--gl-path",
        choices=GL_PATHS,
        default=None,
        help="run the passes that have both (the Earth, the glare) as fragment or as "
        "compute shaders, the picture the same; auto (the default): whichever this "
        "device runs faster (orbitlapse info says which, and why)",
    )


def _frame_range(text: str | None, count: int) -> range:
    """``A:B`` (either end may be left out) as a range within the video's frames."""
    if text is None:
        return range(count)
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError
        a = int(first) if first.strip() else 0
        b = int(last) if last.strip() else count
    except ValueError:
        raise UsageError(f"orbitlapse render: --frames: expected A:B, got {text!r}") from None
    if not 0 <= a < b <= count:
        raise UsageError(
            f"orbitlapse render: --frames: {a}:{b} is not within the video's frames 0:{count}"
        )
    return range(a, b)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = _Parser(
        prog="orbitlapse",
        description="Render space scenes seen from orbit to video with the GPU.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"orbitlapse {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    r = sub.add_parser("render", help="render the scene to video", epilog=EPILOG)
    r.add_argument("scene", metavar="SCENE", help="scene file (.toml)")
    r.add_argument("-o", "--output", metavar="OUT", help="output file (overrides output.path)")
    # Sizes, rate and duration go to the scene's own validation as text: it owns their
    # ranges and names the option in its message.
    r.add_argument("--width", metavar="W")
    r.add_argument("--height", metavar="H")
    r.add_argument("--fps", metavar="F")
    r.add_argument("--duration", metavar="S", help="seconds of video (with --start: of the range)")
    r.add_argument(
        "--start",
        type=_finite_float,
        metavar="S",
        default=None,
        help="render from S seconds of video on (to the end, or for --duration), "
        "frames keeping their numbers",
    )
    r.add_argument(
        "--draft",
        action="store_true",
        help="half the width and height, same framing, cheapest settings; "
        "written to NAME-draft unless -o",
    )
    r.add_argument("--codec", metavar="CODEC", help="h264, h265, av1, prores, png, png16 or exr")
    r.add_argument("--crf", metavar="N", help="quality of h264/h265 (0..51) and av1 (0..63)")
    r.add_argument("--force", action="store_true", help="replace an existing output")
    r.add_argument("--quiet", action="store_true", help="no progress on standard error")
    _add_encoder_options(r)
    _add_farm_options(r)

    s = sub.add_parser("still", help="render one frame to PNG", epilog=EPILOG)
    s.add_argument("scene", metavar="SCENE")
    when = s.add_mutually_exclusive_group()
    when.add_argument(
        "--at",
        type=_finite_float,
        metavar="S",
        default=None,
        help="seconds into the video (default 0)",
    )
    when.add_argument(
        "--utc",
        type=_utc,
        metavar="TIME",
        default=None,
        help="a UTC instant, RFC 3339 (2018-11-16T18:14:08Z)",
    )
    s.add_argument(
        "-o", "--output", metavar="OUT.png", help="the PNG to write (default: SCENE-tS.png)"
    )
    s.add_argument("--width", metavar="W")
    s.add_argument("--height", metavar="H")
    s.add_argument("--force", action="store_true", help="replace an existing file")
    s.add_argument("--quiet", action="store_true")
    _add_gl_path_option(s)

    from renderer.preview.keys import controls_help

    v = sub.add_parser(
        "preview",
        help="play the scene in a window",
        description="Play the scene in a window, drawn by the same passes as render.\n"
        "Saving the scene file reloads it; a bad edit shows its error and\n"
        "keeps the last good scene.",
        epilog=f"controls:\n{controls_help()}\n\n{EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("scene", metavar="SCENE")
    v.add_argument(
        "--width",
        type=_positive_int,
        metavar="W",
        help="window width in pixels (height from the scene's aspect)",
    )
    v.add_argument("--paused", action="store_true", help="start paused on frame 0")
    v.add_argument(
        "--frame-budget",
        type=_positive_float,
        metavar="MS",
        default=None,
        help="frame time above which the internal resolution is halved (default 100)",
    )
    # Commands (the keys' command lines, plus status/sync/screenshot) from standard
    # input ("-") or a FIFO, answered on standard output: for tests and scripts.
    v.add_argument("--control", metavar="FILE", default=None, help=argparse.SUPPRESS)

    j = sub.add_parser(
        "join",
        help="join rendered frame ranges into one video without re-encoding",
        epilog=EPILOG,
    )
    j.add_argument("parts", metavar="PART", nargs="+", help="videos (or PNG folders) to join")
    j.add_argument("-o", "--output", required=True, metavar="OUT", help="the joined video")
    j.add_argument("--force", action="store_true", help="replace an existing output")

    c = sub.add_parser("check", help="validate and summarise the scene", epilog=EPILOG)
    c.add_argument("scene", metavar="SCENE")
    c.add_argument(
        "--warn-hours",
        type=_positive_float,
        metavar="H",
        default=_env_float("ORBITLAPSE_WARN_HOURS", 1.0),
        help="warn when rendering would take longer (default 1, or $ORBITLAPSE_WARN_HOURS)",
    )
    c.add_argument(
        "--warn-gb",
        type=_positive_float,
        metavar="GB",
        default=_env_float("ORBITLAPSE_WARN_GB", 10.0),
        help="warn when the output would be larger (default 10, or $ORBITLAPSE_WARN_GB)",
    )

    sub.add_parser(
        "schema",
        help="print the scene format as JSON Schema (for editors)",
        description="Print the JSON Schema of scene files on standard output: save it\n"
        "(orbitlapse schema > scene.schema.json) and put the line\n"
        "#:schema scene.schema.json at the top of a scene for a TOML editor\n"
        "(Taplo, Even Better TOML) to complete and check its keys.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser("info", help="the GL renderer in use and the encoders available")
    return p


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C would be so the same clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    # Once: a second signal while cleaning up must not cut the clean-up short.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def _install_signal_handlers() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        # A signal ignored by whoever started us (nohup) stays ignored.
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _raise_interrupted)


def _one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) escaped."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _say(text: str) -> None:
    print(_one_line(text), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``orbitlapse`` console script."""
    import threading

    if threading.current_thread() is threading.main_thread():
        _install_signal_handlers()
    try:
        return _run(argv)
    except KeyboardInterrupt as exc:
        _say("orbitlapse: interrupted; no output was written")
        return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)
    except UsageError as exc:
        _say(str(exc))  # already prefixed with the (sub)command's name
        return exc.exit_status
    except OrbitlapseError as exc:
        _say(f"orbitlapse: {exc}")
        return exc.exit_status
    except BrokenPipeError:
        return 1
    except MemoryError:
        _say("orbitlapse: out of memory")
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"orbitlapse: {where}{(exc.strerror or str(exc)).lower()}")
        return 1
    except Exception as exc:
        # A failure nothing above foresaw is still one line; the traceback on request.
        if os.environ.get("ORBITLAPSE_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        _say(f"orbitlapse: unexpected error: {type(exc).__name__}: {detail}")
        return 1


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    handler = {
        "render": _render,
        "still": _still,
        "preview": _preview,
        "check": _check,
        "info": _info,
        "schema": _schema,
        "join": _join,
    }[args.command]
    return handler(args)


def _load(args: argparse.Namespace) -> object:
    from renderer.scene import load_scene

    return load_scene(Path(args.scene))


def _prepare_target(scene: object, path: Path, key: str, *, folder: bool, force: bool) -> None:
    """Refuse, before GL starts, an output that cannot or may not be written (exit 2);
    and remove the work folders a killed earlier run left beside it."""
    from renderer.output.chunks import chunk_folder
    from renderer.output.files import TargetRefused, check_target, remove_stale_work
    from renderer.output.writer import OutputExistsError

    remove_stale_work(path.parent)
    # A killed chunked render leaves its unfinished chunk's work folder in the chunk
    # folder; complete chunks stay there for the next run, an emptied folder goes.
    chunks = chunk_folder(path)
    if chunks.is_dir() and not chunks.is_symlink():
        remove_stale_work(chunks)
        with contextlib.suppress(OSError):
            chunks.rmdir()
    try:
        check_target(path, folder=folder, force=force)
    except (TargetRefused, OutputExistsError) as exc:
        raise SceneError(str(scene.source), key, str(exc)) from None  # type: ignore[attr-defined]


def _start_range(scene: Any, start_s: float, duration: str | None) -> tuple[Any, range]:
    """``--start S`` (with ``--duration D``, the range's length) as the scene, lengthened
    when the range runs past its end, and the range of absolute frame numbers."""
    from renderer.scene import with_overrides

    out = scene.output
    if start_s < 0:
        raise UsageError("orbitlapse render: --start: must not be negative")
    first = round(start_s * out.fps)
    if duration is None:
        if first >= out.frame_count:
            raise UsageError(
                f"orbitlapse render: --start: {start_s:g} s is beyond the video's "
                f"{out.duration_s:g} s (give --duration to render past its end)"
            )
        return scene, range(first, out.frame_count)
    length = _positive_float_option(duration, "--duration")
    stop = first + max(1, round(length * out.fps))
    if stop > out.frame_count:
        scene = with_overrides(scene, duration_s=stop / out.fps)
    return scene, range(first, stop)


def _positive_float_option(text: str, option: str) -> float:
    try:
        return _positive_float(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"orbitlapse render: {option}: {exc}") from None


def _render(args: argparse.Namespace) -> int:
    from renderer.output.chunks import render_chunked
    from renderer.output.codecs import writes_folder
    from renderer.scene import as_draft, with_overrides

    if args.start is not None and args.frames is not None:
        raise UsageError("orbitlapse render: --start: give either --start or --frames")
    scene = with_overrides(
        _load(args),
        path=args.output,
        width=args.width,
        height=args.height,
        fps=args.fps,
        duration_s=args.duration if args.start is None else None,
        codec=args.codec,
        crf=args.crf,
        preset=args.preset,
        gl_path=args.gl_path,
    )
    if args.draft:
        scene = as_draft(scene, rename=args.output is None)
    if args.start is not None:
        scene, frames = _start_range(scene, args.start, args.duration)
    else:
        frames = _frame_range(args.frames, scene.output.frame_count)
    out = scene.output
    key = "-o" if args.output is not None else "output.path"
    _prepare_target(scene, Path(out.path), key, folder=writes_folder(out.codec), force=args.force)
    if not args.quiet:
        part = "" if len(frames) == out.frame_count else f" ({frames.start}:{frames.stop})"
        _say(
            f"orbitlapse: rendering {len(frames)} frames{part} at {out.width}x{out.height}"
            f"{' (draft)' if args.draft else ''}, {out.fps:g} fps, {out.codec} -> {out.path}"
        )
    encoder_choice = args.encoder or "auto"
    if encoder_choice == "nvenc" and args.ray is None:
        # Known here, before GL starts; on a cluster the workers' probe decides.
        from renderer.output.ffmpeg import nvenc_refusal

        reason = nvenc_refusal(out.codec, out.width, out.height)
        if reason is not None:
            raise UsageError(f"orbitlapse render: --encoder nvenc: {reason}")
    farm = None
    if args.ray is not None:
        from renderer.output.ray_farm import RayFarm

        farm = RayFarm(args.ray, gpus_per_chunk=args.gpus_per_chunk, quiet=args.quiet)
    elif args.gpus_per_chunk is not None:
        raise UsageError("orbitlapse render: --gpus-per-chunk: only with --ray")
    path = render_chunked(
        scene,
        frames=frames,
        chunk_frames=args.chunk_frames,
        force=args.force,
        quiet=args.quiet,
        keep_chunks=args.keep_chunks,
        farm=farm,
        encoder_choice=encoder_choice,
    )
    if not args.quiet:
        _say(f"orbitlapse: wrote {path}")
    return 0


def _join(args: argparse.Namespace) -> int:
    from renderer.output.join import join_parts

    path = join_parts([Path(p) for p in args.parts], Path(args.output), force=args.force)
    _say(f"orbitlapse: wrote {path}")
    return 0


def _still(args: argparse.Namespace) -> int:
    from renderer.output.frames import render_still, sim_seconds_of_utc, write_png
    from renderer.scene import check_still_time, with_overrides

    if args.output is not None:
        if Path(args.output).suffix.lower() != ".png":
            name = Path(args.output).name
            raise UsageError(f"orbitlapse still: -o: the still is written as PNG; got {name!r}")
        if "\x00" in args.output:
            raise UsageError("orbitlapse still: -o: must not contain a NUL character")
    scene = with_overrides(
        _load(args), width=args.width, height=args.height, gl_path=args.gl_path, still=True
    )
    if args.utc is not None:
        sim_s = sim_seconds_of_utc(scene, args.utc)
        key = "--utc"
    else:
        video_s = args.at or 0.0
        if video_s < 0:
            raise UsageError("orbitlapse still: --at: must not be negative")
        sim_s = video_s * scene.time.speed
        key = "--at"
    check_still_time(scene, sim_s, key)
    out = Path(args.output) if args.output is not None else _still_name(scene, sim_s)
    _prepare_target(scene, out, "-o", folder=False, force=args.force)
    image = render_still(scene, sim_s)
    write_png(image, out, force=args.force)
    if not args.quiet:
        _say(f"orbitlapse: wrote {out}")
    return 0


def _still_name(scene: Any, sim_s: float) -> Path:
    """``SCENE-tS.png`` in the working directory: the scene's name and the still's time in
    seconds of video (to the millisecond, trailing zeros dropped)."""
    video_s = sim_s / scene.time.speed
    seconds = f"{video_s:.3f}".rstrip("0").rstrip(".")
    return Path(f"{scene.source.stem or 'scene'}-t{seconds}.png")


def _preview(args: argparse.Namespace) -> int:
    _load(args)  # a bad scene is refused the same way as for render, before any window
    from renderer.preview.window import run_preview

    return run_preview(
        Path(args.scene),
        width=args.width,
        paused=args.paused,
        control=args.control,
        budget_ms=args.frame_budget,
    )


def _check(args: argparse.Namespace) -> int:
    from renderer.output.estimate import describe_size, estimate, warnings
    from renderer.scene import describe

    scene = _load(args)
    print(_one_line_rows(describe(scene)))
    est = estimate(scene)
    rows = describe_size(est)
    width = max(len(label) for label, _ in rows) + 2
    for label, text in rows:
        print(f"{label + ':':<{width}}{text}")
    for line in warnings(est, max_hours=args.warn_hours, max_gb=args.warn_gb):
        print(line)
    if scene.launches:
        from renderer.events import describe_events

        print("events (video time; where the camera has the vehicle at that instant):")
        print(_one_line_rows(describe_events(scene)))
    from renderer.sky import describe_sky

    print(_one_line_rows(describe_sky(scene)))
    print("ok: the scene is valid")
    return 0


def _one_line_rows(text: str) -> str:
    return "\n".join(_one_line(line) for line in text.split("\n"))


def _schema(args: argparse.Namespace) -> int:
    from renderer.scene.json_schema import scene_schema_text

    sys.stdout.write(scene_schema_text())
    return 0


def _info(args: argparse.Namespace) -> int:
    from renderer.gl.context import create_headless_context, gl_info
    from renderer.output.ffmpeg import available_encoders, ffmpeg_exe, probe_encoder

    print(f"orbitlapse {__version__}")
    try:
        ctx = create_headless_context()
    except OrbitlapseError as exc:
        print(f"GL: unavailable: {exc}")
        ctx = None
    if ctx is not None:
        info = gl_info(ctx)
        print(f"GL renderer: {info.renderer} ({info.kind})")
        print(f"GL vendor: {info.vendor}")
        print(f"GL version: {info.version}")
        print(f"max texture size: {info.max_texture_size}")
        from renderer.gl.gl_path import choose_gl_path

        choice = choose_gl_path(ctx, "auto")
        print(f"--gl-path auto: {choice.path} ({choice.reason})")
        ctx.release()
    from renderer.gl.devices import egl_devices

    devices = egl_devices()
    print("EGL devices:" if devices else "EGL devices: none listed (no EGL_EXT_device_enumeration)")
    for device in devices:
        print(f"  {device.index}: {device.describe()}")
    print(f"ffmpeg: {ffmpeg_exe()}")
    listed = available_encoders()
    print("encoders:")
    for name, present in listed.items():
        if not present:
            state = "not in this ffmpeg"
        elif name.endswith("_nvenc"):
            state = "works" if probe_encoder(name, 256, 144) else "listed, but no NVIDIA encoder"
        else:
            state = "available"
        print(f"  {name:12s} {state}")
    from renderer.output.codecs import DEFAULT_PRESETS, NVENC_DEFAULT_PRESET, PRESETS

    print("presets (output.preset, --preset):")
    for codec, names in PRESETS.items():
        print(f"  {codec:5s} {names[0]}..{names[-1]}, default {DEFAULT_PRESETS[codec]}")
    print(f"  nvenc p1..p7 nearest the preset, default {NVENC_DEFAULT_PRESET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
