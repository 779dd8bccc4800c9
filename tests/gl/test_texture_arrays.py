"""Mip chains defined level by level from the disk cache (texture_from_levels) against
the same maps mipmapped by GL itself (build_mipmaps): the same texels on every level,
the same trilinear samples between levels, for each kind of map the Earth uses."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from renderer.gl.context import bind_default_framebuffer
from renderer.gl.texture_arrays import level_count, mip_levels, texture_from_levels

GL_SRGB8 = 0x8C41

_SAMPLE = """
#version 430
#if defined(VERTEX_SHADER)
void main() {
    vec2 p = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 4.0 - 1.0;
    gl_Position = vec4(p, 0.0, 1.0);
}
#else
uniform sampler2D u_tex;
uniform float u_lod;
out vec4 color;
void main() { color = textureLod(u_tex, gl_FragCoord.xy / vec2(37.0, 23.0), u_lod); }
#endif
"""


def _sampled(ctx, tex: moderngl.Texture, lod: float) -> np.ndarray:
    prog = ctx.program(
        vertex_shader=_SAMPLE.replace("#version 430", "#version 430\n#define VERTEX_SHADER"),
        fragment_shader=_SAMPLE,
    )
    out = ctx.texture((37, 23), 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[out])
    vao = ctx.vertex_array(prog, [])
    try:
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        tex.use(0)
        prog["u_tex"].value = 0
        prog["u_lod"].value = lod
        fbo.use()
        vao.render(moderngl.TRIANGLES, vertices=3)
        return np.frombuffer(fbo.read(components=4, dtype="f4"), np.float32).copy()
    finally:
        bind_default_framebuffer(ctx)
        for obj in (vao, fbo, out, prog):
            obj.release()


@pytest.mark.parametrize(
    ("shape", "dtype", "internal"),
    [((45, 90, 3), "f1", GL_SRGB8), ((32, 64, 2), "f2", None), ((27, 54), "f1", None)],
)
def test_levels_from_the_cache_are_the_levels_gl_makes(ctx, shape, dtype, internal):
    rng = np.random.default_rng(2)
    if dtype == "f1":
        data = rng.integers(0, 256, size=shape, dtype=np.uint8)
    else:
        data = rng.random(shape).astype(np.float16)
    channels = 1 if len(shape) == 2 else shape[2]
    h, w = shape[:2]
    own = ctx.texture((w, h), channels, data, dtype=dtype, internal_format=internal)
    own.build_mipmaps()
    levels = mip_levels(ctx, data, dtype, internal)
    assert len(levels) == level_count(w, h) == int(np.log2(max(w, h))) + 1
    for k, level in enumerate(levels):
        assert level.tobytes() == own.read(level=k, alignment=1)
    defined = texture_from_levels(ctx, levels, dtype, internal)
    try:
        for lod in (0.0, 1.5, 3.25, len(levels) - 1.0):
            a, b = _sampled(ctx, defined, lod), _sampled(ctx, own, lod)
            assert np.ptp(a) > 0.0 or lod == len(levels) - 1.0
            np.testing.assert_array_equal(a, b)
        # And the chain is needed: level 0 alone samples differently between levels.
        alone = ctx.texture((w, h), channels, data, dtype=dtype, internal_format=internal)
        alone.build_mipmaps()
        alone.write(np.zeros_like(levels[2]).tobytes(), level=2, alignment=1)
        assert not np.array_equal(_sampled(ctx, alone, 1.5), _sampled(ctx, own, 1.5))
        alone.release()
    finally:
        own.release()
        defined.release()
