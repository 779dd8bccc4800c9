// bloom_compute.glsl: the glare's blurs as compute shaders (--gl-path compute).
//
// The same sums, in the same order, as BLUR_H, BLUR_V and UPSAMPLE of
// bloom.glsl (which explains the glare and its maths), one invocation per
// texel instead of one fragment: where a GPU runs compute shaders faster than
// full-screen fragment passes, only the dispatch differs.  BLUR_V adds its
// component into the level's halo by reading and writing the halo image,
// where the fragment path lets the blender add; `precise` keeps the product
// and the sum two roundings, as they are there, so both paths give the same
// numbers.  The sanitising copy and the final composite stay fragment passes
// (one texel read each).

#if defined(COMPUTE_SHADER)
layout(local_size_x = 8, local_size_y = 8) in;

#if defined(BLUR_H) || defined(BLUR_V)
uniform sampler2D u_src;      // BLUR_H: the radiance's mip chain (read at u_level); BLUR_V: the H result
uniform int u_level;          // mip level read by BLUR_H
uniform int u_radius;         // taps reach u_radius texels either side
uniform float u_taps[MAX_TAPS];  // the normalised 1-D Gaussian's weights at 0..u_radius texels
uniform float u_scale;        // BLUR_V: the component's weight a_j
#if defined(BLUR_H)
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;  // the H result
#else
layout(rgba32f, binding = 0) uniform image2D u_out;            // the level's halo, added to
#endif

// gaussian_1d: the source convolved with the normalised 1-D Gaussian along
// the pass's axis, clamped at the edges (bloom.glsl, BLUR_H / BLUR_V).
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(p, imageSize(u_out)))) return;
#if defined(BLUR_H)
    ivec2 axis = ivec2(1, 0);
    int lod = u_level;
#else
    ivec2 axis = ivec2(0, 1);
    int lod = 0;
#endif
    ivec2 size = textureSize(u_src, lod);
    vec3 sum = u_taps[0] * texelFetch(u_src, p, lod).rgb;
    for (int i = 1; i <= u_radius; ++i) {
        ivec2 a = clamp(p + i * axis, ivec2(0), size - 1);
        ivec2 b = clamp(p - i * axis, ivec2(0), size - 1);
        sum += u_taps[i] * (texelFetch(u_src, a, lod).rgb + texelFetch(u_src, b, lod).rgb);
    }
#if defined(BLUR_H)
    imageStore(u_out, p, vec4(sum, 1.0));
#else
    precise vec3 term = u_scale * sum;
    precise vec4 halo = imageLoad(u_out, p) + vec4(term, 1.0);
    imageStore(u_out, p, halo);
#endif
}

#elif defined(UPSAMPLE)
uniform sampler2D u_src;      // the deeper level's halo (bilinear filtering)
uniform sampler2D u_mip;      // the radiance's mip chain
uniform int u_level;          // this level
uniform float u_deeper;       // 1, or 0 where there is no deeper level
uniform float u_unblurred;    // sum of a_j of this level's components too narrow to blur
uniform vec2 u_inv_size;      // 1 / this level's size in texels
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;  // this level's halo

// The start of this level's halo (bloom.glsl, UPSAMPLE): the deeper halo at
// this level's texel centres plus the unblurred narrow components.
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(p, imageSize(u_out)))) return;
    vec2 centre = vec2(p) + 0.5;
    vec3 deeper = u_deeper * textureLod(u_src, centre * u_inv_size, 0.0).rgb;
    vec3 narrow = u_unblurred * texelFetch(u_mip, p, u_level).rgb;
    imageStore(u_out, p, vec4(deeper + narrow, 1.0));
}
#endif
#endif
