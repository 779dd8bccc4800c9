"""Airglow measured from rendered pixels against the geometry and radiometry of docs/physics.md.

The radiometric reference is a hand conversion: rayleighs to photons to watts, then the
camera's raw green signal at 557.7 nm through its colour matrix, read straight from
assets/camera_response.json (not through renderer/physics/camera.py).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from renderer import scene as sc
from renderer.assets import asset_path
from renderer.frame_state import View
from renderer.physics import airglow
from tests.helpers import A, minimal_scene, render_hdr, state

H_CAM = 406.0  # docs/physics.md: the ISS at 406 km
GREEN = sc.AirglowLayer("O I 557.7 nm", 97.0, 10.0, 250.0, wavelength_nm=557.7)


def luminance(img):
    return img @ np.array([0.2126, 0.7152, 0.0722])


def green_per_rayleigh() -> float:
    """The camera's linear sRGB green (cd/m^2) for a 1 R column of 557.7 nm, by hand.

    1 R = 1e10 / (4 pi) photons s^-1 m^-2 sr^-1 of h c / lambda each; the raw signal
    of that radiance P is s(557.7 nm) P, white-balanced by D65's raw w and put through
    the colour matrix M; raw white of D65's luminance 683 W_Y maps to (1, 1, 1), so
    the green is 683 W_Y (M (s / w))_g P (renderer/physics/camera.py, "Colour").
    """
    data = json.loads(asset_path("camera_response.json").read_text())
    lam = np.asarray(data["wavelengths_nm"])
    sens = np.asarray(data["sensitivities"])
    s = np.array([np.interp(557.7, lam, sens[:, c]) for c in range(3)])
    raw = s / np.asarray(data["white_raw_d65"])
    green = (np.asarray(data["matrix_raw_to_linear_srgb"]) @ raw)[1]
    photon = 6.62607015e-34 * 2.99792458e8 / 557.7e-9
    return 1e10 / (4 * math.pi) * photon * 683 * data["white_luminance_d65"] * green


def only(**earth):
    """A scene with every Earth layer off except those given."""
    layers = dict(
        day=None, night_lights=None, clouds=None, atmosphere=None, airglow=None, glint=None
    )
    layers.update(earth)
    return minimal_scene(ev100=-5.0, **layers)


# The camera over the equator (ITRS +x) looks east, pitched down so that the
# hard limb and the 97 km tangent point both fall in a narrow, finely sampled
# column: 0.031 deg per pixel.
VIEW = View(64, 256, 2.0)
PITCH = math.radians(18.5)


def limb_state(sun_dir=(-1.0, 0.0, 0.0)):
    sun_dir = np.asarray(sun_dir, dtype=float)
    pos = np.array([A + H_CAM, 0.0, 0.0])
    fwd = np.array([-math.sin(PITCH), math.cos(PITCH), 0.0])
    st = state(pos, forward=fwd, up_hint=np.array([1.0, 0.0, 0.0]), sun_dir=sun_dir)
    # The Moon behind the Earth: a dark night.
    return dataclasses.replace(st, moon_km=np.array([-384400.0, 0.0, 0.0]))


def row_of_elevation(elev_rad: float) -> float:
    """Row (from the top, continuous) where a ray at this elevation in the centre column lands."""
    return VIEW.height / 2 - VIEW.focal_px * math.tan(elev_rad + PITCH)


def elevation_of_row(y: float) -> float:
    return math.atan((VIEW.height / 2 - y) / VIEW.focal_px) - PITCH


def limb_row(column: np.ndarray) -> float:
    """The hard limb in a column of a sunlit bare Earth: anti-aliased by coverage."""
    lum = column.sum(axis=-1)
    r = int(np.nonzero(lum > 0)[0][0])
    return r + 1 - lum[r] / lum[r + 1]


def peak_row(values: np.ndarray) -> float:
    """Row of the maximum, refined by a parabola through it and its neighbours."""
    i = int(np.argmax(values))
    a, b, c = values[i - 1], values[i], values[i + 1]
    return i + 0.5 * (a - c) / (a - 2 * b + c)


@pytest.fixture(scope="module")
def smooth_layers():
    """The gravity-wave ripples switched off, for exact comparisons with closed forms."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(airglow, "RIPPLES", ())
        yield


@pytest.fixture(scope="module")
def limb_and_band(gl_session_ctx, smooth_layers):
    ctx = gl_session_ctx
    col = VIEW.width // 2
    # The hard limb, from the Earth's disc lit by the Sun overhead of the camera.
    bare = render_hdr(
        ctx,
        minimal_scene(
            day=None, night_lights=None, clouds=None, atmosphere=None, airglow=None, glint=None
        ),
        limb_state(sun_dir=np.array([1.0, 0.0, 0.0])),
        VIEW,
    )
    y_limb = limb_row(bare[:, col])
    # The green layer alone on the night side, with the atmosphere.
    scene = only(airglow=sc.Airglow((GREEN,)), atmosphere=sc.Atmosphere())
    glow = render_hdr(ctx, scene, limb_state(), VIEW)
    return y_limb, glow[:, col, 1], glow[:, col]


def test_hard_limb_is_where_the_circle_puts_it(limb_and_band):
    # Guards the measurement below: the limb row from the render agrees with
    # the closed-form dip of the horizon, acos(a / (a + h)).
    y_limb, _, _ = limb_and_band
    dip = math.acos(A / (A + H_CAM))
    assert y_limb == pytest.approx(row_of_elevation(-dip), abs=0.2)


def test_green_band_peaks_2_56_degrees_above_the_hard_limb(limb_and_band):
    # docs/physics.md: from 406 km the 97 km tangent point is 2.56 deg above the
    # hard limb.  Both measured from pixels, converted with the pinhole.
    y_limb, green, _ = limb_and_band
    assert green.max() > 0, "no airglow drawn"
    y_peak = peak_row(green)
    above = math.degrees(elevation_of_row(y_peak) - elevation_of_row(y_limb))
    assert above == pytest.approx(2.56, abs=0.15)
    # The whole profile against an independent float64 line integral of the
    # Gaussian shell along each row's ray (the ripples modulate it by a few
    # per cent, hence the tolerances).
    ref = reference_profile(GREEN)
    assert y_peak == pytest.approx(peak_row(ref), abs=1.0)
    assert fwhm_rows(green) == pytest.approx(fwhm_rows(ref), rel=0.15)
    assert green.max() == pytest.approx(ref.max(), rel=0.25)


def fwhm_rows(values: np.ndarray) -> float:
    rows = np.nonzero(values >= 0.5 * values.max())[0]
    return float(rows[-1] - rows[0] + 1)


def reference_profile(layer: sc.AirglowLayer) -> np.ndarray:
    """Luminance of a Gaussian shell along each row's centre ray, float64, by brute force.

    The view lies in the equatorial plane, where the ellipsoid's section is the
    circle of radius a: a ray ends where it meets that circle.  Emission per
    km is scaled so that the vertical column is the layer's zenith green
    (the hand conversion of green_per_rayleigh).
    """
    column = layer.zenith_rayleigh * green_per_rayleigh()
    sigma = layer.width_km / (2 * math.sqrt(2 * math.log(2)))
    peak = column / (sigma * math.sqrt(2 * math.pi))
    o = np.array([A + H_CAM, 0.0])
    out = np.zeros(VIEW.height)
    t = np.linspace(0.0, 4500.0, 90001)
    for y in range(VIEW.height):
        elev = elevation_of_row(y + 0.5)
        d = np.array([math.sin(elev), math.cos(elev)])
        pts = o[None, :] + t[:, None] * d[None, :]
        r = np.hypot(pts[:, 0], pts[:, 1])
        hit = np.nonzero(r <= A)[0]
        end = hit[0] if hit.size else len(t)
        e = peak * np.exp(-0.5 * ((r[:end] - A - layer.altitude_km) / sigma) ** 2)
        out[y] = np.trapezoid(e, t[:end]) if end > 1 else 0.0
    return out


def test_limb_is_30_to_80_times_brighter_than_straight_down(
    gl_session_ctx, limb_and_band, smooth_layers
):
    _, lum, _ = limb_and_band
    # Straight down through the same layer, from the same height.
    pos = np.array([A + H_CAM, 0.0, 0.0])
    st = dataclasses.replace(
        state(
            pos, forward=-pos, up_hint=np.array([0.0, 0.0, 1.0]), sun_dir=np.array([-1.0, 0.0, 0.0])
        ),
        moon_km=np.array([-384400.0, 0.0, 0.0]),
    )
    scene = only(airglow=sc.Airglow((GREEN,)), atmosphere=sc.Atmosphere())
    nadir = render_hdr(gl_session_ctx, scene, st, View(16, 16, 2.0))[..., 1]
    down = float(np.median(nadir))
    # The zenith column converted by hand: 250 R of 557.7 nm as the camera records it.
    assert down == pytest.approx(250 * green_per_rayleigh(), rel=0.03)
    ratio = lum.max() / down
    assert 30 < ratio < 80, ratio


def test_green_and_gold_bands_are_two_colours(gl_session_ctx):
    # The default layers: at the 97 km tangent row the band is green, at the
    # 92 km row it is warmer (the gold sodium layer adds red).
    scene = only(airglow=sc.Airglow(sc.DEFAULT_AIRGLOW_LAYERS), atmosphere=sc.Atmosphere())
    col = render_hdr(gl_session_ctx, scene, limb_state(), VIEW)[:, VIEW.width // 2]

    def colour_at(h_km):
        elev = -math.acos((A + h_km) / (A + H_CAM))
        y = int(row_of_elevation(elev))
        return col[y]

    green, gold = colour_at(97.5), colour_at(91.0)
    assert green[1] > green[0] and green[1] > 2 * green[2], green
    assert gold[0] / gold[1] > 1.3 * green[0] / green[1], (gold, green)


def test_airglow_is_hidden_behind_the_hard_limb(gl_session_ctx):
    # Straight at the Earth below the limb only the near side of the shell is
    # seen: the far half (behind the limb) must not show.  Just below the
    # limb the radiance drops to less than ~60 % of just above it.
    scene = only(airglow=sc.Airglow((GREEN,)))
    col = luminance(render_hdr(gl_session_ctx, scene, limb_state(), VIEW)[:, VIEW.width // 2])
    dip = math.acos(A / (A + H_CAM))
    y = row_of_elevation(-dip)
    above, below = col[int(y) - 3], col[int(y) + 3]
    assert above > 0 and below < 0.6 * above, (above, below)
