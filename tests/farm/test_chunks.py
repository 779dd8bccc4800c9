"""Frame ranges and resumable chunks through the command line, on real GL and ffmpeg.

A frame depends only on the scene and its number, so ranges joined, chunks of any size
and a resumed render all decode to the frames of one run (PNG: exactly).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

from tests.cli.conftest import SCENES, default_signals, orbitlapse_command, run
from tests.video_probe import decode_frames, probe_video

NOISY = "\n[camera.noise]\nseed = 7\n"


def tiny_scene(folder: Path, *, codec: str = "png", extra: str = NOISY, name: str = "s") -> Path:
    """quick.toml at 64x36, 20 frames, with seeded sensor noise (differs every frame)."""
    text = (SCENES / "quick.toml").read_text()
    text = text.replace('path = "quick.mp4"', f'path = "{name}{"" if codec == "png" else ".mp4"}"')
    text = text.replace("width = 320", "width = 64").replace("height = 180", "height = 36")
    text = text.replace('codec = "h264"', f'codec = "{codec}"')
    scene = folder / f"{name}.toml"
    scene.write_text(text + extra)
    return scene


def test_frame_ranges_joined_equal_one_run_and_any_chunking(tmp_path):
    scene = tiny_scene(tmp_path)
    one = run("render", str(scene), "-o", str(tmp_path / "one"), "--chunk-frames", "100")
    assert one.returncode == 0, one.stderr
    for a, b in ((0, 7), (7, 13), (13, 20)):
        done = run("render", str(scene), "--frames", f"{a}:{b}", "-o", str(tmp_path / f"p{a}"))
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in (tmp_path / f"p{a}").iterdir())[0] == f"frame_{a:06d}.png"
    joined = run("join", str(tmp_path / "p13"), str(tmp_path / "p0"), str(tmp_path / "p7"),
                 "-o", str(tmp_path / "joined"))  # fmt: skip
    assert joined.returncode == 0, joined.stderr
    small = run("render", str(scene), "-o", str(tmp_path / "small"), "--chunk-frames", "3")
    assert small.returncode == 0, small.stderr

    reference = decode_frames(tmp_path / "one")
    assert reference.shape == (20, 36, 64, 3)
    assert len({hashlib.sha1(f.tobytes()).hexdigest() for f in reference}) == 20
    assert np.array_equal(decode_frames(tmp_path / "joined"), reference)
    assert np.array_equal(decode_frames(tmp_path / "small"), reference)
    # No chunk folder is left behind after a successful join.
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".chunks")]


def test_bad_frame_ranges_are_one_line(tmp_path):
    scene = tiny_scene(tmp_path)
    for text in ("5", "a:b", "10:5", "0:21", "-1:3"):
        done = run("render", str(scene), "--frames", text, "-o", str(tmp_path / "x"))
        assert done.returncode == 2, (text, done.stderr)
        assert done.stderr.count("\n") == 1 and "--frames" in done.stderr
        assert "Traceback" not in done.stderr


def _chunk_files(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Complete chunks (not temporary names): inode, mtime and a hash of the bytes."""
    if not folder.is_dir():
        return {}
    found = {}
    for p in folder.iterdir():
        if p.name.startswith(".") or not p.is_file():
            continue
        st = p.stat()
        found[p.name] = (st.st_ino, st.st_mtime_ns, hashlib.sha1(p.read_bytes()).hexdigest())
    return found


def test_interrupted_render_resumes_from_its_chunks_and_a_changed_scene_reuses_none(tmp_path):
    scene = tiny_scene(tmp_path, codec="h264")
    out = tmp_path / "s.mp4"
    folder = tmp_path / ".s.mp4.chunks"
    args = [str(scene), "-o", str(out), "--chunk-frames", "2", "--keep-chunks"]
    proc = subprocess.Popen(
        [*orbitlapse_command(), "render", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 120
    while len(_chunk_files(folder)) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunks appeared"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    kept = _chunk_files(folder)
    assert 3 <= len(kept) < 10, err
    assert not out.exists()
    assert f"{len(kept)} of 10 chunks kept" in err

    again = run("render", *args)
    assert again.returncode == 0, again.stderr
    assert f"reusing {len(kept)} of 10 chunks" in again.stderr
    after = _chunk_files(folder)
    assert {name: after[name] for name in kept} == kept  # the same files, untouched
    info = probe_video(out)
    assert (info["frames"], info["frame_rate"]) == (20, 10)
    first_run = decode_frames(out)

    # Another field of view is another picture: nothing may be reused.
    text = scene.read_text().replace("fov_deg = 60", "fov_deg = 61")
    assert text != scene.read_text()
    scene.write_text(text)
    changed = run("render", *args, "--force")
    assert changed.returncode == 0, changed.stderr
    assert "reusing" not in changed.stderr
    assert len(_chunk_files(folder)) == 20  # ten old chunks beside ten new ones
    assert not np.array_equal(decode_frames(out), first_run)


def test_failure_before_any_chunk_leaves_no_folder(tmp_path):
    scene = tiny_scene(tmp_path, codec="h264")
    (tmp_path / "s.mp4").write_bytes(b"old")
    done = run("render", str(scene), "-o", str(tmp_path / "s.mp4"))
    assert done.returncode == 2 and "--force" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.mp4", "s.toml"]


def test_join_refuses_mismatched_parts_from_the_command_line(tmp_path):
    scene = tiny_scene(tmp_path, codec="h264")
    for a, b in ((0, 5), (6, 9)):
        done = run("render", str(scene), "--frames", f"{a}:{b}", "-o", str(tmp_path / f"{a}.mp4"))
        assert done.returncode == 0, done.stderr
    done = run("join", str(tmp_path / "0.mp4"), str(tmp_path / "6.mp4"), "-o",
               str(tmp_path / "j.mp4"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "frames 5:6 are missing" in done.stderr
    assert not (tmp_path / "j.mp4").exists()


def test_the_chunk_folder_is_never_a_planted_symlink_and_keeps_foreign_files(tmp_path):
    scene = tiny_scene(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "important.txt").write_text("keep me")
    # A chunk folder planted as a symlink: refused, nothing written or deleted there.
    (tmp_path / ".planted.chunks").symlink_to(elsewhere)
    done = run("render", str(scene), "-o", str(tmp_path / "planted"), "--chunk-frames", "10")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "not using it" in done.stderr.strip().splitlines()[-1]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["important.txt"]
    assert not (tmp_path / "planted").exists()
    # A real chunk folder holding a file of someone else's: the render completes, its own
    # chunks go, the foreign file and so the folder stay.
    own = tmp_path / ".kept.chunks"
    own.mkdir()
    (own / "notes.txt").write_text("mine")
    done = run("render", str(scene), "-o", str(tmp_path / "kept"), "--chunk-frames", "10")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in own.iterdir()) == ["notes.txt"]
    assert len(list((tmp_path / "kept").iterdir())) == 20
