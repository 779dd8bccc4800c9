"""The ``[camera]`` table's parsers: the orbit (TLE, elements, over), the look, the
exposure, motion blur, noise and glare.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from sgp4.api import SGP4_ERRORS, Satrec

from renderer.physics.exposure import ev100_of
from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _LAUNCH_REF,
    _T,
    _Ctx,
    _fmt_num,
    _got,
    _join,
    _norm360,
    _norm_lon,
    _quote,
    _Range,
    _sub,
    _table,
)
from renderer.scene.format_camera import (
    BLOOM,
    CAMERA,
    ELEMENTS,
    EXPOSURE,
    LATLON,
    LOOK,
    MOTION_BLUR,
    NOISE,
    ORBIT,
    OVER,
)
from renderer.scene.schema import (
    EV100_RANGE,
    NOISE_DEFAULT_MIN_ISO,
    Bloom,
    Camera,
    ElementsOrbit,
    Exposure,
    GroundTarget,
    LaunchTarget,
    Look,
    MotionBlur,
    Noise,
    Orbit,
    OverOrbit,
    TleOrbit,
)

(_ORBIT_FORMS,) = ORBIT.exactly_one
_ONE_FORM = ", ".join(_ORBIT_FORMS[:-1]) + " or " + _ORBIT_FORMS[-1]


def _latlon(ctx: _Ctx, value: Any, where: str) -> tuple[float, float]:
    tbl = _table(ctx, value, where, LATLON.names)
    lat = LATLON.read(ctx, tbl, where, "lat_deg")
    lon = _norm_lon(LATLON.read(ctx, tbl, where, "lon_deg"))
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
        ctx.fail(where, f"missing: give exactly one of {_ONE_FORM}")
    tbl = _table(ctx, cam["orbit"], where, ORBIT.names)
    forms = [k for k in _ORBIT_FORMS if k in tbl]
    if len(forms) != 1:
        got = " and ".join(forms) if forms else "none"
        ctx.fail(where, f"must give exactly one of {_ONE_FORM}, got {got}")
    form = forms[0]
    fw = _join(where, form)
    if form == "tle":
        return _parse_tle(ctx, tbl["tle"], fw)
    if form == "elements":
        el = _table(ctx, tbl["elements"], fw, ELEMENTS.names)
        return ElementsOrbit(
            altitude_km=ELEMENTS.read(ctx, el, fw, "altitude_km"),
            inclination_deg=ELEMENTS.read(ctx, el, fw, "inclination_deg"),
            raan_deg=_norm360(ELEMENTS.read(ctx, el, fw, "raan_deg")),
            arg_latitude_deg=_norm360(ELEMENTS.read(ctx, el, fw, "arg_latitude_deg")),
            epoch_utc=ELEMENTS.read(ctx, el, fw, "epoch_utc"),
        )
    ov = _table(ctx, tbl["over"], fw, OVER.names)
    lat = OVER.read(ctx, ov, fw, "lat_deg")
    lon = _norm_lon(OVER.read(ctx, ov, fw, "lon_deg"))
    when = OVER.read(ctx, ov, fw, "time_utc")
    altitude = OVER.read(ctx, ov, fw, "altitude_km")
    inclination = OVER.read(ctx, ov, fw, "inclination_deg")
    ascending = OVER.read(ctx, ov, fw, "ascending")
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
    roll = LOOK.read(ctx, tbl, p, "roll_deg")
    if "target" not in tbl:
        return Look(
            azimuth_deg=_norm360(LOOK.read(ctx, tbl, p, "azimuth_deg")),
            elevation_deg=LOOK.read(ctx, tbl, p, "elevation_deg"),
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
    iso = EXPOSURE.read(ctx, tbl, p, "iso")
    shutter = EXPOSURE.read(ctx, tbl, p, "shutter_s")
    f_number = EXPOSURE.read(ctx, tbl, p, "f_number")
    given = EXPOSURE.read(ctx, tbl, p, "ev100")
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
    fov = CAMERA.read(ctx, cam, p, "fov_deg")
    orbit = _parse_orbit(ctx, cam)
    look = _parse_look(ctx, _sub(ctx, cam, p, "look", LOOK.names), n_launches)
    exposure = _parse_exposure(ctx, _sub(ctx, cam, p, "exposure", EXPOSURE.names))
    blur_tbl = _sub(ctx, cam, p, "motion_blur", MOTION_BLUR.names)
    bp = "camera.motion_blur"
    blur = MotionBlur(
        samples=MOTION_BLUR.read(ctx, blur_tbl, bp, "samples"),
        shutter_angle_deg=MOTION_BLUR.read(ctx, blur_tbl, bp, "shutter_angle_deg"),
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
        lambda t, w: Bloom(BLOOM.read(ctx, _table(ctx, t, w, BLOOM.names), w, "fraction")),
    )
    tone = CAMERA.read(ctx, cam, p, "tone")
    return Camera(orbit, fov, look, exposure, blur, noise, bloom, tone)


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
    tbl = _table(ctx, value, where, NOISE.names)
    return Noise(**{name: NOISE.read(ctx, tbl, where, name) for name in NOISE.names})
