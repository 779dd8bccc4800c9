"""What the writer may touch: only what it made, never through a name someone planted.

Real files, folders and symlinks; real ffmpeg.  A full disk is made real with
RLIMIT_FSIZE (writes fail with EFBIG, as on a full disk), a folder that cannot be
written is /sys (its mkdir fails with EPERM even for root).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from renderer.output.files import (
    MARKER,
    WORK_PREFIX,
    TargetRefused,
    make_work_folder,
    remove_stale_work,
)
from renderer.output.frames import write_png
from renderer.output.writer import OutputExistsError, VideoWriter

W, H = 64, 48
REPO = Path(__file__).resolve().parents[2]


def frame(k: int = 0) -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    img[:, :, 0] = 10 * k
    return img


def clip(path: Path, codec: str, frames: int = 2, **kw) -> None:
    with VideoWriter(path, W, H, 30, codec, 18, **kw) as w:
        for k in range(frames):
            w.write(frame(k))


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_png_folder_with_foreign_files_is_never_replaced(tmp_path):
    target = tmp_path / "important"
    target.mkdir()
    (target / "important.txt").write_text("keep me")
    (target / "frame_000000.png").write_bytes(b"not ours either, but named like it")
    with pytest.raises(TargetRefused, match="did not write") as caught:
        clip(target, "png", force=True)
    assert caught.value.exit_status == 2
    assert (target / "important.txt").read_text() == "keep me"
    assert listing(tmp_path) == ["important"]


def test_png_folder_holding_a_symlink_is_never_replaced(tmp_path):
    target = tmp_path / "frames"
    clip(target, "png")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    (target / "frame_000009.png").symlink_to(outside)
    with pytest.raises(TargetRefused):
        clip(target, "png", force=True)
    assert outside.read_text() == "x"


def test_video_over_a_folder_is_refused_even_with_force(tmp_path):
    target = tmp_path / "out.mp4"
    target.mkdir()
    with pytest.raises(TargetRefused, match="is a folder"):
        clip(target, "h264", force=True)
    assert target.is_dir()


def test_ffmpeg_never_writes_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    # Every name the old scheme could have used, for the next few PIDs.
    for pid in range(os.getpid(), os.getpid() + 50):
        for serial in range(3):
            (tmp_path / f".out.part-{pid}-{serial}.mp4").symlink_to(victim)
    clip(tmp_path / "out.mp4", "h264")
    assert victim.read_text() == "precious"
    assert (tmp_path / "out.mp4").stat().st_size > 0


def test_work_folders_are_private_and_unique(tmp_path):
    a, b = make_work_folder(tmp_path / "x.mp4"), make_work_folder(tmp_path / "x.mp4")
    try:
        assert a.path != b.path
        assert a.path.name.startswith(WORK_PREFIX)
        assert a.path.stat().st_mode & 0o777 == 0o700
        assert (a.path / MARKER).read_text().split("\n")[1] == str(os.getpid())
    finally:
        a.discard()
        b.discard()
    assert listing(tmp_path) == []


def test_names_with_colon_and_percent_are_written(tmp_path):
    clip(tmp_path / "a:b.mp4", "h264")
    assert (tmp_path / "a:b.mp4").stat().st_size > 0
    odd = tmp_path / "100%d"
    odd.mkdir()
    clip(odd / "frames%03d", "png")
    assert listing(odd / "frames%03d") == ["frame_000000.png", "frame_000001.png"]
    assert listing(tmp_path) == ["100%d", "a:b.mp4"]


def test_a_long_legal_name_works(tmp_path):
    name = "n" * 248 + ".mp4"  # 252 characters, the most many file systems allow is 255
    clip(tmp_path / name, "h264")
    assert listing(tmp_path) == [name]


def test_still_refuses_a_dangling_symlink_without_force(tmp_path):
    target = tmp_path / "s.png"
    target.symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(OutputExistsError):
        write_png(frame(), target)
    assert target.is_symlink() and not (tmp_path / "nowhere.png").exists()


def test_still_never_writes_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".s.png.part.png").symlink_to(victim)
    write_png(frame(), tmp_path / "s.png")
    assert victim.read_text() == "precious"
    assert not (tmp_path / "s.png").is_symlink()
    assert listing(tmp_path) == [".s.png.part.png", "s.png", "victim.txt"]


def test_still_with_force_replaces_a_symlink_not_its_target(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "s.png"
    target.symlink_to(victim)
    write_png(frame(), target, force=True)
    assert victim.read_text() == "precious"
    assert not target.is_symlink()


def test_still_into_a_folder_or_an_unwritable_folder_is_refused(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(TargetRefused, match="is a folder"):
        write_png(frame(), tmp_path / "dir.png", force=True)
    with pytest.raises(TargetRefused, match="cannot write") as caught:
        write_png(frame(), Path("/sys/orbitlapse-test.png"))
    assert caught.value.exit_status == 2


def test_two_stills_to_one_name_at_once(tmp_path):
    # Each run has its own work folder: no collision, the last one wins, nothing is left.
    script = textwrap.dedent(f"""
        import numpy as np, sys
        from pathlib import Path
        from renderer.output.frames import write_png
        img = np.zeros((48, 64, 3), np.uint8)
        for _ in range(20):
            write_png(img, Path({str(tmp_path / "s.png")!r}), force=True)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert listing(tmp_path) == ["s.png"]


def _fsize_limit(limit: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_full_disk_still_is_one_line_and_leaves_nothing(tmp_path):
    script = textwrap.dedent(f"""
        import numpy as np
        from pathlib import Path
        from renderer.cli import main
        from renderer.errors import OrbitlapseError
        from renderer.output.frames import write_png
        rng = np.random.default_rng(0)
        img = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)  # incompressible
        try:
            write_png(img, Path({str(tmp_path / "s.png")!r}))
        except OrbitlapseError as exc:
            print(exc.exit_status, exc)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_fsize_limit(64 * 1024),
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("1 cannot write"), done.stdout
    assert "too large" in done.stdout  # EFBIG, as the kernel words it
    assert listing(tmp_path) == []


def test_stale_work_folders_are_removed_only_when_ours_and_orphaned(tmp_path):
    # A real orphan: a process that made a work folder and was SIGKILLed.
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from renderer.output.files import make_work_folder
        w = make_work_folder(Path({str(tmp_path / "out.mp4")!r}))
        w.video_path().write_bytes(b"partial video")
        print(w.path, flush=True)
        time.sleep(60)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True
    )
    orphan = Path(proc.stdout.readline().strip())
    assert orphan.is_dir()
    assert remove_stale_work(tmp_path) == []  # its owner is alive
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    # Look-alikes that are not ours: no marker, a foreign file inside, a symlink.
    no_marker = tmp_path / f"{WORK_PREFIX}nomarker"
    no_marker.mkdir()
    (no_marker / "video.mp4").write_bytes(b"x")
    foreign = make_work_folder(tmp_path / "out.mp4").path
    (foreign / MARKER).write_text("orbitlapse work folder\n999999999\n\n")
    (foreign / "notes.txt").write_text("someone's")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text("orbitlapse work folder\n999999999\n\n")
    (tmp_path / f"{WORK_PREFIX}link").symlink_to(elsewhere)

    assert remove_stale_work(tmp_path) == [orphan]
    assert not orphan.exists()
    assert (no_marker / "video.mp4").exists()
    assert (foreign / "notes.txt").exists()
    assert (elsewhere / MARKER).exists()
