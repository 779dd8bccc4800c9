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
// sigma_j spans 2 to 4 texels (cheap: a level is 4^L_j times smaller), as two
// 1-D Gaussian passes (BLUR_H, BLUR_V) with weights normalised to 1; the
// COMPOSITE pass reads each blurred level with bilinear filtering, which is
// smooth because each is blurred by at least two texels.  Mip averages,
// normalised weights and bilinear reads all keep the total light unchanged
// (energy-conserving) away from the image edges.

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
uniform float u_sigma;        // Gaussian sigma in texels of this level
uniform float u_extent;       // taps reach u_extent sigma

// gaussian_1d: the source convolved with a normalised 1-D Gaussian of sigma
// u_sigma texels along `axis`, taps out to u_extent sigma, clamped at the
// edges.  The wide components reach 5 sigma (exp(-12.5) = 4e-6 of the peak):
// cut at 3 sigma, the halo of the Sun (~1e9 cd/m^2) ended in a visible edge.
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
#if defined(BLUR_H)
    ivec2 axis = ivec2(1, 0);
    int lod = u_level;
#else
    ivec2 axis = ivec2(0, 1);
    int lod = 0;
#endif
    ivec2 size = textureSize(u_src, lod);
    int radius = int(ceil(u_extent * u_sigma));
    vec3 sum = vec3(0.0);
    float wsum = 0.0;
    for (int i = -radius; i <= radius; ++i) {
        float w = exp(-0.5 * float(i * i) / (u_sigma * u_sigma));
        ivec2 q = clamp(p + i * axis, ivec2(0), size - 1);
        sum += w * texelFetch(u_src, q, lod).rgb;
        wsum += w;
    }
    frag_color = vec4(sum / wsum, 1.0);
}

#else  // COMPOSITE
uniform sampler2D u_hdr;                 // SANITIZE's radiance, level 0 (padded beyond the view)
uniform sampler2D u_halo[NUM_GLARE];     // each component, blurred at its own level
uniform float u_weight[NUM_GLARE];       // a_j
uniform float u_fraction;                // F

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    // The blurred levels cover the padded buffer: same uv as level 0's texel.
    vec2 uv = (vec2(p) + 0.5) / vec2(textureSize(u_hdr, 0));
    vec3 halo = vec3(0.0);
    for (int j = 0; j < NUM_GLARE; ++j) {
        halo += u_weight[j] * texture(u_halo[j], uv).rgb;
    }
    vec3 direct = texelFetch(u_hdr, p, 0).rgb;
    frag_color = vec4(mix(direct, halo, u_fraction), 1.0);
}
#endif
#endif
