// airglow_table.glsl: the airglow integrals of airglow.glsl read from a table
// made once per frame, instead of integrated per pixel.  Include after
// airglow.glsl.
//
// Seen from a camera at radius r0 (sphere space), each piece of a ray that
// airglow_along_ray integrates depends on the ray only through its closest
// approach p to the centre, since the shells are spheres about the centre:
//   near_ground(p) = shell_piece(p, a,  r0)   camera to the ground
//   near_sky(p)    = shell_piece(p, p,  r0)   camera to the closest approach
//   far_sky(p)     = shell_piece(p, p,  inf)  closest approach outward
//   far_up(p)      = shell_piece(p, r0, inf)  camera outward (closest approach behind)
// (km, per layer), the pieces named by where they start and end.  The table
// (shaders/airglow_table.glsl, renderer/gl/airglow_table.py) holds these four
// in RGBA, one row per layer, one column per p.  The ripple still comes per
// pixel, where each piece crosses its layer's peak, as in airglow_along_ray.
//
// Columns: p from 0 to AIRGLOW_TABLE_KNEE_DEPTH below the ground in the first
// AIRGLOW_TABLE_KNEE of the table (rays down to the ground, where the pieces
// change slowly with p), then up to u_airglow_table_top (the outermost extent
// of the layers, beyond which every piece is 0) in the rest, about 0.15 km a
// column for the shells' Gaussian profiles (sigma of 3 km and more), so that
// linear interpolation is within 1e-3 of the integral.

const int AIRGLOW_TABLE_WIDTH = 4096;
const float AIRGLOW_TABLE_KNEE = 0.25;          // share of the columns below the knee
const float AIRGLOW_TABLE_KNEE_DEPTH = 100.0;   // km below the ground (sphere space)
uniform float u_airglow_table_top;              // km: p of the last column

// airglow_table_p / airglow_table_x: the closest approach p (km) of the
// table's unit coordinate x (0 and 1 on the first and last column centres),
// two linear pieces meeting at x = KNEE, p = a - KNEE_DEPTH; and its inverse.
float airglow_table_p(float x) {
    float knee = WGS84_A - AIRGLOW_TABLE_KNEE_DEPTH;
    return x < AIRGLOW_TABLE_KNEE
        ? knee * x / AIRGLOW_TABLE_KNEE
        : knee + (u_airglow_table_top - knee) * (x - AIRGLOW_TABLE_KNEE)
                 / (1.0 - AIRGLOW_TABLE_KNEE);
}
float airglow_table_x(float p) {
    float knee = WGS84_A - AIRGLOW_TABLE_KNEE_DEPTH;
    float x = p < knee
        ? AIRGLOW_TABLE_KNEE * p / knee
        : AIRGLOW_TABLE_KNEE + (1.0 - AIRGLOW_TABLE_KNEE) * (p - knee)
                               / (u_airglow_table_top - knee);
    return clamp(x, 0.0, 1.0);
}

#if !defined(AIRGLOW_TABLE_BUILD)
uniform sampler2D u_airglow_table;   // RGBA32F, AIRGLOW_TABLE_WIDTH x MAX_AIRGLOW_LAYERS

// airglow_from_table: airglow_along_ray's radiance (cd/m^2) with its
// integrals read from the table: the same pieces, chosen the same way (the
// near piece ends on the ground when t_end < t_c, else at the closest
// approach; the far piece starts at the closest approach when it is ahead,
// else at the camera), the same ripple at each piece's peak crossing.
// o, d, t_end, far_weight as airglow_along_ray's.
vec3 airglow_from_table(vec3 o, vec3 d, float t_end, vec3 far_weight) {
    float tc = -dot(o, d);
    float p = length(o + tc * d);
    float u = coord_from_unit(airglow_table_x(p), float(AIRGLOW_TABLE_WIDTH));
    vec3 sum = vec3(0.0);
    RippleRay waves = ripple_ray(o, d);
#if defined(AIRGLOW_LAYERS)
    // The scene's layer count as a constant, so the loop unrolls.
    for (int i = 0; i < AIRGLOW_LAYERS; ++i) {
#else
    for (int i = 0; i < u_airglow_count; ++i) {
#endif
        float R = u_airglow_radius[i];
        vec4 pieces = textureLod(u_airglow_table,
                                 vec2(u, (float(i) + 0.5) / float(MAX_AIRGLOW_LAYERS)), 0.0);
        float near = 0.0;
        if (tc > 0.0) {
            float ta = min(tc, t_end);
            near = t_end < tc ? pieces.x : pieces.y;
            if (near > 0.0) {
                float t_peak = tc - sqrt(max((R - p) * (R + p), 0.0));
                near *= ripple(waves, clamp(t_peak, 0.0, ta));
            }
        }
        float far = 0.0;
        if (t_end > max(tc, 0.0)) {
            far = tc > 0.0 ? pieces.z : pieces.w;
            if (far > 0.0) {
                float t_peak = tc + sqrt(max((R - p) * (R + p), 0.0));
                far *= ripple(waves, max(t_peak, 0.0));
            }
        }
        sum += u_airglow_emission[i] * near + u_airglow_emission[i] * far * far_weight;
    }
    // The lines' camera colours have signed channels; the camera's matrix acts on the
    // summed raw signal, so the sum is clipped once, as in airglow_along_ray.
    return max(sum, vec3(0.0));
}
#endif
