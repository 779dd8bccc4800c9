"""What orbitlapse may touch on disk: the output target, its private work folder, and the
work folders a killed run left behind.

Every output is first written inside a work folder of its own, made with ``mkdtemp``
beside the target (so the final rename stays on one file system): ``mkdtemp`` creates it
exclusively with a random name and mode 0700, so no other process can have planted a
file or symlink inside it, and nothing is ever opened through a path that someone else
could have prepared.  The folder holds an owner marker (``MARKER``: the PID and that
process's start time) written before anything else; a later run removes a work folder
only when the marker says so and its owner is gone, and then only the names orbitlapse
itself puts there.

Publishing never replaces what orbitlapse did not make: a video file replaces an
existing file (or symlink) only with ``force``, never a folder; a PNG folder replaces an
existing folder only with ``force`` and only when that folder holds nothing but
orbitlapse's own frames (``frame_NNNNNN.png`` or ``.exr``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from renderer.errors import OrbitlapseError, RenderError

WORK_PREFIX = ".orbitlapse-work-"
MARKER = "owner"
_MARKER_HEAD = "orbitlapse work folder"
#: Inside a work folder: the video (``video`` plus the target's suffix) or the frames.
_VIDEO_STEM = "video"
FRAMES_FOLDER = "frames"
_OLD_FRAMES = "old-frames"
_OWN_FRAME = re.compile(r"frame_[0-9]{6,}\.(?:png|exr)", re.ASCII)
_WORK_NAME = re.compile(re.escape(WORK_PREFIX) + r"[A-Za-z0-9_]{1,64}", re.ASCII)


class OutputExistsError(OrbitlapseError):
    """The target already exists and replacing it was not asked for (``--force``)."""

    exit_status = 2

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: exists; use --force to replace it")


class TargetRefused(OrbitlapseError):
    """The output cannot be written where it is asked for, known before any drawing."""

    exit_status = 2


# ---------------------------------------------------------------------------
# Ownership
# ---------------------------------------------------------------------------


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` (clock ticks since boot), "" where unknown.

    With the PID it identifies a process even after the PID is reused.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = raw.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def _owner_alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    now = _start_time(pid)
    return not (started and now and now != started)


def _read_marker(folder: Path) -> tuple[int, str] | None:
    """(pid, start time) from a work folder's marker, or None if it is not one of ours."""
    path = folder / MARKER
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > 256:
            return None
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    parts = text.split("\n")
    if len(parts) < 3 or parts[0] != _MARKER_HEAD or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


def is_own_frames_folder(path: Path) -> bool:
    """Whether ``path`` is a real folder holding nothing but orbitlapse's frames."""
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            return False
        with os.scandir(path) as entries:
            for entry in entries:
                if not (_OWN_FRAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)):
                    return False
    except OSError:
        return False
    return True


def remove_own_frames(folder: Path) -> None:
    """Remove orbitlapse's ``frame_NNNNNN.png`` (``.exr``) files from ``folder``, then the folder if
    that left it empty; anything else in it stays, and so does the folder."""
    with contextlib.suppress(OSError):
        with os.scandir(folder) as entries:
            for e in entries:
                if _OWN_FRAME.fullmatch(e.name) and e.is_file(follow_symlinks=False):
                    (folder / e.name).unlink()
        folder.rmdir()


def _remove_own(folder: Path) -> None:
    """Remove a work folder: only the names orbitlapse puts there; anything else stays."""
    with contextlib.suppress(OSError):
        with os.scandir(folder) as entries:
            names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        for name, is_dir in names:
            if name in (FRAMES_FOLDER, _OLD_FRAMES) and is_dir:
                frames = folder / name
                with os.scandir(frames) as inner:
                    for e in inner:
                        if _OWN_FRAME.fullmatch(e.name) and e.is_file(follow_symlinks=False):
                            (frames / e.name).unlink()
                frames.rmdir()
            elif not is_dir and (name.startswith(_VIDEO_STEM + ".") or name.startswith("still")):
                (folder / name).unlink()
        # The marker goes last, so an interrupted clean-up is finished by the next run.
        (folder / MARKER).unlink()
        folder.rmdir()


def remove_stale_work(parent: Path) -> list[Path]:
    """Remove the work folders in ``parent`` whose owning process is gone; returns them.

    A folder counts only if its name has orbitlapse's pattern, it is a real folder owned
    by this user, and its marker names a process that no longer exists.
    """
    removed: list[Path] = []
    try:
        with os.scandir(parent) as entries:
            candidates = [e.name for e in entries if _WORK_NAME.fullmatch(e.name)]
    except OSError:
        return removed
    for name in candidates:
        folder = parent / name
        try:
            st = folder.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            continue
        owner = _read_marker(folder)
        if owner is None or _owner_alive(*owner):
            continue
        _remove_own(folder)
        if not os.path.lexists(folder):
            removed.append(folder)
    return removed


# ---------------------------------------------------------------------------
# The target and its work folder
# ---------------------------------------------------------------------------


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def check_target(path: Path, *, folder: bool, force: bool) -> None:
    """Refuse (exit 2) a target that cannot or may not be written, before any work.

    ``folder`` is True for a PNG sequence (the target is a folder of frames).
    """
    parent = path.parent
    try:
        parent_mode = parent.stat().st_mode
    except OSError:
        raise TargetRefused(f"{path}: the folder {parent} does not exist") from None
    if not stat.S_ISDIR(parent_mode):
        raise TargetRefused(f"{path}: {parent} is not a folder")
    try:
        mode: int | None = path.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise TargetRefused(f"{path}: cannot be examined: {_reason(exc)}") from None
    if mode is not None:
        if stat.S_ISDIR(mode) and not folder:
            raise TargetRefused(f"{path}: is a folder; give a file name")
        if folder and not stat.S_ISDIR(mode):
            raise TargetRefused(f"{path}: exists and is not a folder; not replacing it")
        if not force:
            raise OutputExistsError(path)
        if folder and not is_own_frames_folder(path):
            raise TargetRefused(
                f"{path}: holds files orbitlapse did not write; not replacing it, "
                "even with --force (remove it yourself or choose another name)"
            )
    # Writable is known only by writing: make (and drop) a work folder of our own.
    work = make_work_folder(path)
    work.discard()


@dataclass
class WorkFolder:
    """A private folder beside the target; ``discard`` removes it and what orbitlapse put in."""

    path: Path
    target: Path

    def video_path(self) -> Path:
        """Where ffmpeg writes the video (short, fixed: the target's name may be long)."""
        return self.path / (_VIDEO_STEM + self.target.suffix.lower())

    def frames_path(self) -> Path:
        """The folder the PNG frames go into."""
        return self.path / FRAMES_FOLDER

    def still_path(self) -> Path:
        """Where a still is written before it is published."""
        return self.path / "still.png"

    def discard(self) -> None:
        """Remove the work folder (only the names orbitlapse puts there)."""
        _remove_own(self.path)


def make_work_folder(target: Path) -> WorkFolder:
    """Create the private work folder beside ``target``; TargetRefused when it cannot."""
    try:
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=target.parent))
    except OSError as exc:
        raise TargetRefused(f"{target}: cannot write in {target.parent}: {_reason(exc)}") from None
    try:
        fd = os.open(work / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{_MARKER_HEAD}\n{os.getpid()}\n{_start_time(os.getpid())}\n")
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
        raise TargetRefused(f"{target}: cannot write in {target.parent}: {_reason(exc)}") from None
    return WorkFolder(work, target)


def publish_file(made: Path, target: Path, *, force: bool) -> None:
    """Move the finished file ``made`` to ``target``.

    Without ``force`` a hard link refuses any existing name (a dangling symlink too) with
    no window for a race; with ``force`` a rename replaces a file or symlink (never
    following it) but never a folder.
    """
    try:
        if force:
            if os.path.isdir(target) and not os.path.islink(target):
                raise TargetRefused(f"{target}: is a folder; not replacing it")
            os.replace(made, target)
            return
        try:
            os.link(made, target, follow_symlinks=False)
        except FileExistsError:
            raise OutputExistsError(target) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
                raise  # anything but "this file system has no hard links"
            if os.path.lexists(target):
                raise OutputExistsError(target) from None
            os.rename(made, target)
            return
        os.unlink(made)
    except OrbitlapseError:
        raise
    except OSError as exc:
        raise RenderError(f"cannot move the finished output to {target}: {_reason(exc)}") from None


def publish_folder(made: Path, target: Path, work: Path, *, force: bool) -> None:
    """Move the finished frames folder ``made`` to ``target``.

    An existing folder is replaced only with ``force`` and only if it holds nothing but
    orbitlapse's frames (checked again here: it may have changed since the start).  The old
    folder is moved into the work folder first, so it is never lost if the move fails.
    """
    try:
        if not os.path.lexists(target):
            try:
                os.rename(made, target)
            except OSError as exc:
                if os.path.lexists(target):
                    raise OutputExistsError(target) from None
                raise RenderError(f"cannot move the frames to {target}: {_reason(exc)}") from None
            return
        if not force:
            raise OutputExistsError(target)
        if not is_own_frames_folder(target):
            raise TargetRefused(
                f"{target}: holds files orbitlapse did not write; not replacing it, "
                "even with --force (remove it yourself or choose another name)"
            )
        aside = work / _OLD_FRAMES
        os.rename(target, aside)
        try:
            os.rename(made, target)
        except OSError:
            os.rename(aside, target)
            raise
        with os.scandir(aside) as entries:
            for e in entries:
                if _OWN_FRAME.fullmatch(e.name) and e.is_file(follow_symlinks=False):
                    (aside / e.name).unlink()
        aside.rmdir()
    except OrbitlapseError:
        raise
    except OSError as exc:
        raise RenderError(f"cannot move the frames to {target}: {_reason(exc)}") from None


def ffmpeg_output_name(path: Path) -> str:
    """``path`` as ffmpeg's output argument: the ``file:`` protocol, so that a ``:`` in
    the path is never read as a protocol name."""
    return "file:" + os.path.abspath(path)


def image2_pattern(folder: Path, pattern: str) -> str:
    """ffmpeg's image2 output for ``pattern`` in ``folder``: ``%`` in the folder's own
    path escaped, so only the pattern's ``%06d`` is a frame number."""
    return "file:" + os.path.abspath(folder).replace("%", "%%") + os.sep + pattern
