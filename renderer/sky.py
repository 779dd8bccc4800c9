"""A scene's sky along the video, for aiming: day or night under the camera, where the
terminator and the Earth's shadow are crossed, the Moon, and which launches are seen
(no GL).

``orbitlapse check`` prints it, so a user sees at once whether a scene is day or night
before drawing a frame.

Definitions used throughout:

* *Under the camera*: the point of the WGS84 ellipsoid straight below the camera along
  the ellipsoid's normal (the camera's geodetic sub-point).
* *Sun's elevation*: geometric, the Sun's centre seen from that ground point (no
  refraction).  The terminator is where it is 0; day above 0, civil twilight to -6,
  nautical to -12, astronomical to -18, night below.
* *The ship in the Earth's shadow*: the line from the camera to the Sun's centre meets
  the solid Earth (the WGS84 ellipsoid; the atmosphere and the Sun's disc are not
  counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from renderer.astro import ephemeris, geodesy, orbits
from renderer.events import launch_events
from renderer.scene import Scene
from renderer.timeline import build_timeline, project_to_pixels

FloatArray = npt.NDArray[np.float64]

# (lowest Sun elevation in degrees, label), brightest first.
LIGHT_LABELS: tuple[tuple[float, str], ...] = (
    (0.0, "day"),
    (-6.0, "civil twilight"),
    (-12.0, "nautical twilight"),
    (-18.0, "astronomical twilight"),
)
NIGHT = "night"

# Crossings are looked for on a grid of this step (simulated seconds): under a low orbit
# the Sun's elevation changes by at most 4 deg a minute, so a crossing is missed only
# where the elevation just grazes 0 between two samples.
_SEARCH_STEP_S = 30.0
_MAX_SAMPLES = 5_000
# Bisection halvings of a grid step: 30 s / 2^24 is 2 microseconds.
_BISECTIONS = 24
# Crossings listed by name; more are counted.
_MAX_LISTED = 4


def light_label(sun_elevation_deg: float) -> str:
    """Day, civil / nautical / astronomical twilight or night, by the Sun's elevation."""
    for lowest, label in LIGHT_LABELS:
        if sun_elevation_deg >= lowest:
            return label
    return NIGHT


@dataclass(frozen=True)
class Track:
    """The camera's ground point and lighting at N simulated instants (arrays ``(N,)``)."""

    sim_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    sun_elevation_deg: FloatArray
    moon_elevation_deg: FloatArray
    # Positive while the camera sees the Sun's centre, negative in the Earth's shadow.
    sun_clearance: FloatArray


def track(scene: Scene, sim_s: npt.ArrayLike) -> Track:
    """The point under the camera, the Sun's and Moon's elevations there, and whether
    the camera itself is in sunlight, at ``sim_s`` simulated seconds after the start."""
    seconds = np.atleast_1d(np.asarray(sim_s, dtype=np.float64))
    t = ephemeris.times(scene.time.start_utc, seconds)
    m = ephemeris.itrs_from_gcrs(t)
    pos, _ = orbits.camera_orbit_states(scene.camera.orbit, t)
    cam = ephemeris.gcrs_to_itrs(m, pos)
    sun = ephemeris.gcrs_to_itrs(m, ephemeris.sun_gcrs_km(t))
    moon = ephemeris.gcrs_to_itrs(m, ephemeris.moon_gcrs_km(t))
    with np.errstate(invalid="ignore"):
        lat, lon, _ = geodesy.itrs_to_geodetic(cam)
        return Track(
            sim_s=seconds,
            lat_deg=lat,
            lon_deg=lon,
            sun_elevation_deg=geodesy.elevation_deg(lat, lon, sun),
            moon_elevation_deg=geodesy.elevation_deg(lat, lon, moon),
            sun_clearance=geodesy.segment_clearance(cam, sun),
        )


@dataclass(frozen=True)
class Crossing:
    """A sign change of a quantity along the video: its simulated and video seconds, its
    UTC time, the point under the camera then, and whether the quantity rose through 0."""

    sim_s: float
    video_s: float
    utc: datetime
    lat_deg: float
    lon_deg: float
    rising: bool


def _crossings(scene: Scene, values: FloatArray, grid: FloatArray, field: str) -> list[Crossing]:
    """Where ``field`` of :func:`track` changes sign between grid points, refined by
    bisection to microseconds."""
    with np.errstate(invalid="ignore"):
        change = np.flatnonzero((values[:-1] > 0.0) != (values[1:] > 0.0))
    change = change[np.isfinite(values[change]) & np.isfinite(values[change + 1])]
    if change.size == 0:
        return []
    lo, hi = grid[change].copy(), grid[change + 1].copy()
    lo_positive = values[change] > 0.0
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        positive = getattr(track(scene, mid), field) > 0.0
        same = positive == lo_positive
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    at = 0.5 * (lo + hi)
    where = track(scene, at)
    times = ephemeris.times(scene.time.start_utc, at).utc_datetime()
    return [
        Crossing(
            sim_s=float(at[i]),
            video_s=float(at[i] / scene.time.speed),
            utc=times[i],
            lat_deg=float(where.lat_deg[i]),
            lon_deg=float(where.lon_deg[i]),
            rising=not bool(lo_positive[i]),
        )
        for i in range(at.size)
    ]


def search_span_s(scene: Scene) -> float:
    """Simulated seconds from the start in which crossings are looked for: the whole
    video, or its first 5,000 search steps (41.7 h) where it is longer."""
    return min(scene.time.speed * scene.output.duration_s, _MAX_SAMPLES * _SEARCH_STEP_S)


def search_grid(scene: Scene) -> FloatArray:
    """The simulated seconds crossings are looked for between: every 30 s or closer."""
    span = search_span_s(scene)
    return np.linspace(0.0, span, max(2, math.ceil(span / _SEARCH_STEP_S) + 1))


def crossings(scene: Scene) -> tuple[list[Crossing], list[Crossing]]:
    """Where the point under the camera crosses the terminator (the Sun's elevation there
    passes 0; ``rising`` is night to day), and where the camera itself enters or leaves
    the Earth's shadow (``rising`` is leaving it, orbital sunrise)."""
    grid = search_grid(scene)
    at = track(scene, grid)
    return (
        _crossings(scene, at.sun_elevation_deg, grid, "sun_elevation_deg"),
        _crossings(scene, at.sun_clearance, grid, "sun_clearance"),
    )


@dataclass(frozen=True)
class MoonInView:
    """Where the Moon's centre is for the camera at one instant."""

    in_frame: bool
    text: str  # "in the frame at (x, y) px", "off the frame, N deg from the view axis", ...


def moon_in_view(scene: Scene, sim_s: npt.ArrayLike) -> list[MoonInView]:
    """Whether the Moon's centre is in the frame at each instant, as the camera is aimed
    in the video (pixels from the top-left corner)."""
    tl = build_timeline(scene, sim_s)
    o = scene.output
    px, py, front = project_to_pixels(
        tl.moon_km,
        tl.camera_pos_km,
        tl.camera_right,
        tl.camera_up,
        tl.camera_forward,
        o.width,
        o.height,
        scene.camera.fov_deg,
    )
    sight = tl.moon_km - tl.camera_pos_km
    cos_off = np.sum(sight * tl.camera_forward, axis=-1) / np.linalg.norm(sight, axis=-1)
    off_deg = np.degrees(np.arccos(np.clip(cos_off, -1.0, 1.0)))
    hidden = geodesy.segment_clearance(tl.camera_pos_km, tl.moon_km) < 0.0
    out = []
    for j in range(len(tl)):
        inside = bool(front[j] and 0.0 <= px[j] < o.width and 0.0 <= py[j] < o.height)
        if inside and hidden[j]:
            out.append(MoonInView(False, "behind the Earth, in the frame's direction"))
        elif inside:
            out.append(
                MoonInView(True, f"in the frame at ({px[j]:.0f}, {o.height - py[j]:.0f}) px")
            )
        else:
            out.append(MoonInView(False, f"off the frame, {off_deg[j]:.0f} deg from its centre"))
    return out


def moon_phase(utc_start: datetime) -> tuple[float, bool]:
    """The Moon's lit fraction seen from the Earth's centre (0 new, 1 full) and whether
    it is waxing (the fraction growing: the fraction an hour later is compared)."""
    t = ephemeris.times(utc_start, np.array([0.0, 3600.0]))
    lit = ephemeris.illuminated_fraction(ephemeris.sun_gcrs_km(t), ephemeris.moon_gcrs_km(t))
    return float(lit[0]), bool(lit[1] > lit[0])


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def _latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f}{'N' if lat >= 0 else 'S'} {abs(lon):.2f}{'E' if lon >= 0 else 'W'}"


def _clock(utc: datetime) -> str:
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def _crossing_lines(
    crossings: list[Crossing], title: str, rising: str, falling: str, none: str
) -> list[str]:
    if not crossings:
        return [f"  {title}: {none}"]
    lines = []
    for c in crossings[:_MAX_LISTED]:
        what = rising if c.rising else falling
        lines.append(
            f"  {title}: video {c.video_s:7.2f} s  {_clock(c.utc)}  {what}, "
            f"under the camera {_latlon(c.lat_deg, c.lon_deg)}"
        )
    if len(crossings) > _MAX_LISTED:
        lines.append(f"  {title}: and {len(crossings) - _MAX_LISTED} more")
    return lines


def _launch_lines(scene: Scene) -> list[str]:
    lines = []
    events = launch_events(scene)
    for i, launch in enumerate(scene.launches, 1):
        mine = [e for e in events if e.launch == i]
        seen = [e.name for e in mine if e.view.startswith("in view")]
        t = ephemeris.time_at(launch.time_utc)
        m = ephemeris.itrs_from_gcrs(t)
        sun = ephemeris.gcrs_to_itrs(m, ephemeris.sun_gcrs_km(t))
        pad_sun = float(geodesy.elevation_deg(launch.site.lat_deg, launch.site.lon_deg, sun)[0])
        if seen:
            view = f"{len(seen)} of {len(mine)} events in view ({seen[0]}"
            view += f" to {seen[-1]})" if len(seen) > 1 else ")"
        else:
            view = f"none of its {len(mine)} events in view"
        lines.append(
            f"  launch {i}: Sun {pad_sun:.1f} deg at the pad at lift-off "
            f"({light_label(pad_sun)}); {view}"
        )
    return lines


def describe_sky(scene: Scene) -> str:
    """The sky report of ``orbitlapse check``: a header and about ten indented lines."""
    span = scene.time.speed * scene.output.duration_s
    ends = np.array([0.0, span])
    at = track(scene, ends)
    utc = ephemeris.times(scene.time.start_utc, ends).utc_datetime()
    moon_seen = moon_in_view(scene, ends)
    lines = [
        "sky (under the camera: the ground straight below it; the terminator: where the "
        "Sun's centre is on the horizon):"
    ]
    for j, name in enumerate(("start", "end")):
        sun = float(at.sun_elevation_deg[j])
        lines.append(
            f"  {name + ':':<6} video {ends[j] / scene.time.speed:7.2f} s  {_clock(utc[j])}  "
            f"under the camera {_latlon(float(at.lat_deg[j]), float(at.lon_deg[j]))}: "
            f"Sun {sun:.1f} deg, {light_label(sun)}"
        )
    day = at.sun_elevation_deg[0] >= 0.0
    terminator, shadow = crossings(scene)
    lines += _crossing_lines(
        terminator,
        "terminator",
        "night to day",
        "day to night",
        f"not crossed ({'day' if day else 'Sun below the horizon'} all along)",
    )
    lit = at.sun_clearance[0] > 0.0
    lines += _crossing_lines(
        shadow,
        "the ship",
        "leaves the Earth's shadow",
        "enters the Earth's shadow",
        "in sunlight all along" if lit else "in the Earth's shadow all along",
    )
    if search_span_s(scene) < span:
        lines.append(
            f"  (crossings searched in the first {search_span_s(scene) / 3600.0:.1f} h only)"
        )
    fraction, waxing = moon_phase(scene.time.start_utc)
    lines.append(
        f"  Moon: {100.0 * fraction:.0f} % lit, {'waxing' if waxing else 'waning'}; "
        f"elevation under the camera {at.moon_elevation_deg[0]:.1f} deg at the start, "
        f"{at.moon_elevation_deg[1]:.1f} deg at the end"
    )
    for j, name in enumerate(("start", "end")):
        lines.append(f"  Moon at the {name}: {moon_seen[j].text}")
    lines += _launch_lines(scene)
    return "\n".join(lines)
