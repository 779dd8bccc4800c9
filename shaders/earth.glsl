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
// post pass applies the camera.
//
// Layers, all on the one radiometric scale (no layer has a gain of its own):
//   ground    Blue Marble albedo, lit by the Sun and the Moon through the air
//             (direct beam times transmittance, plus sky irradiance), shaded
//             by the clouds above it (sun only);
//   lights    city lights (assets/night_lights.png, renderer/night_lights.py)
//             fading in as the Sun sinks from 0 to 6 deg below the horizon,
//             dimmed and blurred under clouds;
//   glint     Cox-Munk sun and moon glitter on water (assets/water_mask.png);
//   clouds    clouds.glsl, lit from above like the ground, opaque by their
//             optical depth;
//   air       atmosphere.glsl: in-scattered sunlight and moonlight along the
//             view ray, and the transmittance that dims everything behind it;
//   airglow   airglow.glsl: emission shells integrated along the ray.
// Sky pixels whose rays miss the atmosphere and every airglow shell add 0.

#include "lib/common.glsl"
#include "lib/atmosphere.glsl"
#include "lib/airglow.glsl"
#include "lib/clouds.glsl"

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
uniform bool u_atmosphere_enabled;
uniform bool u_lights_enabled;
uniform sampler2D u_lights;        // night radiance / LIGHTS_MAX_NW, linear, equirectangular
uniform vec3 u_lights_radiance;    // cd/m^2 (linear sRGB) of texture value 1, times intensity
uniform bool u_glint_enabled;
uniform sampler2D u_water;         // 1 over water, 0 over land, equirectangular
uniform bool u_clouds_enabled;

out vec4 frag_color;

// day_uv: texture coordinates of the equirectangular day texture for a
// longitude/latitude in radians.  Column 0 is longitude -180 deg and row 0
// latitude +90 deg (assets/README.md), so u = lon/(2 pi) + 1/2 and
// v = 1/2 - lat/pi.
vec2 day_uv(vec2 lonlat) {
    return vec2(lonlat.x / (2.0 * PI) + 0.5, 0.5 - lonlat.y / PI);
}

// sample_anisotropic: the texture averaged over a pixel's footprint, the
// parallelogram spanned by the texture-coordinate gradients dx and dy (per
// pixel step in x and in y).  Toward the limb the footprint is a sliver,
// hundreds of texels long and a few wide: one trilinear look-up must either
// take its mip level from the long side (a smear) or from the short side (the
// long side aliases into a speckle of single bright and dark pixels).  Here
// the long side is cut into N = ceil(long / short) pieces (at most max_taps),
// and each piece, short by long / N, is one trilinear look-up (textureGrad
// with that piece's gradients) at its centre; the mean of the N look-ups is
// the footprint's average.  This is the anisotropic filter of
// EXT_texture_filter_anisotropic done in the shader, so it is the same on
// every GPU: Mesa's llvmpipe derives its own anisotropic footprint from
// implicit derivatives and leaves a dotted speckle inside the limb.  Lengths
// are measured in texels of level 0, so a footprint smaller than a texel
// (magnification) takes one look-up.  The textures are trilinear, not
// anisotropic, so each tap is exactly the footprint it is given.
const int ANISO_TAPS = 16;   // most look-ups per footprint, as a 16x anisotropic filter

vec3 sample_anisotropic(sampler2D tex, vec2 p, vec2 dx, vec2 dy, int max_taps) {
    vec2 size = vec2(textureSize(tex, 0));
    float lx = length(dx * size), ly = length(dy * size);
    vec2 major = lx >= ly ? dx : dy;
    vec2 minor = lx >= ly ? dy : dx;
    float ratio = max(lx, ly) / max(min(lx, ly), 1.0);
    int n = clamp(int(ceil(ratio - 1e-3)), 1, max_taps);
    vec2 step_major = major / float(n);
    vec3 sum = vec3(0.0);
    for (int i = 0; i < n; ++i) {
        vec2 q = p + step_major * (float(i) + 0.5 - 0.5 * float(n));
        sum += textureGrad(tex, q, step_major, minor).rgb;
    }
    return sum / float(n);
}

// sample_seamless: the texture at `uv` without a seam at the antimeridian.
// u wraps from 1 to 0 there; finite differences across the jump would be ~1
// and pick the coarsest mip level, drawing a seam.  The longitude has a second
// copy, w = fract(u + 1/2) - 1/2, which addresses the same texel under REPEAT
// wrapping but jumps at Greenwich instead.  Where a pixel quad straddles the
// antimeridian, w is the coordinate sampled (so a sampler that derives
// anything from implicit derivatives sees no jump); everywhere, per axis, the
// smaller of the two copies' differences is the explicit gradient (Tarini's
// trick).  The texture repeats in u and clamps in v.  The look-up itself is
// sample_anisotropic's, with at most max_taps taps.
vec3 sample_seamless(sampler2D tex, vec2 uv, float grad_scale, int max_taps) {
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
    return sample_anisotropic(tex, p, dx * grad_scale, dy * grad_scale, max_taps);
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
// Above CAP_BLEND_END the polar caps alone are sampled.  The derivatives are
// taken everywhere (they need uniform control flow), but each texture's
// footprint is scaled by its weight, so the equirectangular texture's huge
// near-pole footprint never reaches the sampler, and a texture of weight zero
// costs one look-up.  max_taps bounds the anisotropic look-ups per texture.
vec3 surface_albedo(vec2 lonlat, vec3 n, int max_taps) {
    if (!u_day_enabled) return vec3(0.1);
    float lat_deg = degrees(lonlat.y);
    float w_cap = smoothstep(CAP_BLEND_START, CAP_BLEND_END, abs(lat_deg));
    // A texture of weight zero is looked up once, with a zero footprint.
    vec3 equirect = sample_seamless(u_day, day_uv(lonlat), 1.0 - w_cap,
                                    w_cap < 1.0 ? max_taps : 1);
    vec2 uv_north = polar_cap_uv(n, true), uv_south = polar_cap_uv(n, false);
    vec2 dx_north = dFdx(uv_north) * w_cap, dy_north = dFdy(uv_north) * w_cap;
    vec2 dx_south = dFdx(uv_south) * w_cap, dy_south = dFdy(uv_south) * w_cap;
    vec3 cap = lat_deg > 0.0
        ? sample_anisotropic(u_day_north, uv_north, dx_north, dy_north, max_taps)
        : sample_anisotropic(u_day_south, uv_south, dx_south, dy_south, max_taps);
    return mix(equirect, cap, w_cap);
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

// GLINT_SLOPE_VARIANCE: Cox & Munk's (1954) mean square slope of the sea
// surface, 0.003 + 5.12e-3 W for a wind of W m/s, at W = 7 m/s.
const float GLINT_SLOPE_VARIANCE = 0.003 + 5.12e-3 * 7.0;
const float WATER_F0 = 0.02;       // Fresnel reflectance of water at normal incidence

// smith_g1: the fraction of a wind-roughened surface seen from (or lit from)
// a direction at cosine mu to the normal that is not hidden by other facets,
// for the Gaussian (Beckmann) slopes of Cox-Munk with mean square slope
// alpha^2 = GLINT_SLOPE_VARIANCE.  Walter et al. (2007)'s rational fit:
// a = mu / (alpha sqrt(1 - mu^2)), Lambda = (1 - 1.259a + 0.396a^2) /
// (3.535a + 2.181a^2) for a < 1.6 (else 0), G1 = 1 / (1 + Lambda).  Near
// grazing G1 ~ 3.535 a, which cancels the 1/mu_v of the reflection law.
float smith_g1(float mu) {
    float alpha = sqrt(GLINT_SLOPE_VARIANCE);
    float a = mu / (alpha * sqrt(max(1.0 - mu * mu, 1e-8)));
    if (a >= 1.6) return 1.0;
    float lambda = (1.0 - 1.259 * a + 0.396 * a * a) / (3.535 * a + 2.181 * a * a);
    return 1.0 / (1.0 + lambda);
}

// glint_radiance: radiance (cd/m^2) of sunlight or moonlight reflected by
// the facets of a wind-roughened water surface toward the viewer, per unit
// beam illuminance (lux, measured normal to the beam).  n: surface normal,
// v: unit vector to the viewer, l: unit vector to the light.  Cox-Munk:
// L/E = F(v.h) p(beta) G / (4 mu_v cos^4 beta), with p the isotropic Gaussian
// slope density (1 / (pi s^2)) exp(-tan^2 beta / s^2), h the half vector and
// beta its tilt from n; F from Schlick's approximation; G = G1(v) G1(l) the
// Smith masking-shadowing of facets by facets (smith_g1).  Without G the
// 1/mu_v factor blows up at grazing view, drawing a flare along the limb.
float glint_radiance(vec3 n, vec3 v, vec3 l) {
    float mu_v = dot(n, v), mu_l = dot(n, l);
    if (mu_v <= 0.0 || mu_l <= 0.0) return 0.0;
    vec3 hv = normalize(v + l);
    float c = max(dot(n, hv), 1e-3);
    float c2 = c * c;
    float tan2 = (1.0 - c2) / c2;
    float p = exp(-tan2 / GLINT_SLOPE_VARIANCE) / (PI * GLINT_SLOPE_VARIANCE);
    float fresnel = WATER_F0 + (1.0 - WATER_F0) * pow(1.0 - max(dot(v, hv), 0.0), 5.0);
    float g = smith_g1(mu_v) * smith_g1(mu_l);
    return fresnel * p * g / (4.0 * mu_v * c2 * c2);
}

// lights_fade: how far city lights are switched on, from the Sun's elevation
// at the place (sine of it): off in daylight, full once the Sun is 6 deg
// below the horizon (the end of civil twilight), a smooth ramp between.
float lights_fade(float sin_elevation) {
    return 1.0 - smoothstep(-0.1045, 0.0, sin_elevation);
}

void main() {
    vec3 d = view_ray(gl_FragCoord.xy);
    EllipsoidHit h = intersect_ellipsoid(u_cam_pos, d);
    // Texture look-ups run for every pixel (misses too) so that derivatives
    // are taken in uniform control flow.
    vec2 lonlat = geodetic_lonlat(h.normal);
    // Misses next to the limb still carry the surface point under their closest
    // approach, so the partly covered pixels of the limb get its radiance.
    float coverage = limb_coverage(h);
    // The sky's pixels need no filtered ground: one look-up each.
    int taps = coverage > 0.0 ? ANISO_TAPS : 1;
    vec3 rho = surface_albedo(lonlat, h.normal, taps);
    vec2 uv = day_uv(lonlat);
    float lights_sharp = 0.0, lights_blur = 0.0, water = 0.0;
    if (u_lights_enabled) {
        lights_sharp = sample_seamless(u_lights, uv, 1.0, taps).r;
        // Light leaving the bottom of a cloud has spread over ~its height:
        // a footprint 16 times wider (four mip levels) stands in for that.
        lights_blur = sample_seamless(u_lights, uv, 16.0, 1).r;
    }
    if (u_glint_enabled) water = sample_seamless(u_water, uv, 1.0, taps).r;

    // Sphere space (atmosphere.glsl): ray parameters there are km.
    vec3 o = to_sphere_space(u_cam_pos);
    vec3 dss = to_sphere_space(d);
    float ks = length(dss);
    vec3 ds = dss / ks;
    float t_ground = h.hit ? h.t * ks : 1e30;
    vec3 up = normalize(to_sphere_space(h.p));      // sphere-space vertical at the ground point
    vec3 moon_rel = u_moon_pos - h.p;
    AtmoLight sun = AtmoLight(normalize(to_sphere_space(u_sun_dir)), vec3(u_sun_illuminance));
    AtmoLight moon = AtmoLight(normalize(to_sphere_space(u_moon_pos)), vec3(u_moon_illuminance));

    // --- the air along the ray: [camera, cloud top] and [cloud top, ground]
    vec2 top = ray_sphere(o, ds, ATMO_TOP);
    bool in_air = u_atmosphere_enabled && top.y > 0.0;
    float t_end = h.hit ? t_ground : max(top.y, 0.0);
    float t_cloud = -1.0;
    if (u_clouds_enabled) {
        vec2 c = ray_sphere(o, ds, u_cloud_radius);
        if (c.x > 0.0 && c.x < t_ground) t_cloud = c.x;
    }
    vec3 L_above = vec3(0.0), T_above = vec3(1.0);
    vec3 L_below = vec3(0.0), T_below = vec3(1.0);
    if (in_air) {
        float t0 = max(top.x, 0.0);
        int n = clamp(int((t_end - t0) / 40.0) + 8, 8, 32);
        if (t_cloud > t0) {
            scatter_along_ray(o, ds, t0, t_cloud, n, sun, moon, L_above, T_above);
            scatter_along_ray(o, ds, t_cloud, t_end, h.hit ? 4 : n / 2, sun, moon,
                              L_below, T_below);
        } else {
            scatter_along_ray(o, ds, t0, t_end, n, sun, moon, L_above, T_above);
        }
    }

    // --- the ground: Blue Marble lit through the air, lights, glint
    vec3 ground = vec3(0.0);
    if (coverage > 0.0) {
        vec3 n = h.normal;
        vec3 e_sun, e_moon, beam_sun, beam_moon;
        if (u_atmosphere_enabled) {
            e_sun = lit_surface_irradiance(ATMO_BOTTOM, up, sun);
            e_moon = lit_surface_irradiance(ATMO_BOTTOM, up, moon);
            beam_sun = sun.illuminance * light_transmittance(ATMO_BOTTOM, dot(up, sun.dir));
            beam_moon = moon.illuminance * light_transmittance(ATMO_BOTTOM, dot(up, moon.dir));
        } else {
            beam_sun = vec3(u_sun_illuminance);
            beam_moon = vec3(u_moon_illuminance);
            e_sun = beam_sun * max(dot(n, u_sun_dir), 0.0);
            e_moon = beam_moon * max(dot(n, normalize(moon_rel)), 0.0);
        }
        // Cloud shadow: the sunlight reaching the ground crossed the layer
        // where the ray toward the Sun leaves it; what the cloud does not
        // reflect it passes on (diffusely), 1 - albedo.
        float shadow = 1.0;
        if (u_clouds_enabled && dot(up, sun.dir) > -0.2) {
            vec3 pg = to_sphere_space(h.p);
            vec2 cs = ray_sphere(pg, sun.dir, u_cloud_radius);
            vec3 xs = pg + max(cs.y, 0.0) * sun.dir;
            shadow = 1.0 - cloud_albedo(cloud_tau(cloud_density(normalize(xs), 2.0)));
        }
        ground = rho / PI * (e_sun * shadow + e_moon);
        if (u_glint_enabled && water > 0.0) {
            vec3 v = -d;
            ground += water * (beam_sun * shadow * glint_radiance(n, v, u_sun_dir)
                               + beam_moon * glint_radiance(n, v, normalize(moon_rel)));
        }
        ground *= coverage;
    }
    float lights = 0.0;
    if (u_lights_enabled && h.hit) lights = lights_fade(dot(h.normal, u_sun_dir));

    // --- the cloud layer, where the ray meets it before the ground
    vec3 radiance;
    if (t_cloud > 0.0) {
        vec3 xc = o + t_cloud * ds;
        vec3 nc = normalize(xc);
        float mu_v = max(-dot(ds, nc), 0.02);
        float footprint = t_cloud / (u_focal_px * mu_v);
        float tau = cloud_tau(cloud_density(nc, footprint));
        float albedo = cloud_albedo(tau);
        // What the cloud does not reflect it passes on, 1 - albedo: the ground
        // (lit, and seen, through it) keeps that weight.  City lights are
        // point-like: the direct beam exp(-tau/mu) keeps them sharp, the rest
        // reaches the camera scattered, blurred over the cloud's footprint.
        float passed = 1.0 - albedo;
        float direct = exp(-tau / mu_v);
        float diffuse = max(passed - direct, 0.0);
        vec3 e_cloud;
        if (u_atmosphere_enabled) {
            e_cloud = lit_surface_irradiance(u_cloud_radius, nc, sun)
                    + lit_surface_irradiance(u_cloud_radius, nc, moon);
        } else {
            e_cloud = vec3(u_sun_illuminance * max(dot(nc, sun.dir), 0.0)
                           + u_moon_illuminance * max(dot(nc, moon.dir), 0.0));
        }
        vec3 city = T_below * u_lights_radiance * lights * coverage
                  * (direct * lights_sharp + diffuse * lights_blur);
        radiance = L_above + T_above * (albedo / PI * e_cloud
                                        + passed * (L_below + T_below * ground) + city);
    } else {
        radiance = L_above + T_above * (ground + u_lights_radiance * lights * lights_sharp
                                        * coverage);
    }

    // --- airglow, in front of everything but the far side of the limb
    if (u_airglow_count > 0) {
        vec3 far_weight = (1.0 - coverage) * T_above * T_below;
        radiance += airglow_along_ray(o, ds, t_ground, far_weight);
    }
    frag_color = vec4(radiance * u_weight, 1.0);
}
#endif
