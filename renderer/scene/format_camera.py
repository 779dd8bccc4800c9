"""The ``[camera]`` table's keys: the orbit's three forms, the look, the exposure, motion
blur, sensor noise and glare (the definitions ``renderer.scene.camera`` reads).
"""

from __future__ import annotations

from typing import Any

from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _LATITUDE,
    _LONGITUDE,
    _ORBIT_ALTITUDE,
    _POSITIVE,
    _Range,
)
from renderer.scene.keys import Key, Kind, Table, default_of
from renderer.scene.schema import (
    EASINGS,
    EV100_RANGE,
    MAX_DURATION_S,
    MAX_KEYFRAMES,
    MAX_LAUNCHES,
    MAX_MOTION_BLUR_SAMPLES,
    NOISE_DEFAULT_MIN_ISO,
    TONE_CURVES,
    Bloom,
    Camera,
    Exposure,
    Keyframe,
    Look,
    MotionBlur,
    Noise,
    OverOrbit,
)

# An offset from a target may tip the view past the zenith or nadir, but no further than
# half a turn: beyond that the same view has a shorter name.
_OFFSET_ELEVATION = _Range(-180.0, 180.0)
_FOV = _Range(1.0, 170.0)

# "launch:N" for N from 1 to the most launches a scene may have (leading zeros allowed,
# nine digits in all, as renderer.scene.fields reads it).
_LAUNCH_REF_PATTERN = "^launch:0*(" + "|".join(str(n) for n in range(MAX_LAUNCHES, 0, -1)) + ")$"


def _tle_line(number: int) -> dict[str, Any]:
    # 69 printable ASCII characters starting with the line number, then only blanks
    # (copy and paste brings them); the checksum digit last.
    return {"type": "string", "pattern": rf"^{number} [ -~]{{66}}[0-9]\s*$"}


# ---------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------

LATLON = Table(
    "{ lat_deg, lon_deg }",
    "A point on the ground.",
    (
        Key("lat_deg", "number", "Latitude, north positive.", unit="deg", range=_LATITUDE),
        Key(
            "lon_deg",
            "number",
            "Longitude, east positive (300 is -60).",
            unit="deg",
            range=_LONGITUDE,
        ),
    ),
)

ELEMENTS = Table(
    "camera.orbit.elements",
    "A circular orbit of radius 6378.137 km + altitude_km in the GCRS.",
    (
        Key("altitude_km", "number", "Height above the equatorial radius.", "km", _ORBIT_ALTITUDE),
        Key("inclination_deg", "number", "Orbital inclination.", "deg", _INCLINATION),
        Key("raan_deg", "number", "Right ascension of the ascending node.", "deg", _ANY),
        Key(
            "arg_latitude_deg",
            "number",
            "Angle from the ascending node at epoch_utc.",
            "deg",
            _ANY,
        ),
        Key("epoch_utc", "time", "The instant arg_latitude_deg refers to.", unit="UTC"),
    ),
)

OVER = Table(
    "camera.orbit.over",
    "A circular orbit whose geocentric sub-point is (lat_deg, lon_deg) at time_utc.",
    (
        Key(
            "lat_deg",
            "number",
            "Latitude passed over; at most the inclination (180 minus it if retrograde).",
            "deg",
            _LATITUDE,
        ),
        Key("lon_deg", "number", "Longitude passed over.", "deg", _LONGITUDE),
        Key("time_utc", "time", "When the camera is over that point.", unit="UTC"),
        Key(
            "altitude_km",
            "number",
            "Height above the equatorial radius; the ISS's in November 2018 unless given.",
            "km",
            _ORBIT_ALTITUDE,
            default=default_of(OverOrbit, "altitude_km"),
        ),
        Key(
            "inclination_deg",
            "number",
            "Orbital inclination; the ISS's unless given.",
            "deg",
            _INCLINATION,
            default=default_of(OverOrbit, "inclination_deg"),
        ),
        Key(
            "ascending",
            "bool",
            "Northbound (true) or southbound (false) over the point.",
            default=default_of(OverOrbit, "ascending"),
        ),
    ),
)

ORBIT = Table(
    "camera.orbit",
    "Where the camera flies: exactly one of tle, tle_file, elements or over.",
    (
        Key(
            "tle",
            "custom",
            "A two-line element set [line1, line2], propagated with SGP4; checksums and "
            "columns are checked.",
            shape={
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": [_tle_line(1), _tle_line(2)],
            },
        ),
        Key(
            "tle_file",
            "custom",
            "A file of many element sets as CelesTrak distributes them (name line and two "
            "lines, or two lines), relative to the scene file; the set of `satellite` "
            "whose epoch is nearest the scene's start is taken.",
            shape={"type": "string", "minLength": 1},
        ),
        Key(
            "satellite",
            "custom",
            "With tle_file: the satellite's name (case and repeated blanks ignored) or its "
            "NORAD catalogue number; required when the file holds more than one satellite.",
            shape={
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "integer", "minimum": 1, "maximum": 99999},
                ]
            },
            default=None,
            default_text="the file's only satellite",
        ),
        Key("elements", "table", ELEMENTS.doc, table=ELEMENTS),
        Key("over", "table", OVER.doc, table=OVER),
    ),
    exactly_one=(("tle", "tle_file", "elements", "over"),),
)

LOOK = Table(
    "camera.look",
    "Pointing in the orbit's local frame (up, forward along the velocity, right).",
    (
        Key(
            "azimuth_deg",
            "number",
            "From forward toward right: 0 ahead, 90 right, 180 aft, 270 left.",
            "deg",
            _ANY,
            default_of(Look, "azimuth_deg"),
        ),
        Key(
            "elevation_deg",
            "number",
            "Above the local horizontal: -90 nadir, 90 zenith; with a target, an offset "
            "from it of -180 to 180.",
            "deg",
            _OFFSET_ELEVATION,
            default_of(Look, "elevation_deg"),
        ),
        Key(
            "roll_deg",
            "number",
            "Turns the camera clockwise about its view axis.",
            "deg",
            _ANY,
            default_of(Look, "roll_deg"),
        ),
        Key(
            "target",
            "name_or_table",
            '"launch:N" keeps launch N centred, { lat_deg, lon_deg } a ground point; '
            "azimuth_deg and elevation_deg then turn the view away from it.",
            default=None,
            table=LATLON,
            shape={"pattern": _LAUNCH_REF_PATTERN},
        ),
    ),
    rules=(
        # Without a target, elevation is a direction: -90 to 90.
        {
            "if": {"not": {"required": ["target"]}},
            "then": {"properties": {"elevation_deg": {"minimum": -90, "maximum": 90}}},
        },
    ),
)

EXPOSURE = Table(
    "camera.exposure",
    "ISO, shutter and aperture, or an EV100 outright; together an EV100 from -20 to 30.",
    (
        Key("iso", "number", "Sensor sensitivity.", "ISO", _POSITIVE, default_of(Exposure, "iso")),
        Key(
            "shutter_s",
            "number",
            "Exposure time (at most the time between frames is used).",
            "s",
            _POSITIVE,
            default_of(Exposure, "shutter_s"),
        ),
        Key(
            "f_number",
            "number",
            "Aperture.",
            "f-number",
            _POSITIVE,
            default_of(Exposure, "f_number"),
        ),
        Key(
            "ev100",
            "number",
            "An exposure value at ISO 100, overriding the three above.",
            "EV",
            _Range(*EV100_RANGE),
            default=None,
        ),
    ),
)

MOTION_BLUR = Table(
    "camera.motion_blur",
    "Sub-frames averaged per frame over the shutter interval.",
    (
        Key(
            "samples",
            "integer",
            "Sub-frames per frame, 1 is off; the render takes that many times longer.",
            range=_Range(1, MAX_MOTION_BLUR_SAMPLES),
            default=default_of(MotionBlur, "samples"),
        ),
        Key(
            "shutter_angle_deg",
            "number",
            "The part of the frame interval the shutter is open.",
            "deg",
            _Range(0, 360),
            default_of(MotionBlur, "shutter_angle_deg"),
        ),
    ),
)


def _noise_key(name: str, kind: Kind, doc: str, unit: str, rng: _Range) -> Key:
    return Key(name, kind, doc, unit, rng, default_of(Noise, name))


NOISE = Table(
    "camera.noise",
    "Seeded sensor noise: shot noise, read noise and hot pixels per Bayer channel.",
    (
        _noise_key(
            "seed",
            "integer",
            "Noise seed; it also places the hot pixels.",
            "",
            _Range(0, 2**31 - 1),
        ),
        _noise_key(
            "full_well_e",
            "number",
            "Electrons at saturation at base_iso.",
            "electrons",
            _Range(100.0, 1e7),
        ),
        _noise_key("read_noise_e", "number", "Read noise.", "electrons RMS", _Range(0.0, 1000.0)),
        _noise_key("base_iso", "number", "The sensor's base ISO.", "ISO", _Range(25.0, 12800.0)),
        _noise_key(
            "sensor_width_px",
            "integer",
            "Photosites across the sensor (the frame gathers them scaled to its width).",
            "px",
            _Range(1, 100000),
        ),
        _noise_key(
            "hot_pixel_fraction", "number", "Share of hot photosites.", "", _Range(0.0, 0.01)
        ),
        _noise_key(
            "hot_pixel_e_per_s",
            "number",
            "Mean dark current of a hot photosite.",
            "electrons/s",
            _Range(0.0, 1e6),
        ),
    ),
)

BLOOM = Table(
    "camera.bloom",
    "Glare: the share of each pixel's light a fast lens spreads into a wide halo.",
    (
        Key(
            "fraction",
            "number",
            "The share of the light spread (energy-conserving).",
            range=_Range(0.0, 0.5),
            default=default_of(Bloom, "fraction"),
        ),
    ),
)


def _carried(name: str, kind: Kind, doc: str, unit: str, rng: _Range) -> Key:
    # A keyframe's value carries over from the key before it when left out.
    return Key(name, kind, doc, unit, rng, default=None, default_text="the keyframe before's")


KEYFRAME = Table(
    "camera.keyframe",
    "A camera keyframe: at t_s of video, the look, field of view and exposure given here "
    "(the rest carried over), reached from the key before with that key's easing.",
    (
        Key(
            "t_s",
            "number",
            "When, in seconds of video, up to output.duration_s.",
            "s",
            _Range(0.0, MAX_DURATION_S),
        ),
        _carried("azimuth_deg", "number", LOOK["azimuth_deg"].doc, "deg", _ANY),
        _carried("elevation_deg", "number", LOOK["elevation_deg"].doc, "deg", _OFFSET_ELEVATION),
        _carried("roll_deg", "number", LOOK["roll_deg"].doc, "deg", _ANY),
        Key(
            "target",
            "custom",
            LOOK["target"].doc + " false returns to plain azimuth and elevation.",
            default=None,
            default_text="the keyframe before's",
            shape={
                "anyOf": [
                    {"type": "string", "pattern": _LAUNCH_REF_PATTERN},
                    {
                        "type": "object",
                        "properties": {
                            "lat_deg": {"type": "number", "minimum": -90, "maximum": 90},
                            "lon_deg": {"type": "number", "minimum": -180, "maximum": 360},
                        },
                        "required": ["lat_deg", "lon_deg"],
                        "additionalProperties": False,
                    },
                    {"enum": [False]},
                ]
            },
        ),
        _carried("fov_deg", "number", "Horizontal field of view.", "deg", _FOV),
        _carried("iso", "number", EXPOSURE["iso"].doc, "ISO", _POSITIVE),
        _carried("shutter_s", "number", EXPOSURE["shutter_s"].doc, "s", _POSITIVE),
        _carried("f_number", "number", EXPOSURE["f_number"].doc, "f-number", _POSITIVE),
        _carried("ev100", "number", EXPOSURE["ev100"].doc, "EV", _Range(*EV100_RANGE)),
        Key(
            "ease",
            "choice",
            "How the move that starts at this key runs to the next.",
            choices=EASINGS,
            default=default_of(Keyframe, "ease"),
        ),
    ),
)

CAMERA = Table(
    "camera",
    "The camera: its orbit, pointing, lens, exposure and sensor.",
    (
        Key(
            "fov_deg",
            "number",
            "Horizontal field of view of the pinhole camera.",
            "deg",
            _FOV,
            default_of(Camera, "fov_deg"),
        ),
        Key("orbit", "table", ORBIT.doc, table=ORBIT),
        Key("look", "table", LOOK.doc, table=LOOK, default={}),
        Key("exposure", "table", EXPOSURE.doc, table=EXPOSURE, default={}),
        Key(
            "keyframe",
            "tables",
            "Camera moves, written [[camera.keyframe]], in time order.",
            table=KEYFRAME,
            max_items=MAX_KEYFRAMES,
            default=(),
        ),
        Key("motion_blur", "table", MOTION_BLUR.doc, table=MOTION_BLUR, default={}),
        Key(
            "noise",
            "switch",
            NOISE.doc,
            table=NOISE,
            default=None,
            default_text=f"on when the exposure names an ISO of {NOISE_DEFAULT_MIN_ISO:.0f} or more"
            " (off for an ev100)",
        ),
        Key("bloom", "switch", BLOOM.doc, table=BLOOM, default=True),
        Key(
            "tone",
            "choice",
            'How sensor values become codes: "camera" as a camera\'s JPEG engine, '
            '"filmic" a film-like curve.',
            choices=TONE_CURVES,
            default=default_of(Camera, "tone"),
        ),
    ),
)
