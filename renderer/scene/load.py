"""Reading a scene: the file's bytes, TOML errors mapped to sections, the command line's
overrides.  ``load_scene`` is the one entry point: what it returns is valid.
"""

from __future__ import annotations

import ast
import re
import stat
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from renderer.output.codecs import CODECS, CONTAINERS, CRF_RANGES, EVEN_SIZE_CODECS, writes_folder
from renderer.scene.fields import (
    _ANY,
    _as_int,
    _as_number,
    _as_path_text,
    _choice,
    _Ctx,
    _join,
    _Range,
)
from renderer.scene.schema import GL_PATHS, MAX_SCENE_BYTES, Scene
from renderer.scene.sections import (
    _DURATION,
    _FPS,
    _build,
    _check_container,
    _check_span,
    _size_range,
    check_instant,
    check_preset,
)

# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------

_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?")


def _section_at(text: str, message: str) -> str:
    """The table header in force where tomllib stopped, as a key path ("" at top level)."""
    lines = text.splitlines()
    m = _AT_LINE.search(message)
    stop = int(m[1]) - 1 if m else len(lines)
    section = ""
    seen: dict[str, int] = {}
    for line in lines[:stop]:
        h = _HEADER.fullmatch(line)
        if h is None:
            continue
        name = re.sub(r"\s*\.\s*", ".", h[2])
        if h[1] == "[[":
            seen[name] = seen.get(name, 0) + 1
            section = f"{name}[{seen[name]}]"
        else:
            section = name
    return section


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_TWICE = re.compile(r"Cannot declare \((.*)\) twice")
_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")


def _key_parts(text: str) -> list[str] | None:
    """A TOML dotted key (``a . "b c"``) as its parts; None when it is not one."""
    parts: list[str] = []
    for piece in text.split("."):
        m = _KEY_PART.fullmatch(piece)
        if m is None:
            return None
        parts.append(next(g for g in m.groups() if g is not None))
    return parts


def _error_key(text: str, message: str) -> str:
    """The key a TOML error is about: the duplicated table or key where tomllib says
    which, else the table in force where it stopped."""
    twice = _TWICE.search(message)
    if twice:
        try:
            names = ast.literal_eval(f"({twice[1].rstrip(', ')},)")
        except (ValueError, SyntaxError):
            names = ()
        if names and all(isinstance(n, str) for n in names):
            path = ""
            for name in names:
                path = _join(path, name)
            return path
    section = _section_at(text, message)
    m = _AT_LINE.search(message)
    if m and message.startswith("Cannot overwrite a value"):
        lines = text.splitlines()
        line = lines[int(m[1]) - 1] if int(m[1]) <= len(lines) else ""
        parts = _key_parts(line.split("=", 1)[0]) if "=" in line else None
        if parts:
            for part in parts:
                section = _join(section, part)
    return section


def _check_integers(ctx: _Ctx, value: Any, path: str) -> None:
    """TOML integers are 64-bit; tomllib reads any length, so refuse what TOML forbids."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            ctx.fail(path, "TOML syntax error: integer outside the 64-bit range TOML allows")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_integers(ctx, item, _join(path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value, 1):
            _check_integers(ctx, item, f"{path}[{i}]")


def _parse_text(ctx: _Ctx, text: str, source: Path) -> Scene:
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM that TOML forbids
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = _lower_first(str(exc))
        if "(at end of document)" in message:
            # tomllib gives no line there; the last line is where to look.
            last = len(text.splitlines())
            message = message.replace("(at end of document)", f"(at end of document, line {last})")
        ctx.fail(_error_key(text, str(exc)), f"TOML syntax error: {message}")
    except ValueError:
        # tomllib lets int() refuse integers of more than 4300 digits.
        ctx.fail("", "TOML syntax error: a number is too long")
    except RecursionError:
        ctx.fail("", "TOML syntax error: arrays or tables nested too deeply")
    _check_integers(ctx, doc, "")
    return _build(ctx, doc, source)


def load_scene(path: str | Path) -> Scene:
    """Read, parse and validate a scene file (docs/scenes.md, version 1).

    Returns the frozen :class:`Scene`.  Every problem with the file or its content, from
    a missing file to an unknown key, raises :class:`SceneError` naming the file, the
    dotted key path (``launch[2].site.lat_deg``) and what is wrong; no other exception
    escapes for any input.
    """
    source = Path(path)
    ctx = _Ctx(str(path), source.parent)
    try:
        st = source.stat()
    except FileNotFoundError:
        ctx.fail("", "no such file")
    except (OSError, ValueError) as exc:
        ctx.fail("", f"cannot read: {_lower_first(getattr(exc, 'strerror', None) or str(exc))}")
    if stat.S_ISDIR(st.st_mode):
        ctx.fail("", "is a directory, not a scene file")
    if not stat.S_ISREG(st.st_mode):
        ctx.fail("", "is not a regular file")
    if st.st_size > MAX_SCENE_BYTES:
        ctx.fail("", f"is {st.st_size} bytes, too large for a scene file (at most 1 MiB)")
    try:
        with open(source, "rb") as f:
            data = f.read(MAX_SCENE_BYTES + 1)
    except OSError as exc:
        ctx.fail("", f"cannot read: {_lower_first(exc.strerror or str(exc))}")
    if len(data) > MAX_SCENE_BYTES:
        ctx.fail("", "too large for a scene file (at most 1 MiB)")
    if not data.strip():
        ctx.fail("", "empty file: a scene needs at least scene_version = 1 and [time] start_utc")
    if b"\x00" in data:
        ctx.fail("", "is a binary file, not TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        ctx.fail("", f"is not UTF-8 text (bad byte at offset {exc.start})")
    return _parse_text(ctx, text, source)


def loads_scene(text: str, source: str | Path = "<scene>") -> Scene:
    """Parse and validate scene text as if read from the file ``source``.

    ``source`` names the file in messages and supplies what a file would: the default
    output name and the folder relative texture paths start from.
    """
    src = Path(source)
    return _parse_text(_Ctx(str(source), src.parent), text, src)


# ---------------------------------------------------------------------------
# Command-line overrides, summary, exposure
# ---------------------------------------------------------------------------


def _from_cli(value: Any, kind: type) -> Any:
    """Command-line text as a number when it reads as one; otherwise as given, refused later."""
    if not isinstance(value, str):
        return value
    for convert in (int, float) if kind is int else (float,):
        try:
            return convert(value)
        except ValueError:
            continue
    return value


def with_overrides(
    scene: Scene,
    *,
    path: str | Path | None = None,
    width: int | str | None = None,
    height: int | str | None = None,
    fps: float | str | None = None,
    duration_s: float | str | None = None,
    codec: str | None = None,
    crf: int | str | None = None,
    preset: str | None = None,
    gl_path: str | None = None,
    still: bool = False,
) -> Scene:
    """Apply the CLI's ``-o``, ``--width``, ``--height``, ``--fps``, ``--duration``,
    ``--codec``, ``--crf``, ``--preset``, ``--gl-path``.

    Values may be numbers or the command line's text.  They are checked by the scene
    file's rules for ``[output]``; a bad one raises :class:`SceneError` whose key is the
    option (``--width``).  Returns a new :class:`Scene`; ``None`` leaves a value as is.
    ``still`` sizes a PNG still: no codec's even-size rule applies to it.  A new codec
    without ``-o`` keeps the output's name and changes its suffix to the codec's
    (``NAME.mp4`` becomes the folder ``NAME`` for png).
    """
    ctx = _Ctx(str(scene.source), scene.source.parent)
    out = scene.output
    changes: dict[str, Any] = {}
    if codec is not None:
        out = _with_codec(ctx, out, codec, rename=path is None)
    if crf is not None:
        changes["crf"] = _checked_crf(ctx, crf, out.codec)
    size, even, note = _size_range("png" if still else out.codec)
    if width is not None:
        changes["width"] = _as_int(
            ctx, _from_cli(width, int), "--width", size, even=even, note=note
        )
    if height is not None:
        changes["height"] = _as_int(
            ctx, _from_cli(height, int), "--height", size, even=even, note=note
        )
    if fps is not None:
        changes["fps"] = _as_number(ctx, _from_cli(fps, float), "--fps", _FPS)
    if duration_s is not None:
        changes["duration_s"] = _as_number(
            ctx, _from_cli(duration_s, float), "--duration", _DURATION
        )
    if path is not None:
        new_path = Path(_as_path_text(ctx, str(path), "-o"))
        _check_container(ctx, new_path, out.codec, "-o")
        changes["path"] = new_path
    if preset is not None:
        changes["preset"] = check_preset(ctx, preset, out.codec, "--preset")
    new = replace(scene, output=replace(out, **changes))
    if codec is not None and not still and out.codec in EVEN_SIZE_CODECS:
        for key, value in (("width", new.output.width), ("height", new.output.height)):
            _as_int(ctx, value, key if key not in changes else f"--{key}", size, even=True,
                    note=note)  # fmt: skip
    if gl_path is not None:
        if gl_path not in GL_PATHS:
            ctx.fail("--gl-path", f"must be one of {', '.join(GL_PATHS)}, got {gl_path!r}")
        new = replace(new, gl_path=gl_path)
    if fps is not None or duration_s is not None:
        _check_span(ctx, new, "--duration" if duration_s is not None else "--fps")
    return new


def _checked_crf(ctx: _Ctx, value: int | str, codec: str) -> int:
    """``--crf`` within the codec's range (any integer for a codec without one)."""
    if codec in CRF_RANGES:
        return _as_int(ctx, _from_cli(value, int), "--crf", _Range(*CRF_RANGES[codec]),
                       note=f" for {codec}")  # fmt: skip
    return _as_int(ctx, _from_cli(value, int), "--crf", _ANY)


def _with_codec(ctx: _Ctx, out: Any, codec: str, *, rename: bool) -> Any:
    """``out`` written with ``codec`` (checked as ``--codec``): its crf must fit the new
    codec's range, and without ``-o`` its name takes the codec's suffix."""
    codec = _choice(ctx, {"--codec": codec}, "", "--codec", tuple(CODECS), out.codec)
    if codec in CRF_RANGES and codec != out.codec:
        low, high = CRF_RANGES[codec]
        if not low <= out.crf <= high:
            ctx.fail("--codec", f"the scene's crf {out.crf} is outside {low}..{high} for {codec}; "
                     "give --crf")  # fmt: skip
    path = out.path
    if rename and not _fits(path, codec):
        if writes_folder(codec):
            path = path.with_suffix("")
        else:
            path = path.with_suffix(".mov" if codec == "prores" else ".mp4")
    return replace(out, codec=codec, path=path)


def _fits(path: Path, codec: str) -> bool:
    allowed = CONTAINERS[codec]
    suffix = path.suffix.lower()
    if allowed:
        return suffix in allowed
    return suffix not in {s for suffixes in CONTAINERS.values() for s in suffixes}


def as_draft(scene: Scene, *, rename: bool) -> Scene:
    """The scene as a draft: half the width and height (a quarter of the pixels) with the
    same field of view, and the cheapest settings: one motion-blur sub-frame, no glare
    and no sensor noise (a draft shows framing, motion and exposure, not the lens; the
    glare's blurs would otherwise be half of a draft frame's cost).  With
    ``rename`` the output is ``NAME-draft`` beside ``NAME``, so a draft never takes the
    full render's name.
    """
    out = scene.output
    step = 2 if out.codec in EVEN_SIZE_CODECS else 1

    def half(n: int) -> int:
        return max(step, round(n / (2 * step)) * step)

    path = out.path
    if rename:
        path = path.with_name(f"{path.stem}-draft{path.suffix}")
    camera = scene.camera
    blur = replace(camera.motion_blur, samples=1)
    return replace(
        scene,
        output=replace(out, width=half(out.width), height=half(out.height), path=path),
        camera=replace(camera, motion_blur=blur, bloom=None, noise=None),
    )


def check_still_time(scene: Scene, sim_s: float, key: str) -> None:
    """Refuse (SceneError naming ``key``) a still at ``sim_s`` simulated seconds after the
    start that the ephemeris or the scene's TLE cannot reach."""
    check_instant(_Ctx(str(scene.source), scene.source.parent), scene, sim_s, key)
