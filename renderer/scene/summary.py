"""``orbitlapse check``: a scene summarised in a few lines, without drawing."""

from __future__ import annotations

from datetime import datetime, timedelta

from renderer.output.codecs import CRF_RANGES, encoder_preset
from renderer.physics.exposure import ev100
from renderer.scene.fields import _fmt_time
from renderer.scene.format import EARTH
from renderer.scene.schema import (
    ElementsOrbit,
    GroundTarget,
    Launch,
    Look,
    Orbit,
    Scene,
    TleOrbit,
)
from renderer.scene.tle import tle_epoch


def _describe_look(look: Look) -> str:
    if look.target is None:
        return f"azimuth {look.azimuth_deg:g} deg, elevation {look.elevation_deg:g} deg"
    if isinstance(look.target, GroundTarget):
        aim = f"keeps {_fmt_latlon(look.target.lat_deg, look.target.lon_deg)} centred"
    else:
        aim = f"keeps launch {look.target.index} centred"
    if look.offset_azimuth_deg or look.offset_elevation_deg:
        aim = (
            f"{aim.replace(' centred', '')} offset by azimuth {look.offset_azimuth_deg:g} deg, "
            f"elevation {look.offset_elevation_deg:g} deg"
        )
    return aim


def _fmt_span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


def _fmt_latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):g}{'N' if lat >= 0 else 'S'} {abs(lon):g}{'E' if lon >= 0 else 'W'}"


def _describe_orbit(orbit: Orbit, start_utc: datetime) -> str:
    if isinstance(orbit, TleOrbit):
        number = orbit.line1[2:7].strip()
        satellite = f"{orbit.name} ({number})" if orbit.name else number
        epoch = tle_epoch(orbit.line1)
        days = (epoch - start_utc).total_seconds() / 86400.0
        source = ""
        if orbit.source is not None:
            n = orbit.candidates
            sets = "its only set" if n == 1 else f"the nearest of {n} sets"
            source = f" from {orbit.source.name} ({sets})"
        return (
            f"TLE of satellite {satellite}{source}, epoch {_fmt_time(epoch)} "
            f"({abs(days):.1f} days {'before' if days <= 0 else 'after'} the start), "
            "propagated with SGP4"
        )
    if isinstance(orbit, ElementsOrbit):
        return (
            f"circular, {orbit.altitude_km:g} km up, inclination {orbit.inclination_deg:g} deg, "
            f"RAAN {orbit.raan_deg:g} deg, argument of latitude {orbit.arg_latitude_deg:g} deg "
            f"at {_fmt_time(orbit.epoch_utc)}"
        )
    pass_ = "ascending" if orbit.ascending else "descending"
    return (
        f"circular, {orbit.altitude_km:g} km up, inclination {orbit.inclination_deg:g} deg, "
        f"over {_fmt_latlon(orbit.lat_deg, orbit.lon_deg)} ({pass_}) at {_fmt_time(orbit.time_utc)}"
    )


def _describe_launch(launch: Launch) -> str:
    if isinstance(launch.vehicle, str):
        vehicle = launch.vehicle
    else:
        vehicle = (
            f"custom vehicle ({len(launch.vehicle.stages)} stages, "
            f"{len(launch.vehicle.profile)} profile rows)"
        )
    site = _fmt_latlon(launch.site.lat_deg, launch.site.lon_deg)
    if launch.site.name:
        site = f"{launch.site.name} ({site})"
    if launch.azimuth_deg is not None:
        heading = f"azimuth {launch.azimuth_deg:g} deg"
    else:
        heading = f"toward inclination {launch.target_inclination_deg:g} deg"
    return f"{vehicle} from {site} at {_fmt_time(launch.time_utc)}, {heading}"


def describe(scene: Scene) -> str:
    """A short multi-line summary of a validated scene, for ``orbitlapse check``."""
    rows: list[tuple[str, str]] = []
    t, o, cam = scene.time, scene.output, scene.camera
    rows.append(("scene", f"{scene.title} ({scene.source})" if scene.title else str(scene.source)))
    span = t.speed * o.duration_s
    end = t.start_utc + timedelta(seconds=span)
    rows.append(
        (
            "time",
            f"{_fmt_time(t.start_utc)} -> {_fmt_time(end)} "
            f"({_fmt_span(span)} simulated at {t.speed:g}x speed)",
        )
    )
    crf = f" crf {o.crf}" if o.codec in CRF_RANGES else ""
    preset = encoder_preset(o.codec, o.preset)
    if preset is not None:
        crf += f" preset {preset}" + ("" if o.preset else " (default)")
    rows.append(
        (
            "output",
            f"{o.path}: {o.frame_count} frames, {o.width}x{o.height} at {o.fps:g} fps "
            f"({o.duration_s:g} s), {o.codec}{crf}",
        )
    )
    rows.append(("orbit", _describe_orbit(cam.orbit, t.start_utc)))
    look = cam.look
    rows.append(
        (
            "look",
            f"{_describe_look(look)}, roll {look.roll_deg:g} deg, "
            f"field of view {cam.fov_deg:g} deg",
        )
    )
    exp = cam.exposure
    how = (
        "given"
        if exp.ev100 is not None
        else (f"ISO {exp.iso:g}, {exp.shutter_s:g} s, f/{exp.f_number:g}")
    )
    blur = cam.motion_blur
    blurred = (
        "motion blur off"
        if blur.samples == 1
        else f"motion blur {blur.samples} samples over a {blur.shutter_angle_deg:g} deg shutter"
    )
    rows.append(("exposure", f"EV100 {ev100(exp):.2f} ({how}); {blurred}"))
    for i, key in enumerate(cam.keyframes, 1):
        k_exp = key.exposure
        rows.append(
            (
                f"keyframe {i}",
                f"at {key.t_s:g} s: {_describe_look(key.look)}, roll {key.look.roll_deg:g} deg, "
                f"field of view {key.fov_deg:g} deg, EV100 {ev100(k_exp):.2f}; "
                + (f"{key.ease} to the next" if i < len(cam.keyframes) else "held to the end"),
            )
        )
    e = scene.earth
    on: list[str] = []
    if e.day is not None:
        on.append(f"day (texture {e.day.texture})" if e.day.texture else "day")
    if e.night_lights is not None:
        on.append(f"night lights (x{e.night_lights.intensity:g})")
    if e.clouds is not None:
        on.append(f"clouds (coverage {e.clouds.coverage:g}, seed {e.clouds.seed})")
    if e.atmosphere is not None:
        on.append("atmosphere")
    if e.airglow is not None:
        on.append(f"airglow ({len(e.airglow.layers)} layers)")
    if e.glint is not None:
        on.append("glint")
    off = [name.replace("_", " ") for name in EARTH.names if getattr(e, name) is None]
    earth = (", ".join(on) or "nothing") + ("; off: " + ", ".join(off) if off else "")
    rows.append(("earth", earth))
    stars = (
        "off" if scene.stars is None else f"down to magnitude {scene.stars.limiting_magnitude:g}"
    )
    rows.append(("stars", stars))
    for i, launch in enumerate(scene.launches, 1):
        rows.append((f"launch {i}", _describe_launch(launch)))
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label + ':':<{width}}{text}" for label, text in rows)
