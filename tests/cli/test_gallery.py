"""The README's gallery and docs/scenes.md are what the current code produces and reads.

* Each gallery still (docs/gallery/*.jpg) is re-rendered by ``orbitlapse still`` at the
  time and size docs/gallery.sh gives it, and must equal the JPEG up to JPEG's own
  loss; a still rendered at another moment must not pass the same comparison.
* Every TOML block of docs/scenes.md is a valid scene: the complete ones as written,
  the fragments merged into a minimal scene.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from renderer.scene import Scene, loads_scene
from tests.cli.conftest import REPO, SCENES, run

GALLERY_SH = REPO / "docs" / "gallery.sh"
GALLERY = REPO / "docs" / "gallery"
SCENES_MD = REPO / "docs" / "scenes.md"


def gallery_stills() -> list[tuple[str, str]]:
    """(scene name, seconds of video) of every ``still NAME AT`` line of docs/gallery.sh."""
    return re.findall(r"^still (\S+) (\S+)", GALLERY_SH.read_text(), re.MULTILINE)


def gallery_size() -> tuple[int, int]:
    text = GALLERY_SH.read_text()
    w = re.search(r"^W=(\d+)$", text, re.MULTILINE)
    h = re.search(r"^H=(\d+)$", text, re.MULTILINE)
    assert w and h, "docs/gallery.sh must set W= and H="
    return int(w[1]), int(h[1])


def render_still(tmp_path: Path, name: str, at: str) -> np.ndarray:
    w, h = gallery_size()
    out = tmp_path / f"{name}-{at}.png"
    proc = run(
        "still",
        str(SCENES / f"{name}.toml"),
        "--at",
        at,
        "-o",
        str(out),
        "--width",
        str(w),
        "--height",
        str(h),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(out).convert("RGB"), dtype=np.float64)


def block_means(img: np.ndarray, k: int = 4) -> np.ndarray:
    h, w = img.shape[0] // k * k, img.shape[1] // k * k
    return img[:h, :w].reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))


def jpeg_difference(jpeg: np.ndarray, png: np.ndarray) -> tuple[float, float]:
    """Mean absolute difference (8-bit levels), and the fraction of 4x4 blocks whose mean
    differs by more than 6 levels in some channel.

    JPEG's loss (quality 85, no chroma subsampling) is high-frequency: about 1 level on
    average, and it averages out over a 4x4 block (no block of the gallery's stills is
    off by more than about 3.5 levels).  A real change does not: the flagship with
    another cloud seed moves a fifth of its blocks by more than 6 levels, a frame 3 s
    later far more.
    """
    mean = float(np.abs(jpeg - png).mean())
    blocks = np.abs(block_means(jpeg) - block_means(png)).max(axis=-1)
    return mean, float((blocks > 6.0).mean())


def within_jpeg_loss(jpeg: np.ndarray, png: np.ndarray) -> bool:
    mean, changed = jpeg_difference(jpeg, png)
    return mean < 3.0 and changed < 0.002


def test_gallery_lists_every_new_scene_once():
    names = [name for name, _ in gallery_stills()]
    assert len(names) == len(set(names)) >= 5
    for name in names:
        assert (SCENES / f"{name}.toml").is_file(), name
        assert (GALLERY / f"{name}.jpg").is_file(), f"run docs/gallery.sh: {name}.jpg missing"
    assert {p.stem for p in GALLERY.glob("*.jpg")} == set(names), "stale files in docs/gallery"
    assert (REPO / "docs" / "flagship-preview.webp").is_file()


@pytest.mark.parametrize(("name", "at"), gallery_stills())
def test_gallery_still_is_the_current_output(tmp_path, name, at):
    jpeg = np.asarray(Image.open(GALLERY / f"{name}.jpg").convert("RGB"), dtype=np.float64)
    png = render_still(tmp_path, name, at)
    assert jpeg.shape == png.shape, (jpeg.shape, png.shape)
    assert png.mean() > 8, "the still is black"
    mean, changed = jpeg_difference(jpeg, png)
    assert within_jpeg_loss(jpeg, png), (
        f"docs/gallery/{name}.jpg is not what the code renders now (mean difference "
        f"{mean:.2f} levels, {changed:.2%} of 4x4 blocks off by > 6): run docs/gallery.sh"
    )


def test_the_comparison_tells_another_moment_apart(tmp_path):
    # The flagship 3 s of video (30 s of 2018) later: the same kind of picture, shifted.
    name, at = gallery_stills()[0]
    jpeg = np.asarray(Image.open(GALLERY / f"{name}.jpg").convert("RGB"), dtype=np.float64)
    later = render_still(tmp_path, name, str(float(at) + 3.0))
    assert not within_jpeg_loss(jpeg, later), jpeg_difference(jpeg, later)


def test_flagship_preview_is_a_short_small_animation():
    with Image.open(REPO / "docs" / "flagship-preview.webp") as im:
        assert im.size == (320, 180)
        assert 40 <= im.n_frames <= 80
        highs = []
        for k in range(0, im.n_frames, 10):
            im.seek(k)
            highs.append(np.percentile(np.asarray(im.convert("RGB")), 99))
    # No black frames.  After moonset most of a frame is rightly near black (sky and
    # unlit ground, codes 0 to 5 with grain), so each frame is asked for light beyond
    # the grain instead: its brightest 1 % (airglow, city lights, stars) at 40 or more.
    assert min(highs) >= 40, highs
    assert (REPO / "docs" / "flagship-preview.webp").stat().st_size < 2_000_000


# ---------------------------------------------------------------------------
# docs/scenes.md
# ---------------------------------------------------------------------------

# The smallest scene a fragment is merged into.  Fragments that give an orbit replace
# this one (an orbit takes exactly one form).
BASE = {
    "scene_version": 1,
    "time": {"start_utc": "2018-11-16T18:10:00Z"},
    "camera": {
        "orbit": {
            "over": {
                "lat_deg": 40.0,
                "lon_deg": 60.0,
                "time_utc": "2018-11-16T18:10:00Z",
                "altitude_km": 408.0,
                "inclination_deg": 51.64,
            }
        }
    },
}


def toml_blocks() -> list[str]:
    return re.findall(r"^```toml\n(.*?)^```", SCENES_MD.read_text(), re.MULTILINE | re.DOTALL)


def merge(base: dict[str, Any], frag: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in frag.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "orbit":
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def toml_value(v: Any) -> str:
    """A value as TOML text, tables and arrays inline (enough for scene documents)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def test_scenes_md_has_complete_examples_and_fragments():
    blocks = toml_blocks()
    complete = [b for b in blocks if {"time", "camera"} <= set(tomllib.loads(b))]
    assert len(blocks) >= 20 and len(complete) >= 3, (len(blocks), len(complete))


@pytest.mark.parametrize("index", range(len(toml_blocks())))
def test_every_scenes_md_example_is_a_valid_scene(index):
    text = toml_blocks()[index]
    doc = tomllib.loads(text)
    if "time" in doc and "camera" in doc:
        scene = loads_scene(text, "docs/example.toml")
    else:
        merged = merge(BASE, doc)
        scene = loads_scene(
            "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in merged.items()),
            "docs/example.toml",
        )
    assert isinstance(scene, Scene)


def test_the_merge_keeps_what_a_fragment_says():
    # The fragment path must not quietly drop a fragment: a bad value in one is refused.
    from renderer.errors import SceneError

    merged = merge(BASE, tomllib.loads("[camera]\nfov_deg = 500\n"))
    with pytest.raises(SceneError, match="fov_deg"):
        loads_scene("\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in merged.items()))


# ---------------------------------------------------------------------------
# The flagship's framing against docs/physics.md's description of the footage
# ---------------------------------------------------------------------------


def test_flagship_framing_follows_the_footage():
    """Camera aft, Earth at lower left (so stars at upper right), the Soyuz in the frame
    and in front of the Earth from T+130 s to the end (docs/physics.md, "The event")."""
    from renderer.scene import load_scene
    from renderer.timeline import build_timeline, project_to_pixels

    scene = load_scene(SCENES / "progress-ms10.toml")
    w, h = scene.output.width, scene.output.height
    video_s = np.arange(0.0, scene.output.duration_s + 1e-9, 1.0)
    tl = build_timeline(scene, video_s * scene.time.speed)
    liftoff_s = (scene.launches[0].time_utc - scene.time.start_utc).total_seconds()
    a, b = 6378.137, 6356.752  # WGS84 (docs/physics.md)
    for i, t in enumerate(video_s):
        cam = tl.camera_pos_km[i]
        right, up, fwd = tl.camera_right[i], tl.camera_up[i], tl.camera_forward[i]
        # Aft: the view axis points against the velocity.
        assert fwd @ tl.camera_vel_km_s[i] < 0.0
        # The Earth's centre lies below and to the left of the view axis.
        assert (-cam) @ right < 0.0 and (-cam) @ up < 0.0, t
        since = t * scene.time.speed - liftoff_s
        if since < 130.0:
            continue
        rocket = tl.vehicles_km[0, i]
        px, py, ahead = project_to_pixels(
            rocket[None], cam, right, up, fwd, w, h, scene.camera.fov_deg
        )
        assert ahead[0] and 0 < px[0] < w and 0 < py[0] < h, (t, px, py)
        # Not behind the Earth: the segment camera -> rocket misses the ellipsoid.
        s = np.linspace(0.0, 1.0, 2001)[:, None]
        p = (cam + s * (rocket - cam)) @ tl.itrs_from_gcrs[i].T
        assert np.all((p[:, 0] ** 2 + p[:, 1] ** 2) / a**2 + p[:, 2] ** 2 / b**2 > 1.0), t
