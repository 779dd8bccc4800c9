"""Camera moves: the keyframed look, field of view and exposure between two keys.

A scene's ``[[camera.keyframe]]`` tables (docs/scenes.md) pin the camera at moments of
the video; between two keys each quantity moves along the segment's easing curve
``w = ease(u)``, ``u`` the fraction of the segment's video time gone:

- the orientation turns from the first key's camera basis to the second's about one
  fixed axis (a spherical interpolation of rotations), so an azimuth that wraps at
  360 deg or a look through the nadir turns the short way, without Euler angles;
- the field of view moves linearly in ``log tan(fov / 2)``: the image scale changes by
  the same factor every step, which is how a steady zoom looks;
- ISO, shutter and aperture move linearly in their logarithms, so EV100 (and an
  ``ev100`` given outright) moves linearly in stops.

Everything is a function of the instant alone: a frame, a motion-blur sub-frame and a
still at the same time see the same camera, however a render is split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from renderer.physics.exposure import ev100
from renderer.scene import Camera, Exposure, Keyframe

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Basis = tuple[FloatArray, FloatArray, FloatArray]


def ease(name: str, u: FloatArray) -> FloatArray:
    """The easing curve ``name`` at ``u`` in [0, 1]: 0 at 0 and 1 at 1 (except ``hold``).

    linear: u; smooth: 3u^2 - 2u^3 (starts and stops at rest); ease-in: u^2 (starts at
    rest); ease-out: 1 - (1 - u)^2 (stops at rest); hold: 0 until the next key.
    """
    u = np.asarray(u, dtype=np.float64)
    if name == "linear":
        return u.copy()
    if name == "smooth":
        return u * u * (3.0 - 2.0 * u)
    if name == "ease-in":
        return u * u
    if name == "ease-out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    if name == "hold":
        return np.zeros_like(u)
    raise ValueError(f"unknown easing {name!r}")


def camera_keys(camera: Camera) -> tuple[Keyframe, ...]:
    """The keys a camera moves through: ``[camera]`` itself at t = 0 (easing ``smooth``)
    unless the first keyframe is at 0, then every keyframe."""
    base = Keyframe(0.0, camera.look, camera.fov_deg, camera.exposure)
    keys = camera.keyframes
    if keys and keys[0].t_s == 0.0:
        return keys
    return (base, *keys)


def segments(
    keys: Sequence[Keyframe], video_s: FloatArray, centre_s: FloatArray | None = None
) -> tuple[IntArray, FloatArray]:
    """For each instant: the key its segment starts at, and the eased weight of the next.

    The segment is the one ``centre_s`` falls in (default ``video_s``): a derivative
    taken about an instant stays in that instant's segment, so a ``hold`` key's cut is
    not read as a fast turn.  Before the first key the first holds, after the last the
    last; ``u`` is clipped to [0, 1].
    """
    t = np.asarray(video_s, dtype=np.float64)
    c = t if centre_s is None else np.asarray(centre_s, dtype=np.float64)
    times = np.array([k.t_s for k in keys], dtype=np.float64)
    idx = np.clip(np.searchsorted(times, c, side="right") - 1, 0, len(keys) - 1)
    w = np.zeros_like(t)
    for i in range(len(keys) - 1):
        rows = idx == i
        if np.any(rows):
            u = np.clip((t[rows] - times[i]) / (times[i + 1] - times[i]), 0.0, 1.0)
            w[rows] = ease(keys[i].ease, u)
    return idx.astype(np.int64), w


def fov_between(keys: Sequence[Keyframe], idx: IntArray, w: FloatArray) -> FloatArray:
    """Field of view (deg), linear in log tan(fov / 2) from key ``idx`` to the next."""
    fov = np.array([k.fov_deg for k in keys], dtype=np.float64)
    a = fov[idx]
    b = fov[np.minimum(idx + 1, len(keys) - 1)]
    la = np.log(np.tan(np.radians(a) / 2.0))
    lb = np.log(np.tan(np.radians(b) / 2.0))
    mid = 2.0 * np.degrees(np.arctan(np.exp(la + w * (lb - la))))
    return np.where(w == 0.0, a, np.where(w == 1.0, b, mid))


def _log_lerp(a: float, b: float, w: float) -> float:
    return math.exp(math.log(a) + w * (math.log(b) - math.log(a)))


def exposure_between(a: Exposure, b: Exposure, w: float) -> Exposure:
    """The exposure ``w`` of the way from ``a`` to ``b``: ISO, shutter and f-number
    geometric (EV100 linear in stops); where either key gives ``ev100`` outright, the
    in-between exposures are given as EV100 too."""
    if w == 0.0:
        return a
    if w == 1.0:
        return b
    iso = _log_lerp(a.iso, b.iso, w)
    shutter = _log_lerp(a.shutter_s, b.shutter_s, w)
    f_number = _log_lerp(a.f_number, b.f_number, w)
    given = None
    if a.ev100 is not None or b.ev100 is not None:
        given = ev100(a) + w * (ev100(b) - ev100(a))
    return Exposure(iso, shutter, f_number, given)


def exposures(keys: Sequence[Keyframe], idx: IntArray, w: FloatArray) -> tuple[Exposure, ...]:
    """:func:`exposure_between` for each instant."""
    last = len(keys) - 1
    return tuple(
        exposure_between(keys[i].exposure, keys[min(i + 1, last)].exposure, float(x))
        for i, x in zip(idx.tolist(), w.tolist(), strict=True)
    )


def _quaternion_of(r: FloatArray) -> FloatArray:
    """Unit quaternions (w, x, y, z), w >= 0, of rotation matrices ``(N, 3, 3)``.

    Shepperd's method: the largest of 1 + tr, 1 + 2 R_ii - tr gives the best
    conditioned component, the others follow from sums and differences of R.
    """
    tr = np.trace(r, axis1=-2, axis2=-1)
    diag = np.stack([tr, r[:, 0, 0], r[:, 1, 1], r[:, 2, 2]], axis=-1)
    pick = np.argmax(diag, axis=-1)
    q = np.empty((r.shape[0], 4))
    for case in range(4):
        rows = pick == case
        if not np.any(rows):
            continue
        m = r[rows]
        if case == 0:
            s = 2.0 * np.sqrt(1.0 + tr[rows])
            q[rows] = np.stack(
                [
                    0.25 * s,
                    (m[:, 2, 1] - m[:, 1, 2]) / s,
                    (m[:, 0, 2] - m[:, 2, 0]) / s,
                    (m[:, 1, 0] - m[:, 0, 1]) / s,
                ],
                axis=-1,
            )
            continue
        i = case - 1
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[:, i, i] - m[:, j, j] - m[:, k, k])
        out = np.empty((m.shape[0], 4))
        out[:, 0] = (m[:, k, j] - m[:, j, k]) / s
        out[:, 1 + i] = 0.25 * s
        out[:, 1 + j] = (m[:, j, i] + m[:, i, j]) / s
        out[:, 1 + k] = (m[:, k, i] + m[:, i, k]) / s
        q[rows] = out
    q *= np.where(q[:, :1] < 0.0, -1.0, 1.0)  # the short way round
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def slerp_basis(b0: Basis, b1: Basis, w: FloatArray) -> Basis:
    """The camera basis ``w`` of the way from ``b0`` to ``b1`` (``(N, 3)`` each of right,
    up, forward), turning about the fixed axis of the rotation between them.

    With B the basis vectors as matrix columns, R = B1 B0^T turns b0 into b1 (the same
    rotation in any frame that does not move between them, the orbit's local frame
    included).  As a unit quaternion (cos(a/2), sin(a/2) k), a <= 180 deg, the turn by
    ``w a`` about k is applied to b0 with Rodrigues' formula.  ``w`` = 0 and 1 give b0
    and b1 exactly.
    """
    m0 = np.stack(b0, axis=-1)
    m1 = np.stack(b1, axis=-1)
    q = _quaternion_of(m1 @ np.swapaxes(m0, -1, -2))
    sin_half = np.linalg.norm(q[:, 1:], axis=-1)
    angle = 2.0 * np.arctan2(sin_half, q[:, 0])
    axis = q[:, 1:] / np.where(sin_half > 0.0, sin_half, 1.0)[:, None]
    a = (np.asarray(w, dtype=np.float64) * angle)[:, None]
    c, s = np.cos(a), np.sin(a)
    out = []
    for v0, v1 in zip(b0, b1, strict=True):
        turned = v0 * c + np.cross(axis, v0) * s + axis * np.sum(axis * v0, -1)[:, None] * (1 - c)
        wcol = np.asarray(w)[:, None]
        out.append(np.where(wcol == 0.0, v0, np.where(wcol == 1.0, v1, turned)))
    return out[0], out[1], out[2]


def azel_roll(basis: Basis, local: tuple[FloatArray, FloatArray, FloatArray]) -> FloatArray:
    """Azimuth, elevation and roll (deg, ``(N, 3)``) of camera bases in the orbit's local
    frame ``(up, forward, right)``: the ``[camera.look]`` that gives the same basis.

    Azimuth is atan2(d . right, d . forward) in [0, 360), elevation asin(d . up) of the
    view axis d; the roll is the turn from the unrolled basis of that azimuth and
    elevation (timeline.look_azel) to the camera's: sin r = up . right0, cos r = up . up0.
    Straight down or up the azimuth is undefined; the roll then takes up the difference.
    """
    cam_right, cam_up, d = basis
    up, forward, right = local
    az = np.arctan2(np.sum(d * right, -1), np.sum(d * forward, -1))
    el = np.arcsin(np.clip(np.sum(d * up, -1), -1.0, 1.0))
    h = np.cos(az)[:, None] * forward + np.sin(az)[:, None] * right
    up0 = np.cos(el)[:, None] * up - np.sin(el)[:, None] * h
    right0 = np.cos(az)[:, None] * right - np.sin(az)[:, None] * forward
    roll = np.arctan2(np.sum(cam_up * right0, -1), np.sum(cam_up * up0, -1))
    return np.stack([np.degrees(az) % 360.0, np.degrees(el), np.degrees(roll)], axis=-1)
