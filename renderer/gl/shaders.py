"""Load the programs in ``shaders/*.glsl``.

``shaders/`` holds two kinds of file:

* ``shaders/*.glsl``: programs, one per file, each built on its own by
  :func:`build_program` or :func:`build_compute` (``earth.glsl``,
  ``bodies.glsl``, ``stars.glsl``, ``plume.glsl``, ``bloom.glsl``, ``post.glsl``,
  ``yuv.glsl``, ``present.glsl``, ``cloud_cover.glsl``, ``atmosphere_luts.glsl``);
* ``shaders/lib/*.glsl``: libraries, never built alone, only included by
  programs (``common.glsl``: constants, units, geometry; ``atmosphere.glsl``;
  ``airglow.glsl``; ``clouds.glsl``; ``city_detail.glsl``).

A program's stages are chosen by a define the loader puts after ``#version``:
``VERTEX_SHADER``, ``FRAGMENT_SHADER`` or ``COMPUTE_SHADER``, so a file reads::

    #include "lib/common.glsl"
    #if defined(VERTEX_SHADER)
    void main() { ... }
    #elif defined(FRAGMENT_SHADER)
    void main() { ... }
    #endif

``#include "path.glsl"`` names a file relative to ``shaders/`` (not to the file
that includes it), so a library includes another as ``"lib/name.glsl"`` too.
Includes are resolved recursively (each file once, like a pragma once), and a
``#line LINE FILE`` directive follows every splice so a compiler message points
at the right file and line.  GLSL's ``#line`` takes a number, not a name, so
each file gets an index and compile errors are rewritten with names
(``lib/common.glsl:12(3)``).

Directives are recognised only as whole lines (after optional spaces), never by
blind text replacement inside code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import moderngl
import numpy as np

from renderer.assets import shaders_dir
from renderer.errors import RenderError

GLSL_VERSION = "#version 450 core"

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
# Mesa: "SOURCE:LINE(COLUMN): error: ...";  NVIDIA: "SOURCE(LINE) : error C0000: ..."
_MESA_LOC = re.compile(r"(?m)^(\d+):(\d+)\((\d+)\)")
_NV_LOC = re.compile(r"(?m)^(\d+)\((\d+)\)")

STAGES = {
    "vertex": "VERTEX_SHADER",
    "fragment": "FRAGMENT_SHADER",
    "compute": "COMPUTE_SHADER",
}


@dataclass
class ShaderSource:
    """A program's source with its includes spliced in, ready per stage."""

    name: str
    body: str
    files: list[str] = field(default_factory=list)

    def stage(self, stage: str, defines: dict[str, object] | None = None) -> str:
        """Full source text for one stage (``vertex``, ``fragment``, ``compute``)."""
        lines = [GLSL_VERSION, f"#define {STAGES[stage]} 1"]
        for key, value in (defines or {}).items():
            lines.append(f"#define {key} {value}")
        lines.append(self.body)
        return "\n".join(lines)

    def rename_locations(self, log: str) -> str:
        """Rewrite a compiler log's ``FILEINDEX:LINE`` locations as ``path.glsl:LINE``."""

        def name(index: str) -> str:
            i = int(index)
            return self.files[i] if 0 <= i < len(self.files) else f"<source {i}>"

        log = _MESA_LOC.sub(lambda m: f"{name(m.group(1))}:{m.group(2)}({m.group(3)})", log)
        return _NV_LOC.sub(lambda m: f"{name(m.group(1))}:{m.group(2)}", log)


def load_source(name: str, directory: Path | None = None) -> ShaderSource:
    """Read ``name`` (relative to the shaders directory) and splice its ``#include`` lines."""
    root = directory or shaders_dir()
    src = ShaderSource(name=name, body="")
    src.body = _expand(root, name, src.files, stack=())
    return src


def _expand(root: Path, name: str, files: list[str], stack: tuple[str, ...]) -> str:
    if name in stack:
        chain = " -> ".join((*stack, name))
        raise RenderError(f"shader include cycle: {chain}")
    if name in files:
        return ""  # included once already
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        where = f" (included from {stack[-1]})" if stack else ""
        raise RenderError(f"cannot read shader {path}{where}: {exc.strerror}") from None
    index = len(files)
    files.append(name)
    out = [f"#line 1 {index}"]
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _INCLUDE.match(line)
        if m:
            out.append(_expand(root, m.group(1), files, (*stack, name)))
            out.append(f"#line {lineno + 1} {index}")
        else:
            out.append(line)
    return "\n".join(out)


def build_program(
    ctx: moderngl.Context, name: str, defines: dict[str, object] | None = None
) -> moderngl.Program:
    """Compile and link the vertex+fragment program in ``shaders/NAME``."""
    src = load_source(name)
    try:
        return ctx.program(
            vertex_shader=src.stage("vertex", defines),
            fragment_shader=src.stage("fragment", defines),
        )
    except Exception as exc:
        log = src.rename_locations(str(exc))
        raise RenderError(f"shader {name} failed to build:\n{log}") from None


def build_compute(
    ctx: moderngl.Context, name: str, defines: dict[str, object] | None = None
) -> moderngl.ComputeShader:
    """Compile the compute program in ``shaders/NAME``."""
    src = load_source(name)
    try:
        return ctx.compute_shader(src.stage("compute", defines))
    except Exception as exc:
        log = src.rename_locations(str(exc))
        raise RenderError(f"shader {name} failed to build:\n{log}") from None


def set_uniform(program: moderngl.Program, name: str, value: object) -> None:
    """Set a uniform if the linked program kept it (the GLSL compiler drops unused ones)."""
    if name not in program:
        return
    member = program[name]
    if isinstance(value, np.ndarray):
        arr = value.astype(np.float32)
        if arr.shape == (3, 3):
            # GLSL matrices are column-major: hand over the transpose's rows.
            member.write(np.ascontiguousarray(arr.T).tobytes())
            return
        member.value = tuple(float(x) for x in arr.ravel())
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        member.value = tuple(value)
    else:
        member.value = value
