"""The scene format as types: frozen dataclasses, the format's limits and its defaults.

Units follow the field names: degrees, kilometres, seconds; times are aware ``datetime``
objects in UTC.  This module imports nothing else from orbitlapse, so anything may
import it: the parsers fill these types and every later stage reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# ---------------------------------------------------------------------------
# The schema as types.  Defaults here are the defaults of docs/scenes.md.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSpec:
    """``[time]``: frame k shows ``start_utc + speed * k / fps`` (simulated seconds)."""

    start_utc: datetime
    speed: float = 1.0


@dataclass(frozen=True)
class Output:
    """``[output]``: where and how the video is written."""

    path: Path
    width: int = 1280
    height: int = 720
    fps: float = 30.0
    duration_s: float = 10.0
    codec: str = "h264"  # h264 | h265 | av1 | prores | png
    crf: int = 18
    # The encoder's speed preset: an x264/x265 name (h264, h265), an SVT-AV1 number
    # (av1); "" for the codec's default (renderer/output/codecs.py, DEFAULT_PRESETS).
    preset: str = ""

    @property
    def frame_count(self) -> int:
        """Number of frames: ``round(duration_s * fps)``, at least 1."""
        return max(1, round(self.duration_s * self.fps))


@dataclass(frozen=True)
class TleOrbit:
    """``camera.orbit.tle``: a two-line element set, propagated with SGP4.

    From ``camera.orbit.tle_file``: also the satellite's name (None in a 2-line file),
    the file, and how many of its sets were the satellite's (the one nearest the
    scene's start was taken).
    """

    line1: str
    line2: str
    name: str | None = None
    source: Path | None = None
    candidates: int = 1


@dataclass(frozen=True)
class ElementsOrbit:
    """``camera.orbit.elements``: a circular Keplerian orbit in the GCRS.

    Radius 6378.137 km + ``altitude_km``; ``raan_deg`` from the GCRS x axis;
    ``arg_latitude_deg`` is the angle from the ascending node at ``epoch_utc``.
    """

    altitude_km: float
    inclination_deg: float
    raan_deg: float
    arg_latitude_deg: float
    epoch_utc: datetime


# The ISS in November 2018, the defaults of ``camera.orbit.over`` (docs/physics.md, "The
# ISS that night"): SGP4 on the TLEs of 2018-11-11 and 2018-11-23 puts the station a mean
# 404.8 and 404.9 km beyond 6378.137 km over the orbit of 2018-11-16 (the mean motion,
# 15.54 rev/day, gives 405.2 km), inclined 51.64 deg.
ISS_ALTITUDE_KM = 405.0
ISS_INCLINATION_DEG = 51.64


@dataclass(frozen=True)
class OverOrbit:
    """``camera.orbit.over``: a circular orbit whose geocentric sub-point is
    (``lat_deg``, ``lon_deg``) at ``time_utc``, northbound if ``ascending``; the ISS's
    altitude and inclination unless given."""

    lat_deg: float
    lon_deg: float
    time_utc: datetime
    altitude_km: float = ISS_ALTITUDE_KM
    inclination_deg: float = ISS_INCLINATION_DEG
    ascending: bool = True


Orbit = TleOrbit | ElementsOrbit | OverOrbit


@dataclass(frozen=True)
class GroundTarget:
    """``camera.look.target = { lat_deg, lon_deg }``: keep a ground point centred."""

    lat_deg: float
    lon_deg: float


@dataclass(frozen=True)
class LaunchTarget:
    """``camera.look.target = "launch:N"``: keep launch N's vehicle centred (1-based)."""

    index: int


@dataclass(frozen=True)
class Look:
    """``[camera.look]``: pointing in the orbit's local frame (see docs/scenes.md).

    Without a target, ``azimuth_deg`` and ``elevation_deg`` are the view axis's
    direction.  With one, the file's ``azimuth_deg`` and ``elevation_deg`` are read
    into ``offset_azimuth_deg`` and ``offset_elevation_deg``: turns from the target's
    own azimuth and elevation in the same local frame.
    """

    azimuth_deg: float = 0.0
    elevation_deg: float = -20.0
    roll_deg: float = 0.0
    target: GroundTarget | LaunchTarget | None = None
    offset_azimuth_deg: float = 0.0
    offset_elevation_deg: float = 0.0


@dataclass(frozen=True)
class Exposure:
    """``[camera.exposure]``: ISO, shutter and aperture, or an EV100 outright."""

    iso: float = 6400.0
    shutter_s: float = 0.5
    f_number: float = 1.4
    ev100: float | None = None


# ``ease`` of a camera keyframe: how the segment that starts at it moves (docs/scenes.md).
EASINGS = ("linear", "smooth", "ease-in", "ease-out", "hold")


@dataclass(frozen=True)
class Keyframe:
    """``[[camera.keyframe]]``: the camera at ``t_s`` seconds of video.

    Every value is complete: what the key does not give is carried over from the key
    before it (the first key's from ``[camera]``, ``[camera.look]`` and
    ``[camera.exposure]``).  ``ease`` shapes the segment from this key to the next.
    """

    t_s: float
    look: Look
    fov_deg: float
    exposure: Exposure
    ease: str = "smooth"  # one of EASINGS


@dataclass(frozen=True)
class MotionBlur:
    """``[camera.motion_blur]``: sub-frames per frame and the shutter angle."""

    samples: int = 1
    shutter_angle_deg: float = 180.0


@dataclass(frozen=True)
class Noise:
    """``[camera.noise]``: seeded sensor noise: photon shot noise, read noise and hot
    pixels, per colour channel of a Bayer sensor (so colour noise after its colour matrix).

    The sensor holds ``full_well_e`` electrons at saturation at ``base_iso``; at a
    higher ISO the analogue gain reaches saturation with proportionally fewer
    electrons, so shot noise grows as the ISO does.  An output pixel gathers the
    photosites of a sensor ``sensor_width_px`` wide scaled to the frame's width, so a
    smaller frame is less grainy, as a downscaled photograph is.  A fraction
    ``hot_pixel_fraction`` of the photosites are hot: each collects dark charge at a
    mean rate of ``hot_pixel_e_per_s`` (exponentially distributed), fixed per seed.
    On by default at ISO ``NOISE_DEFAULT_MIN_ISO`` and above (see the parser).
    """

    seed: int = 0
    full_well_e: float = 60000.0
    read_noise_e: float = 2.5
    base_iso: float = 100.0
    sensor_width_px: int = 5568
    hot_pixel_fraction: float = 1e-4
    hot_pixel_e_per_s: float = 100.0


@dataclass(frozen=True)
class Bloom:
    """``[camera.bloom]``: the fraction of each pixel's light the lens and sensor spread
    into a wide halo (energy-conserving: the rest stays in the pixel).  The default is a
    measured fast lens's share beyond 100 arcsec (renderer/passes/bloom.py)."""

    fraction: float = 0.014


@dataclass(frozen=True)
class Camera:
    """``[camera]``."""

    orbit: Orbit
    fov_deg: float = 60.0
    look: Look = field(default_factory=Look)
    exposure: Exposure = field(default_factory=Exposure)
    motion_blur: MotionBlur = field(default_factory=MotionBlur)
    noise: Noise | None = None
    bloom: Bloom | None = field(default_factory=Bloom)
    tone: str = "camera"  # one of TONE_CURVES
    # Camera moves over video time, strictly increasing in t_s; empty: a fixed camera.
    keyframes: tuple[Keyframe, ...] = ()


@dataclass(frozen=True)
class DayLayer:
    """``earth.day``: sunlit surface; ``texture`` None means the shipped Blue Marble."""

    texture: Path | None = None


@dataclass(frozen=True)
class NightLights:
    """``earth.night_lights``: city lights, radiance scaled by ``intensity``."""

    intensity: float = 1.0


@dataclass(frozen=True)
class Clouds:
    """``earth.clouds``: procedural cloud layer."""

    coverage: float = 0.4
    seed: int = 1
    altitude_km: float = 5.0
    drift: float = 1.0


@dataclass(frozen=True)
class Atmosphere:
    """``earth.atmosphere``: scattering of sunlight and moonlight (no options yet)."""


@dataclass(frozen=True)
class AirglowLayer:
    """One airglow emission shell: Gaussian in height, column ``zenith_rayleigh``.

    Exactly one of ``color`` (linear RGB) and ``wavelength_nm`` is set.
    """

    name: str
    altitude_km: float
    width_km: float  # full width at half maximum
    zenith_rayleigh: float
    color: tuple[float, float, float] | None = None
    wavelength_nm: float | None = None


@dataclass(frozen=True)
class Airglow:
    """``earth.airglow``: the emission layers drawn."""

    layers: tuple[AirglowLayer, ...]


@dataclass(frozen=True)
class Glint:
    """``earth.glint``: specular reflection of Sun and Moon on water (no options yet)."""


@dataclass(frozen=True)
class Earth:
    """``[earth]``: each layer is None when switched off with ``false``."""

    day: DayLayer | None = field(default_factory=DayLayer)
    night_lights: NightLights | None = field(default_factory=NightLights)
    clouds: Clouds | None = field(default_factory=Clouds)
    atmosphere: Atmosphere | None = field(default_factory=Atmosphere)
    airglow: Airglow | None = None  # the parser fills in the default layers
    glint: Glint | None = field(default_factory=Glint)


@dataclass(frozen=True)
class Stars:
    """``[stars]``: catalogue stars down to ``limiting_magnitude``."""

    limiting_magnitude: float = 8.0


@dataclass(frozen=True)
class Site:
    """A launch site: geodetic latitude and longitude; ``name`` if built in."""

    lat_deg: float
    lon_deg: float
    name: str | None = None


@dataclass(frozen=True)
class StageSpec:
    """One stage of a custom vehicle: it separates at ``separation_s`` after lift-off.

    ``count`` pieces fall away together (the four Soyuz strap-on boosters are one
    entry with count 4).
    """

    name: str
    separation_s: float
    count: int = 1


@dataclass(frozen=True)
class VehicleTable:
    """A custom vehicle: staging and an ascent table of (t_s, altitude_km, downrange_km)."""

    stages: tuple[StageSpec, ...]
    profile: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class Launch:
    """``[[launch]]``: exactly one of ``azimuth_deg`` and ``target_inclination_deg`` is set."""

    vehicle: str | VehicleTable
    site: Site
    time_utc: datetime
    azimuth_deg: float | None = None
    target_inclination_deg: float | None = None


@dataclass(frozen=True)
class Scene:
    """A whole validated scene.  ``source`` is the file it came from (for messages)."""

    source: Path
    time: TimeSpec
    output: Output
    camera: Camera
    earth: Earth
    stars: Stars | None
    launches: tuple[Launch, ...] = ()
    title: str = ""
    scene_version: int = 1
    # How the passes that have two implementations run on the GPU (GL_PATHS): not a
    # key of the file but the command line's --gl-path; both give the same picture.
    # "auto" is decided per device when GL starts (renderer/gl/gl_path.py).
    gl_path: str = "auto"

    def sim_seconds(self, frame: float) -> float:
        """Simulated seconds after ``time.start_utc`` shown by (fractional) frame index."""
        return self.time.speed * frame / self.output.fps


# ---------------------------------------------------------------------------
# Limits of the format.  Where docs/scenes.md gives no bound, these are sanity bounds
# that keep later arithmetic (frame counts, exp2 of EV100, timedelta) finite.
# ---------------------------------------------------------------------------

SCENE_VERSION = 1
#: ``--gl-path``: whichever the device runs faster, fragment shaders (drawn passes) or
#: compute shaders.
GL_PATHS = ("auto", "fragment", "compute")


MAX_SIZE_PX = 16384  # GL_MAX_TEXTURE_SIZE of common GPUs: a frame must fit one texture
MAX_FPS = 1000.0
MAX_DURATION_S = 86400.0  # a day of video
MAX_ORBIT_ALTITUDE_KM = 100000.0
MAX_AIRGLOW_LAYERS = 8  # so the airglow pass can use a fixed-size uniform array
MAX_MOTION_BLUR_SAMPLES = 64
MAX_STAGE_COUNT = 64
# Each key adds one look to evaluate per frame: a few dozen make any camera move.
MAX_KEYFRAMES = 256
EV100_RANGE = (-20.0, 30.0)  # far beyond any real night (-5) or sunlit (15) exposure
# Without a [camera.noise] key, noise is on when the exposure names an ISO this high or
# higher (high-ISO frames shimmer with grain); an exposure given as ev100 alone names none.
NOISE_DEFAULT_MIN_ISO = 1600.0
# ``[camera] tone``: a camera's JPEG rendering (the default) or the older filmic curve
# (renderer/physics/camera.py describes both).
TONE_CURVES = ("camera", "filmic")
MAX_SCENE_BYTES = 1 << 20
# A CelesTrak catalogue of every tracked object is a few MB; decades of one satellite's
# sets are tens of MB.
MAX_TLE_FILE_BYTES = 64 << 20
# ffmpeg's frame rate is a fraction with a denominator up to 1001 (output/ffmpeg.py): a
# rate below half of 1/1001 would round to zero frames a second.  0.01 (a frame every
# 100 s of video) is far below any real use.
MIN_FPS = 0.01
# The title goes to ffmpeg as one argument (-metadata title=...), and Linux limits one
# argument to 128 KiB; 4,096 characters are at most 16 KiB of UTF-8.
MAX_TITLE_CHARS = 4096
# Each launch is simulated and drawn every frame; a few are a scene, thousands a stall.
MAX_LAUNCHES = 16
# A custom day texture is uploaded as one GL texture (at most MAX_SIZE_PX on a side on
# common GPUs and llvmpipe) and held decoded in memory (3 bytes a pixel): 16384 x 8192,
# the largest equirectangular image of that width, is 400 MB.
MAX_TEXTURE_PIXELS = 16384 * 8192
# Radiances are float32 on the GPU (at most 3.4e38) and are multiplied by exposure gains
# of up to 2^20 and summed over layers; anything brighter than the Sun's disk (1.6e9
# cd/m^2, which the renderer draws) is safe from overflow.  City lights of the brightest
# code value are 0.3 cd/m^2 at intensity 1, so 1e6 keeps them far below the Sun.
MAX_NIGHT_LIGHTS_INTENSITY = 1e6
# 1 R of green airglow is about 1e-7 cd/m^2 straight down and some 40 times that along
# the limb; ten million rayleigh (ten times the brightest aurora) stays far below the Sun.
MAX_ZENITH_RAYLEIGH = 1e7
# The layer's peak emission divides by its width: widths below 100 m overflow float32
# with a bright column and are far thinner than any real emission layer (kilometres).
MIN_AIRGLOW_WIDTH_KM = 0.1
# The drift angle grows as drift x simulated seconds; at 100 (a 1 km/s wind) it stays a
# finite float64 over the whole ephemeris span and its float32 angle keeps precision.
MAX_CLOUD_DRIFT = 100.0

# DE421, the ephemeris skyfield loads, covers 1899-07-29 to 2053-10-09 (JD 2414864.5 to
# 2471184.5 TDB).  A day inside each end absorbs TT-UTC and skyfield's edge handling.
EPHEMERIS_FIRST = datetime(1899, 7, 30, tzinfo=UTC)
EPHEMERIS_LAST = datetime(2053, 10, 8, tzinfo=UTC)

# The four layers of docs/physics.md's Airglow table.  The lines give their wavelength,
# not an RGB triple, so that the camera's response alone decides their colour and strength.
DEFAULT_AIRGLOW_LAYERS: tuple[AirglowLayer, ...] = (
    # docs/physics.md: 97 km, 8 to 10 km wide, 250 to 320 R; the thin end and the low end
    # (a quiet night).
    AirglowLayer("O I 557.7 nm", 97.0, 8.0, 250.0, wavelength_nm=557.7),
    # docs/physics.md: 92 km, rms 4.3 km, so FWHM = 2.355 * 4.3 = 10.1 km.  50 R, a typical
    # mid-latitude Na D nightglow (tens of rayleighs in summer, 100 to 200 R in winter).
    AirglowLayer("Na D 589 nm", 92.0, 10.1, 50.0, wavelength_nm=589.0),
    # docs/physics.md: 87 km, about 8 km, 90 to 1,620 R per band.  A camera's IR-cut filter
    # removes most OH power; what it records is about one band near 650 nm (the (6-1)
    # band and weak high overtones): 90 R there, the low end of the per-band range.
    AirglowLayer("OH Meinel", 87.0, 8.0, 90.0, wavelength_nm=650.0),
    # docs/physics.md: about 245 km, "broad", about 160 R (an average solar activity; near
    # solar minimum late in the night it is tens of rayleighs or less, see the flagship).
    # The F-region layer is tens of km thick; 60 km FWHM is our choice within that.
    AirglowLayer("O I 630.0 nm", 245.0, 60.0, 160.0, wavelength_nm=630.0),
)
