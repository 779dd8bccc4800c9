"""``orbitlapse preview`` as a user runs it, where no window can open: one line, a status."""

from __future__ import annotations

import os
import subprocess

from tests.cli.conftest import orbitlapse_command
from tests.preview.conftest import SCENES


def run_without_display(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [*orbitlapse_command(), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def test_no_display_is_one_line_and_status_1():
    result = run_without_display("preview", str(SCENES / "quick.toml"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "DISPLAY" in lines[0] and lines[0].startswith("orbitlapse: preview needs a display")


def test_bad_scene_is_refused_before_any_window(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENES / "quick.toml").read_text().replace("fov_deg = 60", "fov_deg = 0"))
    result = run_without_display("preview", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "camera.fov_deg" in lines[0] and "Traceback" not in lines[0]


def test_help_lists_the_controls():
    result = run_without_display("preview", "--help")
    assert result.returncode == 0
    for key in ("space", "shift+left", "[, ]", "mouse drag", "mouse wheel"):
        assert key in result.stdout


def test_unreachable_display_is_one_line_and_status_1():
    env = dict(os.environ, DISPLAY=":4242")
    result = subprocess.run(
        [*orbitlapse_command(), "preview", str(SCENES / "quick.toml")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr and "GLFW" in lines[0]
