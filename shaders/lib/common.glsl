// common.glsl: constants, units and geometry shared by every pass.
//
// Units: lengths in kilometres, angles in radians, radiance in cd m^-2 sr^0
// (photometric luminance carried in linear sRGB, so that
// Y = 0.2126 R + 0.7152 G + 0.0722 B is the luminance in cd/m^2).  Illuminance
// in lux.  See the README "One radiometric scale".
//
// Frames: world space is the GCRS (inertial), but every position that reaches a
// shader has been made camera-relative on the CPU in float64 first, so float32
// keeps ~0.5 m precision at Earth-radius distances.  Earth-fixed (ITRS)
// coordinates are used only to look up textures and to meet the ellipsoid,
// whose axis is the ITRS z axis.

const float PI = 3.14159265358979;

// WGS84 (docs/physics.md, "Earth"): a = 6378.137 km, f = 1/298.257223563.
const float WGS84_A = 6378.137;
const float WGS84_B = 6378.137 * (1.0 - 1.0 / 298.257223563);  // 6356.752 km

// Camera: a pinhole with the focal length in pixels, f = (W/2) / tan(fov/2).
// A pixel centre (px, py), py counted from the bottom row (gl_FragCoord), looks
// along forward + (px - W/2)/f right + (py - H/2)/f up: docs/scenes.md's
// x = W/2 (1 + tan a / tan(fov/2)).
uniform vec2 u_resolution;      // W, H in pixels
uniform float u_focal_px;       // f in pixels
uniform vec3 u_cam_right;       // unit vectors, in the axes the pass works in
uniform vec3 u_cam_up;          // (the Earth pass: ITRS; the sky: GCRS)
uniform vec3 u_cam_forward;

// view_ray: unit direction through the point `frag` (pixels, gl_FragCoord
// convention), in the same axes as u_cam_*:
//   d = normalize(F + x R + y U),  (x, y) = (frag - (W, H) / 2) / f,
// with F, R, U the camera's forward, right and up vectors and f the focal
// length in pixels (x, y are tangents of the angles off the axis).
vec3 view_ray(vec2 frag) {
    vec2 p = (frag - 0.5 * u_resolution) / u_focal_px;
    return normalize(u_cam_forward + p.x * u_cam_right + p.y * u_cam_up);
}

// EllipsoidHit: where a ray first meets the WGS84 ellipsoid.
struct EllipsoidHit {
    bool hit;
    float t;        // distance along the (unit) ray to the hit, km
    vec3 p;         // hit point relative to the Earth's centre, ITRS, km (see below on a miss)
    vec3 normal;    // outward surface normal there (geodetic vertical), ITRS
    float impact;   // closest approach of the ray to the centre in sphere-scaled space,
                    // in units of the equatorial radius (1 at the limb); > 1 for a miss
    float limb_px;  // signed distance of the ray from the limb, in pixels of this
                    // camera: > 0 inside the Earth's disc (see limb_coverage)
};

// intersect_ellipsoid: the ray o + t d (o: camera position relative to the
// Earth's centre, ITRS km; d: unit ITRS direction) against x^2/a^2 + y^2/a^2 +
// z^2/b^2 = 1.  Scaling z by a/b turns the ellipsoid into the sphere of radius
// a; in that space the discriminant is computed as (a - |q|)(a + |q|), with q
// the ray's closest point to the centre, instead of b^2 - c, because b^2 and c
// are both ~4.6e7 km^2 and their float32 difference would lose kilometres at
// the limb.  This keeps the limb exact to metres at any resolution.  With
// o_s, d_s the scaled ray (d_s not unit):
//   t_c = -(o_s . d_s) / |d_s|^2,  q = o_s + t_c d_s,
//   t = t_c - sqrt((a - |q|)(a + |q|) / |d_s|^2)   (km along d),
//   limb_px = (a - |q|) f / (t_c |d_s|)            (pixels, f in pixels).
EllipsoidHit intersect_ellipsoid(vec3 o, vec3 d) {
    EllipsoidHit h;
    vec3 s = vec3(1.0, 1.0, WGS84_A / WGS84_B);
    vec3 os = o * s;
    vec3 ds = d * s;
    float dd = dot(ds, ds);
    float tc = -dot(os, ds) / dd;          // parameter of the closest approach
    vec3 q = os + tc * ds;
    float ql = length(q);
    h.impact = ql / WGS84_A;
    // One pixel turns the ray by 1/f rad, moving its closest approach by
    // (distance to that point)/f km across the limb.
    // A ray pointing away from the Earth (tc <= 0) is never covered, even when
    // its backward extension would pass through the Earth.
    h.limb_px = tc > 0.0 ? (WGS84_A - ql) * u_focal_px / (tc * sqrt(dd)) : -1e9;
    float disc = (WGS84_A - ql) * (WGS84_A + ql);
    float t = tc - sqrt(max(disc, 0.0) / dd);
    h.hit = disc >= 0.0 && t > 0.0;        // t <= 0: behind the camera (or inside)
    h.t = t;
    // On a miss, p is the surface point under the ray's closest approach, so
    // values derived from p (texture coordinates) stay continuous across the
    // limb and screen-space derivatives there are meaningful.
    h.p = h.hit ? o + t * d : (q * (WGS84_A / max(ql, 1e-3))) / s;
    h.normal = normalize(h.p / vec3(WGS84_A * WGS84_A, WGS84_A * WGS84_A, WGS84_B * WGS84_B));
    return h;
}

// limb_coverage: the fraction of a pixel covered by the Earth's disc, for
// anti-aliasing the hard limb: a box pixel crossed by a straight edge at
// signed distance x from its centre is covered 1/2 + x (clamped to [0, 1]);
// x = h.limb_px, in pixels, so the result is dimensionless.
float limb_coverage(EllipsoidHit h) {
    return clamp(0.5 + h.limb_px, 0.0, 1.0);
}

// geodetic_lonlat: (longitude, geodetic latitude) in radians of the surface
// normal n (ITRS unit vector).  On the ellipsoid the geodetic latitude is the
// angle of the normal above the equator, so no iteration is needed:
// lon = atan2(n_y, n_x), lat = asin(n_z).
vec2 geodetic_lonlat(vec3 n) {
    return vec2(atan(n.y, n.x), asin(clamp(n.z, -1.0, 1.0)));
}

// hash_u32 / rand01: a small integer hash (a lowbias32-style mixer) for
// deterministic noise; the same inputs give the same numbers on every GPU.
// hash_u32 alternates xor-shifts (x ^= x >> 16, 15, 16) with multiplications
// by odd constants, so it is a bijection of the 32-bit integers.  rand01
// chains it over three integers, hash(x ^ hash(y ^ hash(z))), and keeps the
// top 24 bits over 2^24: a float in [0, 1), every value exact in float32.
uint hash_u32(uint x) {
    x ^= x >> 16; x *= 0x7feb352du;
    x ^= x >> 15; x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

float rand01(uvec3 v) {
    uint h = hash_u32(v.x ^ hash_u32(v.y ^ hash_u32(v.z)));
    return float(h >> 8) * (1.0 / 16777216.0);
}

// Full-screen triangle: three vertices from gl_VertexID, covering the viewport:
// clip-space (-1, -1), (3, -1) and (-1, 3), a triangle that contains the
// square [-1, 1]^2, so every pixel is drawn once with no diagonal seam.
#if defined(VERTEX_SHADER)
void fullscreen_vertex() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
