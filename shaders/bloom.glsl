// bloom.glsl: glare, the light a lens and sensor spread around bright sources.
//
// In radiance (cd/m^2), before the camera's exposure: a fraction F of every
// pixel's light is spread into a halo and the rest stays where it was:
//
//     L'(x) = (1 - F) L(x) + F sum_j a_j (G_j * L)(x),      sum_j a_j = 1,
//
// where the G_j are unit-area blur kernels of ANGULAR widths sigma_j (radians,
// passes/bloom.py), so the halo covers the same part of the sky and holds the
// same share of the energy at any resolution.  Each G_j * L is read from the
// radiance buffer's mip chain at the level whose texel footprint matches
// sigma_j in pixels, with a 3x3 tent of that level's texels to round it off:
// box mip + bilinear + tent ~ a Gaussian of sigma = 0.87 * 2^level pixels.
// Mip averages and the normalised tent keep each kernel's area 1, so the
// total light is unchanged (energy-conserving) away from the image edges.

#include "common.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

uniform sampler2D u_hdr;         // radiance with its mip chain
uniform float u_fraction;        // F
uniform vec3 u_level;            // mip level of each glare component
uniform vec3 u_weight;           // a_j, summing to 1

out vec4 frag_color;

// blurred: the radiance around uv seen through the blur of mip `level`
// (a 3x3 tent of that level's texels, weights 1-2-1 per axis, sum 16).
vec3 blurred(vec2 uv, float level) {
    vec2 texel = exp2(level) / vec2(textureSize(u_hdr, 0));
    vec3 sum = vec3(0.0);
    for (int j = -1; j <= 1; ++j) {
        for (int i = -1; i <= 1; ++i) {
            float w = float((2 - abs(i)) * (2 - abs(j)));
            sum += w * textureLod(u_hdr, uv + vec2(i, j) * texel, level).rgb;
        }
    }
    return sum / 16.0;
}

void main() {
    // The output is the W x H view; the input may be padded with black beyond it.
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec2 uv = (vec2(p) + 0.5) / vec2(textureSize(u_hdr, 0));
    vec3 direct = texelFetch(u_hdr, p, 0).rgb;
    vec3 halo = u_weight.x * blurred(uv, u_level.x)
              + u_weight.y * blurred(uv, u_level.y)
              + u_weight.z * blurred(uv, u_level.z);
    frag_color = vec4(mix(direct, halo, u_fraction), 1.0);
}
#endif
