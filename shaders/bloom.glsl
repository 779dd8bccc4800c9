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
// NaN).  Each G_j * L is then computed at the mip level L_j of that copy where
// sigma_j spans 2 to 4 texels (cheap: a level is 4^L_j times smaller), and never
// at full resolution (level 1 at least: passes/bloom.py says why), as two 1-D
// Gaussian passes (BLUR_H, BLUR_V) with weights normalised to 1, BLUR_V adding
// a_j times its result into its level's halo (components of one level share
// it; a component under half a texel wide is taken from the mip unblurred).
// Levels are done deepest first, and UPSAMPLE starts each level's halo
// as the deeper one read with bilinear filtering, so the shallowest halo holds
// the sum of all components; the COMPOSITE pass reads that one halo, bilinearly
// as well.  Each bilinear read-back is smooth because what it reads is blurred
// by at least two texels (or, at level 1, is at most a 2 px wide feature).
// Mip averages, normalised weights and bilinear reads all keep the total light
// unchanged (energy-conserving) away from the image edges.

#include "lib/common.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

out vec4 frag_color;

#if defined(SANITIZE)
uniform sampler2D u_src;      // the radiance buffer (level 0, padded)

// finite: false for NaN and the infinities, whose exponent bits are all ones
// (tested on the bits, which no compiler's fast-math may fold away).
bvec3 finite(vec3 v) {
    uvec3 e = floatBitsToUint(v) & uvec3(0x7f800000u);
    return notEqual(e, uvec3(0x7f800000u));
}

void main() {
    vec3 v = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0).rgb;
    frag_color = vec4(all(finite(v)) ? v : vec3(0.0), 1.0);
}

#elif defined(BLUR_H) || defined(BLUR_V)
uniform sampler2D u_src;      // BLUR_H: the radiance buffer (read at u_level); BLUR_V: the H result
uniform int u_level;          // mip level read by BLUR_H
uniform int u_radius;         // taps reach u_radius texels either side
uniform float u_taps[MAX_TAPS];  // the normalised 1-D Gaussian's weights at 0..u_radius texels
uniform float u_scale;        // BLUR_V: the component's weight a_j (components of a level add up)

// gaussian_1d: the source convolved with a normalised 1-D Gaussian along
// `axis` (its weights computed once on the CPU: passes/bloom.py), clamped at
// the edges.  The wide components reach 5 sigma (exp(-12.5) = 4e-6 of the
// peak): cut at 3 sigma, the halo of the Sun (~1e9 cd/m^2) ended in a visible
// edge.
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
#if defined(BLUR_H)
    ivec2 axis = ivec2(1, 0);
    int lod = u_level;
    float scale = 1.0;
#else
    ivec2 axis = ivec2(0, 1);
    int lod = 0;
    float scale = u_scale;
#endif
    ivec2 size = textureSize(u_src, lod);
    vec3 sum = u_taps[0] * texelFetch(u_src, p, lod).rgb;
    for (int i = 1; i <= u_radius; ++i) {
        ivec2 a = clamp(p + i * axis, ivec2(0), size - 1);
        ivec2 b = clamp(p - i * axis, ivec2(0), size - 1);
        sum += u_taps[i] * (texelFetch(u_src, a, lod).rgb + texelFetch(u_src, b, lod).rgb);
    }
    frag_color = vec4(scale * sum, 1.0);
}

#elif defined(UPSAMPLE)
uniform sampler2D u_src;      // the deeper level's halo (bilinear filtering)
uniform sampler2D u_mip;      // SANITIZE's radiance with its mip levels
uniform int u_level;          // this level
uniform float u_deeper;       // 1, or 0 where there is no deeper level
uniform float u_unblurred;    // sum of a_j of this level's components too narrow to blur
uniform vec2 u_inv_size;      // 1 / this level's size in texels

// The start of this level's halo: the deeper halo at this level's texel
// centres (every level covers the padded buffer, so a texel centre's uv is the
// same fraction of either size), plus the components narrower than half a
// texel, which the mip average and the bilinear read-back spread as much as
// their own width would (passes/bloom.py, UNBLURRED_SIGMA).
void main() {
    vec3 deeper = u_deeper * texture(u_src, gl_FragCoord.xy * u_inv_size).rgb;
    vec3 narrow = u_unblurred * texelFetch(u_mip, ivec2(gl_FragCoord.xy), u_level).rgb;
    frag_color = vec4(deeper + narrow, 1.0);
}

#else  // COMPOSITE
uniform sampler2D u_hdr;      // SANITIZE's radiance, level 0 (padded beyond the view)
uniform sampler2D u_halo;     // sum_j a_j G_j * L over all components (UPSAMPLE)
uniform float u_fraction;     // F

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    // The halo covers the padded buffer: same uv as level 0's texel.
    vec2 uv = (vec2(p) + 0.5) / vec2(textureSize(u_hdr, 0));
    vec3 halo = texture(u_halo, uv).rgb;
    vec3 direct = texelFetch(u_hdr, p, 0).rgb;
    frag_color = vec4(mix(direct, halo, u_fraction), 1.0);
}
#endif
#endif
