"""What a launch looks like at one instant, as physical light sources (CPU, float64, no GL).

The sprite pass (:mod:`renderer.passes.sprites`) draws what this module lists: each
light source is a 3-D Gaussian blob of light in the GCRS (a centre and a covariance,
km) with

* a luminous intensity of its own (``emit_cd``: candela, as a linear-sRGB triple whose
  luminance Y = 0.2126 R + 0.7152 G + 0.0722 B is the intensity in cd), and
* a sunlight-scattering cross-section (``reflect_m2``, m^2: albedo x area for a solid
  body, scattering cross-section for a cloud of particles) with a phase function
  (``phase_g``: a Lambert sphere, or Henyey-Greenstein with asymmetry g).

The GPU adds the atmosphere's transmittance toward the camera and toward the Sun,
the Earth's shadow and the Earth's occlusion, and turns intensity into radiance.

What is drawn, for each ``[[launch]]``:

* **Plume** (while an engine burns, lift-off to cut-off): a hot core at the vehicle
  and a fainter flame trailing behind it, widening with altitude as the air thins.
  Brightness by stage (thrust); soot colours, a 2,400 K core and a 1,900 K flame.
* **Staging flash** (each separation while the engines burn): a short, expanding,
  fading burst of burning propellant where the stage lets go, and a slower cloud
  that dissolves over seconds (:mod:`renderer.physics.launch.staging`).
* **Spent stages** (each piece, from separation until impact): a Lambert sphere of
  the stage's mean cross-section, lit by the Sun when the line toward the Sun clears
  the Earth and its air; in the dark, the glow of its hot engine and burning
  residuals, fading over some tens of seconds and varying as the stage tumbles; and
  where it falls into the dense air, the glow of its re-entry.
* **The vehicle's body** (a small reflector: seen only when sunlit) and after cut-off
  the coasting payload.
* **Exhaust cloud** (the "space jellyfish"): the exhaust released along the ascent,
  as puffs that expand freely once the air is thin (above ~110 km), drift with the
  exhaust's velocity and scatter sunlight.  Drawn only where the Sun lights it: it
  appears at twilight, when the plume climbs out of the Earth's shadow while the
  ground below is dark, and not at all on a launch deep in the night.

Every source is given as its light averaged over the camera's exposure (the frame's
shutter time, ``exposure_s``) and with its velocity, so that the sprite pass draws
the streak its motion makes while the shutter is open.

The numbers below are estimates (there are no published photometric measurements of
a Soyuz plume seen from orbit); each says where it comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from renderer.astro import geodesy
from renderer.astro.constants import OMEGA_EARTH_RAD_S, WGS84_B_KM
from renderer.frame_state import FrameState
from renderer.physics.colour import blackbody_rgb
from renderer.physics.launch import ascent, ballistics, staging, vehicles
from renderer.physics.launch.staging import Burst
from renderer.scene import Launch

FloatArray = npt.NDArray[np.float64]

# ---------------------------------------------------------------------------
# Colour
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# The model's constants
# ---------------------------------------------------------------------------

# Luminous intensity of the lift-off plume, cd.  The five engines of a Soyuz (20
# chambers) burn kerosene with liquid oxygen: a sooty flame near 2,200 K, whose
# luminance as a black body is ~1.3e6 cd/m^2 (Planck's law in the CIE observer; a
# body at 2,042 K gives the old candle's 6e5 cd/m^2).  With ~300 m^2 of flame in view
# (10 m across, some 30 m of bright core) at an emissivity of ~0.7: ~3e8 cd.  From the
# ISS that is magnitude -6 at booster separation (790 km) and, scaled by thrust, -3 at
# core separation (1,500 km): the bright moving dot of the ISS time-lapses.
PLUME_LIFTOFF_CD = 3.0e8
# Intensity per burning phase relative to lift-off, by thrust (vacuum thrusts: four
# RD-107A and one RD-108A ~5,070 kN; the RD-108A alone 990 kN; the third stage's
# RD-0110 298 kN; Zak, russianspaceweb.com).  Phase k burns after k separations.
SOYUZ_PHASE_INTENSITY = (1.0, 0.195, 0.059)
# A custom vehicle: each separation leaves a quarter of the thrust (a typical ratio).
GENERIC_PHASE_RATIO = 0.25
# Propellant flow at lift-off (kg/s) for the same phases, scaled alike: 4 x 325 + 315
# kg/s (RD-107A, RD-108A at Isp ~ 315-320 s).  Feeds the exhaust cloud.
LIFTOFF_MASS_FLOW_KG_S = 1615.0
# Colour: the hot core at the nozzles is whiter (2,400 K), the flame trailing behind
# it cools and reddens (1,900 K); together near the 2,200 K above.
PLUME_CORE_TEMPERATURE_K = 2400.0
PLUME_FLAME_TEMPERATURE_K = 1900.0

# Plume size.  The hot core at the nozzles stays the size of the engine cluster (~8 m
# in radius at the base of a Soyuz).  The flame behind it is an under-expanded jet
# whose boundary grows as sqrt(p_exit / p_ambient), the nozzles exiting near half an
# atmosphere: it widens as the air thins, to a self-luminous part capped at 1 km
# (farther out the gas has cooled below glowing; seen in the dark, an upper stage is
# still a point), PLUME_LENGTH_RADII radii long.
PLUME_BASE_RADIUS_KM = 0.008
PLUME_EXIT_PRESSURE_ATM = 0.5
PLUME_MAX_RADIUS_KM = 1.0
PLUME_LENGTH_RADII = 4.0
# Share of the plume's light in the hot core; the rest is in the flame.
PLUME_CORE_SHARE = 0.6

# Light per kg of propellant burnt in an engine, cd s/kg (~1.9e5): the plume's
# intensity over its propellant flow.  The staging bursts scale from it.
PLUME_LIGHT_CD_S_PER_KG = PLUME_LIFTOFF_CD / LIFTOFF_MASS_FLOW_KG_S
# A burst is drawn until its light has fallen below 1e-3 of its start (7 decays);
# so a separation's light lasts at most this long (the slowest burst's).
BURST_DECAYS_DRAWN = 7.0
FLASH_DURATION_S = BURST_DECAYS_DRAWN * max(
    bu.decay_s
    for bu in (staging.BOOSTER_FLASH, staging.BOOSTER_CLOUD, staging.CORE_FLASH, staging.CORE_CLOUD)
)

# Spent stages.  Mean cross-section of a tumbling convex body: a quarter of its
# surface (Cauchy).  Soyuz strap-on 19.6 m x 2.68 m: 44 m^2; core 27.8 m x 2.95 m:
# 68 m^2; third stage 6.7 m x 2.66 m: 17 m^2.  Painted light grey: albedo 0.5.
STAGE_ALBEDO = 0.5
BOOSTER_AREA_M2 = 44.0
CORE_AREA_M2 = 68.0
UPPER_AREA_M2 = 17.0
BOOSTER_LENGTH_KM = 0.0196
CORE_LENGTH_KM = 0.0278
UPPER_LENGTH_KM = 0.0067
# Empty masses (Zak, russianspaceweb.com): strap-on 3.8 t, core 6.5 t, third stage
# 2.4 t.  With the ballistic coefficient m / (Cd A) of the trajectory they give the
# drag area Cd A that sets the power of a re-entry.
BOOSTER_MASS_KG = 3800.0
CORE_MASS_KG = 6500.0
UPPER_MASS_KG = 2400.0
# In the dark a spent stage shows only the residual propellant it burns (why that and
# not its heat, and why it lasts about a minute: staging.py): 2 % of its share of the
# plume at separation, fading with GLOW_DECAY_S.
GLOW_SHARE = 0.02
GLOW_DECAY_S = 45.0
GLOW_TEMPERATURE_K = 1400.0
# The vehicle's body (upper stage + fairing or payload, ~30 m^2 mean cross-section)
# and, after cut-off, the payload (Progress with arrays, ~20 m^2), albedo 0.5.
VEHICLE_REFLECT_M2 = 15.0
PAYLOAD_REFLECT_M2 = 10.0
PAYLOAD_SIZE_KM = 0.01

# Exhaust cloud.  The exhaust leaves at the engine's exhaust velocity (~3 km/s for
# kerosene/oxygen, Isp ~ 310 s) behind the vehicle.  Where the air is thin it spreads
# freely at ~2 km/s; below ~110 km the air holds it in a narrow trail.  A fraction of
# it condenses (water ice, with the soot) into micron-sized particles: taken as 1 % of
# the exhaust mass in particles of 0.5 um, a scattering cross-section of
# 3 Q / (4 rho r) x 0.01 = 33 m^2 per kg of exhaust (Q = 2, rho = 900 kg/m^3): at
# EV100 -3, the exposure of the ground photographs of such clouds, the young cloud
# saturates and its outer parts do not.  They scatter forward (Henyey-Greenstein
# g = 0.7) and sublimate over ~10 minutes.
EXHAUST_VELOCITY_KM_S = 3.0
CLOUD_EXPANSION_KM_S = 2.0
CLOUD_FREE_ALTITUDE_KM = 110.0
CLOUD_FREE_WIDTH_KM = 7.2  # the atmosphere's scale height: the hold-up fades within it
CLOUD_SCATTER_M2_PER_KG = 33.0
CLOUD_PHASE_G = 0.7
CLOUD_LIFETIME_S = 600.0
# Puffs of exhaust by age: log-spaced so that each is wider than the gap between it
# and the next (the cloud looks continuous, and the Earth's shadow, which cuts each
# puff along its own line, leaves no visible steps), from 0.5 s to 3 lifetimes.
CLOUD_FIRST_AGE_S = 0.5
CLOUD_AGE_RATIO = 1.12
CLOUD_MAX_AGE_S = 3.0 * CLOUD_LIFETIME_S
G0_KM_S2 = 0.0095  # gravity at ~150 km, for the exhaust's fall

SCALE_HEIGHT_KM = ballistics.SCALE_HEIGHT_KM

# A Lambert sphere rather than a Henyey-Greenstein phase function (see Sprites).
LAMBERT = -2.0

# Sprite kinds, for tests and debugging.
PLUME, FLASH, STAGE, VEHICLE, CLOUD = range(5)

# Earth's rotation, to turn Earth-relative velocities into inertial ones.
_OMEGA = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])


@dataclass(frozen=True, eq=False)
class Sprites:
    """Light sources at one instant (N rows), GCRS, float64.

    ``centre_km`` (N, 3) geocentric position; ``cov_km2`` (N, 3, 3) covariance of the
    light's spatial distribution; ``emit_cd`` (N, 3) own luminous intensity, linear
    sRGB (luminance = cd); ``reflect_m2`` (N,) albedo x cross-section (solid body) or
    scattering cross-section (cloud), m^2; ``phase_g`` (N,) Henyey-Greenstein g, or
    :data:`LAMBERT` for a diffusely reflecting sphere; ``kind`` (N,) one of PLUME,
    FLASH, STAGE, VEHICLE, CLOUD; ``vel_km_s`` (N, 3) the inertial velocity of the
    light's centre (GCRS km/s), for the streak it draws during the exposure.
    """

    centre_km: FloatArray
    cov_km2: FloatArray
    emit_cd: FloatArray
    reflect_m2: FloatArray
    phase_g: FloatArray
    kind: npt.NDArray[np.int32]
    vel_km_s: FloatArray

    def __len__(self) -> int:
        return int(self.centre_km.shape[0])

    @staticmethod
    def empty() -> Sprites:
        """No sprites."""
        return Sprites(
            np.zeros((0, 3)),
            np.zeros((0, 3, 3)),
            np.zeros((0, 3)),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0, dtype=np.int32),
            np.zeros((0, 3)),
        )

    @staticmethod
    def concatenate(parts: list[Sprites]) -> Sprites:
        """All rows of ``parts``, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Sprites.empty()
        return Sprites(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in (
                    "centre_km",
                    "cov_km2",
                    "emit_cd",
                    "reflect_m2",
                    "phase_g",
                    "kind",
                    "vel_km_s",
                )
            )
        )


class _Builder:
    """Collects sprite rows in the ITRS; turned into GCRS at the end."""

    def __init__(self, window_s: float = 0.0) -> None:
        self.window_s = window_s  # the exposure the sources' light is averaged over
        self.rows: list[tuple[FloatArray, FloatArray, FloatArray, float, float, int]] = []
        self.vels: list[FloatArray] = []

    def add(
        self,
        centre: FloatArray,
        cov: FloatArray,
        emit: FloatArray,
        reflect: float,
        g: float,
        kind: int,
        vel: FloatArray | None = None,
    ) -> None:
        """One source; ``vel`` its Earth-relative ITRS velocity (km/s), still if None."""
        if np.all(np.isfinite(centre)) and np.all(np.isfinite(cov)):
            v = np.zeros(3) if vel is None or not np.all(np.isfinite(vel)) else vel
            self.rows.append((centre, cov, emit, reflect, g, kind))
            self.vels.append(v + np.cross(_OMEGA, centre))

    def sprites(self, gcrs_from_itrs: FloatArray) -> Sprites:
        if not self.rows:
            return Sprites.empty()
        r = gcrs_from_itrs
        centre = np.array([row[0] for row in self.rows]) @ r.T
        cov = np.einsum("ij,njk,lk->nil", r, np.array([row[1] for row in self.rows]), r)
        return Sprites(
            centre_km=centre,
            cov_km2=cov,
            emit_cd=np.array([row[2] for row in self.rows], dtype=np.float64),
            reflect_m2=np.array([row[3] for row in self.rows], dtype=np.float64),
            phase_g=np.array([row[4] for row in self.rows], dtype=np.float64),
            kind=np.array([row[5] for row in self.rows], dtype=np.int32),
            vel_km_s=np.array(self.vels) @ r.T,
        )


# ---------------------------------------------------------------------------
# Pieces of the model
# ---------------------------------------------------------------------------


def phase_intensity(profile: vehicles.VehicleProfile, phase: int) -> float:
    """Plume luminous intensity (cd) of burning phase ``phase`` (0 = lift-off).

    A phase is what burns after ``phase`` separations: the Soyuz's thrust ratios, or
    :data:`GENERIC_PHASE_RATIO` per separation for a custom vehicle.
    """
    if profile.name == "soyuz-fg" and phase < len(SOYUZ_PHASE_INTENSITY):
        return PLUME_LIFTOFF_CD * SOYUZ_PHASE_INTENSITY[phase]
    return PLUME_LIFTOFF_CD * GENERIC_PHASE_RATIO**phase


def plume_radius_km(altitude_km: FloatArray | float) -> FloatArray:
    """Radius of the luminous plume at a geodetic altitude (km): grows as the air thins.

    r = r0 sqrt(p_exit / p(h)) with p(h) = exp(-h / 7.2 km) atm, kept between the
    cluster's base radius and :data:`PLUME_MAX_RADIUS_KM`.
    """
    h = np.asarray(altitude_km, dtype=np.float64)
    # exponent capped: sqrt(0.5 e^x) reaches the 1 km cap (125 r0) long before x = 60
    ratio = PLUME_EXIT_PRESSURE_ATM * np.exp(np.minimum(h, 400.0) / SCALE_HEIGHT_KM)
    r = PLUME_BASE_RADIUS_KM * np.sqrt(np.maximum(ratio, 1.0))
    return np.minimum(r, PLUME_MAX_RADIUS_KM)


def free_expansion(altitude_km: FloatArray | float) -> FloatArray:
    """How freely exhaust released at this altitude spreads: 0 held by air, 1 in vacuum.

    A logistic step at :data:`CLOUD_FREE_ALTITUDE_KM`, one scale height wide: the air's
    density, against which the exhaust must push, falls by e per scale height.
    """
    h = np.asarray(altitude_km, dtype=np.float64)
    x = np.clip((h - CLOUD_FREE_ALTITUDE_KM) / CLOUD_FREE_WIDTH_KM, -60.0, 60.0)
    return 1.0 / (1.0 + np.exp(-x))


def _gaussian_cov(
    sigma_km: float, axis: FloatArray | None = None, sigma_along_km: float = 0.0
) -> FloatArray:
    """Covariance of an isotropic Gaussian, stretched along ``axis`` (unit) if given."""
    cov = np.eye(3) * sigma_km**2
    if axis is not None and sigma_along_km > sigma_km:
        cov += np.outer(axis, axis) * (sigma_along_km**2 - sigma_km**2)
    return cov


def _unit(v: FloatArray) -> FloatArray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0.0 else np.zeros(3)


# ---------------------------------------------------------------------------
# One launch at one instant
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    launch: Launch
    profile: vehicles.VehicleProfile
    stage_times: tuple[float, ...]  # separations while an engine burns (flashes, phases)
    cutoff_s: float


def _context(launch: Launch) -> _Context:
    profile = vehicles.vehicle_profile(launch.vehicle)
    events = ascent.stage_events(launch)
    cutoff = next(e.t_s for e in events if e.kind == "cutoff")
    # A stage let go at cut-off or later (the Soyuz third stage) leaves in the dark:
    # no flame to flash, and the phase after it burns nothing.
    stages = tuple(e.t_s for e in events if e.kind == "stage" and e.t_s < cutoff)
    return _Context(launch, profile, stages, cutoff)


def _phase_at(ctx: _Context, t: float) -> int:
    return sum(1 for ts in ctx.stage_times if ts <= t)


def _plume_window_cd(ctx: _Context, t: float, window_s: float) -> float:
    """The plume's intensity (cd) averaged over the exposure around ``t``: each phase's
    intensity weighted by its share of the window (burning between lift-off and
    cut-off only), so the frame at a separation shows part of each."""
    if window_s <= 0.0:
        return phase_intensity(ctx.profile, _phase_at(ctx, t))
    lo, hi = t - 0.5 * window_s, t + 0.5 * window_s
    bounds = (0.0, *ctx.stage_times, ctx.cutoff_s)
    total = 0.0
    for k, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        overlap = min(hi, end) - max(lo, start)
        if overlap > 0.0:
            total += overlap * phase_intensity(ctx.profile, k)
    return total / window_s


def _burnt_kg(ctx: _Context, t: FloatArray) -> FloatArray:
    """Propellant burnt from lift-off to times ``t`` (kg): the flow of each phase (by its
    thrust, :data:`LIFTOFF_MASS_FLOW_KG_S` at lift-off) over its stretch of the burn."""
    bounds = (0.0, *ctx.stage_times, ctx.cutoff_s)
    out = np.zeros_like(t)
    for k, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        flow = LIFTOFF_MASS_FLOW_KG_S / PLUME_LIFTOFF_CD * phase_intensity(ctx.profile, k)
        out += flow * np.clip(t - start, 0.0, end - start)
    return out


def _plume(
    b: _Builder, ctx: _Context, t: float, pos: FloatArray, vel: FloatArray, alt: float
) -> None:
    half = 0.5 * b.window_s
    if not -half <= t <= ctx.cutoff_s + half:
        return
    intensity = _plume_window_cd(ctx, t, b.window_s)
    if intensity <= 0.0:
        return
    r = float(plume_radius_km(alt))
    # The flame trails along the vehicle's axis, taken as its velocity over the ground
    # (the air's frame: what a rocket in the atmosphere points along).  On the pad,
    # standing still, the flame points down.
    axis = _unit(vel) if np.linalg.norm(vel) > 1e-6 else _unit(pos)
    length = PLUME_LENGTH_RADII * r
    b.add(
        pos,
        _gaussian_cov(0.5 * PLUME_BASE_RADIUS_KM),
        blackbody_rgb(PLUME_CORE_TEMPERATURE_K) * intensity * PLUME_CORE_SHARE,
        0.0,
        LAMBERT,
        PLUME,
        vel,
    )
    b.add(
        pos - 0.5 * length * axis,
        _gaussian_cov(0.5 * r, axis, length / 4.0),
        blackbody_rgb(PLUME_FLAME_TEMPERATURE_K) * intensity * (1.0 - PLUME_CORE_SHARE),
        0.0,
        LAMBERT,
        PLUME,
        vel,
    )


def _body(b: _Builder, ctx: _Context, t: float, pos: FloatArray, vel: FloatArray) -> None:
    """The vehicle (or after cut-off the payload) as a sunlit reflector."""
    if t < 0.0:
        return
    reflect = VEHICLE_REFLECT_M2 if t <= ctx.cutoff_s else PAYLOAD_REFLECT_M2
    b.add(pos, _gaussian_cov(0.5 * PAYLOAD_SIZE_KM), np.zeros(3), reflect, LAMBERT, VEHICLE, vel)


def _stage_area_m2(track: ascent.SpentStageTrack) -> tuple[float, float, float]:
    """Mean cross-section (m^2), length (km) and empty mass (kg) of a spent stage."""
    beta = track.ballistic_kg_m2
    if beta == vehicles.BOOSTER_BALLISTIC_KG_M2:
        return BOOSTER_AREA_M2, BOOSTER_LENGTH_KM, BOOSTER_MASS_KG
    if beta == vehicles.UPPER_BALLISTIC_KG_M2:
        return UPPER_AREA_M2, UPPER_LENGTH_KM, UPPER_MASS_KG
    return CORE_AREA_M2, CORE_LENGTH_KM, CORE_MASS_KG


def _bursts(ctx: _Context, separation_s: float, altitude_km: float) -> tuple[Burst, ...]:
    """The bursts of light of a separation at that altitude, scaled to the vehicle.

    The Soyuz's own (staging.py); a custom vehicle's by where it stages, in the air
    like the strap-ons or in vacuum like the core, their propellant scaled by its
    plume before the separation against the Soyuz's.
    """
    in_air = float(free_expansion(altitude_km)) < 0.5
    pair = (
        (staging.BOOSTER_FLASH, staging.BOOSTER_CLOUD)
        if in_air
        else (staging.CORE_FLASH, staging.CORE_CLOUD)
    )
    if ctx.profile.name == "soyuz-fg":
        return pair
    before = phase_intensity(ctx.profile, _phase_at(ctx, separation_s - 1e-6))
    reference = PLUME_LIFTOFF_CD * SOYUZ_PHASE_INTENSITY[0 if in_air else 1]
    scale = before / reference
    return tuple(
        Burst(
            bu.propellant_kg * scale,
            bu.decay_s,
            bu.expansion_km_s,
            bu.start_radius_km,
            bu.temperature_k,
            bu.held_s,
        )
        for bu in pair
    )


def _separation_light(b: _Builder, ctx: _Context, t: float, tr: ascent.SpentStageTrack) -> None:
    """The bursts of a separation while the engines burn, averaged over the exposure."""
    age = t - tr.separation_s
    p0, v0 = tr.pos_km[0], tr.vel_km_s[0]
    if not (np.all(np.isfinite(p0)) and np.all(np.isfinite(v0))):
        # the stage is not sampled at t (after its impact): find where it let go
        p0, v0 = (x[0] for x in ascent.vehicle_itrs(ctx.launch, np.array([tr.separation_s])))
    else:
        # back from the stage's place now to where it let go, along its velocity
        p0 = p0 - v0 * age
    alt = float(geodesy.radial_heights_km(p0))
    for burst in _bursts(ctx, tr.separation_s, alt):
        if age + 0.5 * b.window_s < 0.0 or age > BURST_DECAYS_DRAWN * burst.decay_s:
            continue
        light_cd_s = burst.propellant_kg * PLUME_LIGHT_CD_S_PER_KG * staging.OPEN_FLAME_GAIN
        mean_cd = light_cd_s * staging.burst_window_mean(age, b.window_s, burst.decay_s)
        if mean_cd <= 0.0:
            continue
        a = max(age, 0.0)
        radius = burst.start_radius_km + burst.expansion_km_s * a
        drift = staging.burst_drift_s(burst, a)
        held = 0.0 if math.isinf(burst.held_s) else math.exp(-a / burst.held_s)
        vel = v0 if math.isinf(burst.held_s) else v0 * held
        b.add(
            p0 + v0 * drift,
            _gaussian_cov(0.5 * radius),
            blackbody_rgb(burst.temperature_k) * mean_cd,
            0.0,
            LAMBERT,
            FLASH,
            vel,
        )


def tumble_phase(stage_index: int, piece: int, count: int) -> float:
    """Tumble angle (rad) at separation of piece ``piece`` of ``count`` of a stage: each
    piece and each stage starts from its own angle, so they do not flicker in step."""
    return 2.0 * math.pi * (0.37 * stage_index + piece / max(count, 1))


def _stages_and_flashes(b: _Builder, ctx: _Context, t: float) -> None:
    tracks = ascent.spent_stages_itrs(ctx.launch, np.array([t]))
    glow_colour = blackbody_rgb(GLOW_TEMPERATURE_K)
    reentry_colour = blackbody_rgb(staging.REENTRY_TEMPERATURE_K)
    for index, tr in enumerate(tracks):
        age = t - tr.separation_s
        if tr.separation_s < ctx.cutoff_s:
            _separation_light(b, ctx, t, tr)
        if age < 0.0:
            continue
        # The phase that ends at this separation lit this stage's engines.
        before = _phase_at(ctx, tr.separation_s - 1e-6)
        plume_before = phase_intensity(ctx.profile, before)
        area, length, mass = _stage_area_m2(tr)
        glow_start = min(tr.separation_s, ctx.cutoff_s)
        glow = GLOW_SHARE * plume_before / tr.count * math.exp(-(t - glow_start) / GLOW_DECAY_S)
        vel = tr.vel_km_s[0]
        reentry = 0.0
        if np.all(np.isfinite(tr.pos_km[0])) and np.all(np.isfinite(vel)):
            alt = float(geodesy.radial_heights_km(tr.pos_km[0]))
            speed = float(np.linalg.norm(vel))  # through the air, which turns with the Earth
            reentry = staging.reentry_intensity_cd(alt, speed, mass / tr.ballistic_kg_m2)
        for j, piece in enumerate(tr.pieces_km[:, 0, :]):
            seen = staging.tumble_glow(age, b.window_s, tumble_phase(index, j, tr.count))
            b.add(
                piece,
                _gaussian_cov(0.25 * length),
                glow_colour * glow * seen + reentry_colour * reentry,
                STAGE_ALBEDO * area,
                LAMBERT,
                STAGE,
                vel,
            )


def _in_shadow(centre: FloatArray, extent_km: float, sun_dir: FloatArray) -> bool:
    """Whether a ball of radius ``extent_km`` lies wholly in the Earth's shadow.

    The shadow is taken as the cylinder of the polar radius behind the Earth (the
    umbra narrows by only 0.5 % over the first 7,000 km): a conservative test, so
    that what it keeps the GPU lights properly, the atmosphere included.
    """
    along = float(centre @ sun_dir)
    if along >= 0.0:
        return False
    off_axis = float(np.linalg.norm(centre - along * sun_dir))
    return off_axis + extent_km < WGS84_B_KM


def cloud_ages_s() -> FloatArray:
    """Ages (s) at which the exhaust cloud is sampled, log-spaced, youngest first."""
    n = int(math.log(CLOUD_MAX_AGE_S / CLOUD_FIRST_AGE_S) / math.log(CLOUD_AGE_RATIO)) + 1
    return CLOUD_FIRST_AGE_S * CLOUD_AGE_RATIO ** np.arange(n, dtype=np.float64)


def _exhaust_cloud(b: _Builder, ctx: _Context, t: float, sun_itrs: FloatArray) -> None:
    """Puffs of exhaust released ``age`` seconds ago, each carrying its share of mass."""
    ages = cloud_ages_s()
    # Each puff stands for the exhaust released between the geometric means of its
    # neighbouring ages (its bin), placed at its own age.
    edges = np.concatenate(
        [[0.0], ages[:-1] * math.sqrt(CLOUD_AGE_RATIO), [ages[-1] * math.sqrt(CLOUD_AGE_RATIO)]]
    )
    lo, hi = edges[:-1], edges[1:]
    # the bins that overlap the burn; a puff sits within the burn
    keep = (t - lo > 0.0) & (t - hi < ctx.cutoff_s)
    if not np.any(keep):
        return
    lo, hi = lo[keep], hi[keep]
    t_emit = np.clip(t - ages[keep], 0.0, ctx.cutoff_s)
    ages = t - t_emit
    mass = _burnt_kg(ctx, t - lo) - _burnt_kg(ctx, t - hi)
    # where each bin's exhaust was released: the ends of its stretch of trajectory
    pos, vel = ascent.vehicle_itrs(ctx.launch, t_emit)
    p_lo, _ = ascent.vehicle_itrs(ctx.launch, np.clip(t - hi, 0.0, ctx.cutoff_s))
    p_hi, _ = ascent.vehicle_itrs(ctx.launch, np.clip(t - lo, 0.0, ctx.cutoff_s))
    alt = geodesy.radial_heights_km(pos)
    free = free_expansion(alt)
    sun_dir = _unit(sun_itrs)
    for i in range(ages.size):
        if mass[i] <= 0.0 or not np.all(np.isfinite(pos[i])):
            continue
        a = float(ages[i])
        # The exhaust leaves backward at the exhaust velocity; in thin air it keeps its
        # velocity and falls, in thick air it is stopped where it was released.
        speed = float(np.linalg.norm(vel[i]))
        u = vel[i] - EXHAUST_VELOCITY_KM_S * (vel[i] / speed if speed > 0 else 0.0)
        up = pos[i] / float(np.linalg.norm(pos[i]))
        drift = free[i] * (u * a - 0.5 * G0_KM_S2 * a * a * up)
        radius = float(plume_radius_km(alt[i])) + free[i] * CLOUD_EXPANSION_KM_S * a
        centre = pos[i] + drift
        # The bin's stretch of trajectory (carried along by the same drift) as the
        # variance of a uniform segment, so consecutive puffs join into a trail.
        seg = p_hi[i] - p_lo[i]
        cov = np.eye(3) * (0.5 * radius) ** 2 + np.outer(seg, seg) / 12.0
        extent = 4.0 * math.sqrt(float(np.linalg.eigvalsh(cov)[-1]))
        if _in_shadow(centre, extent, sun_dir):
            continue
        cross_section = CLOUD_SCATTER_M2_PER_KG * float(mass[i]) * math.exp(-a / CLOUD_LIFETIME_S)
        b.add(centre, cov, np.zeros(3), cross_section, CLOUD_PHASE_G, CLOUD)


def launch_sprites(
    launch: Launch,
    t_since_liftoff_s: float,
    itrs_from_gcrs: FloatArray,
    sun_km: FloatArray,
    exposure_s: float = 0.0,
) -> Sprites:
    """The light sources of one launch, ``t_since_liftoff_s`` after lift-off (GCRS).

    ``itrs_from_gcrs`` is the frame's rotation (r_itrs = M r_gcrs) and ``sun_km`` the
    Sun's geocentric GCRS position (for leaving out exhaust that is surely in shadow).
    ``exposure_s``: the simulated seconds the shutter is open, centred on the
    instant; each source's light is its mean over that window.  Nothing before
    lift-off (less half the exposure).
    """
    t = float(t_since_liftoff_s)
    if not math.isfinite(t) or t + 0.5 * exposure_s < 0.0:
        return Sprites.empty()
    ctx = _context(launch)
    b = _Builder(max(float(exposure_s), 0.0))
    pos, vel = ascent.vehicle_itrs(launch, np.array([max(t, 0.0)]))
    if np.all(np.isfinite(pos)):
        alt = float(geodesy.radial_heights_km(pos)[0])
        _plume(b, ctx, t, pos[0], vel[0], alt)
        _body(b, ctx, t, pos[0], vel[0])
    _stages_and_flashes(b, ctx, t)
    _exhaust_cloud(b, ctx, t, itrs_from_gcrs @ sun_km)
    return b.sprites(itrs_from_gcrs.T)


def seconds_since_liftoff(launch: Launch, state: FrameState) -> float:
    """Seconds from ``launch``'s lift-off to the frame's instant (UTC, to the microsecond)."""
    return (state.utc - launch.time_utc).total_seconds()


def frame_sprites(launches: tuple[Launch, ...] | list[Launch], state: FrameState) -> Sprites:
    """Every launch's light sources at the frame's instant, GCRS."""
    return Sprites.concatenate(
        [
            launch_sprites(
                ln,
                seconds_since_liftoff(ln, state),
                state.itrs_from_gcrs,
                state.sun_km,
                state.exposure_s,
            )
            for ln in launches
        ]
    )
