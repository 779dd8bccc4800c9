// glint.glsl: sunlight and moonlight glittering on wind-roughened water
// (Cox-Munk), for the Earth pass (earth.glsl).  Needs common.glsl (PI).

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
    // v . h rounds to slightly above 1 where the light is straight behind the
    // viewer (v = l, the opposition point), and pow of a negative base is
    // undefined (NaN on llvmpipe): the base is clamped to [0, 1].
    float fresnel = WATER_F0 + (1.0 - WATER_F0) * pow(clamp(1.0 - dot(v, hv), 0.0, 1.0), 5.0);
    float g = smith_g1(mu_v) * smith_g1(mu_l);
    return fresnel * p * g / (4.0 * mu_v * c2 * c2);
}
