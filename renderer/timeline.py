"""Scene -> per-frame state, as float64 NumPy arrays, with no GL.

CONTRACT (implemented by the timeline work; the GL passes and frame loop rely on it):

    build_timeline(scene: Scene, sim_s: np.ndarray) -> Timeline

``sim_s`` are simulated seconds after ``scene.time.start_utc`` (any times, not only
frame centres: motion-blur sub-frames use the same call).  Every array has N rows,
one per entry of ``sim_s``.  World space is the GCRS in km; km/s for velocities.

    Timeline.sim_s            (N,)      float64, as given
    Timeline.jd_tt            (N,)      Julian date, TT
    Timeline.utc              tuple[datetime, ...] (aware, UTC)
    Timeline.camera_pos_km    (N, 3)    GCRS geocentric camera position
    Timeline.camera_vel_km_s  (N, 3)    GCRS velocity
    Timeline.camera_right     (N, 3)    unit; image +x in world space (roll applied)
    Timeline.camera_up        (N, 3)    unit; image +y (up) in world space
    Timeline.camera_forward   (N, 3)    unit; the view axis (image centre)
    Timeline.itrs_from_gcrs   (N, 3, 3) r_itrs = M @ r_gcrs
                                        (precession, nutation, ERA, polar motion)
    Timeline.sun_km           (N, 3)    GCRS geocentric Sun position
    Timeline.moon_km          (N, 3)    GCRS geocentric Moon position
    Timeline.vehicles_km      (L, N, 3) GCRS position of each launch's vehicle (NaN before lift-off)
    Timeline.camera_spin_rad_s (N, 3)   GCRS angular velocity of the camera's basis (rad/s):
                                        d(right, up, forward)/dt = spin x (right, up, forward)
    Timeline.exposure_s       (N,)      simulated seconds the shutter stays open for each
                                        instant (:func:`exposure_window_s`)
    Timeline.fov_deg          (N,) or None  field of view of a keyframed camera (deg)
    Timeline.exposures        tuple[Exposure, ...] or None  its exposure at each instant

A pixel with centre (px, py), px from the left edge, py from the BOTTOM edge (GL's
gl_FragCoord convention), looks along
    forward + (px - W/2)/f * right + (py - H/2)/f * up,   f = (W/2) / tan(fov_deg/2)
which is docs/scenes.md's pinhole (x = W/2 (1 + tan a / tan(fov/2))).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from skyfield.timelib import Time

from renderer import camera_moves
from renderer.astro import ephemeris, geodesy, orbits
from renderer.physics.launch.ascent import vehicle_itrs
from renderer.scene import Exposure, GroundTarget, Launch, LaunchTarget, Look, Scene

FloatArray = npt.NDArray[np.float64]

# Below this length a projected "up" is treated as undefined (view axis along it).
_DEGENERATE = 1e-9


@dataclass(frozen=True)
class Timeline:
    """Per-time state of a scene; see the module docstring for every field's frame and units.

    All arrays are float64 with N rows, one per entry of ``sim_s``.
    """

    sim_s: FloatArray
    jd_tt: FloatArray
    utc: tuple[datetime, ...]
    camera_pos_km: FloatArray
    camera_vel_km_s: FloatArray
    camera_right: FloatArray
    camera_up: FloatArray
    camera_forward: FloatArray
    itrs_from_gcrs: FloatArray
    sun_km: FloatArray
    moon_km: FloatArray
    vehicles_km: FloatArray
    camera_spin_rad_s: FloatArray
    exposure_s: FloatArray
    # A scene with camera keyframes: each instant's field of view and exposure; None
    # where the camera's are fixed (scene.camera.fov_deg and .exposure).
    fov_deg: FloatArray | None = None
    exposures: tuple[Exposure, ...] | None = None

    def __len__(self) -> int:
        return int(self.sim_s.shape[0])


# ---------------------------------------------------------------------------
# Which simulated times a render asks for
# ---------------------------------------------------------------------------


def frame_sim_seconds(scene: Scene) -> FloatArray:
    """Simulated seconds after ``start_utc`` of every frame: ``speed * k / fps``, ``(K,)``."""
    k = np.arange(scene.output.frame_count, dtype=np.float64)
    return scene.time.speed * k / scene.output.fps


def subframe_sim_seconds(scene: Scene, k: float) -> FloatArray:
    """Simulated seconds of frame ``k``'s motion-blur sub-frames, ``(samples,)``.

    The shutter is open for ``(shutter_angle / 360) / fps`` seconds of video, i.e. that
    times ``speed`` simulated seconds, centred on the frame's time; the ``samples``
    sub-frames sit at the centres of equal slices of that interval.  One sample is the
    frame's own time.
    """
    blur = scene.camera.motion_blur
    samples = max(1, int(blur.samples))
    centre = scene.time.speed * float(k) / scene.output.fps
    open_s = scene.time.speed * (blur.shutter_angle_deg / 360.0) / scene.output.fps
    slices = (np.arange(samples, dtype=np.float64) + 0.5) / samples - 0.5
    return centre + open_s * slices


def exposure_window_s(scene: Scene, shutter_s: float | None = None) -> float:
    """Simulated seconds of light one drawn instant collects: its shutter time.

    A time-lapse camera exposes each frame for ``shutter_s`` of real time, but never
    longer than the interval between frames, ``speed / fps`` simulated seconds (the
    flagship: 0.5 s of shutter, 0.467 s between frames at 14x and 30 fps).  With
    motion blur each sub-frame stands for its equal slice of the blur's shutter
    interval, so the slices join into one continuous exposure.
    """
    blur = scene.camera.motion_blur
    samples = max(1, int(blur.samples))
    if samples > 1:
        return scene.time.speed * (blur.shutter_angle_deg / 360.0) / scene.output.fps / samples
    shutter = scene.camera.exposure.shutter_s if shutter_s is None else shutter_s
    return min(shutter, scene.time.speed / scene.output.fps)


# ---------------------------------------------------------------------------
# Camera orientation
# ---------------------------------------------------------------------------


def _unit(v: FloatArray) -> FloatArray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.sum(a * b, axis=-1, keepdims=True)


def local_frame(
    pos_km: FloatArray, vel_km_s: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The orbit's local frame ``(up, forward, right)``, unit ``(N, 3)`` in the frame of the inputs.

    up = away from the Earth's centre; forward = velocity projected on the local
    horizontal plane; right = forward x up (facing forward, head up, on your right).
    """
    up = _unit(pos_km)
    forward = _unit(vel_km_s - _dot(vel_km_s, up) * up)
    right = np.cross(forward, up)
    return up, forward, right


def apply_roll(
    right0: FloatArray, up0: FloatArray, roll_deg: float
) -> tuple[FloatArray, FloatArray]:
    """Turn the camera clockwise by ``roll_deg`` about its view axis: ``(right, up)``.

    right = cos r right0 - sin r up0, up = sin r right0 + cos r up0: the camera's up
    leans toward its old right, so a level horizon rises toward the image's right edge.
    """
    r = math.radians(roll_deg)
    c, s = math.cos(r), math.sin(r)
    return c * right0 - s * up0, s * right0 + c * up0


def look_azel(
    up: FloatArray,
    forward: FloatArray,
    right: FloatArray,
    azimuth_deg: float,
    elevation_deg: float,
    roll_deg: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Camera ``(right, up, forward)`` for azimuth/elevation/roll in a local frame, ``(N, 3)``.

    Azimuth from forward toward right, elevation above the local horizontal.  With roll 0
    the image up is the projection of local up on the image plane, which for a view
    direction d = cos(el) h + sin(el) up (h the horizontal azimuth direction) is exactly
    cos(el) up - sin(el) h: defined at nadir and zenith too (it is then h, resp. -h).
    """
    az = math.radians(azimuth_deg)
    el = math.radians(elevation_deg)
    h = math.cos(az) * forward + math.sin(az) * right
    d = math.cos(el) * h + math.sin(el) * up
    up0 = math.cos(el) * up - math.sin(el) * h
    # h x up: horizontal, 90 deg clockwise from h seen from above.
    right0 = math.cos(az) * right - math.sin(az) * forward
    cam_right, cam_up = apply_roll(right0, up0, roll_deg)
    return cam_right, cam_up, d


def look_toward(
    camera_pos_km: FloatArray,
    target_km: FloatArray,
    up: FloatArray,
    forward: FloatArray,
    roll_deg: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Camera ``(right, up, forward)`` aimed at ``target_km`` from ``camera_pos_km`` (``(N, 3)``).

    Image up (before roll) is the local ``up`` projected on the image plane; where the view
    axis is along ``up`` (straight down or up) the projected ``forward`` is used instead.
    """
    d = _unit(target_km - camera_pos_km)
    up0 = up - _dot(up, d) * d
    fallback = forward - _dot(forward, d) * d
    length = np.linalg.norm(up0, axis=-1, keepdims=True)
    up0 = _unit(np.where(length > _DEGENERATE, up0, fallback))
    right0 = np.cross(d, up0)
    cam_right, cam_up = apply_roll(right0, up0, roll_deg)
    return cam_right, cam_up, d


def project_to_pixels(
    points_km: FloatArray,
    camera_pos_km: FloatArray,
    right: FloatArray,
    up: FloatArray,
    forward: FloatArray,
    width: int,
    height: int,
    fov_deg: float | FloatArray,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Pinhole projection of world points (GCRS km, ``(N, 3)``) to pixels, one per row.

    Returns ``(px, py, in_front)``: px from the left edge, py from the BOTTOM edge (GL
    convention, as in the module docstring), and whether the point is ahead of the camera.
    ``fov_deg`` may be one per row (a keyframed camera's ``Timeline.fov_deg``).
    """
    rel = points_km - camera_pos_km
    z = np.sum(rel * forward, axis=-1)
    f = (width / 2.0) / np.tan(np.radians(fov_deg) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        px = width / 2.0 + f * np.sum(rel * right, axis=-1) / z
        py = height / 2.0 + f * np.sum(rel * up, axis=-1) / z
    return px, py, z > 0.0


# ---------------------------------------------------------------------------
# Launch vehicles
# ---------------------------------------------------------------------------


def _vehicle_gcrs_km(launch: Launch, t: Time, m: FloatArray) -> FloatArray:
    """GCRS vehicle position (km), ``(N, 3)``; NaN before lift-off."""
    since_liftoff_s = ephemeris.seconds_between(t, ephemeris.time_at(launch.time_utc))
    pos_itrs, _vel = vehicle_itrs(launch, np.atleast_1d(since_liftoff_s))
    return ephemeris.itrs_to_gcrs(m, np.asarray(pos_itrs, dtype=np.float64).reshape(-1, 3))


def _pad_gcrs_km(launch: Launch, m: FloatArray) -> FloatArray:
    """The launch site on the ellipsoid (h = 0), GCRS km, ``(N, 3)``."""
    pad = geodesy.geodetic_to_itrs(launch.site.lat_deg, launch.site.lon_deg, 0.0)
    return ephemeris.itrs_to_gcrs(m, np.broadcast_to(pad, (m.shape[0], 3)))


def _aim_gcrs_km(
    scene: Scene,
    target: GroundTarget | LaunchTarget,
    m: FloatArray,
    vehicles: FloatArray,
) -> FloatArray:
    """Where a look's target is, GCRS km ``(N, 3)``."""
    if isinstance(target, GroundTarget):
        ground = geodesy.geodetic_to_itrs(target.lat_deg, target.lon_deg, 0.0)
        return ephemeris.itrs_to_gcrs(m, np.broadcast_to(ground, (m.shape[0], 3)))
    if isinstance(target, LaunchTarget):
        if not 1 <= target.index <= len(scene.launches):
            raise ValueError(
                f"camera.look.target launch:{target.index}: the scene has "
                f"{len(scene.launches)} launch(es)"
            )
        i = target.index - 1
        # Before lift-off (or without a vehicle model) the camera waits on the pad.
        pad = _pad_gcrs_km(scene.launches[i], m)
        return np.where(np.isnan(vehicles[i]).any(axis=-1, keepdims=True), pad, vehicles[i])
    raise TypeError(f"unknown look target {type(target).__name__}")


def _look_basis(
    scene: Scene,
    look: Look,
    pos: FloatArray,
    m: FloatArray,
    vehicles: FloatArray,
    local: tuple[FloatArray, FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Camera ``(right, up, forward)`` of one look, ``(N, 3)``; ``local`` is the orbit's
    local frame ``(up, forward, right)`` at each instant."""
    up, forward, right = local
    target = look.target
    if target is None:
        return look_azel(up, forward, right, look.azimuth_deg, look.elevation_deg, look.roll_deg)
    aim = _aim_gcrs_km(scene, target, m, vehicles)
    if look.offset_azimuth_deg == 0.0 and look.offset_elevation_deg == 0.0:
        return look_toward(pos, aim, up, forward, look.roll_deg)
    # Offsets: the target's own azimuth and elevation in the local frame, plus the offsets.
    d = _unit(aim - pos)
    az = np.arctan2(_dot(d, right), _dot(d, forward)) + math.radians(look.offset_azimuth_deg)
    el = np.arcsin(np.clip(_dot(d, up), -1.0, 1.0)) + math.radians(look.offset_elevation_deg)
    h = np.cos(az) * forward + np.sin(az) * right
    view = np.cos(el) * h + np.sin(el) * up
    up0 = np.cos(el) * up - np.sin(el) * h
    right0 = np.cos(az) * right - np.sin(az) * forward
    cam_right, cam_up = apply_roll(right0, up0, look.roll_deg)
    return cam_right, cam_up, view


def _camera_basis(
    scene: Scene,
    pos: FloatArray,
    vel: FloatArray,
    m: FloatArray,
    vehicles: FloatArray,
    video_s: FloatArray,
    centre_s: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The camera basis at each instant: the look, or between two keys' looks the turn
    from one to the other (renderer/camera_moves.py).  Each key's look is evaluated at
    the instant itself, so a target stays a moving target through a move."""
    local = local_frame(pos, vel)
    camera = scene.camera
    if not camera.keyframes:
        return _look_basis(scene, camera.look, pos, m, vehicles, local)
    keys = camera_moves.camera_keys(camera)
    idx, w = camera_moves.segments(keys, video_s, centre_s)
    nxt = np.minimum(idx + 1, len(keys) - 1)
    b0 = tuple(np.empty_like(pos) for _ in range(3))
    b1 = tuple(np.empty_like(pos) for _ in range(3))
    for k, key in enumerate(keys):
        for which, rows in ((b0, idx == k), (b1, nxt == k)):
            if not np.any(rows):
                continue
            part = _look_basis(
                scene,
                key.look,
                pos[rows],
                m[rows],
                vehicles[:, rows],
                (local[0][rows], local[1][rows], local[2][rows]),
            )
            for dst, src in zip(which, part, strict=True):
                dst[rows] = src
    return camera_moves.slerp_basis(b0, b1, w)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The timeline
# ---------------------------------------------------------------------------


# Half the step (s) of the central difference that gives the camera's angular velocity:
# the basis turns by ~1e-3 rad/s on an orbit, so the error (~h^2 of the second
# derivative) is far below a pixel's worth over any exposure.
_SPIN_STEP_S = 0.5
# A camera move is differenced over at most this fraction of its shortest segment, so
# that a short, fast pan is not averaged away.
_SPIN_STEP_OF_SEGMENT = 0.05


def _spin_step_s(scene: Scene) -> float:
    """Half the step (simulated s) of the spin's central difference for ``scene``."""
    keys = camera_moves.camera_keys(scene.camera)
    if len(keys) < 2:
        return _SPIN_STEP_S
    shortest = min(b.t_s - a.t_s for a, b in zip(keys, keys[1:], strict=False))
    return min(_SPIN_STEP_S, _SPIN_STEP_OF_SEGMENT * shortest * scene.time.speed)


def _spin_rad_s(
    before: tuple[FloatArray, FloatArray, FloatArray],
    after: tuple[FloatArray, FloatArray, FloatArray],
    dt: float,
) -> FloatArray:
    """Angular velocity (rad/s, (N, 3)) turning the basis ``before`` into ``after`` in ``dt``.

    With B the matrix of the basis vectors as columns, R = B1 B0^T is the rotation
    between them: a turn by angle t about the unit axis k has antisymmetric part
    (R - R^T) / 2 = sin t [k x] and trace 1 + 2 cos t, so w = t k / dt with
    t = atan2(sin t, cos t), exact for a steady turn however far it goes in dt.
    """
    b0 = np.stack(before, axis=-1)
    b1 = np.stack(after, axis=-1)
    r = b1 @ np.swapaxes(b0, -1, -2)
    a = 0.5 * (r - np.swapaxes(r, -1, -2))
    sin_k = np.stack([a[:, 2, 1], a[:, 0, 2], a[:, 1, 0]], axis=-1)
    sin_t = np.linalg.norm(sin_k, axis=-1, keepdims=True)
    cos_t = 0.5 * (np.trace(r, axis1=-2, axis2=-1)[:, None] - 1.0)
    angle = np.arctan2(sin_t, cos_t)
    scale = np.where(sin_t > 0.0, angle / np.where(sin_t > 0.0, sin_t, 1.0), 1.0)
    return sin_k * scale / dt


def build_timeline(scene: Scene, sim_s: npt.ArrayLike) -> Timeline:
    """Every per-time quantity of ``scene`` at ``sim_s`` simulated seconds after start.

    Vectorised over all N times (GCRS km, km/s; see the module docstring for the fields).
    """
    seconds = np.atleast_1d(np.asarray(sim_s, dtype=np.float64)).copy()
    n = seconds.shape[0]
    # Each instant and its neighbours half a step either side, for the camera's spin.
    h = _spin_step_s(scene)
    every = np.concatenate([seconds, seconds - h, seconds + h])
    t_all = ephemeris.times(scene.time.start_utc, every)
    m_all = ephemeris.itrs_from_gcrs(t_all)
    pos_all, vel_all = orbits.camera_orbit_states(scene.camera.orbit, t_all)
    vehicles_all = np.full((len(scene.launches), 3 * n, 3), np.nan)
    for i, launch in enumerate(scene.launches):
        vehicles_all[i] = _vehicle_gcrs_km(launch, t_all, m_all)
    video_all = every / scene.time.speed
    centre = np.tile(seconds, 3) / scene.time.speed
    basis = _camera_basis(scene, pos_all, vel_all, m_all, vehicles_all, video_all, centre)
    right, up, forward = (b[:n] for b in basis)
    spin = _spin_rad_s(
        tuple(b[n : 2 * n] for b in basis),  # type: ignore[arg-type]
        tuple(b[2 * n :] for b in basis),  # type: ignore[arg-type]
        2.0 * h,
    )
    t = ephemeris.times(scene.time.start_utc, seconds)
    m = m_all[:n]
    pos, vel = pos_all[:n], vel_all[:n]
    vehicles = vehicles_all[:, :n]
    fov: FloatArray | None = None
    settings: tuple[Exposure, ...] | None = None
    if scene.camera.keyframes:
        keys = camera_moves.camera_keys(scene.camera)
        idx, w = camera_moves.segments(keys, seconds / scene.time.speed)
        fov = camera_moves.fov_between(keys, idx, w)
        settings = camera_moves.exposures(keys, idx, w)
    jd_tt = np.asarray(t.whole, dtype=np.float64) + np.asarray(t.tt_fraction, dtype=np.float64)
    return Timeline(
        sim_s=seconds,
        jd_tt=np.broadcast_to(jd_tt, (n,)).copy(),
        utc=tuple(t.utc_datetime()),
        camera_pos_km=pos,
        camera_vel_km_s=vel,
        camera_right=right,
        camera_up=up,
        camera_forward=forward,
        itrs_from_gcrs=m,
        sun_km=ephemeris.sun_gcrs_km(t),
        moon_km=ephemeris.moon_gcrs_km(t),
        vehicles_km=vehicles,
        camera_spin_rad_s=spin,
        exposure_s=np.array([exposure_window_s(scene, e.shutter_s) for e in settings])
        if settings is not None
        else np.full(n, exposure_window_s(scene)),
        fov_deg=fov,
        exposures=settings,
    )
