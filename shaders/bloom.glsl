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
// 1-D Gaussian passes (BLUR_H, BLUR_V) with weights normalised to 1, BLUR_V
// adding a_j times its result into its level's halo (components of one level
// share it); the COMPOSITE pass reads each level's halo with bilinear
// filtering, which is smooth because each is blurred by at least two texels.  Mip averages,
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

#else  // COMPOSITE
uniform sampler2D u_hdr;                 // SANITIZE's radiance, level 0 (padded beyond the view)
uniform sampler2D u_halo[NUM_LEVELS];    // sum_j a_j G_j * L of the components at each level
uniform float u_fraction;                // F

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    // The blurred levels cover the padded buffer: same uv as level 0's texel.
    vec2 uv = (vec2(p) + 0.5) / vec2(textureSize(u_hdr, 0));
    vec3 halo = vec3(0.0);
    for (int j = 0; j < NUM_LEVELS; ++j) {
        halo += texture(u_halo[j], uv).rgb;
    }
    vec3 direct = texelFetch(u_hdr, p, 0).rgb;
    frag_color = vec4(mix(direct, halo, u_fraction), 1.0);
}
#endif
#endif
