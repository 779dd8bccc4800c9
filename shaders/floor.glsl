// floor.glsl: the cheapest full-screen pass, for bench/run.py to measure.
//
// Every pixel reads one texel of a float texture and writes it to a float
// target of the same size: what any full-screen pass pays at least (one
// fragment per pixel, one fetch, one float RGBA write).  The benchmark
// states each pass's cost as a multiple of this floor.

#include "lib/common.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

uniform sampler2D u_src;   // any float texture at least the target's size

out vec4 frag_color;

void main() {
    frag_color = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
}
#endif
