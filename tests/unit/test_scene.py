"""The scene-file parser and validator (renderer/scene/) against docs/scenes.md."""

from __future__ import annotations

import copy
import math
import os
import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st

from renderer.errors import SceneError
from renderer.physics.exposure import ev100
from renderer.scene import (
    DEFAULT_AIRGLOW_LAYERS,
    Airglow,
    AirglowLayer,
    Atmosphere,
    Clouds,
    DayLayer,
    ElementsOrbit,
    Exposure,
    Glint,
    GroundTarget,
    LaunchTarget,
    MotionBlur,
    NightLights,
    Noise,
    OverOrbit,
    Scene,
    Stars,
    TleOrbit,
    VehicleTable,
    describe,
    load_scene,
    loads_scene,
    parse_utc,
    with_overrides,
)

REPO = Path(__file__).resolve().parents[2]

# The example scene of the format's first version, verbatim.
EXAMPLE = """\
scene_version = 1
title = "Progress MS-10 launch seen from the ISS"

[time]
start_utc = "2018-11-16T18:10:00Z"
speed = 10.0                 # simulated seconds per second of video

[output]
path = "progress-ms10.mp4"
width = 1920
height = 1080
fps = 30
duration_s = 90
codec = "h264"               # h264 | h265 | av1 | prores | png
crf = 18

[camera]
fov_deg = 60                 # horizontal field of view

[camera.orbit]
tle = [
  "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
  "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
]

[camera.look]
azimuth_deg = 180            # looking aft, back along the ground track
elevation_deg = -12
roll_deg = 25

[camera.exposure]
iso = 12800
shutter_s = 0.5
f_number = 1.4

[earth]
clouds = { coverage = 0.45, seed = 7 }

[stars]
limiting_magnitude = 8.0

[[launch]]
vehicle = "soyuz-fg"
site = { lat_deg = 45.920, lon_deg = 63.342 }   # Baikonur, Site 1/5
time_utc = "2018-11-16T18:14:08Z"
target_inclination_deg = 51.64
"""

TLE1 = "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997"
TLE2 = "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417"

MINIMAL = """\
scene_version = 1
[time]
start_utc = "2018-11-16T10:00:00Z"
[camera.orbit.over]
lat_deg = 30
lon_deg = 30
time_utc = "2018-11-16T10:00:00Z"
altitude_km = 408
inclination_deg = 51.64
"""

DELETE = object()


# ---------------------------------------------------------------------------
# helpers: a tiny TOML writer, so tests edit the example as data
# ---------------------------------------------------------------------------


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_str(key)


def toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(value)


def to_toml(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


def example_doc() -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(EXAMPLE))


def edit(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or with DELETE remove) a dotted path like ``launch[1].site.lat_deg``."""
    parts = path.split(".")
    node: Any = doc
    for i, part in enumerate(parts):
        m = re.fullmatch(r"(.+)\[(\d+)\]", part)
        last = i == len(parts) - 1
        if m:
            node = node[m[1]][int(m[2]) - 1]
            assert not last
            continue
        if last:
            if value is DELETE:
                del node[part]
            else:
                node[part] = value
        else:
            node = node.setdefault(part, {})
    return doc


def fix_checksum(line: str) -> str:
    total = sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10
    return line[:68] + str(total)


def write(tmp_path: Path, content: str | bytes | dict, name: str = "scene.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = to_toml(content)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def error(tmp_path: Path, content: str | bytes | dict, name: str = "scene.toml") -> SceneError:
    path = write(tmp_path, content, name)
    with pytest.raises(SceneError) as info:
        load_scene(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)
    return info.value


def assert_error(err: SceneError, key: str, fragment: str) -> None:
    assert err.key == key, str(err)
    assert fragment in err.message, str(err)


# ---------------------------------------------------------------------------
# the example and the defaults
# ---------------------------------------------------------------------------


def test_example_parses_to_its_values(tmp_path):
    scene = load_scene(write(tmp_path, EXAMPLE, "progress-ms10.toml"))
    assert scene.scene_version == 1
    assert scene.title == "Progress MS-10 launch seen from the ISS"
    assert scene.time.start_utc == datetime(2018, 11, 16, 18, 10, tzinfo=UTC)
    assert scene.time.speed == 10.0
    out = scene.output
    assert (out.path, out.width, out.height) == (Path("progress-ms10.mp4"), 1920, 1080)
    assert (out.fps, out.duration_s, out.codec, out.crf) == (30.0, 90.0, "h264", 18)
    assert out.frame_count == 2700
    cam = scene.camera
    assert cam.fov_deg == 60.0
    assert cam.orbit == TleOrbit(TLE1, TLE2)
    assert (cam.look.azimuth_deg, cam.look.elevation_deg, cam.look.roll_deg) == (180, -12, 25)
    assert cam.look.target is None
    assert cam.exposure == Exposure(iso=12800, shutter_s=0.5, f_number=1.4, ev100=None)
    assert cam.motion_blur == MotionBlur(1, 180.0)
    assert scene.earth.clouds == Clouds(coverage=0.45, seed=7, altitude_km=5.0, drift=1.0)
    assert scene.earth.day == DayLayer()
    assert scene.earth.airglow == Airglow(DEFAULT_AIRGLOW_LAYERS)
    assert scene.stars == Stars(8.0)
    (launch,) = scene.launches
    assert launch.vehicle == "soyuz-fg"
    assert (launch.site.lat_deg, launch.site.lon_deg, launch.site.name) == (45.92, 63.342, None)
    assert launch.time_utc == datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    assert launch.target_inclination_deg == 51.64 and launch.azimuth_deg is None
    assert isinstance(scene.time.start_utc.tzinfo, type(UTC))
    assert scene.source == tmp_path / "progress-ms10.toml"


def test_minimal_scene_takes_every_default(tmp_path):
    scene = load_scene(write(tmp_path, MINIMAL, "night.toml"))
    assert scene.title == ""
    assert scene.time.speed == 1.0
    assert scene.output.path == Path("night.mp4")  # the scene's name, in the working directory
    out = scene.output
    assert (out.width, out.height, out.fps, out.duration_s, out.codec, out.crf) == (
        1280,
        720,
        30.0,
        10.0,
        "h264",
        18,
    )
    cam = scene.camera
    assert cam.fov_deg == 60.0
    assert (cam.look.azimuth_deg, cam.look.elevation_deg, cam.look.roll_deg) == (0, -20, 0)
    assert cam.exposure == Exposure(6400.0, 0.5, 1.4, None)
    assert cam.motion_blur == MotionBlur(1, 180.0)
    assert cam.orbit == OverOrbit(
        30.0, 30.0, datetime(2018, 11, 16, 10, tzinfo=UTC), 408.0, 51.64, ascending=True
    )
    e = scene.earth
    assert e.day == DayLayer(None) and e.night_lights == NightLights(1.0)
    assert e.clouds == Clouds(0.4, 1, 5.0, 1.0)
    assert e.atmosphere == Atmosphere() and e.glint == Glint()
    assert e.airglow == Airglow(DEFAULT_AIRGLOW_LAYERS)
    assert scene.stars == Stars(8.0)
    assert scene.launches == ()


def test_default_airglow_layers_follow_reference():
    by_name = {layer.name: layer for layer in DEFAULT_AIRGLOW_LAYERS}
    assert len(by_name) == 4
    green = by_name["O I 557.7 nm"]
    assert green.altitude_km == 97 and 8 <= green.width_km <= 10 and green.zenith_rayleigh == 250
    sodium = by_name["Na D 589 nm"]
    assert sodium.altitude_km == 92 and sodium.width_km == pytest.approx(4.3 * 2.355, abs=0.05)
    assert 87 <= by_name["OH Meinel"].altitude_km <= 90
    red = by_name["O I 630.0 nm"]
    assert (red.altitude_km, red.zenith_rayleigh, red.wavelength_nm) == (245, 160, 630.0)
    for layer in DEFAULT_AIRGLOW_LAYERS:
        assert layer.color is None and 360 <= layer.wavelength_nm <= 830


@pytest.mark.parametrize(
    ("codec", "expected"), [("png", Path("night")), ("prores", Path("night.mov"))]
)
def test_default_output_path_follows_codec(tmp_path, codec, expected):
    scene = load_scene(write(tmp_path, MINIMAL + f'[output]\ncodec = "{codec}"\n', "night.toml"))
    assert scene.output.path == expected


def test_shipped_scenes_load():
    # The example's own validity is test_example_parses_to_its_values (from EXAMPLE, the
    # format's first example); the shipped flagship is that example tuned to the footage,
    # so it keeps the example's event, orbit and output; its timing is set by
    # the footage's events: 14x from T+20 s (booster separation at 7 s of video).
    flagship = load_scene(REPO / "scenes" / "progress-ms10.toml")
    example = loads_scene(EXAMPLE, REPO / "scenes" / "progress-ms10.toml")
    assert flagship.title == "Progress MS-10 launch seen from the ISS"
    for part in ("output", "launches", "stars"):
        assert getattr(flagship, part) == getattr(example, part), part
    liftoff = flagship.launches[0].time_utc
    assert flagship.time.speed == 14.0
    assert (flagship.time.start_utc - liftoff).total_seconds() == 20.0
    assert flagship.camera.orbit == example.camera.orbit
    assert flagship.camera.exposure == example.camera.exposure
    quick = load_scene(REPO / "scenes" / "quick.toml")
    out = quick.output
    assert (out.width, out.height, out.fps, out.duration_s) == (320, 180, 10.0, 2.0)
    assert (out.codec, out.path, out.frame_count) == ("h264", Path("quick.mp4"), 20)
    assert quick.camera.look.elevation_deg == -20


# ---------------------------------------------------------------------------
# the file itself
# ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(SceneError) as info:
        load_scene(tmp_path / "nope.toml")
    assert info.value.key == "" and "no such file" in str(info.value)
    assert str(info.value) == f"{tmp_path / 'nope.toml'}: no such file"


def test_directory(tmp_path):
    with pytest.raises(SceneError, match="is a directory"):
        load_scene(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, EXAMPLE)
    path.chmod(0)
    try:
        with pytest.raises(SceneError, match="cannot read: permission denied"):
            load_scene(path)
    finally:
        path.chmod(0o644)


def test_read_error_is_a_scene_error(tmp_path, monkeypatch):
    import renderer.scene.load as scene_module

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    path = write(tmp_path, EXAMPLE)
    monkeypatch.setattr(scene_module, "open", refuse, raising=False)
    with pytest.raises(SceneError, match="cannot read: permission denied"):
        load_scene(path)


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_file(tmp_path, content):
    assert "empty file" in error(tmp_path, content).message


def test_binary_file(tmp_path):
    assert "binary" in error(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").message


def test_non_utf8_file(tmp_path):
    err = error(tmp_path, "title = 'caf\u00e9'\n".encode("latin-1"))
    assert "not UTF-8" in err.message


def test_byte_order_mark_is_accepted(tmp_path):
    assert load_scene(write(tmp_path, b"\xef\xbb\xbf" + MINIMAL.encode())).time.speed == 1.0


def test_toml_syntax_error_gives_line_column_and_section(tmp_path):
    text = EXAMPLE.replace("roll_deg = 25", "roll_deg = = 25")
    err = error(tmp_path, text)
    line = text.splitlines().index("roll_deg = = 25") + 1
    assert err.key == "camera.look"
    assert f"TOML syntax error: invalid value (at line {line}, column 12)" == err.message


def test_toml_syntax_error_in_array_of_tables_names_the_entry(tmp_path):
    text = EXAMPLE + "\n[[launch]]\nvehicle = soyuz-fg\n"
    assert error(tmp_path, text).key == "launch[2]"


def test_toml_error_at_top_has_no_key(tmp_path):
    err = error(tmp_path, "scene_version = 1\ntitle = = 'x'\n")
    assert err.key == "" and "(at line 2, column 9)" in err.message


def test_toml_error_at_end_of_document_gives_the_last_line(tmp_path):
    err = error(tmp_path, "scene_version = 1\n[time]\ntitle = 'x\n")
    assert err.key == "time" and "(at end of document, line 3)" in err.message


def test_huge_integer_is_a_scene_error(tmp_path):
    assert "too long" in error(tmp_path, "x = " + "9" * 5000 + "\n").message


def test_too_large_file(tmp_path):
    assert "too large" in error(tmp_path, "# " + "x" * (1 << 20) + "\n").message


# ---------------------------------------------------------------------------
# top level, structure and unknown keys
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (DELETE, "missing: must be 1"),
        (2, "got 2"),
        (True, "got true"),
        (1.0, "got 1.0"),
        ("1", 'got "1"'),
    ],
)
def test_scene_version(tmp_path, value, fragment):
    assert_error(
        error(tmp_path, edit(example_doc(), "scene_version", value)), "scene_version", fragment
    )


def test_scene_version_is_checked_before_unknown_keys(tmp_path):
    doc = edit(example_doc(), "scene_version", 2)
    doc["future_key"] = 1
    assert error(tmp_path, doc).key == "scene_version"


def test_error_message_format(tmp_path):
    path = write(tmp_path, edit(example_doc(), "camera.fov_deg", 200), "bad.toml")
    with pytest.raises(SceneError) as info:
        load_scene(path)
    assert str(info.value) == f"{path}: camera.fov_deg: must be a number from 1 to 170, got 200"


@pytest.mark.parametrize(
    ("path", "value", "key", "fragment"),
    [
        (
            "camera.look.azimuth",
            180,
            "camera.look.azimuth",
            "unknown key; did you mean 'azimuth_deg'?",
        ),
        ("Camera", {}, "Camera", "did you mean 'camera'?"),
        ("launch[1].vehicel", "x", "launch[1].vehicel", "did you mean 'vehicle'?"),
        ("earth.cloud", True, "earth.cloud", "did you mean 'clouds'?"),
        ("earth.airglow", {"layer": []}, "earth.airglow.layer", "did you mean 'layers'?"),
        ("output.zzz", 1, "output.zzz", "known keys here: path, width, height"),
        ("earth.atmosphere", {"x": 1}, "earth.atmosphere.x", "this table takes no keys"),
        ("camera.orbit.tles", [], "camera.orbit.tles", "did you mean 'tle'?"),
        ("output", {"a.b": 1}, 'output."a.b"', "unknown key"),
        ("stars.limit", 6, "stars.limit", "did you mean 'limiting_magnitude'?"),
        ("time.start", "x", "time.start", "did you mean 'start_utc'?"),
        ("camera.exposure.ISO", 100, "camera.exposure.ISO", "did you mean 'iso'?"),
    ],
)
def test_unknown_keys_suggest_the_nearest(tmp_path, path, value, key, fragment):
    assert_error(error(tmp_path, edit(example_doc(), path, value)), key, fragment)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("camera = 5", "camera", "must be a table, got 5"),
        ("[[camera]]\nfov_deg = 60", "camera", "must be a table, got an array of tables"),
        ("launch = {}", "launch", "must be an array of tables ([[launch]]), got a table"),
        ("launch = [1]", "launch[1]", "must be a table, got 1"),
        ("time = 'now'", "time", "must be a table"),
        ("earth = true", "earth", "must be a table, got true"),
        ("output = []", "output", "must be a table, got an array"),
        ("stars = 5", "stars", "must be true, false or a table"),
        ("title = 5", "title", "must be a non-empty string, got 5"),
    ],
)
def test_wrong_structure(tmp_path, text, key, fragment):
    # Replace the section with the wrong shape: drop the example's own definition.
    doc = example_doc()
    top = text.split()[0].strip("[]")
    doc.pop(top, None)
    content = to_toml(doc) + "\n" + text + "\n"
    assert_error(error(tmp_path, content), key, fragment)


# ---------------------------------------------------------------------------
# values: types and ranges, each checked against its key path
# ---------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("path", "value", "key", "fragment"),
    [
        ("camera.fov_deg", 0.5, "camera.fov_deg", "from 1 to 170, got 0.5"),
        ("camera.fov_deg", True, "camera.fov_deg", "must be a number from 1 to 170, got true"),
        ("camera.fov_deg", "60", "camera.fov_deg", 'got "60"'),
        ("camera.fov_deg", NAN, "camera.fov_deg", "got nan"),
        ("camera.fov_deg", INF, "camera.fov_deg", "got inf"),
        ("time.speed", 0, "time.speed", "greater than 0"),
        ("time.speed", -1.5, "time.speed", "got -1.5"),
        ("time.start_utc", DELETE, "time.start_utc", "missing"),
        ("output.fps", 0, "output.fps", "from 0.01 to 1000"),
        ("output.fps", 1e9, "output.fps", "from 0.01 to 1000"),
        ("output.duration_s", -1, "output.duration_s", "greater than 0"),
        ("output.width", 320.0, "output.width", "must be an even integer"),
        ("output.width", 321, "output.width", "even integer from 2 to 16384 for h264, got 321"),
        ("output.height", 0, "output.height", "got 0"),
        ("output.height", 20000, "output.height", "got 20000"),
        ("output.width", True, "output.width", "got true"),
        ("output.crf", 52, "output.crf", "from 0 to 51 for h264"),
        ("output.crf", 18.0, "output.crf", "must be an integer"),
        ("output.codec", "H264", "output.codec", "did you mean 'h264'?"),
        ("output.codec", "mpeg2", "output.codec", "must be one of h264, h265, av1, prores, png"),
        (
            "output.path",
            "out.avi",
            "output.path",
            "h264 video needs a file ending in .mp4, .m4v, .mov or .mkv",
        ),
        ("output.path", "", "output.path", "non-empty"),
        ("output.path", 5, "output.path", "got 5"),
        ("camera.look.azimuth_deg", "south", "camera.look.azimuth_deg", "finite number"),
        ("camera.look.azimuth_deg", INF, "camera.look.azimuth_deg", "got inf"),
        ("camera.look.elevation_deg", -91, "camera.look.elevation_deg", "from -90 to 90"),
        ("camera.look.elevation_deg", 90.5, "camera.look.elevation_deg", "got 90.5"),
        ("camera.look.roll_deg", -INF, "camera.look.roll_deg", "got -inf"),
        ("camera.exposure.iso", 0, "camera.exposure.iso", "greater than 0"),
        ("camera.exposure.shutter_s", -0.5, "camera.exposure.shutter_s", "greater than 0"),
        ("camera.exposure.f_number", 0, "camera.exposure.f_number", "greater than 0"),
        ("camera.exposure.ev100", 100, "camera.exposure.ev100", "from -20 to 30"),
        ("camera.exposure.shutter_s", 1e-30, "camera.exposure", "give EV100"),
        ("camera.motion_blur", {"samples": 0}, "camera.motion_blur.samples", "from 1 to 64"),
        ("camera.motion_blur", {"samples": 65}, "camera.motion_blur.samples", "got 65"),
        ("camera.motion_blur", {"samples": 2.0}, "camera.motion_blur.samples", "integer"),
        (
            "camera.motion_blur",
            {"shutter_angle_deg": 361},
            "camera.motion_blur.shutter_angle_deg",
            "from 0 to 360",
        ),
        ("earth.clouds", {"coverage": 1.5}, "earth.clouds.coverage", "from 0 to 1, got 1.5"),
        ("earth.clouds", {"seed": 1.5}, "earth.clouds.seed", "must be an integer"),
        ("earth.clouds", {"seed": -1}, "earth.clouds.seed", "got -1"),
        ("earth.clouds", {"altitude_km": 0}, "earth.clouds.altitude_km", "greater than 0"),
        ("earth.clouds", {"drift": -1}, "earth.clouds.drift", "from 0 to 100"),
        ("earth.clouds", {"drift": 1e308}, "earth.clouds.drift", "from 0 to 100"),
        ("earth.clouds", 5, "earth.clouds", "must be true, false or a table of options"),
        ("earth.night_lights", {"intensity": -1}, "earth.night_lights.intensity", "from 0 to"),
        ("earth.night_lights", {"intensity": 1e308}, "earth.night_lights.intensity", "to 1000000"),
        ("earth.day", {"texture": 5}, "earth.day.texture", "path"),
        ("earth.glint", "on", "earth.glint", "must be true, false or a table"),
        ("stars.limiting_magnitude", 20, "stars.limiting_magnitude", "from -2 to 15"),
        ("stars.limiting_magnitude", "8", "stars.limiting_magnitude", 'got "8"'),
        ("launch[1].site.lat_deg", 91, "launch[1].site.lat_deg", "from -90 to 90"),
        ("launch[1].site.lon_deg", 361, "launch[1].site.lon_deg", "from -180 to 360"),
        ("launch[1].site.lon_deg", -181, "launch[1].site.lon_deg", "got -181"),
        ("launch[1].site.lat_deg", DELETE, "launch[1].site.lat_deg", "missing"),
        ("launch[1].site", "baikonur", "launch[1].site", "did you mean 'baikonur-1/5'?"),
        ("launch[1].site", "atlantis", "launch[1].site", "built-in sites: baikonur-1/5"),
        ("launch[1].site", 5, "launch[1].site", "got 5"),
        ("launch[1].site", DELETE, "launch[1].site", "missing"),
        ("launch[1].vehicle", "soyuz", "launch[1].vehicle", "did you mean 'soyuz-fg'?"),
        (
            "launch[1].vehicle",
            "falcon-heavy-xyz",
            "launch[1].vehicle",
            "built-in vehicles: soyuz-fg",
        ),
        ("launch[1].vehicle", 7, "launch[1].vehicle", "got 7"),
        ("launch[1].vehicle", DELETE, "launch[1].vehicle", "missing"),
        ("launch[1].time_utc", DELETE, "launch[1].time_utc", "missing"),
        ("launch[1].time_utc", "2018-11-16 18:14:08", "launch[1].time_utc", "has no UTC offset"),
        ("launch[1].azimuth_deg", 63.1, "launch[1]", "not both"),
        (
            "launch[1].target_inclination_deg",
            DELETE,
            "launch[1]",
            "exactly one of azimuth_deg and target_inclination_deg (one is required)",
        ),
        (
            "launch[1].target_inclination_deg",
            30,
            "launch[1].target_inclination_deg",
            "cannot be reached from latitude 45.92: a launch there reaches 45.92 to 134.08 deg",
        ),
        (
            "launch[1].target_inclination_deg",
            140,
            "launch[1].target_inclination_deg",
            "cannot be reached",
        ),
        (
            "launch[1].target_inclination_deg",
            181,
            "launch[1].target_inclination_deg",
            "from 0 to 180",
        ),
    ],
)
def test_bad_values(tmp_path, path, value, key, fragment):
    assert_error(error(tmp_path, edit(example_doc(), path, value)), key, fragment)


def test_ints_are_accepted_for_floats_and_angles_normalised(tmp_path):
    doc = example_doc()
    edit(doc, "camera.look.azimuth_deg", -90)
    edit(doc, "launch[1].site.lon_deg", 300)
    edit(doc, "camera.look.roll_deg", 400)
    scene = load_scene(write(tmp_path, doc))
    assert scene.camera.look.azimuth_deg == 270.0
    assert scene.launches[0].site.lon_deg == pytest.approx(-60.0)
    assert scene.camera.look.roll_deg == 400.0  # roll is kept as given
    assert isinstance(scene.camera.fov_deg, float)


def test_azimuth_normalisation_edges(tmp_path):
    for given, expected in [(-1e-20, 0.0), (360, 0.0), (720.5, 0.5), (-0.0, 0.0)]:
        doc = edit(example_doc(), "camera.look.azimuth_deg", given)
        azimuth = load_scene(write(tmp_path, doc)).camera.look.azimuth_deg
        assert azimuth == expected and 0.0 <= azimuth < 360.0
        assert math.copysign(1.0, azimuth) == 1.0


# ---------------------------------------------------------------------------
# times
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-11-16T21:10:00+03:00", datetime(2018, 11, 16, 18, 10, tzinfo=UTC)),
        ("2018-11-16T18:10:00.25Z", datetime(2018, 11, 16, 18, 10, 0, 250000, tzinfo=UTC)),
        ("2018-11-16t18:10:00z", datetime(2018, 11, 16, 18, 10, tzinfo=UTC)),
        ("2018-11-16T15:40:00-02:30", datetime(2018, 11, 16, 18, 10, tzinfo=UTC)),
        (
            datetime(2018, 11, 16, 21, 10, tzinfo=timezone(timedelta(hours=3))),
            datetime(2018, 11, 16, 18, 10, tzinfo=UTC),
        ),
    ],
)
def test_times_are_converted_to_utc(tmp_path, value, expected):
    scene = load_scene(write(tmp_path, edit(example_doc(), "time.start_utc", value)))
    assert scene.time.start_utc == expected
    assert scene.time.start_utc.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("yesterday", "must be an RFC 3339 UTC time"),
        ("2018-11-16", "must be an RFC 3339 UTC time"),
        ("2018-11-16T18:10:00", "has no UTC offset: add Z for UTC or an offset such as +03:00"),
        (datetime(2018, 11, 16, 18, 10), "has no UTC offset"),
        (date(2018, 11, 16), "got 2018-11-16"),
        (time(18, 10), "got 18:10:00"),
        (1542391800, "got 1542391800"),
        ("2018-02-30T00:00:00Z", "not a valid date"),
        ("2018-11-16T24:00:00Z", "not a valid date"),
        ("2018-11-16T23:59:60Z", "leap seconds"),
        ("2018-11-16T18:10:00+25:00", "invalid UTC offset"),
        ("1850-01-01T00:00:00Z", "between 1899-07-30 and 2053-10-08 UTC"),
        ("2060-01-01T00:00:00Z", "DE421"),
        ("0001-01-01T00:00:00+01:00", "DE421"),
        ("9999-12-31T23:59:59-01:00", "DE421"),
    ],
)
def test_bad_times(tmp_path, value, fragment):
    assert_error(
        error(tmp_path, edit(example_doc(), "time.start_utc", value)), "time.start_utc", fragment
    )


def test_simulated_span_must_stay_inside_the_ephemeris(tmp_path):
    doc = edit(example_doc(), "time.speed", 1e9)
    assert_error(error(tmp_path, doc), "time.speed", "past 2053-10-08")
    doc = edit(example_doc(), "time.speed", 1e300)
    assert_error(error(tmp_path, doc), "time.speed", "DE421")


def test_parse_utc_for_the_command_line():
    assert parse_utc("2018-11-16T21:14:08+03:00") == datetime(2018, 11, 16, 18, 14, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="^must be an RFC 3339 UTC time"):
        parse_utc("18:14")
    with pytest.raises(SceneError) as info:
        parse_utc("2018-11-16T18:14:08", "s.toml")
    assert str(info.value).startswith("s.toml: --utc: has no UTC offset")


# ---------------------------------------------------------------------------
# output: codecs and containers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "path", "ok"),
    [
        ("h264", "a.mp4", True),
        ("h264", "a.MOV", True),
        ("h265", "a.mkv", True),
        ("av1", "a.mp4", True),
        ("av1", "a.mkv", True),
        ("av1", "a.mov", False),
        ("prores", "a.mov", True),
        ("prores", "a.mkv", True),
        ("prores", "a.mp4", False),
        ("png", "frames", True),
        ("png", "frames.d", True),
        ("png", "a.mp4", False),
        ("h264", "frames", False),
    ],
)
def test_codec_needs_its_container(tmp_path, codec, path, ok):
    doc = edit(edit(example_doc(), "output.codec", codec), "output.path", path)
    if ok:
        assert load_scene(write(tmp_path, doc)).output.path == Path(path)
    else:
        assert error(tmp_path, doc).key == "output.path"


@pytest.mark.parametrize(
    ("codec", "crf", "ok"),
    [
        ("h265", 51, True),
        ("h265", 52, False),
        ("av1", 63, True),
        ("av1", 64, False),
        ("h264", -1, False),
        ("prores", 99, True),
        ("png", -5, True),
        ("png", 1.5, False),
    ],
)
def test_crf_range_depends_on_codec(tmp_path, codec, crf, ok):
    path = {"prores": "a.mov", "png": "frames"}.get(codec, "a.mp4")
    doc = example_doc()
    doc["output"].update(codec=codec, crf=crf, path=path)
    if ok:
        assert load_scene(write(tmp_path, doc)).output.crf == crf
    else:
        assert error(tmp_path, doc).key == "output.crf"


def test_odd_sizes_only_for_prores_and_png(tmp_path):
    doc = example_doc()
    doc["output"].update(codec="png", path="frames", width=321, height=181)
    assert load_scene(write(tmp_path, doc)).output.width == 321
    doc["output"].update(codec="prores", path="a.mov")
    assert load_scene(write(tmp_path, doc)).output.height == 181
    doc["output"].update(codec="av1", path="a.mp4")
    assert error(tmp_path, doc).key == "output.width"


# ---------------------------------------------------------------------------
# camera: orbit forms, TLE checks, look targets, exposure
# ---------------------------------------------------------------------------

ELEMENTS = {
    "altitude_km": 408,
    "inclination_deg": 51.64,
    "raan_deg": -10,
    "arg_latitude_deg": 370,
    "epoch_utc": "2018-11-16T18:00:00Z",
}
OVER = {
    "lat_deg": 45.5,
    "lon_deg": 62.3,
    "time_utc": "2018-11-16T18:14:08Z",
    "altitude_km": 406,
    "inclination_deg": 51.64,
}


def orbit_doc(orbit: dict[str, Any]) -> dict[str, Any]:
    doc = example_doc()
    doc["camera"]["orbit"] = orbit
    return doc


def test_elements_orbit(tmp_path):
    scene = load_scene(write(tmp_path, orbit_doc({"elements": ELEMENTS})))
    assert scene.camera.orbit == ElementsOrbit(
        408.0, 51.64, 350.0, 10.0, datetime(2018, 11, 16, 18, tzinfo=UTC)
    )


def test_over_orbit_and_its_default(tmp_path):
    orbit = load_scene(write(tmp_path, orbit_doc({"over": OVER}))).camera.orbit
    assert isinstance(orbit, OverOrbit) and orbit.ascending is True
    orbit = load_scene(write(tmp_path, orbit_doc({"over": {**OVER, "ascending": False}})))
    assert orbit.camera.orbit.ascending is False


@pytest.mark.parametrize(
    ("orbit", "key", "fragment"),
    [
        ({}, "camera.orbit", "exactly one of tle, tle_file, elements or over, got none"),
        ({"tle": [TLE1, TLE2], "over": OVER}, "camera.orbit", "got tle and over"),
        (
            {"elements": {**ELEMENTS, "epoch_utc": DELETE}},
            "camera.orbit.elements.epoch_utc",
            "missing",
        ),
        (
            {"elements": {**ELEMENTS, "altitude_km": 0}},
            "camera.orbit.elements.altitude_km",
            "greater than 0",
        ),
        (
            {"elements": {**ELEMENTS, "altitude_km": 2e5}},
            "camera.orbit.elements.altitude_km",
            "at most 100000",
        ),
        (
            {"elements": {**ELEMENTS, "inclination_deg": 181}},
            "camera.orbit.elements.inclination_deg",
            "from 0 to 180",
        ),
        ({"elements": 5}, "camera.orbit.elements", "must be a table"),
        (
            {"over": {**OVER, "lat_deg": 60}},
            "camera.orbit.over.lat_deg",
            "never passes over latitude 60: |lat_deg| must be at most 51.64",
        ),
        (
            {"over": {**OVER, "inclination_deg": 150, "lat_deg": -31}},
            "camera.orbit.over.lat_deg",
            "at most 30",
        ),
        (
            {"over": {**OVER, "ascending": "yes"}},
            "camera.orbit.over.ascending",
            "must be true or false",
        ),
        ({"over": {**OVER, "lon_deg": DELETE}}, "camera.orbit.over.lon_deg", "missing"),
        ({"over": {**OVER, "time_utc": "noon"}}, "camera.orbit.over.time_utc", "RFC 3339"),
    ],
)
def test_bad_orbits(tmp_path, orbit, key, fragment):
    for form in orbit.values():
        if isinstance(form, dict):
            for k in [k for k, v in form.items() if v is DELETE]:
                del form[k]
    assert_error(error(tmp_path, orbit_doc(orbit)), key, fragment)


def test_missing_orbit(tmp_path):
    doc = example_doc()
    del doc["camera"]["orbit"]
    assert_error(error(tmp_path, doc), "camera.orbit", "missing")
    del doc["camera"]
    assert_error(error(tmp_path, doc), "camera.orbit", "missing")


def test_retrograde_orbit_reaches_180_minus_inclination(tmp_path):
    doc = orbit_doc({"over": {**OVER, "inclination_deg": 97.8, "lat_deg": -82}})
    assert load_scene(write(tmp_path, doc)).camera.orbit.inclination_deg == 97.8


def test_tle_lines_may_carry_trailing_blanks(tmp_path):
    doc = orbit_doc({"tle": [TLE1 + "  ", TLE2 + "\n"]})
    assert load_scene(write(tmp_path, doc)).camera.orbit == TleOrbit(TLE1, TLE2)


@pytest.mark.parametrize(
    ("lines", "key", "fragment"),
    [
        ([TLE1], "camera.orbit.tle", "array of the two TLE lines"),
        ("x", "camera.orbit.tle", "array of the two TLE lines"),
        ([TLE1, 2], "camera.orbit.tle[2]", "must be a string"),
        ([TLE1[:-1], TLE2], "camera.orbit.tle[1]", "69 characters long, got 68"),
        ([TLE1, TLE1], "camera.orbit.tle[2]", "must start with its line number '2 '"),
        ([TLE1, TLE2[:-1] + "8"], "camera.orbit.tle[2]", "checksum mismatch"),
        ([TLE1[:-1] + "0", TLE2], "camera.orbit.tle[1]", "checksum mismatch"),
        (
            [TLE1, fix_checksum(TLE2[:2] + "25545" + TLE2[7:])],
            "camera.orbit.tle",
            "different satellites",
        ),
        (
            [TLE1, fix_checksum(TLE2[:52] + "00.00000000" + TLE2[63:])],
            "camera.orbit.tle[2]",
            "columns 53-63 (mean motion)",
        ),
        (
            [fix_checksum(TLE1[:18] + "xx.xxxxxxxxxx" + TLE1[31:]), TLE2],
            "camera.orbit.tle[1]",
            "columns 19-32 (epoch)",
        ),
        (
            [TLE1, fix_checksum(TLE2[:8] + "191.0000" + TLE2[16:])],
            "camera.orbit.tle[2]",
            "(inclination) must be a number from 0 to 180",
        ),
        ([TLE1.replace("U", "\u00dc"), TLE2], "camera.orbit.tle[1]", "printable ASCII"),
    ],
)
def test_bad_tles(tmp_path, lines, key, fragment):
    assert_error(error(tmp_path, orbit_doc({"tle": lines})), key, fragment)


def test_tle_that_sgp4_cannot_propagate_over_the_scene(tmp_path):
    # A drag term of 0.99999 brings the satellite down within days of its epoch.
    line1 = fix_checksum(TLE1[:53] + " 99999-0" + TLE1[61:])
    doc = orbit_doc({"tle": [line1, TLE2]})
    edit(doc, "time.start_utc", "2019-06-01T00:00:00Z")
    assert_error(error(tmp_path, doc), "camera.orbit.tle", "SGP4 cannot propagate")


@pytest.mark.parametrize(
    ("look", "expected"),
    [
        ({"target": {"lat_deg": 45.9, "lon_deg": 350}, "roll_deg": 10}, GroundTarget(45.9, -10.0)),
        ({"target": "launch:1"}, LaunchTarget(1)),
    ],
)
def test_look_targets(tmp_path, look, expected):
    doc = example_doc()
    doc["camera"]["look"] = look
    scene = load_scene(write(tmp_path, doc))
    assert scene.camera.look.target == expected
    assert scene.camera.look.roll_deg == look.get("roll_deg", 0)


@pytest.mark.parametrize(
    ("look", "drop_launches", "key", "fragment"),
    [
        ({"target": "launch:2"}, False, "camera.look.target", "from 1 to 1"),
        ({"target": "launch:0"}, False, "camera.look.target", 'got "launch:0"'),
        ({"target": "launch:1"}, True, "camera.look.target", "no [[launch]] entries"),
        ({"target": "launch: 1"}, False, "camera.look.target", 'must be "launch:N" or a table'),
        ({"target": 5}, False, "camera.look.target", "got 5"),
        (
            {"target": {"lat_deg": 100, "lon_deg": 0}},
            False,
            "camera.look.target.lat_deg",
            "from -90 to 90",
        ),
        ({"target": {"lat_deg": 10}}, False, "camera.look.target.lon_deg", "missing"),
        ({"target": {"lat": 10}}, False, "camera.look.target.lat", "did you mean 'lat_deg'?"),
        (
            {"target": "launch:1", "elevation_deg": -190},
            False,
            "camera.look.elevation_deg",
            "from -180 to 180",
        ),
    ],
)
def test_bad_look_targets(tmp_path, look, drop_launches, key, fragment):
    doc = example_doc()
    doc["camera"]["look"] = look
    if drop_launches:
        del doc["launch"]
    assert_error(error(tmp_path, doc), key, fragment)


def test_ev100_overrides_the_other_three(tmp_path):
    doc = edit(example_doc(), "camera.exposure.ev100", 3)
    exposure = load_scene(write(tmp_path, doc)).camera.exposure
    assert exposure.ev100 == 3.0 and ev100(exposure) == 3.0
    doc["camera"]["exposure"] = {"ev100": -5}
    assert ev100(load_scene(write(tmp_path, doc)).camera.exposure) == -5.0


def test_ev100_formula():
    assert ev100(Exposure(iso=100, shutter_s=1.0, f_number=1.0)) == 0.0
    assert ev100(Exposure(iso=12800, shutter_s=0.5, f_number=1.4)) == pytest.approx(
        math.log2(1.96 / 0.5 * 100 / 12800)
    )


def test_motion_blur(tmp_path):
    doc = edit(example_doc(), "camera.motion_blur", {"samples": 8, "shutter_angle_deg": 360})
    assert load_scene(write(tmp_path, doc)).camera.motion_blur == MotionBlur(8, 360.0)


def test_noise_is_on_by_default_at_high_iso_and_can_be_turned_off(tmp_path):
    doc = example_doc()  # ISO 12800
    assert load_scene(write(tmp_path, doc)).camera.noise == Noise()
    doc = edit(example_doc(), "camera.exposure.iso", 800)
    assert load_scene(write(tmp_path, doc)).camera.noise is None
    doc = edit(example_doc(), "camera.exposure", {"ev100": -5})  # the ISO is not named
    assert load_scene(write(tmp_path, doc)).camera.noise is None
    doc = edit(example_doc(), "camera.noise", False)
    assert load_scene(write(tmp_path, doc)).camera.noise is None
    doc = edit(edit(example_doc(), "camera.exposure.iso", 800), "camera.noise", True)
    assert load_scene(write(tmp_path, doc)).camera.noise == Noise()
    table = {"seed": 7, "sensor_width_px": 4000, "hot_pixel_fraction": 0, "hot_pixel_e_per_s": 5}
    doc = edit(example_doc(), "camera.noise", table)
    assert load_scene(write(tmp_path, doc)).camera.noise == Noise(
        seed=7, sensor_width_px=4000, hot_pixel_fraction=0.0, hot_pixel_e_per_s=5.0
    )
    for key, value, fragment in (
        ("sensor_width_px", 0, "from 1 to 100000"),
        ("hot_pixel_fraction", 0.5, "from 0 to 0.01"),
        ("hot_pixel_e_per_s", -1, "from 0 to 1000000"),
    ):
        err = error(tmp_path, edit(example_doc(), f"camera.noise.{key}", value))
        assert_error(err, f"camera.noise.{key}", fragment)


def test_tone_is_the_camera_rendering_unless_filmic_is_asked_for(tmp_path):
    assert load_scene(write(tmp_path, example_doc())).camera.tone == "camera"
    for tone in ("camera", "filmic"):
        doc = edit(example_doc(), "camera.tone", tone)
        assert load_scene(write(tmp_path, doc)).camera.tone == tone
    err = error(tmp_path, edit(example_doc(), "camera.tone", "film"))
    assert_error(err, "camera.tone", 'must be one of camera, filmic, got "film"')
    assert "did you mean 'filmic'?" in err.message
    assert_error(error(tmp_path, edit(example_doc(), "camera.tone", 1)), "camera.tone", "got 1")


# ---------------------------------------------------------------------------
# earth and stars
# ---------------------------------------------------------------------------


def test_layers_switch_off_and_on(tmp_path):
    doc = example_doc()
    doc["earth"] = {
        k: False for k in ("day", "night_lights", "clouds", "atmosphere", "airglow", "glint")
    }
    doc["stars"] = False
    scene = load_scene(write(tmp_path, doc))
    assert scene.stars is None
    assert all(getattr(scene.earth, k) is None for k in doc["earth"])
    doc["earth"] = {k: True for k in doc["earth"]}
    doc["stars"] = True
    scene = load_scene(write(tmp_path, doc))
    assert scene.earth.clouds == Clouds() and scene.earth.airglow == Airglow(DEFAULT_AIRGLOW_LAYERS)
    assert scene.earth.atmosphere == Atmosphere() and scene.stars == Stars()
    doc["earth"] = {"night_lights": {"intensity": 2}, "clouds": {"coverage": 0.1}, "glint": {}}
    scene = load_scene(write(tmp_path, doc))
    assert scene.earth.night_lights == NightLights(2.0)
    assert scene.earth.clouds == Clouds(0.1, 1, 5.0, 1.0)
    assert scene.earth.glint == Glint()


def test_day_texture_is_relative_to_the_scene(tmp_path, monkeypatch):
    from PIL import Image

    (tmp_path / "tex").mkdir()
    Image.new("RGB", (8, 4)).save(tmp_path / "tex" / "earth.png")
    (tmp_path / "tex" / "notes.jpg").write_text("not an image")
    monkeypatch.chdir("/")
    doc = edit(example_doc(), "earth.day", {"texture": "tex/earth.png"})
    scene = load_scene(write(tmp_path, doc))
    assert scene.earth.day.texture == tmp_path / "tex" / "earth.png"
    assert scene.earth.day.texture.is_absolute()
    doc = edit(doc, "earth.day", {"texture": "tex/missing.png"})
    assert_error(error(tmp_path, doc), "earth.day.texture", "no readable image file")
    doc = edit(doc, "earth.day", {"texture": "tex"})
    assert_error(error(tmp_path, doc), "earth.day.texture", "no readable image file")
    doc = edit(doc, "earth.day", {"texture": "tex/notes.jpg"})
    assert_error(error(tmp_path, doc), "earth.day.texture", "cannot be read as an image")


LAYER = {
    "name": "green",
    "altitude_km": 97,
    "width_km": 10,
    "zenith_rayleigh": 250,
    "wavelength_nm": 557.7,
}


def test_custom_airglow_layers_replace_the_defaults(tmp_path):
    red = {
        "name": "red",
        "altitude_km": 250,
        "width_km": 50,
        "zenith_rayleigh": 0,
        "color": [1, 0.1, 0],
    }
    doc = edit(example_doc(), "earth.airglow", {"layers": [LAYER, red]})
    layers = load_scene(write(tmp_path, doc)).earth.airglow.layers
    assert layers == (
        AirglowLayer("green", 97.0, 10.0, 250.0, None, 557.7),
        AirglowLayer("red", 250.0, 50.0, 0.0, (1.0, 0.1, 0.0), None),
    )
    doc = edit(example_doc(), "earth.airglow", {"layers": []})
    assert load_scene(write(tmp_path, doc)).earth.airglow is None
    doc = edit(example_doc(), "earth.airglow", {})
    assert load_scene(write(tmp_path, doc)).earth.airglow == Airglow(DEFAULT_AIRGLOW_LAYERS)


@pytest.mark.parametrize(
    ("layer", "key", "fragment"),
    [
        ({**LAYER, "color": [1, 1, 1]}, "earth.airglow.layers[2]", "exactly one of color"),
        (
            {k: v for k, v in LAYER.items() if k != "wavelength_nm"},
            "earth.airglow.layers[2]",
            "exactly one of color",
        ),
        ({**LAYER, "altitude_km": 0}, "earth.airglow.layers[2].altitude_km", "greater than 0"),
        ({**LAYER, "width_km": -1}, "earth.airglow.layers[2].width_km", "from 0.1 to 1000"),
        ({**LAYER, "zenith_rayleigh": -1}, "earth.airglow.layers[2].zenith_rayleigh", "from 0"),
        (
            {**LAYER, "zenith_rayleigh": 1e308},
            "earth.airglow.layers[2].zenith_rayleigh",
            "to 10000000",
        ),
        ({**LAYER, "width_km": 1e-300}, "earth.airglow.layers[2].width_km", "from 0.1"),
        (
            {**LAYER, "wavelength_nm": 1000},
            "earth.airglow.layers[2].wavelength_nm",
            "from 360 to 830",
        ),
        ({**LAYER, "name": ""}, "earth.airglow.layers[2].name", "non-empty string"),
        ({**LAYER, "name": 3}, "earth.airglow.layers[2].name", "got 3"),
        ({**LAYER, "altitude": 97}, "earth.airglow.layers[2].altitude", "'altitude_km'"),
        ("green", "earth.airglow.layers[2]", "must be a table"),
    ],
)
def test_bad_airglow_layers(tmp_path, layer, key, fragment):
    doc = edit(example_doc(), "earth.airglow", {"layers": [LAYER, layer]})
    assert_error(error(tmp_path, doc), key, fragment)


@pytest.mark.parametrize(
    ("color", "fragment"),
    [
        ([1, 1], "three numbers"),
        ([1, -1, 0], "at least 0"),
        ([1, True, 0], "got true"),
        ("white", "three numbers"),
    ],
)
def test_bad_airglow_colors(tmp_path, color, fragment):
    layer = {**{k: v for k, v in LAYER.items() if k != "wavelength_nm"}, "color": color}
    doc = edit(example_doc(), "earth.airglow", {"layers": [layer]})
    assert_error(error(tmp_path, doc), "earth.airglow.layers[1].color", fragment)


def test_too_many_airglow_layers(tmp_path):
    doc = edit(example_doc(), "earth.airglow", {"layers": [LAYER] * 9})
    assert_error(error(tmp_path, doc), "earth.airglow.layers", "at most 8")
    doc = edit(example_doc(), "earth.airglow", {"layers": LAYER})
    assert_error(error(tmp_path, doc), "earth.airglow.layers", "must be an array")


def test_stars_table(tmp_path):
    doc = edit(example_doc(), "stars", {"limiting_magnitude": 6})
    assert load_scene(write(tmp_path, doc)).stars == Stars(6.0)
    doc = edit(example_doc(), "stars", {})
    assert load_scene(write(tmp_path, doc)).stars == Stars(8.0)


# ---------------------------------------------------------------------------
# launches
# ---------------------------------------------------------------------------

VEHICLE = {
    "stages": [
        {"name": "boosters", "separation_s": 118, "count": 4},
        {"name": "core", "separation_s": 286},
    ],
    "profile": [[0, 0, 0], [118, 48, 40], [286, 176, 500], [525, 200, 1640]],
}


def test_launch_with_builtin_site_azimuth_and_custom_vehicle(tmp_path):
    doc = example_doc()
    doc["launch"] = [
        doc["launch"][0],
        {
            "vehicle": VEHICLE,
            "site": "baikonur-31/6",
            "time_utc": "2018-11-16T21:20:00+03:00",
            "azimuth_deg": -297,
        },
    ]
    scene = load_scene(write(tmp_path, doc))
    second = scene.launches[1]
    assert second.site.name == "baikonur-31/6" and second.site.lat_deg == 45.996
    assert second.azimuth_deg == pytest.approx(63.0) and second.target_inclination_deg is None
    assert second.time_utc == datetime(2018, 11, 16, 18, 20, tzinfo=UTC)
    assert isinstance(second.vehicle, VehicleTable)
    assert [(s.name, s.separation_s, s.count) for s in second.vehicle.stages] == [
        ("boosters", 118.0, 4),
        ("core", 286.0, 1),
    ]
    assert second.vehicle.profile[-1] == (525.0, 200.0, 1640.0)


def test_polar_site_reaches_only_polar_orbits(tmp_path):
    doc = edit(example_doc(), "launch[1].site", {"lat_deg": 90, "lon_deg": 0})
    edit(doc, "launch[1].target_inclination_deg", 90)
    assert load_scene(write(tmp_path, doc)).launches[0].target_inclination_deg == 90.0


def vehicle_with(**changes: Any) -> dict[str, Any]:
    vehicle = copy.deepcopy(VEHICLE)
    vehicle.update(changes)
    return vehicle


P = "launch[1].vehicle"


@pytest.mark.parametrize(
    ("vehicle", "key", "fragment"),
    [
        (vehicle_with(profile=[[0, 0, 0]]), f"{P}.profile", "at least 2 rows"),
        (vehicle_with(profile="fast"), f"{P}.profile", "at least 2 rows"),
        ({"stages": []}, f"{P}.profile", "missing"),
        (vehicle_with(profile=[[1, 0, 0], [2, 1, 1]]), f"{P}.profile[1]", "first row must be 0"),
        (vehicle_with(profile=[[0, 0, 0], [0, 1, 1]]), f"{P}.profile[2]", "must increase"),
        (
            vehicle_with(profile=[[0, 0, 0], [10, -1, 1]]),
            f"{P}.profile[2]",
            "altitude_km must be at least 0",
        ),
        (
            vehicle_with(profile=[[0, 0, 5], [10, 1, 4]]),
            f"{P}.profile[2]",
            "downrange_km must not decrease",
        ),
        (
            vehicle_with(profile=[[0, 0, -1], [10, 1, 4]]),
            f"{P}.profile[1]",
            "downrange_km must be at least 0",
        ),
        (vehicle_with(profile=[[0, 0, 0], [10, 1]]), f"{P}.profile[2]", "row of three numbers"),
        (vehicle_with(profile=[[0, 0, 0], [10, "x", 1]]), f"{P}.profile[2]", 'got "x"'),
        (vehicle_with(profile=[[0, 0, 0], [NAN, 1, 1]]), f"{P}.profile[2]", "got nan"),
        (
            vehicle_with(stages=[{"name": "a", "separation_s": 600}]),
            f"{P}.stages[1].separation_s",
            "at most 525",
        ),
        (
            vehicle_with(stages=[{"name": "a", "separation_s": 0}]),
            f"{P}.stages[1].separation_s",
            "greater than 0",
        ),
        (
            vehicle_with(
                stages=[{"name": "a", "separation_s": 200}, {"name": "b", "separation_s": 100}]
            ),
            f"{P}.stages[2].separation_s",
            "later than stage 1's 200 s",
        ),
        (
            vehicle_with(stages=[{"name": "a", "separation_s": 20, "count": 0}]),
            f"{P}.stages[1].count",
            "from 1 to 64",
        ),
        (vehicle_with(stages=[{"separation_s": 20}]), f"{P}.stages[1].name", "missing"),
        (vehicle_with(stages=[{"name": "a", "sep": 20}]), f"{P}.stages[1].sep", "unknown key"),
        (vehicle_with(stages={"name": "a"}), f"{P}.stages", "must be an array"),
        (vehicle_with(mass=5), f"{P}.mass", "unknown key"),
    ],
)
def test_bad_custom_vehicles(tmp_path, vehicle, key, fragment):
    assert_error(error(tmp_path, edit(example_doc(), P, vehicle)), key, fragment)


def test_errors_name_the_right_launch(tmp_path):
    doc = example_doc()
    second = copy.deepcopy(doc["launch"][0])
    second["site"]["lat_deg"] = -100
    doc["launch"].append(second)
    assert_error(error(tmp_path, doc), "launch[2].site.lat_deg", "from -90 to 90")


# ---------------------------------------------------------------------------
# command-line overrides, summary
# ---------------------------------------------------------------------------


@pytest.fixture
def example_scene(tmp_path) -> Scene:
    return load_scene(write(tmp_path, EXAMPLE, "progress-ms10.toml"))


def test_overrides_apply_and_leave_the_original(example_scene):
    new = with_overrides(
        example_scene, path="out.mkv", width=640, height="360", fps="24", duration_s=5
    )
    assert (new.output.path, new.output.width, new.output.height) == (Path("out.mkv"), 640, 360)
    assert (new.output.fps, new.output.duration_s, new.output.frame_count) == (24.0, 5.0, 120)
    assert example_scene.output.width == 1920
    assert new.camera == example_scene.camera
    assert with_overrides(example_scene) == example_scene


@pytest.mark.parametrize(
    ("option", "kwargs", "fragment"),
    [
        ("--width", {"width": 641}, "even integer from 2 to 16384 for h264, got 641"),
        ("--width", {"width": "640.0"}, "got 640.0"),
        ("--width", {"width": "wide"}, 'got "wide"'),
        ("--height", {"height": 0}, "got 0"),
        ("--height", {"height": True}, "got true"),
        ("--fps", {"fps": "nan"}, "got nan"),
        ("--fps", {"fps": -1}, "from 0.01"),
        ("--fps", {"fps": 0.0004}, "from 0.01"),
        ("--duration", {"duration_s": "0"}, "greater than 0"),
        ("-o", {"path": "out.avi"}, "h264 video needs a file ending in .mp4, .m4v, .mov or .mkv"),
        ("-o", {"path": ""}, "non-empty"),
    ],
)
def test_bad_overrides(example_scene, option, kwargs, fragment):
    scene = example_scene
    with pytest.raises(SceneError) as info:
        with_overrides(scene, **kwargs)
    assert info.value.key == option, str(info.value)
    assert fragment in info.value.message, str(info.value)
    assert str(info.value).startswith(f"{scene.source}: {option}: ")


def test_overrides_keep_the_span_inside_the_ephemeris(tmp_path):
    scene = load_scene(write(tmp_path, MINIMAL.replace("[time]", "[time]\nspeed = 100000")))
    assert with_overrides(scene, duration_s=3600).output.duration_s == 3600
    with pytest.raises(SceneError, match="--duration: speed 100000 for 86400 s .* past 2053-10-08"):
        with_overrides(scene, duration_s=86400)
    fast = load_scene(write(tmp_path, MINIMAL.replace("[time]", "[time]\nspeed = 1e8")))
    with pytest.raises(SceneError, match="--fps: speed 100000000 at 0.01 fps .* before 1899-07-30"):
        with_overrides(fast, fps=0.01)


def test_overrides_check_the_tle_over_the_longer_span(tmp_path):
    # 27 years at 10^4 x: SGP4 has the ISS decay in the 2030s.
    scene = load_scene(write(tmp_path, EXAMPLE.replace("speed = 10.0", "speed = 10000.0")))
    with pytest.raises(SceneError, match="--duration: SGP4 cannot propagate the TLE .* decayed"):
        with_overrides(scene, duration_s=86400)


def test_odd_width_override_is_fine_for_png(tmp_path):
    scene = load_scene(write(tmp_path, MINIMAL + '[output]\ncodec = "png"\n'))
    assert with_overrides(scene, width=321, path="frames").output.width == 321
    with pytest.raises(SceneError, match="-o: png writes numbered frames into a folder"):
        with_overrides(scene, path="a.mp4")


def test_describe(example_scene):
    text = describe(example_scene)
    for fragment in [
        "Progress MS-10 launch seen from the ISS",
        "2018-11-16 18:10:00 UTC -> 2018-11-16 18:25:00 UTC",
        "10x speed",
        "2700 frames, 1920x1080 at 30 fps",
        "h264 crf 18 preset veryfast (default)",
        "progress-ms10.mp4",
        "TLE of satellite 25544, epoch 2018-11-11 10:40:04 UTC",
        "azimuth 180 deg, elevation -12 deg, roll 25 deg",
        "EV100 -5.03",
        "airglow (4 layers)",
        "clouds (coverage 0.45, seed 7)",
        "down to magnitude 8",
        "soyuz-fg from 45.92N 63.342E at 2018-11-16 18:14:08 UTC, toward inclination 51.64 deg",
    ]:
        assert fragment in text, text
    assert 8 <= len(text.splitlines()) <= 15


def test_describe_other_forms(tmp_path):
    doc = orbit_doc({"over": {**OVER, "ascending": False}})
    doc["camera"]["look"] = {"target": "launch:1"}
    doc["earth"] = {"glint": False, "clouds": False}
    doc["stars"] = False
    doc["camera"]["exposure"] = {"ev100": 2}
    text = describe(load_scene(write(tmp_path, doc)))
    assert "(descending)" in text and "keeps launch 1 centred" in text
    assert "off: clouds, glint" in text and "stars:" in text and "EV100 2.00 (given)" in text
    doc = orbit_doc({"elements": ELEMENTS})
    assert "argument of latitude 10 deg" in describe(load_scene(write(tmp_path, doc)))


def test_loads_scene_matches_load_scene(tmp_path):
    path = write(tmp_path, EXAMPLE)
    assert loads_scene(EXAMPLE, path) == load_scene(path)


# ---------------------------------------------------------------------------
# fuzz: garbage in, SceneError out
# ---------------------------------------------------------------------------

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _load_or_scene_error(path: Path) -> None:
    try:
        assert isinstance(load_scene(path), Scene)
    except SceneError as exc:
        assert "\n" not in str(exc)


@FUZZ
@hypothesis_given(data=st.binary(max_size=300))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    _load_or_scene_error(path)


@FUZZ
@hypothesis_given(cut=st.integers(0, len(EXAMPLE)), junk=st.text(max_size=8))
def test_fuzz_truncated_example(tmp_path, cut, junk):
    path = tmp_path / "fuzz.toml"
    path.write_text(EXAMPLE[:cut] + junk)
    _load_or_scene_error(path)


_LEAVES = (
    st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "launch:1",
            "launch:9",
            "soyuz-fg",
            "baikonur-1/5",
            "png",
            "a.mov",
            "2018-11-16T18:14:08Z",
            "2018-11-16T18:14:08",
            TLE1,
            TLE2,
        ]
    )
    | st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5))]))
    | st.dates()
    | st.times()
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place inside a document: dict keys and list indices."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


_KEY_NAMES = st.sampled_from(
    [
        "tle",
        "elements",
        "over",
        "target",
        "ev100",
        "azimuth_deg",
        "layers",
        "color",
        "wavelength_nm",
        "stages",
        "profile",
        "site",
        "vehicle",
        "texture",
        "launch",
        "stars",
        "ascending",
        "count",
        "seed",
        "zz",
    ]
)


@FUZZ
@hypothesis_given(data=st.data())
def test_fuzz_mutated_example(tmp_path, data):
    doc = example_doc()
    doc["launch"][0]["vehicle"] = copy.deepcopy(VEHICLE)
    doc["earth"]["airglow"] = {"layers": [dict(LAYER)]}
    for _ in range(data.draw(st.integers(1, 3))):
        places = _paths(doc)
        place = data.draw(st.sampled_from(places))
        parent: Any = doc
        for step in place[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[place[-1]] = data.draw(_VALUES)
        elif action == "delete":
            del parent[place[-1]]
        elif isinstance(parent[place[-1]], dict):
            parent[place[-1]][data.draw(_KEY_NAMES)] = data.draw(_VALUES)
    path = tmp_path / "fuzz.toml"
    path.write_text(to_toml(doc))
    _load_or_scene_error(path)


@pytest.mark.parametrize(
    ("codec", "preset", "stored", "message"),
    [
        ("h264", "veryfast", "veryfast", None),
        ("h265", "slow", "slow", None),
        ("av1", 8, "8", None),
        ("av1", "12", "12", None),
        ("h264", "fastest", None, "did you mean 'faster'?"),
        ("h264", 3, None, "must be one of ultrafast"),
        ("av1", 14, None, "an integer from 0 to 13"),
        ("av1", "fast", None, "an integer from 0 to 13"),
        ("prores", "fast", None, "prores has no encoder presets (ProRes 422 HQ"),
        ("png", "fast", None, "png has no encoder presets"),
    ],
)
def test_preset_names_depend_on_codec(tmp_path, codec, preset, stored, message):
    path = {"prores": "a.mov", "png": "frames"}.get(codec, "a.mp4")
    doc = example_doc()
    doc["output"].update(codec=codec, path=path, preset=preset)
    if stored is not None:
        assert load_scene(write(tmp_path, doc)).output.preset == stored
    else:
        err = error(tmp_path, doc)
        assert err.key == "output.preset"
        assert message in str(err)


def test_preset_defaults_to_the_codecs_and_the_command_line_overrides_it(tmp_path):
    from renderer.scene import with_overrides

    scene = load_scene(write(tmp_path, example_doc()))
    assert scene.output.preset == ""
    assert with_overrides(scene, preset="slower").output.preset == "slower"
    with pytest.raises(SceneError) as info:
        with_overrides(scene, preset="13")
    assert info.value.key == "--preset"
