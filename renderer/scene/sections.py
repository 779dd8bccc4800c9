"""The section parsers: one function a table of the scene file, each building its type.

Every key of the format is read and checked here; a problem names the file and the key
path (``camera.look.azimuth_deg: ...``).  Nothing downstream re-validates.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sgp4.api import SGP4_ERRORS, Satrec, jday

from renderer.errors import SceneError
from renderer.output.codecs import CONTAINERS, CRF_RANGES, EVEN_SIZE_CODECS, PRESETS, writes_folder
from renderer.physics.launch.catalogue import SITES, VEHICLE_NAMES
from renderer.scene.camera import _latlon, _parse_camera
from renderer.scene.fields import (
    _ANY,
    _MISSING,
    _NON_NEGATIVE,
    _T,
    _as_number,
    _as_path_text,
    _check_keys,
    _clip,
    _Ctx,
    _fmt_num,
    _fmt_time,
    _got,
    _join,
    _nearest,
    _norm360,
    _quote,
    _Range,
    _sub,
    _table,
)
from renderer.scene.format import (
    AIRGLOW,
    AIRGLOW_LAYER,
    ATMOSPHERE,
    CAMERA,
    CLOUDS,
    DAY,
    EARTH,
    GLINT,
    LAUNCH,
    NIGHT_LIGHTS,
    OUTPUT,
    SCENE,
    STAGE,
    STARS,
    TIME,
    VEHICLE,
)
from renderer.scene.keys import Table
from renderer.scene.schema import (
    DEFAULT_AIRGLOW_LAYERS,
    EPHEMERIS_FIRST,
    EPHEMERIS_LAST,
    MAX_SIZE_PX,
    MAX_TEXTURE_PIXELS,
    MAX_TITLE_CHARS,
    SCENE_VERSION,
    Airglow,
    AirglowLayer,
    Atmosphere,
    Clouds,
    DayLayer,
    Earth,
    Glint,
    Launch,
    NightLights,
    Output,
    Scene,
    Site,
    StageSpec,
    Stars,
    TimeSpec,
    TleOrbit,
    VehicleTable,
)

_VIDEO_SUFFIXES = frozenset(s for suffixes in CONTAINERS.values() for s in suffixes)


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _default_output_path(source: Path, codec: str) -> Path:
    # The scene's own name in the working directory; png (png16, exr) writes a folder of
    # that name, and ProRes, which MP4 cannot hold, gets .mov.
    stem = source.stem or "scene"
    if writes_folder(codec):
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
            f"{codec} writes numbered frames into a folder: give a folder name, "
            f"not a video file, got {_quote(str(path))}",
        )


def _size_range(codec: str) -> tuple[_Range, bool, str]:
    if codec in EVEN_SIZE_CODECS:
        return _Range(2, MAX_SIZE_PX), True, f" for {codec}"
    return OUTPUT["width"].range, False, ""


_FPS = OUTPUT["fps"].range
_DURATION = OUTPUT["duration_s"].range


def _parse_output(ctx: _Ctx, tbl: dict[str, Any], source: Path) -> Output:
    p = "output"
    codec = OUTPUT.read(ctx, tbl, p, "codec")
    size, even, note = _size_range(codec)
    width = OUTPUT.read(ctx, tbl, p, "width", rng=size, even=even, note=note)
    height = OUTPUT.read(ctx, tbl, p, "height", rng=size, even=even, note=note)
    fps = OUTPUT.read(ctx, tbl, p, "fps")
    duration = OUTPUT.read(ctx, tbl, p, "duration_s")
    if codec in CRF_RANGES:
        crf = OUTPUT.read(ctx, tbl, p, "crf", rng=_Range(*CRF_RANGES[codec]), note=f" for {codec}")
    else:
        crf = OUTPUT.read(ctx, tbl, p, "crf")  # ignored by this codec, but still typed
    if "path" in tbl:
        path = Path(_as_path_text(ctx, tbl["path"], "output.path"))
    else:
        path = _default_output_path(source, codec)
    _check_container(ctx, path, codec, "output.path")
    preset = check_preset(ctx, tbl["preset"], codec, "output.preset") if "preset" in tbl else ""
    return Output(path, width, height, fps, duration, codec, crf, preset)


def check_preset(ctx: _Ctx, value: Any, codec: str, where: str) -> str:
    """An encoder preset for ``codec`` (an x264/x265 name, an SVT-AV1 number from 0 to
    13, as an integer or its text), as the text the encoder takes; refused for the
    codecs that have none."""
    choices = PRESETS.get(codec)
    if choices is None:
        why = "ProRes 422 HQ's size is its profile's" if codec == "prores" else "it is lossless"
        ctx.fail(where, f"{codec} has no encoder presets ({why}); remove the preset")
    if codec == "av1":
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not (isinstance(text, str) and text.strip() in choices):
            ctx.fail(
                where, f"must be an SVT-AV1 preset, an integer from 0 to 13, got {_got(value)}"
            )
        return str(int(text))
    if isinstance(value, str) and value in choices:
        return value
    msg = f"must be one of {', '.join(choices)} for {codec}, got {_got(value)}"
    near = _nearest(value, choices) if isinstance(value, str) else None
    ctx.fail(where, msg + (f"; did you mean '{near}'?" if near else ""))


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
    tbl = _table(ctx, value, where, DAY.names)
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
    # Decoded here, once, so that a file that is not an image, is truncated or is too large
    # is refused before rendering rather than after the GL set-up.
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if max(w, h) > MAX_SIZE_PX or w * h > MAX_TEXTURE_PIXELS:
                    ctx.fail(
                        tw,
                        f"is too large, {w}x{h} pixels: a texture may have at most "
                        f"{MAX_SIZE_PX} on a side and {MAX_TEXTURE_PIXELS:,} in all (16384x8192)",
                    )
                img.load()
    except SceneError:
        raise
    except Image.DecompressionBombError as exc:
        ctx.fail(tw, f"is too large an image ({_clip(str(exc), 60)})")
    except Exception as exc:  # Pillow raises assorted types on files it cannot decode
        ctx.fail(tw, f"cannot be read as an image: {_clip(str(exc), 80)}")
    return DayLayer(texture=Path(os.path.abspath(path)))


def _parse_airglow(ctx: _Ctx, value: dict[str, Any], where: str) -> Airglow | None:
    tbl = _table(ctx, value, where, AIRGLOW.names)
    if "layers" not in tbl:
        return Airglow(DEFAULT_AIRGLOW_LAYERS)
    lw = _join(where, "layers")
    items = tbl["layers"]
    if not isinstance(items, list):
        ctx.fail(lw, f"must be an array of layer tables, got {_got(items)}")
    most = AIRGLOW["layers"].max_items
    if most is not None and len(items) > most:
        ctx.fail(lw, f"must have at most {most} layers, got {len(items)}")
    if not items:
        return None  # no layers draws nothing: the same as airglow = false
    layers = []
    for i, item in enumerate(items, 1):
        w = f"{lw}[{i}]"
        layer = _table(ctx, item, w, AIRGLOW_LAYER.names)
        name = AIRGLOW_LAYER.read(ctx, layer, w, "name")
        altitude = AIRGLOW_LAYER.read(ctx, layer, w, "altitude_km")
        width = AIRGLOW_LAYER.read(ctx, layer, w, "width_km")
        rayleigh = AIRGLOW_LAYER.read(ctx, layer, w, "zenith_rayleigh")
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
            wavelength = AIRGLOW_LAYER.read(ctx, layer, w, "wavelength_nm")
        layers.append(AirglowLayer(name, altitude, width, rayleigh, color, wavelength))
    return Airglow(tuple(layers))


def _parse_earth(ctx: _Ctx, tbl: dict[str, Any]) -> Earth:
    p = "earth"

    def night(value: dict[str, Any], where: str) -> NightLights:
        t = _table(ctx, value, where, NIGHT_LIGHTS.names)
        return NightLights(NIGHT_LIGHTS.read(ctx, t, where, "intensity"))

    def clouds(value: dict[str, Any], where: str) -> Clouds:
        t = _table(ctx, value, where, CLOUDS.names)
        return Clouds(**{name: CLOUDS.read(ctx, t, where, name) for name in CLOUDS.names})

    def no_options(make: Callable[[], _T], keys: Table) -> Callable[[dict[str, Any], str], _T]:
        def parse(value: dict[str, Any], where: str) -> _T:
            _table(ctx, value, where, keys.names)
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
        atmosphere=_switch(
            ctx, tbl, p, "atmosphere", no_options(Atmosphere, ATMOSPHERE), Atmosphere()
        ),
        airglow=_switch(ctx, tbl, p, "airglow", airglow, Airglow(DEFAULT_AIRGLOW_LAYERS)),
        glint=_switch(ctx, tbl, p, "glint", no_options(Glint, GLINT), Glint()),
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
    tbl = _table(ctx, value, "stars", STARS.names)
    return Stars(STARS.read(ctx, tbl, "stars", "limiting_magnitude"))


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
    vt = _table(ctx, value, where, VEHICLE.names)

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
        st = _table(ctx, item, w, STAGE.names)
        name = STAGE.read(ctx, st, w, "name")
        sep = STAGE.read(ctx, st, w, "separation_s", rng=span, note=" (within the profile)")
        if stages and sep <= stages[-1].separation_s:
            ctx.fail(
                _join(w, "separation_s"),
                f"must be later than stage {k - 1}'s {_fmt_num(stages[-1].separation_s)} s, "
                f"got {_fmt_num(sep)}",
            )
        count = STAGE.read(ctx, st, w, "count")
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
    tbl = _table(ctx, item, path, LAUNCH.names)
    vehicle = _parse_vehicle(ctx, tbl, path)
    site = _parse_site(ctx, tbl, path)
    when = LAUNCH.read(ctx, tbl, path, "time_utc")
    has_azimuth, has_inclination = "azimuth_deg" in tbl, "target_inclination_deg" in tbl
    if has_azimuth == has_inclination:
        how = "not both" if has_azimuth else "one is required"
        ctx.fail(path, f"give exactly one of azimuth_deg and target_inclination_deg ({how})")
    if has_azimuth:
        azimuth = _norm360(LAUNCH.read(ctx, tbl, path, "azimuth_deg"))
        return Launch(vehicle, site, when, azimuth_deg=azimuth)
    inclination = LAUNCH.read(ctx, tbl, path, "target_inclination_deg")
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
    most = SCENE["launch"].max_items
    if most is not None and len(value) > most:
        ctx.fail("launch", f"at most {most} launches in a scene, got {len(value)}")
    return tuple(_parse_launch(ctx, item, f"launch[{i}]") for i, item in enumerate(value, 1))


def _check_span(ctx: _Ctx, scene: Scene, key: str | None = None) -> None:
    """The simulated times the frames (and blur sub-frames) need must be computable."""
    speed, fps, duration = scene.time.speed, scene.output.fps, scene.output.duration_s
    # Sub-frames reach half a frame before frame 0; the last frame, rounded, at most a
    # frame past duration_s.  Floats, not timedeltas: a huge speed must not overflow.
    before_s = speed * 0.5 / fps
    after_s = speed * (duration + 1.0 / fps)
    _check_window(
        ctx,
        scene,
        -before_s,
        after_s,
        key or "time.speed",
        early=f"speed {_fmt_num(speed)} at {_fmt_num(fps)} fps spreads frame 0 back before",
        late=f"speed {_fmt_num(speed)} for {_fmt_num(duration)} s of video reaches past",
        fix_early="lower time.speed",
        fix_late="lower time.speed or output.duration_s",
    )
    orbit = scene.camera.orbit
    if isinstance(orbit, TleOrbit):
        form = "camera.orbit.tle" if orbit.source is None else "camera.orbit.tle_file"
        _check_tle_window(ctx, scene, -before_s, after_s, key or form)


def _check_window(
    ctx: _Ctx,
    scene: Scene,
    first_s: float,
    last_s: float,
    key: str,
    *,
    early: str,
    late: str,
    fix_early: str,
    fix_late: str,
) -> None:
    """Simulated seconds ``first_s`` to ``last_s`` after the start lie inside DE421."""
    start = scene.time.start_utc
    if not (math.isfinite(first_s) and (start - EPHEMERIS_FIRST).total_seconds() >= -first_s):
        ctx.fail(
            key,
            f"{early} {EPHEMERIS_FIRST:%Y-%m-%d}, the start of the DE421 ephemeris: {fix_early}",
        )
    if not (math.isfinite(last_s) and (EPHEMERIS_LAST - start).total_seconds() >= last_s):
        ctx.fail(
            key, f"{late} {EPHEMERIS_LAST:%Y-%m-%d}, the end of the DE421 ephemeris: {fix_late}"
        )


def _check_tle_window(ctx: _Ctx, scene: Scene, first_s: float, last_s: float, key: str) -> None:
    """SGP4 propagates the scene's TLE over the window (sampled at nine instants)."""
    orbit = scene.camera.orbit
    assert isinstance(orbit, TleOrbit)
    sat = Satrec.twoline2rv(orbit.line1, orbit.line2)
    steps = 8 if last_s > first_s else 0
    for i in range(steps + 1):
        offset = first_s + (last_s - first_s) * i / max(steps, 1)
        when = scene.time.start_utc + timedelta(seconds=offset)
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
                key,
                f"SGP4 cannot propagate the TLE to {_fmt_time(when)}: "
                f"{SGP4_ERRORS.get(err, 'not finite')}",
            )


def check_instant(ctx: _Ctx, scene: Scene, sim_s: float, key: str) -> None:
    """A still at ``sim_s`` simulated seconds (with its motion-blur spread) is computable."""
    spread = scene.time.speed * 0.5 / scene.output.fps
    what = f"{_fmt_num(sim_s)} s after the scene's start"
    _check_window(
        ctx,
        scene,
        sim_s - spread,
        sim_s + spread,
        key,
        early=f"{what} is before",
        late=f"{what} is past",
        fix_early="choose a later moment",
        fix_late="choose an earlier moment",
    )
    if isinstance(scene.camera.orbit, TleOrbit):
        _check_tle_window(ctx, scene, sim_s - spread, sim_s + spread, key)


def _title(ctx: _Ctx, doc: dict[str, Any]) -> str:
    title = SCENE.read(ctx, doc, "", "title")
    if len(title) > MAX_TITLE_CHARS:
        ctx.fail("title", f"must be at most {MAX_TITLE_CHARS} characters, got {len(title)}")
    # NUL cannot go into ffmpeg's argument list; other control characters (a newline)
    # would break the one-line summaries that show the title.
    if any(not ch.isprintable() and ch != " " for ch in title):
        ctx.fail("title", "must not contain control characters (NUL, newline, tab...)")
    return title


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
    _check_keys(ctx, doc, "", SCENE.names)
    title = _title(ctx, doc)
    time_tbl = _sub(ctx, doc, "", "time", TIME.names)
    time_spec = TimeSpec(
        start_utc=TIME.read(ctx, time_tbl, "time", "start_utc"),
        speed=TIME.read(ctx, time_tbl, "time", "speed"),
    )
    output = _parse_output(ctx, _sub(ctx, doc, "", "output", OUTPUT.names), source)
    launches = _parse_launches(ctx, doc)
    camera = _parse_camera(
        ctx,
        _sub(ctx, doc, "", "camera", CAMERA.names),
        len(launches),
        time_spec.start_utc,
        output.duration_s,
    )
    earth = _parse_earth(ctx, _sub(ctx, doc, "", "earth", EARTH.names))
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
