"""The preview's controls: which key does what, and the command line it sends.

One table, listed by ``orbitlapse preview --help`` and the README, and read by
the window to dispatch keys.  Kept free of heavy imports: the command-line
parser imports it to print the help.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    """One control: the keys a user presses, the command it sends, what it does."""

    keys: str
    command: str
    does: str


BINDINGS: tuple[Binding, ...] = (
    Binding("space", "pause", "pause / play"),
    Binding("left, right", "step -1 | step 1", "one frame back / forward (pauses)"),
    Binding("shift+left, shift+right", "seek -1 | seek 1", "one second back / forward"),
    Binding("[, ]", "slower | faster", "playback speed halved / doubled (1/8x to 8x)"),
    Binding("mouse drag", "drag DX DY", "turn the look (azimuth, elevation) with the pointer"),
    Binding("mouse wheel", "zoom CLICKS", "field of view: up narrows, down widens"),
    Binding("r", "reset", "back to the scene file's look and field of view, speed 1x"),
    Binding("s", "still", "save this frame as PNG at the output size, as `still` would"),
    Binding("p", "print", "print the current look as TOML lines for the scene file"),
    Binding("k", "keyframe", "print the current look as a [[camera.keyframe]] at this time"),
    Binding("h", "hud", "show / hide the heads-up line: UTC, frame, altitude, fps, size"),
    Binding("q, escape", "quit", "close the window"),
)

# Printable keys are read as characters, so the user's keyboard layout applies.
CHAR_COMMANDS = {
    " ": "pause",
    "[": "slower",
    "]": "faster",
    "r": "reset",
    "s": "still",
    "p": "print",
    "k": "keyframe",
    "h": "hud",
    "q": "quit",
}


def controls_help() -> str:
    """The controls as aligned text lines, for ``orbitlapse preview --help``."""
    width = max(len(b.keys) for b in BINDINGS)
    return "\n".join(f"  {b.keys:<{width}}  {b.does}" for b in BINDINGS)
