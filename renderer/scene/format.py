"""The scene format, key by key: every table of a scene file and every key it accepts.

These definitions are what the section parsers read values through (their ranges,
defaults and the keys each table accepts) and what ``orbitlapse schema`` turns into JSON
Schema; docs/scenes.md describes the same keys in prose.  Adding a key to the format is
adding a :class:`~renderer.scene.keys.Key` to its table here, reading it in the table's
parser (``TABLE.read(ctx, tbl, where, "name")`` for a plain value) and a row in
docs/scenes.md.  Defaults come from the dataclasses of ``renderer.scene.schema``.
"""

from __future__ import annotations

from typing import Any

from renderer.output.codecs import (
    CODECS,
    CONTAINERS,
    CRF_RANGES,
    DEFAULT_PRESETS,
    EVEN_SIZE_CODECS,
    PRESETS,
)
from renderer.physics.launch.catalogue import SITES, VEHICLE_NAMES
from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _POSITIVE,
    _Range,
)
from renderer.scene.format_camera import (
    BLOOM,
    CAMERA,
    ELEMENTS,
    EXPOSURE,
    KEYFRAME,
    LATLON,
    LOOK,
    MOTION_BLUR,
    NOISE,
    ORBIT,
    OVER,
)
from renderer.scene.keys import Key, Table, default_of
from renderer.scene.schema import (
    MAX_AIRGLOW_LAYERS,
    MAX_CLOUD_DRIFT,
    MAX_DURATION_S,
    MAX_FPS,
    MAX_LAUNCHES,
    MAX_NIGHT_LIGHTS_INTENSITY,
    MAX_SIZE_PX,
    MAX_STAGE_COUNT,
    MAX_TITLE_CHARS,
    MAX_ZENITH_RAYLEIGH,
    MIN_AIRGLOW_WIDTH_KM,
    MIN_FPS,
    SCENE_VERSION,
    Clouds,
    NightLights,
    Output,
    StageSpec,
    Stars,
    TimeSpec,
)

# A title goes on one line of `check` and into ffmpeg's arguments: no control characters.
_PRINTABLE = r"^[^\u0000-\u001f\u007f-\u009f]*$"


def _row(*, lift_off: bool) -> dict[str, Any]:
    # [t_s, altitude_km, downrange_km]: none below 0, and the first row's t_s is 0.
    t_s = {"type": "number", "minimum": 0, **({"maximum": 0} if lift_off else {})}
    rest = {"type": "number", "minimum": 0}
    return {"type": "array", "minItems": 3, "maxItems": 3, "items": [t_s, rest, rest]}


def _any_case(suffix: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in suffix)


def _suffix_pattern(suffixes: tuple[str, ...]) -> str:
    return r"\.(" + "|".join(_any_case(s.lstrip(".")) for s in suffixes) + ")$"


_DEFAULT_CODEC = default_of(Output, "codec")


def _when_codec(codecs: list[str], then: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema: ``then`` applies to [output] when its codec is one of ``codecs``
    (an absent codec is the default one)."""
    cond: dict[str, Any] = {"properties": {"codec": {"enum": codecs}}}
    if _DEFAULT_CODEC not in codecs:
        cond["required"] = ["codec"]
    return {"if": cond, "then": then}


def _output_rules() -> tuple[dict[str, Any], ...]:
    even = {"type": "integer", "minimum": 2, "multipleOf": 2}
    rules = [_when_codec(sorted(EVEN_SIZE_CODECS), {"properties": {"width": even, "height": even}})]
    for codec, (lo, hi) in CRF_RANGES.items():
        rules.append(_when_codec([codec], {"properties": {"crf": {"minimum": lo, "maximum": hi}}}))
    video = sorted({s for suffixes in CONTAINERS.values() for s in suffixes})
    for codec, suffixes in CONTAINERS.items():
        path = (
            {"pattern": _suffix_pattern(suffixes)}
            if suffixes
            else {"not": {"pattern": _suffix_pattern(tuple(video))}}
        )
        rules.append(_when_codec([codec], {"properties": {"path": path}}))
    for codec in CODECS:
        presets = PRESETS.get(codec)
        if presets is None:
            preset: dict[str, Any] = {"not": {}}
        elif codec == "av1":
            preset = {"anyOf": [{"enum": list(presets)}, {"type": "integer", "minimum": 0}]}
            preset["anyOf"][1]["maximum"] = len(presets) - 1
        else:
            preset = {"enum": list(presets)}
        rules.append(_when_codec([codec], {"properties": {"preset": preset}}))
    return tuple(rules)


# ---------------------------------------------------------------------------
# [time], [output]
# ---------------------------------------------------------------------------

TIME = Table(
    "time",
    "When: frame k shows start_utc + speed * k / fps.",
    (
        Key("start_utc", "time", "The simulated instant shown by frame 0.", unit="UTC"),
        Key(
            "speed",
            "number",
            "Simulated seconds per second of video: 10 shows 15 minutes in 90 s.",
            unit="s/s",
            range=_POSITIVE,
            default=default_of(TimeSpec, "speed"),
        ),
    ),
)

OUTPUT = Table(
    "output",
    "Where and how the video is written.",
    (
        Key(
            "path",
            "path",
            "The output file (a folder for png), relative to the working directory; -o "
            "overrides it. Its suffix must suit the codec.",
            default=None,
            default_text="the scene file's name with .mp4 (.mov for prores, a folder for png)",
        ),
        Key(
            "width",
            "integer",
            "Frame width; even for the codecs that store half-resolution colour.",
            unit="px",
            range=_Range(1, MAX_SIZE_PX),
            default=default_of(Output, "width"),
        ),
        Key(
            "height",
            "integer",
            "Frame height; even for the codecs that store half-resolution colour.",
            unit="px",
            range=_Range(1, MAX_SIZE_PX),
            default=default_of(Output, "height"),
        ),
        Key(
            "fps",
            "number",
            "Frames per second of video.",
            unit="1/s",
            range=_Range(MIN_FPS, MAX_FPS),
            default=default_of(Output, "fps"),
        ),
        Key(
            "duration_s",
            "number",
            "Seconds of video; the frame count is round(duration_s * fps).",
            unit="s",
            range=_Range(0.0, MAX_DURATION_S, lo_open=True),
            default=default_of(Output, "duration_s"),
        ),
        Key(
            "codec",
            "choice",
            "The video codec, or numbered frames in a folder: png (8-bit), png16 (16-bit, "
            "display encoding) or exr (linear half-float, before the tone curve).",
            choices=tuple(CODECS),
            default=_DEFAULT_CODEC,
        ),
        Key(
            "crf",
            "integer",
            "Constant rate factor of the lossy codecs (lower is better): "
            + ", ".join(f"{c} {lo} to {hi}" for c, (lo, hi) in CRF_RANGES.items())
            + "; other codecs ignore it.",
            default=default_of(Output, "crf"),
        ),
        Key(
            "preset",
            "custom",
            "The encoder's speed against its file size: an x264/x265 preset name for h264 "
            "and h265, an SVT-AV1 preset 0 (slowest) to 13 for av1; ProRes and the frame "
            "codecs take none.",
            default="",
            default_text=", ".join(f"{c} {p}" for c, p in DEFAULT_PRESETS.items()),
            shape={"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
        ),
    ),
    rules=_output_rules(),
)

# ---------------------------------------------------------------------------
# [earth], [stars]
# ---------------------------------------------------------------------------

DAY = Table(
    "earth.day",
    "The sunlit surface.",
    (
        Key(
            "texture",
            "path",
            "An equirectangular image relative to the scene's folder, at most 16384 pixels "
            "on a side and 16384x8192 in all.",
            default=None,
            default_text="the shipped Blue Marble",
        ),
    ),
)

NIGHT_LIGHTS = Table(
    "earth.night_lights",
    "City lights on the unlit side.",
    (
        Key(
            "intensity",
            "number",
            "Scales their radiance.",
            range=_Range(0, MAX_NIGHT_LIGHTS_INTENSITY),
            default=default_of(NightLights, "intensity"),
        ),
    ),
)

CLOUDS = Table(
    "earth.clouds",
    "A seeded procedural cloud layer lit by Sun and Moon.",
    (
        Key(
            "coverage",
            "number",
            "The cloudy fraction of the globe.",
            range=_Range(0, 1),
            default=default_of(Clouds, "coverage"),
        ),
        Key(
            "seed",
            "integer",
            "Cloud pattern seed.",
            range=_Range(0, 2**63 - 1),
            default=default_of(Clouds, "seed"),
        ),
        Key(
            "altitude_km",
            "number",
            "Cloud-top height (weather stays below the tropopause).",
            "km",
            _Range(0, 20, lo_open=True),
            default_of(Clouds, "altitude_km"),
        ),
        Key(
            "drift",
            "number",
            "How fast the clouds move east: 1 is a 10 m/s wind.",
            range=_Range(0, MAX_CLOUD_DRIFT),
            default=default_of(Clouds, "drift"),
        ),
    ),
)

ATMOSPHERE = Table("earth.atmosphere", "Scattering of sunlight and moonlight.", ())
GLINT = Table("earth.glint", "Specular reflection of Sun and Moon on water.", ())

AIRGLOW_LAYER = Table(
    "earth.airglow.layers",
    "One emission shell: Gaussian in height, vertical column zenith_rayleigh.",
    (
        Key("name", "string", "A label."),
        Key("altitude_km", "number", "Peak height.", "km", _Range(0, 1000, lo_open=True)),
        Key(
            "width_km",
            "number",
            "Full width at half maximum.",
            "km",
            _Range(MIN_AIRGLOW_WIDTH_KM, 1000),
        ),
        Key(
            "zenith_rayleigh",
            "number",
            "Vertical column brightness.",
            "R",
            _Range(0, MAX_ZENITH_RAYLEIGH),
        ),
        Key(
            "color",
            "custom",
            "Linear RGB [r, g, b], each at least 0 (instead of wavelength_nm).",
            shape={
                "type": "array",
                "minItems": 3,
                "maxItems": 3,
                "items": {"type": "number", "minimum": 0},
            },
        ),
        Key(
            "wavelength_nm",
            "number",
            "The emission line; its colour comes from the camera's response.",
            "nm",
            _Range(360, 830),
            note=" (visible)",
        ),
    ),
    exactly_one=(("color", "wavelength_nm"),),
)

AIRGLOW = Table(
    "earth.airglow",
    "Emission layers along and below the limb.",
    (
        Key(
            "layers",
            "tables",
            "Layers replacing the defaults; [] is the same as airglow = false.",
            table=AIRGLOW_LAYER,
            max_items=MAX_AIRGLOW_LAYERS,
            default=None,
            default_text="the four layers of docs/physics.md",
        ),
    ),
)

EARTH = Table(
    "earth",
    "The Earth's layers: each true (its defaults), false (off) or a table of options.",
    (
        Key("day", "switch", DAY.doc, table=DAY, default=True),
        Key("night_lights", "switch", NIGHT_LIGHTS.doc, table=NIGHT_LIGHTS, default=True),
        Key("clouds", "switch", CLOUDS.doc, table=CLOUDS, default=True),
        Key("atmosphere", "switch", ATMOSPHERE.doc, table=ATMOSPHERE, default=True),
        Key("airglow", "switch", AIRGLOW.doc, table=AIRGLOW, default=True),
        Key("glint", "switch", GLINT.doc, table=GLINT, default=True),
    ),
)

STARS = Table(
    "stars",
    "Catalogue stars (Hipparcos 2).",
    (
        Key(
            "limiting_magnitude",
            "number",
            "Stars fainter than this are not drawn.",
            "mag",
            _Range(-2, 15),
            default_of(Stars, "limiting_magnitude"),
        ),
    ),
)

# ---------------------------------------------------------------------------
# [[launch]]
# ---------------------------------------------------------------------------

STAGE = Table(
    "launch.vehicle.stages",
    "One stage, in order of separation.",
    (
        Key("name", "string", 'A label; "booster", "strap", "srb" or "side" falls as a strap-on.'),
        Key(
            "separation_s",
            "number",
            "Seconds after lift-off, within the profile, later than the stage before.",
            "s",
            _POSITIVE,
        ),
        Key(
            "count",
            "integer",
            "Pieces that fall away together (four strap-on boosters are 4).",
            range=_Range(1, MAX_STAGE_COUNT),
            default=default_of(StageSpec, "count"),
        ),
    ),
)

VEHICLE = Table(
    "launch.vehicle",
    "A custom vehicle: its staging and its ascent.",
    (
        Key(
            "stages",
            "tables",
            "The stages in order of separation.",
            table=STAGE,
            default=(),
        ),
        Key(
            "profile",
            "custom",
            "At least two rows [t_s, altitude_km, downrange_km]: t_s from 0 increasing, "
            "altitude and downrange at least 0, downrange never decreasing.",
            shape={
                "type": "array",
                "minItems": 2,
                "items": [_row(lift_off=True)],
                "additionalItems": _row(lift_off=False),
            },
        ),
    ),
)

LAUNCH = Table(
    "launch",
    "A launch: vehicle, site, lift-off and direction.",
    (
        Key(
            "vehicle",
            "name_or_table",
            "A built-in profile or a custom table { stages, profile }.",
            choices=VEHICLE_NAMES,
            table=VEHICLE,
        ),
        Key(
            "site",
            "name_or_table",
            "A built-in site or { lat_deg, lon_deg } (geodetic).",
            choices=tuple(SITES),
            table=LATLON,
        ),
        Key("time_utc", "time", "Lift-off.", unit="UTC"),
        Key(
            "azimuth_deg",
            "number",
            "The ascent direction east of north, relative to the rotating Earth.",
            "deg",
            _ANY,
        ),
        Key(
            "target_inclination_deg",
            "number",
            "Instead, the inclination aimed at, from the site's latitude to 180 minus it.",
            "deg",
            _INCLINATION,
        ),
    ),
    exactly_one=(("azimuth_deg", "target_inclination_deg"),),
)

# ---------------------------------------------------------------------------
# The whole file
# ---------------------------------------------------------------------------

SCENE = Table(
    "",
    "An orbitlapse scene file, format version 1 (docs/scenes.md).",
    (
        Key(
            "scene_version",
            "custom",
            "The format version.",
            shape={"type": "integer", "enum": [SCENE_VERSION]},
        ),
        Key(
            "title",
            "string",
            "A name, shown by check and written into the video's metadata.",
            default="",
            shape={"maxLength": MAX_TITLE_CHARS, "pattern": _PRINTABLE},
        ),
        Key("time", "table", TIME.doc, table=TIME),
        Key("output", "table", OUTPUT.doc, table=OUTPUT, default={}),
        Key("camera", "table", CAMERA.doc, table=CAMERA),
        Key("earth", "table", EARTH.doc, table=EARTH, default={}),
        Key("stars", "switch", STARS.doc, table=STARS, default=True),
        Key(
            "launch",
            "tables",
            "Launches, written [[launch]].",
            table=LAUNCH,
            max_items=MAX_LAUNCHES,
            default=(),
        ),
    ),
)

#: Every table of the format, for the generator's and the documentation's tests.
TABLES: tuple[Table, ...] = (
    SCENE,
    TIME,
    OUTPUT,
    CAMERA,
    ORBIT,
    ELEMENTS,
    OVER,
    LOOK,
    EXPOSURE,
    KEYFRAME,
    MOTION_BLUR,
    NOISE,
    BLOOM,
    EARTH,
    DAY,
    NIGHT_LIGHTS,
    CLOUDS,
    ATMOSPHERE,
    AIRGLOW,
    AIRGLOW_LAYER,
    GLINT,
    STARS,
    LAUNCH,
    VEHICLE,
    STAGE,
    LATLON,
)
