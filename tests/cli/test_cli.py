"""The orbitlapse command as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import REPO, SCENES, default_signals, orbitlapse_command, run
from tests.video_probe import decode_frames, probe_video

TLE = [
    "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
    "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
]


def scene_text(**sections: str) -> str:
    """A small valid scene; keyword arguments replace whole sections' bodies."""
    body = {
        "top": 'scene_version = 1\ntitle = "test"',
        "time": 'start_utc = "2018-11-16T10:00:00Z"\nspeed = 10.0',
        "output": 'width = 64\nheight = 36\nfps = 10\nduration_s = 0.3\ncodec = "h264"',
        "camera": "fov_deg = 60",
        "camera.orbit": f'tle = ["{TLE[0]}", "{TLE[1]}"]',
        "camera.look": "azimuth_deg = 0\nelevation_deg = -20",
    }
    body.update({k.replace("__", "."): v for k, v in sections.items()})
    parts = [body.pop("top")]
    parts += [f"[{name}]\n{text}" for name, text in body.items() if text is not None]
    return "\n\n".join(parts) + "\n"


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {proc.stderr!r}"
    return lines[0]


# ---------------------------------------------------------------------------
# The flagship render of the "must show"
# ---------------------------------------------------------------------------


def test_render_flagship_small_h264(tmp_path):
    out = tmp_path / "out.mp4"
    proc = run(
        "render",
        str(SCENES / "progress-ms10.toml"),
        "-o",
        str(out),
        "--width",
        "320",
        "--height",
        "180",
        "--fps",
        "10",
        "--duration",
        "3",
    )
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    info = probe_video(out)
    assert (info["width"], info["height"]) == (320, 180)
    assert info["frames"] == 30
    assert info["codec"] == "h264"
    assert abs(info["fps"] - 10) < 1e-6
    frames = decode_frames(out, 320, 180)
    assert frames.shape[0] == 30
    # Not black: the moonlit Earth fills a good part of every frame.
    lit = (frames.max(axis=-1) > 24).mean(axis=(1, 2))
    assert lit.min() > 0.05, f"fraction of lit pixels per frame: {lit}"
    assert "frames" in proc.stderr  # progress was shown


def test_render_refuses_to_replace_without_force(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    out = tmp_path / "s.mp4"
    out.write_bytes(b"precious")
    proc = run("render", str(scene), "-o", str(out), "--quiet")
    no_traceback(proc)
    assert proc.returncode == 2
    assert "--force" in one_error_line(proc)
    assert out.read_bytes() == b"precious"
    proc = run("render", str(scene), "-o", str(out), "--quiet", "--force")
    assert proc.returncode == 0, proc.stderr
    assert probe_video(out)["frames"] == 3


def test_default_output_path_is_the_scene_name(tmp_path):
    scene = tmp_path / "named.toml"
    scene.write_text(scene_text())
    proc = run("render", str(scene), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert probe_video(tmp_path / "named.mp4")["frames"] == 3


# ---------------------------------------------------------------------------
# Bad input: exit 2, one line naming file and key, no traceback, no output
# ---------------------------------------------------------------------------

BAD_SCENES = {
    "fov_type": (scene_text(camera='fov_deg = "wide"'), "camera.fov_deg"),
    "fov_range": (scene_text(camera="fov_deg = 200"), "camera.fov_deg"),
    "fov_bool": (scene_text(camera="fov_deg = true"), "camera.fov_deg"),
    "typo_key": (scene_text(camera__look="azimuth = 10"), "camera.look.azimuth"),
    "unknown_section": (scene_text(cameras="fov_deg = 1"), "cameras"),
    "both_orbits": (
        scene_text(
            camera__orbit=f'tle = ["{TLE[0]}", "{TLE[1]}"]\n'
            "over = { lat_deg = 1, lon_deg = 2, "
            'time_utc = "2018-11-16T10:00:00Z", '
            "altitude_km = 400, inclination_deg = 51.6 }"
        ),
        "camera.orbit",
    ),
    "no_orbit": (scene_text(camera__orbit=None), "camera.orbit"),
    "broken_tle": (
        scene_text(camera__orbit=f'tle = ["{TLE[0][:-1]}8", "{TLE[1]}"]'),
        "camera.orbit.tle",
    ),
    "short_tle": (scene_text(camera__orbit='tle = ["1 25544U", "2 25544"]'), "camera.orbit.tle"),
    "bad_time": (scene_text(time='start_utc = "yesterday"'), "time.start_utc"),
    "negative_speed": (
        scene_text(time='start_utc = "2018-11-16T10:00:00Z"\nspeed = -1'),
        "time.speed",
    ),
    "odd_width": (scene_text(output="width = 65\nheight = 36"), "output.width"),
    "bad_codec": (scene_text(output='codec = "divx"'), "output.codec"),
    "version": (scene_text(top="scene_version = 2"), "scene_version"),
    "no_version": (scene_text(top='title = "x"'), "scene_version"),
    "over_unreachable": (
        scene_text(
            camera__orbit="over = { lat_deg = 70, lon_deg = 2, "
            'time_utc = "2018-11-16T10:00:00Z", '
            "altitude_km = 400, inclination_deg = 51.6 }"
        ),
        "camera.orbit.over.lat_deg",
    ),
    "launch_target_missing": (scene_text(camera__look='target = "launch:1"'), "camera.look.target"),
    "toml_syntax": ("scene_version = 1\n[time\nstart_utc = 1\n", ""),
    "empty": ("", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_SCENES))
@pytest.mark.parametrize("command", ["check", "render"])
def test_bad_scene_is_refused_with_one_line(tmp_path, name, command):
    text, key = BAD_SCENES[name]
    scene = tmp_path / "bad.toml"
    scene.write_text(text)
    args = [command, str(scene)]
    if command == "render":
        args += ["-o", str(tmp_path / "out.mp4")]
    proc = run(*args)
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    assert "bad.toml" in line
    assert key in line, line
    assert not (tmp_path / "out.mp4").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_typo_suggests_the_nearest_key(tmp_path):
    scene = tmp_path / "bad.toml"
    scene.write_text(scene_text(camera__look="azimth_deg = 10"))
    line = one_error_line(run("check", str(scene)))
    assert "azimuth_deg" in line


@pytest.mark.parametrize("kind", ["missing", "binary", "directory"])
def test_unreadable_scene_files(tmp_path, kind):
    path = tmp_path / "scene.toml"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "directory":
        path.mkdir()
    proc = run("render", str(path), "-o", str(tmp_path / "o.mp4"))
    no_traceback(proc)
    assert proc.returncode == 2
    assert "scene.toml" in one_error_line(proc)
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["render"],
        ["render", "x.toml", "--width", "abc"],
        ["render", "x.toml", "--fps", "-3"],
        ["frobnicate"],
        ["still", "x.toml"],
        ["still", "x.toml", "-o", "a.png", "--at", "1", "--utc", "2018-11-16T18:14:08Z"],
    ],
)
def test_bad_arguments_exit_2_without_traceback(args):
    proc = run(*args)
    no_traceback(proc)
    assert proc.returncode == 2
    one_error_line(proc)


def test_overrides_are_validated(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    proc = run("render", str(scene), "--width", "63", "-o", str(tmp_path / "o.mp4"))
    assert proc.returncode == 2
    assert "--width" in one_error_line(proc)


# ---------------------------------------------------------------------------
# Interrupted and failed renders leave nothing under the output name
# ---------------------------------------------------------------------------


def _work_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".orbitlapse-work-*/**/*") if p.is_file()]


def _start_long_render(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    scene = tmp_path / "long.toml"
    scene.write_text(scene_text(output="width = 160\nheight = 90\nfps = 30\nduration_s = 60"))
    out = tmp_path / "long.mp4"
    proc = subprocess.Popen(
        [*orbitlapse_command(), "render", str(scene), "-o", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=default_signals,
    )
    # Wait until frames are flowing into ffmpeg's temporary file (the marker file does
    # not count: it is not the video); chunked renders keep theirs in the chunk folder.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.stat().st_size > 0 and p.name != "owner" for p in _work_files(tmp_path)):
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("render never started writing")
    return proc, out


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def test_ctrl_c_leaves_nothing(tmp_path):
    proc, out = _start_long_render(tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml"]


def test_dying_ffmpeg_is_reported_and_leaves_nothing(tmp_path):
    proc, out = _start_long_render(tmp_path)
    kids = [
        k
        for k in _children(proc.pid)
        if "ffmpeg" in Path(f"/proc/{k}/cmdline").read_bytes().decode(errors="replace")
    ]
    assert kids, "no ffmpeg child found"
    for k in kids:
        os.kill(k, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "ffmpeg" in err.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml"]


# ---------------------------------------------------------------------------
# still, check, info
# ---------------------------------------------------------------------------


def test_still_writes_a_png_of_the_asked_size(tmp_path):
    from PIL import Image

    out = tmp_path / "still.png"
    proc = run(
        "still",
        str(SCENES / "quick.toml"),
        "--at",
        "1",
        "-o",
        str(out),
        "--width",
        "160",
        "--height",
        "90",
    )
    assert proc.returncode == 0, proc.stderr
    img = np.asarray(Image.open(out))
    assert img.shape == (90, 160, 3)
    assert img.mean() > 10


def test_still_at_utc_equals_still_at_video_seconds(tmp_path):
    from PIL import Image

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    scene = SCENES / "progress-ms10.toml"
    # speed 14: 2 s of video after 18:14:28 is 18:14:56.
    assert (
        run(
            "still", str(scene), "--at", "2", "-o", str(a), "--width", "96", "--height", "54"
        ).returncode
        == 0
    )
    assert (
        run(
            "still",
            str(scene),
            "--utc",
            "2018-11-16T18:14:56Z",  # start 18:14:28 + 2 s of video at 14x
            "-o",
            str(b),
            "--width",
            "96",
            "--height",
            "54",
        ).returncode
        == 0
    )
    assert np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))


def test_check_summarises(cli):
    proc = cli("check", str(SCENES / "progress-ms10.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "2700" in proc.stdout  # frames: 90 s at 30 fps
    assert "Progress MS-10" in proc.stdout


def test_info_names_renderer_and_encoders(cli):
    proc = cli("info")
    assert proc.returncode == 0, proc.stderr
    assert "GL renderer:" in proc.stdout
    assert "libx264" in proc.stdout
    # Which path --gl-path auto takes here, and why (llvmpipe: fragment, unmeasured).
    auto = next(line for line in proc.stdout.splitlines() if line.startswith("--gl-path auto:"))
    if "llvmpipe" in proc.stdout:
        assert auto.startswith("--gl-path auto: fragment (") and "software" in auto
    else:
        assert "probe" in auto


def test_help_lists_the_commands(cli):
    proc = cli("--help")
    assert proc.returncode == 0
    for name in ("render", "still", "preview", "check", "schema", "info"):
        assert name in proc.stdout


@pytest.mark.parametrize("scene", sorted(p.name for p in SCENES.glob("*.toml")))
def test_every_shipped_scene_renders_tiny(tmp_path, scene):
    out = tmp_path / "tiny.mp4"
    proc = run(
        "render",
        str(SCENES / scene),
        "-o",
        str(out),
        "--width",
        "64",
        "--height",
        "36",
        "--fps",
        "10",
        "--duration",
        "0.3",
        "--quiet",
    )
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert probe_video(out)["frames"] == 3
    assert REPO.exists()


# ---------------------------------------------------------------------------
# Encoder presets and NVENC
# ---------------------------------------------------------------------------


def test_bad_preset_is_one_line_naming_the_option(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    out = tmp_path / "s.mp4"
    proc = run("render", str(scene), "-o", str(out), "--preset", "fastest", "--quiet")
    no_traceback(proc)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "--preset" in line and "did you mean 'faster'?" in line
    assert not out.exists()
    scene.write_text(scene_text(output='width = 64\nheight = 36\ncodec = "prores"\npreset = 3'))
    proc = run("render", str(scene), "-o", str(tmp_path / "s.mov"), "--quiet")
    assert proc.returncode == 2
    assert "output.preset" in one_error_line(proc)


def test_render_with_a_preset(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    out = tmp_path / "s.mp4"
    proc = run("render", str(scene), "-o", str(out), "--preset", "ultrafast", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert probe_video(out)["frames"] == 3
    assert b"cabac=0" in out.read_bytes()  # x264's record of ultrafast


def test_nvenc_where_it_cannot_run_is_refused_before_rendering(tmp_path):
    from renderer.output.ffmpeg import nvenc_refusal

    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    cases = [("prores", tmp_path / "s.mov")]
    if nvenc_refusal("h264", 64, 36) is not None:  # no NVIDIA encoder on this machine
        cases.append(("h264", tmp_path / "s.mp4"))
    for codec, out in cases:
        scene.write_text(scene_text(output=f'width = 64\nheight = 36\ncodec = "{codec}"'))
        proc = run("render", str(scene), "-o", str(out), "--encoder", "nvenc", "--quiet")
        no_traceback(proc)
        assert proc.returncode == 2
        assert "--encoder nvenc" in one_error_line(proc)
        assert not out.exists()
        assert not list(tmp_path.glob(".s*"))  # no chunk or work folder left


def test_gl_path_compute_draws_the_same_still(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text())
    stills = {}
    for path in ("fragment", "compute"):
        out = tmp_path / f"{path}.png"
        proc = run("still", str(scene), "-o", str(out), "--gl-path", path, "--quiet")
        assert proc.returncode == 0, proc.stderr
        stills[path] = out.read_bytes()
    assert stills["compute"] == stills["fragment"]
    proc = run("render", str(scene), "-o", str(tmp_path / "x.mp4"), "--gl-path", "vulkan")
    no_traceback(proc)
    assert proc.returncode == 2
    assert "--gl-path" in one_error_line(proc)
    assert not (tmp_path / "x.mp4").exists()
