"""The ``[camera]`` table's parsers: the orbit (TLE, elements, over), motion blur, noise
and glare; the look, exposure and keyframes are read by ``renderer.scene.moves``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from sgp4.api import SGP4_ERRORS, Satrec

from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _LATITUDE,
    _LONGITUDE,
    _ORBIT_ALTITUDE,
    _T,
    _bool,
    _choice,
    _Ctx,
    _fmt_num,
    _got,
    _int,
    _join,
    _norm360,
    _norm_lon,
    _num,
    _quote,
    _Range,
    _sub,
    _table,
    _time,
)
from renderer.scene.moves import (
    EXPOSURE_KEYS,
    FOV_RANGE,
    LOOK_KEYS,
    exposure_of,
    parse_keyframes,
    parse_look,
)
from renderer.scene.schema import (
    MAX_DURATION_S,
    MAX_MOTION_BLUR_SAMPLES,
    NOISE_DEFAULT_MIN_ISO,
    TONE_CURVES,
    Bloom,
    Camera,
    ElementsOrbit,
    Exposure,
    Keyframe,
    MotionBlur,
    Noise,
    Orbit,
    OverOrbit,
    TleOrbit,
)

_CAMERA_KEYS = (
    "fov_deg",
    "orbit",
    "look",
    "exposure",
    "keyframe",
    "motion_blur",
    "noise",
    "bloom",
    "tone",
)
_NOISE_KEYS = (
    "seed",
    "full_well_e",
    "read_noise_e",
    "base_iso",
    "sensor_width_px",
    "hot_pixel_fraction",
    "hot_pixel_e_per_s",
)
_BLOOM_KEYS = ("fraction",)
_ORBIT_FORMS = ("tle", "elements", "over")
_ELEMENTS_KEYS = ("altitude_km", "inclination_deg", "raan_deg", "arg_latitude_deg", "epoch_utc")
_OVER_KEYS = ("lat_deg", "lon_deg", "time_utc", "altitude_km", "inclination_deg", "ascending")
_BLUR_KEYS = ("samples", "shutter_angle_deg")
_LATLON_KEYS = ("lat_deg", "lon_deg")


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


def _parse_camera(
    ctx: _Ctx, cam: dict[str, Any], n_launches: int, duration_s: float = MAX_DURATION_S
) -> Camera:
    p = "camera"
    fov = _num(ctx, cam, p, "fov_deg", FOV_RANGE, 60.0)
    orbit = _parse_orbit(ctx, cam)
    look = parse_look(ctx, _sub(ctx, cam, p, "look", LOOK_KEYS), n_launches)
    exposure = exposure_of(
        ctx, _sub(ctx, cam, p, "exposure", EXPOSURE_KEYS), "camera.exposure", Exposure()
    )
    keyframes: tuple[Keyframe, ...] = ()
    if "keyframe" in cam:
        base = Keyframe(0.0, look, fov, exposure)
        keyframes = parse_keyframes(ctx, cam["keyframe"], base, duration_s, n_launches)
    blur_tbl = _sub(ctx, cam, p, "motion_blur", _BLUR_KEYS)
    bp = "camera.motion_blur"
    blur = MotionBlur(
        samples=_int(ctx, blur_tbl, bp, "samples", _Range(1, MAX_MOTION_BLUR_SAMPLES), 1),
        shutter_angle_deg=_num(ctx, blur_tbl, bp, "shutter_angle_deg", _Range(0, 360), 180.0),
    )
    # High-ISO frames are grainy: noise is on by default where the exposure names such an ISO.
    high_iso = exposure.ev100 is None and exposure.iso >= NOISE_DEFAULT_MIN_ISO
    noise = _optional_layer(ctx, cam, p, "noise", high_iso, lambda t, w: _parse_noise(ctx, t, w))
    bloom = _optional_layer(
        ctx,
        cam,
        p,
        "bloom",
        True,
        lambda t, w: Bloom(
            _num(ctx, _table(ctx, t, w, _BLOOM_KEYS), w, "fraction", _Range(0.0, 0.5), 0.014)
        ),
    )
    tone = _choice(ctx, cam, p, "tone", TONE_CURVES, "camera")
    return Camera(orbit, fov, look, exposure, blur, noise, bloom, tone, keyframes)


def _optional_layer(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    default_on: bool,
    parse: Callable[[dict[str, Any], str], _T],
) -> _T | None:
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
        sensor_width_px=_int(ctx, tbl, where, "sensor_width_px", _Range(1, 100000), 5568),
        hot_pixel_fraction=_num(ctx, tbl, where, "hot_pixel_fraction", _Range(0.0, 0.01), 1e-4),
        hot_pixel_e_per_s=_num(ctx, tbl, where, "hot_pixel_e_per_s", _Range(0.0, 1e6), 100.0),
    )
