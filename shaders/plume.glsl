// plume.glsl: the lights of a launch (plume, staging flashes, spent stages, the
// sunlit exhaust cloud) drawn as instanced Gaussian sprites.
//
// Each instance is one light source of renderer/physics/launch/light.py: a Gaussian blob of
// light whose projection on the image the CPU has computed in float64 (centre in
// pixels, covariance in pixels^2, already convolved with the camera's point spread
// function so that nothing is drawn smaller than ~2 px), with a luminous intensity
// of its own and a cross-section that scatters sunlight.  This shader adds what
// depends on the air and the Earth:
//
//   I    = I_emit + E_sun T_sun(P) sigma p(theta)        luminous intensity, cd
//   E    = I T_cam(P) / D^2                              illuminance at the camera, lux
//   L(x) = E G(x) / Omega_px                             radiance of pixel x, cd/m^2
//
// with P the source's point at distance D along the ray (the ray to its centre for
// a point source; each pixel's own ray for an extended one, see illuminance_at),
// T_sun and T_cam the transmittance of the atmosphere from P toward the Sun and
// toward the camera (atmosphere.glsl; 0 where the ray meets the ground: the
// Earth's shadow, the Earth's occlusion), sigma p(theta) the scattering
// cross-section (m^2) times its phase function (sr^-1, normalised over the sphere)
// at the scattering angle theta, G the projected Gaussian integrated over the pixel
// (px^-2: sums to 1 over the image) and Omega_px the solid angle of a pixel at the
// source (sr).  So the flux summed over the pixels, sum L Omega_px, is E: a point
// source lands on the image with its physical illuminance, like a star, and the
// exposure decides how it looks.
//
// Exposure: each source moves while the shutter is open (the CPU gives its image
// motion over the exposure, a_motion, and its light averaged over that time), so
// it is drawn as its Gaussian swept evenly along that segment (streak_weight):
// the same light as the still source, spread along the streak its motion makes.
//
// Occlusion: the ray meets the WGS84 ellipsoid (common.glsl); light from beyond the
// hit point is hidden, anti-aliased at the limb by pixel coverage.  An exhaust
// cloud hundreds of km deep is hidden and shadowed by the share of its depth
// profile beyond the ground or inside the Earth's shadow, computed exactly.
//
// Geometry arrives in ITRS axes (the camera basis and position, the Sun's
// direction), rotated on the CPU in float64 like the Earth pass's; pixel coordinates
// follow gl_FragCoord (y from the bottom).  Output: radiance times the sub-frame
// weight, ADDED to the frame's float buffer (alpha 0).

#include "lib/common.glsl"
#include "lib/atmosphere.glsl"

uniform vec3 u_cam_pos;            // camera position relative to the Earth's centre, ITRS km
uniform vec3 u_sun_dir;            // unit vector toward the Sun, ITRS
uniform float u_sun_illuminance;   // solar illuminance for the date, lux
uniform float u_weight;            // this sub-frame's share of the frame (motion blur)

// Light from a source closer than the ground along a ray by less than this (km) is
// not hidden: a plume on the pad sits on the ellipsoid.
const float OCCLUSION_TOLERANCE_KM = 0.1;
// Below this standard deviation (px) a sprite's pixels are integrated on a 4 x 4 grid
// of sub-samples rather than sampled at their centres (along its narrow axis), and
// it is treated as a point source (along its wide axis).
const float POINT_SIGMA_PX = 2.0;

// transmittance_to_space(p, d) comes from atmosphere.glsl (the Earth pass's air:
// Bruneton's constants over the WGS84 ellipsoid, read from its transmittance
// table); renderer.gl.atmosphere_tables.bind_atmosphere binds the table.

// ellipsoid_height: height (km) above the ellipsoid along the geocentric radius of
// a point x (ITRS km from the centre); within metres of the geodetic height here.
float ellipsoid_height(vec3 x) {
    float r = length(x);
    float s2 = x.z * x.z / (r * r);
    float re = WGS84_A * WGS84_B / sqrt(WGS84_B * WGS84_B * (1.0 - s2) + WGS84_A * WGS84_A * s2);
    return r - re;
}

// LIGHT_MIN_HEIGHT_KM: sunlight and the view of a source are traced from at least
// this high (km): a plume on the pad glows above the ground, and a ray traced from
// exactly the ground could be taken, by rounding, for one that meets it.
const float LIGHT_MIN_HEIGHT_KM = 0.05;

vec3 lift_above_ground(vec3 p) {
    return p + normalize(p) * max(LIGHT_MIN_HEIGHT_KM - ellipsoid_height(p), 0.0);
}

// The Earth's shadow on an exhaust cloud.  Sunlight reaching a point on the night
// side of the terminator has grazed the Earth at some tangent height h (the
// distance of the point from the shadow's axis, less the Earth's radius), and
// arrives dimmed by the air along that grazing path: T(h), 0 for h <= 0, rising
// through tens of km to 1 above the atmosphere.  Across a cloud hundreds of km
// deep, h changes along each view ray, so the light a ray collects is the cloud's
// depth profile (a Gaussian) weighted by T(h) along it.  T(h) is taken as a
// staircase over SHADOW_STEPS_KM: T(h) = sum_j (T(h_j) - T(h_j-1)) [h > h_j], and
// each step's share of the depth profile, the part outside the cylinder of radius
// R + h_j behind the terminator plane, is a difference of normal distribution
// functions (shadow_interval, gaussian_mass): smooth and exact per step, so the
// shadow's reddened edge glides through the cloud as the rows go down instead of
// falling in one step per puff (which showed as bands).
const int SHADOW_STEPS = 4;
const float SHADOW_STEPS_KM[4] = float[4](14.0, 22.0, 32.0, 50.0);

// grazing_transmittance: T(h) of sunlight that passed the Earth at tangent height
// h_km: from the tangent point out to space, squared (the path is symmetric).
// 1 above the atmosphere's shell.
vec3 grazing_transmittance(float h_km) {
    if (h_km >= ATMO_THICKNESS_KM) return vec3(1.0);
    vec3 half_path = transmittance_lut(ATMO_BOTTOM + h_km, 0.0);
    return half_path * half_path;
}

#if defined(VERTEX_SHADER)

// Per instance (renderer/passes/sprites.py packs them):
in vec4 a_rect;      // the quad: x0, y0, x1, y1 in pixels (gl_FragCoord convention)
in vec2 a_centre;    // the Gaussian's centre, pixels
in vec3 a_cov;       // its covariance (xx, xy, yy), pixels^2
in float a_dist;     // distance from the camera to the source, km
in float a_depth_sigma;  // its light's spread along the view axis (standard deviation), km
in vec3 a_emit;      // own luminous intensity, cd (linear sRGB; luminance = cd)
in float a_reflect;  // scattering cross-section (albedo x area for a body), m^2
in float a_g;        // Henyey-Greenstein asymmetry; < -1.5 for a Lambert sphere
in vec2 a_motion;    // the centre's motion over the exposure (start to end), pixels

flat out vec2 v_centre;
flat out vec2 v_motion;
flat out vec3 v_inv_cov;        // inverse covariance (xx, xy, yy), px^-2
flat out float v_norm;          // 1 / (2 pi sqrt(det)), px^-2
flat out int v_subsample;       // integrate pixels on sub-samples (narrow Gaussian)
flat out int v_point;           // light and occlusion taken at the centre (see below)
flat out float v_dist;
flat out float v_depth_sigma;
flat out vec3 v_emit;
flat out float v_reflect;
flat out float v_g;
flat out float v_omega_px;
flat out vec3 v_graze[SHADOW_STEPS];  // grazing_transmittance at each step

// Two triangles per quad, corners from gl_VertexID.
const vec2 CORNER[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                               vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));

void main() {
    vec2 px = mix(a_rect.xy, a_rect.zw, CORNER[gl_VertexID % 6]);
    gl_Position = vec4(2.0 * px / u_resolution - 1.0, 0.0, 1.0);
    float det = a_cov.x * a_cov.z - a_cov.y * a_cov.y;
    v_inv_cov = vec3(a_cov.z, -a_cov.y, a_cov.x) / det;
    v_norm = 1.0 / (2.0 * PI * sqrt(det));
    float tr = a_cov.x + a_cov.z;
    float root = sqrt(max(tr * tr - 4.0 * det, 0.0));
    float limit = POINT_SIGMA_PX * POINT_SIGMA_PX;
    v_subsample = 0.5 * (tr - root) < limit ? 1 : 0;
    v_point = 0.5 * (tr + root) < limit ? 1 : 0;
    v_centre = a_centre;
    v_motion = a_motion;
    v_dist = a_dist;
    // only an extended source is integrated in depth
    v_depth_sigma = v_point != 0 ? 0.0 : a_depth_sigma;
    v_emit = a_emit;
    v_reflect = a_reflect;
    v_g = a_g;
    for (int j = 0; j < SHADOW_STEPS; ++j) v_graze[j] = grazing_transmittance(SHADOW_STEPS_KM[j]);
    // A pixel at angle c from the axis subtends cos^3(c) / f^2 sr.
    vec2 off = (a_centre - 0.5 * u_resolution) / u_focal_px;
    float cos_c = inversesqrt(1.0 + dot(off, off));
    v_omega_px = cos_c * cos_c * cos_c / (u_focal_px * u_focal_px);
}

#elif defined(FRAGMENT_SHADER)

flat in vec2 v_centre;
flat in vec2 v_motion;
flat in vec3 v_inv_cov;
flat in float v_norm;
flat in int v_subsample;
flat in int v_point;
flat in float v_dist;
flat in float v_depth_sigma;
flat in vec3 v_emit;
flat in float v_reflect;
flat in float v_g;
flat in float v_omega_px;
flat in vec3 v_graze[SHADOW_STEPS];

out vec4 frag_color;

// lambert_sphere_phase: phase function (sr^-1, integral 1 over the sphere) of a
// diffusely reflecting sphere at phase angle alpha (Sun-source-observer):
// (2 / 3 pi) (sin a + (pi - a) cos a) / pi.  Its intensity toward an observer is
// albedo x cross-section x E x this: at full phase (2/3) albedo A E / pi, the
// geometric albedo of a Lambert sphere.
float lambert_sphere_phase(float cos_alpha) {
    float a = acos(clamp(cos_alpha, -1.0, 1.0));
    return 2.0 / (3.0 * PI) * (sin(a) + (PI - a) * cos(a)) / PI;
}

// henyey_greenstein: the phase function (sr^-1, integral 1) of particles with
// asymmetry g at scattering angle theta: (1 - g^2) / (4 pi (1 + g^2 - 2 g cos)^1.5).
float henyey_greenstein(float g, float cos_theta) {
    float k = 1.0 + g * g - 2.0 * g * cos_theta;
    return (1.0 - g * g) / (4.0 * PI * k * sqrt(k));
}

// gaussian: the normalised 2-D Gaussian (px^-2) at offset x (px) from its centre.
float gaussian(vec2 x) {
    float q = v_inv_cov.x * x.x * x.x + 2.0 * v_inv_cov.y * x.x * x.y + v_inv_cov.z * x.y * x.y;
    return v_norm * exp(-0.5 * q);
}

// erf_of: the error function, erf(z) = 2 Phi(z sqrt 2) - 1 (normal_cdf below).
float normal_cdf(float x);
float erf_of(float z) { return 2.0 * normal_cdf(z * sqrt(2.0)) - 1.0; }

// streak_weight: the Gaussian swept evenly along the motion m = v_motion, its
// centre at x - s m for s in [-1/2, 1/2], averaged over s (px^-2; the integral
// over the plane stays 1).  With Q the inverse covariance the exponent is
// quadratic in s, q(s) = a s^2 - 2 b s + c (a = m.Qm, b = m.Qx, c = x.Qx), so
//   mean = norm exp(-(c - b^2/a)/2) sqrt(pi / 2a)
//          [erf(sqrt(a/2) (1/2 - b/a)) - erf(sqrt(a/2) (-1/2 - b/a))]
// in closed form; below a motion of a hundredth of a standard deviation, the
// still Gaussian.
float streak_weight(vec2 x) {
    vec2 m = v_motion;
    vec2 qm = vec2(v_inv_cov.x * m.x + v_inv_cov.y * m.y, v_inv_cov.y * m.x + v_inv_cov.z * m.y);
    float a = dot(m, qm);
    if (a < 1e-4) return gaussian(x);
    float b = dot(x, qm);
    float c = v_inv_cov.x * x.x * x.x + 2.0 * v_inv_cov.y * x.x * x.y + v_inv_cov.z * x.y * x.y;
    float s0 = b / a;
    float k = sqrt(0.5 * a);
    float across = max(c - b * s0, 0.0);
    float along = erf_of(k * (0.5 - s0)) - erf_of(k * (-0.5 - s0));
    return v_norm * exp(-0.5 * across) * sqrt(PI / (2.0 * a)) * along;
}

// pixel_weight: the streaked Gaussian integrated over this pixel (a unit square):
// the mean of 4 x 4 sub-samples for a narrow one (exact to ~1e-6 for sigma >=
// 0.8 px), the centre's value for a wide one.
float pixel_weight(vec2 x) {
    if (v_subsample == 0) return streak_weight(x);
    float sum = 0.0;
    for (int j = 0; j < 4; ++j) {
        for (int i = 0; i < 4; ++i) {
            sum += streak_weight(x + (vec2(i, j) + 0.5) / 4.0 - 0.5);
        }
    }
    return sum / 16.0;
}

// normal_cdf: the standard normal distribution function Phi(x), from erf by
// Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
float normal_cdf(float x) {
    float z = abs(x) / sqrt(2.0);
    float t = 1.0 / (1.0 + 0.3275911 * z);
    float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
               + t * (-1.453152027 + t * 1.061405429))));
    float erf_z = 1.0 - poly * exp(-z * z);
    return 0.5 + 0.5 * sign(x) * erf_z;
}

// gaussian_mass: the share of a normal distribution (mean mu, deviation sigma > 0)
// that lies in [s0, s1].
float gaussian_mass(float mu, float sigma, float s0, float s1) {
    if (s1 <= s0) return 0.0;
    return normal_cdf((s1 - mu) / sigma) - normal_cdf((s0 - mu) / sigma);
}

// ShadowRay: the view ray o + s d (ITRS km) in the frame of the Earth's shadow,
// for sunlight along -sun.  Scaling z by a/b turns the ellipsoid into a sphere and
// its shadow into a circular cylinder while keeping the ray's parameter s; in that
// space, qa s^2 + 2 qb s + |op|^2 is the squared distance of the ray's point from
// the shadow's axis, and k0 + k1 s its height along the axis toward the Sun.
struct ShadowRay {
    float qa, qb, op_len, k0, k1;
};

ShadowRay shadow_ray(vec3 o, vec3 d, vec3 sun) {
    vec3 k = vec3(1.0, 1.0, WGS84_A / WGS84_B);
    vec3 os = o * k, ds = d * k, ls = normalize(sun * k);
    vec3 op = os - dot(os, ls) * ls;
    vec3 dp = ds - dot(ds, ls) * ls;
    return ShadowRay(dot(dp, dp), dot(op, dp), length(op), dot(os, ls), dot(ds, ls));
}

// shadow_interval: the stretch [s0, s1] of the ray (s1 < s0 when none) inside the
// Earth's shadow cast at tangent height h_km: the part of the cylinder of radius
// a + h_km (sphere space) on the night side of the terminator plane.
vec2 shadow_interval(ShadowRay q, float h_km) {
    float R = WGS84_A + h_km;
    float qc = (q.op_len - R) * (q.op_len + R);
    float disc = q.qb * q.qb - q.qa * qc;
    if (q.qa <= 0.0 || disc <= 0.0) {
        // parallel to the axis (inside the cylinder or out of it all along) or a miss
        if (q.qa <= 0.0 && qc < 0.0) {
            // within the cylinder: shadowed where the height along the axis is < 0
            return q.k1 >= 0.0 ? vec2(-1e9, -q.k0 / max(q.k1, 1e-9)) : vec2(-q.k0 / q.k1, 1e9);
        }
        return vec2(1.0, -1.0);
    }
    float r = sqrt(disc);
    vec2 cyl = vec2(-q.qb - r, -q.qb + r) / q.qa;
    // night side: k0 + k1 s < 0
    if (abs(q.k1) < 1e-9) return q.k0 < 0.0 ? cyl : vec2(1.0, -1.0);
    float edge = -q.k0 / q.k1;
    return q.k1 > 0.0 ? vec2(cyl.x, min(cyl.y, edge)) : vec2(max(cyl.x, edge), cyl.y);
}

// night_side_sunlight: the depth-averaged transmittance of sunlight (per channel)
// over a Gaussian depth profile (mean dist, deviation sigma, km) along the ray
// o + s d: the staircase sum above.
vec3 night_side_sunlight(vec3 o, vec3 d, float dist, float sigma) {
    ShadowRay q = shadow_ray(o, d, u_sun_dir);
    vec3 sum = vec3(0.0);
    vec3 below = vec3(0.0);
    for (int j = 0; j < SHADOW_STEPS; ++j) {
        vec2 shadow = shadow_interval(q, SHADOW_STEPS_KM[j]);
        sum += (v_graze[j] - below) * (1.0 - gaussian_mass(dist, sigma, shadow.x, shadow.y));
        below = v_graze[j];
    }
    return sum;
}

// sunlight_scattered: luminous intensity (cd) of sunlight outside the atmosphere
// scattered toward the camera by the source seen along d: E_sun sigma p(theta).
// Sunlight travels along -sun and is scattered into -d: cos(theta) = sun . d.
float sunlight_scattered(vec3 d) {
    float cos_theta = dot(u_sun_dir, d);
    float phase = v_g < -1.5 ? lambert_sphere_phase(-cos_theta) : henyey_greenstein(v_g, cos_theta);
    return u_sun_illuminance * v_reflect * phase;
}

// scattered_sun: luminous intensity (cd) of sunlight scattered toward the camera
// by the source part at P seen along d: E_sun T_sun(P) sigma p(theta).  Sunlight
// travels along -sun and is scattered into -d: cos(theta) = sun . d.
vec3 scattered_sun(vec3 p, vec3 d) {
    return transmittance_to_space(p, u_sun_dir) * sunlight_scattered(d);
}

// illuminance_at: E (lux, per channel) at the camera from the source along the ray
// through pixel position `at`:
//     (I_emit + E_sun T_sun(P) sigma p(theta)) T_cam(P) / D^2
// at P = camera + D d, D the source's distance, times the part of it the Earth
// leaves in view.
//
// A point source is taken whole at P: hidden when the ray meets the ground before
// it (for a miss, h.t is the closest approach, so only a source beyond it is dimmed
// by the limb pixel's coverage), shadowed where transmittance_to_space toward the
// Sun meets the ground.  An extended source (an exhaust cloud hundreds of km deep)
// spreads its light along the ray as a Gaussian of deviation v_depth_sigma about D:
// the part in front of the ground is seen, and on the night side each part is lit
// by sunlight dimmed by the air it grazed on its way past the Earth (the staircase
// of night_side_sunlight), each share computed exactly from the normal
// distribution, so the shadow, its reddened edge and the limb cut smoothly through
// the cloud.
vec3 illuminance_at(vec2 at) {
    vec3 d = view_ray(at);
    EllipsoidHit h = intersect_ellipsoid(u_cam_pos, d);
    float sigma = v_depth_sigma;
    float visible;
    if (sigma <= 0.0) {
        visible = v_dist <= h.t + OCCLUSION_TOLERANCE_KM ? 1.0 : 1.0 - limb_coverage(h);
    } else {
        visible = h.hit ? normal_cdf((h.t - v_dist) / sigma) : 1.0 - limb_coverage(h);
    }
    if (visible <= 0.0) return vec3(0.0);
    vec3 p = lift_above_ground(u_cam_pos + v_dist * d);
    vec3 intensity = v_emit;
    if (v_reflect > 0.0) {
        if (sigma <= 0.0) {
            intensity += scattered_sun(p, d);
        } else {
            // On the night side: the shadow's staircase over the depth profile.  On
            // the day side, where no ray to the Sun grazes the Earth, the sunlight's
            // own path from the profile's centre (a low trail by day); the two meet
            // at the terminator plane, the blend spread over ~100 km of the cloud.
            float w_day = smoothstep(0.0, 100.0, dot(p, u_sun_dir));
            vec3 night = w_day < 1.0 ? night_side_sunlight(u_cam_pos, d, v_dist, sigma) : vec3(0.0);
            vec3 day = w_day > 0.0 ? transmittance_to_space(p, u_sun_dir) : vec3(0.0);
            intensity += mix(night, day, w_day) * sunlight_scattered(d);
        }
    }
    float dist_m = v_dist * 1000.0;
    return intensity * transmittance_to_space(p, -d) * (visible / (dist_m * dist_m));
}

void main() {
    float w = pixel_weight(gl_FragCoord.xy - v_centre);
    if (w <= 0.0) discard;
    // A point source (the camera's blur is wider than the source) is lit, dimmed
    // and hidden as a whole, along the ray to its centre; an extended one (an
    // exhaust cloud) pixel by pixel, so the Earth's shadow and limb cut across it.
    vec2 at = v_point != 0 ? v_centre : gl_FragCoord.xy;
    vec3 radiance = illuminance_at(at) * (w / v_omega_px);
    frag_color = vec4(radiance * u_weight, 0.0);
}
#endif
