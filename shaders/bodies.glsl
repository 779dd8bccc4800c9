// bodies.glsl: the discs of the Sun and the Moon, drawn per pixel, each over
// a screen rectangle that bounds it (passes/bodies.py, disc_bounds: most
// frames hold a disc a few pixels across or none).  (The planets are point
// sources: stars.glsl draws them.)
//
// Geometry is inertial: the view ray of each pixel (common.glsl's view_ray
// with the camera basis in GCRS axes) is compared with the Sun's direction
// and met with the Moon's sphere, both given relative to the camera (made
// camera-relative on the CPU in float64).  Angles that are small (the Sun is
// 0.27 deg across) are taken from the cross product, atan(|a x b|, a.b):
// acos of a float32 dot product would lose them.
//
// The Sun: a disc of angular radius rho_s with the linear limb-darkening law
// I(mu) = I0 (1 - u (1 - mu)), mu the cosine of the angle between the line of
// sight and the solar surface normal, mu = sqrt(1 - (sin theta / sin rho_s)^2)
// at angle theta from the disc centre.  I0 is set on the CPU so that the disc
// integrates to the solar illuminance: E = I0 (1 - u/3) Omega_s.  Its glare is
// not drawn here: the camera's bloom (the post pass) spreads a fraction of
// every pixel's light, the Sun's included, into the halo.
//
// The Moon: a sphere of radius 1737.4 km with a Lommel-Seeliger surface,
// L = (k E / pi) mu0 / (mu0 + mu), mu0 and mu the cosines of the incidence
// and emission angles, lit by the Sun (E at the Moon, direction from the
// Moon's centre) and, much more faintly, by the Earth (earthshine).  The
// terminator is where mu0 = 0 on the sphere, so the phase and the tilt of the
// lit limb follow from the true directions: the lit limb faces the Sun.
//
// Both discs are hidden pixel by pixel where the Earth covers them (the same
// anti-aliased limb coverage as the Earth pass), dimmed and reddened by the
// atmosphere's transmittance along each pixel's ray, and anti-aliased at
// their own edges by the covered fraction of the pixel.  Output: radiance
// (cd/m^2, linear sRGB) times the sub-frame weight, ADDED to the float buffer.

#include "lib/common.glsl"
#include "lib/atmosphere.glsl"

#if defined(VERTEX_SHADER)
uniform vec4 u_rect;               // x0, y0, x1, y1: the rectangle drawn, pixels from bottom left

// The rectangle's corners as a triangle strip (vertex IDs 0-3), in clip space.
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    vec2 px = mix(u_rect.xy, u_rect.zw, corner);
    gl_Position = vec4(px / u_resolution * 2.0 - 1.0, 0.0, 1.0);
}

#elif defined(FRAGMENT_SHADER)

uniform vec3 u_cam_pos;            // camera position relative to the Earth's centre, ITRS km
uniform mat3 u_itrs_from_gcrs;     // r_itrs = M r_gcrs

uniform vec3 u_sun_dir;            // unit direction camera -> Sun, GCRS
uniform float u_sun_radius;        // angular radius of the Sun's disc, rad
uniform float u_limb_darkening;    // u of the linear law
uniform vec3 u_sun_radiance;       // I0 at the disc centre times colour and weight, cd/m^2

uniform vec3 u_moon_center;        // the Moon's centre relative to the camera, GCRS km
uniform float u_moon_radius_km;
uniform vec3 u_moon_sun_dir;       // unit direction Moon -> Sun, GCRS
uniform vec3 u_moon_earth_dir;     // unit direction Moon -> Earth, GCRS
uniform vec3 u_moon_sunlit;        // k E_sun / pi times colour and weight, cd/m^2
uniform vec3 u_moon_earthlit;      // k E_earth / pi times colour and weight, cd/m^2
uniform float u_draw_sun;          // 1 in the Sun's rectangle, else 0
uniform float u_draw_moon;         // 1 in the Moon's rectangle, else 0

out vec4 frag_color;

// angle_between: the angle (rad) between two unit vectors, accurate when small.
float angle_between(vec3 a, vec3 b) {
    return atan(length(cross(a, b)), dot(a, b));
}

// pixels_per_radian: how many pixels one radian of sky spans near the ray d,
// f / cos(alpha) across the radial direction of the image (alpha the angle
// off the view axis); it turns an angular distance into the pixel distance
// that anti-aliasing needs.
float pixels_per_radian(vec3 d) {
    return u_focal_px / max(dot(d, u_cam_forward), 1e-3);
}

// sun_disc: the Sun's radiance along the ray d (before the atmosphere), with
// the pixel's covered fraction folded in at the edge.
vec3 sun_disc(vec3 d) {
    float theta = angle_between(d, u_sun_dir);
    float coverage = clamp(0.5 + (u_sun_radius - theta) * pixels_per_radian(d), 0.0, 1.0);
    if (coverage <= 0.0) return vec3(0.0);
    float s = min(sin(theta) / sin(u_sun_radius), 1.0);
    float mu = sqrt(1.0 - s * s);
    return u_sun_radiance * (1.0 - u_limb_darkening * (1.0 - mu)) * coverage;
}

// lommel_seeliger: mu0 / (mu0 + mu), 0 where the light is below the horizon.
float lommel_seeliger(float mu0, float mu) {
    return mu0 > 0.0 ? mu0 / max(mu0 + mu, 1e-6) : 0.0;
}

// moon_disc: the Moon's radiance along the ray d.  The ray's closest approach
// to the centre, q = |d x c|, decides hit or miss; the hit point's normal is
// n = (t d - c) / R with t = d.c - sqrt(R^2 - q^2).  Pixels just outside the
// limb (partly covered) take the shading of the limb point under the ray.
vec3 moon_disc(vec3 d) {
    vec3 c = u_moon_center;
    float dist = length(c);
    float b = dot(d, c);
    if (b <= 0.0) return vec3(0.0);
    float q = length(cross(d, c));
    float R = u_moon_radius_km;
    // Angular distance of the ray inside the limb, rad (small-angle: R << dist).
    float inside = (R - q) / dist;
    float coverage = clamp(0.5 + inside * pixels_per_radian(d), 0.0, 1.0);
    if (coverage <= 0.0) return vec3(0.0);
    float qc = min(q, R);
    float t = b - sqrt((R - qc) * (R + qc));
    vec3 n = normalize(t * d - c);
    float mu = max(dot(n, -d), 0.0);
    vec3 sunlit = u_moon_sunlit * lommel_seeliger(dot(n, u_moon_sun_dir), mu);
    vec3 earthlit = u_moon_earthlit * lommel_seeliger(dot(n, u_moon_earth_dir), mu);
    return (sunlit + earthlit) * coverage;
}

void main() {
    vec3 d = view_ray(gl_FragCoord.xy);
    vec3 radiance = vec3(0.0);
    if (u_draw_sun > 0.0) radiance += sun_disc(d);
    if (u_draw_moon > 0.0) radiance += moon_disc(d);
    if (max(radiance.r, max(radiance.g, radiance.b)) > 0.0) {
        vec3 d_itrs = u_itrs_from_gcrs * d;
        float sky = 1.0 - limb_coverage(intersect_ellipsoid(u_cam_pos, d_itrs));
        radiance *= sky * transmittance_to_space(u_cam_pos, d_itrs);
    }
    frag_color = vec4(radiance, 0.0);
}
#endif
