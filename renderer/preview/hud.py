"""The preview's heads-up text: lines of text drawn by Pillow into an RGBA image.

The window uploads the image as a texture and draws it over the frame, top
left, one texel per window pixel.  Nothing here touches GL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_PX = 13
PAD_PX = 4
WHITE = (255, 255, 255, 255)
RED = (255, 90, 80, 255)
BACKDROP = (0, 0, 0, 170)


@cache
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=FONT_PX)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


@dataclass(frozen=True)
class HudLine:
    """One line of text and its colour (RGBA, 0-255)."""

    text: str
    color: tuple[int, int, int, int] = WHITE


def status_line(
    utc: datetime,
    frame: int,
    frame_count: int,
    altitude_km: float,
    fps: float | None,
    paused: bool,
    speed: float,
) -> str:
    """The heads-up line: UTC, frame, altitude and the rate frames are drawn at."""
    rate = "paused" if paused else f"{fps:4.1f} fps" if fps is not None else "-- fps"
    speed_text = "" if speed == 1.0 else f"  x{speed:g}"
    return (
        f"{utc:%Y-%m-%d %H:%M:%S} UTC   frame {frame}/{frame_count - 1}   "
        f"alt {altitude_km:.1f} km   {rate}{speed_text}"
    )


def resolution_line(
    internal: tuple[int, int], window: tuple[int, int], software: bool, lowered: bool
) -> str:
    """Where the frame is drawn: its internal size, and why it is smaller than the window."""
    kind = "software GL" if software else "GPU"
    note = f", lowered from {window[0]}x{window[1]} to stay interactive" if lowered else ""
    return f"internal {internal[0]}x{internal[1]} ({kind}{note})"


def wrap(text: str, max_px: int) -> list[str]:
    """Break ``text`` so that each piece is at most ``max_px`` wide: at spaces where it
    can, inside a word (a long file path) where it must."""
    font = _font()
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if font.getlength(trial) <= max_px:
            current = trial
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if current and font.getlength(current + ch) > max_px:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines


def render_lines(lines: list[HudLine], max_width_px: int) -> np.ndarray:
    """The lines on a translucent dark backdrop: (H, W, 4) uint8 RGBA, top row first.

    Lines wider than ``max_width_px`` are wrapped.  Alpha is straight (not
    premultiplied): the window blends with SRC_ALPHA, ONE_MINUS_SRC_ALPHA.
    """
    font = _font()
    inner = max(max_width_px - 2 * PAD_PX, 8)
    pieces = [(piece, line.color) for line in lines for piece in wrap(line.text, inner)]
    if not pieces:
        return np.zeros((0, 0, 4), np.uint8)
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (FONT_PX, 3)
    line_h = ascent + descent + 1
    width = min(int(max(font.getlength(p) for p, _ in pieces)) + 2 * PAD_PX + 1, max_width_px)
    height = line_h * len(pieces) + 2 * PAD_PX
    image = Image.new("RGBA", (max(width, 1), height), BACKDROP)
    draw = ImageDraw.Draw(image)
    for i, (piece, color) in enumerate(pieces):
        draw.text((PAD_PX, PAD_PX + i * line_h), piece, font=font, fill=color)
    return np.asarray(image, dtype=np.uint8)
