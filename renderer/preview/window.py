"""``orbitlapse preview``: play, scrub and steer a scene in a window; reload it on save.

The window draws each frame with the very passes ``render`` uses (a
:class:`~renderer.passes.compositor.Compositor`, the same timeline and motion
blur sub-frames) and shows the finished 8-bit frame (``Compositor.ldr``)
through ``shaders/present.glsl``.  Playing advances frames at the video's own
rate by the wall clock; which frame is drawn, and what it looks like, depends
only on the scene, the frame index and the look the user steered to.

Around that loop:

* **Controls** (``renderer/preview/controls.py``): each key, drag and wheel
  click becomes a command line (``step 1``, ``drag -12 4``); a hidden
  ``--control`` channel (standard input or a FIFO) feeds the same lines, plus
  ``status``, ``sync`` and ``screenshot PATH`` whose answers are written to
  standard output as one line each, ``@`` followed by JSON.
* **Hot reload**: the scene file is polled; a change, once the file has stopped
  changing, is re-validated and re-built.  A bad edit shows its error on the
  window and on standard error, and the last good scene stays.
* **Adaptive resolution** (``renderer/preview/size.py``): when drawing a frame
  takes longer than the budget (100 ms; llvmpipe on a few cores), the internal
  size is halved (to a floor) and the frame upscaled; the heads-up line says so.

The scene file's watcher and the control channel are ``renderer/preview/inputs.py``;
the heads-up text is drawn by ``renderer/preview/hud.py``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import deque
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import glfw
import numpy as np

from renderer.astro import geodesy
from renderer.errors import OrbitlapseError, RenderError
from renderer.frame_state import FrameState, View
from renderer.gl.context import (
    bind_default_framebuffer,
    check_gl_error,
    create_window_context,
    gl_info,
)
from renderer.output.frames import render_still, write_png
from renderer.passes.compositor import Compositor
from renderer.preview.controls import (
    SPEEDS,
    LookEdit,
    Playback,
    azel_of,
    keyframe_toml,
    look_at,
    look_toml,
)
from renderer.preview.hud import RED, HudLine, render_lines, resolution_line, status_line
from renderer.preview.inputs import RELOAD_POLL_S, ControlChannel, SceneWatch
from renderer.preview.keys import CHAR_COMMANDS
from renderer.preview.present import Presenter
from renderer.preview.size import DEFAULT_BUDGET_S, AdaptiveSize, default_window_size, letterbox
from renderer.scene import GroundTarget, LaunchTarget, Scene, load_scene
from renderer.timeline import build_timeline, subframe_sim_seconds

# After a wheel zoom or a window resize, the frame's buffers are re-sized to the new
# size or field of view once the input has rested this long.
SETTLE_S = 0.3
NOTE_S = 3.0
TITLE_EVERY_S = 0.5


@dataclass
class _Reply:
    command: str
    extra: dict[str, Any] = field(default_factory=dict)
    screenshot: Path | None = None


class Preview:
    """The preview window and its loop; :meth:`run` returns the exit status."""

    def __init__(
        self,
        path: Path,
        scene: Scene,
        *,
        width: int | None = None,
        paused: bool = False,
        control: str | None = None,
        budget_s: float = DEFAULT_BUDGET_S,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        self.path = Path(path)
        self.scene = scene
        self.out, self.err = out, err
        self.width_option = width
        self.control_spec = control
        self.playback = Playback(scene.output.frame_count, scene.output.fps, paused=paused)
        self.look = LookEdit()
        self.adaptive = AdaptiveSize(budget_s)
        self.watch = SceneWatch(self.path)
        self.hud_on = True
        self.error: str | None = None
        self.note: tuple[str, float] | None = None
        self.reloads = 0
        self.rendered = 0
        self.presented = 0
        self.quit = False
        self.commands: deque[str] = deque()
        self.replies: list[_Reply] = []
        self.render_times: deque[float] = deque(maxlen=32)
        self.shown_frame = -1
        self.state: FrameState | None = None
        self.dirty = True
        self.needs_present = True
        self.resize_at: float | None = None
        self.dragging: tuple[float, float] | None = None
        self.next_title = 0.0
        self.comp: Compositor | None = None
        self.comp_view: View | None = None
        self.skip_timing = True

    # ----------------------------------------------------------------- set-up

    def run(self) -> int:
        """Open the window and play until it is closed."""
        out = self.scene.output
        w, h = default_window_size(out.width, out.height, self.width_option)
        self.window, self.ctx = create_window_context(w, h, self._title())
        try:
            return self._run()
        finally:
            self._release()
            glfw.terminate()

    def _run(self) -> int:
        win = self.window
        self.software = gl_info(self.ctx).software
        glfw.swap_interval(1)
        out = self.scene.output
        glfw.set_window_aspect_ratio(win, out.width, out.height)
        glfw.set_char_callback(win, self._on_char)
        glfw.set_key_callback(win, self._on_key)
        glfw.set_mouse_button_callback(win, self._on_button)
        glfw.set_cursor_pos_callback(win, self._on_cursor)
        glfw.set_scroll_callback(win, self._on_scroll)
        glfw.set_framebuffer_size_callback(win, self._on_resize)
        glfw.set_window_refresh_callback(win, self._on_refresh)
        self.presenter = Presenter(self.ctx)
        self.control = (
            ControlChannel(self.control_spec, glfw.post_empty_event) if self.control_spec else None
        )
        self._build(self.scene)
        self._render()
        self._present()
        last = time.monotonic()
        while not self.quit and not glfw.window_should_close(win):
            timeout = self._idle_timeout()
            if timeout <= 0.0:
                glfw.poll_events()
            else:
                glfw.wait_events_timeout(timeout)
            if self.control is not None:
                self.commands.extend(self.control.drain())
            # In order, up to the first that waits for the window (sync, screenshot):
            # the commands after it see the window as that one left it.
            while self.commands and not self.replies:
                self._handle(self.commands.popleft())
            now = time.monotonic()
            self.playback.advance(now - last)
            last = now
            if self.watch.poll(now):
                self._reload()
            if self.resize_at is not None and now >= self.resize_at:
                self._resize()
            if self.dirty or self.playback.frame != self.shown_frame:
                self._render()
            if self.note is not None and now > self.note[1]:
                self.note = None
                self.needs_present = True
            if self.needs_present or self.replies:
                self._present()
            if now >= self.next_title:
                glfw.set_window_title(win, self._title())
                self.next_title = now + TITLE_EVERY_S
        for reply in self.replies:
            self._reply(reply.command, reply.extra)
        return 0

    def _idle_timeout(self) -> float:
        """How long the loop may sleep in wait_events: until the next frame is due."""
        if self.commands or self.dirty or self.needs_present or self.replies:
            return 0.0
        timeout = RELOAD_POLL_S
        if not self.playback.paused:
            pb = self.playback
            frames_left = math.floor(pb.position) + 1.0 - pb.position
            timeout = min(timeout, frames_left / (pb.fps * pb.speed))
        if self.resize_at is not None:
            timeout = min(timeout, self.resize_at - time.monotonic())
        if self.note is not None:
            timeout = min(timeout, self.note[1] - time.monotonic())
        return max(timeout, 0.001)

    def _release(self) -> None:
        bind_default_framebuffer(self.ctx)
        if self.comp is not None:
            self.comp.release()
        if hasattr(self, "presenter"):
            self.presenter.release()

    # ------------------------------------------------------- window geometry

    def _viewport(self) -> tuple[int, int, int, int]:
        fb_w, fb_h = glfw.get_framebuffer_size(self.window)
        out = self.scene.output
        return letterbox(fb_w, fb_h, out.width / out.height)

    def _wanted_view(self) -> View:
        _, _, vw, vh = self._viewport()
        iw, ih = self.adaptive.internal((vw, vh))
        return View(iw, ih, self.look.apply(self.scene).camera.fov_deg)

    def _build(self, scene: Scene) -> None:
        """(Re)build the compositor for ``scene`` at the wanted internal size."""
        view = self._wanted_view()
        comp = Compositor(self.ctx, self.look.apply(scene), view)
        if self.comp is not None:
            bind_default_framebuffer(self.ctx)
            self.comp.release()
        self.comp, self.comp_view = comp, view
        self.resize_at = None
        self.dirty = True
        self.skip_timing = True  # the first frame pays for shader and texture warm-up

    def _resize(self) -> None:
        """Re-size the compositor to the wanted internal size and field of view.

        Only the view's buffers are rebuilt (Compositor.resize), not the passes'
        programs and textures, so resizing the window or zooming is quick.
        """
        if self.comp is None:
            self._build(self.scene)
            return
        view = self._wanted_view()
        self.comp.resize(view)
        self.comp_view = view
        self.resize_at = None
        self.dirty = True
        self.skip_timing = True  # the glare's programs are new

    # ---------------------------------------------------------------- frames

    def _states(self, scene: Scene, frame: int) -> list[FrameState]:
        sub = subframe_sim_seconds(scene, frame)
        tl = build_timeline(scene, np.asarray(sub, dtype=np.float64))
        return [FrameState.from_timeline(tl, j) for j in range(len(sub))]

    def _render(self) -> None:
        """Draw the current frame into the compositor's 8-bit texture."""
        assert self.comp is not None
        scene = self.look.apply(self.scene)
        frame = self.playback.frame
        states = self._states(scene, frame)
        t0 = time.perf_counter()
        self.comp.render(states, frame)
        self.ctx.finish()
        seconds = time.perf_counter() - t0
        check_gl_error(self.ctx, f"preview frame {frame}")
        self.state = states[len(states) // 2]
        self.shown_frame = frame
        self.rendered += 1
        self.render_times.append(time.monotonic())
        self.dirty = False
        self.needs_present = True
        if self.skip_timing:
            self.skip_timing = False
        elif self.adaptive.record(seconds, self._viewport()[2:]):
            self._resize()

    def _fps(self) -> float | None:
        times = [t for t in self.render_times if t > time.monotonic() - 2.0]
        if len(times) < 2 or times[-1] <= times[0]:
            return None
        return (len(times) - 1) / (times[-1] - times[0])

    def _hud_lines(self) -> list[HudLine]:
        lines: list[HudLine] = []
        if self.hud_on and self.state is not None:
            lines.append(HudLine(self._status_text()))
            _, _, vw, vh = self._viewport()
            internal = (self.comp_view.width, self.comp_view.height) if self.comp_view else (0, 0)
            lines.append(
                HudLine(resolution_line(internal, (vw, vh), self.software, internal[0] < vw))
            )
            if self.note is not None:
                lines.append(HudLine(self.note[0]))
        if self.error is not None:
            lines.append(HudLine(f"scene error (keeping the last good scene): {self.error}", RED))
        return lines

    def _status_text(self) -> str:
        assert self.state is not None
        pb = self.playback
        return status_line(
            self.state.utc,
            self.shown_frame,
            pb.frame_count,
            self._altitude_km(),
            self._fps(),
            pb.paused,
            pb.speed,
        )

    def _altitude_km(self) -> float:
        if self.state is None:
            return math.nan
        itrs = self.state.itrs_from_gcrs @ self.state.camera_pos_km
        return float(geodesy.itrs_to_geodetic(itrs)[2])

    def _present(self) -> None:
        """Draw the frame (and the heads-up text) into the window and show it."""
        assert self.comp is not None
        ctx = self.ctx
        fb_w, fb_h = glfw.get_framebuffer_size(self.window)
        screen = ctx.screen
        screen.use()
        ctx.viewport = (0, 0, fb_w, fb_h)
        ctx.clear(0.08, 0.08, 0.08, 1.0)
        ctx.viewport = self._viewport()
        self.presenter.draw(self.comp.ldr, (-1.0, -1.0, 1.0, 1.0), smooth=True, blend=False)
        ctx.viewport = (0, 0, fb_w, fb_h)
        lines = self._hud_lines()
        if lines and fb_w > 0 and fb_h > 0:
            image = render_lines(lines, fb_w)
            h, w, _ = image.shape
            tex = self.presenter.hud_texture(image)
            rect = (-1.0, 1.0 - 2.0 * h / fb_h, -1.0 + 2.0 * w / fb_w, 1.0)
            self.presenter.draw(tex, rect, smooth=False, blend=True)
        check_gl_error(ctx, "presenting the frame")
        replies, self.replies = self.replies, []
        for reply in replies:
            if reply.screenshot is not None:
                self._write_screenshot(reply.screenshot, fb_w, fb_h)
        glfw.swap_buffers(self.window)
        self.presented += 1
        self.needs_present = False
        for reply in replies:
            self._reply(reply.command, reply.extra)

    def _write_screenshot(self, path: Path, fb_w: int, fb_h: int) -> None:
        # The back buffer, just drawn and about to be shown: bottom row first.
        check_gl_error(self.ctx, "drawing the window")
        data = self.ctx.screen.read(viewport=(0, 0, fb_w, fb_h), components=3, alignment=1)
        # moderngl selects GL_COLOR_ATTACHMENT0 as the read buffer, which the default
        # framebuffer refuses (INVALID_OPERATION, and the call has no other effect); the
        # read then uses the default read buffer, GL_BACK: the frame just drawn.  The
        # tests compare this image with the X server's copy of the window.
        err = self.ctx.error
        if err not in ("GL_NO_ERROR", "GL_INVALID_OPERATION"):
            raise RenderError(f"OpenGL error reading the window: {err}")
        image = np.frombuffer(data, np.uint8).reshape(fb_h, fb_w, 3)[::-1]
        write_png(np.ascontiguousarray(image), path, force=True)

    # ------------------------------------------------------------- reloading

    def _reload(self) -> None:
        """Re-read the scene file; keep the last good scene if it is bad."""
        try:
            new = load_scene(self.path)
        except OrbitlapseError as exc:
            self._show_error(str(exc))
            return
        saved = (self.scene, copy(self.look), self.adaptive.level, copy(self.playback))
        if (new.camera.look, new.camera.fov_deg) != (
            self.scene.camera.look,
            self.scene.camera.fov_deg,
        ):
            self.look = LookEdit()  # the file's new look wins over the steered one
        self.scene = new
        self.playback.rescale(new.output.frame_count, new.output.fps)
        try:
            self._build(new)
            self._render()
        except Exception as exc:  # a scene that validates but cannot be drawn
            self.scene, self.look, self.adaptive.level, self.playback = saved
            self._build(self.scene)
            self._show_error(
                str(exc)
                if isinstance(exc, OrbitlapseError)
                else f"{self.path}: cannot draw: {type(exc).__name__}: {exc}"
            )
            return
        self.error = None
        self.reloads += 1
        self._set_note(f"reloaded {self.path.name}")
        print(f"orbitlapse: preview: reloaded {self.path}", file=self.err, flush=True)
        out = new.output
        glfw.set_window_aspect_ratio(self.window, out.width, out.height)
        w, h = glfw.get_window_size(self.window)
        new_h = max(1, round(w * out.height / out.width))
        if new_h != h:
            glfw.set_window_size(self.window, w, new_h)

    def _show_error(self, message: str) -> None:
        self.error = message
        self.needs_present = True
        print(
            f"orbitlapse: preview: {message} (keeping the last good scene)",
            file=self.err,
            flush=True,
        )

    def _set_note(self, text: str) -> None:
        self.note = (text, time.monotonic() + NOTE_S)
        self.needs_present = True

    # -------------------------------------------------------------- commands

    def _handle(self, line: str, *, from_control: bool = True) -> None:
        """Carry out one command line (from a key, the mouse or the control channel)."""
        words = line.split()
        name, args = words[0], words[1:]
        extra: dict[str, Any] = {}
        try:
            deferred = self._do(name, args, extra)
        except (ValueError, IndexError) as exc:
            if from_control:
                self._reply(line, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            return
        except OrbitlapseError as exc:
            print(f"orbitlapse: preview: {exc}", file=self.err, flush=True)
            self._set_note(str(exc))
            if from_control:
                self._reply(line, {"ok": False, "error": str(exc)})
            return
        if not from_control:
            return
        if deferred is not None:
            deferred.command = line
            deferred.extra.update(extra)
            self.replies.append(deferred)
        else:
            self._reply(line, extra)

    def _do(self, name: str, args: list[str], extra: dict[str, Any]) -> _Reply | None:
        pb = self.playback
        if name == "pause":
            pb.paused = not pb.paused
        elif name == "step":
            pb.step(int(args[0]) if args else 1)
        elif name == "seek":
            pb.seek(float(args[0]) if args else 1.0)
        elif name == "slower":
            pb.set_speed(-1)
        elif name == "faster":
            pb.set_speed(+1)
        elif name == "drag":
            self._drag(float(args[0]), float(args[1]))
        elif name == "zoom":
            self._zoom(float(args[0]))
        elif name == "reset":
            self.look.reset()
            pb.speed_index = SPEEDS.index(1.0)
            self._view_changed()
        elif name == "still":
            extra["path"] = str(self._save_still())
        elif name == "print":
            extra["toml"] = self._print_look()
        elif name == "keyframe":
            extra["toml"] = self._print_keyframe()
        elif name == "hud":
            self.hud_on = not self.hud_on
            self.needs_present = True
        elif name == "quit":
            self.quit = True
        elif name == "status":
            pass
        elif name == "sync":
            return _Reply(name)
        elif name == "screenshot":
            return _Reply(name, screenshot=Path(" ".join(args)))
        else:
            raise ValueError(f"unknown command {name!r}")
        return None

    def _drag(self, dx: float, dy: float) -> None:
        scene = self.look.apply(self.scene)
        start = self._current_azel(scene)
        _, _, vw, vh = self._viewport()
        focal = View(vw, vh, self._shown_fov(scene)).focal_px
        self.look.drag(dx, dy, focal, start, scene.camera.look.roll_deg)
        self._view_changed()

    def _current_azel(self, scene: Scene) -> tuple[float, float]:
        look = scene.camera.look
        if look.target is None and not scene.camera.keyframes:
            return look.azimuth_deg, look.elevation_deg
        # A target look or a camera move: where it points at the frame shown.
        st = self._states(replace_blur_off(scene), self.playback.frame)[0]
        return azel_of(st.camera_pos_km, st.camera_vel_km_s, st.camera_forward)

    def _shown_fov(self, scene: Scene) -> float:
        """The field of view on screen: a keyframed camera's at the frame drawn."""
        shown = self.state.fov_deg if self.state is not None else None
        return scene.camera.fov_deg if shown is None else shown

    def _zoom(self, clicks: float) -> None:
        self.look.zoom(clicks, self._shown_fov(self.look.apply(self.scene)))
        self._view_changed()

    def _view_changed(self) -> None:
        """Draw again after a change of look or field of view."""
        fov = self.look.apply(self.scene).camera.fov_deg
        if self.comp is not None and self.comp_view is not None and self.comp_view.fov_deg != fov:
            # Show the new field of view at once; re-size once the wheel rests (the
            # glare's kernels follow the focal length, and are rebuilt then).
            self.comp_view = View(self.comp_view.width, self.comp_view.height, fov)
            self.comp.view = self.comp_view
            self.resize_at = time.monotonic() + SETTLE_S
        self.dirty = True

    def _save_still(self) -> Path:
        """Render the frame shown at the scene's output size, as ``orbitlapse still`` would."""
        scene = self.look.apply(self.scene)
        frame = self.playback.frame
        path = _free_name(Path.cwd() / f"{self.path.stem}-frame{frame:05d}.png")
        image = render_still(scene, scene.sim_seconds(frame), ctx=self.ctx)
        write_png(image, path)
        self._set_note(f"saved {path.name}")
        print(f"orbitlapse: preview: wrote {path}", file=self.err, flush=True)
        return path

    def _print_look(self) -> str:
        scene = self.look.apply(self.scene)
        frame = self.playback.frame
        utc = scene.time.start_utc + timedelta(seconds=scene.sim_seconds(frame))
        when = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        text = look_toml(scene, f"orbitlapse preview: {self.path.name}, frame {frame} ({when})")
        self.out.write(text)
        self.out.flush()
        self._set_note("look printed to standard output")
        return text

    def _print_keyframe(self) -> str:
        scene, frame = self.look.apply(self.scene), self.playback.frame
        st = self._states(replace_blur_off(scene), frame)[0]
        basis = (st.camera_right, st.camera_up, st.camera_forward)
        video_s = frame / scene.output.fps
        look, fov = look_at(scene, video_s, st.camera_pos_km, st.camera_vel_km_s, basis)
        text = keyframe_toml(look, fov, video_s, f"orbitlapse preview: {self.path.name}")
        self.out.write(text)
        self.out.flush()
        self._set_note("keyframe printed to standard output")
        return text

    def _reply(self, command: str, extra: dict[str, Any]) -> None:
        body = {"command": command, "ok": True, **extra, "status": self.status()}
        self.out.write("@" + json.dumps(body) + "\n")
        self.out.flush()

    def status(self) -> dict[str, Any]:
        """What the window shows, as a JSON-ready dict (the control channel's answer)."""
        scene = self.look.apply(self.scene)
        look = scene.camera.look
        pb = self.playback
        fb = glfw.get_framebuffer_size(self.window)
        _, _, vw, vh = self._viewport()
        target: str | None = None
        if isinstance(look.target, GroundTarget):
            target = f"{look.target.lat_deg},{look.target.lon_deg}"
        elif isinstance(look.target, LaunchTarget):
            target = f"launch:{look.target.index}"
        x11 = None
        try:
            x11 = int(glfw.get_x11_window(self.window))
        except Exception:  # not on X11
            x11 = None
        internal = [self.comp_view.width, self.comp_view.height] if self.comp_view else None
        return {
            "scene": str(self.path),
            "title": self.scene.title,
            "frame": self.shown_frame,
            "frame_count": pb.frame_count,
            "position": pb.position,
            "paused": pb.paused,
            "speed": pb.speed,
            # A target look has no fixed azimuth and elevation (the target sets them).
            "azimuth_deg": look.azimuth_deg if target is None else None,
            "elevation_deg": look.elevation_deg if target is None else None,
            "roll_deg": look.roll_deg,
            "target": target,
            "fov_deg": scene.camera.fov_deg,
            "turned": self.look.turned,
            "hud": self.hud_on,
            "hud_text": [line.text for line in self._hud_lines()],
            "error": self.error,
            "reloads": self.reloads,
            "internal": internal,
            "viewport": [vw, vh],
            "framebuffer": list(fb),
            "window_pos": list(glfw.get_window_pos(self.window)),
            "x11_window": x11,
            "software": self.software,
            "lowered": bool(internal and internal[0] < vw),
            "rendered": self.rendered,
            "presented": self.presented,
            "utc": self.state.utc.isoformat() if self.state else None,
            "altitude_km": self._altitude_km(),
        }

    # ------------------------------------------------------ window callbacks

    def _on_char(self, _win: object, codepoint: int) -> None:
        command = CHAR_COMMANDS.get(chr(codepoint).lower())
        if command is not None:
            self._handle(command, from_control=False)

    def _on_key(self, _win: object, key: int, _scancode: int, action: int, mods: int) -> None:
        if action not in (glfw.PRESS, glfw.REPEAT):
            return
        shift = bool(mods & glfw.MOD_SHIFT)
        if key in (glfw.KEY_LEFT, glfw.KEY_RIGHT):
            sign = -1 if key == glfw.KEY_LEFT else 1
            self._handle(f"seek {sign}" if shift else f"step {sign}", from_control=False)
        elif key == glfw.KEY_ESCAPE:
            self._handle("quit", from_control=False)

    def _on_button(self, win: object, button: int, action: int, _mods: int) -> None:
        if button != glfw.MOUSE_BUTTON_LEFT:
            return
        self.dragging = glfw.get_cursor_pos(win) if action == glfw.PRESS else None

    def _on_cursor(self, _win: object, x: float, y: float) -> None:
        if self.dragging is None:
            return
        x0, y0 = self.dragging
        self.dragging = (x, y)
        # Window coordinates to framebuffer pixels (they differ on HiDPI screens).
        win_w, _ = glfw.get_window_size(self.window)
        fb_w, _ = glfw.get_framebuffer_size(self.window)
        k = fb_w / win_w if win_w else 1.0
        self._handle(f"drag {(x - x0) * k} {(y - y0) * k}", from_control=False)

    def _on_scroll(self, _win: object, _dx: float, dy: float) -> None:
        self._handle(f"zoom {dy}", from_control=False)

    def _on_resize(self, _win: object, _w: int, _h: int) -> None:
        self.resize_at = time.monotonic() + SETTLE_S
        self.needs_present = True

    def _on_refresh(self, _win: object) -> None:
        self.needs_present = True

    def _title(self) -> str:
        text = f"orbitlapse preview: {self.path.name}"
        if self.state is not None:
            text += f"   {self._status_text()}"
        return text


def replace_blur_off(scene: Scene) -> Scene:
    """``scene`` with one sub-frame per frame (the frame's own instant)."""
    blur = replace(scene.camera.motion_blur, samples=1)
    return replace(scene, camera=replace(scene.camera, motion_blur=blur))


def _free_name(path: Path) -> Path:
    """``path``, or ``name-2.png``, ``name-3.png``... if it exists."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def run_preview(
    path: Path,
    *,
    width: int | None = None,
    paused: bool = False,
    control: str | None = None,
    budget_ms: float | None = None,
) -> int:
    """Load the scene (a bad one raises SceneError before any window opens) and play it."""
    scene = load_scene(path)
    budget_s = DEFAULT_BUDGET_S if budget_ms is None else budget_ms / 1000.0
    return Preview(
        Path(path), scene, width=width, paused=paused, control=control, budget_s=budget_s
    ).run()
