// stars.glsl: point sources (catalogue stars, planets) as light, one
// instanced draw.
//
// Each instance is one point source: a unit direction in the GCRS, its
// illuminance at the camera outside the atmosphere (lux) and its colour
// (linear sRGB of luminance 1).  The vertex stage projects the direction with
// the pinhole of common.glsl, drops the source if it is behind the camera, off
// the image or behind the Earth (its ray meets the WGS84 ellipsoid), dims and
// reddens it by the atmosphere's transmittance along its ray, and emits a
// small screen-aligned quad around the projected position (a triangle strip of
// 4 vertices).  The fragment stage spreads the source's light over the pixels
// with a Gaussian point-spread function integrated over each pixel's square,
// centred on the exact (sub-pixel) projected position: nothing is snapped to
// the pixel grid, so a star moving across the image moves its centroid
// smoothly, with no shimmer.
//
// Exposure.  The camera turns while its shutter is open (an orbiting camera by
// ~1.1 mrad/s), so each source draws the streak between where it stood when the
// shutter opened and where it stands when it closes: the PSF swept along that
// segment, its light shared evenly along it (a streak holds exactly the light of
// the still point).
//
// Radiometry (the README, "One radiometric scale").  A source of illuminance E
// (lux) seen through a pixel of solid angle Omega_px (sr) has the radiance
// E / Omega_px (cd/m^2) if all its light falls in that pixel; the PSF shares
// it out, its weights over the pixels summing to 1.  For the pinhole,
// Omega_px = cos^3(alpha) / f^2 at angle alpha off the axis (f the focal
// length in pixels), so the integral of the image's radiance over solid angle
// is E wherever the star is in the frame.  Output: radiance (cd/m^2, linear
// sRGB) times the sub-frame weight, ADDED into the float framebuffer.
//
// Occlusion.  A source whose ray meets the Earth is not drawn; one whose ray
// passes through the air is dimmed by transmittance_to_space (atmosphere.glsl)
// along that ray; and each pixel of the sprite is further multiplied by the
// fraction of that pixel NOT covered by the Earth's disc (limb_coverage, the
// same anti-aliased coverage the Earth pass uses), so a PSF straddling the
// limb loses exactly its pixels behind the Earth.  The airglow (emission,
// added by the Earth pass) does not absorb: a star behind it shows through.

#include "lib/common.glsl"
#include "lib/atmosphere.glsl"

uniform vec3 u_cam_pos;            // camera position relative to the Earth's centre, ITRS km
uniform mat3 u_itrs_from_gcrs;     // r_itrs = M r_gcrs
uniform float u_flux_scale;        // sub-frame weight * f^2: radiance (cd/m^2) in one on-axis
                                   // pixel per lux
uniform float u_sigma_px;          // standard deviation of the Gaussian PSF, pixels
uniform float u_cutoff;            // radiance (cd/m^2) where the PSF's tail is cut (sizes sprites)
uniform float u_max_radius_px;     // largest sprite half-size, pixels
uniform vec3 u_half_turn;          // the camera's turn over half the exposure, GCRS rad
                                   // (angular velocity x exposure / 2)
// Points a streak's PSF is sampled at along its length: a compile-time constant the
// CPU picks per frame (renderer/passes/stars.py), enough to space the samples of the
// frame's longest streak at most a standard deviation apart.  A loop with a constant
// trip count costs what it needs; one bounded only by a maximum costs the maximum on
// a CPU rasteriser, which runs every iteration for every pixel.
#ifndef STREAK_SAMPLES
#define STREAK_SAMPLES 1
#endif

#if defined(VERTEX_SHADER)

in vec3 in_dir;      // per instance: unit direction to the source, GCRS
in float in_lux;     // illuminance at the camera outside the atmosphere, lux
in vec3 in_rgb;      // colour, linear sRGB, luminance 1

flat out vec2 v_center;      // projected position mid-exposure, gl_FragCoord pixels
flat out vec2 v_motion;      // its motion over the exposure, pixels (start to end)
flat out vec3 v_radiance;    // radiance if all the light fell in one pixel, cd/m^2

// project_px: where a direction (GCRS) lands, gl_FragCoord pixels, and its depth
// along the view axis (the pinhole of common.glsl, inverted: the direction
// forward + x/f right + y/f up lands at W/2 + x, H/2 + y).
vec3 project_px(vec3 d) {
    float z = dot(d, u_cam_forward);
    return vec3(0.5 * u_resolution + u_focal_px * vec2(dot(d, u_cam_right), dot(d, u_cam_up)) / z, z);
}

// A vertex outside the clip volume: the whole instance is clipped away.
const vec4 CULLED = vec4(2.0, 2.0, 2.0, 1.0);

// sprite_radius_px: the quad's half-size.  The PSF's peak pixel holds about
// 1 / (2 pi sigma^2) of the flux; its tail falls below u_cutoff at
// r = sigma sqrt(2 ln(peak / cutoff)), beyond which the lost light is the
// fraction cutoff / peak.  Never less than 3.5 sigma (< 0.3 % of the flux
// lost), so faint stars keep their full, correctly normalised flux too.
float sprite_radius_px(float radiance_one_pixel) {
    float s = u_sigma_px;
    float peak = radiance_one_pixel / (2.0 * PI * s * s);
    float r = s * sqrt(2.0 * log(max(peak / u_cutoff, 1.0)));
    return clamp(r, 3.5 * s, u_max_radius_px);
}

void main() {
    // Corners of the strip: (-1,-1), (1,-1), (-1,1), (1,1).
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
    v_center = vec2(0.0);
    v_motion = vec2(0.0);
    v_radiance = vec3(0.0);
    float z = dot(in_dir, u_cam_forward);
    if (z <= 1e-4) { gl_Position = CULLED; return; }
    vec2 center = project_px(in_dir).xy;
    // Seen from a camera turning at w, a fixed direction d appears at
    // d - t (w x d) at time t from mid-exposure: the streak's ends.
    vec3 turn = cross(u_half_turn, in_dir);
    vec2 motion = project_px(in_dir - turn).xy - project_px(in_dir + turn).xy;
    // Omega_px = z^3 / f^2, so one pixel's radiance per lux is f^2 / z^3.
    float one_pixel = in_lux * u_flux_scale / (z * z * z);
    float radius = sprite_radius_px(one_pixel * max(in_rgb.r, max(in_rgb.g, in_rgb.b)));
    vec2 reach = vec2(radius) + 0.5 * abs(motion);
    if (any(lessThan(center, -reach)) || any(greaterThan(center, u_resolution + reach))) {
        gl_Position = CULLED;
        return;
    }
    vec3 d_itrs = u_itrs_from_gcrs * in_dir;
    if (intersect_ellipsoid(u_cam_pos, d_itrs).hit) { gl_Position = CULLED; return; }
    vec3 transmittance = transmittance_to_space(u_cam_pos, d_itrs);
    v_center = center;
    v_motion = motion;
    v_radiance = one_pixel * in_rgb * transmittance;
    vec2 p = center + reach * corner;
    gl_Position = vec4(2.0 * p / u_resolution - 1.0, 0.0, 1.0);
}

#elif defined(FRAGMENT_SHADER)

flat in vec2 v_center;
flat in vec2 v_motion;
flat in vec3 v_radiance;

out vec4 frag_color;

// erf_approx: the error function, Abramowitz & Stegun 7.1.26 (absolute error
// below 1.5e-7), odd-extended to negative x.
float erf_approx(float x) {
    float a = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * a);
    float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
               + t * (-1.453152027 + t * 1.061405429))));
    float e = 1.0 - poly * exp(-a * a);
    return x < 0.0 ? -e : e;
}

// gauss_interval: the share of a 1-D Gaussian of standard deviation sigma
// (centred on 0) between lo and hi:
// (erf(hi / (sigma sqrt 2)) - erf(lo / (sigma sqrt 2))) / 2.
float gauss_interval(float lo, float hi, float sigma) {
    float k = 1.0 / (sigma * sqrt(2.0));
    return 0.5 * (erf_approx(hi * k) - erf_approx(lo * k));
}

// pixel_share: the share of the source's light in this pixel's square when it
// stands at `center`: the PSF integrated over the square.
float pixel_share(vec2 center) {
    vec2 lo = gl_FragCoord.xy - 0.5 - center;
    vec2 hi = lo + 1.0;
    return gauss_interval(lo.x, hi.x, u_sigma_px) * gauss_interval(lo.y, hi.y, u_sigma_px);
}

// streak_share: pixel_share averaged over the exposure, the source moving evenly
// from v_center - v_motion / 2 to v_center + v_motion / 2: the midpoint rule on
// STREAK_SAMPLES equal slices, which the CPU chose so that the samples of the frame's
// longest streak lie at most a standard deviation apart.  Each sample's shares sum to
// 1 over the image, so their mean does too.
float streak_share() {
    const int n = STREAK_SAMPLES;
    float sum = 0.0;
    for (int i = 0; i < n; ++i) {
        float s = (float(i) + 0.5) / float(n) - 0.5;
        sum += pixel_share(v_center + s * v_motion);
    }
    return sum / float(n);
}

void main() {
    float w = streak_share();
    // The part of this pixel the Earth's disc does not cover.
    vec3 d = view_ray(gl_FragCoord.xy);
    float sky = 1.0 - limb_coverage(intersect_ellipsoid(u_cam_pos, u_itrs_from_gcrs * d));
    frag_color = vec4(v_radiance * (w * sky), 0.0);
}
#endif
