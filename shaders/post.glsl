// post.glsl: the camera.  Radiance in, 8-bit display pixels out (or, for the
// frame-sequence codecs, 16-bit display values or the linear exposure).
//
// 1. Exposure: a saturation-based sensor.  With the exposure value at ISO 100
//    EV100 = log2(N^2 / t * 100 / S), the luminance that just saturates the
//    sensor is L_sat = 1.2 * 2^EV100 cd/m^2 (ISO 12232: L_sat = 78 N^2/(q S t)
//    with lens transmittance q = 0.65, and 78/0.65 = 120 = 1.2 * 100).  The CPU
//    passes u_exposure = 1 / L_sat, so x = L * u_exposure is 1 at saturation.
//    No layer has a gain of its own: this is the only scale between radiance
//    and pixel values (the README).
// 0. Glare: bloom.glsl makes the halo; it is mixed in here (GLARE), or
//    arrives already in the radiance (its COMPOSITE pass).
// 1a. A radiance that is not a finite number (NaN, infinity) counts as black,
//    before the glare is added: one bad pixel must not reach the frame (the
//    glare pass has already kept it from spreading).
// 1b. Sensor noise (on by default at high ISO, seeded per frame), in the raw
//    channels of a Bayer sensor (renderer/physics/camera.py, SensorNoise):
//    the linear sRGB value x goes back through the camera's colour matrix M to
//    white-balanced raw, r = M^-1 x; channel c then holds e_c = r_c g_c FW
//    electrons, FW the output pixel's full well at this ISO (the green
//    channel's, 1 = saturation) and g_c the channel's gain relative to green
//    (the white balance amplifies red's and blue's noise).  Photon shot noise
//    (Poisson, sqrt(e)) and read noise R add in quadrature, independently per
//    channel: sigma_c = sqrt(e_c + R^2).  Hot photosites add dark charge to one
//    channel (red, green, green or blue of the Bayer cell), exponentially
//    distributed, at pixels fixed by the seed alone.  Back through M, the
//    per-channel noise becomes the colour (chroma) noise of high-ISO pictures:
//    x' = x + M (de / (g FW)).
// 2. Display rendering ([camera] tone; renderer/physics/camera.py gives the
//    reasoning and the constants):
//    "camera" (default), as a camera's JPEG engine renders: a black point b,
//      x' = clamp((x - b) / (1 - b), 0, 1) (white clips at saturation, as the
//      sensor does), the sRGB encoding v = sRGB(x'), then a mild S-curve in the
//      encoded value, v' = mix(v, smoothstep(0, 1, v), s).
//    "filmic": a filmic curve (Hable's rational "toe + shoulder" form) scaled
//      so that x = 1 maps to display white, then the sRGB encoding; it lifts
//      the shadows one to two stops above what a camera records.
// 4. Dither: triangular noise of +-1 code value, from a hash of the pixel and
//    the frame index (deterministic: the same scene gives the same frames), so
//    dark gradients such as the limb do not band at 8 bits.
// 5. Flip: rows are written top row first so that a read-back of the
//    framebuffer is already in video order.
// Linear output (LINEAR, codec "exr"): the frame stops after step 1b and
//    writes x itself, unclamped, to a float target: the light the sensor
//    recorded, 1 = saturation, before any display rendering.  The 16-bit
//    display output (codec "png16") is steps 1 to 2 without the dither, which
//    8 bits need and 16 bits do not.
// LUMA (for the Y'CbCr codecs): a second target receives the frame's BT.709
//    Y' (lib/ycbcr.glsl) from the 8-bit codes the first one stores, the plane
//    yuv.glsl would otherwise make from them in a pass of its own.
// The scene's choices (GLARE, NOISE, LINEAR, FILMIC, DITHER, LUMA, each 0 or 1) are
//    compiled in (passes/post.py builds one program per combination in use): a
//    CPU renderer runs both sides of a branch on a uniform, so a step that is
//    off would still cost its full price.

#include "lib/common.glsl"
#include "lib/ycbcr.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

uniform sampler2D u_hdr;      // radiance, cd/m^2, linear sRGB
uniform float u_exposure;     // 1 / L_sat, m^2/cd
uniform uint u_frame;         // frame index, seeds the dither and the noise
uniform float u_height;       // the view's height in pixels
#if GLARE
// u_hdr is then the glare's cleaned radiance (bloom.glsl).
uniform sampler2D u_halo;     // the glare's halo, covering u_hdr's padded size (bilinear)
uniform float u_glare_fraction;  // F, the glare's share of the light
#endif
#if NOISE
uniform float u_full_well;       // green electrons at saturation at this ISO, per output pixel
uniform float u_read_noise;      // electrons RMS per channel, per output pixel
uniform uint u_noise_seed;       // the camera's: fixes the hot pixels, seeds the grain
// M (white-balanced raw -> linear sRGB), M^-1 and g (each raw channel's gain
// relative to green), the shipped camera's, compiled in as SRGB_FROM_RAW,
// RAW_FROM_SRGB and RAW_GAIN: as uniforms they cost a sixth of this pass on
// llvmpipe.
const mat3 k_srgb_from_raw = SRGB_FROM_RAW;
const mat3 k_raw_from_srgb = RAW_FROM_SRGB;
const vec3 k_raw_gain = RAW_GAIN;
uniform float u_hot_fraction;    // probability that a pixel holds a hot photosite
uniform float u_hot_mean_e;      // mean dark charge of a hot photosite, electrons
#endif
#if !FILMIC
uniform float u_black_point;     // the camera rendering's b, fraction of saturation
uniform float u_s_curve;         // the camera rendering's s
#endif

layout(location = 0) out vec4 frag_color;
#if LUMA
layout(location = 1) out float y_out;
#endif

#if FILMIC
// filmic_curve: Hable's rational curve f(x) = (x(Ax+CB)+DE)/(x(Ax+B)+DF) - E/F,
// a toe near black and a shoulder toward white.  Dimensionless.
vec3 filmic_curve(vec3 x) {
    const float A = 0.15, B = 0.50, C = 0.10, D = 0.20, E = 0.02, F = 0.30;
    return (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F;
}

// tone_map: sensor-relative exposure x (1 = saturation) to display-linear
// [0, 1].  The curve's own white point W = 11.2 is placed at saturation.
vec3 tone_map(vec3 x) {
    const float W = 11.2;
    vec3 y = filmic_curve(clamp(x, 0.0, 1.0) * W) / filmic_curve(vec3(W));
    return clamp(y, 0.0, 1.0);
}
#endif

// srgb_encode: the sRGB opto-electronic transfer function (IEC 61966-2-1).
vec3 srgb_encode(vec3 c) {
    vec3 lo = 12.92 * c;
    vec3 hi = 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055;
    return mix(lo, hi, step(vec3(0.0031308), c));
}

#if !FILMIC
// camera_render: sensor value x (1 = saturation) to encoded display value
// [0, 1], as a camera's JPEG engine renders it (see the header, step 2).
vec3 camera_render(vec3 x) {
    vec3 v = srgb_encode(clamp((x - u_black_point) / (1.0 - u_black_point), 0.0, 1.0));
    return mix(v, smoothstep(0.0, 1.0, v), u_s_curve);
}
#endif

#if NOISE
// gaussian_pair: two independent standard normal numbers (Box-Muller) from a seed.
vec2 gaussian_pair(uvec3 seed) {
    float u1 = max(rand01(seed), 1e-7);
    float u2 = rand01(seed + uvec3(0u, 0u, 0x68e31da4u));
    float r = sqrt(-2.0 * log(u1));
    return r * vec2(cos(2.0 * PI * u2), sin(2.0 * PI * u2));
}

// hot_charge: the dark charge (electrons, per raw channel) of the hot photosite
// this pixel holds, if any.  A function of the pixel and the camera's seed
// alone: the same pixels glow in every frame.
vec3 hot_charge(ivec2 p) {
    uvec3 h = uvec3(uint(p.x), uint(p.y), u_noise_seed ^ 0x5bd1e995u);
    if (rand01(h) >= u_hot_fraction) return vec3(0.0);
    float bayer = rand01(h + uvec3(0u, 0u, 0x27d4eb2fu));
    int c = bayer < 0.25 ? 0 : (bayer < 0.75 ? 1 : 2);
    vec3 e = vec3(0.0);
    e[c] = -u_hot_mean_e * log(max(rand01(h + uvec3(0u, 0u, 0x165667b1u)), 1e-7));
    return e;
}

// sensor_noise: x (linear sRGB, 1 = saturation) with the sensor's noise for
// this pixel and frame (see the header, step 1b).
vec3 sensor_noise(vec3 x, ivec2 p) {
    vec3 scale = k_raw_gain * u_full_well;             // electrons per unit of raw
    vec3 hot = hot_charge(p);
    vec3 e = max(k_raw_from_srgb * x, 0.0) * scale + hot;
    uvec3 seed = uvec3(uint(p.x), uint(p.y), u_frame * 0x9e3779b1u ^ u_noise_seed);
    vec2 g1 = gaussian_pair(seed);
    vec2 g2 = gaussian_pair(seed ^ uvec3(0x85ebca6bu));
    vec3 de = hot + sqrt(e + u_read_noise * u_read_noise) * vec3(g1, g2.x);
    return x + k_srgb_from_raw * (de / scale);
}
#endif

void main() {
    // Flip rows within the view (the input may be padded beyond it).
    ivec2 src = ivec2(gl_FragCoord.x, u_height - gl_FragCoord.y);
    vec3 radiance = texelFetch(u_hdr, src, 0).rgb;
    // 1a. NaN and the infinities have all exponent bits set (a bit test no
    // fast-math folds).
    uvec3 bits = floatBitsToUint(radiance) & uvec3(0x7f800000u);
    if (any(equal(bits, uvec3(0x7f800000u)))) radiance = vec3(0.0);
#if GLARE
    // 0. The glare, as bloom.glsl's COMPOSITE would write it: (1 - F) L + F halo.
    vec2 uv = (vec2(src) + 0.5) / vec2(textureSize(u_hdr, 0));
    radiance = mix(radiance, texture(u_halo, uv).rgb, u_glare_fraction);
#endif
    vec3 x = radiance * u_exposure;
#if NOISE
    x = sensor_noise(x, src);
#endif
#if LINEAR
    frag_color = vec4(x, 1.0);
#else
#if FILMIC
    vec3 v = srgb_encode(tone_map(x));
#else
    vec3 v = camera_render(x);
#endif
#if DITHER
    // Pure black stays black: there is no gradient to hide there.
    if (max(v.r, max(v.g, v.b)) > 0.0) {
        uvec3 seed = uvec3(uint(gl_FragCoord.x), uint(gl_FragCoord.y), u_frame);
        float n = rand01(seed) - rand01(seed + uvec3(0u, 0u, 0x9e3779b9u));
        v += n / 255.0;
    }
#endif
    frag_color = vec4(clamp(v, 0.0, 1.0), 1.0);
#if LUMA
    // The codes the 8-bit target stores (round to nearest), as yuv.glsl reads them.
    y_out = luma_unorm(round(frag_color.rgb * 255.0) / 255.0);
#endif
#endif
}
#endif
