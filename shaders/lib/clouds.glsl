// clouds.glsl: a procedural cloud layer, deterministic from a seed.  Include
// after common.glsl.
//
// The layer is a thin shell at u_cloud_radius (sphere space of
// atmosphere.glsl).  Its optical depth at a point is a function of the unit
// direction n from the Earth's centre (ITRS), built from value noise in
// coordinates p = 1000-km units on the sphere (plus a seeded shift):
//
//   1. weather systems: a warped fractal field over 4,000 to 500 km, turned
//      into spirals about rare storm centres (storm_swirl), plus long narrow
//      frontal bands (the ridges of a warped noise) and a climatological bias
//      by latitude (the tropical convergence band, dry subtropics, storm tracks);
//   2. the cloud's own structure, 300 km down to the pixel (never below
//      CLOUD_FINEST_KM): fractal noise stretched east-west (cloud streets
//      and banded decks), whose roughness depends on the regime: smooth
//      stratiform decks where a regime noise is low, broken convective cells
//      (popcorn cumulus) where it is high;
//   3. a crisp edge: the field crosses the threshold through a width set by
//      what the pixel cannot resolve (the spread of the octaves too fine for
//      it) and never more, so edges are as sharp as the pixel allows, and a
//      wider pixel sees the same expected cover (no rings where the octave
//      count changes with the footprint);
//   4. cirrus: a thin (optical depth up to CIRRUS_MAX_TAU) fibrous veil in
//      its own regions, stretched along the east-west jet, over the low clouds;
//   5. a threshold from `coverage`, computed once by renderer/gl/cloud_cover.py
//      so that the cloudy fraction of the globe's area is `coverage`.
//
// The weather systems (1) do not change in the field's own frame: the Earth
// pass reads them from a map made once per seed (cloud_weather_map) and
// evaluates only the rest per pixel (cloud_detail); the cover's threshold (5)
// comes from the whole procedural field (cloud_field).
//
// Drift: the field turns rigidly eastward about the polar axis (u_cloud_frame,
// from a float64 angle on the CPU), a mean zonal wind of DRIFT_SPEED * drift.
//
// Units: densities, field values and thresholds are dimensionless; optical
// depths too; footprints and wavelengths in km.

uniform float u_cloud_radius;      // km, sphere space
uniform float u_cloud_threshold;   // field value at which a cloud begins
uniform vec3 u_cloud_offset;       // seed-dependent shift of the noise domain
uniform mat3 u_cloud_frame;        // ITRS -> the drifting frame of the field

// Optical depth of the thickest clouds (a cumulonimbus or a frontal deck
// reaches 50 to 100; stratocumulus 5 to 20).
const float CLOUD_MAX_TAU = 60.0;
// Optical depth of the thickest cirrus (cirrus sheets are 0.03 to 3).
const float CIRRUS_MAX_TAU = 1.2;
// Asymmetry of cloud droplets' scattering, for the two-stream albedo below.
const float CLOUD_G = 0.85;
// The sharpest edge: the field crosses the threshold over this much of its
// range when the pixel resolves every octave (about 100 m of a deck's edge).
const float CLOUD_EDGE_MIN = 0.004;
// Stretch of the cloud structure along the east-west direction: the noise's
// frequency along the polar axis over that in the equatorial plane.
const float STREET_STRETCH = 2.2;
const float CIRRUS_STRETCH = 4.0;

// noise_hash: a deterministic hash of an integer lattice point, in [0, 1):
// hash_u32(x P1 ^ y P2 ^ z P3) with the large primes of Teschner et al.'s
// spatial hash, its top 24 bits over 2^24.
float noise_hash(ivec3 c) {
    uint h = hash_u32(uint(c.x) * 73856093u ^ uint(c.y) * 19349663u ^ uint(c.z) * 83492791u);
    return float(h >> 8) * (1.0 / 16777216.0);
}

// value_noise: trilinear interpolation of lattice values with a quintic
// fade, in [0, 1]: with f the fractional part of q (lattice units), each axis
// is blended by u = 6 f^5 - 15 f^4 + 10 f^3, whose first and second
// derivatives vanish at the lattice points, so the noise has no creases.
float value_noise(vec3 q) {
    vec3 i = floor(q);
    vec3 f = q - i;
    vec3 u = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    ivec3 c = ivec3(i);
    float n000 = noise_hash(c), n100 = noise_hash(c + ivec3(1, 0, 0));
    float n010 = noise_hash(c + ivec3(0, 1, 0)), n110 = noise_hash(c + ivec3(1, 1, 0));
    float n001 = noise_hash(c + ivec3(0, 0, 1)), n101 = noise_hash(c + ivec3(1, 0, 1));
    float n011 = noise_hash(c + ivec3(0, 1, 1)), n111 = noise_hash(c + ivec3(1, 1, 1));
    return mix(mix(mix(n000, n100, u.x), mix(n010, n110, u.x), u.y),
               mix(mix(n001, n101, u.x), mix(n011, n111, u.x), u.y), u.z);
}

// value_noise_grad: value_noise (x) and its gradient (yzw, per lattice unit)
// in one pass over the same eight lattice values.  Written as the polynomial
// k0 + k1 u_x + k2 u_y + k3 u_z + k4 u_x u_y + k5 u_y u_z + k6 u_z u_x
// + k7 u_x u_y u_z (k the corner values' differences), whose derivative along
// each axis is du/df = 30 f^2 (f - 1)^2 times that polynomial's partial.
vec4 value_noise_grad(vec3 q) {
    vec3 i = floor(q);
    vec3 f = q - i;
    vec3 u = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    vec3 du = 30.0 * f * f * (f * (f - 2.0) + 1.0);
    ivec3 c = ivec3(i);
    float a = noise_hash(c), b = noise_hash(c + ivec3(1, 0, 0));
    float cc = noise_hash(c + ivec3(0, 1, 0)), d = noise_hash(c + ivec3(1, 1, 0));
    float e = noise_hash(c + ivec3(0, 0, 1)), g = noise_hash(c + ivec3(1, 0, 1));
    float h = noise_hash(c + ivec3(0, 1, 1)), m = noise_hash(c + ivec3(1, 1, 1));
    float k1 = b - a, k2 = cc - a, k3 = e - a, k4 = a - b - cc + d;
    float k5 = a - cc - e + h, k6 = a - b - e + g, k7 = -a + b + cc - d + e - g - h + m;
    float value = a + k1 * u.x + k2 * u.y + k3 * u.z + k4 * u.x * u.y + k5 * u.y * u.z
                + k6 * u.z * u.x + k7 * u.x * u.y * u.z;
    vec3 grad = du * vec3(k1 + k4 * u.y + k6 * u.z + k7 * u.y * u.z,
                          k2 + k5 * u.z + k4 * u.x + k7 * u.z * u.x,
                          k3 + k6 * u.x + k5 * u.y + k7 * u.x * u.y);
    return vec4(value, grad);
}

// Octave k of a fractal sum has frequency OCTAVE_LACUNARITY^k times the
// first; each octave's lattice is shifted so that lattice points of
// different octaves do not line up.
const float OCTAVE_LACUNARITY = 2.03;
const vec3 OCTAVE_SHIFT = vec3(17.1, 3.7, 9.2);

// gauss_bump: exp(-((x - m) / w)^2), written with a product (pow of a
// negative base is undefined in GLSL).
float gauss_bump(float x, float m, float w) {
    float z = (x - m) / w;
    return exp(-z * z);
}

// latitude_bias: climatological cloudiness by latitude (radians), added to
// the field: ITCZ near 6 N, dry subtropics, storm tracks near 50-60 deg.
// With d the latitude in degrees and G(m, w) = exp(-((d - m) / w)^2):
//   0.22 G(6, 7) - 0.20 (G(22, 8) + G(-24, 8)) + 0.08 (G(52, 12) + G(-55, 10))
//   - 0.06 smoothstep(70, 85, |d|)
// in the field's units (dimensionless).
float latitude_bias(float lat) {
    float d = degrees(lat);
    float itcz = 0.22 * gauss_bump(d, 6.0, 7.0);
    float subtropics = -0.20 * (gauss_bump(d, 22.0, 8.0) + gauss_bump(d, -24.0, 8.0));
    float storm_tracks = 0.08 * (gauss_bump(d, 52.0, 12.0) + gauss_bump(d, -55.0, 10.0));
    return itcz + subtropics + storm_tracks - 0.06 * smoothstep(70.0, 85.0, abs(d));
}

// rotate_about: Rodrigues' rotation of v about unit axis k by angle a
// (radians): v cos a + (k x v) sin a + k (k . v)(1 - cos a).
vec3 rotate_about(vec3 v, vec3 k, float a) {
    float c = cos(a), s = sin(a);
    return v * c + cross(k, v) * s + k * dot(k, v) * (1.0 - c);
}

// storm_swirl: the point n (unit) turned about the nearest storm's axis.
// Cells of STORM_CELL (units of the Earth's radius) in 3-D; each holds one
// candidate storm, jittered within the middle fifth of its cell, whose swirl
// vanishes within 0.38 cell so that only the point's own cell matters.  A
// storm exists with a probability that depends on its latitude (below); at
// chord distance e = |n - axis| < R_s = 0.38 STORM_CELL from its axis, n is
// turned by 6 x^2 sqrt(1 - x) rad with x = 1 - e / R_s, counter-clockwise in the north and clockwise in the
// south: the turn is zero at the rim and at the eye (so the eye is not a
// rigidly turned disc of the field) and largest between.  Returns a unit vector.
const float STORM_CELL = 0.32;
vec3 storm_swirl(vec3 n) {
    vec3 q = n / STORM_CELL + u_cloud_offset * 0.37;
    ivec3 c = ivec3(floor(q));
    vec3 jitter = vec3(noise_hash(c + ivec3(11, 0, 0)), noise_hash(c + ivec3(0, 23, 0)),
                       noise_hash(c + ivec3(0, 0, 37)));
    vec3 centre = (vec3(c) + 0.4 + 0.2 * jitter - u_cloud_offset * 0.37) * STORM_CELL;
    vec3 axis = normalize(centre);
    float lat = asin(clamp(axis.z, -1.0, 1.0));
    float alat = abs(degrees(lat));
    // How likely a storm is at this latitude: mid-latitude cyclones common,
    // tropical cyclones (10-25 deg) rare, none on the equator.
    float likely = 0.85 * smoothstep(30.0, 42.0, alat) * (1.0 - smoothstep(68.0, 78.0, alat))
                 + 0.25 * smoothstep(8.0, 12.0, alat) * (1.0 - smoothstep(22.0, 28.0, alat));
    float radius = 0.38 * STORM_CELL;
    float d = length(n - axis);
    float x = clamp(1.0 - d / radius, 0.0, 1.0);
    bool storm = noise_hash(c + ivec3(5, 7, 9)) <= likely;
    float turn = storm ? 6.0 * x * x * sqrt(1.0 - x) * (lat > 0.0 ? 1.0 : -1.0) : 0.0;
    return rotate_about(n, axis, turn);
}

// CloudField: the cloudiness at a point before the threshold (`value`,
// larger is cloudier), how much of it the pixel cannot resolve (`unresolved`,
// the standard deviation of the octaves dropped), and the cirrus optical depth.
struct CloudField {
    float value;
    float unresolved;
    float cirrus_tau;
};

// The first detail octave's wavelength (km), and the persistence (weight
// ratio of successive octaves) of smooth decks and of convective fields.
const float DETAIL_KM = 300.0;
// The finest structure of the field (km): the smallest cumulus and the
// texture of a deck's top are about a kilometre across; no octave is finer.
const float CLOUD_FINEST_KM = 1.0;
const float DECK_GAIN = 0.48;
const float CUMULUS_GAIN = 0.68;

// CloudWeather: the weather systems at a point (cloud_weather), the part of
// the field whose wavelengths are 500 km and more.
struct CloudWeather {
    float value;    // S + F + latitude_bias (below)
    float regime;   // c, 0 deck .. 1 cumulus
    float sheet;    // the cirrus regions' noise v(0.5 B + 200)
};

// cloud_weather: the weather systems at unit direction m of the drifting
// frame.  With B = A m / 1000 km + offset (A the equatorial radius) and P the
// same for storm_swirl(m) (only the weather systems wind into spirals; the
// fine structure is not smeared by them):
//   warp w = (v(0.35 B + a_i) - 1/2)_i        (three noises, ~2,900 km)
//   synoptic S = sum_{k<4} 0.5^k (v(s_k) - 1/2) / 0.94 with s_0 = 0.4 (P + 1.2 w),
//       s_{k+1} = 2.03 s_k + shift
//   front F = 0.22 (1 - |2 v(0.3 P + 2 w + 11) - 1|)^8
//   regime c = smoothstep(0.35, 0.65, v(0.8 B + 41)), 0 deck .. 1 cumulus
//   sheet = v(0.5 B + 200), where the cirrus is (cloud_detail)
// all dimensionless.
CloudWeather cloud_weather(vec3 m) {
    float lat = asin(clamp(m.z, -1.0, 1.0));
    vec3 base = m * (WGS84_A / 1000.0) + u_cloud_offset;
    vec3 P = storm_swirl(m) * (WGS84_A / 1000.0) + u_cloud_offset;
    vec3 w = vec3(value_noise(base * 0.35 + 31.0), value_noise(base * 0.35 + 57.0),
                  value_noise(base * 0.35 + 83.0)) - 0.5;
    // Weather systems: four octaves over 4,000 to 500 km.
    float S = 0.0, amp = 1.0;
    vec3 s = (P + 1.2 * w) * 0.4;
    for (int k = 0; k < 4; ++k) {
        S += amp * (value_noise(s) - 0.5);
        amp *= 0.5;
        s = s * OCTAVE_LACUNARITY + OCTAVE_SHIFT;
    }
    S /= 0.94;
    float ridge = 1.0 - abs(2.0 * value_noise(P * 0.3 + 2.0 * w + 11.0) - 1.0);
    float r2 = ridge * ridge, r4 = r2 * r2;
    float front = 0.22 * r4 * r4;
    CloudWeather weather;
    weather.value = S + front + latitude_bias(lat);
    weather.regime = smoothstep(0.35, 0.65, value_noise(base * 0.8 + 41.0));
    weather.sheet = value_noise(base * 0.5 + 200.0);
    return weather;
}

// octahedral_coords / octahedral_direction: the octahedral map of the unit
// sphere onto the square [0, 1]^2 and back.  A unit vector m goes to
// p = (m_x, m_y) / (|m_x| + |m_y| + |m_z|), the upper half the central
// diamond; the lower half folds outward, p -> (1 - |p_y|, 1 - |p_x|) with
// p's signs; then st = p / 2 + 1/2.  Continuous over the sphere, no pole, no
// trigonometry; a texel covers 0.3 to 1.7 times the mean area (its side 0.6
// to 1.3 times the mean).
vec2 octahedral_coords(vec3 m) {
    vec2 p = m.xy / (abs(m.x) + abs(m.y) + abs(m.z));
    vec2 folded = (1.0 - abs(p.yx)) * vec2(p.x >= 0.0 ? 1.0 : -1.0, p.y >= 0.0 ? 1.0 : -1.0);
    return (m.z >= 0.0 ? p : folded) * 0.5 + 0.5;
}

vec3 octahedral_direction(vec2 st) {
    vec2 p = st * 2.0 - 1.0;
    vec3 m = vec3(p, 1.0 - abs(p.x) - abs(p.y));
    if (m.z < 0.0) {
        m.xy = (1.0 - abs(p.yx)) * vec2(p.x >= 0.0 ? 1.0 : -1.0, p.y >= 0.0 ? 1.0 : -1.0);
    }
    return normalize(m);
}

// The weather map: cloud_weather over the globe in the drifting frame, made
// once per seed by renderer/gl/cloud_cover.py (shaders/cloud_cover.glsl), an
// octahedral RGBA float texture of (value, regime, sheet).
uniform sampler2D u_cloud_weather_map;

// cloud_weather_map: cloud_weather at unit direction m (drifting frame) read
// bilinearly from the weather map at octahedral_coords(m).  The weather does
// not change in the drifting frame, so the map serves every frame; its texels
// (15 km on average, 9 to 19 km) are small against the weather's wavelengths (500 km and
// more): over the globe the value errs by a median 7e-5 and a 99th percentile
// 1.3e-3 against CLOUD_EDGE_MIN = 0.004.  Only within a few tens of km of a
// storm's eye, where storm_swirl winds the field tighter than a texel (a
// hundredth of a per cent of the globe), the map smooths the innermost turns.
CloudWeather cloud_weather_map(vec3 m) {
    vec4 w = textureLod(u_cloud_weather_map, octahedral_coords(m), 0.0);
    return CloudWeather(w.x, w.y, w.z);
}

// cloud_detail: the fields at unit direction m of the drifting frame for a
// pixel footprint of footprint_km, from the weather systems there (cloud_weather):
//   detail D = sum_k g^k c_k (v(d_k) - 1/2) / 2.2, g = mix(DECK_GAIN, CUMULUS_GAIN, c),
//       d_0 = (1000 / 300) diag(1, 1, STREET_STRETCH) B, octaves down to the
//       wavelength CLOUD_FINEST_KM (about 9), but only while the wavelength
//       300 km / 2.03^k exceeds twice the footprint (c_k, the last fading in)
//   value = weather value + D (1 + 0.6 c)
//   unresolved = (1 + 0.6 c) sqrt(sum over the octaves left out of
//       ((1 - c_k) g^k / 2.2)^2 / 12) (a value noise minus 1/2 has a variance
//       of about 1/12)
//   cirrus = CIRRUS_MAX_TAU smoothstep(0, 0.2, sheet - 0.8 + 0.6 fib)
//       with fib two octaves (~80 and ~40 km) stretched CIRRUS_STRETCH along
//       the polar axis
// all dimensionless.
CloudField cloud_detail(vec3 m, CloudWeather weather, float footprint_km) {
    vec3 base = m * (WGS84_A / 1000.0) + u_cloud_offset;
    float gain = mix(DECK_GAIN, CUMULUS_GAIN, weather.regime);
    // Detail: 300 km down to twice the footprint, the last octave fading in;
    // the octaves left out are counted in `unresolved`.
    float all_octaves = log2(DETAIL_KM / CLOUD_FINEST_KM) / log2(OCTAVE_LACUNARITY) + 1.0;
    float octaves = clamp(log2(DETAIL_KM / (2.0 * max(footprint_km, 0.05)))
                          / log2(OCTAVE_LACUNARITY) + 1.0, 0.0, all_octaves);
    vec3 d = base * vec3(1.0, 1.0, STREET_STRETCH) * (1000.0 / DETAIL_KM);
    float D = 0.0, var_dropped = 0.0;
    float amp = 1.0 / 2.2;
    int k = 0;
    for (; k < 10; ++k) {
        float on = clamp(octaves - float(k), 0.0, 1.0);
        if (on <= 0.0) break;
        D += on * amp * (value_noise(d) - 0.5);
        var_dropped += (1.0 - on) * (1.0 - on) * amp * amp / 12.0;
        amp *= gain;
        d = d * OCTAVE_LACUNARITY + OCTAVE_SHIFT;
    }
    // The octaves from k to the finest left out: a geometric series of variances.
    float g2 = gain * gain;
    float left = max(all_octaves - float(k), 0.0);
    var_dropped += amp * amp / 12.0 * (1.0 - pow(g2, left)) / (1.0 - g2);
    CloudField f;
    float boost = 1.0 + 0.6 * weather.regime;
    f.value = weather.value + D * boost;
    f.unresolved = sqrt(var_dropped) * boost;
    // Cirrus: fibres stretched along the jet, in their own regions.
    vec3 c = base * vec3(1.0, 1.0, CIRRUS_STRETCH) * 12.0 + 200.0;
    float fib = (value_noise(c) - 0.5) + 0.5 * (value_noise(c * 2.03 + OCTAVE_SHIFT) - 0.5);
    f.cirrus_tau = CIRRUS_MAX_TAU * smoothstep(0.0, 0.2, weather.sheet - 0.8 + 0.6 * fib);
    return f;
}

// cloud_structure: the whole field at unit direction m of the drifting frame
// for a pixel footprint of footprint_km: cloud_detail on cloud_weather there.
CloudField cloud_structure(vec3 m, float footprint_km) {
    return cloud_detail(m, cloud_weather(m), footprint_km);
}

// cloud_field: the pre-threshold cloudiness at unit direction n (ITRS), for a
// pixel footprint of footprint_km: cloud_structure's value in the drifting
// frame m = F n (F = u_cloud_frame).  Dimensionless.
float cloud_field(vec3 n, float footprint_km) {
    return cloud_structure(u_cloud_frame * n, footprint_km).value;
}

// cloud_density_of: 0 (clear) to 1 (the thickest cloud) for a field f =
// value - threshold that the pixel resolves down to a spread sigma
// (`unresolved`).  The edge is a step blurred by what the pixel cannot see,
// half-width e = max(CLOUD_EDGE_MIN, 1.5 sigma), and the cloud thickens inward:
//   density = smoothstep(-e, e, f) (0.12 + 0.18 smoothstep(0, 0.03, f)
//                                   + 0.7 smoothstep(0, 0.25, f)):
// at the very edge an optical depth of ~0.9 (albedo ~0.06: the ground shows
// through), ~5 within a few per cent of the field's range inward (albedo ~0.3:
// the edge is still crisp, but a thin, semi-transparent rim, not a cut-out),
// then thickening over the field's detail.
float cloud_density_of(float f, float sigma) {
    float e = max(CLOUD_EDGE_MIN, 1.5 * sigma);
    return smoothstep(-e, e, f)
         * (0.12 + 0.18 * smoothstep(0.0, 0.03, f) + 0.7 * smoothstep(0.0, 0.25, f));
}

// cloud_tau: optical depth of the layer for a density (dimensionless):
// tau = CLOUD_MAX_TAU density^2.
float cloud_tau(float density) { return CLOUD_MAX_TAU * density * density; }

// The texture of a cloud's top: wavelengths (km) and weights of three octaves
// of billows (cells of convection and their lumps), the relief (km) of the top
// at full height, and the mean of a billow octave 1 - |2 v - 1| (v value
// noise; measured on the noise: 0.670).
const vec3 CLOUD_TOP_KM = vec3(7.0, 2.6, 0.9);
const vec3 CLOUD_TOP_WEIGHT = vec3(0.55, 0.33, 0.12);
const float CLOUD_TOP_RELIEF_KM = 0.3;
const float BILLOW_MEAN = 0.670;
const float CLOUD_TOP_REGIME_KM = 40.0;  // how far the top's lumpiness varies

// CloudTop: the top's relief at a point (cloud_top) and its gradient.
struct CloudTop {
    float h;      // relief, dimensionless, of mean 0
    vec3 grad;    // its gradient for the normal, per km (drifting frame), low-passed
};

// How much of an octave's slope the normal keeps when the pixel spans dk km
// of a billow octave of lattice spacing L (r = dk / L): exp(-r (1.55 + 0.9 r)),
// the root-mean-square ratio of the central difference over +-dk to the true
// slope, measured on the noise (0.86 at r = 0.1, 0.56 at 0.3, 0.37 at 0.5):
// the slope the pixel sees is the mean over its footprint, so the octaves it
// cannot resolve lose their relief and do not alias.
float billow_slope_kept(float r) { return exp(-r * (1.55 + 0.9 * r)); }

// cloud_top: the top's relief at point x (km, drifting frame) and its slope.
// Relief, dimensionless and of mean 0: h = g sum_k w_k c_k (1 - |2 v(x / L_k +
// s_k) - 1| - BILLOW_MEAN), g = 0.3 + 1.4 v(x / CLOUD_TOP_REGIME_KM) (v
// independent of the octaves, so the mean stays 0), with c_k = 1 -
// smoothstep(L_k / 4, L_k / 2, footprint_km) fading each octave to its mean
// where the pixel cannot resolve it.  Billows are rounded on top and creased
// between: the cells and lumps of a stratocumulus or cumulus top.  The slope
// is the analytic gradient from the same noises (value_noise_grad; a billow
// 1 - |2 v - 1| has gradient -2 sign(2 v - 1) grad v, over L_k km), each
// octave's term times billow_slope_kept(max(footprint_km, 0.15 km) / L_k):
//   grad h = g sum_k w_k c_k a_k grad b_k + h_0 grad g,
// h_0 the sum before g.  Per km.
CloudTop cloud_top(vec3 x, float footprint_km) {
    CloudTop top = CloudTop(0.0, vec3(0.0));
    if (footprint_km >= 0.5 * CLOUD_TOP_KM[0]) return top;  // no octave resolved
    // How lumpy the top is varies over tens of km (calm decks, active cells).
    vec4 regime = value_noise_grad(x / CLOUD_TOP_REGIME_KM + 71.0);
    float lumpy = 0.3 + 1.4 * regime.x;
    float dk = max(footprint_km, 0.15);
    float h = 0.0;
    vec3 grad = vec3(0.0);
    for (int k = 0; k < 3; ++k) {
        float on = 1.0 - smoothstep(0.25 * CLOUD_TOP_KM[k], 0.5 * CLOUD_TOP_KM[k], footprint_km);
        vec4 v = value_noise_grad(x / CLOUD_TOP_KM[k] + OCTAVE_SHIFT * float(k + 3));
        float w = CLOUD_TOP_WEIGHT[k] * on;
        h += w * (1.0 - abs(2.0 * v.x - 1.0) - BILLOW_MEAN);
        grad += w * billow_slope_kept(dk / CLOUD_TOP_KM[k]) * -2.0 * sign(2.0 * v.x - 1.0)
              * v.yzw / CLOUD_TOP_KM[k];
    }
    top.h = h * lumpy;
    top.grad = grad * lumpy + h * 1.4 * regime.yzw / CLOUD_TOP_REGIME_KM;
    return top;
}

// cloud_top_point: the point (km, drifting frame) under unit direction n
// (ITRS) on a sphere of the equatorial radius, where the top's texture lives.
vec3 cloud_top_point(vec3 n) { return (u_cloud_frame * n) * WGS84_A + u_cloud_offset * 1000.0; }

// cloud_top_normal: the unit normal of the textured top at unit direction n
// (ITRS, also the smooth top's normal) from its relief `top` (cloud_top at
// cloud_top_point(n)):
//   n' = normalize(n - Z (G - n (n . G))),  G = F^T grad h (ITRS, per km),
// the slope in the tangent plane, Z = CLOUD_TOP_RELIEF_KM times `relief`
// (0..1, how developed the top is).
vec3 cloud_top_normal(vec3 n, CloudTop top, float relief) {
    vec3 g = top.grad * u_cloud_frame;  // F^T grad: back to ITRS
    return normalize(n - CLOUD_TOP_RELIEF_KM * relief * (g - n * dot(n, g)));
}

// cloud_top_relief: how much brighter (or darker) the textured top is under a
// light from unit direction l than the smooth top: the ratio of the lit
// cosines, max(n' . l, 0) / max(n . l, 0.05), taken in full once the light is
// 6 deg above the top's horizon and faded to 1 below that (the sky's light,
// not the beam, then lights the top).  Dimensionless.
float cloud_top_relief(vec3 n, vec3 n_top, vec3 l) {
    float mu = dot(n, l);
    float ratio = max(dot(n_top, l), 0.0) / max(mu, 0.05);
    return mix(1.0, ratio, smoothstep(0.0, 0.1, mu));
}

// cloud_top_development: how developed (0..1) the textured top of a cloud of
// optical depth tau is: none on thin cloud and cirrus, full on a thick deck,
//   smoothstep(3, 25, tau).
float cloud_top_development(float tau) { return smoothstep(3.0, 25.0, tau); }

// cloud_optical_depth: the layer's optical depth from its field f
// (cloud_detail) and the top's relief h (cloud_top): the low cloud's
// cloud_tau(cloud_density_of(value - threshold, unresolved)), lumpy with the
// top's texture where it is thick (times max(1 + 1.5 h cloud_top_development,
// 0.3), of mean about 1), plus the cirrus.
float cloud_optical_depth(CloudField f, float h) {
    float tau = cloud_tau(cloud_density_of(f.value - u_cloud_threshold, f.unresolved));
    tau *= max(1.0 + 1.5 * cloud_top_development(tau) * h, 0.3);
    return tau + f.cirrus_tau;
}

// cloud_albedo: reflectance of a conservative-scattering layer of optical
// depth tau by the two-stream approximation, (1 - g) tau / (2 + (1 - g) tau);
// what is not reflected is transmitted (diffusely).
float cloud_albedo(float tau) {
    float x = (1.0 - CLOUD_G) * tau;
    return x / (2.0 + x);
}
