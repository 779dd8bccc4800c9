"""Hand-built frame states and scenes for GL tests that must not depend on the timeline."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from renderer import scene as sc
from renderer.frame_state import FrameState, View

A = 6378.137
B = A * (1 - 1 / 298.257223563)


def geodetic_to_itrs(lat_deg: float, lon_deg: float, h_km: float) -> np.ndarray:
    """WGS84 geodetic -> Earth-fixed km (textbook formula, independent of the shader)."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    e2 = 1 - (B / A) ** 2
    n = A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return np.array(
        [
            (n + h_km) * math.cos(lat) * math.cos(lon),
            (n + h_km) * math.cos(lat) * math.sin(lon),
            (n * (1 - e2) + h_km) * math.sin(lat),
        ]
    )


def enu(lat_deg: float, lon_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """East, north, up unit vectors (geodetic) at a place, Earth-fixed."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.array(
        [-math.sin(lat) * math.cos(lon), -math.sin(lat) * math.sin(lon), math.cos(lat)]
    )
    up = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    return east, north, up


def state(
    pos_km: np.ndarray,
    forward: np.ndarray,
    up_hint: np.ndarray,
    sun_dir: np.ndarray,
    rotation: np.ndarray | None = None,
) -> FrameState:
    """A frame state with the world frame = Earth-fixed frame (unless ``rotation`` is given)."""
    f = forward / np.linalg.norm(forward)
    u = up_hint - np.dot(up_hint, f) * f
    u /= np.linalg.norm(u)
    r = np.cross(f, u)
    sun = sun_dir / np.linalg.norm(sun_dir) * 1.495978707e8
    return FrameState(
        sim_s=0.0,
        utc=datetime(2018, 11, 16, tzinfo=UTC),
        camera_pos_km=pos_km,
        camera_vel_km_s=np.zeros(3),
        camera_right=r,
        camera_up=u,
        camera_forward=f,
        itrs_from_gcrs=np.eye(3) if rotation is None else rotation,
        sun_km=sun,
        moon_km=np.array([384400.0, 0, 0]),
        vehicles_km=np.zeros((0, 3)),
    )


def surface_scene(ev100: float = 14.0, **earth: object) -> sc.Scene:
    """``minimal_scene`` with only the surface on (unless ``earth`` says otherwise): for
    tests of surface geometry (limb, texture registration, terminator), which clouds,
    air, lights and glint would hide."""
    layers: dict[str, object] = {
        "clouds": None,
        "atmosphere": None,
        "night_lights": None,
        "glint": None,
        "airglow": None,
    }
    layers.update(earth)
    return minimal_scene(ev100, **layers)


def minimal_scene(ev100: float = 14.0, **earth: object) -> sc.Scene:
    """A scene object with only what the passes read (built without a file); the
    Earth's layers are the scene defaults unless ``earth`` overrides them."""
    layers = dict(earth)
    tle = sc.TleOrbit(
        "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
        "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
    )
    return sc.Scene(
        source=Path("test.toml"),
        time=sc.TimeSpec(datetime(2018, 11, 16, tzinfo=UTC)),
        output=sc.Output(Path("test.mp4")),
        camera=sc.Camera(orbit=tle, exposure=sc.Exposure(ev100=ev100)),
        earth=sc.Earth(**layers),
        stars=None,
    )


def render_hdr(ctx, scene: sc.Scene, st: FrameState, view: View) -> np.ndarray:
    """Radiance (H, W, 3) float32 of one instant through the whole compositor, row 0 at
    the TOP (exposure-independent: read before the camera)."""
    from renderer.passes.compositor import Compositor

    comp = Compositor(ctx, scene, view)
    try:
        comp.render([st], 0)
        hdr = np.frombuffer(comp.read_hdr(), np.float32).reshape(view.height, view.width, 4)
    finally:
        comp.release()
    return hdr[::-1, :, :3].copy()
