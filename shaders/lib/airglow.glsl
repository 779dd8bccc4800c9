// airglow.glsl: emission layers of the upper atmosphere, integrated along a
// view ray.  Include after common.glsl.
//
// Each layer i is a spherical shell (sphere space of atmosphere.glsl: the
// WGS84 ellipsoid scaled to the sphere of radius a) whose volume emission,
// expressed directly as luminance emitted per km of path, is Gaussian in
// radius:
//
//     e_i(r) = E_i exp(-(r - R_i)^2 / (2 s_i^2))          cd m^-2 km^-1
//
// with R_i = a + altitude, s_i = FWHM / (2 sqrt(2 ln 2)), and E_i chosen on
// the CPU (renderer/physics/airglow.py) so that the vertical column, integral of e dr
// = E_i s_i sqrt(2 pi), is the layer's zenith brightness in rayleighs
// converted to the linear sRGB a camera records for it (cd/m^2; per channel,
// signed: a camera's colour matrix gives a spectral line channels below zero,
// which add with the other layers' as raw signals do and are clipped once, on
// the sum).  The radiance seen along a ray is the line integral
// of e over the visible part of the ray: no painted band, so limb
// brightening (the van Rhijn effect, docs/physics.md "Airglow") and the
// band's height above the hard limb follow from the geometry alone.
//
// The integral.  With p the ray's closest approach to the centre, distance
// along the ray and radius are related by t - t_c = +-sqrt(r^2 - p^2), so on
// each monotonic piece of the ray
//     integral e dt = integral e(r) r / sqrt(r^2 - p^2) dr.
// The substitution r = p + s^2 removes the inverse-square-root singularity at
// the tangent point: dt = 2 (p + s^2) / sqrt(2 p + s^2) ds, a smooth
// integrand, integrated by 8-point Gauss-Legendre over the part of the piece
// within 4 s_i of the peak (beyond it, e < 3.4e-4 E_i).
//
// Structure: gravity waves ripple the layers; three plane waves in sphere
// space, e -> e (1 + sum a_j sin(k_j . x + phase_j)), the phases advancing
// with time (computed on the CPU), evaluated once per piece where the ray
// crosses the peak.

const int MAX_AIRGLOW_LAYERS = 8;   // renderer/scene/schema.py MAX_AIRGLOW_LAYERS
uniform int u_airglow_count;
uniform float u_airglow_radius[MAX_AIRGLOW_LAYERS];    // R_i, km (sphere space)
uniform float u_airglow_sigma[MAX_AIRGLOW_LAYERS];     // s_i, km
uniform vec3 u_airglow_emission[MAX_AIRGLOW_LAYERS];   // E_i, cd m^-2 km^-1, linear sRGB, signed
uniform vec3 u_ripple_k[3];                            // wave vectors, rad/km
uniform float u_ripple_phase[3];                       // rad
uniform float u_ripple_amplitude[3];                   // relative

// Gauss-Legendre nodes and weights on [-1, 1], 8 points (4 symmetric pairs).
const float GL_X[4] = float[4](0.1834346425, 0.5255324099, 0.7966664774, 0.9602898565);
const float GL_W[4] = float[4](0.3626837834, 0.3137066459, 0.2223810345, 0.1012285363);

// shell_piece: integral of exp(-(r - R)^2 / (2 s^2)) dt (km) along the
// monotonic piece of a ray with closest approach p (km) where its radius runs
// over [r_lo, r_hi], restricted to R +- 4 s.  With r = p + u^2 (the header's
// substitution) the integral is over u in [u_lo, u_hi] = [sqrt(lo - p),
// sqrt(hi - p)] of f(u) = exp(-z^2 / 2) 2 r / sqrt(2 p + u^2), z = (r - R) / s,
// taken by 8-point Gauss-Legendre: w/2 sum_k W_k f(m + (w/2) X_k), with m and
// w the midpoint and width of the u interval.
float shell_piece(float p, float r_lo, float r_hi, float R, float s) {
    float lo = max(r_lo, R - 4.0 * s);
    float hi = min(r_hi, R + 4.0 * s);
    if (hi <= lo) return 0.0;
    float s_lo = sqrt(max(lo - p, 0.0));
    float s_hi = sqrt(max(hi - p, 0.0));
    float mid = 0.5 * (s_hi + s_lo), half_w = 0.5 * (s_hi - s_lo);
    float sum = 0.0;
    for (int k = 0; k < 8; ++k) {
        float x = (k < 4 ? -GL_X[k] : GL_X[k - 4]);
        float w = GL_W[k < 4 ? k : k - 4];
        float u = mid + half_w * x;
        float r = p + u * u;
        float z = (r - R) / s;
        sum += w * exp(-0.5 * z * z) * 2.0 * r / sqrt(2.0 * p + u * u);
    }
    return sum * half_w;
}

// RippleRay: the gravity waves along one ray o + t d (sphere space, km), as
// three phases that grow linearly with t: at distance t the phase of wave j is
// base_j + t rate_j, with base_j = k_j . o + phase_j and rate_j = k_j . d
// (rad, rad/km), the wave vectors k_j in rad/km.
struct RippleRay {
    vec3 base;
    vec3 rate;
    vec3 amplitude;   // a_j, relative
};

// ripple_ray: the waves' phases along the ray o + t d (unit d), taken once per
// ray so that each point on it costs three sines.
RippleRay ripple_ray(vec3 o, vec3 d) {
    RippleRay w;
    for (int j = 0; j < 3; ++j) {
        w.base[j] = dot(u_ripple_k[j], o) + u_ripple_phase[j];
        w.rate[j] = dot(u_ripple_k[j], d);
        w.amplitude[j] = u_ripple_amplitude[j];
    }
    return w;
}

// ripple: the gravity-wave modulation factor at distance t along the ray of
// w, dimensionless: m = 1 + sum_j a_j sin(k_j . x + phase_j) at x = o + t d.
float ripple(RippleRay w, float t) {
    return 1.0 + dot(w.amplitude, sin(w.base + t * w.rate));
}

// airglow_along_ray: the airglow radiance (cd/m^2, linear sRGB) along the ray
// o + t d (sphere space, unit d) from the camera (t = 0) to t_end (the
// ground, or a huge number for a ray that misses it).  The part of the ray
// beyond its closest approach, which lies behind the atmosphere's densest
// air, is weighted by far_weight (the caller's transmittance of that path,
// times the pixel's uncovered fraction at the limb).  Per layer i,
//   L += E_i (m_near I_near + m_far I_far far_weight),
// I the shell_piece integrals (km) of the near piece (from the camera to the
// closest approach or the ground, whichever comes first) and the far piece
// (from the closest approach, or the camera if that is behind it, outward;
// none if the ray ends first), m the ripple where each piece crosses the
// peak radius R_i; E_i in cd m^-2 km^-1, so L in cd/m^2.  o in km.  The
// sum is clipped at zero per channel, as the camera clips what its matrix
// makes of the lines together.
vec3 airglow_along_ray(vec3 o, vec3 d, float t_end, vec3 far_weight) {
    float tc = -dot(o, d);
    float r0 = length(o);
    float p = length(o + tc * d);
    vec3 sum = vec3(0.0);
    RippleRay waves = ripple_ray(o, d);
    for (int i = 0; i < u_airglow_count; ++i) {
        float R = u_airglow_radius[i], s = u_airglow_sigma[i];
        // Piece A: from the camera toward the closest approach (or the ground).
        float near = 0.0;
        if (tc > 0.0) {
            float ta = min(tc, t_end);
            float r_end = length(o + ta * d);
            near = shell_piece(p, r_end, r0, R, s);
            if (near > 0.0) {
                float t_peak = tc - sqrt(max((R - p) * (R + p), 0.0));
                near *= ripple(waves, clamp(t_peak, 0.0, ta));
            }
        }
        // Piece B: from the closest approach (or the camera) outward.
        float far = 0.0;
        if (t_end > max(tc, 0.0)) {
            float r_start = tc > 0.0 ? p : r0;
            far = shell_piece(p, r_start, 1e30, R, s);
            if (far > 0.0) {
                float t_peak = tc + sqrt(max((R - p) * (R + p), 0.0));
                far *= ripple(waves, max(t_peak, 0.0));
            }
        }
        sum += u_airglow_emission[i] * near + u_airglow_emission[i] * far * far_weight;
    }
    return max(sum, vec3(0.0));
}
