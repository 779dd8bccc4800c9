"""The scene file: TOML parsed and validated into frozen dataclasses.

This module is the contract of ``shared/SCENE_FORMAT.md`` (version 1) in code.
Every key of that page is parsed and checked here, before any frame is drawn;
a problem raises :class:`renderer.errors.SceneError` naming the file, the key
path and what is wrong.  Nothing downstream re-validates.

Units follow the key names: degrees, kilometres, seconds; times are aware
``datetime`` objects in UTC.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from sgp4.api import SGP4_ERRORS, Satrec, jday

from renderer.errors import SceneError
from renderer.output.writer import CONTAINERS, CRF_RANGES, EVEN_SIZE_CODECS
from renderer.physics.launch.ascent import SITES, VEHICLE_NAMES

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
class Noise:
    """``[camera.noise]``: seeded sensor noise, photon shot noise and read noise.

    The sensor holds ``full_well_e`` electrons at saturation at ``base_iso``; at a
    higher ISO the analogue gain reaches saturation with proportionally fewer
    electrons, so shot noise grows as the ISO does.  Off unless the key is given.
    """

    seed: int = 0
    full_well_e: float = 60000.0
    read_noise_e: float = 2.5
    base_iso: float = 100.0


@dataclass(frozen=True)
class Bloom:
    """``[camera.bloom]``: the fraction of each pixel's light the lens and sensor spread
    into a wide halo (energy-conserving: the rest stays in the pixel)."""

    fraction: float = 0.02


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


# ---------------------------------------------------------------------------
# Limits of the format.  Where SCENE_FORMAT.md gives no bound, these are sanity bounds
# that keep later arithmetic (frame counts, exp2 of EV100, timedelta) finite.
# ---------------------------------------------------------------------------

SCENE_VERSION = 1

# What ffmpeg can write is the video writer's knowledge; the scene checks against it.
CODECS: tuple[str, ...] = tuple(CONTAINERS)

MAX_SIZE_PX = 16384  # GL_MAX_TEXTURE_SIZE of common GPUs: a frame must fit one texture
MAX_FPS = 1000.0
MAX_DURATION_S = 86400.0  # a day of video
MAX_ORBIT_ALTITUDE_KM = 100000.0
MAX_AIRGLOW_LAYERS = 8  # so the airglow pass can use a fixed-size uniform array
MAX_MOTION_BLUR_SAMPLES = 64
MAX_STAGE_COUNT = 64
EV100_RANGE = (-20.0, 30.0)  # far beyond any real night (-5) or sunlit (15) exposure
MAX_SCENE_BYTES = 1 << 20

# DE421, the ephemeris skyfield loads, covers 1899-07-29 to 2053-10-09 (JD 2414864.5 to
# 2471184.5 TDB).  A day inside each end absorbs TT-UTC and skyfield's edge handling.
EPHEMERIS_FIRST = datetime(1899, 7, 30, tzinfo=UTC)
EPHEMERIS_LAST = datetime(2053, 10, 8, tzinfo=UTC)

# The four layers of shared/REFERENCE.md's Airglow table.  The lines give their wavelength,
# not an RGB triple, so that the camera's colour response alone decides their colour.
DEFAULT_AIRGLOW_LAYERS: tuple[AirglowLayer, ...] = (
    # REFERENCE.md: 97 km, about 10 km wide, 250 to 320 R; the low end, a quiet night.
    AirglowLayer("O I 557.7 nm", 97.0, 10.0, 250.0, wavelength_nm=557.7),
    # REFERENCE.md: 92 km, rms 4.3 km, so FWHM = 2.355 * 4.3 = 10.1 km.  REFERENCE.md has
    # no source for its brightness: 50 R is a typical mid-latitude Na D nightglow (tens to
    # about 150 R through the year), our choice, not a REFERENCE.md figure.
    AirglowLayer("Na D 589 nm", 92.0, 10.1, 50.0, wavelength_nm=589.0),
    # REFERENCE.md: 87 to 90 km, about 8 km, 90 to 1,620 R per band.  Most OH power is in
    # near-infrared bands that a camera's IR-cut filter removes; what it records are the
    # weak high-overtone bands between about 590 and 700 nm.  We count three such bands at
    # the low end of REFERENCE.md's per-band range (3 x 90 = 270 R) and place them at
    # 650 nm, their middle, which the camera renders red as photographs show it.
    AirglowLayer("OH Meinel", 87.0, 8.0, 270.0, wavelength_nm=650.0),
    # REFERENCE.md: about 245 km, "broad", about 160 R.  The F-region layer is tens of km
    # thick; 60 km FWHM is our choice within that.
    AirglowLayer("O I 630.0 nm", 245.0, 60.0, 160.0, wavelength_nm=630.0),
)

_TOP_KEYS = ("scene_version", "title", "time", "output", "camera", "earth", "stars", "launch")
_TIME_KEYS = ("start_utc", "speed")
_OUTPUT_KEYS = ("path", "width", "height", "fps", "duration_s", "codec", "crf")
_CAMERA_KEYS = ("fov_deg", "orbit", "look", "exposure", "motion_blur", "noise", "bloom")
_NOISE_KEYS = ("seed", "full_well_e", "read_noise_e", "base_iso")
_BLOOM_KEYS = ("fraction",)
_ORBIT_FORMS = ("tle", "elements", "over")
_ELEMENTS_KEYS = ("altitude_km", "inclination_deg", "raan_deg", "arg_latitude_deg", "epoch_utc")
_OVER_KEYS = ("lat_deg", "lon_deg", "time_utc", "altitude_km", "inclination_deg", "ascending")
_LOOK_KEYS = ("azimuth_deg", "elevation_deg", "roll_deg", "target")
_EXPOSURE_KEYS = ("iso", "shutter_s", "f_number", "ev100")
_BLUR_KEYS = ("samples", "shutter_angle_deg")
_EARTH_KEYS = ("day", "night_lights", "clouds", "atmosphere", "airglow", "glint")
_CLOUD_KEYS = ("coverage", "seed", "altitude_km", "drift")
_AIRGLOW_LAYER_KEYS = (
    "name",
    "altitude_km",
    "width_km",
    "zenith_rayleigh",
    "color",
    "wavelength_nm",
)
_LAUNCH_KEYS = ("vehicle", "site", "time_utc", "azimuth_deg", "target_inclination_deg")
_LATLON_KEYS = ("lat_deg", "lon_deg")
_STAGE_KEYS = ("name", "separation_s", "count")
_VIDEO_SUFFIXES = frozenset(s for suffixes in CONTAINERS.values() for s in suffixes)

_TIME_EXAMPLE = '"2018-11-16T18:14:08Z"'
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)?", re.ASCII
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_LAUNCH_REF = re.compile(r"launch:([0-9]{1,9})", re.ASCII)

_MISSING: Any = object()
_T = TypeVar("_T")


# ---------------------------------------------------------------------------
# Validation toolkit: every check raises SceneError(file, key path, message).
# ---------------------------------------------------------------------------


class _Ctx:
    """The file messages name, and the folder relative texture paths start from."""

    def __init__(self, file: str, base_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir

    def fail(self, key: str, message: str) -> NoReturn:
        raise SceneError(self.file, key, message)


@dataclass(frozen=True)
class _Range:
    """An interval of allowed numbers; None is unbounded on that side."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, x: float) -> bool:
        if self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo):
            return False
        return self.hi is None or (x < self.hi if self.hi_open else x <= self.hi)

    def text(self, noun: str) -> str:
        """``noun`` with its bounds in words: "a number from 1 to 170"."""
        lo = None if self.lo is None else _fmt_num(self.lo)
        hi = None if self.hi is None else _fmt_num(self.hi)
        if lo is not None and hi is not None:
            if not self.lo_open and not self.hi_open:
                return f"{noun} from {lo} to {hi}"
            if self.lo_open and not self.hi_open:
                return f"{noun} greater than {lo} and at most {hi}"
            if not self.lo_open:
                return f"{noun} from {lo} up to but not including {hi}"
            return f"{noun} between {lo} and {hi}, exclusive"
        if lo is not None:
            return f"{noun} greater than {lo}" if self.lo_open else f"{noun} of at least {lo}"
        if hi is not None:
            return f"{noun} less than {hi}" if self.hi_open else f"{noun} of at most {hi}"
        return "a finite number" if noun == "a number" else noun


_ANY = _Range()
_POSITIVE = _Range(0.0, lo_open=True)
_NON_NEGATIVE = _Range(0.0)
_LATITUDE = _Range(-90.0, 90.0)
_LONGITUDE = _Range(-180.0, 360.0)
_INCLINATION = _Range(0.0, 180.0)
_ORBIT_ALTITUDE = _Range(0.0, MAX_ORBIT_ALTITUDE_KM, lo_open=True)


def _fmt_num(x: float) -> str:
    if isinstance(x, int) or (x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return f"{x:g}"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _quote(text: str) -> str:
    return json.dumps(_clip(text), ensure_ascii=False)


def _got(value: Any) -> str:
    """A value as a message shows it after "got"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _clip(str(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _key_text(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _join(path: str, key: str) -> str:
    return f"{path}.{_key_text(key)}" if path else _key_text(key)


def _nearest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word``, compared without case, if any is close."""
    folded = {c.lower(): c for c in choices}
    low = word.lower()
    hits = difflib.get_close_matches(low, list(folded), n=1, cutoff=0.6)
    if hits:
        return folded[hits[0]]
    # A key without its unit suffix ("limit" for "limiting_magnitude") is a prefix of it.
    if len(low) >= 3:
        for folded_choice, choice in folded.items():
            if folded_choice.startswith(low):
                return choice
    return None


def _check_keys(ctx: _Ctx, tbl: dict[str, Any], path: str, known: Sequence[str]) -> None:
    for key in tbl:
        if key in known:
            continue
        near = _nearest(key, known)
        if near is not None:
            hint = f"did you mean '{near}'?"
        elif known:
            hint = "known keys here: " + ", ".join(known)
        else:
            hint = "this table takes no keys"
        ctx.fail(_join(path, key), f"unknown key; {hint}")


def _table(ctx: _Ctx, value: Any, where: str, known: Sequence[str]) -> dict[str, Any]:
    """``value`` as a table with only ``known`` keys."""
    if not isinstance(value, dict):
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            got = "an array of tables"
        else:
            got = _got(value)
        ctx.fail(where, f"must be a table, got {got}")
    _check_keys(ctx, value, where, known)
    return value


def _sub(
    ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, known: Sequence[str]
) -> dict[str, Any]:
    """The sub-table ``key`` of ``tbl``, empty when absent."""
    if key not in tbl:
        return {}
    return _table(ctx, tbl[key], _join(path, key), known)


def _as_number(ctx: _Ctx, value: Any, where: str, rng: _Range, note: str = "") -> float:
    req = rng.text("a number") + note
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    try:
        x = float(value)
    except OverflowError:
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    if not math.isfinite(x) or x not in rng:
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    return x


def _as_int(
    ctx: _Ctx, value: Any, where: str, rng: _Range, *, even: bool = False, note: str = ""
) -> int:
    # A float is refused even when integral (width = 320.0): TOML tells the two apart,
    # and a float where a count belongs is usually a mistake worth pointing out.
    req = rng.text("an even integer" if even else "an integer") + note
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    if value not in rng or (even and value % 2):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    return value


def _num(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    rng: _Range,
    default: Any = _MISSING,
    note: str = "",
) -> Any:
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, f"missing: must be {rng.text('a number')}{note}")
        return default
    return _as_number(ctx, tbl[key], where, rng, note)


def _int(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    rng: _Range,
    default: Any = _MISSING,
    *,
    even: bool = False,
    note: str = "",
) -> Any:
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, f"missing: must be {rng.text('an integer')}{note}")
        return default
    return _as_int(ctx, tbl[key], where, rng, even=even, note=note)


def _str(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, default: Any = _MISSING) -> Any:
    """A non-empty string (title may be empty)."""
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, "missing: must be a non-empty string")
        return default
    value = tbl[key]
    if not isinstance(value, str) or (not value.strip() and default is _MISSING):
        ctx.fail(where, f"must be a non-empty string, got {_got(value)}")
    return value


def _bool(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, default: bool) -> bool:
    value = tbl.get(key, default)
    if not isinstance(value, bool):
        ctx.fail(_join(path, key), f"must be true or false, got {_got(value)}")
    return value


def _choice(
    ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, choices: Sequence[str], default: str
) -> str:
    value = tbl.get(key, default)
    if isinstance(value, str) and value in choices:
        return value
    msg = f"must be one of {', '.join(choices)}, got {_got(value)}"
    near = _nearest(value, choices) if isinstance(value, str) else None
    ctx.fail(_join(path, key), msg + (f"; did you mean '{near}'?" if near else ""))


def _norm360(deg: float) -> float:
    """An angle in [0, 360)."""
    x = deg % 360.0
    return 0.0 if x >= 360.0 else x + 0.0  # -1e-20 % 360 rounds to 360; + 0.0 drops -0.0


def _norm_lon(deg: float) -> float:
    """A longitude in (-180, 180]."""
    x = _norm360(deg)
    return x - 360.0 if x > 180.0 else x


def _as_path_text(ctx: _Ctx, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        ctx.fail(where, f"must be a non-empty path string, got {_got(value)}")
    if "\x00" in value:
        ctx.fail(where, "must not contain a NUL character")
    return value


# ---------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------


def _time_range_text() -> str:
    return (
        f"between {EPHEMERIS_FIRST:%Y-%m-%d} and {EPHEMERIS_LAST:%Y-%m-%d} UTC "
        "(the span of the DE421 ephemeris)"
    )


def _parse_rfc3339(ctx: _Ctx, text: str, where: str) -> datetime:
    m = _RFC3339.fullmatch(text.strip())
    if m is None:
        ctx.fail(where, f"must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}, got {_got(text)}")
    if m[8] is None:
        ctx.fail(
            where,
            f"has no UTC offset: add Z for UTC or an offset such as +03:00, got {_got(text)}",
        )
    year, month, day, hour, minute, second = (int(m[i]) for i in range(1, 7))
    if second == 60:
        ctx.fail(where, f"leap seconds (:60) are not supported, got {_got(text)}")
    micro = int((m[7][1:] + "000000")[:6]) if m[7] else 0
    if m[8] in ("Z", "z"):
        tz = UTC
    else:
        oh, om = int(m[8][1:3]), int(m[8][4:6])
        if oh > 23 or om > 59:
            ctx.fail(where, f"has an invalid UTC offset {m[8]}, got {_got(text)}")
        sign = -1 if m[8][0] == "-" else 1
        tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        ctx.fail(where, f"is not a valid date and time ({exc}), got {_got(text)}")


def _as_time(ctx: _Ctx, value: Any, where: str) -> datetime:
    """An aware UTC datetime from an RFC 3339 string or a TOML offset date-time."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            ctx.fail(
                where,
                "has no UTC offset: add Z for UTC or an offset such as +03:00, "
                f"got {value.isoformat()}",
            )
        dt = value
    elif isinstance(value, str):
        dt = _parse_rfc3339(ctx, value, where)
    else:
        ctx.fail(where, f"must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}, got {_got(value)}")
    try:
        utc: datetime | None = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None  # year 1 or 9999 shifted by its offset: out of range anyway
    if utc is None or not EPHEMERIS_FIRST <= utc <= EPHEMERIS_LAST:
        ctx.fail(where, f"must be {_time_range_text()}, got {_got(value)}")
    return utc


def _time(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str) -> datetime:
    where = _join(path, key)
    if key not in tbl:
        ctx.fail(where, f"missing: must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}")
    return _as_time(ctx, tbl[key], where)


def parse_utc(text: str, file: str | Path | None = None, key: str = "--utc") -> datetime:
    """Parse a command-line UTC time (``orbitlapse still --utc``) by the scene's rules.

    Accepts RFC 3339 with ``Z`` or an offset and returns an aware UTC datetime inside the
    ephemeris span.  A bad time raises :class:`SceneError` naming ``file`` and ``key``
    when ``file`` is given, else :class:`ValueError` with the bare message (what an
    argparse ``type=`` function needs).
    """
    if file is not None:
        return _as_time(_Ctx(str(file), Path(file).parent), text, key)
    try:
        return _as_time(_Ctx("", Path()), text, key)
    except SceneError as exc:
        raise ValueError(exc.message) from None


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _default_output_path(source: Path, codec: str) -> Path:
    # The scene's own name in the working directory; png writes a folder of that name,
    # and ProRes, which MP4 cannot hold, gets .mov.
    stem = source.stem or "scene"
    if codec == "png":
        return Path(stem)
    return Path(stem + (".mov" if codec == "prores" else ".mp4"))


def _check_container(ctx: _Ctx, path: Path, codec: str, where: str) -> None:
    suffix = path.suffix.lower()
    allowed = CONTAINERS[codec]
    if allowed and suffix not in allowed:
        names = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
        ctx.fail(where, f"{codec} video needs a file ending in {names}, got {_quote(str(path))}")
    if not allowed and suffix in _VIDEO_SUFFIXES:
        ctx.fail(
            where,
            f"png writes numbered frames into a folder: give a folder name, "
            f"not a video file, got {_quote(str(path))}",
        )


def _size_range(codec: str) -> tuple[_Range, bool, str]:
    if codec in EVEN_SIZE_CODECS:
        return _Range(2, MAX_SIZE_PX), True, f" for {codec}"
    return _Range(1, MAX_SIZE_PX), False, ""


_FPS = _Range(0.0, MAX_FPS, lo_open=True)
_DURATION = _Range(0.0, MAX_DURATION_S, lo_open=True)


def _parse_output(ctx: _Ctx, tbl: dict[str, Any], source: Path) -> Output:
    p = "output"
    codec = _choice(ctx, tbl, p, "codec", CODECS, "h264")
    size, even, note = _size_range(codec)
    width = _int(ctx, tbl, p, "width", size, 1280, even=even, note=note)
    height = _int(ctx, tbl, p, "height", size, 720, even=even, note=note)
    fps = _num(ctx, tbl, p, "fps", _FPS, 30.0)
    duration = _num(ctx, tbl, p, "duration_s", _DURATION, 10.0)
    if codec in CRF_RANGES:
        crf = _int(ctx, tbl, p, "crf", _Range(*CRF_RANGES[codec]), 18, note=f" for {codec}")
    else:
        crf = _int(ctx, tbl, p, "crf", _ANY, 18)  # ignored by this codec, but still typed
    if "path" in tbl:
        path = Path(_as_path_text(ctx, tbl["path"], "output.path"))
    else:
        path = _default_output_path(source, codec)
    _check_container(ctx, path, codec, "output.path")
    return Output(path, width, height, fps, duration, codec, crf)


def _latlon(ctx: _Ctx, value: Any, where: str) -> tuple[float, float]:
    tbl = _table(ctx, value, where, _LATLON_KEYS)
    lat = _num(ctx, tbl, where, "lat_deg", _LATITUDE)
    lon = _norm_lon(_num(ctx, tbl, where, "lon_deg", _LONGITUDE))
    return lat, lon


_TLE_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*", re.ASCII)
_TLE_IMPLIED = re.compile(r"\s*[+-]?\d{1,5}[+-]\d\s*", re.ASCII)
_TLE_DIGITS = re.compile(r"\s*\d+", re.ASCII)
# (line, first column, last column (1-based, inclusive), field, pattern, allowed range)
_TLE_FIELDS: tuple[tuple[int, int, int, str, re.Pattern[str], _Range], ...] = (
    (1, 19, 32, "epoch", _TLE_NUMBER, _Range(0, 100000)),
    (1, 34, 43, "first derivative of mean motion", _TLE_NUMBER, _ANY),
    (1, 45, 52, "second derivative of mean motion", _TLE_IMPLIED, _ANY),
    (1, 54, 61, "drag term", _TLE_IMPLIED, _ANY),
    (2, 9, 16, "inclination", _TLE_NUMBER, _INCLINATION),
    (2, 18, 25, "right ascension of the node", _TLE_NUMBER, _Range(0, 360)),
    (2, 27, 33, "eccentricity", _TLE_DIGITS, _ANY),
    (2, 35, 42, "argument of perigee", _TLE_NUMBER, _Range(0, 360)),
    (2, 44, 51, "mean anomaly", _TLE_NUMBER, _Range(0, 360)),
    (2, 53, 63, "mean motion", _TLE_NUMBER, _Range(0, 20, lo_open=True)),
)


def _tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def _parse_tle(ctx: _Ctx, value: Any, where: str) -> TleOrbit:
    if not isinstance(value, list) or len(value) != 2:
        ctx.fail(where, f"must be an array of the two TLE lines (strings), got {_got(value)}")
    lines: list[str] = []
    for number, raw in enumerate(value, 1):
        lw = f"{where}[{number}]"
        if not isinstance(raw, str):
            ctx.fail(lw, f"must be a string, TLE line {number}, got {_got(raw)}")
        # Trailing blanks and newlines come with copy and paste; columns count from the left.
        line = raw.rstrip()
        if not line.isascii() or not line.isprintable():
            ctx.fail(lw, "must contain only printable ASCII characters")
        if len(line) != 69:
            ctx.fail(lw, f"must be 69 characters long, got {len(line)}")
        if line[:2] != f"{number} ":
            ctx.fail(lw, f"must start with its line number '{number} ', got {_quote(line[:2])}")
        if not line[68].isdigit() or int(line[68]) != _tle_checksum(line):
            ctx.fail(
                lw,
                f"checksum mismatch: the digits sum to {_tle_checksum(line)} (mod 10) "
                f"but the last character is {_quote(line[68])}",
            )
        lines.append(line)
    line1, line2 = lines
    if line1[2:7] != line2[2:7]:
        ctx.fail(
            where,
            f"the two lines name different satellites: {_quote(line1[2:7])} "
            f"and {_quote(line2[2:7])}",
        )
    for number, first, last, name, pattern, rng in _TLE_FIELDS:
        text = lines[number - 1][first - 1 : last]
        ok = pattern.fullmatch(text) is not None
        if ok and pattern is _TLE_NUMBER:
            ok = float(text) in rng
        if not ok:
            ctx.fail(
                f"{where}[{number}]",
                f"columns {first}-{last} ({name}) must be {rng.text('a number')}, "
                f"got {_quote(text)}",
            )
    day = float(line1[20:32])
    if not 1.0 <= day < 367.0:
        ctx.fail(f"{where}[1]", f"epoch day of year must be from 1 to 366, got {day:g}")
    try:
        sat = Satrec.twoline2rv(line1, line2)
    except Exception as exc:  # sgp4's parser raises assorted types on bad text
        ctx.fail(where, f"SGP4 cannot read this element set: {exc}")
    if sat.error:
        ctx.fail(where, f"SGP4 rejects this element set: {SGP4_ERRORS.get(sat.error, sat.error)}")
    err, r, _ = sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)
    if err or not all(math.isfinite(c) for c in r):
        ctx.fail(
            where,
            f"SGP4 cannot propagate this element set: {SGP4_ERRORS.get(err, 'not finite')}",
        )
    return TleOrbit(line1, line2)


def _parse_orbit(ctx: _Ctx, cam: dict[str, Any]) -> Orbit:
    where = "camera.orbit"
    if "orbit" not in cam:
        ctx.fail(where, "missing: give exactly one of tle, elements or over")
    tbl = _table(ctx, cam["orbit"], where, _ORBIT_FORMS)
    forms = [k for k in _ORBIT_FORMS if k in tbl]
    if len(forms) != 1:
        got = " and ".join(forms) if forms else "none"
        ctx.fail(where, f"must give exactly one of tle, elements or over, got {got}")
    form = forms[0]
    fw = _join(where, form)
    if form == "tle":
        return _parse_tle(ctx, tbl["tle"], fw)
    if form == "elements":
        el = _table(ctx, tbl["elements"], fw, _ELEMENTS_KEYS)
        return ElementsOrbit(
            altitude_km=_num(ctx, el, fw, "altitude_km", _ORBIT_ALTITUDE),
            inclination_deg=_num(ctx, el, fw, "inclination_deg", _INCLINATION),
            raan_deg=_norm360(_num(ctx, el, fw, "raan_deg", _ANY)),
            arg_latitude_deg=_norm360(_num(ctx, el, fw, "arg_latitude_deg", _ANY)),
            epoch_utc=_time(ctx, el, fw, "epoch_utc"),
        )
    ov = _table(ctx, tbl["over"], fw, _OVER_KEYS)
    lat = _num(ctx, ov, fw, "lat_deg", _LATITUDE)
    lon = _norm_lon(_num(ctx, ov, fw, "lon_deg", _LONGITUDE))
    when = _time(ctx, ov, fw, "time_utc")
    altitude = _num(ctx, ov, fw, "altitude_km", _ORBIT_ALTITUDE)
    inclination = _num(ctx, ov, fw, "inclination_deg", _INCLINATION)
    ascending = _bool(ctx, ov, fw, "ascending", True)
    # A circular orbit's sub-point reaches latitude i (prograde) or 180 - i (retrograde).
    reach = inclination if inclination <= 90.0 else 180.0 - inclination
    if abs(lat) > reach:
        ctx.fail(
            _join(fw, "lat_deg"),
            f"an orbit inclined {_fmt_num(inclination)} deg never passes over latitude "
            f"{_fmt_num(lat)}: |lat_deg| must be at most {_fmt_num(reach)}",
        )
    return OverOrbit(lat, lon, when, altitude, inclination, ascending)


def _parse_look(ctx: _Ctx, tbl: dict[str, Any], n_launches: int) -> Look:
    p = "camera.look"
    roll = _num(ctx, tbl, p, "roll_deg", _ANY, 0.0)
    if "target" not in tbl:
        return Look(
            azimuth_deg=_norm360(_num(ctx, tbl, p, "azimuth_deg", _ANY, 0.0)),
            elevation_deg=_num(ctx, tbl, p, "elevation_deg", _LATITUDE, -20.0),
            roll_deg=roll,
        )
    for key in ("azimuth_deg", "elevation_deg"):
        if key in tbl:
            ctx.fail(
                _join(p, key),
                "cannot be given with camera.look.target, which sets the pointing "
                "(roll_deg still applies)",
            )
    where = _join(p, "target")
    value = tbl["target"]
    target: GroundTarget | LaunchTarget
    if isinstance(value, str):
        m = _LAUNCH_REF.fullmatch(value)
        if m is None:
            ctx.fail(
                where, f'must be "launch:N" or a table {{ lat_deg, lon_deg }}, got {_got(value)}'
            )
        index = int(m[1])
        if n_launches == 0:
            ctx.fail(where, f"names launch {index}, but the scene has no [[launch]] entries")
        if not 1 <= index <= n_launches:
            ctx.fail(
                where,
                f'must name a launch from 1 to {n_launches} ("launch:1"), got {_got(value)}',
            )
        target = LaunchTarget(index)
    elif isinstance(value, dict):
        target = GroundTarget(*_latlon(ctx, value, where))
    else:
        ctx.fail(where, f'must be "launch:N" or a table {{ lat_deg, lon_deg }}, got {_got(value)}')
    return Look(roll_deg=roll, target=target)


def _ev100_raw(iso: float, shutter_s: float, f_number: float) -> float:
    q = f_number * f_number / shutter_s * 100.0 / iso
    return math.log2(q) if 0.0 < q < math.inf else math.nan


def _parse_exposure(ctx: _Ctx, tbl: dict[str, Any]) -> Exposure:
    p = "camera.exposure"
    iso = _num(ctx, tbl, p, "iso", _POSITIVE, 6400.0)
    shutter = _num(ctx, tbl, p, "shutter_s", _POSITIVE, 0.5)
    f_number = _num(ctx, tbl, p, "f_number", _POSITIVE, 1.4)
    given = _num(ctx, tbl, p, "ev100", _Range(*EV100_RANGE), None)
    if given is None:
        ev = _ev100_raw(iso, shutter, f_number)
        lo, hi = EV100_RANGE
        if not lo <= ev <= hi:  # False for NaN as well
            ctx.fail(
                p,
                f"iso, shutter_s and f_number give EV100 {ev:.1f}, outside the usable "
                f"{_fmt_num(lo)} to {_fmt_num(hi)}",
            )
    return Exposure(iso, shutter, f_number, given)


def _parse_camera(ctx: _Ctx, cam: dict[str, Any], n_launches: int) -> Camera:
    p = "camera"
    fov = _num(ctx, cam, p, "fov_deg", _Range(1.0, 170.0), 60.0)
    orbit = _parse_orbit(ctx, cam)
    look = _parse_look(ctx, _sub(ctx, cam, p, "look", _LOOK_KEYS), n_launches)
    exposure = _parse_exposure(ctx, _sub(ctx, cam, p, "exposure", _EXPOSURE_KEYS))
    blur_tbl = _sub(ctx, cam, p, "motion_blur", _BLUR_KEYS)
    bp = "camera.motion_blur"
    blur = MotionBlur(
        samples=_int(ctx, blur_tbl, bp, "samples", _Range(1, MAX_MOTION_BLUR_SAMPLES), 1),
        shutter_angle_deg=_num(ctx, blur_tbl, bp, "shutter_angle_deg", _Range(0, 360), 180.0),
    )
    noise = _optional_layer(ctx, cam, p, "noise", False, lambda t, w: _parse_noise(ctx, t, w))
    bloom = _optional_layer(ctx, cam, p, "bloom", True,
                            lambda t, w: Bloom(_num(ctx, _table(ctx, t, w, _BLOOM_KEYS), w,
                                                    "fraction", _Range(0.0, 0.5), 0.02)))
    return Camera(orbit, fov, look, exposure, blur, noise, bloom)


def _optional_layer(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, default_on: bool,
                    parse: Callable[[dict[str, Any], str], _T]) -> _T | None:
    """A feature given as ``true`` (defaults), ``false`` (off) or a table; absent means
    ``default_on``."""
    where = _join(path, key)
    value = tbl.get(key, default_on)
    if value is False:
        return None
    if value is True:
        value = {}
    if isinstance(value, dict):
        return parse(value, where)
    ctx.fail(where, f"must be true, false or a table of options, got {_got(value)}")


def _parse_noise(ctx: _Ctx, value: dict[str, Any], where: str) -> Noise:
    tbl = _table(ctx, value, where, _NOISE_KEYS)
    return Noise(
        seed=_int(ctx, tbl, where, "seed", _Range(0, 2**31 - 1), 0),
        full_well_e=_num(ctx, tbl, where, "full_well_e", _Range(100.0, 1e7), 60000.0),
        read_noise_e=_num(ctx, tbl, where, "read_noise_e", _Range(0.0, 1000.0), 2.5),
        base_iso=_num(ctx, tbl, where, "base_iso", _Range(25.0, 12800.0), 100.0),
    )


def _switch(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    parse: Callable[[dict[str, Any], str], _T],
    default: _T,
) -> _T | None:
    """A layer that is ``true`` (``default``), ``false`` (None) or a table of options."""
    where = _join(path, key)
    value = tbl.get(key, True)
    if value is True:
        return default
    if value is False:
        return None
    if isinstance(value, dict):
        return parse(value, where)
    ctx.fail(where, f"must be true, false or a table of options, got {_got(value)}")


def _parse_day(ctx: _Ctx, value: dict[str, Any], where: str) -> DayLayer:
    tbl = _table(ctx, value, where, ("texture",))
    if "texture" not in tbl:
        return DayLayer()
    tw = _join(where, "texture")
    text = _as_path_text(ctx, tbl["texture"], tw)
    path = ctx.base_dir / text  # an absolute text replaces base_dir
    try:
        is_file = path.is_file() and os.access(path, os.R_OK)
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        ctx.fail(
            tw, f"no readable image file at {_quote(str(path))} (relative to the scene's folder)"
        )
    # Read the header only, so a file that is not an image is refused before rendering.
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path):
                pass
    except Image.DecompressionBombError:
        pass  # a huge texture is still an image; its loader must lift Pillow's pixel limit
    except Exception as exc:  # Pillow raises assorted types on files it cannot decode
        ctx.fail(tw, f"cannot be read as an image: {_clip(str(exc), 80)}")
    return DayLayer(texture=Path(os.path.abspath(path)))


def _parse_airglow(ctx: _Ctx, value: dict[str, Any], where: str) -> Airglow | None:
    tbl = _table(ctx, value, where, ("layers",))
    if "layers" not in tbl:
        return Airglow(DEFAULT_AIRGLOW_LAYERS)
    lw = _join(where, "layers")
    items = tbl["layers"]
    if not isinstance(items, list):
        ctx.fail(lw, f"must be an array of layer tables, got {_got(items)}")
    if len(items) > MAX_AIRGLOW_LAYERS:
        ctx.fail(lw, f"must have at most {MAX_AIRGLOW_LAYERS} layers, got {len(items)}")
    if not items:
        return None  # no layers draws nothing: the same as airglow = false
    layers = []
    for i, item in enumerate(items, 1):
        w = f"{lw}[{i}]"
        layer = _table(ctx, item, w, _AIRGLOW_LAYER_KEYS)
        name = _str(ctx, layer, w, "name")
        altitude = _num(ctx, layer, w, "altitude_km", _Range(0, 1000, lo_open=True))
        width = _num(ctx, layer, w, "width_km", _Range(0, 1000, lo_open=True))
        rayleigh = _num(ctx, layer, w, "zenith_rayleigh", _NON_NEGATIVE)
        has_color, has_wavelength = "color" in layer, "wavelength_nm" in layer
        if has_color == has_wavelength:
            ctx.fail(w, "give exactly one of color (linear RGB) and wavelength_nm")
        color: tuple[float, float, float] | None = None
        wavelength: float | None = None
        if has_color:
            cw = _join(w, "color")
            rgb = layer["color"]
            if not isinstance(rgb, list) or len(rgb) != 3:
                ctx.fail(cw, f"must be three numbers of at least 0 [r, g, b], got {_got(rgb)}")
            r, g, b = (_as_number(ctx, c, cw, _NON_NEGATIVE, " in [r, g, b]") for c in rgb)
            color = (r, g, b)
        else:
            wavelength = _num(ctx, layer, w, "wavelength_nm", _Range(360, 830), note=" (visible)")
        layers.append(AirglowLayer(name, altitude, width, rayleigh, color, wavelength))
    return Airglow(tuple(layers))


def _parse_earth(ctx: _Ctx, tbl: dict[str, Any]) -> Earth:
    p = "earth"

    def night(value: dict[str, Any], where: str) -> NightLights:
        t = _table(ctx, value, where, ("intensity",))
        return NightLights(_num(ctx, t, where, "intensity", _NON_NEGATIVE, 1.0))

    def clouds(value: dict[str, Any], where: str) -> Clouds:
        t = _table(ctx, value, where, _CLOUD_KEYS)
        return Clouds(
            coverage=_num(ctx, t, where, "coverage", _Range(0, 1), 0.4),
            # Non-negative because NumPy's generators refuse negative seeds.
            seed=_int(ctx, t, where, "seed", _Range(0, 2**63 - 1), 1),
            # Weather clouds top out near the tropopause, below 20 km.
            altitude_km=_num(ctx, t, where, "altitude_km", _Range(0, 20, lo_open=True), 5.0),
            drift=_num(ctx, t, where, "drift", _NON_NEGATIVE, 1.0),
        )

    def no_options(make: Callable[[], _T]) -> Callable[[dict[str, Any], str], _T]:
        def parse(value: dict[str, Any], where: str) -> _T:
            _table(ctx, value, where, ())
            return make()

        return parse

    def day(value: dict[str, Any], where: str) -> DayLayer:
        return _parse_day(ctx, value, where)

    def airglow(value: dict[str, Any], where: str) -> Airglow | None:
        return _parse_airglow(ctx, value, where)

    return Earth(
        day=_switch(ctx, tbl, p, "day", day, DayLayer()),
        night_lights=_switch(ctx, tbl, p, "night_lights", night, NightLights()),
        clouds=_switch(ctx, tbl, p, "clouds", clouds, Clouds()),
        atmosphere=_switch(ctx, tbl, p, "atmosphere", no_options(Atmosphere), Atmosphere()),
        airglow=_switch(ctx, tbl, p, "airglow", airglow, Airglow(DEFAULT_AIRGLOW_LAYERS)),
        glint=_switch(ctx, tbl, p, "glint", no_options(Glint), Glint()),
    )


def _parse_stars(ctx: _Ctx, doc: dict[str, Any]) -> Stars | None:
    value = doc.get("stars", True)
    if value is True:
        return Stars()
    if value is False:
        return None
    if not isinstance(value, dict):
        ctx.fail(
            "stars", f"must be true, false or a table {{ limiting_magnitude }}, got {_got(value)}"
        )
    tbl = _table(ctx, value, "stars", ("limiting_magnitude",))
    return Stars(_num(ctx, tbl, "stars", "limiting_magnitude", _Range(-2, 15), 8.0))


def _parse_vehicle(ctx: _Ctx, tbl: dict[str, Any], path: str) -> str | VehicleTable:
    where = _join(path, "vehicle")
    names = ", ".join(VEHICLE_NAMES)
    if "vehicle" not in tbl:
        ctx.fail(
            where, f"missing: must be a built-in vehicle ({names}) or a table {{ stages, profile }}"
        )
    value = tbl["vehicle"]
    if isinstance(value, str):
        if value in VEHICLE_NAMES:
            return value
        near = _nearest(value, VEHICLE_NAMES)
        hint = f"did you mean '{near}'?" if near else f"built-in vehicles: {names}"
        ctx.fail(where, f"unknown vehicle {_got(value)}; {hint}")
    if not isinstance(value, dict):
        ctx.fail(
            where,
            f"must be a built-in vehicle ({names}) or a table {{ stages, profile }}, "
            f"got {_got(value)}",
        )
    vt = _table(ctx, value, where, ("stages", "profile"))

    pw = _join(where, "profile")
    if "profile" not in vt:
        ctx.fail(pw, "missing: must be an array of rows [t_s, altitude_km, downrange_km]")
    rows_in = vt["profile"]
    if not isinstance(rows_in, list) or len(rows_in) < 2:
        got = f"{len(rows_in)} rows" if isinstance(rows_in, list) else _got(rows_in)
        ctx.fail(pw, f"must be at least 2 rows [t_s, altitude_km, downrange_km], got {got}")
    rows: list[tuple[float, float, float]] = []
    for j, row in enumerate(rows_in, 1):
        rw = f"{pw}[{j}]"
        if not isinstance(row, list) or len(row) != 3:
            ctx.fail(
                rw,
                f"must be a row of three numbers [t_s, altitude_km, downrange_km], got {_got(row)}",
            )
        t, alt, down = (
            _as_number(ctx, x, rw, _ANY, " in [t_s, altitude_km, downrange_km]") for x in row
        )
        if j == 1 and t != 0.0:
            ctx.fail(rw, f"t_s of the first row must be 0 (lift-off), got {_fmt_num(t)}")
        if rows and t <= rows[-1][0]:
            ctx.fail(
                rw, f"t_s must increase row by row: {_fmt_num(t)} follows {_fmt_num(rows[-1][0])}"
            )
        if alt < 0.0:
            ctx.fail(rw, f"altitude_km must be at least 0, got {_fmt_num(alt)}")
        if down < 0.0:
            ctx.fail(rw, f"downrange_km must be at least 0, got {_fmt_num(down)}")
        if rows and down < rows[-1][2]:
            ctx.fail(
                rw,
                f"downrange_km must not decrease: {_fmt_num(down)} follows {_fmt_num(rows[-1][2])}",
            )
        rows.append((t, alt, down))

    sw = _join(where, "stages")
    stages_in = vt.get("stages", [])
    if not isinstance(stages_in, list):
        ctx.fail(
            sw, f"must be an array of tables {{ name, separation_s, count }}, got {_got(stages_in)}"
        )
    span = _Range(0.0, rows[-1][0], lo_open=True)
    stages: list[StageSpec] = []
    for k, item in enumerate(stages_in, 1):
        w = f"{sw}[{k}]"
        st = _table(ctx, item, w, _STAGE_KEYS)
        name = _str(ctx, st, w, "name")
        sep = _num(ctx, st, w, "separation_s", span, note=" (within the profile)")
        if stages and sep <= stages[-1].separation_s:
            ctx.fail(
                _join(w, "separation_s"),
                f"must be later than stage {k - 1}'s {_fmt_num(stages[-1].separation_s)} s, "
                f"got {_fmt_num(sep)}",
            )
        count = _int(ctx, st, w, "count", _Range(1, MAX_STAGE_COUNT), 1)
        stages.append(StageSpec(name, sep, count))
    return VehicleTable(tuple(stages), tuple(rows))


def _parse_site(ctx: _Ctx, tbl: dict[str, Any], path: str) -> Site:
    where = _join(path, "site")
    names = ", ".join(SITES)
    if "site" not in tbl:
        ctx.fail(
            where, f"missing: must be a built-in site ({names}) or a table {{ lat_deg, lon_deg }}"
        )
    value = tbl["site"]
    if isinstance(value, str):
        if value in SITES:
            lat, lon = SITES[value]
            return Site(lat, lon, value)
        near = _nearest(value, list(SITES))
        hint = f"did you mean '{near}'?" if near else f"built-in sites: {names}"
        ctx.fail(where, f"unknown site {_got(value)}; {hint}")
    if not isinstance(value, dict):
        ctx.fail(
            where,
            f"must be a built-in site ({names}) or a table {{ lat_deg, lon_deg }}, "
            f"got {_got(value)}",
        )
    return Site(*_latlon(ctx, value, where))


def _parse_launch(ctx: _Ctx, item: Any, path: str) -> Launch:
    tbl = _table(ctx, item, path, _LAUNCH_KEYS)
    vehicle = _parse_vehicle(ctx, tbl, path)
    site = _parse_site(ctx, tbl, path)
    when = _time(ctx, tbl, path, "time_utc")
    has_azimuth, has_inclination = "azimuth_deg" in tbl, "target_inclination_deg" in tbl
    if has_azimuth == has_inclination:
        how = "not both" if has_azimuth else "one is required"
        ctx.fail(path, f"give exactly one of azimuth_deg and target_inclination_deg ({how})")
    if has_azimuth:
        azimuth = _norm360(_num(ctx, tbl, path, "azimuth_deg", _ANY))
        return Launch(vehicle, site, when, azimuth_deg=azimuth)
    inclination = _num(ctx, tbl, path, "target_inclination_deg", _INCLINATION)
    lat = abs(site.lat_deg)
    # A launch reaches inclinations from its latitude (due east or west) to 180 - latitude.
    if not lat <= inclination <= 180.0 - lat:
        ctx.fail(
            _join(path, "target_inclination_deg"),
            f"{_fmt_num(inclination)} deg cannot be reached from latitude "
            f"{_fmt_num(site.lat_deg)}: a launch there reaches {_fmt_num(lat)} "
            f"to {_fmt_num(180.0 - lat)} deg",
        )
    return Launch(vehicle, site, when, target_inclination_deg=inclination)


def _parse_launches(ctx: _Ctx, doc: dict[str, Any]) -> tuple[Launch, ...]:
    if "launch" not in doc:
        return ()
    value = doc["launch"]
    if not isinstance(value, list):
        ctx.fail("launch", f"must be an array of tables ([[launch]]), got {_got(value)}")
    return tuple(_parse_launch(ctx, item, f"launch[{i}]") for i, item in enumerate(value, 1))


def _check_span(ctx: _Ctx, scene: Scene, key: str | None = None) -> None:
    """The simulated times the frames (and blur sub-frames) need must be computable."""
    start, speed = scene.time.start_utc, scene.time.speed
    fps, duration = scene.output.fps, scene.output.duration_s
    # Sub-frames reach half a frame before frame 0; the last frame, rounded, at most a
    # frame past duration_s.  Floats, not timedeltas: a huge speed must not overflow.
    before_s = speed * 0.5 / fps
    after_s = speed * (duration + 1.0 / fps)
    if (start - EPHEMERIS_FIRST).total_seconds() < before_s:
        ctx.fail(
            key or "time.speed",
            f"speed {_fmt_num(speed)} at {_fmt_num(fps)} fps spreads frame 0 back before "
            f"{EPHEMERIS_FIRST:%Y-%m-%d}, the start of the DE421 ephemeris: lower time.speed",
        )
    if (EPHEMERIS_LAST - start).total_seconds() < after_s:
        ctx.fail(
            key or "time.speed",
            f"speed {_fmt_num(speed)} for {_fmt_num(duration)} s of video reaches past "
            f"{EPHEMERIS_LAST:%Y-%m-%d}, the end of the DE421 ephemeris: lower time.speed "
            "or output.duration_s",
        )
    orbit = scene.camera.orbit
    if isinstance(orbit, TleOrbit):
        sat = Satrec.twoline2rv(orbit.line1, orbit.line2)
        steps = 8
        for i in range(steps + 1):
            when = start + timedelta(seconds=-before_s + (before_s + after_s) * i / steps)
            jd, fr = jday(
                when.year,
                when.month,
                when.day,
                when.hour,
                when.minute,
                when.second + when.microsecond * 1e-6,
            )
            err, r, _ = sat.sgp4(jd, fr)
            if err or not all(math.isfinite(c) for c in r):
                ctx.fail(
                    key or "camera.orbit.tle",
                    f"SGP4 cannot propagate the TLE to {_fmt_time(when)}: "
                    f"{SGP4_ERRORS.get(err, 'not finite')}",
                )


def _build(ctx: _Ctx, doc: dict[str, Any], source: Path) -> Scene:
    version = doc.get("scene_version", _MISSING)
    if version is _MISSING:
        ctx.fail("scene_version", "missing: must be 1 (start the scene with scene_version = 1)")
    if isinstance(version, bool) or not isinstance(version, int) or version != SCENE_VERSION:
        ctx.fail(
            "scene_version",
            f"must be 1, the only version this orbitlapse reads, got {_got(version)}",
        )
    # After the version: a newer format's keys would otherwise read as typos.
    _check_keys(ctx, doc, "", _TOP_KEYS)
    title = _str(ctx, doc, "", "title", "")
    time_tbl = _sub(ctx, doc, "", "time", _TIME_KEYS)
    time_spec = TimeSpec(
        start_utc=_time(ctx, time_tbl, "time", "start_utc"),
        speed=_num(ctx, time_tbl, "time", "speed", _POSITIVE, 1.0),
    )
    output = _parse_output(ctx, _sub(ctx, doc, "", "output", _OUTPUT_KEYS), source)
    launches = _parse_launches(ctx, doc)
    camera = _parse_camera(ctx, _sub(ctx, doc, "", "camera", _CAMERA_KEYS), len(launches))
    earth = _parse_earth(ctx, _sub(ctx, doc, "", "earth", _EARTH_KEYS))
    stars = _parse_stars(ctx, doc)
    scene = Scene(
        source=source,
        time=time_spec,
        output=output,
        camera=camera,
        earth=earth,
        stars=stars,
        launches=launches,
        title=title,
        scene_version=version,
    )
    _check_span(ctx, scene)
    return scene


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------

_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?")


def _section_at(text: str, message: str) -> str:
    """The table header in force where tomllib stopped, as a key path ("" at top level)."""
    lines = text.splitlines()
    m = _AT_LINE.search(message)
    stop = int(m[1]) - 1 if m else len(lines)
    section = ""
    seen: dict[str, int] = {}
    for line in lines[:stop]:
        h = _HEADER.fullmatch(line)
        if h is None:
            continue
        name = re.sub(r"\s*\.\s*", ".", h[2])
        if h[1] == "[[":
            seen[name] = seen.get(name, 0) + 1
            section = f"{name}[{seen[name]}]"
        else:
            section = name
    return section


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _parse_text(ctx: _Ctx, text: str, source: Path) -> Scene:
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM that TOML forbids
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = _lower_first(str(exc))
        if "(at end of document)" in message:
            # tomllib gives no line there; the last line is where to look.
            last = len(text.splitlines())
            message = message.replace("(at end of document)", f"(at end of document, line {last})")
        ctx.fail(_section_at(text, str(exc)), f"TOML syntax error: {message}")
    except ValueError:
        # tomllib lets int() refuse integers of more than 4300 digits.
        ctx.fail("", "TOML syntax error: a number is too long")
    except RecursionError:
        ctx.fail("", "TOML syntax error: arrays or tables nested too deeply")
    return _build(ctx, doc, source)


def load_scene(path: str | Path) -> Scene:
    """Read, parse and validate a scene file (SCENE_FORMAT.md, version 1).

    Returns the frozen :class:`Scene`.  Every problem with the file or its content, from
    a missing file to an unknown key, raises :class:`SceneError` naming the file, the
    dotted key path (``launch[2].site.lat_deg``) and what is wrong; no other exception
    escapes for any input.
    """
    source = Path(path)
    ctx = _Ctx(str(path), source.parent)
    try:
        st = source.stat()
    except FileNotFoundError:
        ctx.fail("", "no such file")
    except (OSError, ValueError) as exc:
        ctx.fail("", f"cannot read: {_lower_first(getattr(exc, 'strerror', None) or str(exc))}")
    if stat.S_ISDIR(st.st_mode):
        ctx.fail("", "is a directory, not a scene file")
    if not stat.S_ISREG(st.st_mode):
        ctx.fail("", "is not a regular file")
    if st.st_size > MAX_SCENE_BYTES:
        ctx.fail("", f"is {st.st_size} bytes, too large for a scene file (at most 1 MiB)")
    try:
        with open(source, "rb") as f:
            data = f.read(MAX_SCENE_BYTES + 1)
    except OSError as exc:
        ctx.fail("", f"cannot read: {_lower_first(exc.strerror or str(exc))}")
    if len(data) > MAX_SCENE_BYTES:
        ctx.fail("", "too large for a scene file (at most 1 MiB)")
    if not data.strip():
        ctx.fail("", "empty file: a scene needs at least scene_version = 1 and [time] start_utc")
    if b"\x00" in data:
        ctx.fail("", "is a binary file, not TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        ctx.fail("", f"is not UTF-8 text (bad byte at offset {exc.start})")
    return _parse_text(ctx, text, source)


def loads_scene(text: str, source: str | Path = "<scene>") -> Scene:
    """Parse and validate scene text as if read from the file ``source``.

    ``source`` names the file in messages and supplies what a file would: the default
    output name and the folder relative texture paths start from.
    """
    src = Path(source)
    return _parse_text(_Ctx(str(source), src.parent), text, src)


# ---------------------------------------------------------------------------
# Command-line overrides, summary, exposure
# ---------------------------------------------------------------------------


def _from_cli(value: Any, kind: type) -> Any:
    """Command-line text as a number when it reads as one; otherwise as given, refused later."""
    if not isinstance(value, str):
        return value
    for convert in (int, float) if kind is int else (float,):
        try:
            return convert(value)
        except ValueError:
            continue
    return value


def with_overrides(
    scene: Scene,
    *,
    path: str | Path | None = None,
    width: int | str | None = None,
    height: int | str | None = None,
    fps: float | str | None = None,
    duration_s: float | str | None = None,
) -> Scene:
    """Apply the CLI's ``-o``, ``--width``, ``--height``, ``--fps``, ``--duration``.

    Values may be numbers or the command line's text.  They are checked by the scene
    file's rules for ``[output]``; a bad one raises :class:`SceneError` whose key is the
    option (``--width``).  Returns a new :class:`Scene`; ``None`` leaves a value as is.
    """
    ctx = _Ctx(str(scene.source), scene.source.parent)
    out = scene.output
    size, even, note = _size_range(out.codec)
    changes: dict[str, Any] = {}
    if width is not None:
        changes["width"] = _as_int(
            ctx, _from_cli(width, int), "--width", size, even=even, note=note
        )
    if height is not None:
        changes["height"] = _as_int(
            ctx, _from_cli(height, int), "--height", size, even=even, note=note
        )
    if fps is not None:
        changes["fps"] = _as_number(ctx, _from_cli(fps, float), "--fps", _FPS)
    if duration_s is not None:
        changes["duration_s"] = _as_number(
            ctx, _from_cli(duration_s, float), "--duration", _DURATION
        )
    if path is not None:
        new_path = Path(_as_path_text(ctx, str(path), "-o"))
        _check_container(ctx, new_path, out.codec, "-o")
        changes["path"] = new_path
    new = replace(scene, output=replace(out, **changes))
    if fps is not None or duration_s is not None:
        _check_span(ctx, new, "--duration" if duration_s is not None else "--fps")
    return new


def ev100(exposure: Exposure) -> float:
    """EV100 of an exposure: ``log2(N^2 / t * 100 / ISO)``, or ``exposure.ev100`` if given."""
    if exposure.ev100 is not None:
        return exposure.ev100
    return _ev100_raw(exposure.iso, exposure.shutter_s, exposure.f_number)


def _fmt_time(dt: datetime) -> str:
    text = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if dt.microsecond:
        text += f".{dt.microsecond // 1000:03d}"
    return text + " UTC"


def _fmt_span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


def _fmt_latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):g}{'N' if lat >= 0 else 'S'} {abs(lon):g}{'E' if lon >= 0 else 'W'}"


def _tle_epoch(line1: str) -> datetime:
    year = int(line1[18:20])
    year += 2000 if year < 57 else 1900  # the TLE convention: 57..99 are 1957..1999
    # Whole seconds: the 8-decimal day fraction is good to about a millisecond only.
    seconds = round((float(line1[20:32]) - 1.0) * 86400.0)
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def _describe_orbit(orbit: Orbit) -> str:
    if isinstance(orbit, TleOrbit):
        return (
            f"TLE of satellite {orbit.line1[2:7].strip()}, epoch "
            f"{_fmt_time(_tle_epoch(orbit.line1))}, propagated with SGP4"
        )
    if isinstance(orbit, ElementsOrbit):
        return (
            f"circular, {orbit.altitude_km:g} km up, inclination {orbit.inclination_deg:g} deg, "
            f"RAAN {orbit.raan_deg:g} deg, argument of latitude {orbit.arg_latitude_deg:g} deg "
            f"at {_fmt_time(orbit.epoch_utc)}"
        )
    pass_ = "ascending" if orbit.ascending else "descending"
    return (
        f"circular, {orbit.altitude_km:g} km up, inclination {orbit.inclination_deg:g} deg, "
        f"over {_fmt_latlon(orbit.lat_deg, orbit.lon_deg)} ({pass_}) at {_fmt_time(orbit.time_utc)}"
    )


def _describe_launch(launch: Launch) -> str:
    if isinstance(launch.vehicle, str):
        vehicle = launch.vehicle
    else:
        vehicle = (
            f"custom vehicle ({len(launch.vehicle.stages)} stages, "
            f"{len(launch.vehicle.profile)} profile rows)"
        )
    site = _fmt_latlon(launch.site.lat_deg, launch.site.lon_deg)
    if launch.site.name:
        site = f"{launch.site.name} ({site})"
    if launch.azimuth_deg is not None:
        heading = f"azimuth {launch.azimuth_deg:g} deg"
    else:
        heading = f"toward inclination {launch.target_inclination_deg:g} deg"
    return f"{vehicle} from {site} at {_fmt_time(launch.time_utc)}, {heading}"


def describe(scene: Scene) -> str:
    """A short multi-line summary of a validated scene, for ``orbitlapse check``."""
    rows: list[tuple[str, str]] = []
    t, o, cam = scene.time, scene.output, scene.camera
    rows.append(("scene", f"{scene.title} ({scene.source})" if scene.title else str(scene.source)))
    span = t.speed * o.duration_s
    end = t.start_utc + timedelta(seconds=span)
    rows.append(
        (
            "time",
            f"{_fmt_time(t.start_utc)} -> {_fmt_time(end)} "
            f"({_fmt_span(span)} simulated at {t.speed:g}x speed)",
        )
    )
    crf = f" crf {o.crf}" if o.codec in CRF_RANGES else ""
    rows.append(
        (
            "output",
            f"{o.path}: {o.frame_count} frames, {o.width}x{o.height} at {o.fps:g} fps "
            f"({o.duration_s:g} s), {o.codec}{crf}",
        )
    )
    rows.append(("orbit", _describe_orbit(cam.orbit)))
    look = cam.look
    if isinstance(look.target, GroundTarget):
        aim = f"keeps {_fmt_latlon(look.target.lat_deg, look.target.lon_deg)} centred"
    elif isinstance(look.target, LaunchTarget):
        aim = f"keeps launch {look.target.index} centred"
    else:
        aim = f"azimuth {look.azimuth_deg:g} deg, elevation {look.elevation_deg:g} deg"
    rows.append(("look", f"{aim}, roll {look.roll_deg:g} deg, field of view {cam.fov_deg:g} deg"))
    exp = cam.exposure
    how = (
        "given"
        if exp.ev100 is not None
        else (f"ISO {exp.iso:g}, {exp.shutter_s:g} s, f/{exp.f_number:g}")
    )
    blur = cam.motion_blur
    blurred = (
        "motion blur off"
        if blur.samples == 1
        else f"motion blur {blur.samples} samples over a {blur.shutter_angle_deg:g} deg shutter"
    )
    rows.append(("exposure", f"EV100 {ev100(exp):.2f} ({how}); {blurred}"))
    e = scene.earth
    on: list[str] = []
    if e.day is not None:
        on.append(f"day (texture {e.day.texture})" if e.day.texture else "day")
    if e.night_lights is not None:
        on.append(f"night lights (x{e.night_lights.intensity:g})")
    if e.clouds is not None:
        on.append(f"clouds (coverage {e.clouds.coverage:g}, seed {e.clouds.seed})")
    if e.atmosphere is not None:
        on.append("atmosphere")
    if e.airglow is not None:
        on.append(f"airglow ({len(e.airglow.layers)} layers)")
    if e.glint is not None:
        on.append("glint")
    off = [name.replace("_", " ") for name in _EARTH_KEYS if getattr(e, name) is None]
    earth = (", ".join(on) or "nothing") + ("; off: " + ", ".join(off) if off else "")
    rows.append(("earth", earth))
    stars = (
        "off" if scene.stars is None else f"down to magnitude {scene.stars.limiting_magnitude:g}"
    )
    rows.append(("stars", stars))
    for i, launch in enumerate(scene.launches, 1):
        rows.append((f"launch {i}", _describe_launch(launch)))
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label + ':':<{width}}{text}" for label, text in rows)
