"""A keyframed scene through the command line: refused with one line when a key is
wrong, listed by ``check``, rendered to MP4 by ``render``."""

from __future__ import annotations

import numpy as np

from tests.cli.conftest import SCENES, run
from tests.cli.test_cli import no_traceback, one_error_line, scene_text
from tests.video_probe import decode_frames, probe_video

KEYS = """
[[camera.keyframe]]
t_s = 0.1
azimuth_deg = 90
"""


def test_a_bad_keyframe_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    for body, key in (
        (KEYS + "\n[[camera.keyframe]]\nt_s = 0.1\n", "camera.keyframe[2].t_s"),
        (KEYS.replace("azimuth_deg", "azimuth"), "camera.keyframe[1].azimuth"),
        (KEYS + 'ease = "bouncy"\n', "camera.keyframe[1].ease"),
        (KEYS.replace("0.1", "5"), "camera.keyframe[1].t_s"),
    ):
        path.write_text(scene_text() + body)
        proc = run("check", str(path))
        no_traceback(proc)
        assert proc.returncode == 2, proc.stderr
        line = one_error_line(proc)
        assert line.startswith(f"orbitlapse: {path}: {key}: "), line


def test_check_lists_the_keyframes():
    proc = run("check", str(SCENES / "nile-pan.toml"))
    assert proc.returncode == 0, proc.stderr
    keys = [ln for ln in proc.stdout.splitlines() if ln.startswith("keyframe ")]
    assert len(keys) == 3
    assert "at 3 s: keeps 30.05N 31.25E centred" in keys[0] and "smooth to the next" in keys[0]
    assert "at 13 s: azimuth 356 deg, elevation -15 deg" in keys[1]
    assert "field of view 36 deg, EV100 -6.03; ease-in to the next" in keys[1]
    assert "field of view 28 deg" in keys[2] and "held to the end" in keys[2]


def test_a_keyframed_scene_renders_to_mp4(tmp_path):
    out = tmp_path / "pan.mp4"
    proc = run(
        "render",
        str(SCENES / "nile-pan.toml"),
        "-o",
        str(out),
        "--width",
        "64",
        "--height",
        "36",
        "--fps",
        "1",
        "--quiet",
    )
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    info = probe_video(out)
    assert info["frames"] == 24 and info["codec"] == "h264"
    frames = decode_frames(out, 64, 36).astype(int)
    assert frames.mean(axis=(1, 2, 3)).min() > 3.0  # lights, airglow: no black frame
    # On Cairo at the start, on the limb at the end: a different picture.
    assert np.abs(frames[0] - frames[-1]).mean() > 5.0
