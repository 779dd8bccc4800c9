"""The ``[camera]`` table's parsers: the orbit (TLE, TLE file, elements, over), motion
blur, noise and glare; the look, exposure and keyframes are read by
``renderer.scene.moves``, TLE text by ``renderer.scene.tle``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from renderer.scene.fields import (
    _T,
    _Ctx,
    _fmt_num,
    _got,
    _join,
    _norm360,
    _norm_lon,
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
from renderer.scene.moves import exposure_of, parse_keyframes, parse_look
from renderer.scene.schema import (
    MAX_DURATION_S,
    NOISE_DEFAULT_MIN_ISO,
    Bloom,
    Camera,
    ElementsOrbit,
    Exposure,
    Keyframe,
    MotionBlur,
    Noise,
    Orbit,
    OverOrbit,
)
from renderer.scene.tle import _parse_tle, _parse_tle_file

(_ORBIT_FORMS,) = ORBIT.exactly_one
_ONE_FORM = ", ".join(_ORBIT_FORMS[:-1]) + " or " + _ORBIT_FORMS[-1]


def _latlon(ctx: _Ctx, value: Any, where: str) -> tuple[float, float]:
    tbl = _table(ctx, value, where, LATLON.names)
    lat = LATLON.read(ctx, tbl, where, "lat_deg")
    lon = _norm_lon(LATLON.read(ctx, tbl, where, "lon_deg"))
    return lat, lon


def _parse_orbit(ctx: _Ctx, cam: dict[str, Any], start_utc: datetime) -> Orbit:
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
    if "satellite" in tbl and form != "tle_file":
        ctx.fail(
            _join(where, "satellite"),
            "only goes with tle_file: it names the satellite to take from that file",
        )
    if form == "tle":
        return _parse_tle(ctx, tbl["tle"], fw)
    if form == "tle_file":
        return _parse_tle_file(ctx, tbl, where, start_utc)
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


def _parse_camera(
    ctx: _Ctx,
    cam: dict[str, Any],
    n_launches: int,
    start_utc: datetime,
    duration_s: float = MAX_DURATION_S,
) -> Camera:
    p = "camera"
    fov = CAMERA.read(ctx, cam, p, "fov_deg")
    orbit = _parse_orbit(ctx, cam, start_utc)
    look = parse_look(ctx, _sub(ctx, cam, p, "look", LOOK.names), n_launches)
    exposure = exposure_of(
        ctx, _sub(ctx, cam, p, "exposure", EXPOSURE.names), "camera.exposure", Exposure()
    )
    keyframes: tuple[Keyframe, ...] = ()
    if "keyframe" in cam:
        base = Keyframe(0.0, look, fov, exposure)
        keyframes = parse_keyframes(ctx, cam["keyframe"], base, duration_s, n_launches)
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
    tbl = _table(ctx, value, where, NOISE.names)
    return Noise(**{name: NOISE.read(ctx, tbl, where, name) for name in NOISE.names})
