"""What the preview's keys, mouse and control commands do, without a window.

The preview window (``renderer/preview/window.py``) turns each key press, mouse drag
and wheel click into a command line such as ``step 1`` or ``drag -12 4`` (the
table is ``renderer/preview/keys.py``); the hidden ``--control`` channel feeds
the same lines from a script or a test, so both go through one set of handlers.
This module holds the state those commands change:

* :class:`Playback`, which frame is shown, paused or playing, at what speed;
* :class:`LookEdit`, the look and field of view the user has steered to, and
  how it turns into a :class:`~renderer.scene.Scene` and into TOML lines.

Nothing here imports GL or a window library, so it is tested without a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from renderer import camera_moves
from renderer.scene import GroundTarget, LaunchTarget, Look, Scene
from renderer.timeline import local_frame

# Playback speeds that [ and ] step through; 1x plays the video's own frame rate.
SPEEDS: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)

# The scene file's bounds on camera.fov_deg (renderer/scene/camera.py, _parse_camera).
FOV_RANGE = (1.0, 170.0)
# One wheel click changes the field of view by this factor.
ZOOM_PER_CLICK = 0.9


@dataclass
class Playback:
    """Which frame is shown: ``position`` in fractional frames, advanced by wall time.

    Playing at ``speed`` 1 advances ``fps`` frames per second of wall time, the
    video's own pace; the frame drawn is ``floor(position)``, one the video has.
    Playing loops at the end; stepping and seeking stop at the first and last frame.
    """

    frame_count: int
    fps: float
    position: float = 0.0
    paused: bool = False
    speed_index: int = SPEEDS.index(1.0)

    @property
    def frame(self) -> int:
        """The frame index shown."""
        return min(max(int(math.floor(self.position)), 0), self.frame_count - 1)

    @property
    def speed(self) -> float:
        """Playback speed, 1 = the video's frame rate."""
        return SPEEDS[self.speed_index]

    def advance(self, wall_s: float) -> None:
        """Move on by ``wall_s`` seconds of wall time when playing (looping at the end)."""
        if self.paused or wall_s <= 0.0:
            return
        self.position = (self.position + wall_s * self.fps * self.speed) % self.frame_count

    def step(self, frames: int) -> None:
        """Go ``frames`` whole frames on from the frame shown, and pause."""
        self.paused = True
        self.position = float(self._clamp(self.frame + frames))

    def seek(self, seconds: float) -> None:
        """Jump ``seconds`` of video on (or back); keeps playing if playing."""
        target = self.position + seconds * self.fps
        self.position = float(min(max(target, 0.0), self.frame_count - 1))

    def set_speed(self, steps: int) -> None:
        """Move ``steps`` places along SPEEDS (``]`` is +1, ``[`` is -1)."""
        self.speed_index = min(max(self.speed_index + steps, 0), len(SPEEDS) - 1)

    def rescale(self, frame_count: int, fps: float) -> None:
        """Keep the position in video seconds when a reload changes the frame rate or length."""
        seconds = self.position / self.fps
        self.frame_count, self.fps = frame_count, fps
        self.position = float(min(max(seconds * fps, 0.0), frame_count - 1))

    def _clamp(self, frame: int) -> int:
        return min(max(frame, 0), self.frame_count - 1)


def azel_of(pos_km: np.ndarray, vel_km_s: np.ndarray, forward: np.ndarray) -> tuple[float, float]:
    """Azimuth and elevation (degrees) of a view direction in the orbit's local frame.

    The inverse of :func:`renderer.timeline.look_azel`: azimuth from the velocity's
    horizontal direction toward the right, elevation above the local horizontal.
    """
    up, fwd, right = (v[0] for v in local_frame(np.atleast_2d(pos_km), np.atleast_2d(vel_km_s)))
    d = np.asarray(forward, dtype=np.float64)
    az = math.degrees(math.atan2(float(d @ right), float(d @ fwd))) % 360.0
    el = math.degrees(math.asin(min(max(float(d @ up), -1.0), 1.0)))
    return az, el


def azimuth_turn(dx_px: float, focal_px: float, elevation_deg: float) -> float:
    """Azimuth turn (degrees) that moves the image-centre point ``dx_px`` pixels sideways.

    Turning the look by D in azimuth about the local vertical, a direction at
    elevation e that was on the view axis lands at x = f cos e sin D /
    (cos^2 e cos D + sin^2 e) from the centre.  With t = dx / f that is
    a sin D - b cos D = c, a = cos e, b = t cos^2 e, c = t sin^2 e, so
    D = atan2(b, a) + asin(c / hypot(a, b)).  Near the zenith or nadir no turn
    moves the point that far (the image only spins): then D = atan(t), the
    turn at the horizon.
    """
    t = dx_px / focal_px
    e = math.radians(elevation_deg)
    a, b, c = math.cos(e), t * math.cos(e) ** 2, t * math.sin(e) ** 2
    r = math.hypot(a, b)
    if r < 1e-9 or abs(c) > r:
        return math.degrees(math.atan(t))
    return math.degrees(math.atan2(b, a) + math.asin(c / r))


@dataclass
class LookEdit:
    """The look and field of view steered in the window, over the scene file's own.

    ``azimuth_deg``/``elevation_deg`` are None until the user turns the view;
    from then on they replace the file's look (a target look becomes a fixed
    azimuth and elevation).  ``fov_deg`` is None until the wheel is used.
    """

    azimuth_deg: float | None = None
    elevation_deg: float | None = None
    fov_deg: float | None = None

    @property
    def turned(self) -> bool:
        """Whether the look differs from the scene file's."""
        return self.azimuth_deg is not None

    def reset(self) -> None:
        """Back to the scene file's look and field of view."""
        self.azimuth_deg = self.elevation_deg = self.fov_deg = None

    def drag(
        self,
        dx_px: float,
        dy_px: float,
        focal_px: float,
        start_azel: tuple[float, float],
        roll_deg: float = 0.0,
    ) -> None:
        """Turn by a mouse drag of (dx, dy) window pixels, y downward.

        The view follows the pointer: the point seen at the image centre moves
        with it, so a drag to the right turns the look left and a drag down
        raises it.  Elevation turns by atan(dy / f) (f the pinhole focal length
        in window pixels); azimuth by the angle that moves the centre point dx
        pixels sideways (see :func:`azimuth_turn`).  ``start_azel`` is the look
        shown now, used on the first drag (a target look becomes azimuth and
        elevation).  With the camera rolled by ``roll_deg`` the drag is first turned
        back into the unrolled image's axes (timeline.apply_roll's convention).
        """
        if self.azimuth_deg is None or self.elevation_deg is None:
            self.azimuth_deg, self.elevation_deg = start_azel
        r = math.radians(roll_deg)
        dx = dx_px * math.cos(r) - dy_px * math.sin(r)
        dy = dx_px * math.sin(r) + dy_px * math.cos(r)
        d_az = azimuth_turn(dx, focal_px, self.elevation_deg)
        d_el = math.degrees(math.atan2(dy, focal_px))
        self.azimuth_deg = (self.azimuth_deg - d_az) % 360.0
        self.elevation_deg = min(max(self.elevation_deg + d_el, -90.0), 90.0)

    def zoom(self, clicks: float, fov_deg: float) -> None:
        """Narrow the field of view by ZOOM_PER_CLICK per click up (widen for down)."""
        lo, hi = FOV_RANGE
        self.fov_deg = min(max(fov_deg * ZOOM_PER_CLICK**clicks, lo), hi)

    def apply(self, scene: Scene) -> Scene:
        """``scene`` with this look and field of view (the file's where not steered)."""
        camera = scene.camera
        # What is steered holds through the file's keyframes too: every key gets it.
        if self.azimuth_deg is not None and self.elevation_deg is not None:
            look = Look(
                azimuth_deg=self.azimuth_deg,
                elevation_deg=self.elevation_deg,
                roll_deg=camera.look.roll_deg,
                target=None,
            )
            keys = tuple(
                replace(k, look=replace(look, roll_deg=k.look.roll_deg)) for k in camera.keyframes
            )
            camera = replace(camera, look=look, keyframes=keys)
        if self.fov_deg is not None:
            keys = tuple(replace(k, fov_deg=self.fov_deg) for k in camera.keyframes)
            camera = replace(camera, fov_deg=self.fov_deg, keyframes=keys)
        return scene if camera is scene.camera else replace(scene, camera=camera)


def _num(x: float) -> str:
    """A number for TOML: three decimals, trailing zeros dropped, never ``-0``."""
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _look_lines(look: Look) -> list[str]:
    if isinstance(look.target, GroundTarget):
        lines = [
            f"target = {{ lat_deg = {_num(look.target.lat_deg)}, "
            f"lon_deg = {_num(look.target.lon_deg)} }}"
        ]
    elif isinstance(look.target, LaunchTarget):
        lines = [f'target = "launch:{look.target.index}"']
    else:
        lines = [f"azimuth_deg = {_num(look.azimuth_deg)}"]
        lines.append(f"elevation_deg = {_num(look.elevation_deg)}")
    if look.target is not None:
        if look.offset_azimuth_deg != 0.0:
            lines.append(f"azimuth_deg = {_num(look.offset_azimuth_deg)}")
        if look.offset_elevation_deg != 0.0:
            lines.append(f"elevation_deg = {_num(look.offset_elevation_deg)}")
    lines.append(f"roll_deg = {_num(look.roll_deg)}")
    return lines


def look_at(
    scene: Scene,
    video_s: float,
    pos_km: np.ndarray,
    vel_km_s: np.ndarray,
    basis: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[Look, float]:
    """The look and field of view shown at ``video_s``, as a scene file would give them.

    On a key, or where the camera holds one key's look, that key's look (a target stays
    a target); between two keys the camera's basis (right, up, forward) at that instant,
    read back as azimuth, elevation and roll in the local frame of the orbit state
    ``pos_km``, ``vel_km_s``.
    """
    camera = scene.camera
    if not camera.keyframes:
        return camera.look, camera.fov_deg
    keys = camera_moves.camera_keys(camera)
    idx, w = camera_moves.segments(keys, np.array([video_s]))
    fov = float(camera_moves.fov_between(keys, idx, w)[0])
    i = int(idx[0])
    nxt = keys[min(i + 1, len(keys) - 1)]
    if w[0] == 0.0 or keys[i].look == nxt.look:
        return keys[i].look, fov
    if w[0] == 1.0:
        return nxt.look, fov
    local = local_frame(np.atleast_2d(pos_km), np.atleast_2d(vel_km_s))
    az, el, roll = camera_moves.azel_roll(tuple(np.atleast_2d(b) for b in basis), local)[0]
    return Look(azimuth_deg=float(az), elevation_deg=float(el), roll_deg=float(roll)), fov


def keyframe_toml(look: Look, fov_deg: float, video_s: float, note: str = "") -> str:
    """A ``[[camera.keyframe]]`` table for ``look`` and ``fov_deg`` at ``video_s`` seconds
    of video, ready to paste among the scene file's keyframes (time order)."""
    lines = [
        f"# {note}" if note else "# orbitlapse preview: the current look",
        "# a camera keyframe: paste it among the [[camera.keyframe]] tables, in time order",
        "[[camera.keyframe]]",
        f"t_s = {_num(video_s)}",
        *_look_lines(look),
        f"fov_deg = {_num(fov_deg)}",
    ]
    return "\n".join(lines) + "\n"


def look_toml(scene: Scene, note: str = "") -> str:
    """The camera's field of view and look as TOML lines to paste into the scene file.

    ``scene`` is the scene as steered (:meth:`LookEdit.apply`).  The lines replace
    ``fov_deg`` under ``[camera]`` and the whole ``[camera.look]`` table.
    """
    camera = scene.camera
    look = camera.look
    lines = [
        f"# {note}" if note else "# orbitlapse preview: the current look",
        "# replace fov_deg in [camera] and the [camera.look] table with these lines",
        "[camera]",
        f"fov_deg = {_num(camera.fov_deg)}",
        "",
        "[camera.look]",
        *_look_lines(look),
    ]
    return "\n".join(lines) + "\n"
