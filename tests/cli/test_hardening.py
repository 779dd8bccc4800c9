"""A hostile scene, a careless user, signals, full disks: one line and the right exit
status every time, and nothing lost or left behind.

Real processes, signals, files and limits: a full disk is RLIMIT_FSIZE (writes fail
with EFBIG as on a full disk), a folder that cannot be written is /sys (mkdir there
fails with EPERM even for root), a framebuffer that cannot be allocated is a real
8192x8192 one under RLIMIT_AS.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import orbitlapse_command, run
from tests.cli.test_cli import (
    _children,
    _start_long_render,
    _work_files,
    no_traceback,
    one_error_line,
    scene_text,
)


def write_scene(tmp_path: Path, name: str = "s.toml", **sections: str) -> Path:
    path = tmp_path / name
    path.write_text(scene_text(**sections))
    return path


def refused(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    for fragment in fragments:
        assert fragment in line, line
    return line


def run_limited(*args: str, preexec, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*orbitlapse_command(), *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
        cwd=cwd,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


# ---------------------------------------------------------------------------
# Nothing lost: a folder orbitlapse did not make is never replaced
# ---------------------------------------------------------------------------


def test_png_with_force_never_deletes_a_folder_of_someone_elses_files(tmp_path):
    victim = tmp_path / "important"
    victim.mkdir()
    (victim / "important.txt").write_text("keep me")
    scene = write_scene(
        tmp_path,
        output=f'path = "{victim}"\nwidth = 64\nheight = 36\nfps = 10\nduration_s = 0.2\n'
        'codec = "png"',
    )
    proc = run("render", str(scene), "--force")
    refused(proc, "output.path", "did not write")
    assert (victim / "important.txt").read_text() == "keep me"


def test_png_with_force_replaces_its_own_frames(tmp_path):
    frames = tmp_path / "frames"
    scene = write_scene(
        tmp_path,
        output=f'path = "{frames}"\nwidth = 64\nheight = 36\nfps = 10\nduration_s = 0.2\n'
        'codec = "png"',
    )
    assert run("render", str(scene), "--quiet").returncode == 0
    proc = run("render", str(scene), "--quiet", "--force")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(frames)) == ["frame_000000.png", "frame_000001.png"]
    assert sorted(os.listdir(tmp_path)) == ["frames", "s.toml"]


# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------


def _ffmpeg_children(pid: int) -> list[int]:
    found = []
    for k in _children(pid):
        try:
            if b"ffmpeg" in Path(f"/proc/{k}/cmdline").read_bytes():
                found.append(k)
        except OSError:
            continue
    return found


def _gone(pid: int, within_s: float = 20.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # exited; its parent (pid 1 here) has yet to reap it
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path, sig, status):
    proc, _ = _start_long_render(tmp_path)
    encoders = _ffmpeg_children(proc.pid)
    assert encoders
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "orbitlapse: interrupted; no output was written"
    assert all(_gone(k) for k in encoders)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml"]


def test_sigkill_takes_ffmpeg_along_and_the_next_run_cleans_up(tmp_path):
    proc, out = _start_long_render(tmp_path)
    encoders = _ffmpeg_children(proc.pid)
    assert encoders
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert all(_gone(k) for k in encoders), "ffmpeg outlived orbitlapse"
    left = _work_files(tmp_path)
    assert left, "expected the killed run's work folder"
    # The next run into that folder (here one refused at once) removes it.
    out.write_bytes(b"an older video")
    proc2 = run("render", str(tmp_path / "long.toml"), "-o", str(out))
    refused(proc2, "-o", "exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mp4", "long.toml"]
    assert out.read_bytes() == b"an older video"


# ---------------------------------------------------------------------------
# Refused by check (exit 2, one line naming the key): what float32, the ephemeris,
# ffmpeg or the GL texture limits cannot carry
# ---------------------------------------------------------------------------


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` x ``height`` (no pixel data needed to be refused)."""
    ihdr = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    chunk = (13).to_bytes(4, "big") + ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    end = (0).to_bytes(4, "big") + b"IEND" + zlib.crc32(b"IEND").to_bytes(4, "big")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk + end)


def _texture_cases(tmp_path: Path) -> dict[str, Path]:
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, 20000, 20000)
    wide = tmp_path / "wide.png"
    Image.new("RGB", (16385, 2)).save(wide)
    cut = tmp_path / "cut.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (256, 512, 3), dtype=np.uint8)).save(cut, quality=90)
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return {"bomb": bomb, "wide": wide, "cut": cut}


LAUNCH = (
    '[[launch]]\nvehicle = "soyuz-fg"\nsite = "baikonur"\n'
    'time_utc = "2018-11-16T10:00:10Z"\nazimuth_deg = 60\n'
)


@pytest.mark.parametrize(
    ("edit", "key", "fragment"),
    [
        ({"top": 'scene_version = 1\ntitle = "a\\u0000b"'}, "title", "control characters"),
        ({"top": f'scene_version = 1\ntitle = "{"x" * 140_000}"'}, "title", "at most 4096"),
        ({"output": "fps = 0.0004"}, "output.fps", "from 0.01"),
        ({"earth__clouds": "drift = 1e308"}, "earth.clouds.drift", "to 100"),
        ({"earth__night_lights": "intensity = 1e308"}, "earth.night_lights.intensity", "to"),
        (
            {
                "earth__airglow": 'layers = [{ name = "x", altitude_km = 97, width_km = 10, '
                "zenith_rayleigh = 1e308, wavelength_nm = 557.7 }]"
            },
            "earth.airglow.layers[1].zenith_rayleigh",
            "to 10000000",
        ),
        (
            {
                "earth__airglow": 'layers = [{ name = "x", altitude_km = 97, width_km = 1e-300, '
                "zenith_rayleigh = 250, wavelength_nm = 557.7 }]"
            },
            "earth.airglow.layers[1].width_km",
            "from 0.1",
        ),
        ({"output": "width = 64\nheight = 36\ncrf = 1180591620717411303424"}, "output.crf", "64"),
    ],
)
def test_values_out_of_range_are_refused_by_check(tmp_path, edit, key, fragment):
    scene = write_scene(tmp_path, **edit)
    refused(run("check", str(scene)), f"{key}: ", fragment)


def test_three_thousand_launches_are_refused(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text() + LAUNCH * 3000)
    refused(run("check", str(scene)), ": launch: ", "at most 16")


@pytest.mark.parametrize(
    ("name", "fragment"), [("bomb", "too large"), ("wide", "16385x2"), ("cut", "truncated")]
)
def test_bad_textures_are_refused_by_check(tmp_path, name, fragment):
    texture = _texture_cases(tmp_path)[name]
    scene = write_scene(tmp_path, earth__day=f'texture = "{texture}"')
    refused(run("check", str(scene)), "earth.day.texture", fragment)


def test_duplicates_name_the_duplicated_table_and_key(tmp_path):
    scene = tmp_path / "s.toml"
    scene.write_text(scene_text() + "\n[output]\nwidth = 64\n")
    refused(run("check", str(scene)), "s.toml: output: ", "twice")
    scene.write_text(scene_text(top='scene_version = 1\ntitle = "a"\ntitle = "b"'))
    refused(run("check", str(scene)), "s.toml: title: ", "overwrite")


def test_a_scene_name_with_a_newline_is_one_line(tmp_path):
    scene = tmp_path / "two\nlines.toml"
    scene.write_text("scene_version = 2\n")
    line = refused(run("check", str(scene)), "two\\nlines.toml")
    assert "\n" not in line


# ---------------------------------------------------------------------------
# Refused before GL starts (exit 2): the output and the still's moment
# ---------------------------------------------------------------------------


def test_output_problems_are_refused_before_drawing(tmp_path):
    scene = write_scene(tmp_path)
    existing = tmp_path / "old.mp4"
    existing.write_bytes(b"old")
    cases = [
        (("render", str(scene), "-o", str(existing)), ("-o", "exists", "--force")),
        (("render", str(scene), "-o", str(tmp_path / "no" / "x.mp4")), ("-o", "does not exist")),
        (("render", str(scene), "-o", "/sys/orbitlapse-test.mp4"), ("-o", "cannot write")),
        (("render", str(scene), "-o", str(tmp_path)), ()),  # a folder: refused by its suffix
        (("still", str(scene), "-o", "/sys/orbitlapse-test.png"), ("-o", "cannot write")),
    ]
    (tmp_path / "dir.png").mkdir()
    cases.append((("still", str(scene), "-o", str(tmp_path / "dir.png")), ("-o", "is a folder")))
    (tmp_path / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    cases.append((("still", str(scene), "-o", str(tmp_path / "dangling.png")), ("exists",)))
    for args, fragments in cases:
        proc = run(*args)
        refused(proc, *fragments)
        assert "rendering" not in proc.stderr  # refused before the render began
    assert existing.read_bytes() == b"old"
    assert (tmp_path / "dangling.png").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.png",
        "dir.png",
        "old.mp4",
        "s.toml",
    ]


@pytest.mark.parametrize("at", ["1e9", "1e300", "1e308"])
def test_still_at_beyond_the_ephemeris_is_refused(tmp_path, at):
    scene = write_scene(tmp_path)
    proc = run("still", str(scene), "--at", at, "-o", str(tmp_path / "s.png"))
    refused(proc, "--at: ", "ephemeris")


# ---------------------------------------------------------------------------
# Failures while rendering: one line, exit 1, nothing left
# ---------------------------------------------------------------------------


def test_still_into_a_full_disk_is_one_line(tmp_path):
    scene = write_scene(tmp_path)
    out = tmp_path / "s.png"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = run_limited(
        "still",
        str(scene),
        "-o",
        str(out),
        "--width",
        "320",
        "--height",
        "180",
        preexec=small_files,
    )
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "too large" in one_error_line(proc)  # EFBIG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_a_framebuffer_that_cannot_be_allocated_is_one_line(tmp_path):
    scene = write_scene(tmp_path)

    def little_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3000 << 20, 3000 << 20))

    proc = run_limited(
        "still",
        str(scene),
        "-o",
        str(tmp_path / "s.png"),
        "--width",
        "8192",
        "--height",
        "8192",
        preexec=little_memory,
    )
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "OpenGL" in one_error_line(proc) or "memory" in one_error_line(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_still_takes_odd_sizes_whatever_the_scene_codec(tmp_path):
    from PIL import Image

    scene = write_scene(tmp_path)  # h264, which needs even sizes
    out = tmp_path / "s.png"
    proc = run("still", str(scene), "-o", str(out), "--width", "63", "--height", "35")
    assert proc.returncode == 0, proc.stderr
    assert Image.open(out).size == (63, 35)


# ---------------------------------------------------------------------------
# check: a sense of size
# ---------------------------------------------------------------------------


def test_check_prints_the_size_and_warns_of_huge_renders(tmp_path):
    small = write_scene(tmp_path, "small.toml")
    proc = run("check", str(small))
    assert proc.returncode == 0, proc.stderr
    for label in ("frames:", "pixels:", "disk:", "GPU memory:", "time:"):
        assert label in proc.stdout
    assert "warning" not in proc.stdout

    huge = write_scene(tmp_path, "huge.toml", output="width = 16384\nheight = 16384")
    proc = run("check", str(huge))
    assert proc.returncode == 0
    assert "268,435,456 a frame" in proc.stdout
    assert "warning:" in proc.stdout and "GPU memory" in proc.stdout

    # 3.6 million frames of 320x180: about 17 h of llvmpipe on 2 cores, still over the
    # hour on 32, whichever machine runs the test.
    long = write_scene(
        tmp_path,
        "long.toml",
        top='scene_version = 1\n[time]\nstart_utc = "2018-11-16T10:00:00Z"\nspeed = 1.0',
        time=None,
        output="width = 320\nheight = 180\nfps = 1000\nduration_s = 3600",
    )
    proc = run("check", str(long))
    assert proc.returncode == 0, proc.stderr
    assert "3,600,000" in proc.stdout
    assert "warning: rendering would take" in proc.stdout
    assert "warning: rendering" not in run("check", str(long), "--warn-hours", "1e6").stdout
    env_raised = subprocess.run(
        [*orbitlapse_command(), "check", str(long)],
        capture_output=True,
        text=True,
        env=dict(os.environ, ORBITLAPSE_WARN_HOURS="1e6"),
    )
    assert "warning: rendering" not in env_raised.stdout


def test_a_truncated_atmosphere_cache_is_recomputed_not_a_traceback(tmp_path):
    from renderer.gl import atmosphere_tables as at

    rng = np.random.default_rng(1)
    arrays = {name: rng.random((h, w, 4), dtype=np.float32) for name, _, (w, h), _ in at.TABLES}
    path = tmp_path / "atmosphere.npz"
    at.save_npz(path, arrays)
    assert at._load_cached(path) is not None
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a crash or a full disk while writing
    assert at._load_cached(path) is None
    at.save_npz(path, arrays)  # the next run's save replaces it
    assert at._load_cached(path) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atmosphere.npz"]
