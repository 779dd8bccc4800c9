"""Colour science: the CIE 1931 observer, Planck's law, XYZ to linear sRGB, luminance and
the sRGB transfer curve.  The one copy of each in orbitlapse.

Linear sRGB here is scene light in the renderer's one radiometric scale: a colour
triple (R, G, B) whose luminance Y = 0.2126 R + 0.7152 G + 0.0722 B is in cd/m^2 for a
radiance, cd for an intensity, lux for an illuminance.  Colours "of luminance 1" are
chromaticities that a brightness multiplies.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from renderer.astro.constants import SPEED_OF_LIGHT_KM_S

FloatArray = npt.NDArray[np.float64]

# Planck's constant (exact, SI), J s.
PLANCK_J_S = 6.62607015e-34
# Luminous efficacy of monochromatic radiation at 540 THz (555 nm), the SI definition
# of the candela, lm/W.
PEAK_EFFICACY_LM_PER_W = 683.0
# The second radiation constant h c / k (CODATA 2018), nm K.
C2_NM_K = 1.438776877e7

# Rec. 709 / sRGB luminance weights of linear RGB (IEC 61966-2-1).
LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])

# XYZ -> linear sRGB (IEC 61966-2-1, D65 white), the matrix of the standard's
# primaries to seven places.
XYZ_TO_LINEAR_SRGB = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)

# Wavelengths of the spectral integrals: the CIE observer's range, 1 nm steps.
SPECTRUM_NM = np.arange(360.0, 831.0, 1.0)


def _lobe(lam: FloatArray, mu: float, s1: float, s2: float) -> FloatArray:
    """A Gaussian lobe with different widths below (s1) and above (s2) its centre mu."""
    t = (lam - mu) / np.where(lam < mu, s1, s2)
    return np.exp(-0.5 * t * t)


def cie_xyz_cmf(lam_nm: npt.ArrayLike) -> FloatArray:
    """CIE 1931 2-degree colour-matching functions at wavelengths (nm), ``(..., 3)``.

    The multi-lobe piecewise-Gaussian fit of Wyman, Sloan & Shirley 2013 ("Simple
    analytic approximations to the CIE XYZ color matching functions", JCGT 2(2)),
    within about 1 % of the tabulated functions.  The y function is V(lambda), the
    photopic luminous efficiency.
    """
    lam = np.asarray(lam_nm, dtype=np.float64)
    x = (
        1.056 * _lobe(lam, 599.8, 37.9, 31.0)
        + 0.362 * _lobe(lam, 442.0, 16.0, 26.7)
        - 0.065 * _lobe(lam, 501.1, 20.4, 26.2)
    )
    y = 0.821 * _lobe(lam, 568.8, 46.9, 40.5) + 0.286 * _lobe(lam, 530.9, 16.3, 31.1)
    z = 1.217 * _lobe(lam, 437.0, 11.8, 36.0) + 0.681 * _lobe(lam, 459.0, 26.0, 13.8)
    return np.stack([x, y, z], axis=-1)


def luminous_efficiency(wavelength_nm: float) -> float:
    """V(lambda), the CIE photopic luminous efficiency (the y colour-matching function)."""
    return float(cie_xyz_cmf(wavelength_nm)[1])


def photon_energy_j(wavelength_nm: float) -> float:
    """Energy of one photon of wavelength ``wavelength_nm``: h c / lambda, joules."""
    return PLANCK_J_S * SPEED_OF_LIGHT_KM_S * 1e3 / (wavelength_nm * 1e-9)


def blackbody_xyz(temperature_k: npt.ArrayLike) -> FloatArray:
    """CIE XYZ of Planck spectra at temperatures (K), scaled to Y = 1, ``(..., 3)``.

    B(lambda, T) ~ lambda^-5 / (exp(c2 / (lambda T)) - 1), integrated against
    :func:`cie_xyz_cmf` from 360 to 830 nm in 1 nm steps.
    """
    t = np.asarray(temperature_k, dtype=np.float64)[..., np.newaxis]
    lam = SPECTRUM_NM
    planck = lam**-5.0 / np.expm1(C2_NM_K / (lam * t))
    xyz = planck @ cie_xyz_cmf(lam)
    return xyz / xyz[..., 1:2]


def xyz_to_unit_luminance_srgb(xyz: npt.ArrayLike) -> FloatArray:
    """Linear sRGB of XYZ colours, out-of-gamut negatives clipped, rescaled to Y = 1."""
    rgb = np.asarray(xyz, dtype=np.float64) @ XYZ_TO_LINEAR_SRGB.T
    rgb = np.clip(rgb, 0.0, None)
    return rgb / (rgb @ LUMINANCE_WEIGHTS)[..., np.newaxis]


def blackbody_rgb(temperature_k: float) -> FloatArray:
    """Linear sRGB colour of a black body at ``temperature_k``, luminance 1, ``(3,)``.

    Planck's law in the CIE 1931 observer, converted to linear sRGB; components
    outside the gamut (the blue of a red-hot body) are clipped to zero, then the triple
    is rescaled so that its luminance is 1.
    """
    return xyz_to_unit_luminance_srgb(blackbody_xyz(float(temperature_k)))


def srgb_to_linear(c: npt.ArrayLike) -> FloatArray:
    """The sRGB decoding curve (IEC 61966-2-1): encoded values in [0, 1] to linear light."""
    c = np.asarray(c)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: npt.ArrayLike) -> FloatArray:
    """The sRGB encoding curve (IEC 61966-2-1): linear light, clipped to [0, 1], encoded."""
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
