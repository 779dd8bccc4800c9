// earth.glsl: the Earth, drawn per pixel by a full-screen pass.
//
// Each pixel's view ray is met analytically with the WGS84 ellipsoid
// (common.glsl), so there is no mesh and the limb is exact at any resolution.
// The pass works in Earth-fixed (ITRS) axes: the CPU rotates the camera basis,
// the camera position and the Sun direction from the GCRS into the ITRS for
// the frame's instant, in float64, before they reach this shader.
//
// Output: radiance in cd/m^2 in linear sRGB (common.glsl, "Units"), times the
// sub-frame weight, ADDED to a float framebuffer: motion-blur sub-frames and
// the other passes (stars, sprites) accumulate into the same buffer, and the
// post pass applies the camera.  Sky pixels add 0 here.

#include "common.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

uniform vec3 u_cam_pos;            // camera position relative to the Earth's centre, ITRS km
uniform vec3 u_sun_dir;            // unit vector to the Sun, ITRS
uniform float u_sun_illuminance;   // solar illuminance at the Earth for this date, lux
uniform vec3 u_moon_pos;           // the Moon's centre relative to the Earth's centre, ITRS km
uniform float u_moon_illuminance;  // lunar illuminance at the Earth (phase and distance), lux
uniform bool u_day_enabled;
uniform sampler2D u_day;           // sRGB textures, decoded to linear by the sampler:
uniform sampler2D u_day_north;     //   equirectangular, and the two polar caps
uniform sampler2D u_day_south;     //   (renderer/earth_textures.py)
uniform float u_weight;            // this sub-frame's share of the frame (motion blur), 1 when off

out vec4 frag_color;

// day_uv: texture coordinates of the equirectangular day texture for a
// longitude/latitude in radians.  Column 0 is longitude -180 deg and row 0
// latitude +90 deg (assets/README.md), so u = lon/(2 pi) + 1/2 and
// v = 1/2 - lat/pi.
vec2 day_uv(vec2 lonlat) {
    return vec2(lonlat.x / (2.0 * PI) + 0.5, 0.5 - lonlat.y / PI);
}

// sample_seamless: the texture at `uv` without a seam at the antimeridian.
// u wraps from 1 to 0 there; finite differences across the jump would be ~1
// and pick the coarsest mip level, drawing a seam.  The longitude has a second
// copy, w = fract(u + 1/2) - 1/2, which addresses the same texel under REPEAT
// wrapping but jumps at Greenwich instead.  Where a pixel quad straddles the
// antimeridian, w is the coordinate sampled (so implementations that derive
// the filter footprint from implicit derivatives, as llvmpipe's anisotropic
// filter does, see no jump); everywhere, per axis, the smaller of the two
// copies' differences is the explicit gradient (Tarini's trick).  The texture
// repeats in u and clamps in v.
vec3 sample_seamless(sampler2D tex, vec2 uv, float grad_scale) {
    float w = fract(uv.x + 0.5) - 0.5;
    vec2 dx = dFdx(uv), dy = dFdy(uv);
    float dxw = dFdx(w), dyw = dFdy(w);
    // The copy sampled must be the same for the four pixels of a 2x2 quad,
    // else the implicit derivatives would see a jump of 1.  A pixel whose own
    // differences jump flags the quad; the flag's differences spread it to the
    // pixels that share a row or column with it, and every pixel of a quad
    // straddled by the antimeridian has such a neighbour.  (Coarse derivatives
    // would say this directly but are unreliable on Mesa 22's llvmpipe.)
    float seam = (abs(dx.x) > 0.5 || abs(dy.x) > 0.5) ? 1.0 : 0.0;
    float near_seam = seam + abs(dFdx(seam)) + abs(dFdy(seam));
    vec2 p = vec2(near_seam > 0.0 ? w : uv.x, uv.y);
    dx.x = abs(dx.x) <= abs(dxw) ? dx.x : dxw;
    dy.x = abs(dy.x) <= abs(dyw) ? dy.x : dyw;
    return textureGrad(tex, p, dx * grad_scale, dy * grad_scale).rgb;
}

// POLAR_CAP: colatitude (radians) covered by each polar cap (30 deg), and the
// latitudes (degrees) over which the equirectangular texture hands over to the
// caps.  Equal-area-ish: at 65 deg a cap pixel and an equirectangular texel
// are about the same size, so the blend shows no change of sharpness.
const float POLAR_CAP = 0.5235988;
const float CAP_BLEND_START = 62.0;
const float CAP_BLEND_END = 68.0;

// polar_cap_uv: texture coordinates in a polar cap for the surface normal n
// (ITRS).  Azimuthal equidistant: the distance from the cap's centre is the
// colatitude c over POLAR_CAP, the direction is that of (n.x, n.y), which is
// sin(c) long; +x toward longitude 0 and +y toward 90 E for both caps
// (renderer/earth_textures.py).  No singularity at the pole: c / sin(c) -> 1.
vec2 polar_cap_uv(vec3 n, bool north) {
    float c = acos(clamp(north ? n.z : -n.z, -1.0, 1.0));
    float s = max(sin(c), 1e-6);
    vec2 xy = n.xy * (c / s) / POLAR_CAP;
    // Image row 0 (texture t = 0) is the cap's top edge, +y.
    return vec2(0.5 + 0.5 * xy.x, 0.5 - 0.5 * xy.y);
}

// surface_albedo: the ground's diffuse reflectance (linear, per channel) at a
// point.  Blue Marble's linearised colour is used as the reflectance outright:
// it is a cloud-free composite of MODIS surface reflectance, tone-mapped for
// display, so it is close to (not exactly) the true albedo.  Grey 0.1
// (REFERENCE.md's ground albedo) stands in when the layer is off.
// Above CAP_BLEND_END the polar caps alone are sampled; all three textures are
// sampled everywhere (derivatives need uniform control flow), but the
// equirectangular texture's gradients are scaled to zero where its weight is
// zero, so its huge near-pole footprint never reaches the sampler.
vec3 surface_albedo(vec2 lonlat, vec3 n) {
    if (!u_day_enabled) return vec3(0.1);
    float lat_deg = degrees(lonlat.y);
    float w_cap = smoothstep(CAP_BLEND_START, CAP_BLEND_END, abs(lat_deg));
    vec3 equirect = sample_seamless(u_day, day_uv(lonlat), 1.0 - w_cap);
    vec3 north = texture(u_day_north, polar_cap_uv(n, true)).rgb;
    vec3 south = texture(u_day_south, polar_cap_uv(n, false)).rgb;
    return mix(equirect, lat_deg > 0.0 ? north : south, w_cap);
}

// sunlit_ground: radiance of a Lambertian surface of albedo rho under the
// Sun: L = rho E cos(theta_s) / pi, cd/m^2, with E the solar illuminance (lux)
// and theta_s the Sun's zenith angle at the point (normal n).  The terminator
// falls where cos(theta_s) = 0, i.e. where the Sun is on the geodetic horizon.
vec3 sunlit_ground(vec3 rho, vec3 n) {
    float mu_s = max(dot(n, u_sun_dir), 0.0);
    return rho * (u_sun_illuminance * mu_s / PI);
}

// moonlit_ground: the same Lambertian law under the Moon, whose direction is
// taken from the ground point itself (the Moon's parallax reaches 1 deg).
vec3 moonlit_ground(vec3 rho, vec3 p, vec3 n) {
    float mu_m = max(dot(n, normalize(u_moon_pos - p)), 0.0);
    return rho * (u_moon_illuminance * mu_m / PI);
}

void main() {
    vec3 d = view_ray(gl_FragCoord.xy);
    EllipsoidHit h = intersect_ellipsoid(u_cam_pos, d);
    // Texture look-ups run for every pixel (misses too) so that derivatives
    // are taken in uniform control flow.
    vec2 lonlat = geodetic_lonlat(h.normal);
    vec3 rho = surface_albedo(lonlat, h.normal);
    // Misses next to the limb still carry the surface point under their closest
    // approach, so the partly covered pixels of the limb get its radiance.
    float coverage = limb_coverage(h);
    vec3 radiance = coverage * (sunlit_ground(rho, h.normal) + moonlit_ground(rho, h.p, h.normal));
    frag_color = vec4(radiance * u_weight, 1.0);
}
#endif
