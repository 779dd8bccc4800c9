"""The flagship's launch events on the video's clock, as ``orbitlapse check`` lists them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from renderer.events import launch_events
from renderer.scene import load_scene
from tests.cli.conftest import SCENES


def test_flagship_events_fall_where_the_footage_has_them():
    events = {e.name: e for e in launch_events(load_scene(SCENES / "progress-ms10.toml"))}
    # hand calculation: (T - 20 s) / 14 for a start at T+20 s and 14x speed
    assert events["lift-off"].video_s == pytest.approx(-20.0 / 14.0, abs=1e-6)
    assert events["lift-off"].view == "outside the video"
    assert events["boosters separation"].video_s == pytest.approx(7.0, abs=1e-6)
    assert events["core stage separation"].video_s == pytest.approx(19.0, abs=1e-6)
    assert events["cut-off"].video_s == pytest.approx(505.0 / 14.0, abs=1e-6)
    for name in ("boosters separation", "core stage separation", "cut-off"):
        assert events[name].view.startswith("in view"), (name, events[name].view)


def test_check_prints_the_event_timeline():
    out = subprocess.run(
        [sys.executable, "-m", "renderer", "check", str(SCENES / "progress-ms10.toml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = {
        ln.split("T+")[0].split(":", 1)[1].strip(): ln for ln in out.splitlines() if "T+" in ln
    }
    assert "video   7.00 s  in view" in lines["boosters separation"]
    assert "video  19.00 s  in view" in lines["core stage separation"]
    assert "video  36.07 s  in view" in lines["cut-off"]
