"""A scene's launch events on the video's clock: when each lift-off, separation and
cut-off happens in seconds of video, and whether the camera sees it (no GL).

``orbitlapse check`` prints them, so a scene can be timed to the moments it exists
for without rendering it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renderer.astro.geodesy import segment_clearance
from renderer.physics.launch.ascent import stage_events
from renderer.scene import Scene
from renderer.timeline import build_timeline, project_to_pixels

_KIND_WORDS = {"stage": "separation", "fairing": "jettison", "cutoff": "", "payload": ""}


@dataclass(frozen=True)
class LaunchEvent:
    """One event of launch ``launch`` (1-based): its name, seconds after lift-off and
    of video (may lie outside the video), and where the camera has it."""

    launch: int
    name: str
    t_s: float
    video_s: float
    view: str  # "in view", "off the frame", "behind the Earth", "outside the video"


def launch_events(scene: Scene) -> list[LaunchEvent]:
    """Every launch's lift-off, stage events and cut-off, in time order per launch.

    ``video_s`` = (event time - start) / speed.  The camera's view is judged at the
    event's own instant (the timeline is built there, so a camera that follows a
    launch is aimed as in the video): the vehicle's position projected on the image,
    and the line of sight tested against the WGS84 ellipsoid.
    """
    out: list[LaunchEvent] = []
    o = scene.output
    for i, launch in enumerate(scene.launches, 1):
        events = [("lift-off", 0.0)]
        for e in stage_events(launch):
            word = _KIND_WORDS.get(e.kind, "")
            events.append((f"{e.name} {word}".strip(), e.t_s))
        offset = (launch.time_utc - scene.time.start_utc).total_seconds()
        sim = np.array([offset + t for _, t in events])
        tl = build_timeline(scene, sim)
        px, py, front = project_to_pixels(
            tl.vehicles_km[i - 1],
            tl.camera_pos_km,
            tl.camera_right,
            tl.camera_up,
            tl.camera_forward,
            o.width,
            o.height,
            scene.camera.fov_deg if tl.fov_deg is None else tl.fov_deg,
        )
        for j, (name, t) in enumerate(events):
            video = sim[j] / scene.time.speed
            if not 0.0 <= video <= o.duration_s:
                view = "outside the video"
            elif not (front[j] and 0.0 <= px[j] < o.width and 0.0 <= py[j] < o.height):
                view = "off the frame"
            elif segment_clearance(tl.camera_pos_km[j], tl.vehicles_km[i - 1][j]) < 0.0:
                view = "behind the Earth"
            else:
                view = f"in view at ({px[j]:.0f}, {o.height - py[j]:.0f}) px"
            out.append(LaunchEvent(i, name, t, float(video), view))
    return out


def describe_events(scene: Scene) -> str:
    """The event table of ``orbitlapse check``: one line per event."""
    lines = []
    for e in launch_events(scene):
        lines.append(
            f"  launch {e.launch}: {e.name:<26} T+{e.t_s:5.0f} s  "
            f"video {e.video_s:6.2f} s  {e.view}"
        )
    return "\n".join(lines)
