// bloom.glsl: glare, the light a lens and sensor spread around bright sources.
//
// In radiance (cd/m^2), before the camera's exposure: a fraction F of every
// pixel's light is spread into a halo and the rest stays where it was:
//
//     L'(x) = (1 - F) L(x) + F sum_j a_j (G_j * L)(x),      sum_j a_j = 1,
//
// where the G_j are unit-area Gaussians of ANGULAR widths sigma_j (radians)
// whose weights a_j ~ sigma_j^(2 - n) make their sum follow a power law
// theta^-n: the outer aureole of a measured fast lens's point-spread function
// (passes/bloom.py gives the measurement, n = 2.2, and where the law starts and
// ends).  Being defined in angle, the halo covers the same part of the sky and
// holds the same share of the energy at any resolution.  Gaussians have no
// edge, so even the Sun (~1e9 cd/m^2) shows a round, smoothly fading halo
// rather than the outline of a kernel's support.
//
// SANITIZE first copies the radiance with every non-finite value (NaN,
// infinity) set to zero: the glare's mip averages and blurs would otherwise
// spread one bad pixel over the frame (a NaN turns every sum it enters into
// NaN).  Where no component is blurred at full resolution (HALF) it writes
// level 1 of that copy, the mean of each 2 x 2 block, and the mip chain starts
// there: a full-resolution copy would be read by nothing.  The pass that mixes
// the halo in (COMPOSITE, or post.glsl) reads the radiance itself and counts
// its non-finite values as black.  Each G_j * L is then computed at the mip level L_j of that copy where
// sigma_j spans 2 to 4 texels (cheap: a level is 4^L_j times smaller), or for
// the narrow components one level deeper with a narrowed blur, and never at
// full resolution on large frames (passes/bloom.py says why), as two 1-D
// Gaussian passes with weights normalised to 1: BLUR_H blurs the level's rows
// for all its COMPONENTS components at once (one read of each texel for all,
// one row-blurred copy each), BLUR_V blurs each copy's columns and writes the
// level's halo, the sum of a_j times each (a component under half a texel wide
// is taken from the mip unblurred).  Levels are done deepest first, and each
// level's halo starts as the deeper one read with bilinear filtering (UPSAMPLE
// alone where a level blurs nothing), so the shallowest halo holds
// the sum of all components; the COMPOSITE pass reads that one halo, bilinearly
// as well.  Each bilinear read-back is smooth because what it reads is blurred
// by at least two texels (or, at level 1, is at most a 2 px wide feature).
// Mip averages, normalised weights and bilinear reads all keep the total light
// unchanged (energy-conserving) away from the image edges.

#include "lib/common.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

#if !defined(BLUR_H)
out vec4 frag_color;
#endif

// finite: false for NaN and the infinities, whose exponent bits are all ones
// (tested on the bits, which no compiler's fast-math may fold away).
bvec3 finite(vec3 v) {
    uvec3 e = floatBitsToUint(v) & uvec3(0x7f800000u);
    return notEqual(e, uvec3(0x7f800000u));
}

#if defined(SANITIZE)
uniform sampler2D u_src;      // the radiance buffer (level 0, padded)

// cleaned: the radiance at texel p, zero where it is not finite.
vec3 cleaned(ivec2 p) {
    vec3 v = texelFetch(u_src, p, 0).rgb;
    return all(finite(v)) ? v : vec3(0.0);
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
#if HALF
    // Level 1 of the cleaned radiance: the mean of its 2 x 2 texels (as the mip
    // chain's box filter makes it), the copy at full resolution never being read.
    p *= 2;
    vec3 v = 0.25 * (cleaned(p) + cleaned(p + ivec2(1, 0)) + cleaned(p + ivec2(0, 1))
                     + cleaned(p + ivec2(1, 1)));
#else
    vec3 v = cleaned(p);
#endif
    frag_color = vec4(v, 1.0);
}

#elif defined(BLUR_H)
uniform sampler2D u_src;      // SANITIZE's radiance with its mip levels, read at u_level
uniform int u_level;          // this level, counted from the first SANITIZE's output holds
// Component k's normalised 1-D Gaussian weights at 0, 1, ... texels start at
// k * MAX_TAPS, zero beyond its own reach (passes/bloom.py).
uniform float u_taps[COMPONENTS * MAX_TAPS];
layout(location = 0) out vec4 frag_parts[COMPONENTS];  // one row-blurred copy per component
// RADIUS_MAX (the widest component's reach) and, in BLUR_V, RADII (each one's) are
// compile-time constants (passes/bloom.py builds a program per set of reaches):
// loops of known length unroll, about a fifth cheaper on llvmpipe than loops
// bounded by a uniform.

// gaussian_rows: the level convolved along rows with the normalised 1-D Gaussian
// of each of its COMPONENTS components at once (each texel read once for all of
// them), clamped at the edges.  The wide components reach 5 sigma (exp(-12.5) =
// 4e-6 of the peak): cut at 3 sigma, the halo of the Sun (~1e9 cd/m^2) ended in a
// visible edge.  A zero weight adds an exact zero, so each sum is the one a blur
// of that component alone makes.
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 size = textureSize(u_src, u_level);
    vec3 centre = texelFetch(u_src, p, u_level).rgb;
    vec3 sum[COMPONENTS];
    for (int k = 0; k < COMPONENTS; ++k) sum[k] = u_taps[k * MAX_TAPS] * centre;
    for (int i = 1; i <= RADIUS_MAX; ++i) {
        ivec2 a = clamp(p + ivec2(i, 0), ivec2(0), size - 1);
        ivec2 b = clamp(p - ivec2(i, 0), ivec2(0), size - 1);
        vec3 pair = texelFetch(u_src, a, u_level).rgb + texelFetch(u_src, b, u_level).rgb;
        for (int k = 0; k < COMPONENTS; ++k) sum[k] += u_taps[k * MAX_TAPS + i] * pair;
    }
    for (int k = 0; k < COMPONENTS; ++k) frag_parts[k] = vec4(sum[k], 1.0);
}

#elif defined(UPSAMPLE) || defined(BLUR_V)
uniform sampler2D u_src;      // the deeper level's halo (bilinear filtering)
uniform sampler2D u_mip;      // SANITIZE's radiance with its mip levels
uniform int u_level;          // this level, counted from the first SANITIZE's output holds
uniform float u_deeper;       // 1, or 0 where there is no deeper level
uniform float u_unblurred;    // sum of a_j of this level's components too narrow to blur
uniform vec2 u_inv_size;      // 1 / this level's size in texels

// upsampled: the start of this level's halo: the deeper halo at this level's
// texel centres (every level covers the padded buffer, so a texel centre's uv is
// the same fraction of either size), plus the components narrower than half a
// texel, which the mip average and the bilinear read-back spread as much as
// their own width would (passes/bloom.py, UNBLURRED_SIGMA).
vec3 upsampled(ivec2 p) {
    vec3 deeper = u_deeper * texture(u_src, (vec2(p) + 0.5) * u_inv_size).rgb;
    vec3 narrow = u_unblurred * texelFetch(u_mip, p, u_level).rgb;
    return deeper + narrow;
}

#if defined(UPSAMPLE)
void main() { frag_color = vec4(upsampled(ivec2(gl_FragCoord.xy)), 1.0); }

#else  // BLUR_V
// BLUR_H's row-blurred copies, one sampler each (a sampler array indexed in a
// loop is read through a slow path on llvmpipe).
uniform sampler2D u_part0;
#if COMPONENTS > 1
uniform sampler2D u_part1;
#endif
#if COMPONENTS > 2
uniform sampler2D u_part2;
#endif
#if COMPONENTS > 3
uniform sampler2D u_part3;
#endif
#if COMPONENTS > 4
uniform sampler2D u_part4;
#endif
#if COMPONENTS > 5
uniform sampler2D u_part5;
#endif
#if COMPONENTS > 6
uniform sampler2D u_part6;
#endif
#if COMPONENTS > 7
uniform sampler2D u_part7;
#endif
const int k_radii[COMPONENTS] = RADII;  // each component's reach, texels either side
uniform float u_taps[COMPONENTS * MAX_TAPS];  // as BLUR_H's
uniform float u_weights[COMPONENTS];    // each component's a_j

// column_blur: component k's row-blurred copy convolved along columns with its
// normalised 1-D Gaussian, clamped at the edges.
vec3 column_blur(sampler2D part, int k, ivec2 p) {
    ivec2 size = textureSize(part, 0);
    vec3 sum = u_taps[k * MAX_TAPS] * texelFetch(part, p, 0).rgb;
    for (int i = 1; i <= k_radii[k]; ++i) {
        ivec2 a = clamp(p + ivec2(0, i), ivec2(0), size - 1);
        ivec2 b = clamp(p - ivec2(0, i), ivec2(0), size - 1);
        sum += u_taps[k * MAX_TAPS + i] * (texelFetch(part, a, 0).rgb + texelFetch(part, b, 0).rgb);
    }
    return sum;
}

// The level's halo: upsampled() plus a_j times each component's column_blur,
// added in the components' order, each term rounded alone (precise), as
// blending them in one by one would.
#define ADD_COMPONENT(k, part) { precise vec3 term = u_weights[k] * column_blur(part, k, p); halo = halo + term; }
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    precise vec3 halo = upsampled(p);
    ADD_COMPONENT(0, u_part0)
#if COMPONENTS > 1
    ADD_COMPONENT(1, u_part1)
#endif
#if COMPONENTS > 2
    ADD_COMPONENT(2, u_part2)
#endif
#if COMPONENTS > 3
    ADD_COMPONENT(3, u_part3)
#endif
#if COMPONENTS > 4
    ADD_COMPONENT(4, u_part4)
#endif
#if COMPONENTS > 5
    ADD_COMPONENT(5, u_part5)
#endif
#if COMPONENTS > 6
    ADD_COMPONENT(6, u_part6)
#endif
#if COMPONENTS > 7
    ADD_COMPONENT(7, u_part7)
#endif
    frag_color = vec4(halo, 1.0);
}
#endif

#else  // COMPOSITE
uniform sampler2D u_hdr;      // the radiance, level 0 (padded beyond the view)
uniform sampler2D u_halo;     // sum_j a_j G_j * L over all components (UPSAMPLE)
uniform float u_fraction;     // F

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    // The halo covers the padded buffer: same uv as level 0's texel.
    vec2 uv = (vec2(p) + 0.5) / vec2(textureSize(u_hdr, 0));
    vec3 halo = texture(u_halo, uv).rgb;
    // Non-finite radiance counts as black, as in SANITIZE.
    vec3 direct = texelFetch(u_hdr, p, 0).rgb;
    if (!all(finite(direct))) direct = vec3(0.0);
    frag_color = vec4(mix(direct, halo, u_fraction), 1.0);
}
#endif
#endif
