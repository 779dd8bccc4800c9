// atmosphere_luts.glsl: the atmosphere's lookup tables, one compute program
// per table (TABLE 0, 1, 2 chosen by a define from renderer/gl/atmosphere_tables.py).
// Each invocation fills one texel of an RGBA32F image.
//
//   TABLE 0  transmittance to the top of the atmosphere (Bruneton 2017, sec. 4.1)
//   TABLE 1  Hillaire's multiple-scattering transfer Psi_ms (Hillaire 2020, sec. 5.5)
//   TABLE 2  sky irradiance on a horizontal surface (needs tables 0 and 1)

#include "lib/common.glsl"
#include "lib/atmosphere.glsl"

#if defined(COMPUTE_SHADER)
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba32f, binding = 0) uniform writeonly image2D u_out;
uniform vec2 u_size;

// Directions on the unit sphere (SPHERE_N x SPHERE_N, area-uniform cells) and
// on the upper hemisphere (cosine-weighted cells), for the integrals below.
const int SPHERE_N = 8;     // 64 directions, as Hillaire's multiple-scattering table
const int HEMI_N = 12;      // 144 directions
const int MARCH_STEPS = 24;

vec3 sphere_dir(int i, int j, int n) {
    float cos_t = 1.0 - 2.0 * (float(i) + 0.5) / float(n);
    float sin_t = sqrt(max(1.0 - cos_t * cos_t, 0.0));
    float phi = 2.0 * PI * (float(j) + 0.5) / float(n);
    return vec3(sin_t * cos(phi), sin_t * sin(phi), cos_t);
}

vec3 hemi_cosine_dir(int i, int j, int n) {
    float sin_t = sqrt((float(i) + 0.5) / float(n));   // cosine-weighted
    float cos_t = sqrt(max(1.0 - sin_t * sin_t, 0.0));
    float phi = 2.0 * PI * (float(j) + 0.5) / float(n);
    return vec3(sin_t * cos(phi), sin_t * sin(phi), cos_t);
}

// march_to_boundary: the distance from x (inside the shell) along unit w to
// the ground or the top, and whether it is the ground.
float march_to_boundary(vec3 x, vec3 w, out bool ground) {
    vec2 g = ray_sphere(x, w, ATMO_BOTTOM);
    ground = g.x > 0.0;
    return ground ? g.x : ray_sphere(x, w, ATMO_TOP).y;
}

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (texel.x >= int(u_size.x) || texel.y >= int(u_size.y)) return;
    vec2 uv = (vec2(texel) + 0.5) / u_size;
    vec3 result = vec3(0.0);
#if TABLE == 0
    vec2 rmu = transmittance_r_mu(uv);
    vec3 o = vec3(0.0, 0.0, rmu.x);
    vec3 w = vec3(sqrt(max(1.0 - rmu.y * rmu.y, 0.0)), 0.0, rmu.y);
    float t1 = distance_to_top(rmu.x, rmu.y);
    result = exp(-optical_depth_march(o, w, 0.0, t1, 256));
#else
    vec2 rmu = musr_from_uv(uv, u_size);
    vec3 x = vec3(0.0, 0.0, rmu.x);
    vec3 sun = vec3(sqrt(max(1.0 - rmu.y * rmu.y, 0.0)), 0.0, rmu.y);
#if TABLE == 1
    // Second-order scattering toward x with an isotropic phase, averaged over
    // all directions (L2), and the fraction f_ms of light scattered once more
    // toward x; all higher orders sum as a geometric series, L2 / (1 - f_ms).
    vec3 l2 = vec3(0.0), f_ms = vec3(0.0);
    for (int i = 0; i < SPHERE_N; ++i) for (int j = 0; j < SPHERE_N; ++j) {
        vec3 w = sphere_dir(i, j, SPHERE_N);
        bool ground;
        float t1 = march_to_boundary(x, w, ground);
        vec3 T = vec3(1.0);
        float dt = t1 / float(MARCH_STEPS);
        for (int k = 0; k < MARCH_STEPS; ++k) {
            vec3 y = x + (float(k) + 0.5) * dt * w;
            float r = length(y);
            float h = r - ATMO_BOTTOM;
            vec3 scat = RAYLEIGH_SCATTERING * rayleigh_density(h) + MIE_SCATTERING * mie_density(h);
            vec3 sigma_t = max(extinction(h), vec3(1e-9));
            vec3 step_t = exp(-sigma_t * dt);
            vec3 S = light_transmittance(r, dot(y, sun) / r) * scat / (4.0 * PI);
            l2 += T * S * (1.0 - step_t) / sigma_t;
            f_ms += T * scat * (1.0 - step_t) / sigma_t;
            T *= step_t;
        }
        if (ground) {
            vec3 y = normalize(x + t1 * w);
            float mu = dot(y, sun);
            l2 += T * light_transmittance(ATMO_BOTTOM, mu) * max(mu, 0.0) * GROUND_ALBEDO / PI;
        }
    }
    float n_dirs = float(SPHERE_N * SPHERE_N);
    l2 /= n_dirs;
    f_ms /= n_dirs;   // the mean over directions: the isotropic phase, 1/(4 pi), times 4 pi sr
    result = l2 / (1.0 - f_ms);
#elif TABLE == 2
    // E_sky = integral over the upper hemisphere of L(w) cos(theta) dw; with
    // cosine-weighted directions it is pi times their mean radiance.
    AtmoLight light = AtmoLight(sun, vec3(1.0));
    AtmoLight none = AtmoLight(sun, vec3(0.0));
    vec3 sum = vec3(0.0);
    for (int i = 0; i < HEMI_N; ++i) for (int j = 0; j < HEMI_N; ++j) {
        vec3 w = hemi_cosine_dir(i, j, HEMI_N);
        bool ground;
        float t1 = march_to_boundary(x, w, ground);
        vec3 L, T;
        scatter_along_ray(x, w, 0.0, t1, MARCH_STEPS, light, none, L, T);
        sum += L;
    }
    result = PI * sum / float(HEMI_N * HEMI_N);
#endif
#endif
    imageStore(u_out, texel, vec4(result, 1.0));
}
#endif
