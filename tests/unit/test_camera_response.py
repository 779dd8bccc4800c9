"""The camera's colour response: broadband light as the CIE observer sees it, lines as a
camera records them.

Independent references: Planck's law, and the CIE 1931 colour-matching functions of
renderer.physics.airglow (Wyman, Sloan & Shirley's analytic fit, not the tabulated functions the
camera's matrix was fitted against).
"""

from __future__ import annotations

import numpy as np
import pytest

from renderer.physics.airglow import cie_line_rgb, line_rgb
from renderer.physics.camera import camera_response
from renderer.physics.colour import LUMINANCE_WEIGHTS as LUMA
from renderer.physics.colour import XYZ_TO_LINEAR_SRGB, cie_xyz_cmf


def chroma(rgb: np.ndarray) -> np.ndarray:
    return rgb / float(rgb @ LUMA)


def planck(lam_nm: np.ndarray, t_k: float) -> np.ndarray:
    lam = lam_nm * 1e-9
    return 1.0 / (lam**5 * np.expm1(1.4388e-2 / (lam * t_k)))


def test_sensitivities_are_a_bayer_cameras():
    cam = camera_response()
    assert cam.sensitivities.shape == (cam.wavelengths_nm.size, 3)
    assert np.all(cam.sensitivities >= 0.0)
    peaks = cam.wavelengths_nm[np.argmax(cam.sensitivities, axis=0)]
    # Darrodi et al. 2015, Nikon D5100: red ~600 nm, green ~530 nm, blue ~460 nm.
    assert 580 <= peaks[0] <= 620 and 515 <= peaks[1] <= 550 and 445 <= peaks[2] <= 475, peaks
    # White balance: D65 (raw 1, 1, 1 after balancing) stays white.
    assert cam.matrix @ np.ones(3) == pytest.approx(np.ones(3), abs=0.02)


@pytest.mark.parametrize("t_k", [2700.0, 4000.0, 5500.0, 6504.0, 8000.0])
def test_broadband_light_has_the_colour_the_cie_observer_gives_it(t_k):
    # What the matrix is fitted for: a blackbody (an incandescent lamp, a star) comes
    # out within a few per cent of its CIE colour.
    cam = camera_response()
    lam = cam.wavelengths_nm
    s = planck(lam, t_k)
    camera = cam.matrix @ (s @ cam.sensitivities / cam.white_raw)
    cie = XYZ_TO_LINEAR_SRGB @ (s @ np.array([cie_xyz_cmf(x) for x in lam]))
    assert chroma(camera) == pytest.approx(chroma(cie), abs=0.04)


def test_airglow_lines_as_a_camera_records_them():
    # O I 557.7 nm: the CIE observer calls it yellow-green (red a third of green), a
    # camera records it green (its red channel barely responds there).
    green, green_cie = line_rgb(557.7), cie_line_rgb(557.7)
    assert green_cie[0] > 0.25 * green_cie[1]
    assert green[0] < 0.05 * green[1] and green[2] < 0.1 * green[1], green
    # Na D 589 nm: orange-gold, red well over green, no blue.
    gold = line_rgb(589.0)
    assert gold[0] > 3.0 * gold[1] > 0.0 and gold[2] < 0.02, gold
    # O I 630.0 nm: red.
    red = line_rgb(630.0)
    assert red[1] < 0.02 * red[0], red
    # Luminance 1 (the line's brightness is set photometrically elsewhere).
    for rgb in (green, gold, red):
        assert float(rgb @ LUMA) == pytest.approx(1.0, abs=1e-9)
    # Outside the measured range (380-780 nm) the camera says nothing (black, not an
    # extrapolation) and a layer takes the CIE colour instead of vanishing.
    assert not camera_response().line_rgb(800.0).any()
    far_red, near_uv = line_rgb(800.0), line_rgb(370.0)
    assert far_red[0] > 10.0 * max(far_red[1], far_red[2]), far_red
    assert near_uv[2] > 3.0 * near_uv[1], near_uv


@pytest.mark.parametrize("t_k", [2700.0, 4000.0, 6504.0])
def test_a_spectrum_of_lines_adds_up_to_its_cie_luminance(t_k):
    # The camera's radiometric scale (raw white of luminance Y gives linear sRGB Y):
    # a blackbody cut into 5 nm lines, each recorded as a line, sums to the linear
    # sRGB the CIE observer gives the same spectrum in cd/m^2, 683 lm/W times its
    # x-bar, y-bar, z-bar weighted sums (per W m^-2 sr^-1 nm^-1).
    cam = camera_response()
    lam = cam.wavelengths_nm
    s = planck(lam, t_k)
    s = s / s.max()  # W m^-2 sr^-1 nm^-1, any scale
    camera = sum(cam.line_radiance_rgb(x) * p * 5.0 for x, p in zip(lam, s, strict=True))
    cie = 683.0 * XYZ_TO_LINEAR_SRGB @ (s @ np.array([cie_xyz_cmf(x) for x in lam]) * 5.0)
    y = float(cie @ LUMA)
    assert float(camera @ LUMA) == pytest.approx(y, rel=0.03)
    assert camera / y == pytest.approx(cie / y, abs=0.04)


def test_a_line_is_as_strong_as_the_cameras_channels_make_it():
    # Per watt, 630 nm is recorded with more red than a colour of its CIE luminance
    # would have (the red channel reaches further into the red than V(lambda)), and
    # 557.7 nm with red and blue below zero (clipped only where the layers are summed).
    cam = camera_response()
    for lam, more_red in ((630.0, 1.3), (650.0, 1.8)):
        cie_red = line_rgb(lam)[0] * 683.0 * cie_xyz_cmf(lam)[1]
        assert cam.line_radiance_rgb(lam)[0] > more_red * cie_red, lam
    green = cam.line_radiance_rgb(557.7)
    assert green[0] < 0 and green[2] < 0 < green[1], green
    assert not cam.line_radiance_rgb(800.0).any()
