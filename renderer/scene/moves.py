"""The camera's pointing and its moves: ``[camera.look]``'s target and offsets, and the
``[[camera.keyframe]]`` tables that change the look, field of view and exposure over
the video.
"""

from __future__ import annotations

from typing import Any

from renderer.physics.exposure import ev100_of
from renderer.scene.fields import (
    _ANY,
    _LATITUDE,
    _LAUNCH_REF,
    _LONGITUDE,
    _POSITIVE,
    _choice,
    _Ctx,
    _fmt_num,
    _got,
    _join,
    _norm360,
    _norm_lon,
    _num,
    _Range,
    _table,
)
from renderer.scene.format_camera import CAMERA, EXPOSURE, KEYFRAME, LOOK
from renderer.scene.schema import (
    EASINGS,
    EV100_RANGE,
    MAX_KEYFRAMES,
    Exposure,
    GroundTarget,
    Keyframe,
    LaunchTarget,
    Look,
)

LOOK_KEYS = LOOK.names
EXPOSURE_KEYS = EXPOSURE.names
KEYFRAME_KEYS = KEYFRAME.names
FOV_RANGE = CAMERA["fov_deg"].range
_OFFSET_ELEVATION = KEYFRAME["elevation_deg"].range
_LATLON_KEYS = ("lat_deg", "lon_deg")
_TARGET_FORM = 'must be "launch:N" or a table { lat_deg, lon_deg }'


def parse_target(ctx: _Ctx, value: Any, where: str, n_launches: int) -> GroundTarget | LaunchTarget:
    """A look's ``target``: ``"launch:N"`` or ``{ lat_deg, lon_deg }``."""
    if isinstance(value, str):
        m = _LAUNCH_REF.fullmatch(value)
        if m is None:
            ctx.fail(where, f"{_TARGET_FORM}, got {_got(value)}")
        index = int(m[1])
        if n_launches == 0:
            ctx.fail(where, f"names launch {index}, but the scene has no [[launch]] entries")
        if not 1 <= index <= n_launches:
            ctx.fail(
                where,
                f'must name a launch from 1 to {n_launches} ("launch:1"), got {_got(value)}',
            )
        return LaunchTarget(index)
    if isinstance(value, dict):
        tbl = _table(ctx, value, where, _LATLON_KEYS)
        lat = _num(ctx, tbl, where, "lat_deg", _LATITUDE)
        lon = _norm_lon(_num(ctx, tbl, where, "lon_deg", _LONGITUDE))
        return GroundTarget(lat, lon)
    ctx.fail(where, f"{_TARGET_FORM}, got {_got(value)}")


def parse_look(ctx: _Ctx, tbl: dict[str, Any], n_launches: int) -> Look:
    """``[camera.look]``: azimuth and elevation, or a target with offsets; roll either way."""
    p = "camera.look"
    roll = _num(ctx, tbl, p, "roll_deg", _ANY, 0.0)
    if "target" not in tbl:
        return Look(
            azimuth_deg=_norm360(_num(ctx, tbl, p, "azimuth_deg", _ANY, 0.0)),
            elevation_deg=_num(ctx, tbl, p, "elevation_deg", _LATITUDE, -20.0),
            roll_deg=roll,
        )
    return Look(
        roll_deg=roll,
        target=parse_target(ctx, tbl["target"], _join(p, "target"), n_launches),
        offset_azimuth_deg=_num(ctx, tbl, p, "azimuth_deg", _ANY, 0.0),
        offset_elevation_deg=_num(ctx, tbl, p, "elevation_deg", _OFFSET_ELEVATION, 0.0),
    )


def exposure_of(ctx: _Ctx, tbl: dict[str, Any], where: str, before: Exposure) -> Exposure:
    """The exposure ``tbl`` gives, what it leaves out taken from ``before``.

    ``ev100`` sets the exposure outright; any of ``iso``, ``shutter_s`` and
    ``f_number`` sets it from the settings (the others carried over).  Either way the
    result must lie in EV100_RANGE.
    """
    iso = _num(ctx, tbl, where, "iso", _POSITIVE, before.iso)
    shutter = _num(ctx, tbl, where, "shutter_s", _POSITIVE, before.shutter_s)
    f_number = _num(ctx, tbl, where, "f_number", _POSITIVE, before.f_number)
    given = _num(ctx, tbl, where, "ev100", _Range(*EV100_RANGE), None)
    settings = any(k in tbl for k in ("iso", "shutter_s", "f_number"))
    if given is None and not settings:
        given = before.ev100
    if given is None:
        ev = ev100_of(iso, shutter, f_number)
        lo, hi = EV100_RANGE
        if not lo <= ev <= hi:  # False for NaN as well
            ctx.fail(
                where,
                f"iso, shutter_s and f_number give EV100 {ev:.1f}, outside the usable "
                f"{_fmt_num(lo)} to {_fmt_num(hi)}",
            )
    return Exposure(iso, shutter, f_number, given)


def _key_look(ctx: _Ctx, tbl: dict[str, Any], where: str, before: Look, n_launches: int) -> Look:
    """A key's look: the target and offsets, or azimuth and elevation, carried over."""
    roll = _num(ctx, tbl, where, "roll_deg", _ANY, before.roll_deg)
    if "target" in tbl and tbl["target"] is False:
        # Back from a target to a fixed direction: the direction must be named.
        for key in ("azimuth_deg", "elevation_deg"):
            if key not in tbl:
                ctx.fail(
                    _join(where, key),
                    "missing: target = false leaves the target, so give the azimuth_deg "
                    "and elevation_deg to look along",
                )
        target = None
    elif "target" in tbl:
        target = parse_target(ctx, tbl["target"], _join(where, "target"), n_launches)
    else:
        target = before.target
    if target is None:
        az_default = before.azimuth_deg if before.target is None else None
        el_default = before.elevation_deg if before.target is None else None
        return Look(
            azimuth_deg=_norm360(_num(ctx, tbl, where, "azimuth_deg", _ANY, az_default)),
            elevation_deg=_num(ctx, tbl, where, "elevation_deg", _LATITUDE, el_default),
            roll_deg=roll,
        )
    # Offsets carry over from a key that had a target; a new target starts at none.
    keep = before.target is not None
    return Look(
        roll_deg=roll,
        target=target,
        offset_azimuth_deg=_num(
            ctx, tbl, where, "azimuth_deg", _ANY, before.offset_azimuth_deg if keep else 0.0
        ),
        offset_elevation_deg=_num(
            ctx,
            tbl,
            where,
            "elevation_deg",
            _OFFSET_ELEVATION,
            before.offset_elevation_deg if keep else 0.0,
        ),
    )


def parse_keyframes(
    ctx: _Ctx,
    value: Any,
    base: Keyframe,
    duration_s: float,
    n_launches: int,
) -> tuple[Keyframe, ...]:
    """``[[camera.keyframe]]``: each key complete, times strictly increasing within the
    video.  ``base`` is the camera of ``[camera]`` at t = 0, which the first key
    carries over from."""
    where = "camera.keyframe"
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        ctx.fail(where, f"must be an array of tables ([[camera.keyframe]]), got {_got(value)}")
    if not value:
        ctx.fail(where, "must hold at least one [[camera.keyframe]] table")
    if len(value) > MAX_KEYFRAMES:
        ctx.fail(where, f"must hold at most {MAX_KEYFRAMES} keyframes, got {len(value)}")
    keys: list[Keyframe] = []
    before = base
    for number, raw in enumerate(value, 1):
        kw = f"{where}[{number}]"
        tbl = _table(ctx, raw, kw, KEYFRAME_KEYS)
        t = _num(ctx, tbl, kw, "t_s", _Range(0.0, duration_s), note=" (seconds of video)")
        if keys and t <= keys[-1].t_s:
            ctx.fail(
                _join(kw, "t_s"),
                f"must be later than the key before it ({_fmt_num(keys[-1].t_s)} s): "
                f"keyframes go in time order, got {_got(tbl['t_s'])}",
            )
        key = Keyframe(
            t_s=t,
            look=_key_look(ctx, tbl, kw, before.look, n_launches),
            fov_deg=_num(ctx, tbl, kw, "fov_deg", FOV_RANGE, before.fov_deg),
            exposure=exposure_of(ctx, tbl, kw, before.exposure),
            ease=_choice(ctx, tbl, kw, "ease", EASINGS, "smooth"),
        )
        keys.append(key)
        before = key
    return tuple(keys)
