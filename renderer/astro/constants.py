"""Physical and geodetic constants: the one copy of each in orbitlapse.

Units are in the names: kilometres, seconds, radians.  Sources are cited beside each
value; the shaders carry their own float32 copies of the ellipsoid (``shaders/lib``).
"""

from __future__ import annotations

# WGS84 ellipsoid: semi-major axis and flattening (NIMA TR8350.2; the project's physical
# reference, "Earth").  e2 is the first eccentricity squared, f (2 - f).
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

# The Earth's gravitational parameter (WGS84 / EGM96 value), km^3 s^-2.
GM_EARTH_KM3_S2 = 398600.4418
# The Earth's dynamical form factor J2 (EGM96; unnormalised C20 = -J2).
J2_EARTH = 1.08262668e-3
# The Earth's nominal rotation rate (IERS / WGS84), rad/s.
OMEGA_EARTH_RAD_S = 7.292115e-5

# The astronomical unit (IAU 2012 Resolution B2), km.
AU_KM = 149_597_870.7
# The Moon's mean distance from the Earth's centre, km.
MOON_MEAN_DISTANCE_KM = 384_400.0

# The speed of light in vacuum (exact, SI), km/s.
SPEED_OF_LIGHT_KM_S = 299_792.458

SECONDS_PER_DAY = 86400.0
