"""Run the command as a user does: a separate process, its exit status and its output."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENES = REPO / "scenes"


def default_signals() -> None:
    """``preexec_fn`` for a child the test signals: a suite started with `&` or nohup runs
    with SIGINT (or SIGHUP) ignored, and the child would inherit that."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def orbitlapse_command() -> list[str]:
    """The installed console script (beside this Python, or on PATH), else ``-m renderer``."""
    beside = Path(sys.executable).with_name("orbitlapse")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("orbitlapse")
    return [found] if found else [sys.executable, "-m", "renderer"]


def run(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(
        [*orbitlapse_command(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture
def cli():
    return run
