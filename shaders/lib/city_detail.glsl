// city_detail.glsl: the structure of city lights below the lights map's texel.
// Include after common.glsl and clouds.glsl (value_noise).
//
// The map (renderer/physics/night_lights.py) has texels of about 4.9 km; from
// 400 km a 40 deg field puts 0.3 km in a pixel, and a photograph there shows a
// city as lit streets, bright arterial roads, lit and dark districts and parks,
// not as a blurred patch.  city_detail is a factor of mean 1 that redistributes
// each texel's light over that structure; the map's radiance times the factor
// keeps the light of every texel (exactly for the lit patches, which are drawn
// per texel; within a few per cent for the roads and streets, which are much
// finer than a texel) and puts it where the streets are.
//
// The pattern, on the ground in km (a conformal Mercator plane, so angles and
// shapes are true and only the lattice's scale follows cos(latitude)):
//   districts  a jittered lattice of CITY_DISTRICT_KM (at the equator, times
//              cos(lat)) cut into Voronoi cells; each district has its own
//              street grid (orientation, block size, phase);
//   arterials  main roads: a bent grid of lines ARTERIAL_WIDTH_KM wide per zone
//              of ARTERIAL_ZONE_KM: long roads with no centre,
//              so no radial spokes;
//   streets    two perpendicular families of lines STREET_WIDTH_KM wide;
//   patches    each map texel cut into PATCHES_PER_TEXEL^2 patches (their
//              edges bent inside the texel), lit or dark: a share that grows
//              with the map's level is lit (dense cores, speckled suburbs),
//              exactly that share of every texel, which ones by chance (dark
//              parks and yards among lit districts); streets shine only in
//              lit patches.
// Each part is normalised to mean 1 and they are mixed with weights that
// depend on the level: arterials and sparse lit patches carry a dim fringe,
// the street web and dense patches a bright core.
//
// Anti-aliasing: every part is filtered analytically over the pixel's
// footprint F (km): lines by the exact box filter of a periodic pulse train
// (the difference of its antiderivative across the footprint), arterials by
// the overlap of a line with the footprint, patches by the box filter of their
// edges; a part whose scale is below the footprint fades to its mean.  So a
// wide view sees the map's mean, with no shimmer and no change of brightness.
//
// Units: lengths in km; the level and the factor are dimensionless.

const float CITY_DISTRICT_KM = 3.5;     // lattice of the districts at the equator
const float CITY_DISTRICT_JITTER = 0.8; // how far a district's site strays in its cell
const float ARTERIAL_ZONE_KM = 14.0;    // lattice of the zones of one arterial grid
const float ARTERIAL_MIN_KM = 2.2;      // arterial spacing: from this ...
const float ARTERIAL_MAX_KM = 3.6;      // ... to this, per zone
const float ARTERIAL_WIDTH_KM = 0.1;    // lit width of a main road
const float ARTERIAL_WARP_KM = 0.9;     // how far a main road strays from a straight line
const float ARTERIAL_WARP_SCALE_KM = 7.0;  // over what length it bends
const float STREET_WIDTH_KM = 0.035;    // lit width of a street
const float BLOCK_MIN_KM = 0.22;        // street spacing: from this ...
const float BLOCK_MAX_KM = 0.55;        // ... to this, per district
const int PATCHES_PER_TEXEL = 6;        // patches along each side of a map texel
const float PATCH_BEND = 0.05;          // how far patch edges bend, in texels
// Map level (texture value, radiance / LIGHTS_MAX_NW) of a city's dense core.
const float CITY_CORE_LEVEL = 0.3;
// Beyond this footprint (km) no part of the structure is resolved.
const float CITY_DETAIL_MAX_FOOTPRINT_KM = 2.5;

// pulse_train_mean: the mean over [x - F/2, x + F/2] of a train of pulses of
// width w every s (value 1 on [k s, k s + w), 0 between), all in km: with the
// antiderivative I(x) = w floor(x / s) + min(x - s floor(x / s), w),
//   (I(x + F/2) - I(x - F/2)) / F,
// exact for any F: a pulse the footprint straddles counts by its share, and
// a footprint of many periods sees w / s.
float pulse_integral(float x, float s, float w) {
    float k = floor(x / s);
    return w * k + min(x - s * k, w);
}

float pulse_train_mean(float x, float s, float w, float f) {
    return (pulse_integral(x + 0.5 * f, s, w) - pulse_integral(x - 0.5 * f, s, w)) / f;
}

// line_overlap: the share of a footprint of width F (km) centred at distance
// d >= 0 from the middle of a line of width w that the line covers:
// (min(d + F/2, w/2) - max(d - F/2, -w/2))^+ / F.
float line_overlap(float d, float w, float f) {
    return max(min(d + 0.5 * f, 0.5 * w) - max(d - 0.5 * f, -0.5 * w), 0.0) / f;
}

// permute64: a bijection of 0..63 chosen by `key`: an xor, a multiplication
// by an odd number, an xorshift and an odd affine map, each a bijection
// modulo 64.
uint permute64(uint x, uint key) {
    x = ((x ^ key) * ((key >> 6) | 1u)) & 63u;
    x ^= x >> 3;
    return (x * ((key >> 12) | 1u) + (key >> 18)) & 63u;
}

// patch_rank: the place of patch c (0..N-1, N = PATCHES_PER_TEXEL^2 <= 64) in
// a random order of its texel's patches (key: a hash of the texel), by
// cycle-walking permute64 until it lands below N: a permutation of 0..N-1.
float patch_rank(uint c, uint key) {
    uint n = uint(PATCHES_PER_TEXEL * PATCHES_PER_TEXEL);
    uint y = permute64(c, key);
    for (int i = 0; i < 64 && y >= n; ++i) y = permute64(y, key);
    return float(y);
}

// patch_value: the light of patch k (integer patch coordinates over the whole
// map: texel floor(k / PATCHES_PER_TEXEL)) over the mean, for a lit share p,
// at a point of the patch plane u (patch units; the patch spans k .. k + 1):
// with n = N p, the patches of rank r < floor(n) shine 1 / p, the next
// (n - floor(n)) / p, the rest nothing, so every texel's patches average
// exactly 1.  Within a lit patch the light gathers, the more so the sparser
// the lit patches (weight 1 - p), into a settlement: a bump (1 - d^2/r^2)^2
// of radius r (0.22 .. 0.45 patch) about a random centre at least r from the
// patch's edges, whose integral is pi r^2 / 3, so it is divided by that and
// the patch keeps its light.  As the footprint (f_patch, patch units) grows
// from 0.75 r to 2 r the bump fades to the flat patch.  Returns (flat, gathered),
// both of mean 1.
vec2 patch_value(ivec2 k, float p, vec2 u, float f_patch) {
    ivec2 texel = ivec2(floor(vec2(k) / float(PATCHES_PER_TEXEL)));
    ivec2 sub = k - texel * PATCHES_PER_TEXEL;
    uint key = hash_u32(uint(texel.x) * 73856093u ^ uint(texel.y) * 19349663u);
    uint c = uint(sub.x + PATCHES_PER_TEXEL * sub.y);
    float rank = patch_rank(c, key);
    float n = float(PATCHES_PER_TEXEL * PATCHES_PER_TEXEL) * p;
    float lit = clamp(n - rank, 0.0, 1.0) / p;
    float r = mix(0.22, 0.45, rand01(uvec3(c, key, 1u)));
    vec2 centre = vec2(k) + r + (1.0 - 2.0 * r) * vec2(rand01(uvec3(c, key, 2u)),
                                                        rand01(uvec3(c, key, 3u)));
    float d2 = dot(u - centre, u - centre) / (r * r);
    float bump = d2 < 1.0 ? (1.0 - d2) * (1.0 - d2) / (PI * r * r / 3.0) : 0.0;
    float gather = (1.0 - p) * (1.0 - smoothstep(0.75 * r, 2.0 * r, f_patch));
    return lit * vec2(1.0, mix(1.0, bump, gather));
}

// patch_coordinates: map coordinates T (texels) bent inside each texel,
// T' = floor(T) + s + PATCH_BEND sin(pi s_x) sin(pi s_y) (v - 1/2) with s =
// fract(T) and v two value noises of T: the bend vanishes on the texel's
// edges, so each texel maps onto itself and keeps its patches (and its
// light), while their edges are no longer straight.
vec2 patch_coordinates(vec2 t) {
    vec2 s = fract(t);
    vec3 q = vec3(t * 1.7, 5.0);
    vec2 v = vec2(value_noise(q), value_noise(q + 19.0)) - 0.5;
    return floor(t) + s + PATCH_BEND * sin(PI * s.x) * sin(PI * s.y) * v;
}

// voronoi_site: the nearest site to g (lattice units) of a lattice of unit
// cells, each holding one site jittered by CITY_DISTRICT_JITTER about its
// centre (a hash of the cell and `salt`): returns the site, its cell in .zw.
vec4 voronoi_site(vec2 g, uint salt) {
    vec2 base = floor(g);
    float best = 1e9;
    vec4 site = vec4(0.0);
    for (int j = -1; j <= 1; ++j) {
        for (int i = -1; i <= 1; ++i) {
            vec2 c = base + vec2(i, j);
            uvec2 uc = uvec2(ivec2(c));
            vec2 jitter = vec2(rand01(uvec3(uc, salt)), rand01(uvec3(uc, salt + 1u))) - 0.5;
            vec2 s = c + 0.5 + CITY_DISTRICT_JITTER * jitter;
            float d = dot(g - s, g - s);
            if (d < best) { best = d; site = vec4(s, c); }
        }
    }
    return site;
}

// turn: the vector v turned by angle a (radians), counter-clockwise.
vec2 turn(vec2 v, float a) {
    float c = cos(a), s = sin(a);
    return vec2(c * v.x - s * v.y, s * v.x + c * v.y);
}

// grid_lines: the mean over the footprint f (km) of two perpendicular
// families of lines of width w every s km, at local coordinates q (km),
// over their mean 2 w / s: mean 1, exact for any footprint (pulse_train_mean).
float grid_lines(vec2 q, float s, float w, float f) {
    return (pulse_train_mean(q.x, s, w, f) + pulse_train_mean(q.y, s, w, f)) / (2.0 * w / s);
}

// city_detail: the factor (mean 1, dimensionless) at longitude/latitude
// `lonlat` (radians) for a pixel footprint of footprint_km on the ground and
// the map's level there (texture value, radiance / LIGHTS_MAX_NW).  With
// lambda = clamp(level / CITY_CORE_LEVEL, 0, 1) and the ground in km of a
// conformal Mercator plane (scale cos(lat)):
//   arterials A: zones of ARTERIAL_ZONE_KM (Voronoi), each with its own grid
//       of main roads (angle, spacing ARTERIAL_MIN_KM..MAX), bent by a smooth
//       displacement (value noise, ARTERIAL_WARP_KM over
//       ARTERIAL_WARP_SCALE_KM), as grid_lines (mean 1);
//   streets S: districts of CITY_DISTRICT_KM (Voronoi), each with its own
//       street grid (angle, spacing BLOCK_MIN_KM..MAX), grid_lines (mean 1);
//   patches P: PATCHES_PER_TEXEL^2 per texel of the map (map_size texels,
//       longitude from -180 deg, rows from the north), bent inside each texel
//       (patch_coordinates), a share p = 0.05 + 0.85 lambda of them lit
//       (patch_value, mean 1 over every texel), box-filtered over their edges;
//   factor = w_a A + w_s S P + (1 - w_a - w_s) P,
//       w_a = mix(0.14, 0.08, lambda), w_s = mix(0.15, 0.6, lambda):
// light along the main roads, along the streets of lit patches and from the
// patches themselves; S and P are independent, so S P has mean 1 too.  A
// part whose scale the footprint exceeds fades to 1.
float city_detail(vec2 lonlat, float footprint_km, float level, vec2 map_size) {
    if (level <= 0.0 || footprint_km >= CITY_DETAIL_MAX_FOOTPRINT_KM) return 1.0;
    float f = max(footprint_km, 0.005);
    float coslat = cos(lonlat.y);
    // Mercator plane, km at the equator: conformal, ground km = plane km * cos(lat).
    vec2 merc = vec2(lonlat.x, log(tan(0.25 * PI + 0.5 * lonlat.y))) * WGS84_A;
    float lambda = clamp(level / CITY_CORE_LEVEL, 0.0, 1.0);

    // Arterials, in km from their zone's site.
    vec4 zone = voronoi_site(merc / ARTERIAL_ZONE_KM, 11u);
    uint zone_id = hash_u32(uint(int(zone.z)) * 73856093u ^ uint(int(zone.w)) * 19349663u);
    vec2 z = (merc / ARTERIAL_ZONE_KM - zone.xy) * ARTERIAL_ZONE_KM * coslat;
    vec3 wq = vec3(z / ARTERIAL_WARP_SCALE_KM, float(zone_id & 1023u));
    z += ARTERIAL_WARP_KM * 2.0 * (vec2(value_noise(wq), value_noise(wq + 37.0)) - 0.5);
    z = turn(z, 2.0 * PI * rand01(uvec3(zone_id, 3u, 0u)));
    float a_space = mix(ARTERIAL_MIN_KM, ARTERIAL_MAX_KM, rand01(uvec3(zone_id, 4u, 0u)));
    float arterial = grid_lines(z, a_space, ARTERIAL_WIDTH_KM, f);

    // The district's street grid, in km from its site, turned by its angle.
    vec4 site = voronoi_site(merc / CITY_DISTRICT_KM, 1u);
    uint district = hash_u32(uint(int(site.z)) * 73856093u ^ uint(int(site.w)) * 19349663u);
    float spacing = mix(BLOCK_MIN_KM, BLOCK_MAX_KM, rand01(uvec3(district, 4u, 0u)));
    vec2 q = (merc / CITY_DISTRICT_KM - site.xy) * CITY_DISTRICT_KM * coslat;
    q = turn(q, 2.0 * PI * rand01(uvec3(district, 3u, 0u)));
    q += spacing * vec2(rand01(uvec3(district, 5u, 0u)), rand01(uvec3(district, 6u, 0u)));
    float streets = grid_lines(q, spacing, STREET_WIDTH_KM, f);

    // Patches: the four nearest, each weighted by its share of the footprint
    // (a box filter of their edges while the footprint is under a patch).
    float p = 0.05 + 0.85 * lambda;
    vec2 t = vec2(lonlat.x / (2.0 * PI) + 0.5, 0.5 - lonlat.y / PI) * map_size;
    vec2 patch_km = vec2(2.0 * PI * coslat, PI) * WGS84_A / (map_size * float(PATCHES_PER_TEXEL));
    vec2 u = patch_coordinates(t) * float(PATCHES_PER_TEXEL) - 0.5;
    vec2 k0 = floor(u);
    vec2 w1 = clamp((u - k0 - 0.5) * patch_km / f + 0.5, 0.0, 1.0);
    ivec2 k = ivec2(k0);
    vec2 up = u + 0.5;
    float fp = f / min(patch_km.x, patch_km.y);
    vec2 b00 = patch_value(k, p, up, fp), b10 = patch_value(k + ivec2(1, 0), p, up, fp);
    vec2 b01 = patch_value(k + ivec2(0, 1), p, up, fp);
    vec2 b11 = patch_value(k + ivec2(1, 1), p, up, fp);
    vec2 patches = mix(mix(b00, b10, w1.x), mix(b01, b11, w1.x), w1.y);
    float patch_min = min(patch_km.x, patch_km.y);
    patches = mix(patches, vec2(1.0), smoothstep(0.5 * patch_min, 1.5 * patch_min, f));

    float w_art = mix(0.14, 0.08, lambda), w_st = mix(0.15, 0.6, lambda);
    return w_art * arterial + w_st * streets * patches.x + (1.0 - w_art - w_st) * patches.y;
}
