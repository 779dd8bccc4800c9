"""``orbitlapse check``: a scene summarised in a few lines, without drawing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from renderer.output.codecs import CRF_RANGES, encoder_preset
from renderer.physics.exposure import ev100
from renderer.scene.fields import _fmt_time
from renderer.scene.schema import (
    ElementsOrbit,
    GroundTarget,
    Launch,
    LaunchTarget,
    Orbit,
    Scene,
    TleOrbit,
)
from renderer.scene.sections import _EARTH_KEYS


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


def _tle_epoch(line1: str) -> datetime:
    year = int(line1[18:20])
    year += 2000 if year < 57 else 1900  # the TLE convention: 57..99 are 1957..1999
    # Whole seconds: the 8-decimal day fraction is good to about a millisecond only.
    seconds = round((float(line1[20:32]) - 1.0) * 86400.0)
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def _describe_orbit(orbit: Orbit) -> str:
    if isinstance(orbit, TleOrbit):
        return (
            f"TLE of satellite {orbit.line1[2:7].strip()}, epoch "
            f"{_fmt_time(_tle_epoch(orbit.line1))}, propagated with SGP4"
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
    rows.append(("orbit", _describe_orbit(cam.orbit)))
    look = cam.look
    if isinstance(look.target, GroundTarget):
        aim = f"keeps {_fmt_latlon(look.target.lat_deg, look.target.lon_deg)} centred"
    elif isinstance(look.target, LaunchTarget):
        aim = f"keeps launch {look.target.index} centred"
    else:
        aim = f"azimuth {look.azimuth_deg:g} deg, elevation {look.elevation_deg:g} deg"
    rows.append(("look", f"{aim}, roll {look.roll_deg:g} deg, field of view {cam.fov_deg:g} deg"))
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
    off = [name.replace("_", " ") for name in _EARTH_KEYS if getattr(e, name) is None]
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
