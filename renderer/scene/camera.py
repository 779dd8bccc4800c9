"""The ``[camera]`` table's parsers: the orbit (TLE, TLE file, elements, over), the look,
the exposure, motion blur, noise and glare.  TLE text is read in ``renderer.scene.tle``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from renderer.physics.exposure import ev100_of
from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _LATITUDE,
    _LAUNCH_REF,
    _LONGITUDE,
    _ORBIT_ALTITUDE,
    _POSITIVE,
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
    _Range,
    _sub,
    _table,
    _time,
)
from renderer.scene.schema import (
    EV100_RANGE,
    ISS_ALTITUDE_KM,
    ISS_INCLINATION_DEG,
    MAX_MOTION_BLUR_SAMPLES,
    NOISE_DEFAULT_MIN_ISO,
    TONE_CURVES,
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
)
from renderer.scene.tle import _parse_tle, _parse_tle_file

_CAMERA_KEYS = ("fov_deg", "orbit", "look", "exposure", "motion_blur", "noise", "bloom", "tone")
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
_ORBIT_FORMS = ("tle", "tle_file", "elements", "over")
# ``satellite`` picks the satellite out of a tle_file.
_ORBIT_KEYS = (*_ORBIT_FORMS, "satellite")
_ELEMENTS_KEYS = ("altitude_km", "inclination_deg", "raan_deg", "arg_latitude_deg", "epoch_utc")
_OVER_KEYS = ("lat_deg", "lon_deg", "time_utc", "altitude_km", "inclination_deg", "ascending")
_LOOK_KEYS = ("azimuth_deg", "elevation_deg", "roll_deg", "target")
_EXPOSURE_KEYS = ("iso", "shutter_s", "f_number", "ev100")
_BLUR_KEYS = ("samples", "shutter_angle_deg")
_LATLON_KEYS = ("lat_deg", "lon_deg")


def _latlon(ctx: _Ctx, value: Any, where: str) -> tuple[float, float]:
    tbl = _table(ctx, value, where, _LATLON_KEYS)
    lat = _num(ctx, tbl, where, "lat_deg", _LATITUDE)
    lon = _norm_lon(_num(ctx, tbl, where, "lon_deg", _LONGITUDE))
    return lat, lon


def _parse_orbit(ctx: _Ctx, cam: dict[str, Any], start_utc: datetime) -> Orbit:
    where = "camera.orbit"
    if "orbit" not in cam:
        ctx.fail(where, "missing: give exactly one of tle, tle_file, elements or over")
    tbl = _table(ctx, cam["orbit"], where, _ORBIT_KEYS)
    forms = [k for k in _ORBIT_FORMS if k in tbl]
    if len(forms) != 1:
        got = " and ".join(forms) if forms else "none"
        ctx.fail(where, f"must give exactly one of tle, tle_file, elements or over, got {got}")
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
    altitude = _num(ctx, ov, fw, "altitude_km", _ORBIT_ALTITUDE, ISS_ALTITUDE_KM)
    inclination = _num(ctx, ov, fw, "inclination_deg", _INCLINATION, ISS_INCLINATION_DEG)
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


def _parse_camera(ctx: _Ctx, cam: dict[str, Any], n_launches: int, start_utc: datetime) -> Camera:
    p = "camera"
    fov = _num(ctx, cam, p, "fov_deg", _Range(1.0, 170.0), 60.0)
    orbit = _parse_orbit(ctx, cam, start_utc)
    look = _parse_look(ctx, _sub(ctx, cam, p, "look", _LOOK_KEYS), n_launches)
    exposure = _parse_exposure(ctx, _sub(ctx, cam, p, "exposure", _EXPOSURE_KEYS))
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
