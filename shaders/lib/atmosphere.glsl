// atmosphere.glsl: the Earth's air as a participating medium.
//
// Include after common.glsl.  Provides, for any program:
//
//     vec3 transmittance_to_space(vec3 p, vec3 d);
//
// and, for the Earth pass, the pieces of the single + multiple scattering
// model (Hillaire 2020, "A Scalable and Production Ready Sky and Atmosphere
// Rendering Technique", EGSR): an exponential Rayleigh and Mie atmosphere
// with an ozone layer, the constants of Bruneton's 2017 demo
// (docs/physics.md, "Atmosphere").
//
// Geometry.  The atmosphere is a shell ATMO_THICKNESS_KM thick above the
// WGS84 ellipsoid.  Every computation happens in "sphere space": ITRS axes
// with z scaled by a/b, where the ellipsoid is the sphere of radius a =
// WGS84_A and the shell is the sphere of radius a + 60 km, so the hard limb of
// common.glsl's intersect_ellipsoid is exactly the ground here.  Path lengths
// in sphere space are up to 0.34 % longer than true lengths near the poles:
// optical depths carry that error, far below the model's own.
//
// Units: km for lengths, km^-1 for scattering and extinction coefficients,
// transmittances and phase functions (sr^-1) dimensionless.
//
// Lookup tables (renderer/gl/atmosphere_tables.py computes them on the GPU with
// shaders/atmosphere_luts.glsl and binds them with bind_atmosphere()):
//   u_atmo_transmittance  RGBA32F, 256 x 64: transmittance to the top of the
//                         atmosphere, indexed by (mu, r) as in Bruneton 2017.
//   u_atmo_multiscatter   RGBA32F, 32 x 32: Hillaire's Psi_ms(r, mu_s), the
//                         multiple-scattering transfer per unit illuminance.
//   u_atmo_irradiance     RGBA32F, 64 x 16: sky (indirect) irradiance on a
//                         horizontal ground or cloud top, per unit illuminance.

uniform sampler2D u_atmo_transmittance;
uniform sampler2D u_atmo_multiscatter;
uniform sampler2D u_atmo_irradiance;

// ---------------------------------------------------------------------------
// Constants (docs/physics.md, "Atmosphere (Bruneton 2017 demo
// constants)"), converted from m^-1 to km^-1.  Channels are the R, G, B
// wavelengths 680, 550, 440 nm.
// ---------------------------------------------------------------------------
const float ATMO_THICKNESS_KM = 60.0;                 // 6420 - 6360 km
const float ATMO_BOTTOM = WGS84_A;                    // ground, sphere space
const float ATMO_TOP = WGS84_A + ATMO_THICKNESS_KM;   // top of the shell
const vec3 RAYLEIGH_SCATTERING = vec3(5.802e-3, 1.3558e-2, 3.310e-2);  // km^-1
const float RAYLEIGH_SCALE_HEIGHT = 8.0;                                // km
const float MIE_EXTINCTION = 4.44e-3;                                   // km^-1
const float MIE_SCATTERING = 0.9 * 4.44e-3;          // single-scattering albedo 0.9
const float MIE_SCALE_HEIGHT = 1.2;                                     // km
const float MIE_G = 0.8;
const vec3 OZONE_ABSORPTION = vec3(6.50e-4, 1.881e-3, 8.50e-5);        // km^-1, at the peak
const float GROUND_ALBEDO = 0.1;

// to_sphere_space: a point (km) or direction from ITRS into sphere space,
// (x, y, z) -> (x, y, z a/b).  Directions must be renormalised by the caller
// where a unit vector matters.
vec3 to_sphere_space(vec3 v) {
    return v * vec3(1.0, 1.0, WGS84_A / WGS84_B);
}

// Densities relative to sea level (dimensionless) at altitude h (km), h
// clamped at 0: rho_R = exp(-h / H_R), rho_M = exp(-h / H_M), with the scale
// heights H_R = 8 km and H_M = 1.2 km.
float rayleigh_density(float h) { return exp(-max(h, 0.0) / RAYLEIGH_SCALE_HEIGHT); }
float mie_density(float h) { return exp(-max(h, 0.0) / MIE_SCALE_HEIGHT); }
// Ozone: a tent from 10 km up to 1 at 25 km and back to 0 at 40 km.
float ozone_density(float h) { return max(0.0, 1.0 - abs(h - 25.0) / 15.0); }

// extinction: the extinction coefficient at altitude h (km), km^-1, per
// channel: sigma_t(h) = beta_R rho_R(h) + beta_M,ext rho_M(h) + beta_O rho_O(h)
// (Rayleigh scattering, Mie extinction, ozone absorption).
vec3 extinction(float h) {
    return RAYLEIGH_SCATTERING * rayleigh_density(h) + MIE_EXTINCTION * mie_density(h)
         + OZONE_ABSORPTION * ozone_density(h);
}

// ray_sphere: the distances (t_near, t_far) along the unit ray o + t d where it
// meets the sphere of radius R about the origin, or (-1, -1) on a miss.  The
// discriminant is formed as (R - |q|)(R + |q|) with q the closest point, for
// the same float32 reason as in intersect_ellipsoid:
//   t_c = -o . d,  q = o + t_c d,  t = t_c -+ sqrt((R - |q|)(R + |q|)).
// o and R in km (sphere space), so the distances are km.
vec2 ray_sphere(vec3 o, vec3 d, float R) {
    float tc = -dot(o, d);
    float ql = length(o + tc * d);
    float disc = (R - ql) * (R + ql);
    if (disc < 0.0) return vec2(-1.0);
    float s = sqrt(disc);
    return vec2(tc - s, tc + s);
}

// optical_depth_march: tau = integral of sigma_t along o + t d for t in
// [t0, t1] (sphere space, km), per channel, dimensionless.  The integrand
// peaks at the lowest point of the segment, so the samples (midpoint rule in
// u) are packed toward it quadratically: t = t_low + (t_end - t_low) u^2 on
// each side, dt = |t_end - t_low| 2 u du, n samples per side.
vec3 optical_depth_march(vec3 o, vec3 d, float t0, float t1, int n) {
    float t_low = clamp(-dot(o, d), t0, t1);
    vec3 tau = vec3(0.0);
    for (int side = 0; side < 2; ++side) {
        float t_end = side == 0 ? t0 : t1;
        float span = t_end - t_low;
        if (abs(span) <= 0.0) continue;
        for (int i = 0; i < n; ++i) {
            float u = (float(i) + 0.5) / float(n);
            float t = t_low + span * u * u;
            float dt = abs(span) * 2.0 * u / float(n);
            tau += extinction(length(o + t * d) - ATMO_BOTTOM) * dt;
        }
    }
    return tau;
}

// ---------------------------------------------------------------------------
// Phase functions, sr^-1.  nu is the cosine of the scattering angle.
// ---------------------------------------------------------------------------

// rayleigh_phase: 3 / (16 pi) (1 + nu^2).
float rayleigh_phase(float nu) { return 3.0 / (16.0 * PI) * (1.0 + nu * nu); }

// mie_phase: the Cornette-Shanks phase function with asymmetry g (Bruneton 2017):
// 3/(8 pi) (1 - g^2)(1 + nu^2) / ((2 + g^2)(1 + g^2 - 2 g nu)^(3/2)).
float mie_phase(float nu) {
    float g = MIE_G;
    float k = 3.0 / (8.0 * PI) * (1.0 - g * g) / (2.0 + g * g);
    return k * (1.0 + nu * nu) / pow(1.0 + g * g - 2.0 * g * nu, 1.5);
}

// ---------------------------------------------------------------------------
// Table parametrisations.  Texel centres sit on the ends of each range
// (Bruneton's GetTextureCoordFromUnitRange), so a table's first and last
// texels hold the exact boundary values.
// ---------------------------------------------------------------------------
const vec2 TRANSMITTANCE_SIZE = vec2(256.0, 64.0);   // (mu, r), docs/physics.md table size
const vec2 MULTISCATTER_SIZE = vec2(32.0, 32.0);     // (mu_s, r)
const vec2 IRRADIANCE_SIZE = vec2(64.0, 16.0);       // (mu_s, r), docs/physics.md table size

// coord_from_unit / unit_from_coord: x in [0, 1] to the texture coordinate
// u = 1 / (2 n) + x (1 - 1 / n) of a table n texels wide, so x = 0 and x = 1
// fall on the centres of the first and last texels; and back.
float coord_from_unit(float x, float size) { return 0.5 / size + x * (1.0 - 1.0 / size); }
float unit_from_coord(float u, float size) { return (u - 0.5 / size) / (1.0 - 1.0 / size); }

// H: distance from the ground to the top boundary along a horizontal ray at
// the ground, sqrt(top^2 - bottom^2), km.
const float ATMO_H = sqrt((ATMO_TOP - ATMO_BOTTOM) * (ATMO_TOP + ATMO_BOTTOM));

// rho_of: distance to the horizon from radius r, sqrt(r^2 - bottom^2), km,
// formed as a product of sum and difference so float32 keeps metres.
float rho_of(float r) { return sqrt(max((r - ATMO_BOTTOM) * (r + ATMO_BOTTOM), 0.0)); }

// distance_to_top: distance from radius r (km) along direction cosine mu (to
// the local zenith) to the top boundary, km: the positive root of
// |x + d v| = r_top, d = -r mu + sqrt(r^2 (mu^2 - 1) + r_top^2), at least 0.
float distance_to_top(float r, float mu) {
    float disc = r * r * (mu * mu - 1.0) + ATMO_TOP * ATMO_TOP;
    return max(-r * mu + sqrt(max(disc, 0.0)), 0.0);
}

// transmittance_uv: table coordinates of (r, mu) for a ray that does not meet
// the ground (Bruneton 2017, GetTransmittanceTextureUvFromRMu): x_r is the
// horizon distance over H, x_mu the distance to the top boundary between its
// least (straight up) and greatest (the horizon) values:
//   x_r = rho / H,  x_mu = (d - d_min) / (d_max - d_min),
//   d_min = r_top - r,  d_max = rho + H,  rho = rho_of(r),  d = distance_to_top,
// each put on texel centres by coord_from_unit.  r in km, mu a cosine.
vec2 transmittance_uv(float r, float mu) {
    float rho = rho_of(r);
    float d = distance_to_top(r, mu);
    float d_min = ATMO_TOP - r;
    float d_max = rho + ATMO_H;
    float x_mu = (d - d_min) / max(d_max - d_min, 1e-6);
    return vec2(coord_from_unit(clamp(x_mu, 0.0, 1.0), TRANSMITTANCE_SIZE.x),
                coord_from_unit(clamp(rho / ATMO_H, 0.0, 1.0), TRANSMITTANCE_SIZE.y));
}

// transmittance_r_mu: the inverse of transmittance_uv, for the table builder:
// rho = H x_r, r = sqrt(rho^2 + r_bottom^2) (km), d = d_min + x_mu (d_max -
// d_min), and mu from the law of cosines in the triangle of the centre, the
// point and the exit point, mu = (H^2 - rho^2 - d^2) / (2 r d) (1 at d = 0).
vec2 transmittance_r_mu(vec2 uv) {
    float x_mu = unit_from_coord(uv.x, TRANSMITTANCE_SIZE.x);
    float x_r = unit_from_coord(uv.y, TRANSMITTANCE_SIZE.y);
    float rho = ATMO_H * x_r;
    float r = sqrt(rho * rho + ATMO_BOTTOM * ATMO_BOTTOM);
    float d_min = ATMO_TOP - r;
    float d_max = rho + ATMO_H;
    float d = d_min + x_mu * (d_max - d_min);
    float mu = d == 0.0 ? 1.0 : (ATMO_H * ATMO_H - rho * rho - d * d) / (2.0 * r * d);
    return vec2(r, clamp(mu, -1.0, 1.0));
}

// (mu_s, r) <-> uv for the small tables: mu_s linear over [-1, 1], altitude
// linear over the shell, u = (1 + mu_s) / 2 and v = (r - r_bottom) /
// ATMO_THICKNESS_KM, each put on texel centres by coord_from_unit.  r in km;
// musr_from_uv returns (r, mu_s).
vec2 musr_uv(float r, float mu_s, vec2 size) {
    return vec2(coord_from_unit(clamp(0.5 + 0.5 * mu_s, 0.0, 1.0), size.x),
                coord_from_unit(clamp((r - ATMO_BOTTOM) / ATMO_THICKNESS_KM, 0.0, 1.0), size.y));
}
vec2 musr_from_uv(vec2 uv, vec2 size) {
    return vec2(ATMO_BOTTOM + ATMO_THICKNESS_KM * unit_from_coord(uv.y, size.y),
                2.0 * unit_from_coord(uv.x, size.x) - 1.0);
}

// horizon_mu: cosine of the zenith angle of the geometric horizon seen from
// radius r (below it a ray meets the ground): -sqrt(1 - (bottom / r)^2).
float horizon_mu(float r) { return -rho_of(r) / r; }

// transmittance_lut: transmittance (dimensionless, per channel) from radius r
// (km) along mu to space, from the table; 0 for a ray that meets the ground
// (mu below horizon_mu(r)).  r is clamped into the shell.
vec3 transmittance_lut(float r, float mu) {
    r = clamp(r, ATMO_BOTTOM, ATMO_TOP);
    if (mu < horizon_mu(r)) return vec3(0.0);
    return textureLod(u_atmo_transmittance, transmittance_uv(r, mu), 0.0).rgb;
}

// SUN_ANGULAR_RADIUS: rad (docs/physics.md, "Atmosphere").
const float SUN_ANGULAR_RADIUS = 0.00467;

// light_transmittance: the transmittance toward a light at direction cosine
// mu_l from radius r, times the fraction of the light's disc above the
// geometric horizon (a smooth ramp over the Sun's angular diameter): this is
// the Earth's shadow, soft over the width the Sun's disc gives it.
//   visible = smoothstep(-alpha sin_h, alpha sin_h, mu_l - mu_h),
//   result  = visible T(r, max(mu_l, mu_h)),
// with mu_h = horizon_mu(r), sin_h = sqrt(1 - mu_h^2) = bottom / r (a small
// angle e above the horizon moves mu by about e sin_h) and alpha =
// SUN_ANGULAR_RADIUS.  r in km; the result is dimensionless, per channel.
vec3 light_transmittance(float r, float mu_l) {
    r = clamp(r, ATMO_BOTTOM, ATMO_TOP);
    float mu_h = horizon_mu(r);
    float sin_h = ATMO_BOTTOM / r;
    float visible = smoothstep(-SUN_ANGULAR_RADIUS * sin_h, SUN_ANGULAR_RADIUS * sin_h,
                               mu_l - mu_h);
    return visible * textureLod(u_atmo_transmittance,
                                transmittance_uv(r, max(mu_l, mu_h)), 0.0).rgb;
}

// multiscatter_lut: Hillaire's Psi_ms(r, mu_s), the radiance of all orders of
// scattering >= 2 per unit scattering coefficient (km^-1) and unit
// illuminance: L_ms = E * Psi_ms * (sigma_s,R + sigma_s,M).  sr^-1 km.
vec3 multiscatter_lut(float r, float mu_s) {
    return textureLod(u_atmo_multiscatter, musr_uv(r, mu_s, MULTISCATTER_SIZE), 0.0).rgb;
}

// sky_irradiance_lut: irradiance of the sky (scattered light only, the direct
// beam excluded) on a horizontal surface at radius r with the light at
// zenith cosine mu_s, per unit illuminance of the light (dimensionless).
vec3 sky_irradiance_lut(float r, float mu_s) {
    return textureLod(u_atmo_irradiance, musr_uv(r, mu_s, IRRADIANCE_SIZE), 0.0).rgb;
}

// transmittance_to_space: transmittance (linear sRGB, per channel, 0..1) of
// the atmosphere along the ray from point p (km, relative to the Earth's
// centre, ITRS axes) in unit direction d (ITRS) out to space: 1 when the ray
// misses the atmosphere, 0 when it meets the ground (the WGS84 ellipsoid).
// T = exp(-tau), tau the optical depth from p (or from where the ray enters
// the shell, for p above it) to where it leaves, read from the table.
vec3 transmittance_to_space(vec3 p, vec3 d) {
    vec3 o = to_sphere_space(p);
    vec3 ds = normalize(to_sphere_space(d));
    vec2 top = ray_sphere(o, ds, ATMO_TOP);
    if (top.y <= 0.0) return vec3(1.0);          // misses, or the shell is behind
    vec2 ground = ray_sphere(o, ds, ATMO_BOTTOM);
    if (ground.y > 0.0) return vec3(0.0);        // meets the Earth ahead
    vec3 x = o + max(top.x, 0.0) * ds;           // where the ray is in the shell
    float r = length(x);
    return transmittance_lut(r, dot(x, ds) / r);
}

// ---------------------------------------------------------------------------
// Scattering along a view ray (the Earth pass; Hillaire 2020, section 5).
// ---------------------------------------------------------------------------

// AtmoLight: a distant light, the Sun or the Moon.  dir is the unit direction
// to it in sphere space, illuminance its illuminance outside the atmosphere,
// lux per channel (linear sRGB).
struct AtmoLight {
    vec3 dir;
    vec3 illuminance;
};

// light_source_term: the radiance emitted into the view direction d per unit
// length at point x by one light, cd m^-2 km^-1: single scattering with the
// true phase functions, dimmed by the transmittance toward the light and the
// Earth's shadow, plus Hillaire's isotropic multiple-scattering term:
//   J = E [T_l(r, mu_l) (sigma_R P_R(nu) + sigma_M P_M(nu))
//          + Psi_ms(r, mu_l) (sigma_R + sigma_M)],
// with mu_l = x . l / r, nu = d . l, T_l = light_transmittance and
// Psi_ms = multiscatter_lut.  x in sphere space (km), r = |x|; scat_r and
// scat_m are the scattering coefficients sigma_R, sigma_M at x, km^-1;
// E = l.illuminance, lux.  The phase functions depend on the ray alone, so
// the caller passes them: phase = (P_R(nu), P_M(nu)), sr^-1.
vec3 light_source_term(vec3 x, float r, vec3 scat_r, float scat_m, AtmoLight l, vec2 phase) {
    float mu_l = dot(x, l.dir) / r;
    vec3 single = light_transmittance(r, mu_l) * (scat_r * phase.x + scat_m * phase.y);
    vec3 multiple = multiscatter_lut(r, mu_l) * (scat_r + scat_m);
    return l.illuminance * (single + multiple);
}

// light_phases: (P_R(nu), P_M(nu)) for the view direction d and a light l,
// nu = d . l, sr^-1: constant along a ray, so taken once per ray.
vec2 light_phases(vec3 d, AtmoLight l) {
    float nu = dot(d, l.dir);
    return vec2(rayleigh_phase(nu), mie_phase(nu));
}

// AIR_SUN, AIR_MOON: compile-time switches, 0 to leave a light's term out of
// scatter_along_ray where it is known to add exactly 0 (renderer/passes/
// air_lights.py: the light is below every horizon the frame's air has, by more
// than the tables' reach); 1 unless the program says otherwise.
#if !defined(AIR_SUN)
#define AIR_SUN 1
#endif
#if !defined(AIR_MOON)
#define AIR_MOON 1
#endif

// scatter_along_ray: the radiance L (cd/m^2) scattered toward the viewer along
// the ray o + t d (sphere space, unit d) for t in [t0, t1], and the
// transmittance T over that segment, from n samples (n >= 2) of the medium.
// The medium is densest at the segment's lowest point t_low; the samples are
// packed toward it quadratically from either end, walked front to back, and
// each step is integrated analytically with its coefficients held constant,
// integral of T(t) S dt = T_front S (1 - exp(-sigma_t dt)) / sigma_t (Hillaire
// 2020, eq. 9), which conserves energy at any step length.
// The second light is skipped when its illuminance is zero, and either light
// where AIR_SUN or AIR_MOON is 0.
void scatter_along_ray(vec3 o, vec3 d, float t0, float t1, int n, AtmoLight sun,
                       AtmoLight moon, out vec3 L, out vec3 T) {
    L = vec3(0.0);
    T = vec3(1.0);
    if (t1 <= t0) return;
    float t_low = clamp(-dot(o, d), t0, t1);
    float f0 = (t_low - t0) / (t1 - t0);
    int n0 = f0 <= 0.0 ? 0 : (f0 >= 1.0 ? n : clamp(int(float(n) * f0 + 0.5), 1, n - 1));
    bool use_moon = max(moon.illuminance.r, max(moon.illuminance.g, moon.illuminance.b)) > 0.0;
    vec2 phase_sun = light_phases(d, sun), phase_moon = light_phases(d, moon);
    for (int i = 0; i < n; ++i) {
        float t, dt;
        if (i < n0) {                 // from t0 toward t_low
            float u = 1.0 - (float(i) + 0.5) / float(n0);
            t = t_low - (t_low - t0) * u * u;
            dt = (t_low - t0) * 2.0 * u / float(n0);
        } else {                      // from t_low toward t1
            float u = (float(i - n0) + 0.5) / float(n - n0);
            t = t_low + (t1 - t_low) * u * u;
            dt = (t1 - t_low) * 2.0 * u / float(n - n0);
        }
        vec3 x = o + t * d;
        float r = length(x);
        float h = r - ATMO_BOTTOM;
        vec3 scat_r = RAYLEIGH_SCATTERING * rayleigh_density(h);
        float scat_m = MIE_SCATTERING * mie_density(h);
        vec3 sigma_t = extinction(h);
        vec3 S = vec3(0.0);
#if AIR_SUN
        S += light_source_term(x, r, scat_r, scat_m, sun, phase_sun);
#endif
#if AIR_MOON
        if (use_moon) S += light_source_term(x, r, scat_r, scat_m, moon, phase_moon);
#endif
        vec3 step_t = exp(-sigma_t * dt);
        L += T * S * (1.0 - step_t) / max(sigma_t, vec3(1e-9));
        T *= step_t;
    }
}

// lit_surface_irradiance: illuminance (lux per channel) on a horizontal
// surface at radius r with unit normal `up` (sphere space) from one light:
// the direct beam through the air, E T(r, mu) mu, plus the sky's scattered
// light, E I_sky(r, mu) -- which keeps the ground and clouds lit through
// twilight after the direct beam has set.
vec3 lit_surface_irradiance(float r, vec3 up, AtmoLight l) {
    float mu = dot(up, l.dir);
    return l.illuminance * (light_transmittance(r, mu) * max(mu, 0.0)
                            + sky_irradiance_lut(r, mu));
}
