"""Where the preview's input comes from besides the window: the scene file and a
control channel.

:class:`SceneWatch` polls the scene file for a completed change (hot reload);
:class:`ControlChannel` reads command lines from standard input or a FIFO on a
thread (the hidden ``--control`` option).  No GL here.
"""

from __future__ import annotations

import os
import queue
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RELOAD_POLL_S = 0.25


@dataclass
class SceneWatch:
    """Notices when the scene file changes and has stopped changing."""

    path: Path
    signature: tuple[int, int, int] | None = None
    candidate: tuple[int, int, int] | None = None
    pending: bool = False
    next_poll: float = 0.0

    def __post_init__(self) -> None:
        self.signature = self._stat()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None  # gone (an editor between writes, perhaps): a change like any other
        return st.st_mtime_ns, st.st_size, st.st_ino

    def poll(self, now: float) -> bool:
        """True once per completed change (the same new signature on two polls in a row)."""
        if now < self.next_poll:
            return False
        self.next_poll = now + RELOAD_POLL_S
        sig = self._stat()
        if sig == self.signature:
            self.pending = False
            return False
        if not self.pending or sig != self.candidate:
            self.pending, self.candidate = True, sig  # still being written? look again
            return False
        self.signature, self.pending = sig, False
        return True


class ControlChannel:
    """Command lines from standard input (``-``) or a FIFO, read by a thread into a queue."""

    def __init__(self, spec: str, wake: Callable[[], None]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.spec = spec
        self.wake = wake
        self.thread = threading.Thread(target=self._run, name="orbitlapse-control", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                stream = sys.stdin if self.spec == "-" else open(self.spec, encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                print(
                    f"orbitlapse: preview: --control {self.spec}: {exc.strerror}", file=sys.stderr
                )
                return
            for line in stream:
                if line.strip():
                    self.queue.put(line.strip())
                    self.wake()
            if self.spec == "-" or not stat.S_ISFIFO(os.stat(self.spec).st_mode):
                return  # standard input or a plain file: read once
            stream.close()  # a FIFO's writer closed: wait for the next one

    def drain(self) -> list[str]:
        """The lines received since the last call."""
        lines = []
        while True:
            try:
                lines.append(self.queue.get_nowait())
            except queue.Empty:
                return lines
