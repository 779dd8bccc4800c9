"""Glare: an energy-conserving, resolution-independent halo around bright light, shaped
like a measured lens point-spread function (``shaders/bloom.glsl``).  Non-finite
radiance (NaN, infinity) is zeroed before it can spread."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import moderngl
import numpy as np

from renderer.frame_state import View
from renderer.gl.context import bind_default_framebuffer
from renderer.gl.shaders import build_compute, build_program, set_uniform
from renderer.scene import Bloom

# The glare kernel, from a measured point-spread function of a fast photographic lens:
# the Canon EF 400 mm f/2.8L IS II USM lenses of the Dragonfly Telephoto Array (Abraham &
# van Dokkum 2014, PASP 126, 55: "a factor of ~10 less scattered light at large radii than
# well-baffled reflecting telescopes"), whose wide-angle PSF Liu et al. 2022 (ApJ 925,
# 219, arXiv:2110.11598) model out to 20-25 arcmin as a core plus a multi-power-law
# aureole.  Their software (elderflower, github.com/qliu4676/elderflower, task.py)
# starts its fits from intensity ~ theta^-3.4 from 5" to 100" and theta^-2.2 beyond,
# with 30 % of the light in the aureole (its "initial guess", "some from fitting stacked
# PSF"): we take those numbers as the measured PSF.  Between 100" (0.48 mrad) and 0.1 rad
# that aureole holds 1.18 % of the light: the steep inner part lies within a pixel of
# any frame up to 2,000 px across 60 deg, so what a frame shows is the outer law,
#
#     PSF(theta) = (1 - F) delta + F K(theta),   K ~ theta^-2.2 from 0.48 mrad.
#
# Beyond the measured 25 arcmin the same law is carried out to 0.1 rad (5.7 deg; our
# choice, keeping the glare inside the frame so that its energy is kept), and ends
# smoothly after it.  The Gaussians below put about a seventh of K's energy into that
# smooth end, so the default ``[camera.bloom] fraction`` F = 0.014 (scene/schema.py)
# matches the measured level, 1.18 % of the light as a theta^-2.2 law over 0.48 mrad
# to 0.1 rad, to within 8 % from 0.5 to 3 deg (tests/gl/test_glare.py).
#
# K is realised as a sum of unit-area Gaussians (shaders/bloom.glsl): a power law
# theta^-n is the scale mixture of Gaussians with weight sigma^(2 - n) per interval of
# ln sigma, so Gaussians a constant factor apart with weights a_j ~ sigma_j^(2 - n)
# follow it between the first and the last.  Defined in angle: the glare covers the same
# part of the scene at any resolution.
GLARE_INDEX = 2.2
GLARE_INNER_RAD = 100.0 / 206264.806  # 100 arcsec, where the measured outer law starts
GLARE_OUTER_RAD = 0.1
# Seven Gaussians, 2.4 times apart: the sum follows the law to within +-6 %; closer ones
# follow it more closely but cost more full-resolution blurs (on a CPU renderer the glare
# is a large share of a frame).
_N = 6
GLARE_SIGMA_RAD = tuple(
    GLARE_INNER_RAD * (GLARE_OUTER_RAD / GLARE_INNER_RAD) ** (j / _N) for j in range(_N + 1)
)
_W = [s ** (2.0 - GLARE_INDEX) for s in GLARE_SIGMA_RAD]
GLARE_WEIGHT = tuple(w / sum(_W) for w in _W)
# Components at least this wide (rad) are blurred out to 5 sigma, the narrower ones to 3:
# cut at 3 sigma, the wide halo of the Sun (~1e9 cd/m^2) ended in a visible edge.
WIDE_SIGMA_RAD = 0.01
# On frames whose pixels are under HALF_RES_PIXEL_RAD across, no component is
# blurred at full resolution: the components narrower than 2 px (at 1080p and 60 deg
# the two narrowest, 0.8 and 2.0 px) are blurred at half resolution, where the mip's
# 2x2 average and the bilinear read-back widen them by 1 px rms.  That moves under
# 0.3 % of a source's light (at the default fraction) by 1 to 3 px, a few hundredths
# of a degree at such sizes, and saves the full-resolution blurs that were half the
# glare's cost on a CPU renderer.  Coarser frames keep them: there a pixel is a
# visible share of the glare's width, and full-resolution blurs are cheap.
HALF_RES_PIXEL_RAD = 1.0e-3
# A component narrower than this (texels of its level, level 1 or deeper) is not
# blurred: the mip's 2x2 average and the bilinear read-back alone spread a point
# over 0.5 texel rms (0.25 texel^2: 1/16 from the average, 3/16 from the
# read-back), about its own width (at 1080p and 60 deg the narrowest is 0.4 texel
# of level 1).
UNBLURRED_SIGMA = 0.5
# A narrow component (under WIDE_SIGMA_RAD) goes one level deeper than
# where it spans two texels, if it still spans one there: its blur is then a quarter
# of the texels and a third of the taps.  The deeper level's coarser mip average and
# extra bilinear read-back widen a point by (4^L - 1)/3 px^2 at level L (a 2^L box,
# (4^L - 1)/12, and 3/16 texel^2 per read-back up the chain), so such a component's
# own blur is narrowed by the difference between the two levels' widening and the
# halo keeps the width it had at the shallower level.  The price is shift variance:
# a point source stepped 1 px at a time over 16 px at 1080p moves the centroid of
# its glare within 12 px by up to 1.4 px (0.9 px with this off), and a pixel 12-24
# px out varies by up to its ring's mean (0.35 of it with this off); under a sensor's
# grain at night ISOs that is not seen, and it saves a third of the glare's cost.
# math.inf turns it off.
MOVED_MIN_SIGMA = 1.0
# Deepest mip level used; the radiance buffer is padded so this level is exact.
MAX_LEVEL = 7
# Most taps either side of a 1-D blur: 5 sigma of 12 texels (sigma in texels grows past 4
# only where the deepest level caps it, on frames wider than 4K at 60 deg).
MAX_TAPS = 64


def blur_taps(sigma: float, extent: float) -> list[float]:
    """Weights of a normalised 1-D Gaussian of ``sigma`` texels at 0, 1, ... texels, out
    to ``extent`` sigma (at most MAX_TAPS - 1 texels), summing to 1 over both sides."""
    radius = min(math.ceil(extent * sigma), MAX_TAPS - 1)
    w = [math.exp(-0.5 * i * i / (sigma * sigma)) for i in range(radius + 1)]
    total = w[0] + 2.0 * sum(w[1:])
    return [x / total for x in w]


def glare_levels(view: View) -> list[tuple[int, float]]:
    """For each component: the mip level that holds it and its sigma in that level's texels.

    The level is the deepest at which sigma still spans at least two texels, so
    the blur is cheap and its bilinear read-back shows no creases, and never level 0
    where pixels are under HALF_RES_PIXEL_RAD; then the narrow components go one
    level deeper where their narrowed blur still spans MOVED_MIN_SIGMA texels.
    """
    shallowest = 1 if 1.0 / view.focal_px < HALF_RES_PIXEL_RAD else 0
    out = []
    for sigma in GLARE_SIGMA_RAD:
        px = sigma * view.focal_px
        level = min(max(int(math.floor(math.log2(max(px / 2.0, 1.0)))), shallowest), MAX_LEVEL)
        entry = (level, px / 2**level)
        deeper = level + 1
        if sigma < WIDE_SIGMA_RAD and deeper <= MAX_LEVEL:
            narrowed = px * px - (4**deeper - 4**level) / 3.0
            if narrowed >= (MOVED_MIN_SIGMA * 2**deeper) ** 2:
                entry = (deeper, math.sqrt(narrowed) / 2**deeper)
        out.append(entry)
    return out


def _component_taps(levels: list[tuple[int, float]]) -> list[list[float]]:
    # Narrow components are inside the wide halo: 3 sigma does for them.
    return [
        blur_taps(sigma, 5.0 if GLARE_SIGMA_RAD[j] >= WIDE_SIGMA_RAD else 3.0)
        for j, (_, sigma) in enumerate(levels)
    ]


def unblurred_weights(levels: list[tuple[int, float]]) -> dict[int, float]:
    """For each mip level in ``levels`` (``glare_levels``' answer), the summed weight of
    its components read from the mip level unblurred (under UNBLURRED_SIGMA texels, at
    level 1 or deeper)."""
    out = {level: 0.0 for level, _ in levels}
    for j, (level, sigma) in enumerate(levels):
        if level > 0 and sigma < UNBLURRED_SIGMA:
            out[level] += GLARE_WEIGHT[j]
    return out


def _write_array(program: moderngl.Program, name: str, values: list, dtype: type) -> None:
    """Write a uniform array of any length (one element included) as raw values, as
    much of it as the linker kept (it drops the elements no constant index reaches)."""
    member = program[name]
    program[name].write(np.asarray(values, dtype=dtype)[: member.array_length].tobytes())


class BloomPass:
    """Radiance in, radiance with glare out (a float texture of the view's size)."""

    def __init__(
        self,
        ctx: moderngl.Context,
        bloom: Bloom,
        view: View,
        padded: tuple[int, int],
        *,
        gl_path: str = "fragment",
    ) -> None:
        """``padded`` is the radiance buffer's size (a multiple of 2^MAX_LEVEL);
        ``gl_path`` ``compute`` runs the blurs as compute shaders (the same numbers)."""
        self.ctx = ctx
        self.compute = gl_path == "compute"
        self.bloom = bloom
        self.view = view
        self.levels = glare_levels(view)
        # One halo texture per mip level in use: the components there add into it.
        self.level_list = sorted({level for level, _ in self.levels})
        taps = {"MAX_TAPS": MAX_TAPS}
        # The shallowest level the cleaned radiance holds: 1 where no component is
        # blurred at full resolution, so its copy at full resolution is never made.
        self.base = min(self.level_list[0], 1)
        self.sanitize = build_program(ctx, "bloom.glsl", {"SANITIZE": 1, "HALF": self.base})
        build: Callable[..., Any] = build_compute if self.compute else build_program
        name = "bloom_compute.glsl" if self.compute else "bloom.glsl"
        # The compute path blurs one component at a time; the fragment path blurs all
        # of a level's components in one row pass and one column pass (programs per
        # component count, built on first use).
        self.blur_h = build(ctx, name, {"BLUR_H": 1, **taps}) if self.compute else None
        self.blur_v = build(ctx, name, {"BLUR_V": 1, **taps}) if self.compute else None
        self._grouped: dict[tuple[int, ...], tuple[moderngl.Program, moderngl.Program]] = {}
        self.upsample = build(ctx, name, {"UPSAMPLE": 1})
        self.composite = build_program(ctx, "bloom.glsl", {"COMPOSITE": 1})
        drawn = [self.sanitize, self.composite]
        if not self.compute:
            drawn += [self.upsample]
        self.vao = {id(p): ctx.vertex_array(p, []) for p in drawn}
        self.padded = padded
        # Per level: the row-blurred copies of its components and their framebuffer.
        self._parts: dict[int, tuple[list[moderngl.Texture], moderngl.Framebuffer]] = {}
        # The radiance with every non-finite value zeroed, from level ``base`` down: the
        # glare's mip chain is built from it, so one bad pixel cannot spread through the
        # averages.  Its level k is the radiance's level base + k.
        self.clean = ctx.texture((padded[0] >> self.base, padded[1] >> self.base), 4, dtype="f4")
        self.clean.repeat_x = self.clean.repeat_y = False
        self.clean_fbo = ctx.framebuffer(color_attachments=[self.clean])
        self.taps = _component_taps(self.levels)
        self.unblurred = unblurred_weights(self.levels)
        # Per level: its halo, and on the compute path the row-blurred copy of the
        # component being blurred (the fragment path keeps those in ``_parts``).
        self.tmp: dict[int, moderngl.Texture] = {}
        self.halo: dict[int, moderngl.Texture] = {}
        self.halo_fbo: dict[int, moderngl.Framebuffer] = {}
        for level in self.level_list:
            size = (max(padded[0] >> level, 1), max(padded[1] >> level, 1))
            halo = ctx.texture(size, 4, dtype="f4")
            halo.filter = (moderngl.LINEAR, moderngl.LINEAR)
            halo.repeat_x = halo.repeat_y = False
            self.halo[level] = halo
            self.halo_fbo[level] = ctx.framebuffer([halo])
            if self.compute:
                tmp = ctx.texture(size, 4, dtype="f4")
                tmp.filter = (moderngl.NEAREST, moderngl.NEAREST)
                self.tmp[level] = tmp
        self.output = ctx.texture((view.width, view.height), 4, dtype="f4")
        self.output.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.fbo = ctx.framebuffer(color_attachments=[self.output])

    def refocus(self, view: View) -> bool:
        """Aim the glare at ``view``, of the same size but another field of view, if its
        components stay on the same mip levels (the textures are kept); False if not."""
        levels = glare_levels(view)
        if (view.width, view.height) != (self.view.width, self.view.height) or sorted(
            {level for level, _ in levels}
        ) != self.level_list:
            return False
        self.view = view
        self.levels = levels
        self.taps = _component_taps(levels)
        self.unblurred = unblurred_weights(levels)
        return True

    def _run(self, program: Any, level: int, target: str, *, add: bool = False) -> None:
        """Run one of the blurs or the upsample over a level's ``target`` ("tmp" or
        "halo"): a compute dispatch over its texels writing the image (reading it too
        when ``add``), or on the fragment path (the upsample into "halo" alone; its
        blurs are ``_draw_level_grouped``'s) a full-screen pass into its framebuffer."""
        if not self.compute:
            self.halo_fbo[level].use()
            self.vao[id(program)].render(moderngl.TRIANGLES, vertices=3)
            return
        tex = self.tmp[level] if target == "tmp" else self.halo[level]
        tex.bind_to_image(0, read=add, write=True)
        w, h = tex.size
        program.run((w + 7) // 8, (h + 7) // 8, 1)
        self.ctx.memory_barrier()

    def _blurred(self, level: int) -> list[int]:
        """The components of ``level`` that are blurred (not read from the mip unblurred)."""
        return [
            j
            for j, (lv, sigma) in enumerate(self.levels)
            if lv == level and not (level > 0 and sigma < UNBLURRED_SIGMA)
        ]

    def _group_programs(self, radii: tuple[int, ...]) -> tuple[moderngl.Program, moderngl.Program]:
        """The row and column blurs of components reaching ``radii`` texels at once
        (fragment path)."""
        if radii not in self._grouped:
            defines = {
                "COMPONENTS": len(radii),
                "MAX_TAPS": MAX_TAPS,
                "RADIUS_MAX": max(radii),
                "RADII": f"int[]({', '.join(map(str, radii))})",
            }
            h = build_program(self.ctx, "bloom.glsl", {"BLUR_H": 1, **defines})
            v = build_program(self.ctx, "bloom.glsl", {"BLUR_V": 1, **defines})
            self._grouped[radii] = (h, v)
            for prog in (h, v):
                self.vao[id(prog)] = self.ctx.vertex_array(prog, [])
        return self._grouped[radii]

    def _level_parts(
        self, level: int, n: int
    ) -> tuple[list[moderngl.Texture], moderngl.Framebuffer]:
        """``n`` textures of ``level``'s size for the row-blurred copies, and a framebuffer
        writing them all (kept, and remade if a refocus changes ``n``)."""
        entry = self._parts.get(level)
        if entry is not None and len(entry[0]) == n:
            return entry
        if entry is not None:
            entry[1].release()
            for tex in entry[0]:
                tex.release()
        size = self.halo[level].size
        parts = [self.ctx.texture(size, 4, dtype="f4") for _ in range(n)]
        for tex in parts:
            tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
        entry = (parts, self.ctx.framebuffer(color_attachments=parts))
        self._parts[level] = entry
        return entry

    def _bind_deeper(
        self, program: Any, level: int, deeper: int | None, hdr: moderngl.Texture
    ) -> None:
        """Bind what UPSAMPLE (alone, or in a level's column pass) reads for ``level``:
        the deeper level's halo on unit 0 and the cleaned radiance's mip chain on unit 1,
        and the uniforms that place them."""
        # With no deeper level any texture will do: it is weighted by 0.
        self.halo[level if deeper is None else deeper].use(0)
        hdr.use(1)
        size = self.halo[level].size
        set_uniform(program, "u_src", 0)
        set_uniform(program, "u_mip", 1)
        set_uniform(program, "u_level", level - self.base)
        set_uniform(program, "u_deeper", 0.0 if deeper is None else 1.0)
        set_uniform(program, "u_unblurred", self.unblurred[level])
        set_uniform(program, "u_inv_size", (1.0 / size[0], 1.0 / size[1]))

    def _draw_level_grouped(self, level: int, deeper: int | None, hdr: moderngl.Texture) -> None:
        """One level's halo on the fragment path: the deeper halo read up plus this
        level's unblurred components (as UPSAMPLE), plus its blurred components, all
        blurred by one row pass and one column pass."""
        comps = self._blurred(level)
        n = len(comps)
        radii = tuple(len(self.taps[j]) - 1 for j in comps)
        blur_h, blur_v = self._group_programs(radii)
        parts, parts_fbo = self._level_parts(level, n)
        taps = [0.0] * (n * MAX_TAPS)
        for k, j in enumerate(comps):
            taps[k * MAX_TAPS : k * MAX_TAPS + len(self.taps[j])] = self.taps[j]
        hdr.use(0)
        set_uniform(blur_h, "u_src", 0)
        set_uniform(blur_h, "u_level", level - self.base)
        _write_array(blur_h, "u_taps", taps, np.float32)
        parts_fbo.use()
        self.vao[id(blur_h)].render(moderngl.TRIANGLES, vertices=3)
        self._bind_deeper(blur_v, level, deeper, hdr)
        for k, tex in enumerate(parts):
            tex.use(2 + k)
        for k in range(n):
            set_uniform(blur_v, f"u_part{k}", 2 + k)
        _write_array(blur_v, "u_taps", taps, np.float32)
        _write_array(blur_v, "u_weights", [GLARE_WEIGHT[j] for j in comps], np.float32)
        self.halo_fbo[level].use()
        self.vao[id(blur_v)].render(moderngl.TRIANGLES, vertices=3)

    def draw(self, hdr: moderngl.Texture) -> moderngl.Texture:
        """Apply glare to ``hdr``; returns the result (the view's size)."""
        radiance, halo = self.draw_halo(hdr)
        c = self.composite
        radiance.use(0)
        halo.use(1)
        set_uniform(c, "u_hdr", 0)
        set_uniform(c, "u_halo", 1)
        set_uniform(c, "u_fraction", self.bloom.fraction)
        self.fbo.use()
        self.vao[id(c)].render(moderngl.TRIANGLES, vertices=3)
        return self.output

    def draw_halo(self, hdr: moderngl.Texture) -> tuple[moderngl.Texture, moderngl.Texture]:
        """The glare's two parts for ``hdr``: the radiance (``hdr`` itself, whose
        non-finite values the reader counts as black) and the halo (its shallowest
        level, read bilinearly).  The result is mix(radiance, halo, fraction) at each
        pixel (``draw``'s COMPOSITE, or the post pass's glare)."""
        radiance = hdr
        # Level 0 alone is read: no mipmap filter, which would leave a texture without
        # mip levels incomplete (read as black).
        hdr.filter = (moderngl.NEAREST, moderngl.NEAREST)
        hdr.use(0)
        set_uniform(self.sanitize, "u_src", 0)
        self.clean_fbo.use()
        self.vao[id(self.sanitize)].render(moderngl.TRIANGLES, vertices=3)
        hdr = self.clean
        hdr.build_mipmaps()
        hdr.filter = (moderngl.NEAREST_MIPMAP_NEAREST, moderngl.NEAREST)
        # Deepest level first: each level's halo starts as the deeper levels' halo read
        # up to its size (plus the unblurred components), so the composite reads one
        # halo, not one per level.
        deeper: int | None = None
        u = self.upsample
        for level in reversed(self.level_list):
            if not self.compute and self._blurred(level):
                self._draw_level_grouped(level, deeper, hdr)
                deeper = level
                continue
            if deeper is None and self.unblurred[level] == 0.0:
                self.halo_fbo[level].clear(0.0, 0.0, 0.0, 0.0)
            else:
                self._bind_deeper(u, level, deeper, hdr)
                self._run(u, level, "halo")
            deeper = level
            for j, (lv, sigma) in enumerate(self.levels):
                if lv != level or (level > 0 and sigma < UNBLURRED_SIGMA):
                    continue
                taps = self.taps[j] + [0.0] * (MAX_TAPS - len(self.taps[j]))
                for prog in (self.blur_h, self.blur_v):
                    set_uniform(prog, "u_src", 0)
                    set_uniform(prog, "u_radius", len(self.taps[j]) - 1)
                    prog["u_taps"].value = taps
                hdr.use(0)
                set_uniform(self.blur_h, "u_level", level - self.base)
                self._run(self.blur_h, level, "tmp")
                self.tmp[level].use(0)
                set_uniform(self.blur_v, "u_scale", GLARE_WEIGHT[j])
                self._run(self.blur_v, level, "halo", add=True)
        return radiance, self.halo[self.level_list[0]]

    def release(self) -> None:
        """Free GL objects."""
        bind_default_framebuffer(self.ctx)
        for fbo in self.halo_fbo.values():
            fbo.release()
        for parts, fbo in self._parts.values():
            fbo.release()
            for tex in parts:
                tex.release()
        for h, v in self._grouped.values():
            h.release()
            v.release()
        for obj in (
            *self.tmp.values(),
            *self.halo.values(),
            self.fbo,
            self.output,
            self.clean_fbo,
            self.clean,
            *self.vao.values(),
            self.sanitize,
            *((self.blur_h, self.blur_v) if self.compute else ()),
            self.upsample,
            self.composite,
        ):
            obj.release()
