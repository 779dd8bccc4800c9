"""The launch's light sources (renderer/physics/launch/light.py) without GL: colours against the
CIE Planckian locus, intensities by stage, flashes and stages at the right times, the
exhaust cloud's mass against the propellant burnt, and only where the Sun reaches."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from renderer.astro import ephemeris
from renderer.physics.colour import XYZ_TO_LINEAR_SRGB, blackbody_rgb
from renderer.physics.launch import ascent, staging
from renderer.physics.launch import light as pl
from renderer.scene import Launch, Site

BAIKONUR = Site(45.920, 63.342, "baikonur-1/5")
NIGHT = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)  # Progress MS-10 (docs/physics.md)
DAY = datetime(2018, 11, 16, 8, 0, 0, tzinfo=UTC)
LUMA = np.array([0.2126, 0.7152, 0.0722])


def soyuz(when: datetime = NIGHT) -> Launch:
    return Launch("soyuz-fg", BAIKONUR, when, target_inclination_deg=51.64)


def sprites_at(launch: Launch, t_s: float) -> pl.Sprites:
    t = ephemeris.times(launch.time_utc, np.array([t_s]))
    m = ephemeris.itrs_from_gcrs(t)[0]
    sun = ephemeris.sun_gcrs_km(t)[0]
    return pl.launch_sprites(launch, t_s, m, sun)


def intensity(s: pl.Sprites, kind: int) -> float:
    return float((s.emit_cd[s.kind == kind] @ LUMA).sum())


@pytest.mark.parametrize(
    ("temperature", "x", "y"),
    [
        # CIE 1931 chromaticity of the Planckian locus (Wyszecki & Stiles, table 1(3.11))
        (1400.0, 0.6036, 0.3895),
        (2200.0, 0.5019, 0.4152),
        (6500.0, 0.3135, 0.3237),
    ],
)
def test_blackbody_colour_is_on_the_planckian_locus(temperature, x, y):
    rgb = blackbody_rgb(temperature)
    assert rgb @ LUMA == pytest.approx(1.0, abs=1e-12)
    # back to XYZ with the inverse sRGB matrix (clipping aside, the locus point)
    xyz = np.linalg.solve(XYZ_TO_LINEAR_SRGB, rgb)
    if temperature > 2000:  # in gamut: nothing was clipped
        assert xyz[0] / xyz.sum() == pytest.approx(x, abs=0.004)
        assert xyz[1] / xyz.sum() == pytest.approx(y, abs=0.004)
    else:  # deep orange, the blue clipped: still red over green as the locus says
        assert rgb[0] > 3 * rgb[1] and rgb[2] == 0.0


def test_nothing_before_liftoff_and_the_plume_by_stage():
    launch = soyuz()
    assert len(sprites_at(launch, -0.5)) == 0
    table = {5.0: 0, 100.0: 0, 150.0: 1, 280.0: 1, 300.0: 2, 520.0: 2}
    for t, phase in table.items():
        got = intensity(sprites_at(launch, t), pl.PLUME)
        assert got == pytest.approx(
            pl.PLUME_LIFTOFF_CD * pl.SOYUZ_PHASE_INTENSITY[phase], rel=1e-9
        ), t
    assert intensity(sprites_at(launch, 530.0), pl.PLUME) == 0.0  # after cut-off
    # the vehicle's body is still there (a reflector, seen only when sunlit)
    assert (sprites_at(launch, 530.0).kind == pl.VEHICLE).sum() == 1


def test_plume_widens_as_the_air_thins():
    r = pl.plume_radius_km(np.array([0.0, 20.0, 40.0, 60.0, 150.0]))
    assert r[0] == pytest.approx(pl.PLUME_BASE_RADIUS_KM)
    assert np.all(np.diff(r) >= 0) and r[2] > 5 * r[0]
    assert r[-1] == pytest.approx(pl.PLUME_MAX_RADIUS_KM)
    launch = soyuz()
    low, high = sprites_at(launch, 30.0), sprites_at(launch, 200.0)
    # the hot core keeps the engines' size, the flame behind it widens
    core = [np.trace(s.cov_km2[s.kind == pl.PLUME][0]) for s in (low, high)]
    flame = [np.trace(s.cov_km2[s.kind == pl.PLUME][1]) for s in (low, high)]
    assert core[0] == pytest.approx(core[1])
    assert flame[1] > 100 * flame[0]


def test_a_flash_at_each_separation_under_power_only():
    launch = soyuz()
    for t_sep in (118.0, 286.0):
        before = sprites_at(launch, t_sep - 0.1)
        during = [sprites_at(launch, t_sep + dt) for dt in (0.1, 0.8, 1.5)]
        after = sprites_at(launch, t_sep + pl.FLASH_DURATION_S + 0.1)
        assert (before.kind == pl.FLASH).sum() == 0 and (after.kind == pl.FLASH).sum() == 0
        flux = [intensity(s, pl.FLASH) for s in during]
        radius = [np.trace(s.cov_km2[s.kind == pl.FLASH][0]) for s in during]
        assert flux[0] > flux[1] > flux[2] > 0  # fading
        assert radius[0] < radius[1] < radius[2]  # expanding
        assert flux[0] > intensity(before, pl.PLUME)  # brighter than the plume it interrupts
    # the third stage is let go after cut-off: no flame, no flash
    assert all((sprites_at(launch, t).kind == pl.FLASH).sum() == 0 for t in (525.2, 526.0))


def test_spent_stages_are_where_their_tracks_are():
    launch = soyuz()
    t = 200.0
    s = sprites_at(launch, t)
    stages = s.centre_km[s.kind == pl.STAGE]
    tracks = ascent.spent_stages_itrs(launch, np.array([t]))
    m = ephemeris.itrs_from_gcrs(ephemeris.times(launch.time_utc, np.array([t])))[0]
    boosters = tracks[0].pieces_km[:, 0, :] @ m  # ITRS -> GCRS: M^T r
    assert len(stages) == 4
    np.testing.assert_allclose(stages, boosters, atol=1e-6)
    # in the dark only their glow: the boosters' share of the lift-off plume, fading,
    # each seen between GLOW_TUMBLE_MIN and all of it as it tumbles; still too slow
    # (under 2 km/s) for a re-entry glow
    assert np.linalg.norm(tracks[0].vel_km_s[0]) < staging.REENTRY_GLOW_MIN_SPEED_KM_S
    each = (s.emit_cd[s.kind == pl.STAGE] @ LUMA) / (
        pl.GLOW_SHARE * pl.PLUME_LIFTOFF_CD / 4 * np.exp(-(t - 118.0) / pl.GLOW_DECAY_S)
    )
    expected = [staging.tumble_glow(t - 118.0, 0.0, pl.tumble_phase(0, j, 4)) for j in range(4)]
    np.testing.assert_allclose(each, expected, rtol=1e-9)
    assert np.all(each >= staging.GLOW_TUMBLE_MIN) and np.ptp(each) > 0.1
    areas = s.reflect_m2[s.kind == pl.STAGE]
    assert np.all(areas == pl.STAGE_ALBEDO * pl.BOOSTER_AREA_M2)


def test_exhaust_cloud_carries_the_propellant_burnt():
    # By day nothing is in shadow: every puff is kept.  Their mass (cross-section over
    # the scattering per kg, undoing the sublimation) adds up to the propellant burnt.
    launch = soyuz(DAY)
    t = 300.0
    s = sprites_at(launch, t)
    cloud = s.kind == pl.CLOUD
    ages = pl.cloud_ages_s()
    ages = ages[t - ages >= 0.0]
    assert cloud.sum() == len(ages)
    mass = s.reflect_m2[cloud] / pl.CLOUD_SCATTER_M2_PER_KG * np.exp(ages / pl.CLOUD_LIFETIME_S)
    flow = pl.LIFTOFF_MASS_FLOW_KG_S * np.array(pl.SOYUZ_PHASE_INTENSITY)
    burnt = flow[0] * 118.0 + flow[1] * (286.0 - 118.0) + flow[2] * (t - 286.0)
    assert mass.sum() == pytest.approx(burnt, rel=0.005)


@pytest.mark.parametrize("t", [200.0, 350.0, 500.0, 700.0])
def test_no_exhaust_cloud_in_the_deep_night_of_the_flagship_launch(t):
    # docs/physics.md: the Sun was 58.6 deg below the horizon at the pad.
    s = sprites_at(soyuz(NIGHT), t)
    assert (s.kind == pl.CLOUD).sum() == 0


def test_custom_vehicle_gets_a_plume_by_phase():
    from renderer.scene import StageSpec, VehicleTable

    vt = VehicleTable(
        stages=(StageSpec("first", 100.0), StageSpec("second", 300.0)),
        profile=((0.0, 0.0, 0.0), (100.0, 60.0, 80.0), (300.0, 200.0, 900.0)),
    )
    launch = Launch(vt, BAIKONUR, NIGHT, azimuth_deg=90.0)
    assert intensity(sprites_at(launch, 50.0), pl.PLUME) == pytest.approx(pl.PLUME_LIFTOFF_CD)
    assert intensity(sprites_at(launch, 150.0), pl.PLUME) == pytest.approx(
        pl.PLUME_LIFTOFF_CD * pl.GENERIC_PHASE_RATIO
    )
    assert (sprites_at(launch, 100.5).kind == pl.FLASH).sum() == 2  # flash and cloud
    assert (sprites_at(launch, 300.5).kind == pl.FLASH).sum() == 0  # at cut-off
