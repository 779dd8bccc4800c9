// cloud_cover.glsl: the cloud field of clouds.glsl sampled on a latitude-
// longitude grid, for renderer/physics/clouds.py to choose the threshold that gives
// the asked cover.  One invocation per grid point: the value of cloud_field
// (threshold not applied) at the cell centre, longitude -180..180 along x,
// latitude +90..-90 along y; or the weather map (below).

#include "lib/common.glsl"
#include "lib/clouds.glsl"

#if defined(COMPUTE_SHADER) && defined(CLOUD_WEATHER_MAP)
// The weather map instead (CLOUD_WEATHER_MAP defined): cloud_weather in the
// drifting frame at each texel's centre (octahedral_direction), as (value,
// regime, sheet); clouds.glsl's cloud_weather_map reads it.
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;
uniform ivec2 u_grid;

void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    if (c.x >= u_grid.x || c.y >= u_grid.y) return;
    vec2 st = (vec2(c) + 0.5) / vec2(u_grid);
    CloudWeather w = cloud_weather(octahedral_direction(st));
    imageStore(u_out, c, vec4(w.value, w.regime, w.sheet, 0.0));
}
#elif defined(COMPUTE_SHADER)
layout(local_size_x = 8, local_size_y = 8) in;
layout(r32f, binding = 0) uniform writeonly image2D u_out;
uniform ivec2 u_grid;

void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    if (c.x >= u_grid.x || c.y >= u_grid.y) return;
    float lon = (float(c.x) + 0.5) / float(u_grid.x) * 2.0 * PI - PI;
    float lat = 0.5 * PI - (float(c.y) + 0.5) / float(u_grid.y) * PI;
    vec3 n = vec3(cos(lat) * cos(lon), cos(lat) * sin(lon), sin(lat));
    // The finest octaves average out over a grid cell; 20 km keeps ~7.
    imageStore(u_out, c, vec4(cloud_field(n, 20.0), 0.0, 0.0, 0.0));
}
#endif
