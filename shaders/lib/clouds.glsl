// clouds.glsl: a procedural cloud layer, deterministic from a seed.  Include
// after common.glsl.
//
// The layer is a thin shell at u_cloud_radius (sphere space of
// atmosphere.glsl).  Its optical depth at a point is a function of the unit
// direction n from the Earth's centre (ITRS), built from value noise:
//
//   1. climatology: a bias by latitude -- the tropical convergence band a
//      few degrees north of the equator, clear subtropics near +-22 deg,
//      stormy mid-latitudes, thinner polar caps;
//   2. storms: space is cut into cells ~2,000 km wide, each with one
//      candidate cyclone; inside its radius the noise domain is turned
//      about the storm's axis by an angle that grows toward the eye, so the
//      cloud bands wind into spirals (counter-clockwise in the north,
//      clockwise in the south, as cyclones turn); mid-latitude storms are
//      common, tropical ones rare;
//   3. fractal value noise over ~3,000 to a few km, the finest octaves
//      dropped where a pixel covers them (no shimmer at the limb);
//   4. a threshold from `coverage`, computed once by renderer/physics/clouds.py so
//      that the cloudy fraction of the globe's area is `coverage`.
//
// Drift: the field turns rigidly eastward about the polar axis (u_cloud_frame,
// from a float64 angle on the CPU), a mean zonal wind of DRIFT_SPEED * drift.
//
// Units: densities and thresholds are dimensionless; optical depths too.

uniform float u_cloud_radius;      // km, sphere space
uniform float u_cloud_threshold;   // field value at which a cloud begins
uniform vec3 u_cloud_offset;       // seed-dependent shift of the noise domain
uniform mat3 u_cloud_frame;        // ITRS -> the drifting frame of the field

// Optical depth of the thickest clouds (a cumulonimbus or a frontal deck
// reaches 50 to 100; stratocumulus 5 to 20).
const float CLOUD_MAX_TAU = 60.0;
// Asymmetry of cloud droplets' scattering, for the two-stream albedo below.
const float CLOUD_G = 0.85;

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

// fbm: fractal sum of value noise, zero-mean, about [-0.5, 0.5]; octave k
// has frequency 2.03^k and weight 0.55^k; `octaves` may be fractional (the
// last octave fades in):
//   fbm = 1.6 sum_k c_k a_k (v(q_k) - 1/2) / sum_k a_k,
//   a_k = 0.55^k / 2,  c_k = clamp(octaves - k, 0, 1),  q_{k+1} = 2.03 q_k + (17.1, 3.7, 9.2),
// the sums over the octaves with c_k > 0.  Dimensionless.
float fbm(vec3 q, float octaves) {
    float sum = 0.0, amp = 0.5, norm = 0.0;
    for (int k = 0; k < 12; ++k) {
        float w = clamp(octaves - float(k), 0.0, 1.0);
        if (w <= 0.0) break;
        sum += w * amp * (value_noise(q) - 0.5);
        norm += amp;
        amp *= 0.55;
        q = q * 2.03 + vec3(17.1, 3.7, 9.2);
    }
    return sum / max(norm, 1e-6) * 1.6;
}

// latitude_bias: climatological cloudiness by latitude (radians), added to
// the noise: ITCZ near 6 N, dry subtropics, storm tracks near 50-60 deg.
// With d the latitude in degrees and G(m, w) = exp(-((d - m) / w)^2):
//   0.22 G(6, 7) - 0.20 (G(22, 8) + G(-24, 8)) + 0.08 (G(52, 12) + G(-55, 10))
//   - 0.06 smoothstep(70, 85, |d|)
// in the field's units (dimensionless).
float latitude_bias(float lat) {
    float d = degrees(lat);
    float itcz = 0.22 * exp(-pow((d - 6.0) / 7.0, 2.0));
    float subtropics = -0.20 * (exp(-pow((d - 22.0) / 8.0, 2.0)) + exp(-pow((d + 24.0) / 8.0, 2.0)));
    float storm_tracks = 0.08 * (exp(-pow((d - 52.0) / 12.0, 2.0))
                               + exp(-pow((d + 55.0) / 10.0, 2.0)));
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
// turned by 4.5 (1 - e / R_s)^2 rad, counter-clockwise in the north and
// clockwise in the south.  Returns a unit vector.
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
    if (noise_hash(c + ivec3(5, 7, 9)) > likely) return n;
    float radius = 0.38 * STORM_CELL;
    float d = length(n - axis);
    if (d >= radius) return n;
    float x = 1.0 - d / radius;
    float turn = 4.5 * x * x * (lat > 0.0 ? 1.0 : -1.0);
    return rotate_about(n, axis, turn);
}

// cloud_field: the pre-threshold cloudiness at unit direction n (ITRS), for a
// pixel footprint of footprint_km; larger means cloudier (dimensionless).
// In the drifting frame m = F n (F = u_cloud_frame), with w = storm_swirl(m)
// and q = 4 w + u_cloud_offset:
//   field = fbm(q + 1.6 warp(q), N) + latitude_bias(lat(m)),
//   N = clamp(log_2.03(a / (8 max(footprint_km, 0.05))), 1, 11),
// warp a vector of three coarse value noises (each minus 1/2) and a the
// equatorial radius (km).
float cloud_field(vec3 n, float footprint_km) {
    vec3 m = u_cloud_frame * n;
    float lat = asin(clamp(m.z, -1.0, 1.0));
    vec3 w = storm_swirl(m);
    // Octave k has wavelength ~ WGS84_A / (4 * 2.03^k) km: stop where it
    // falls below two footprints.
    float octaves = clamp(log2(WGS84_A / (4.0 * 2.0 * max(footprint_km, 0.05))) / log2(2.03),
                          1.0, 11.0);
    vec3 q = w * 4.0 + u_cloud_offset;
    // A coarse warp makes fronts long and bent rather than blobby.
    vec3 warp = vec3(value_noise(q * 0.6 + 31.0), value_noise(q * 0.6 + 57.0),
                     value_noise(q * 0.6 + 83.0)) - 0.5;
    return fbm(q + 1.6 * warp, octaves) + latitude_bias(lat);
}

// cloud_density: 0 (clear) to 1 (the thickest cloud) at unit direction n.
// A cloud's edge is sharp (the field rises through 0.04 of a unit) but its
// thickness keeps growing well inside it, so a deck is not a flat sheet:
//   f = field - threshold,
//   density = smoothstep(0, 0.04, f) (0.35 + 0.65 smoothstep(0, 0.6, f)).
float cloud_density(vec3 n, float footprint_km) {
    float f = cloud_field(n, footprint_km) - u_cloud_threshold;
    return smoothstep(0.0, 0.04, f) * (0.35 + 0.65 * smoothstep(0.0, 0.6, f));
}

// cloud_tau: optical depth of the layer for a density (dimensionless):
// tau = CLOUD_MAX_TAU density^2.
float cloud_tau(float density) { return CLOUD_MAX_TAU * density * density; }

// cloud_albedo: reflectance of a conservative-scattering layer of optical
// depth tau by the two-stream approximation, (1 - g) tau / (2 + (1 - g) tau);
// what is not reflected is transmitted (diffusely).
float cloud_albedo(float tau) {
    float x = (1.0 - CLOUD_G) * tau;
    return x / (2.0 + x);
}
