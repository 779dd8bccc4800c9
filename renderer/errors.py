"""The errors orbitlapse reports to a user, each printable as one line."""

from __future__ import annotations


class OrbitlapseError(Exception):
    """Base of the errors the command line turns into one line and an exit status."""

    exit_status = 1


class SceneError(OrbitlapseError):
    """A scene file (or a command-line override of it) that cannot be rendered.

    Printed as ``FILE: KEY: MESSAGE``; the key is the dotted path into the scene
    (``camera.look.azimuth_deg``, ``launch[2].site``) or an option (``--width``).
    """

    exit_status = 2

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = str(file)
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class UsageError(OrbitlapseError):
    """Bad command-line arguments (not about the scene's content)."""

    exit_status = 2


class RenderError(OrbitlapseError):
    """A failure while rendering or encoding: GL, ffmpeg, the file system."""

    exit_status = 1
