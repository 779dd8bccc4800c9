"""The camera: the luminance that saturates it, its colour response (what colour a
spectral line is in the picture), and its display rendering, how a linear sensor value
becomes an 8-bit code (EV100 itself is in ``renderer.physics.exposure``).

Saturation: 1.2 * 2^EV100 cd/m^2 (ISO 12232's saturation-based speed, L_sat = 78 N^2 /
(q S t) with q = 0.65).

Colour:

A camera does not see like the CIE standard observer: each pixel's red, green
and blue filters have their own spectral sensitivities, and the camera turns
their raw signals into display colour with a 3 x 3 matrix fitted on broadband
colours.  For broadband light the two routes agree (that is what the fit is
for); for a spectral line they do not.  The O I 557.7 nm airglow line lies on the
yellow side of the sRGB green primary for the CIE observer (linear sRGB about
0.4 : 1.3 : 0), but a camera's red channel barely responds at 557.7 nm, so
cameras record it as pure green, as photographs of the airglow from the ISS
show.

``assets/camera_response.json`` (built by ``assets/build_assets.py
camera_response``) holds:

* the measured spectral sensitivities of a Nikon D5100 (Darrodi, Finlayson,
  Goodman & Mackiewicz 2015, "Reference data set for camera spectral
  sensitivity estimation", JOSA A 32(3) 381; NPL measurements, via the
  colour-science package), 380 to 780 nm every 5 nm; Nikon's D-series bodies
  used on the ISS have sensors of the same kind;
* the raw response to the D65 illuminant (the white balance: D65 white gives
  equal channels), and that D65's luminance on the same scale (its sum of y-bar);
* the colour matrix from white-balanced raw to linear sRGB, fitted by least
  squares on the 24 patches of the ColorChecker (N. Ohta's spectral
  reflectances) under D65, against their CIE 1931 colours: how a camera maker
  characterises a sensor.

A spectral line's colour and strength both come from here.  The renderer's linear
sRGB is in cd/m^2 (the README, "One radiometric scale"), and the camera is calibrated
on white: raw D65 of luminance Y, balanced to (1, 1, 1), becomes linear sRGB (Y, Y, Y)
(the matrix keeps white to 2 %).  So a line of radiance P (W m^-2 sr^-1) at lambda,
whose raw signal is s(lambda) P, is recorded as

    rgb = 683 lm/W * W_Y * M (s(lambda) / w) * P          cd/m^2, linear sRGB

with s the sensitivities, w = sum D65 s and W_Y = sum D65 y-bar the white's raw
signal and luminance on the same 5 nm grid, M the colour matrix.  For broadband light
this is the CIE luminance (what the matrix is fitted for); for a line it is not: the
red channel reaches further into the red than V(lambda), so O I 630.0 nm is recorded
with 1.4 times, OH near 650 nm with 2 times the red that the CIE luminance at the
line's in-gamut chromaticity would give, and O I 557.7 nm with 0.93 times the green.
The matrix gives a line channels below zero (557.7 nm: red and blue at -0.3 of
green); they stay signed where lines add up, as raw signals do before a camera's
matrix, and are clipped where the sum is drawn (shaders/lib/airglow.glsl).

Display rendering (``[camera] tone``; shaders/post.glsl applies it):

* ``"camera"`` (the default) renders as a camera's JPEG engine does (the README, "A
  camera's picture"): the sensor value x (1 = saturation) less a small black point b,
  x' = (x - b) / (1 - b) clipped to [0, 1] (white clips where the sensor does), then the
  sRGB encoding v = sRGB(x') (IEC 61966-2-1), then a mild S-curve in the encoded value,
  v' = v + s (smoothstep(v) - v) = v - s v (1 - v) (1 - 2 v): slope 1 - s at black and
  white, 1 + s/2 at mid-grey, so shadows sit a little below plain sRGB and mid-tones gain
  a few per cent of contrast, as a camera's "standard" picture style does.  The black
  point b = 0.0002 (12.3 stops below clipping, two thirds of an sRGB code) sets the
  faintest signal that leaves black; with s = 0.08 the codes stay within 10 % of plain
  sRGB from x = 0.005 up.  Sensor values 0.001, 0.01, 0.04, 0.10 become codes 2, 24, 54,
  88 (plain sRGB: 3, 25, 56, 89).
* ``"filmic"``: the earlier film-like curve (Hable's rational toe and shoulder, its white
  point at saturation, then sRGB), which lifts shadows by one to two stops: 14, 58, 110,
  156 for the same four values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np

from renderer.assets import asset_path
from renderer.physics.colour import LUMINANCE_WEIGHTS, PEAK_EFFICACY_LM_PER_W
from renderer.physics.exposure import ExposureSettings, ev100
from renderer.scene import Exposure, Noise

CAMERA_RESPONSE_FILE = "camera_response.json"

# The camera rendering's black point (fraction of saturation) and S-curve strength.
CAMERA_BLACK_POINT = 0.0002
CAMERA_S_CURVE = 0.08


@dataclass(frozen=True)
class CameraResponse:
    """A sensor's spectral sensitivities, its white balance and its colour matrix."""

    name: str
    wavelengths_nm: np.ndarray  # (N,)
    sensitivities: np.ndarray  # (N, 3) raw R, G, B per unit spectral power
    white_raw: np.ndarray  # (3,) raw response to the D65 spectrum
    white_luminance: float  # the same D65's sum of y-bar, on the raw response's scale
    matrix: np.ndarray  # (3, 3) white-balanced raw -> linear sRGB

    def raw(self, wavelength_nm: float) -> np.ndarray:
        """White-balanced raw response (R, G, B) to a line at ``wavelength_nm``."""
        lam = float(wavelength_nm)
        if not self.wavelengths_nm[0] <= lam <= self.wavelengths_nm[-1]:
            return np.zeros(3)
        s = np.array(
            [np.interp(lam, self.wavelengths_nm, self.sensitivities[:, c]) for c in range(3)]
        )
        return s / self.white_raw

    def line_rgb(self, wavelength_nm: float) -> np.ndarray:
        """Linear sRGB of a spectral line as this camera renders it, luminance 1.

        The matrix applied to the line's raw response; where that is outside the
        sRGB gamut (a negative channel) it is desaturated toward white at
        constant luminance just enough to bring every channel to zero
        (in_gamut_chromaticity).  Black outside the measured range.
        """
        return in_gamut_chromaticity(self.matrix @ self.raw(wavelength_nm))

    def line_radiance_rgb(self, wavelength_nm: float) -> np.ndarray:
        """Linear sRGB (cd/m^2) this camera records for a line of radiance 1 W m^-2 sr^-1.

        683 lm/W * W_Y * M (s(lambda) / w) (the module's "Colour"): signed, as the
        matrix gives it (a channel may be below zero); zero outside the measured range.
        """
        white = PEAK_EFFICACY_LM_PER_W * self.white_luminance
        return white * (self.matrix @ self.raw(wavelength_nm))

    @property
    def channel_gain(self) -> np.ndarray:
        """Raw signal of each channel per unit of white-balanced raw, relative to the
        channel that saturates first on white (green): white_raw / max(white_raw).  A
        channel with a gain below 1 collects fewer electrons for the same picture value,
        so the white balance amplifies its noise."""
        return self.white_raw / self.white_raw.max()


@cache
def camera_response() -> CameraResponse:
    """The shipped camera response (assets/camera_response.json)."""
    data = json.loads(asset_path(CAMERA_RESPONSE_FILE).read_text())
    return CameraResponse(
        name=data["camera"],
        wavelengths_nm=np.asarray(data["wavelengths_nm"], dtype=np.float64),
        sensitivities=np.asarray(data["sensitivities"], dtype=np.float64),
        white_raw=np.asarray(data["white_raw_d65"], dtype=np.float64),
        white_luminance=float(data["white_luminance_d65"]),
        matrix=np.asarray(data["matrix_raw_to_linear_srgb"], dtype=np.float64),
    )


def in_gamut_chromaticity(rgb: np.ndarray) -> np.ndarray:
    """A linear sRGB colour desaturated into gamut at constant luminance, scaled to luminance 1.

    Black (all zeros) for a colour of no luminance.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    y = float(rgb @ LUMINANCE_WEIGHTS)
    if y <= 0.0:
        return np.zeros(3)
    # rgb + s (y - rgb) >= 0 for every channel: s >= -c / (y - c) where c < 0.
    neg = rgb < 0.0
    s = float(np.max(-rgb[neg] / (y - rgb[neg]))) if neg.any() else 0.0
    out = rgb + s * (y - rgb)
    return np.clip(out, 0.0, None) / y


@dataclass(frozen=True)
class SensorNoise:
    """A scene's sensor noise as one output pixel sees it (shaders/post.glsl applies it).

    An output pixel W pixels wide gathers n = (sensor_width_px / W)^2 photosites (at
    least one): n times the electrons, sqrt(n) times the read noise, and n chances of
    holding a hot photosite, whose charge is then spread over the whole pixel.
    """

    full_well_e: float  # electrons of the green channel at saturation, per output pixel
    read_noise_e: float  # electrons RMS per channel, per output pixel
    hot_fraction: float  # probability that an output pixel holds a hot photosite
    hot_mean_e: float  # mean dark charge of a hot photosite during the exposure, electrons


def sensor_noise(noise: Noise, exposure: Exposure, width_px: int) -> SensorNoise:
    """The output pixel's noise parameters for a frame ``width_px`` wide.

    With the exposure given as EV100 alone the ISO is unknown: the sensor's base ISO.
    """
    iso = noise.base_iso if exposure.ev100 is not None else exposure.iso
    n = max((noise.sensor_width_px / max(width_px, 1)) ** 2, 1.0)
    return SensorNoise(
        full_well_e=noise.full_well_e * noise.base_iso / max(iso, 1e-6) * n,
        read_noise_e=noise.read_noise_e * n**0.5,
        hot_fraction=min(noise.hot_pixel_fraction * n, 1.0),
        hot_mean_e=noise.hot_pixel_e_per_s * exposure.shutter_s,
    )


def saturation_luminance(exposure: ExposureSettings) -> float:
    """Luminance (cd/m^2) that just saturates the sensor: 1.2 * 2^EV100.

    ISO 12232's saturation-based speed, L_sat = 78 N^2 / (q S t) with q = 0.65;
    see shaders/post.glsl.
    """
    return 1.2 * 2.0 ** ev100(exposure)
