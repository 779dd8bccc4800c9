// city_detail.glsl: the structure of city lights below the lights map's texel.
// Include after common.glsl and clouds.glsl (value_noise).
//
// The map (renderer/physics/night_lights.py) has texels of about 4.9 km; from
// 400 km a 40 deg field puts 0.3 km in a pixel, and a photograph there shows a
// city as a continuous core with lit streets, bright main roads with towns
// strung along them, clusters of small towns in the suburbs, and dark gaps,
// not as a blurred patch.  city_detail is a factor of mean 1 that redistributes
// each texel's light over that structure; the map's radiance times the factor
// keeps the light of every texel (exactly for the lit blobs, which are drawn
// per texel; within a few per cent for the roads, towns and streets, which are
// continuous across texels) and puts it where the streets are.
//
// The pattern, on the ground in km (a conformal Mercator plane, so angles and
// shapes are true and only the lattices' scale follows cos(latitude)):
//   main roads  the edges of a Voronoi network of cells of ARTERIAL_CELL_KM
//               (at the equator, times cos(lat)), bent by a smooth warp: one
//               network over the whole globe, so roads run on across texels
//               and meet at junctions, with no centre (no radial spokes);
//   towns       patches of light TOWN_HALF_WIDTH_KM either side of the main
//               roads where a noise of scale TOWN_SCALE_KM says so: villages
//               and towns strung along the roads;
//   districts   a jittered lattice of CITY_DISTRICT_KM cut into Voronoi cells,
//               each with its own street grid (orientation, block size, phase);
//   lit blobs   each map texel cut into PATCHES_PER_TEXEL^2 patches, a share
//               of them lit that grows with the map's level, exactly that
//               share of every texel, which ones by chance; each lit patch's
//               light is a round, soft-edged blob of random radius (many small,
//               few large, the large ones reaching into their neighbours), so
//               lit places are settlements and clusters in the suburbs and
//               merge into a continuous core where nearly all patches are lit.
// Each part is normalised to mean 1 and they are mixed with weights that
// depend on the level: in the fringe most light lies on the main roads and
// their towns, in a core on the lit blobs with the streets' texture.
//
// Anti-aliasing: every part is filtered over the pixel's footprint F (km),
// which the caller passes (no screen derivatives here): streets by the exact
// box filter of a periodic pulse train, main roads by the overlap of a line
// with the footprint, towns and blobs by soft edges at least F wide (with
// their integrals kept); a part whose scale is below the footprint fades to
// its mean.  So a wide view sees the map's mean, with no shimmer and no change
// of brightness.
//
// Units: lengths in km unless said; the level and the factor are dimensionless.

const float CITY_DISTRICT_KM = 3.5;     // lattice of the districts at the equator
const float CITY_DISTRICT_JITTER = 0.8; // how far a site strays in its cell
const float ARTERIAL_CELL_KM = 5.5;     // lattice of the main-road cells at the equator
const float ARTERIAL_WIDTH_KM = 0.1;    // lit width of a main road
const float ARTERIAL_WARP = 0.35;       // how far the cells' edges bend, in cells
const float ARTERIAL_WARP_SCALE = 2.5;  // over how many cells they bend
// Edge length per unit area of the warped jittered Voronoi network, in units
// of the cell (a square lattice's is 2); measured over 800 cells.
const float ARTERIAL_EDGE_DENSITY = 1.96;
const float STREET_WIDTH_KM = 0.035;    // lit width of a street
const float BLOCK_MIN_KM = 0.22;        // street spacing: from this ...
const float BLOCK_MAX_KM = 0.55;        // ... to this, per district
const int PATCHES_PER_TEXEL = 4;        // patches along each side of a map texel
const float BLOB_MIN = 0.4;             // radius of a lit blob, patch units: from this ...
const float BLOB_MAX = 1.0;             // ... to this
const float BLOB_OFFSET = 1.0;          // how far a blob strays from its patch's middle
const float BLOB_STRAY = 1.0;           // how far a blob's centre may leave its patch
const float BLOB_ELONGATION = 1.6;      // how far a blob on a road stretches along it
const int BLOB_REACH = 2;               // patches about the pixel that may light it
const float PARK_SHARE = 0.35;          // share of a core's patches that hold a park
const float PARK_RADIUS_MIN = 0.25;     // a park's radius, patch units: from this ...
const float PARK_RADIUS_MAX = 0.44;     // ... to this (under 1/2)
const float BLOB_SOFT_MIN = 0.12;       // least width of a blob's or park's soft edge, patch units
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

// patch_rank: the place of patch `sub` (0..PATCHES_PER_TEXEL-1 in each axis)
// in its texel's order of lighting (key: a hash of the texel): the patches
// are ranked by a score, the squared distance (patches^2) of their centre
// from the texel's town centre (`centre`, patches from the texel's corner) plus `scatter`
// times a random number of the patch, ties broken by the patch's index.  So
// the first patches lit gather into a town about the centre, loosely for a
// large scatter; the ranks are a permutation of 0..N-1 (N the patch count),
// whatever the scores, so exactly the lit share of the texel is lit.
float patch_score(vec2 sub, uint key, vec2 centre, float scatter) {
    uint c = uint(sub.x) + uint(PATCHES_PER_TEXEL) * uint(sub.y);
    float jitter = float(hash_u32(c * 0x9e3779b9u ^ key) >> 8) * (1.0 / 16777216.0);
    vec2 d = sub + 0.5 - centre;
    return dot(d, d) + scatter * jitter;
}

float patch_rank(vec2 sub, uint key, vec2 centre, float scatter) {
    float mine = patch_score(sub, key, centre, scatter);
    float index = sub.x + float(PATCHES_PER_TEXEL) * sub.y;
    float rank = 0.0;
    for (int j = 0; j < PATCHES_PER_TEXEL; ++j) {
        for (int i = 0; i < PATCHES_PER_TEXEL; ++i) {
            float other = patch_score(vec2(i, j), key, centre, scatter);
            float other_index = float(i + PATCHES_PER_TEXEL * j);
            if (other < mine || (other == mine && other_index < index)) rank += 1.0;
        }
    }
    return rank;
}

// cell_hash: a hash of integer lattice cell c and a salt.
uint cell_hash(vec2 c, uint salt) {
    ivec2 i = ivec2(c);
    return hash_u32(uint(i.x) * 73856093u ^ uint(i.y) * 19349663u ^ salt * 83492791u);
}

// cell_site: the site of lattice cell c (unit cells, lattice units), its
// centre moved by up to CITY_DISTRICT_JITTER / 2 in each axis: the two halves
// of one hash give the two offsets.
vec2 cell_site(vec2 c, uint salt) {
    uint h = cell_hash(c, salt);
    vec2 j = vec2(float(h & 65535u), float(h >> 16)) * (1.0 / 65536.0) - 0.5;
    return c + 0.5 + CITY_DISTRICT_JITTER * j;
}

// voronoi_site: the nearest site to g (lattice units) of the jittered
// lattice (cell_site): returns the site, its cell in .zw.
vec4 voronoi_site(vec2 g, uint salt) {
    vec2 base = floor(g);
    float best = 1e9;
    vec4 site = vec4(0.0);
    for (int j = -1; j <= 1; ++j) {
        for (int i = -1; i <= 1; ++i) {
            vec2 c = base + vec2(i, j);
            vec2 s = cell_site(c, salt);
            float d = dot(g - s, g - s);
            if (d < best) { best = d; site = vec4(s, c); }
        }
    }
    return site;
}

// voronoi_edge: the distance e (lattice units) from g to the nearest edge
// of the Voronoi cells of the jittered lattice, and the unit vector n from g
// towards it, as (e, n): with a the nearest site and b any other, the edge
// between them is the perpendicular bisector, at distance
// ((a + b) / 2 - g) . (b - a) / |b - a| along n = (b - a) / |b - a|; the
// smallest over the sites about a.
vec3 voronoi_edge(vec2 g, uint salt) {
    vec4 near = voronoi_site(g, salt);
    vec3 best = vec3(1e9, 0.0, 0.0);
    for (int j = -1; j <= 1; ++j) {
        for (int i = -1; i <= 1; ++i) {
            if (i == 0 && j == 0) continue;
            vec2 b = cell_site(near.zw + vec2(i, j), salt);
            vec2 n = normalize(b - near.xy);
            float e = dot(0.5 * (near.xy + b) - g, n);
            if (e < best.x) best = vec3(e, n);
        }
    }
    return vec3(max(best.x, 0.0), best.yz);
}

// road_edge: voronoi_edge of the main-road network at Mercator point merc
// (km at the equator): the lattice of ARTERIAL_CELL_KM cells, displaced by a
// smooth warp (two value noises, ARTERIAL_WARP cells over ARTERIAL_WARP_SCALE
// cells) so that the roads bend.  (e, n) in cells of the lattice.
vec3 road_edge(vec2 merc) {
    vec2 g = merc / ARTERIAL_CELL_KM;
    vec3 wq = vec3(g / ARTERIAL_WARP_SCALE, 7.0);
    g += ARTERIAL_WARP * 2.0 * (vec2(value_noise(wq), value_noise(wq + 37.0)) - 0.5);
    return voronoi_edge(g, 11u);
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

// main_roads: the main roads at Mercator point merc (km at the equator),
// ground scale coslat, footprint f (km); mean 1.  With d the ground distance
// to the nearest edge of the road network (road_edge; cells of
// c = ARTERIAL_CELL_KM cos(lat), edge length per area
// rho = ARTERIAL_EDGE_DENSITY / c): line_overlap(d, w, F) / (w rho),
// w = ARTERIAL_WIDTH_KM, fading to 1 as F grows from 0.2 c to 0.6 c (the
// overlap is a box filter across the road only, so it goes before the
// footprint holds several roads).
float main_roads(vec2 merc, float coslat, float f) {
    float cell_km = ARTERIAL_CELL_KM * coslat;
    vec3 edge = road_edge(merc);
    float d = edge.x * cell_km;
    float rho = ARTERIAL_EDGE_DENSITY / cell_km;
    float road = line_overlap(d, ARTERIAL_WIDTH_KM, f) / (ARTERIAL_WIDTH_KM * rho);
    return mix(road, 1.0, smoothstep(0.2 * cell_km, 0.6 * cell_km, f));
}

// PatchFrame: how the patch plane (patch units over the whole map: patch k
// spans k .. k + 1, texel floor(k / PATCHES_PER_TEXEL)) lies near the pixel:
// u is the pixel in patches, merc the pixel on the Mercator plane (km at the
// equator), km_per_patch the Mercator km per patch along each axis (rows run
// south, so .y is negative) and ground_km the ground km per patch.
struct PatchFrame {
    vec2 u;
    vec2 merc;
    vec2 km_per_patch;
    vec2 ground_km;
};

// blob_centre: where lit patch k (index c in texel `texel`, hash `key`) puts
// its blob, which reaches `reach` patches from its centre along each axis: a
// random point within BLOB_OFFSET / 2 of the patch's middle; for a blob
// on_road, the point of the main road nearest it (road_edge: e n cells away,
// n's Mercator km turned into patches), kept within BLOB_STRAY patches of its
// own: so towns gather along the roads.  Then kept `reach` inside the texel,
// so its light stays there.  Returns the centre and, if it lies on the road
// (within ARTERIAL_WIDTH_KM of the nearest point), the road's normal on the
// ground (east, south: the patch plane's axes), else (0, 0).
vec4 blob_centre(vec2 k, vec2 texel, uint c, uint key, vec2 reach, PatchFrame frame,
                 bool on_road) {
    vec2 jitter = vec2(rand01(uvec3(c, key, 2u)), rand01(uvec3(c, key, 3u))) - 0.5;
    vec2 centre = k + 0.5 + BLOB_OFFSET * jitter;
    vec2 normal = vec2(0.0);
    vec2 target = centre;
    if (on_road) {
        vec3 edge = road_edge(frame.merc + (centre - frame.u) * frame.km_per_patch);
        target = centre + edge.x * ARTERIAL_CELL_KM * edge.yz / frame.km_per_patch;
        centre = clamp(target, k - BLOB_STRAY, k + 1.0 + BLOB_STRAY);
        normal = vec2(edge.y, -edge.z);
    }
    vec2 lo = texel * float(PATCHES_PER_TEXEL) + reach;
    vec2 kept = clamp(centre, lo, lo + float(PATCHES_PER_TEXEL) - 2.0 * reach);
    // A blob that could not reach its road (kept in its patch or texel) is no ribbon.
    bool reached = length((kept - target) * frame.ground_km) <= ARTERIAL_WIDTH_KM;
    if (!reached) normal = vec2(0.0);
    return vec4(kept, normal);
}

// town_centre: the middle of texel `texel`'s town (patches from the texel's
// corner; key its hash): a random point of the texel moved to the nearest
// main road (road_edge, as blob_centre does), kept half a patch inside the
// texel: so the towns of a region sit on its roads.
vec2 town_centre(vec2 texel, uint key, PatchFrame frame) {
    float side = float(PATCHES_PER_TEXEL);
    vec2 c = side * vec2(rand01(uvec3(key, 7u, 0u)), rand01(uvec3(key, 8u, 0u)));
    vec3 edge = road_edge(frame.merc + (texel * side + c - frame.u) * frame.km_per_patch);
    c += edge.x * ARTERIAL_CELL_KM * edge.yz / frame.km_per_patch;
    return clamp(c, 0.5, side - 0.5);
}

// lit_blobs: the light of the lit patches at the pixel (frame), over the
// mean, for a lit share p, a footprint f (km), the chance to_road that a blob
// gathers to a main road (blob_centre) and the scatter of the lit patches
// about their texel's town (patch_rank).  With n = N p, the patches of rank
// r < floor(n) give light 1 / p, the next (n - floor(n)) / p, the rest none,
// so every texel's patches average exactly 1.  A lit patch's light is a disc
// on the ground of radius R = (BLOB_MIN + (BLOB_MAX - BLOB_MIN) x) g_min
// (x uniform, g the patch's ground size in km, g_min its smaller side) with
// an edge ramping linearly from 1 to 0 over a width s (the footprint, kept
// within BLOB_SOFT_MIN g_min .. min(2 R, g_min)), R then cut to g_min - s/2
// if it exceeds it (s <= 2 R still holds): its integral is
// pi (R^2 + s^2 / 12) km^2, pi (R^2 + s^2 / 12) / (g_x g_y) patches, which it
// is divided by, so it carries its patch's light exactly.  A blob on a road
// is that disc stretched E times along the road and squeezed E times across
// it (the same area and integral; s is then E times the footprint and g_min
// reads g_min / E, so the edge across the road is still a footprint wide and
// the blob reaches no further; s <= g_min / E asks E <= sqrt(g_min / F), so
// E = clamp(sqrt(g_min / F), 1, BLOB_ELONGATION)): a ribbon of
// lights along the road; one that could not reach its road stays a disc
// (of the same R and s, so still of known integral, and smaller).
// Neighbouring lit patches' blobs overlap into one town.  A blob's centre lies within BLOB_STRAY of its patch and it reaches
// at most g_min from there, so the (2 BLOB_REACH + 1)^2 patches about the
// pixel are all that can light it.
float lit_blobs(PatchFrame frame, float p, float f, float to_road, float scatter) {
    vec2 kc = floor(frame.u);
    float n = float(PATCHES_PER_TEXEL * PATCHES_PER_TEXEL) * p;
    float g_min = min(frame.ground_km.x, frame.ground_km.y);
    // The patches about the pixel lie in at most 2 x 2 texels (2 BLOB_REACH + 1
    // <= PATCHES_PER_TEXEL + 1): their keys and towns, once.
    vec2 t0 = floor((kc - float(BLOB_REACH)) / float(PATCHES_PER_TEXEL));
    uint keys[4];
    vec2 towns[4];
    for (int q = 0; q < 4; ++q) {
        vec2 texel = t0 + vec2(q & 1, q >> 1);
        keys[q] = cell_hash(texel, 5u);
        towns[q] = town_centre(texel, keys[q], frame);
    }
    float sum = 0.0;
    for (int j = -BLOB_REACH; j <= BLOB_REACH; ++j) {
        for (int i = -BLOB_REACH; i <= BLOB_REACH; ++i) {
            vec2 k = kc + vec2(i, j);
            vec2 texel = floor(k / float(PATCHES_PER_TEXEL));
            vec2 sub = k - texel * float(PATCHES_PER_TEXEL);
            int q = int(texel.x - t0.x) + 2 * int(texel.y - t0.y);
            uint key = keys[q];
            float lit = clamp(n - patch_rank(sub, key, towns[q], scatter), 0.0, 1.0);
            if (lit <= 0.0) continue;
            uint c = uint(sub.x) + uint(PATCHES_PER_TEXEL) * uint(sub.y);
            bool on_road = rand01(uvec3(c, key, 4u)) < to_road;
            float e = on_road ? clamp(sqrt(g_min / f), 1.0, BLOB_ELONGATION) : 1.0;
            float r = mix(BLOB_MIN, BLOB_MAX, rand01(uvec3(c, key, 1u))) * g_min;
            float s = clamp(f * e, BLOB_SOFT_MIN * g_min, min(2.0 * r, g_min / e));
            r = min(r, g_min / e - 0.5 * s);
            vec2 reach = e * (r + 0.5 * s) / frame.ground_km;
            vec4 centre = blob_centre(k, texel, c, key, reach, frame, on_road);
            vec2 dk = (frame.u - centre.xy) * frame.ground_km;
            vec2 across = centre.zw;
            if (dot(across, across) > 0.0) {
                dk = vec2(dot(dk, vec2(-across.y, across.x)) / e, dot(dk, across) * e);
            }
            float disc = clamp((r - length(dk)) / s + 0.5, 0.0, 1.0);
            float area = PI * (r * r + s * s / 12.0) / (frame.ground_km.x * frame.ground_km.y);
            sum += lit * disc / area;
        }
    }
    return sum / p;
}

// parks: a factor of mean exactly 1 over every texel that darkens round
// parks, yards and waste ground in a dense core: in each texel the
// PARK_SHARE N patches first in an order of their own (patch_rank with a
// key of its own and no town) hold a dark disc of radius R (PARK_RADIUS_MIN
// .. MAX g_min, one per texel), its edge ramping over
// s = clamp(F, BLOB_SOFT_MIN g_min, 2 (g_min / 2 - R)), at a random place of
// the patch where it stays whole in the patch; with
// a = pi (R^2 + s^2 / 12) / (g_x g_y) a disc's area in patches and
// m = PARK_SHARE N the (fractional) number of parks,
//   parks = (1 - share disc) / (1 - m a / N),
// share the patch's part of the count (1, or m - floor(m) for the last).
// Only the pixel's own patch can hold its park.
float parks(PatchFrame frame, float f) {
    vec2 k = floor(frame.u);
    vec2 texel = floor(k / float(PATCHES_PER_TEXEL));
    vec2 sub = k - texel * float(PATCHES_PER_TEXEL);
    float n_all = float(PATCHES_PER_TEXEL * PATCHES_PER_TEXEL);
    float m = PARK_SHARE * n_all;
    float share = clamp(m - patch_rank(sub, cell_hash(texel, 9u), vec2(0.0), 1e6), 0.0, 1.0);
    float g_min = min(frame.ground_km.x, frame.ground_km.y);
    uint key = cell_hash(texel, 10u);
    float r = mix(PARK_RADIUS_MIN, PARK_RADIUS_MAX, rand01(uvec3(key, 1u, 0u))) * g_min;
    float s = clamp(f, BLOB_SOFT_MIN * g_min, 2.0 * (0.5 * g_min - r));
    uint c = uint(sub.x) + uint(PATCHES_PER_TEXEL) * uint(sub.y);
    vec2 room = 0.5 * frame.ground_km - r - 0.5 * s;
    vec2 offset = room * (2.0 * vec2(rand01(uvec3(c, key, 2u)), rand01(uvec3(c, key, 3u))) - 1.0);
    float d = length((frame.u - k - 0.5) * frame.ground_km - offset);
    float disc = clamp((r - d) / s + 0.5, 0.0, 1.0);
    float area = PI * (r * r + s * s / 12.0) / (frame.ground_km.x * frame.ground_km.y);
    return (1.0 - share * disc) / (1.0 - m * area / n_all);
}

// city_detail: the factor (mean 1, dimensionless) at longitude/latitude
// `lonlat` (radians) for a pixel footprint of footprint_km on the ground and
// the map's level there (texture value, radiance / LIGHTS_MAX_NW).  With
// lambda = clamp(level / CITY_CORE_LEVEL, 0, 1) and the ground in km of a
// conformal Mercator plane (scale cos(lat)):
//   main roads A: main_roads (mean 1);
//   streets S: districts of CITY_DISTRICT_KM (Voronoi), each with its own
//       street grid (angle, spacing BLOCK_MIN_KM..MAX), grid_lines (mean 1);
//   blobs B: PATCHES_PER_TEXEL^2 patches per texel of the map (map_size
//       texels, longitude from -180 deg, rows from the north), a share
//       p = 0.05 + 0.85 lambda of them lit, lit_blobs (mean 1 over every
//       texel; towns gathered tightly in the fringe, scatter 0.5, loosely in
//       a core, 30; a blob on a road with chance mix(0.5, 0.2, lambda));
//       with core = smoothstep(0.3, 0.9, p), B -> mix(B, 1, 0.75 core) (a
//       continuous core) times mix(1, parks, core) (its dark gaps); all
//       fading to 1 as the footprint nears a patch;
//   factor = w_a A + (1 - w_a) B (1 - w_s + w_s S),
//       w_a = mix(0.1, 0.06, lambda), w_s = mix(0.15, 0.6, lambda):
// faint main roads everywhere, the light of towns and districts on the
// blobs, with the streets' texture the more the denser the city; B and S are
// independent, so the product has mean 1 too.  A part whose scale the
// footprint exceeds fades to 1.
float city_detail(vec2 lonlat, float footprint_km, float level, vec2 map_size) {
    if (level <= 0.0 || footprint_km >= CITY_DETAIL_MAX_FOOTPRINT_KM) return 1.0;
    float f = max(footprint_km, 0.005);
    float coslat = cos(lonlat.y);
    // Mercator plane, km at the equator: conformal, ground km = plane km * cos(lat).
    vec2 merc = vec2(lonlat.x, log(tan(0.25 * PI + 0.5 * lonlat.y))) * WGS84_A;
    float lambda = clamp(level / CITY_CORE_LEVEL, 0.0, 1.0);

    float roads = main_roads(merc, coslat, f);

    // The district's street grid, in km from its site, turned by its angle.
    vec4 site = voronoi_site(merc / CITY_DISTRICT_KM, 1u);
    uint district = cell_hash(site.zw, 1u);
    float spacing = mix(BLOCK_MIN_KM, BLOCK_MAX_KM, rand01(uvec3(district, 4u, 0u)));
    vec2 q = (merc / CITY_DISTRICT_KM - site.xy) * CITY_DISTRICT_KM * coslat;
    q = turn(q, 2.0 * PI * rand01(uvec3(district, 3u, 0u)));
    q += spacing * vec2(rand01(uvec3(district, 5u, 0u)), rand01(uvec3(district, 6u, 0u)));
    float streets = grid_lines(q, spacing, STREET_WIDTH_KM, f);

    // Lit blobs, in patch units over the map.
    float p = 0.05 + 0.85 * lambda;
    vec2 t = vec2(lonlat.x / (2.0 * PI) + 0.5, 0.5 - lonlat.y / PI) * map_size;
    vec2 km_per_patch = vec2(2.0 * PI, -PI / coslat) * WGS84_A
                        / (map_size * float(PATCHES_PER_TEXEL));
    vec2 ground_km = abs(km_per_patch) * coslat;
    PatchFrame frame = PatchFrame(t * float(PATCHES_PER_TEXEL), merc, km_per_patch, ground_km);
    float fp = f / min(ground_km.x, ground_km.y);
    float blobs = 1.0;
    if (fp < 1.5) {
        blobs = lit_blobs(frame, p, f, mix(0.5, 0.2, lambda),
                          mix(0.5, 30.0, smoothstep(0.3, 1.0, lambda)));
    }
    float core = smoothstep(0.3, 0.9, p);
    blobs = mix(blobs, 1.0, 0.75 * core);
    if (fp < 0.6) blobs *= mix(1.0, parks(frame, f), core * (1.0 - smoothstep(0.25, 0.6, fp)));
    blobs = mix(blobs, 1.0, smoothstep(0.5, 1.5, fp));

    float w_a = mix(0.1, 0.06, lambda), w_s = mix(0.15, 0.6, lambda);
    return w_a * roads + (1.0 - w_a) * blobs * (1.0 - w_s + w_s * streets);
}
