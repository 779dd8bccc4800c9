// earth_air_table.glsl: the Earth pass's air table, included by earth.glsl
// after its stages (it uses EarthRay, AirAlongRay and cloud_distance).
//
// The air table.  Seen from the camera o (sphere space), a ray that meets the
// ground is fixed by two numbers: xi = sqrt(a^2 - p^2), half the chord the
// sphere of the ground cuts from its line (p its closest approach to the
// centre; xi is 0 at the limb and grows toward the nadir), and phi, its
// azimuth about the axis from the camera to the centre, in the basis
// (u_air_table_e1, u_air_table_e2) square to that axis.  So is all that
// air_along_ray finds along it, the cloud top's distance included: the pass
// (renderer/passes/earth.py) makes a table of it over (phi, xi) once per frame
// (build_air_table, one texel per (phi, xi)), and the pixels whose rays all
// meet the ground (EARTH_AIR_TABLE) read it back (air_from_table).  Texture
// coordinates: u = (phi - u_air_table_phi.x) / u_air_table_phi.y, v = (xi -
// u_air_table_xi.x) / u_air_table_xi.y (radians and km; the pass puts the
// first and last texel centres on the ends of the screen's range).
uniform vec3 u_air_table_e1;
uniform vec3 u_air_table_e2;
uniform vec2 u_air_table_phi;
uniform vec2 u_air_table_xi;
uniform sampler2D u_air_table_0, u_air_table_1, u_air_table_2;
uniform vec2 u_air_table_size;     // texels (phi, xi)

// air_table_ray: the ray of the table's texel at texture coordinates uv,
// meeting the ground (sphere space): direction
//   d = -cos(theta) z + sin(theta) (cos(phi) e1 + sin(phi) e2),
// z = o / |o|, sin(theta) = p / |o|, p = sqrt(a^2 - xi^2); the ground at
// t = t_c - xi with t_c = |o| cos(theta).
EarthRay air_table_ray(vec2 uv) {
    EarthRay ray;
    float phi = u_air_table_phi.x + uv.x * u_air_table_phi.y;
    float xi = u_air_table_xi.x + uv.y * u_air_table_xi.y;
    ray.o = to_sphere_space(u_cam_pos);
    float r0 = length(ray.o);
    float p = sqrt(max((WGS84_A - xi) * (WGS84_A + xi), 0.0));
    float sin_t = min(p / r0, 1.0), cos_t = sqrt(max(1.0 - sin_t * sin_t, 0.0));
    ray.ds = -cos_t * ray.o / r0
           + sin_t * (cos(phi) * u_air_table_e1 + sin(phi) * u_air_table_e2);
    ray.h.hit = true;
    ray.t_ground = r0 * cos_t - xi;
    ray.coverage = 1.0;
    return ray;
}

// air_from_table: air_along_ray's result for a ray that meets the ground,
// from the table: the texel coordinates of its (phi, xi), the cloud top's
// distance computed again (cloud_distance) to tell the segments apart.
AirAlongRay air_from_table(EarthRay ray) {
    float tc = -dot(ray.o, ray.ds);
    float p = length(ray.o + tc * ray.ds);
    float xi = sqrt(max((WGS84_A - p) * (WGS84_A + p), 0.0));
    float phi = atan(dot(ray.ds, u_air_table_e2), dot(ray.ds, u_air_table_e1));
    vec2 uv = vec2((phi - u_air_table_phi.x) / u_air_table_phi.y,
                   (xi - u_air_table_xi.x) / u_air_table_xi.y);
    vec4 a = textureLod(u_air_table_0, uv, 0.0);
    vec4 b = textureLod(u_air_table_1, uv, 0.0);
    vec4 c = textureLod(u_air_table_2, uv, 0.0);
    return AirAlongRay(cloud_distance(ray), a.rgb, vec3(a.a, b.rg), vec3(b.ba, c.r), c.gba);
}

#if EARTH_AIR_TABLE_BUILD
// build_air_table: the air table's texel centred at `texel` (texels):
// air_along_ray for its ray, packed into three RGBA textures (L_above,
// T_above, L_below, T_below).
void build_air_table(vec2 texel, out vec4 t0, out vec4 t1, out vec4 t2) {
    EarthRay ray = air_table_ray(texel / u_air_table_size);
    AtmoLight sun = distant_light(u_sun_dir, u_sun_illuminance);
    AtmoLight moon = distant_light(u_moon_pos, u_moon_illuminance);
    AirAlongRay air = air_along_ray(ray, sun, moon);
    t0 = vec4(air.L_above, air.T_above.r);
    t1 = vec4(air.T_above.gb, air.L_below.rg);
    t2 = vec4(air.L_below.b, air.T_below);
}
#endif
