"""How big the preview draws: the window at the scene's aspect, and the internal size.

The internal size follows the time a frame takes (:class:`AdaptiveSize`): on
a slow machine (Mesa's llvmpipe on a few cores) it halves until frames are
interactive again.  No GL here.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUDGET_S = 0.100
# Never draw narrower than this (pixels) however slow the machine: below it the
# Earth's features are gone and the upscale is only blur.
MIN_INTERNAL_WIDTH = 160
DEFAULT_WINDOW = (640, 1280, 720)  # smallest default width, largest width, largest height


def default_window_size(out_w: int, out_h: int, width: int | None = None) -> tuple[int, int]:
    """A window at the scene's aspect: ``width`` if given, else the output size fitted
    between 640 and 1280 pixels wide and at most 720 high."""
    aspect = out_w / out_h
    if width is not None:
        return width, max(1, round(width / aspect))
    lo, hi_w, hi_h = DEFAULT_WINDOW
    w = min(max(out_w, lo), hi_w)
    h = round(w / aspect)
    if h > hi_h:
        h = hi_h
        w = round(h * aspect)
    return max(w, 1), max(h, 1)


def letterbox(fb_w: int, fb_h: int, aspect: float) -> tuple[int, int, int, int]:
    """Viewport ``(x, y, w, h)`` of the largest rectangle of ``aspect`` centred in the window."""
    if fb_w <= 0 or fb_h <= 0:
        return 0, 0, max(fb_w, 1), max(fb_h, 1)
    if fb_w / fb_h > aspect:
        h = fb_h
        w = max(1, round(h * aspect))
    else:
        w = fb_w
        h = max(1, round(w / aspect))
    return (fb_w - w) // 2, (fb_h - h) // 2, w, h


@dataclass
class AdaptiveSize:
    """Internal render size: the viewport divided by ``2**level``, the level set by frame time.

    Each drawn frame's time (GL work finished) feeds a running mean.  Above the
    budget the size halves (down to MIN_INTERNAL_WIDTH wide); when a frame at
    twice the size (four times the pixels) would take under half the budget it
    doubles again, so it does not flip back and forth.
    """

    budget_s: float = DEFAULT_BUDGET_S
    level: int = 0
    mean_s: float | None = None
    samples: int = 0

    def internal(self, viewport: tuple[int, int]) -> tuple[int, int]:
        """The internal size for a viewport of ``(w, h)`` pixels."""
        w, h = viewport
        scale = 0.5**self.level
        iw = max(round(w * scale), min(MIN_INTERNAL_WIDTH, w))
        ih = max(1, round(iw * h / w))
        return iw, ih

    def lowered(self, viewport: tuple[int, int]) -> bool:
        """Whether the frame is drawn smaller than the viewport."""
        return self.internal(viewport)[0] < viewport[0]

    def record(self, seconds: float, viewport: tuple[int, int]) -> bool:
        """Add one frame's time; True when the internal size should change."""
        self.mean_s = seconds if self.mean_s is None else 0.5 * (self.mean_s + seconds)
        self.samples += 1
        if self.samples < 3:
            return False
        if self.mean_s > self.budget_s and self.internal(viewport)[0] > MIN_INTERNAL_WIDTH:
            self.level += 1
        elif self.level > 0 and 4.0 * self.mean_s < 0.5 * self.budget_s:
            self.level -= 1
        else:
            return False
        self.mean_s, self.samples = None, 0
        return True
