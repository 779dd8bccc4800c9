// gl_path_probe.glsl: one arithmetic load, run as a full-screen fragment pass
// and as a compute dispatch, for --gl-path auto (renderer/gl/gl_path.py) to
// time on the device.
//
// A GPU built for compute (NVIDIA's H100 and H200 have little graphics
// hardware) can run the same arithmetic many times slower per pixel as
// fragments than as compute invocations; a graphics GPU runs both alike.
// Each pixel iterates a short chain of transcendental and multiply-add steps
// from its own coordinates (so nothing folds to a constant) and writes one
// float RGBA texel, as the Earth pass's pixels do, in miniature.

#include "lib/common.glsl"

uniform float u_seed;   // varies the input, so the work cannot be cached

// probe_value: PROBE_STEPS steps of x <- sin(x * 1.7 + y) * exp2(-|y|) + cos(y),
// y <- fract(y * 3.1 + x); dimensionless, bounded.
vec4 probe_value(vec2 pixel) {
    float x = pixel.x * 1e-3 + u_seed, y = pixel.y * 1e-3;
    for (int i = 0; i < PROBE_STEPS; ++i) {
        x = sin(x * 1.7 + y) * exp2(-abs(y)) + cos(y);
        y = fract(y * 3.1 + x);
    }
    return vec4(x, y, 0.0, 1.0);
}

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)
out vec4 frag_color;
void main() { frag_color = probe_value(gl_FragCoord.xy); }

#elif defined(COMPUTE_SHADER)
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(p, imageSize(u_out)))) return;
    imageStore(u_out, p, probe_value(vec2(p) + 0.5));
}
#endif
