"""Shared fixtures: the one GL context of the test session, and helpers to look at frames."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from renderer.gl.context import create_headless_context

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"


@pytest.fixture(scope="session")
def gl_session_ctx():
    """One standalone EGL context for every GL test (created in exactly one place)."""
    ctx = create_headless_context()
    yield ctx
    ctx.release()


@pytest.fixture
def ctx(gl_session_ctx):
    """The session's GL context; the test fails if it leaves a GL error behind."""
    # Code under test (render_still, render_video) may create and release a context
    # of its own, which leaves none current: make the session's current again.
    gl_session_ctx.__enter__()
    _ = gl_session_ctx.error  # reading it clears what an earlier (failed) test left
    yield gl_session_ctx
    err = gl_session_ctx.error
    assert err == "GL_NO_ERROR", f"GL error left by the test: {err}"


@pytest.fixture
def artifacts() -> Path:
    """Folder for images a failing test leaves behind for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_report_header(config):
    return f"orbitlapse tests; EGL device {os.environ.get('ORBITLAPSE_EGL_DEVICE', '0')}"
