"""The section parsers: one function a table of the scene file, each building its type.

Every key of the format is read and checked here; a problem names the file and the key
path (``camera.look.azimuth_deg: ...``).  Nothing downstream re-validates.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sgp4.api import SGP4_ERRORS, Satrec, jday

from renderer.output.codecs import CODECS, CONTAINERS, CRF_RANGES, EVEN_SIZE_CODECS
from renderer.physics.camera import ev100_of
from renderer.physics.launch.catalogue import SITES, VEHICLE_NAMES
from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _LATITUDE,
    _LAUNCH_REF,
    _LONGITUDE,
    _MISSING,
    _NON_NEGATIVE,
    _ORBIT_ALTITUDE,
    _POSITIVE,
    _T,
    _as_number,
    _as_path_text,
    _bool,
    _check_keys,
    _choice,
    _clip,
    _Ctx,
    _fmt_num,
    _fmt_time,
    _got,
    _int,
    _join,
    _nearest,
    _norm360,
    _norm_lon,
    _num,
    _quote,
    _Range,
    _str,
    _sub,
    _table,
    _time,
)
from renderer.scene.schema import (
    DEFAULT_AIRGLOW_LAYERS,
    EPHEMERIS_FIRST,
    EPHEMERIS_LAST,
    EV100_RANGE,
    MAX_AIRGLOW_LAYERS,
    MAX_DURATION_S,
    MAX_FPS,
    MAX_MOTION_BLUR_SAMPLES,
    MAX_SIZE_PX,
    MAX_STAGE_COUNT,
    SCENE_VERSION,
    Airglow,
    AirglowLayer,
    Atmosphere,
    Bloom,
    Camera,
    Clouds,
    DayLayer,
    Earth,
    ElementsOrbit,
    Exposure,
    Glint,
    GroundTarget,
    Launch,
    LaunchTarget,
    Look,
    MotionBlur,
    NightLights,
    Noise,
    Orbit,
    Output,
    OverOrbit,
    Scene,
    Site,
    StageSpec,
    Stars,
    TimeSpec,
    TleOrbit,
    VehicleTable,
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
    codec = _choice(ctx, tbl, p, "codec", tuple(CODECS), "h264")
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


def _parse_exposure(ctx: _Ctx, tbl: dict[str, Any]) -> Exposure:
    p = "camera.exposure"
    iso = _num(ctx, tbl, p, "iso", _POSITIVE, 6400.0)
    shutter = _num(ctx, tbl, p, "shutter_s", _POSITIVE, 0.5)
    f_number = _num(ctx, tbl, p, "f_number", _POSITIVE, 1.4)
    given = _num(ctx, tbl, p, "ev100", _Range(*EV100_RANGE), None)
    if given is None:
        ev = ev100_of(iso, shutter, f_number)
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
