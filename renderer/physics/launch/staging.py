"""Staging as a camera records it: bursts of light at separations, tumbling spent
stages, and the glow of a stage meeting the dense air (CPU, float64, no GL).

A time-lapse frame integrates its exposure (``exposure_s`` of simulated time centred
on the frame's instant), so what matters of a brief event is the light it gives over
that window: a burst of a few tenths of a second lands in one or two frames as a
blip; an expanding cloud that fades over seconds of real time stays for several.
Each burst is described by the light it gives in all (cd s: luminous intensity
integrated over time), released with an exponential decay from the separation; the
frame shows its mean over the window (:func:`burst_window_mean_cd`).

The light of burning propellant is scaled from the plume's own: the plume model
gives ``PLUME_LIFTOFF_CD`` for ``LIFTOFF_MASS_FLOW_KG_S`` (renderer.physics.launch.
light), i.e. ~1.9e5 cd s per kg burnt in a rocket engine.  An open fireball radiates
more of its heat than an engine's jet, most of whose energy leaves as kinetic
energy: hydrocarbon fireballs radiate 20 to 40 % of their heat of combustion
(measurements of propane and kerosene fireballs), a rocket plume of order 10 %, so
propellant burning in the open gives OPEN_FLAME_GAIN = 3 times the plume's light
per kilogram.  No photometry of a Soyuz staging from orbit is published: every
number below is an estimate, each with its reasoning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from renderer.physics.launch.ballistics import SCALE_HEIGHT_KM, SEA_LEVEL_DENSITY_KG_M3

# Light per kilogram of propellant burning in the open, relative to the same mass
# burnt in the engine (see the module docstring).
OPEN_FLAME_GAIN = 3.0


@dataclass(frozen=True)
class Burst:
    """One component of the light of a separation.

    ``propellant_kg`` burns in the open, giving ``OPEN_FLAME_GAIN`` x the plume's
    light per kg in all, decaying as exp(-age / ``decay_s``); its light fills a ball
    of radius ``start_radius_km`` + ``expansion_km_s`` x age; ``temperature_k``
    colours it.  ``held_s``: in thick air the released gas is stopped within about
    this time and stays behind the vehicle; in vacuum it keeps the vehicle's velocity.
    """

    propellant_kg: float
    decay_s: float
    expansion_km_s: float
    start_radius_km: float
    temperature_k: float
    held_s: float


# Booster separation, T+118 s at ~48 km (air pressure ~1 hPa).  Each strap-on burns
# ~39 t of propellant; at shutdown its engine's feed lines, chambers and tank bottoms
# still hold ~1.5 % of it, ~600 kg (residuals of that order are usual for a stage
# that burns to depletion), and its oxygen tank's vent is opened to push the
# booster's nose away (the "Korolev cross").  Taken: 250 kg per strap-on, less than
# half, mixes with the core's plume and burns within a few tenths of a second (a
# fireball of ~100 m, the size at which a tonne of hot combustion gas stands at
# 1 hPa, burns through in ~0.3 s at the few hundred m/s of a turbulent flame): the
# flash.  The vented gas and unburnt residue, a third as much again, glow as a
# slower residual cloud that the air holds back (stopped within ~0.5 s at 1.75 km/s
# into air of 1e-3 kg/m^3) while it spreads at ~0.3 km/s, the vent gas's own speed.
BOOSTER_FLASH = Burst(1000.0, 0.4, 0.3, 0.1, 2400.0, 0.5)
BOOSTER_CLOUD = Burst(330.0, 1.5, 0.3, 0.2, 1900.0, 0.5)
# Core separation (hot staging), T+286 s at ~176 km, in vacuum.  The third stage's
# RD-0110 (~93 kg/s: 298 kN at an Isp of 326 s) ignites while the core is still
# attached and fires through the open lattice between them for about 1.5 s, its
# exhaust thrown sideways off the core's forward dome: ~140 kg; the core's residual
# propellant, released as its engine stops and the stages part, adds ~300 kg.  In
# vacuum nothing holds the gas: the burst spreads at ~2.5 km/s (kerosene-oxygen
# exhaust expands freely at up to ~3 km/s) and, cooled by its expansion, stops
# glowing within ~0.6 s: the blip.  Its outer part, thinner and cooler, fades over
# ~2 s of real time as it dissolves (a quarter of the light).
CORE_FLASH = Burst(330.0, 0.6, 2.5, 0.2, 2400.0, math.inf)
CORE_CLOUD = Burst(110.0, 2.0, 2.5, 0.5, 1900.0, math.inf)

# A spent stage tumbles: the third stage's exhaust striking the core's forward dome
# (and the strap-ons' pivoting release) sets it turning.  Taken: 12 deg/s, within the
# few to a few tens of deg/s that tracked rocket bodies show; a turn of 30 s, two
# seconds of the flagship's video.  Seen end-on its hot engine end faces the camera
# or not: the glow of the engine bay varies between GLOW_TUMBLE_MIN and 1 of its mean
# maximum as the stage turns.
TUMBLE_RATE_DEG_S = 12.0
GLOW_TUMBLE_MIN = 0.15

# What keeps a spent stage visible in the Earth's shadow between its separation and
# its re-entry.  From the ISS, 1,500 to 2,000 km away, the camera's faintest points
# (ISO 12800, f/1.4, 0.5 s) are near magnitude 6-7: ~1e4 cd at that range.
# * Its heat does not glow enough.  The forward dome, struck by the third stage's
#   exhaust for ~1.5 s (~10-50 MJ of a ~500 MW jet), is aluminium: below its melting
#   point, 930 K, a black body's luminance is under 0.2 cd/m^2 (Planck's law in the
#   CIE observer), 1 cd from its 7 m^2, and a thin dome sheds 100 K every ~10 s by
#   radiation.  The engine's nozzles (~10 m^2 seen inside, regeneratively cooled to
#   <= 1,000 K, 2.5 cd/m^2) give ~25 cd, and ~400 kg of steel radiating 1 MW from
#   20 m^2 cools 100 K in ~20 s.  Both are a thousand times too faint.
# * Burning propellant does: the plume's ~1.9e5 cd s/kg, x OPEN_FLAME_GAIN, needs only
#   ~20 g/s to give 1e4 cd.  At shutdown the lines, pumps and manifolds below the main
#   valves hold of order 100 kg of kerosene and oxygen; the oxygen boils as the hot
#   turbopump's and chambers' stored heat soaks into it (a ~200 kg turbine and gas
#   generator at ~700 K hold ~50 MJ; a few hundred kW across the walls) and pushes
#   the kerosene out through the still-hot chambers, where it burns.  Boiling ~70 kg
#   of oxygen (213 kJ/kg, with its warming ~16 MJ) at ~0.35 MW takes ~45 s: the
#   glow's decay (GLOW_DECAY_S in light.py).  Its start, 2 % of the stage's plume, is
#   ~2 kg/s burning; in all ~90 kg for the core, within the estimate above.  Vented
#   pure oxygen (the dome's heat boiling the tank's residue) does not burn, and
#   moonlight on the stage (~0.05 lux on 68 m^2) gives ~1 cd.
# * Tumbling brings the re-entry higher and earlier (vehicles.CORE_BALLISTIC_KG_M2):
#   the glow below then starts near 100 km, ~30 s of flight before an end-on stage's.
# So the core stays a dot, fading from ~1e6 cd to ~1.5e4 cd, until it meets the air.

# Re-entry.  A body meeting the air at speed v loses kinetic energy at the drag's
# power, P = 1/2 rho v^3 Cd A; the shock-heated air and the ablating, burning metal
# radiate a share of it.  For meteors the luminous efficiency is ~0.1 % to 1 % of
# that power as visible radiation at 10 to 70 km/s (Ceplecha et al. 1998), lower
# toward slow entries; taken: 0.1 % at the core stage's ~3.7 km/s, the glow of
# burning aluminium and hot air; that radiation at ~250 lm/W (a 2,500 K spectrum
# counted over the visible band only), spread over all directions: I = eta P K / 4 pi.
# Only a fast entry glows: the air brought to rest at the body's nose is heated by
# v^2 / 2 c_p (c_p ~ 1 kJ/kg/K), ~2,000 K at 2 km/s, below which neither the air nor
# the skin glows visibly; the share of the drag's power above that threshold,
# 1 - (v_min / v)^2, scales the efficiency, so a strap-on falling at 1-2 km/s through
# the thick air stays dark while the core stage, at 3.5-3.8 km/s, flares.
# It breaks up where the dynamic pressure peaks (~10-15 kPa near 45 km for the
# tumbling core, at ~14 g): the engine (beta ~400) runs on while light tank panels
# (beta ~40) stop within seconds, but in the ~5 s they still glow (above 2 km/s) they
# part by only ~1-5 km, 1-3 px at 1,900 km in the flagship's 1080p frame: one
# flaring dot, so the pieces are not drawn apart.
REENTRY_LUMINOUS_EFFICIENCY = 1e-3
REENTRY_EFFICACY_LM_W = 250.0
REENTRY_TEMPERATURE_K = 2500.0
REENTRY_GLOW_MIN_SPEED_KM_S = 2.0


def burst_window_mean(age_s: float, window_s: float, decay_s: float) -> float:
    """Mean over an exposure of a burst of unit total (1/s): exp(-a/tau)/tau from a = 0.

    The window spans ages ``age_s`` - w/2 to ``age_s`` + w/2; the burst's integral over
    it is exp(-lo/tau) - exp(-hi/tau) (lo clipped at 0).  With no window, the
    burst's instantaneous value.
    """
    if window_s <= 0.0:
        return math.exp(-age_s / decay_s) / decay_s if age_s >= 0.0 else 0.0
    hi = age_s + 0.5 * window_s
    if hi <= 0.0:
        return 0.0
    lo = max(age_s - 0.5 * window_s, 0.0)
    return (math.exp(-lo / decay_s) - math.exp(-hi / decay_s)) / window_s


def burst_drift_s(burst: Burst, age_s: float) -> float:
    """How far the burst's centre has moved, in seconds of the velocity at separation:
    all of it in vacuum, ``held_s`` (1 - exp(-age / held_s)) where the air stops it."""
    if age_s <= 0.0:
        return 0.0
    if math.isinf(burst.held_s):
        return age_s
    return burst.held_s * (1.0 - math.exp(-age_s / burst.held_s))


def tumble_glow(age_s: float, window_s: float, phase: float) -> float:
    """Share (GLOW_TUMBLE_MIN to 1) of a tumbling stage's engine glow seen, mean over the exposure.

    The engine end's visibility as (1 + cos theta) / 2, theta the tumble angle
    ``TUMBLE_RATE_DEG_S`` x age + ``phase``, averaged on nine points of the window.
    """
    rate = math.radians(TUMBLE_RATE_DEG_S)
    ages = age_s + window_s * (np.arange(9) + 0.5 - 4.5) / 9.0
    seen = 0.5 * (1.0 + np.cos(rate * ages + phase))
    return float(np.mean(GLOW_TUMBLE_MIN + (1.0 - GLOW_TUMBLE_MIN) * seen))


def air_density_kg_m3(altitude_km: float) -> float:
    """The exponential atmosphere of the ballistics (kg/m^3)."""
    return SEA_LEVEL_DENSITY_KG_M3 * math.exp(-min(max(altitude_km, 0.0), 600.0) / SCALE_HEIGHT_KM)


def reentry_intensity_cd(altitude_km: float, speed_km_s: float, drag_area_m2: float) -> float:
    """Luminous intensity (cd) of a body of drag area Cd A (m^2) meeting the air.

    I = eta (1 - (v_min / v)^2) K (1/2 rho v^3 Cd A) / 4 pi, with v the speed through
    the air (km/s in, m/s in the formula), rho the exponential atmosphere's density;
    zero below v_min (REENTRY_GLOW_MIN_SPEED_KM_S).
    """
    if speed_km_s <= REENTRY_GLOW_MIN_SPEED_KM_S:
        return 0.0
    hot = 1.0 - (REENTRY_GLOW_MIN_SPEED_KM_S / speed_km_s) ** 2
    v = 1000.0 * speed_km_s
    power_w = 0.5 * air_density_kg_m3(altitude_km) * v**3 * drag_area_m2
    return REENTRY_LUMINOUS_EFFICIENCY * hot * REENTRY_EFFICACY_LM_W * power_w / (4.0 * math.pi)
