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
//             by the clouds above it (from the Sun or, at night, the Moon);
//   lights    city lights (assets/night_lights.png, renderer/physics/night_lights.py)
//             fading in as the Sun sinks from 0 to 6 deg below the horizon,
//             dimmed and blurred under clouds;
//   glint     Cox-Munk sun and moon glitter on water (assets/water_mask.png);
//   clouds    clouds.glsl, lit from above like the ground, opaque by their
//             optical depth;
//   air       atmosphere.glsl: in-scattered sunlight and moonlight along the
//             view ray, and the transmittance that dims everything behind it;
//   airglow   airglow.glsl: emission shells integrated along the ray.
// Sky pixels whose rays miss the atmosphere and every airglow shell add 0.
// Compile-time switches (set by renderer/passes/earth.py, each 0 or 1): the
// layers the scene has, EARTH_DAY, EARTH_ATMOSPHERE, EARTH_LIGHTS,
// EARTH_GLINT, EARTH_CLOUDS, EARTH_AIRGLOW, so a layer that is off costs
// nothing (a software rasteriser runs both sides of a branch on a uniform);
// EARTH_LIGHTS_SHARP, 0 where the lights' sharp look-up can only read texels
// of 0 (renderer/passes/earth_lights.py), which then is 0 without being made;
// EARTH_AIR_TABLE (EARTH_AIR_TABLE_BUILD), 1 to read (to make) the frame's
// table of the air in front of the ground (lib/earth_air_table.glsl);
// EARTH_AIRGLOW_TABLE, 1 to read the airglow integrals from the frame's
// table (lib/airglow_table.glsl); EARTH_SURFACE, 0 for the programs of the
// sky around the Earth, where ground, lights, glint and clouds add 0
// (renderer/passes/earth_regions.py finds where on the screen that is);
// AIR_SUN, AIR_MOON (lib/atmosphere.glsl), 0 to leave a light out of the
// air's march in a frame where it adds nothing (renderer/passes/air_lights.py).
// Compute shaders run the same pixels (--gl-path compute, EARTH_BLOCK); any
// library's screen-space differences are lib/pixel_grad.glsl's, never dFdx.

#include "lib/common.glsl"
#include "lib/pixel_grad.glsl"
#include "lib/atmosphere.glsl"
#include "lib/airglow.glsl"
#include "lib/airglow_table.glsl"
#include "lib/clouds.glsl"
#include "lib/city_detail.glsl"
#include "lib/glint.glsl"

#if defined(VERTEX_SHADER)
// Triangles over this program's screen region, clip coordinates (earth_regions.py).
in vec2 in_pos;
void main() { gl_Position = vec4(in_pos, 0.0, 1.0); }

#elif defined(FRAGMENT_SHADER) || defined(COMPUTE_SHADER)

uniform vec3 u_cam_pos;            // camera position relative to the Earth's centre, ITRS km
uniform vec3 u_sun_dir;            // unit vector to the Sun, ITRS
uniform float u_sun_illuminance;   // solar illuminance at the Earth for this date, lux
uniform vec3 u_moon_pos;           // the Moon's centre relative to the Earth's centre, ITRS km
uniform float u_moon_illuminance;  // lunar illuminance at the Earth (phase and distance), lux
// The layer switches, named like the uniforms they once were.
const bool u_day_enabled = EARTH_DAY != 0;
const bool u_atmosphere_enabled = EARTH_ATMOSPHERE != 0;
const bool u_lights_enabled = EARTH_LIGHTS != 0 && EARTH_SURFACE != 0;
const bool u_lights_sharp = EARTH_LIGHTS_SHARP != 0;
const bool u_glint_enabled = EARTH_GLINT != 0 && EARTH_SURFACE != 0;
const bool u_clouds_enabled = EARTH_CLOUDS != 0 && EARTH_SURFACE != 0;
uniform sampler2D u_day;           // sRGB textures, decoded to linear by the sampler:
uniform sampler2D u_day_north;     //   equirectangular, and the two polar caps
uniform sampler2D u_day_south;     //   (renderer/physics/surface.py)
uniform float u_weight;            // this sub-frame's share of the frame (motion blur), 1 when off
uniform sampler2D u_lights;        // night radiance / LIGHTS_MAX_NW, linear, equirectangular:
                                   //   r all of it, g the part from white LEDs
uniform vec3 u_lights_radiance;    // cd/m^2 (linear sRGB) of r = 1 of sodium light, times intensity
uniform vec3 u_lights_led_extra;   // what g = 1 adds: LED minus sodium colour, same scale
uniform sampler2D u_water;         // signed distance to the coast, texels, +water (encoded)

#if defined(COMPUTE_SHADER)
// --gl-path compute: a work group per block of EARTH_BLOCK^2 pixels (listed
// in a buffer), adding into the target image; the air table's maker, an
// invocation per texel of its three textures.
layout(local_size_x = EARTH_BLOCK, local_size_y = EARTH_BLOCK) in;
#if EARTH_AIR_TABLE_BUILD
layout(rgba32f, binding = 0) uniform writeonly image2D u_air_table_out[3];
#else
layout(rgba32f, binding = 0) uniform image2D u_target;  // the float buffer, added to
layout(std430, binding = 0) readonly buffer EarthBlocks { uvec2 u_blocks[]; };  // (x, y)
uniform int u_block_count;         // how many of u_blocks this dispatch draws
#endif
#elif EARTH_AIR_TABLE_BUILD
layout(location = 0) out vec4 air_table[3];   // the air table's three textures
#else
out vec4 frag_color;
#endif

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
// u wraps from 1 to 0 there; finite differences (pixel_grad, the quad's, as
// dFdx and dFdy) across the jump would be ~1
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
    vec4 gx, gy;
    pixel_grad(vec4(uv, w, 0.0), gx, gy);
    vec2 dx = gx.xy, dy = gy.xy;
    float dxw = gx.z, dyw = gy.z;
    // The copy sampled must be the same for the four pixels of a 2x2 quad,
    // else the implicit derivatives would see a jump of 1.  A pixel whose own
    // differences jump flags the quad; the flag's differences spread it to the
    // pixels that share a row or column with it, and every pixel of a quad
    // straddled by the antimeridian has such a neighbour.  (Coarse derivatives
    // would say this directly but are unreliable on Mesa 22's llvmpipe.)
    float seam = (abs(dx.x) > 0.5 || abs(dy.x) > 0.5) ? 1.0 : 0.0;
    vec4 sx, sy;
    pixel_grad(vec4(seam), sx, sy);
    float near_seam = seam + abs(sx.x) + abs(sy.x);
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
// (renderer/physics/surface.py).  No singularity at the pole: c / sin(c) -> 1.
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
// (docs/physics.md's ground albedo) stands in when the layer is off.
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
    vec4 gx, gy;
    pixel_grad(vec4(uv_north, uv_south), gx, gy);
    vec2 dx_north = gx.xy * w_cap, dy_north = gy.xy * w_cap;
    vec2 dx_south = gx.zw * w_cap, dy_south = gy.zw * w_cap;
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

// lights_fade: how far city lights are switched on, from the Sun's elevation
// at the place (sine of it): off in daylight, full once the Sun is 6 deg
// below the horizon (the end of civil twilight), a smooth ramp between.
float lights_fade(float sin_elevation) {
    return 1.0 - smoothstep(-0.1045, 0.0, sin_elevation);
}

// ---------------------------------------------------------------------------
// The stages of a pixel, which main() runs in turn.  Radiances are cd/m^2
// in linear sRGB (common.glsl, "Units"), illuminances lux per channel,
// lengths km; "sphere space" is atmosphere.glsl's.
// ---------------------------------------------------------------------------

// EarthRay: one pixel's view ray and where it meets the Earth, in both the
// ITRS axes of the ellipsoid and the sphere space of the air.
struct EarthRay {
    vec3 d;           // unit view direction, ITRS
    EllipsoidHit h;   // the ray against the WGS84 ellipsoid (common.glsl); on a
                      // miss, the surface point under the ray's closest approach
    vec2 lonlat;      // longitude and geodetic latitude of h.p, radians
    float coverage;   // fraction of the pixel covered by the Earth's disc, 0..1
    int taps;         // most look-ups per ground texture: ANISO_TAPS, 1 for the sky
    vec3 o;           // the camera, sphere space, km
    vec3 ds;          // unit view direction, sphere space
    float t_ground;   // distance to the ground along ds, sphere-space km; 1e30 on a miss
    vec3 up;          // unit vertical at h.p, sphere space
};

// earth_ray: the view ray through the pixel centre `frag` (gl_FragCoord,
// pixels) and its first meeting with the WGS84 ellipsoid.
//   d = view_ray(frag) (common.glsl's pinhole), h = intersect_ellipsoid(c, d)
//   with c = u_cam_pos (ITRS km); lon, lat from the geodetic normal at h.p;
//   coverage = limb_coverage(h), the anti-aliased limb.
// Sphere space scales z by a/b, S = diag(1, 1, a/b): the camera is o = S c
// and the unit direction d_s = S d / |S d|, so a distance t along d becomes
// t |S d| along d_s: t_ground = t_hit |S d| (km), the same ground point.
// Misses next to the limb still carry the surface point under their closest
// approach, so the partly covered pixels of the limb get its radiance; the
// sky's pixels need no filtered ground, so they take one look-up per texture.
EarthRay earth_ray(vec2 frag) {
    EarthRay ray;
    ray.d = view_ray(frag);
    ray.h = intersect_ellipsoid(u_cam_pos, ray.d);
    ray.lonlat = geodetic_lonlat(ray.h.normal);
    ray.coverage = limb_coverage(ray.h);
    ray.taps = ray.coverage > 0.0 ? ANISO_TAPS : 1;
    ray.o = to_sphere_space(u_cam_pos);
    vec3 dss = to_sphere_space(ray.d);
    float ks = length(dss);
    ray.ds = dss / ks;
    ray.t_ground = ray.h.hit ? ray.h.t * ks : 1e30;
    ray.up = normalize(to_sphere_space(ray.h.p));
    return ray;
}

// SurfaceMaps: what the ground textures say at the pixel's surface point.
struct SurfaceMaps {
    vec3 rho;      // diffuse reflectance, linear, per channel (surface_albedo)
    float water;   // share of the pixel's footprint that is water, 0..1
};

// WATER_SDF: the water mask's encoding (renderer/physics/night_lights.py): code
// v (0..255) is the signed distance d = (v - 128) / 16 texels to the coast,
// positive over water.
const float WATER_SDF_ZERO = 128.0 / 255.0;
const float WATER_SDF_TEXELS_PER_UNIT = 255.0 / 16.0;

// water_share: the share of a footprint that is water, from the signed
// distance d (texels) interpolated at its centre and its size s (texels of the
// mask, the longer side): the coast as a straight edge across a box of side s,
// share = clamp(1/2 + d / s, 0, 1), with s at least 1/4 texel.  The shore is
// then as smooth as the interpolated distance, below a texel, and sharp at
// the pixel's scale.
float water_share(float d, float s) {
    return clamp(0.5 + d / max(s, 0.25), 0.0, 1.0);
}

// surface_maps: the ground's albedo rho (surface_albedo) and water share at
// the pixel's footprint (the water mask only when glint or lights are on,
// else 0).
// Dimensionless.  Called for every pixel, outside any branch that depends on
// the pixel, so the look-ups' derivatives are taken in uniform control flow.
SurfaceMaps surface_maps(EarthRay ray) {
    SurfaceMaps maps = SurfaceMaps(surface_albedo(ray.lonlat, ray.h.normal, ray.taps), 0.0);
    vec2 uv = day_uv(ray.lonlat);
    if (u_glint_enabled || u_lights_enabled) {
        float code = sample_seamless(u_water, uv, 1.0, ray.taps).r;
        vec2 size = vec2(textureSize(u_water, 0));
        float w = fract(uv.x + 0.5) - 0.5;
        vec4 gx, gy;
        pixel_grad(vec4(uv, w, 0.0), gx, gy);
        vec2 du = vec2(min(abs(gx.x), abs(gx.z)), gx.y) * size;
        vec2 dv = vec2(min(abs(gy.x), abs(gy.z)), gy.y) * size;
        float footprint = max(length(du), length(dv));
        maps.water = water_share((code - WATER_SDF_ZERO) * WATER_SDF_TEXELS_PER_UNIT, footprint);
    }
    return maps;
}

// CityLights: the city-lights texture at the pixel's surface point, and how
// far the lights are switched on there.
struct CityLights {
    vec2 sharp;    // texture values over the pixel's footprint: (all, LED) light
    vec2 blur;     // the same over a footprint 16 times wider (under clouds)
    float fade;    // lights_fade at the ground point, 0..1; 0 on a miss
};

// lights_colour: the radiance (cd/m^2, linear sRGB) of city-lights texture
// values v = (all light, the LED part): v.x L_sodium + v.y (L_led - L_sodium),
// each colour at the scene's intensity (u_lights_radiance, u_lights_led_extra).
vec3 lights_colour(vec2 v) {
    return u_lights_radiance * v.x + u_lights_led_extra * v.y;
}

// city_lights: the texture values (relative radiance, dimensionless:
// lights_colour turns them into cd/m^2) and the fade, all 0 when the layer is
// off; the sharp values carry city_detail (city_detail.glsl: main roads, streets,
// lit and dark patches) where the pixel resolves it, and
// both are cut to the land's share of the footprint (maps.water: the lights
// map is dark only offshore, so the coast is the water mask's).  Light
// leaving the bottom of a cloud has spread over about its height:
// a footprint 16 times wider (four mip levels) stands in for that.  The fade
// is lights_fade(sin e), with sin e = n . s the sine of the Sun's elevation
// above the geodetic horizon (n the normal, s the unit vector to the Sun).
// Called for every pixel, like surface_maps, for the derivatives' sake.
// Without u_lights_sharp the sharp values are left 0, as the look-up would give.
CityLights city_lights(EarthRay ray, SurfaceMaps maps) {
    CityLights city = CityLights(vec2(0.0), vec2(0.0), 0.0);
    vec2 uv = day_uv(ray.lonlat);
    if (u_lights_enabled && u_lights_sharp) {
        city.sharp = sample_seamless(u_lights, uv, 1.0, ray.taps).rg;
        float mu_v = max(-dot(ray.d, ray.h.normal), 0.02);
        city.sharp *= city_detail(ray.lonlat, ray.h.t / (u_focal_px * mu_v), city.sharp.x,
                                  vec2(textureSize(u_lights, 0))) * (1.0 - maps.water);
    }
    if (u_lights_enabled) {
        city.blur = sample_seamless(u_lights, uv, 16.0, 1).rg * (1.0 - maps.water);
    }
    if (u_lights_enabled && ray.h.hit) city.fade = lights_fade(dot(ray.h.normal, u_sun_dir));
    return city;
}

// distant_light: a light of the air (atmosphere.glsl's AtmoLight) from an
// ITRS vector pointing to it and its illuminance outside the atmosphere
// (lux): dir = S v / |S v| in sphere space, the same illuminance in every
// channel.  For the Moon this is its direction from the Earth's centre; the
// glint, and the ground lit without the air, take its direction from the
// ground point instead (the Moon's parallax reaches 1 deg).
AtmoLight distant_light(vec3 toward, float illuminance) {
    return AtmoLight(normalize(to_sphere_space(toward)), vec3(illuminance));
}

// cloud_distance: where the ray meets the top of the cloud layer, the sphere
// of radius u_cloud_radius (sphere space): its entry distance t_cloud (km)
// along ds when that is ahead of the camera and before the ground, else -1
// (also when the layer is off).
float cloud_distance(EarthRay ray) {
    float t_cloud = -1.0;
    if (u_clouds_enabled) {
        vec2 c = ray_sphere(ray.o, ray.ds, u_cloud_radius);
        if (c.x > 0.0 && c.x < ray.t_ground) t_cloud = c.x;
    }
    return t_cloud;
}

// AirAlongRay: the air in front of the ground, split at the cloud top.
struct AirAlongRay {
    float t_cloud;  // where the ray meets the cloud top (cloud_distance), km; -1 if not
    vec3 L_above;   // radiance scattered toward the camera (cd/m^2) by the air, and its
    vec3 T_above;   //   transmittance, from the camera to the cloud top or the ray's end
    vec3 L_below;   // the same from the cloud top to the ray's end;
    vec3 T_below;   //   0 and 1 where the ray meets no cloud
};

// air_along_ray: the sunlight and moonlight the air scatters toward the camera
// along the ray, and the transmittance of that air (scatter_along_ray,
// atmosphere.glsl), over [t0, t_end]: t0 where the ray enters the shell
// (0 inside it), t_end the ground or where the ray leaves the shell.  With a
// cloud top at t_cloud the path is two segments, [t0, t_cloud] and
// [t_cloud, t_end], so that composite can put the cloud between them.
// Samples: n = clamp(int((t_end - t0) / 40 km) + 8, 8, 32) over the whole
// path, or over the segment above a cloud; below it, 4 when the ray ends on
// the ground and n / 2 when it leaves the air again.  No air (L = 0, T = 1)
// when the layer is off or the ray does not meet the shell ahead of the camera.
AirAlongRay air_along_ray(EarthRay ray, AtmoLight sun, AtmoLight moon) {
    vec2 top = ray_sphere(ray.o, ray.ds, ATMO_TOP);
    bool in_air = u_atmosphere_enabled && top.y > 0.0;
    float t_end = ray.h.hit ? ray.t_ground : max(top.y, 0.0);
    float t_cloud = cloud_distance(ray);
    AirAlongRay air = AirAlongRay(t_cloud, vec3(0.0), vec3(1.0), vec3(0.0), vec3(1.0));
    if (in_air) {
        float t0 = max(top.x, 0.0);
        int n = clamp(int((t_end - t0) / 40.0) + 8, 8, 32);
        if (t_cloud > t0) {
            scatter_along_ray(ray.o, ray.ds, t0, t_cloud, n, sun, moon, air.L_above, air.T_above);
            scatter_along_ray(ray.o, ray.ds, t_cloud, t_end, ray.h.hit ? 4 : n / 2, sun, moon,
                              air.L_below, air.T_below);
        } else {
            scatter_along_ray(ray.o, ray.ds, t0, t_end, n, sun, moon, air.L_above, air.T_above);
        }
    }
    return air;
}

// pixel_weather: the weather systems of the cloud field (cloud_weather_map,
// clouds.glsl) that the pixel's cloud and its shadow on the ground share,
// read once: where the ray meets the layer, or, where it does not, above the
// ground point.  The shadow's point on the layer lies H (tan z_v + tan z_l)
// from there (H the layer's height, z_v and z_l the view's and the light's
// zenith angles): 5 to 30 km.  Over that distance the weather systems
// (wavelengths of 500 km and more) change by a median of 0.0014 (5 km), 0.0027
// (10 km) and 0.008 (30 km) of the field, about CLOUD_EDGE_MIN, and a tenth to a
// sixth of what the whole field changes by (measured over the globe): the
// shadow's edges move by that share of the offset: 0.5 km at 5 km, within the
// shadow's blur (cloud_shadow); 5 km at 30 km, under a light 10 deg up whose
// shadows are long and soft.  Zeros with the clouds off.
CloudWeather pixel_weather(EarthRay ray, float t_cloud) {
    CloudWeather weather = CloudWeather(0.0, 0.0, 0.0);
    if (u_clouds_enabled) {
        vec3 x = t_cloud > 0.0 ? ray.o + t_cloud * ray.ds : to_sphere_space(ray.h.p);
        weather = cloud_weather_map(u_cloud_frame * normalize(x));
    }
    return weather;
}

// GroundLight: the light reaching the ground point, lux per channel.
struct GroundLight {
    vec3 e_sun;       // illuminance on the horizontal ground (direct beam and sky
    vec3 e_moon;      //   light) from the Sun, and from the Moon
    vec3 beam_sun;    // illuminance of the direct beams, measured normal to the
    vec3 beam_moon;   //   beam (what glint_radiance is per unit of)
};

// ground_light: with the air on, E = lit_surface_irradiance at the bottom of
// the shell, E_0 (T(mu) max(mu, 0) + I_sky(mu)) with mu = up . l, and the
// beam E_0 T(mu) (T = light_transmittance: the Earth's shadow included).
// With the air off, the beam is E_0 itself and E = E_0 max(n . l, 0), the
// Moon's direction l taken from the ground point, along moon_rel (km, ITRS).
// E_0: the illuminance outside the atmosphere (lux).
GroundLight ground_light(EarthRay ray, vec3 moon_rel, AtmoLight sun, AtmoLight moon) {
    GroundLight g;
    vec3 n = ray.h.normal;
    if (u_atmosphere_enabled) {
        g.e_sun = lit_surface_irradiance(ATMO_BOTTOM, ray.up, sun);
        g.e_moon = lit_surface_irradiance(ATMO_BOTTOM, ray.up, moon);
        g.beam_sun = sun.illuminance * light_transmittance(ATMO_BOTTOM, dot(ray.up, sun.dir));
        g.beam_moon = moon.illuminance * light_transmittance(ATMO_BOTTOM, dot(ray.up, moon.dir));
    } else {
        g.beam_sun = vec3(u_sun_illuminance);
        g.beam_moon = vec3(u_moon_illuminance);
        g.e_sun = g.beam_sun * max(dot(n, u_sun_dir), 0.0);
        g.e_moon = g.beam_moon * max(dot(n, normalize(moon_rel)), 0.0);
    }
    return g;
}

// CloudShadow: the share of each beam the cloud layer lets through to the
// ground point, 0..1 (dimensionless).
struct CloudShadow {
    float sun;
    float moon;
};

// How wide the cloud's shadow is blurred, as a share of the cloud's height above
// the ground (below).
const float SHADOW_BLUR = 0.5;

// cloud_shadow: the ray from the ground point p_g toward the brighter of the
// two lights there (unit l, sphere space: the Sun while its beam on the
// ground outshines the Moon's, else the Moon) leaves the layer's sphere at
// x_s = p_g + t l, t the far root of ray_sphere (0 if that is not ahead);
// what the cloud there does not reflect it passes on, diffusely:
//   shadow = 1 - cloud_albedo(tau), tau = cloud_optical_depth(f, 0),
// f = cloud_detail at x_s / |x_s| on the pixel's weather systems
// (pixel_weather).  The light a cloud passes on leaves its base diffusely,
// so a ground point H below the layer gets it from a disc of radius about H
// (a Lambertian source plane at height H gives half the irradiance from
// within r = H), and the shadow is the cloud blurred over that: tau is
// filtered over a footprint of max(the pixel's on the ground, SHADOW_BLUR H)
// km, and the top's lumps (cloud_top, 7 km and finer, of mean 0) are left
// at their mean.  The other light passes unshadowed: one look-up serves both,
// and a light a thousand times fainter than the other does not show its
// shadow.  1 with the clouds off.
CloudShadow cloud_shadow(EarthRay ray, AtmoLight sun, AtmoLight moon, GroundLight g,
                         float footprint_km, CloudWeather weather) {
    CloudShadow shadow = CloudShadow(1.0, 1.0);
    if (u_clouds_enabled) {
        bool by_sun = dot(g.e_sun, vec3(1.0)) >= dot(g.e_moon, vec3(1.0));
        vec3 l = by_sun ? sun.dir : moon.dir;
        vec3 pg = to_sphere_space(ray.h.p);
        vec2 cs = ray_sphere(pg, l, u_cloud_radius);
        vec3 xs = pg + max(cs.y, 0.0) * l;
        float blur_km = SHADOW_BLUR * max(u_cloud_radius - length(pg), 0.0);
        CloudField f = cloud_detail(u_cloud_frame * normalize(xs), weather,
                                    max(footprint_km, blur_km));
        float passed = 1.0 - cloud_albedo(cloud_optical_depth(f, 0.0));
        if (by_sun) shadow.sun = passed; else shadow.moon = passed;
    }
    return shadow;
}

// ground_radiance: radiance (cd/m^2) of the ground toward the camera: the
// Lambertian day surface under the Sun and the Moon (each through its cloud
// shadow), plus the glint of both beams on water, all times the pixel's
// coverage c:
//   L = c [rho / pi (E_sun k_sun + E_moon k_moon)
//          + water (B_sun k_sun g(n, v, s) + B_moon k_moon g(n, v, m))]
// with E and B from ground_light, k from cloud_shadow (over the pixel's
// footprint on the ground, t_ground / (f mu_v) km, f the focal length in
// pixels), g = glint_radiance (per lux of beam), v = -d toward the camera, s
// and m toward the Sun and the Moon.  0 for a pixel the Earth does not cover.
vec3 ground_radiance(EarthRay ray, SurfaceMaps maps, AtmoLight sun, AtmoLight moon,
                     CloudWeather weather) {
    vec3 ground = vec3(0.0);
    if (ray.coverage > 0.0) {
        vec3 n = ray.h.normal;
        vec3 moon_rel = u_moon_pos - ray.h.p;
        GroundLight g = ground_light(ray, moon_rel, sun, moon);
        float mu_v = max(-dot(ray.d, n), 0.02);
        CloudShadow k = cloud_shadow(ray, sun, moon, g, ray.h.t / (u_focal_px * mu_v), weather);
        ground = maps.rho / PI * (g.e_sun * k.sun + g.e_moon * k.moon);
        if (u_glint_enabled && maps.water > 0.0) {
            vec3 v = -ray.d;
            ground += maps.water * (g.beam_sun * k.sun * glint_radiance(n, v, u_sun_dir)
                                    + g.beam_moon * k.moon
                                      * glint_radiance(n, v, normalize(moon_rel)));
        }
        ground *= ray.coverage;
    }
    return ground;
}

// CloudLayer: the cloud where the ray meets the top of the layer.
struct CloudLayer {
    float albedo;    // share of the light on it the cloud reflects
    float passed;    // share it passes on, 1 - albedo
    float direct;    // share of the light from below that crosses unscattered
    float diffuse;   // share that crosses scattered, passed - direct
    vec3 e_cloud;    // illuminance on the cloud top, lux per channel
};

// cloud_layer: the cloud at x_c = o + t_cloud d_s (sphere space), unit
// vertical n_c = x_c / |x_c|, seen at mu_v = max(-d_s . n_c, 0.02).  Its
// density is filtered over the pixel's footprint on the layer, t_cloud /
// (f mu_v) km (f the focal length in pixels); tau = cloud_optical_depth there,
// of cloud_detail on the pixel's weather systems (pixel_weather) and of the
// top's relief (cloud_top, whose slope also gives the normal n_t).
//   albedo  = cloud_albedo(tau) (two-stream, dimensionless); passed = 1 - albedo
//   direct  = exp(-tau / mu_v), the beam of a point-like light below crossing
//             the cloud unscattered; diffuse = max(passed - direct, 0)
//   e_cloud = lit_surface_irradiance(R_c, n_c, sun) + the same for the Moon
//             with the air on, each times cloud_top_relief (the top's texture,
//             clouds.glsl, with normal n_t = cloud_top_normal), else
//             E_sun max(n_t . s, 0) + E_moon max(n_t . m, 0)
//             (lux, directions from the Earth's centre)
// Only for a ray that meets the layer (t_cloud > 0).
CloudLayer cloud_layer(EarthRay ray, float t_cloud, AtmoLight sun, AtmoLight moon,
                       CloudWeather weather) {
    CloudLayer cloud;
    vec3 xc = ray.o + t_cloud * ray.ds;
    vec3 nc = normalize(xc);
    float mu_v = max(-dot(ray.ds, nc), 0.02);
    float footprint = t_cloud / (u_focal_px * mu_v);
    CloudField f = cloud_detail(u_cloud_frame * nc, weather, footprint);
    CloudTop top = cloud_top(cloud_top_point(nc), footprint);
    float tau = cloud_optical_depth(f, top.h);
    cloud.albedo = cloud_albedo(tau);
    cloud.passed = 1.0 - cloud.albedo;
    cloud.direct = exp(-tau / mu_v);
    cloud.diffuse = max(cloud.passed - cloud.direct, 0.0);
    vec3 nt = cloud_top_normal(nc, top, cloud_top_development(tau));
    if (u_atmosphere_enabled) {
        cloud.e_cloud = lit_surface_irradiance(u_cloud_radius, nc, sun)
                          * cloud_top_relief(nc, nt, sun.dir)
                      + lit_surface_irradiance(u_cloud_radius, nc, moon)
                          * cloud_top_relief(nc, nt, moon.dir);
    } else {
        cloud.e_cloud = vec3(u_sun_illuminance * max(dot(nt, sun.dir), 0.0)
                             + u_moon_illuminance * max(dot(nt, moon.dir), 0.0));
    }
    return cloud;
}

// composite: the radiance (cd/m^2) reaching the camera from the Earth and its
// air, front to back.  Where the ray meets the cloud layer (t_cloud > 0), the
// cloud there (cloud_layer) sits between the two segments of the air: it
// reflects its light (Lambertian, albedo / pi) and passes on the share
// `passed` of what lies below, the ground lit and seen through it:
//   L = L_above + T_above (albedo / pi e_cloud + passed (L_below + T_below ground)
//                          + T_below L_1 (direct sharp + diffuse blur) fade c)
// and without one
//   L = L_above + T_above (ground + L_1 sharp fade c),
// with L_1 v = lights_colour(v) the radiance of city-lights texture values v
// and c the pixel's coverage.  City lights are point-like: under a cloud the
// direct beam keeps them sharp, the rest reaches the camera scattered,
// blurred over the cloud's footprint.
vec3 composite(EarthRay ray, AirAlongRay air, vec3 ground, CityLights city, AtmoLight sun,
               AtmoLight moon, CloudWeather weather) {
    float t_cloud = air.t_cloud;
    vec3 L_above = air.L_above, T_above = air.T_above;
    vec3 L_below = air.L_below, T_below = air.T_below;
    float coverage = ray.coverage;
    float lights = city.fade;
    vec3 radiance;
    if (t_cloud > 0.0) {
        CloudLayer cloud = cloud_layer(ray, t_cloud, sun, moon, weather);
        vec3 lights_seen = T_below * lights * coverage
                         * lights_colour(cloud.direct * city.sharp + cloud.diffuse * city.blur);
        radiance = L_above + T_above * (cloud.albedo / PI * cloud.e_cloud
                                        + cloud.passed * (L_below + T_below * ground)
                                        + lights_seen);
    } else {
        radiance = L_above + T_above * (ground + lights_colour(city.sharp) * lights * coverage);
    }
    return radiance;
}

// The air table: air_table_ray and air_from_table (lib/earth_air_table.glsl).
#include "lib/earth_air_table.glsl"

// airglow_in_front: the airglow radiance (cd/m^2) along the ray
// (airglow_along_ray, or airglow_from_table), in front of everything but the
// far side of the limb: the part of the ray beyond its closest approach is
// weighted by (1 - coverage) T_above T_below, the share of the pixel the
// Earth leaves open times the transmittance of the air in front of it.
vec3 airglow_in_front(EarthRay ray, AirAlongRay air) {
    vec3 far_weight = (1.0 - ray.coverage) * air.T_above * air.T_below;
#if EARTH_AIRGLOW_TABLE
    return airglow_from_table(ray.o, ray.ds, ray.t_ground, far_weight);
#else
    return airglow_along_ray(ray.o, ray.ds, ray.t_ground, far_weight);
#endif
}

#if EARTH_SURFACE
// pixel_radiance: the Earth's and its air's radiance (cd/m^2) at gl_FragCoord frag.
vec3 pixel_radiance(vec2 frag) {
    EarthRay ray = earth_ray(frag);
    AtmoLight sun = distant_light(u_sun_dir, u_sun_illuminance);
    AtmoLight moon = distant_light(u_moon_pos, u_moon_illuminance);
    // Look-ups for every pixel (misses too): differences need uniform control flow.
    SurfaceMaps maps = surface_maps(ray);
    CityLights city = city_lights(ray, maps);
#if EARTH_AIR_TABLE
    AirAlongRay air = air_from_table(ray);
#else
    AirAlongRay air = air_along_ray(ray, sun, moon);
#endif
    CloudWeather weather = pixel_weather(ray, air.t_cloud);
    vec3 ground = ground_radiance(ray, maps, sun, moon, weather);
    vec3 radiance = composite(ray, air, ground, city, sun, moon, weather);
#if EARTH_AIRGLOW
    radiance += airglow_in_front(ray, air);
#endif
    return radiance;
}
#else
// pixel_radiance, the sky around the Earth: rays above the cloud layer and a
// pixel or more off the limb (coverage 0, no cloud top), where composite is
// L_above and airglow_in_front's far piece weighs T_above alone.
vec3 pixel_radiance(vec2 frag) {
    EarthRay ray = earth_ray(frag);
    AtmoLight sun = distant_light(u_sun_dir, u_sun_illuminance);
    AtmoLight moon = distant_light(u_moon_pos, u_moon_illuminance);
    AirAlongRay air = air_along_ray(ray, sun, moon);
    vec3 radiance = air.L_above;
#if EARTH_AIRGLOW
    radiance += airglow_in_front(ray, air);
#endif
    return radiance;
}
#endif

#if defined(COMPUTE_SHADER) && EARTH_AIR_TABLE_BUILD
void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);  // a store past the edge is dropped
    vec4 t[3];
    build_air_table(vec2(texel) + 0.5, t[0], t[1], t[2]);
    for (int i = 0; i < 3; ++i) imageStore(u_air_table_out[i], texel, t[i]);
}
#elif defined(COMPUTE_SHADER)
// A pixel of a listed block (surplus groups idle whole, so no barrier waits);
// off-screen pixels run like a quad's helpers, on-screen ones add like blending.
void main() {
    uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (group >= uint(u_block_count)) return;
    ivec2 pixel = ivec2(u_blocks[group] * uint(EARTH_BLOCK) + gl_LocalInvocationID.xy);
    vec3 radiance = pixel_radiance(vec2(pixel) + 0.5);
    if (all(lessThan(pixel, ivec2(u_resolution)))) {
        vec4 sum = imageLoad(u_target, pixel) + vec4(radiance * u_weight, 1.0);
        imageStore(u_target, pixel, sum);
    }
}
#elif EARTH_AIR_TABLE_BUILD
void main() { build_air_table(gl_FragCoord.xy, air_table[0], air_table[1], air_table[2]); }
#else
void main() { frag_color = vec4(pixel_radiance(gl_FragCoord.xy) * u_weight, 1.0); }
#endif
#endif
