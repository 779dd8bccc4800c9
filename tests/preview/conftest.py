"""A real X server (Xvfb) and a real preview window, driven as a user or a script would.

``xserver`` starts Xvfb once per session on a display number it picks itself
(``-displayfd``), and stops it at the end.  ``preview`` starts
``orbitlapse preview SCENE --control -`` as a separate process on that display:
the test sends command lines on its standard input (the same commands the keys
send) and reads the JSON answers from its standard output; ``xdotool`` sends
real X key and mouse events; ``grab()`` takes a screenshot of the window from
the X server itself.

Without Xvfb these tests skip, saying so, unless ORBITLAPSE_REQUIRE_XVFB is set
(``.ci/run`` sets it after installing Xvfb): then a missing X server fails them.
"""

from __future__ import annotations

import json
import os
import queue
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import orbitlapse_command

REPO = Path(__file__).resolve().parents[2]
SCENES = REPO / "scenes"
SCREEN = "1024x768x24"
# Generous: two shared cores, llvmpipe, and a Python start-up that loads skyfield.
START_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 90.0


def _unavailable(reason: str) -> None:
    if os.environ.get("ORBITLAPSE_REQUIRE_XVFB"):
        pytest.fail(f"{reason}, and ORBITLAPSE_REQUIRE_XVFB is set")
    pytest.skip(f"{reason}; install it (apt-get install xvfb xdotool) to run the preview tests")


@dataclass
class XServer:
    display: str
    process: subprocess.Popen


@pytest.fixture(scope="session")
def xserver() -> Iterator[XServer]:
    """Xvfb on a free display, for the whole session."""
    exe = shutil.which("Xvfb")
    if exe is None:
        _unavailable("Xvfb is not installed")
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the server stops)
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    os.close(write_fd)
    # Xvfb writes the display number and a newline, perhaps in two writes; the read
    # end stays open until the server is stopped (Xvfb dies if its write fails).
    text = b""
    deadline = time.monotonic() + 60.0
    while not text.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read_fd], [], [], 1.0)
        if ready:
            chunk = os.read(read_fd, 32)
            if not chunk:
                break
            text += chunk
    number = text.decode().strip()

    def give_up(why: str) -> None:
        os.close(read_fd)
        proc.kill()
        proc.wait()
        log.seek(0)
        tail = log.read().decode(errors="replace").strip().splitlines()[-3:]
        _unavailable(f"{why} (status {proc.returncode}): {' / '.join(tail) or 'no output'}")

    if not number:
        give_up("Xvfb did not start")
    display = f":{number}"
    # The number is written before the server has finished starting: wait until a
    # client (Pillow's XCB screen grab) gets through.
    deadline = time.monotonic() + 60.0
    while not _accepts_clients(display):
        if time.monotonic() > deadline or proc.poll() is not None:
            give_up(f"Xvfb on {display} does not accept clients")
        time.sleep(0.1)
    try:
        yield XServer(display, proc)
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _accepts_clients(display: str) -> bool:
    from PIL import ImageGrab

    try:
        ImageGrab.grab(bbox=(0, 0, 1, 1), xdisplay=display)
    except OSError:
        return False
    return True


class PreviewProcess:
    """One ``orbitlapse preview`` process and the means to drive and watch it."""

    def __init__(self, display: str, scene: Path, args: tuple[str, ...], cwd: Path) -> None:
        self.display = display
        self.scene = scene
        self.cwd = cwd
        env = dict(os.environ, DISPLAY=display, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [*orbitlapse_command(), "preview", str(scene), "--control", "-", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=env,
        )
        self.replies: queue.Queue[dict] = queue.Queue()
        self.printed: list[str] = []  # standard output that is not an answer (P's TOML)
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("@"):
                self.replies.put(json.loads(line[1:]))
            else:
                self.printed.append(line)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _died(self, doing: str) -> AssertionError:
        return AssertionError(
            f"preview exited (status {self.proc.poll()}) while {doing}; "
            f"stderr:\n{''.join(self.stderr)[-3000:]}"
        )

    def send(self, line: str) -> None:
        if not self.alive():
            raise self._died(f"sending {line!r}")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def request(self, line: str, timeout: float = REPLY_TIMEOUT_S) -> dict:
        """Send a command and wait for its answer (answers come in order)."""
        self.send(line)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.replies.get(timeout=0.5)
            except queue.Empty:
                if not self.alive():
                    raise self._died(f"waiting for the answer to {line!r}") from None
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"no answer to {line!r} in {timeout:.0f} s; "
                        f"stderr:\n{''.join(self.stderr)[-3000:]}"
                    ) from None
                continue
            assert reply["command"] == line, f"answer to {reply['command']!r}, not {line!r}"
            assert reply["ok"], f"{line!r} failed: {reply.get('error')}"
            return reply

    def status(self) -> dict:
        return self.request("status")["status"]

    def sync(self) -> dict:
        """Status once the window shows the effect of every command sent before."""
        return self.request("sync")["status"]

    def wait_for(
        self, predicate: Callable[[dict], bool], what: str, timeout: float = REPLY_TIMEOUT_S
    ) -> dict:
        """Poll the status until ``predicate`` holds (key events arrive asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.sync()
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; last status: {status}; "
                    f"stderr:\n{''.join(self.stderr)[-2000:]}"
                )
            time.sleep(0.2)

    def grab(self) -> np.ndarray:
        """The window's pixels as the X server holds them: (H, W, 3) uint8, top row first."""
        from PIL import ImageGrab

        status = self.sync()
        x, y = status["window_pos"]
        w, h = status["framebuffer"]
        image = ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=self.display)
        return np.asarray(image.convert("RGB"))

    def screenshot(self, path: Path) -> np.ndarray:
        """The window's framebuffer as the preview reads it back after drawing."""
        from PIL import Image

        self.request(f"screenshot {path}")
        return np.asarray(Image.open(path).convert("RGB"))

    def xdotool(self, *args: str) -> None:
        subprocess.run(
            ["xdotool", *args],
            check=True,
            timeout=30,
            env=dict(os.environ, DISPLAY=self.display),
            capture_output=True,
        )

    def close(self) -> None:
        """Quit through the control channel; kill if it does not go."""
        if self.alive():
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=20)


@pytest.fixture
def preview(xserver, tmp_path) -> Iterator[Callable[..., PreviewProcess]]:
    """Start a preview: ``preview(scene_path, *args)``; every one is stopped at teardown."""
    started: list[PreviewProcess] = []

    def start(scene: Path, *args: str) -> PreviewProcess:
        if "--frame-budget" not in args:
            # Never lower the resolution unasked: the tests compare pixels between
            # screenshots, and how slow a shared CI machine is must not change them.
            args = (*args, "--frame-budget", "1e6")
        p = PreviewProcess(xserver.display, scene, args, tmp_path)
        started.append(p)
        p.request("status", timeout=START_TIMEOUT_S)  # the window is open and drawn
        return p

    yield start
    for p in started:
        p.close()


@pytest.fixture
def xdotool_available() -> None:
    if shutil.which("xdotool") is None:
        _unavailable("xdotool is not installed")
