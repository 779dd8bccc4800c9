"""Airglow layers as the Earth pass draws them: rayleighs to radiance, spectral lines to colour.

Radiance of a column emission of B rayleighs at wavelength lambda:
1 R = 1e10 / (4 pi) photons s^-1 m^-2 sr^-1 (docs/physics.md, "Airglow"),
each photon carrying hc/lambda joules, so the radiance is
P = B * 1e10 / (4 pi) * hc / lambda  W m^-2 sr^-1.  For O I 557.7 nm:
1 R = 2.84e-10 W m^-2 sr^-1.

A line (``wavelength_nm``) is drawn as the camera records that radiance
(renderer/physics/camera.py, "Colour": a Nikon D5100's measured spectral
sensitivities, white-balanced and put through its colour matrix, calibrated so
that white of luminance Y gives linear sRGB (Y, Y, Y)): colour and strength
both come from the sensor's response at the line, not from the CIE observer.
So O I 557.7 nm is the pure green of airglow photographs (the CIE observer
calls it yellow-green), and red lines are as strong as the camera's red channel
makes them (O I 630.0 nm 1.4 times, OH near 650 nm twice the red of a
luminance-matched colour).  The channels are signed (the matrix gives 557.7 nm
red and blue below zero); airglow.glsl clips the sum of the layers.  Outside
the camera's measured range (380 to 780 nm; the scene format allows 360 to
830 nm) the CIE observer stands in: its colour (taken at 400 or 650 nm, where
the analytic fit of the colour-matching functions is still good for ratios) at
the line's CIE luminance, 683 lm/W * V(lambda) * P, which is negligible where
a camera's filters block.

A layer given a ``color`` (linear RGB) instead has that chromaticity,
normalised to luminance 1, and its rayleighs are converted as photons at
555 nm, where V = 1 (our convention: the format gives no wavelength).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from renderer.astro.constants import WGS84_A_KM
from renderer.physics.camera import camera_response, in_gamut_chromaticity
from renderer.physics.colour import (
    PEAK_EFFICACY_LM_PER_W,
    XYZ_TO_LINEAR_SRGB,
    cie_xyz_cmf,
    luminous_efficiency,
    photon_energy_j,
)
from renderer.scene import AirglowLayer

PHOTONS_PER_RAYLEIGH = 1e10 / (4.0 * math.pi)  # photons s^-1 m^-2 sr^-1, docs/physics.md
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
MAX_LAYERS = 8


def chromaticity_rgb(rgb: np.ndarray) -> np.ndarray:
    """A linear sRGB colour desaturated into gamut at constant luminance, scaled to luminance 1."""
    return in_gamut_chromaticity(rgb)


def cie_line_rgb(wavelength_nm: float) -> np.ndarray:
    """Linear sRGB of a spectral line as the CIE 1931 observer sees it, luminance 1."""
    return chromaticity_rgb(XYZ_TO_LINEAR_SRGB @ cie_xyz_cmf(wavelength_nm))


def line_rgb(wavelength_nm: float) -> np.ndarray:
    """Linear sRGB of a spectral line as the camera renders it, luminance 1.

    Outside the camera's measured range (380 to 780 nm; the scene format allows
    360 to 830 nm) the CIE observer's colour stands in, taken at 400 or 650 nm:
    the spectral locus hardly moves beyond those, and the analytic fit of the
    colour-matching functions is not good for ratios in their far tails.
    """
    rgb = camera_response().line_rgb(wavelength_nm)
    return rgb if rgb.any() else cie_line_rgb(min(max(wavelength_nm, 400.0), 650.0))


def radiance_per_rayleigh(wavelength_nm: float) -> float:
    """Radiance (W m^-2 sr^-1) of a 1 R column emission of a line at ``wavelength_nm``."""
    return PHOTONS_PER_RAYLEIGH * photon_energy_j(wavelength_nm)


def line_rgb_per_rayleigh(wavelength_nm: float) -> np.ndarray:
    """Linear sRGB (cd/m^2, signed) the camera records for a 1 R column of a line.

    Outside the camera's measured range: the CIE colour at the CIE luminance.
    """
    rgb = camera_response().line_radiance_rgb(wavelength_nm)
    if rgb.any():
        return rgb * radiance_per_rayleigh(wavelength_nm)
    return line_rgb(wavelength_nm) * luminance_per_rayleigh(wavelength_nm)


def luminance_per_rayleigh(wavelength_nm: float) -> float:
    """Luminance (cd/m^2) of a 1 R column emission of a line at ``wavelength_nm``."""
    return (
        radiance_per_rayleigh(wavelength_nm)
        * PEAK_EFFICACY_LM_PER_W
        * luminous_efficiency(wavelength_nm)
    )


@dataclass(frozen=True)
class LayerUniforms:
    """One layer as airglow.glsl takes it (sphere-space radius, sigma, peak emission)."""

    radius_km: float
    sigma_km: float
    emission: tuple[float, float, float]  # cd m^-2 km^-1 at the peak, linear sRGB, signed


def layer_uniforms(layer: AirglowLayer) -> LayerUniforms:
    """Peak volume emission E so that the vertical column E s sqrt(2 pi) is the zenith radiance.

    The column in linear sRGB (cd/m^2 seen straight down): a line as the camera
    records it, a ``color`` layer as that chromaticity at its luminance.
    """
    if layer.wavelength_nm is not None:
        per_r = line_rgb_per_rayleigh(layer.wavelength_nm)
    else:
        rgb = chromaticity_rgb(np.array(layer.color, dtype=np.float64))
        per_r = rgb * luminance_per_rayleigh(555.0) / luminous_efficiency(555.0)
    sigma = layer.width_km / FWHM_PER_SIGMA
    column = layer.zenith_rayleigh * per_r  # cd/m^2 seen straight down
    peak = column / (sigma * math.sqrt(2.0 * math.pi))  # cd/m^2 per km of path
    return LayerUniforms(WGS84_A_KM + layer.altitude_km, sigma, tuple(float(c) for c in peak))  # type: ignore[arg-type]


# Gravity-wave ripples: three plane waves (wavelength km, relative amplitude,
# phase speed m/s, direction of travel as a unit vector in ITRS).  Airglow
# imagers see horizontal wavelengths of tens of km and phase speeds of tens of
# m/s, with brightness modulated by ~10 %; the directions are fixed choices.
RIPPLES: tuple[tuple[float, float, float, tuple[float, float, float]], ...] = (
    (38.0, 0.07, 45.0, (0.48, 0.80, 0.36)),
    (90.0, 0.06, 30.0, (-0.70, 0.21, 0.68)),
    (310.0, 0.10, 60.0, (0.17, -0.62, 0.77)),
)


def ripple_uniforms(seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wave vectors rad/km (3, 3), phases rad (3,), amplitudes (3,)) at ``seconds`` of time.

    At most three waves (airglow.glsl's arrays); missing ones have amplitude 0.

    The phases are reduced modulo 2 pi in float64 here, so float32 in the
    shader never sees a large time.
    """
    ks, phases, amps = [np.zeros(3)] * 3, [0.0] * 3, [0.0] * 3
    for j, (wavelength, amp, speed_m_s, direction) in enumerate(RIPPLES):
        k = 2.0 * math.pi / wavelength
        v = np.asarray(direction, dtype=np.float64)
        ks[j] = v / np.linalg.norm(v) * k
        omega = k * speed_m_s / 1000.0  # rad/s
        phases[j] = math.fmod(-omega * seconds, 2.0 * math.pi)
        amps[j] = amp
    return np.array(ks), np.array(phases), np.array(amps)
