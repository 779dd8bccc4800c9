// airglow_table.glsl: the table of airglow integrals the Earth pass reads
// (lib/airglow_table.glsl), made once per frame for the camera's radius.
// One invocation per column (closest approach p) and row (layer): the four
// pieces shell_piece integrates (lib/airglow.glsl), in km, into RGBA.

#define AIRGLOW_TABLE_BUILD 1   // lib/airglow_table.glsl: the maker, not a reader
#include "lib/common.glsl"
#include "lib/atmosphere.glsl"
#include "lib/airglow.glsl"
#include "lib/airglow_table.glsl"

#if defined(COMPUTE_SHADER)
layout(local_size_x = 64, local_size_y = 1) in;
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;
uniform float u_cam_radius;   // r0, km, sphere space

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (texel.x >= AIRGLOW_TABLE_WIDTH || texel.y >= u_airglow_count) return;
    float x = unit_from_coord((float(texel.x) + 0.5) / float(AIRGLOW_TABLE_WIDTH),
                              float(AIRGLOW_TABLE_WIDTH));
    float p = min(airglow_table_p(x), u_cam_radius);
    float R = u_airglow_radius[texel.y], s = u_airglow_sigma[texel.y];
    vec4 pieces = vec4(shell_piece(p, WGS84_A, u_cam_radius, R, s),
                       shell_piece(p, p, u_cam_radius, R, s),
                       shell_piece(p, p, 1e30, R, s),
                       shell_piece(p, u_cam_radius, 1e30, R, s));
    imageStore(u_out, texel, pieces);
}
#endif
