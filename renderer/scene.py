"""The scene file: TOML parsed and validated into frozen dataclasses.

This module is the contract of ``shared/SCENE_FORMAT.md`` (version 1) in code.
Every key of that page is parsed and checked here, before any frame is drawn;
a problem raises :class:`renderer.errors.SceneError` naming the file, the key
path and what is wrong.  Nothing downstream re-validates.

Units follow the key names: degrees, kilometres, seconds; times are aware
``datetime`` objects in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# ---------------------------------------------------------------------------
# The schema as types.  Defaults here are the defaults of SCENE_FORMAT.md.
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

    @property
    def frame_count(self) -> int:
        """Number of frames: ``round(duration_s * fps)``, at least 1."""
        return max(1, round(self.duration_s * self.fps))


@dataclass(frozen=True)
class TleOrbit:
    """``camera.orbit.tle``: a two-line element set, propagated with SGP4."""

    line1: str
    line2: str


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


@dataclass(frozen=True)
class OverOrbit:
    """``camera.orbit.over``: a circular orbit whose geocentric sub-point is
    (``lat_deg``, ``lon_deg``) at ``time_utc``, northbound if ``ascending``."""

    lat_deg: float
    lon_deg: float
    time_utc: datetime
    altitude_km: float
    inclination_deg: float
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
    """``[camera.look]``: pointing in the orbit's local frame (see SCENE_FORMAT.md)."""

    azimuth_deg: float = 0.0
    elevation_deg: float = -20.0
    roll_deg: float = 0.0
    target: GroundTarget | LaunchTarget | None = None


@dataclass(frozen=True)
class Exposure:
    """``[camera.exposure]``: ISO, shutter and aperture, or an EV100 outright."""

    iso: float = 6400.0
    shutter_s: float = 0.5
    f_number: float = 1.4
    ev100: float | None = None


@dataclass(frozen=True)
class MotionBlur:
    """``[camera.motion_blur]``: sub-frames per frame and the shutter angle."""

    samples: int = 1
    shutter_angle_deg: float = 180.0


@dataclass(frozen=True)
class Camera:
    """``[camera]``."""

    orbit: Orbit
    fov_deg: float = 60.0
    look: Look = field(default_factory=Look)
    exposure: Exposure = field(default_factory=Exposure)
    motion_blur: MotionBlur = field(default_factory=MotionBlur)


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

    def sim_seconds(self, frame: float) -> float:
        """Simulated seconds after ``time.start_utc`` shown by (fractional) frame index."""
        return self.time.speed * frame / self.output.fps
