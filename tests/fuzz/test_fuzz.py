"""Hypothesis against the scene and the command line: every key, hostile values.

Finds no traceback (only SceneError escapes the loader), no exit status but 0 and 2
from the command line's arguments, and no black frame from an accepted value of a key
that changes only light (a NaN or an infinity anywhere in the float buffers spreads
through the glare to the whole frame, so the lit base scene turns black but for
the sensor noise).

Reproducible: derandomized, so CI sees the same examples every run; the budget (a few
hundred scenes, two dozen 32x18 frames, a few hundred command lines) keeps it to about
a minute on two cores.
"""

from __future__ import annotations

import copy
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderer.cli import main
from renderer.errors import SceneError
from renderer.output.frames import render_still
from renderer.scene.fields import _Ctx
from renderer.scene.sections import _build

TLE = [
    "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
    "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
]
START = "2018-11-16T10:00:00Z"
OVER = {
    "lat_deg": 30.0,
    "lon_deg": 30.0,
    "time_utc": START,
    "altitude_km": 408.0,
    "inclination_deg": 51.64,
    "ascending": True,
}
ELEMENTS = {
    "altitude_km": 408.0,
    "inclination_deg": 51.64,
    "raan_deg": 10.0,
    "arg_latitude_deg": 20.0,
    "epoch_utc": START,
}
VEHICLE = {
    "stages": [{"name": "core", "separation_s": 100.0, "count": 1}],
    "profile": [[0.0, 0.0, 0.0], [100.0, 50.0, 20.0], [200.0, 150.0, 300.0]],
}


def base_doc(orbit: str) -> dict[str, Any]:
    """A lit daytime scene with every section and key of the format present."""
    return {
        "scene_version": 1,
        "title": "fuzz",
        "time": {"start_utc": START, "speed": 10.0},
        "output": {
            "path": "fuzz.mp4",
            "width": 32,
            "height": 18,
            "fps": 10.0,
            "duration_s": 1.0,
            "codec": "h264",
            "crf": 23,
        },
        "camera": {
            "fov_deg": 60.0,
            "orbit": {"tle": TLE}
            if orbit == "tle"
            else {orbit: dict(OVER if orbit == "over" else ELEMENTS)},
            "look": {"azimuth_deg": 0.0, "elevation_deg": -35.0, "roll_deg": 0.0}
            if orbit != "elements"
            else {"target": {"lat_deg": 30.0, "lon_deg": 30.0}, "roll_deg": 0.0},
            "exposure": {"iso": 100.0, "shutter_s": 0.002, "f_number": 8.0}
            if orbit == "tle"
            else {"ev100": 14.0},
            "motion_blur": {"samples": 1, "shutter_angle_deg": 180.0},
            "noise": {"seed": 1, "full_well_e": 60000.0, "read_noise_e": 2.5, "base_iso": 100.0},
            "bloom": {"fraction": 0.02},
        },
        "earth": {
            "day": True,
            "night_lights": {"intensity": 1.0},
            "clouds": {"coverage": 0.4, "seed": 1, "altitude_km": 5.0, "drift": 1.0},
            "atmosphere": {},
            "airglow": {
                "layers": [
                    {
                        "name": "green",
                        "altitude_km": 97.0,
                        "width_km": 10.0,
                        "zenith_rayleigh": 250.0,
                        "wavelength_nm": 557.7,
                    },
                    {
                        "name": "rgb",
                        "altitude_km": 245.0,
                        "width_km": 60.0,
                        "zenith_rayleigh": 160.0,
                        "color": [1.0, 0.2, 0.1],
                    },
                ]
            },
            "glint": {},
        },
        "stars": {"limiting_magnitude": 8.0},
        "launch": [
            {
                "vehicle": VEHICLE,
                "site": {"lat_deg": 45.9, "lon_deg": 63.3},
                "time_utc": "2018-11-16T10:00:05Z",
                "azimuth_deg": 60.0,
            },
            {
                "vehicle": "soyuz-fg",
                "site": "baikonur-1/5",
                "time_utc": "2018-11-16T10:00:05Z",
                "target_inclination_deg": 51.64,
            },
        ],
    }


def key_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key and array element of ``value`` as a path of keys and indexes."""
    paths: list[tuple] = []
    if isinstance(value, dict):
        for k, v in value.items():
            paths.append((*prefix, k))
            paths += key_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            paths.append((*prefix, i))
            paths += key_paths(v, (*prefix, i))
    return paths


BASES = {name: base_doc(name) for name in ("tle", "over", "elements")}
PATHS = sorted({(name, path) for name, doc in BASES.items() for path in key_paths(doc)}, key=repr)
DELETE = object()

EDGE_FLOATS = [
    0.0, -0.0, 5e-324, 1e-300, 1e-9, 0.0004, 0.5, 1.0, -1.0, 63.0, 179.9, 360.0, 1e4,
    1e9, 1e15, 1e300, 1e308, -1e308, float("inf"), float("-inf"), float("nan"),
]  # fmt: skip
EDGE_INTS = [0, 1, -1, 2, 63, 16384, 16385, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]
EDGE_TEXT = ["", " ", "\x00", "a\nb", "x" * 5000, "launch:0", "launch:99", "%d:%s", "😀", START]

values = st.one_of(
    st.sampled_from(EDGE_FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(EDGE_INTS),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=20),
    st.booleans(),
    st.just([]),
    st.lists(st.sampled_from(EDGE_FLOATS), max_size=4),
    st.just({}),
    st.just({"unknown": 1}),
    st.just(DELETE),
)

# Keys that change only light, position or timing within the accepted range: a black
# frame from one of them means an overflow, not a choice of exposure or pointing.
LIGHT_KEYS = {
    "intensity", "zenith_rayleigh", "width_km", "altitude_km", "color", "wavelength_nm",
    "coverage", "drift", "seed", "full_well_e", "read_noise_e", "base_iso", "fraction",
    "speed", "samples", "shutter_angle_deg", "limiting_magnitude", "count",
    "separation_s", "profile",
}  # fmt: skip


def mutate(doc: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    holder: Any = doc
    for k in path[:-1]:
        holder = holder[k]
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return doc


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(target=st.sampled_from(PATHS), value=values)
def test_scene_values_never_crash(target, value):
    base, path = target
    doc = mutate(BASES[base], path, value)
    try:
        _build(_Ctx("fuzz.toml", Path(".")), doc, Path("fuzz.toml"))
    except SceneError as exc:
        assert "\n" not in str(exc)


def _leaf(path: tuple) -> str:
    return next(k for k in reversed(path) if isinstance(k, str))


LIGHT_PATHS = [(b, p) for b, p in PATHS if _leaf(p) in LIGHT_KEYS and b == "tle"]
light_values = st.one_of(
    st.sampled_from(EDGE_FLOATS + EDGE_INTS),
    st.floats(min_value=0.0, max_value=1e7),
    st.integers(min_value=0, max_value=64),
)
_rendered: list[str] = []
RENDER_BUDGET = 24


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(target=st.sampled_from(LIGHT_PATHS), value=light_values)
def test_accepted_light_values_never_render_black(gl_session_ctx, target, value):
    base, path = target
    doc = mutate(BASES[base], path, value)
    try:
        scene = _build(_Ctx("fuzz.toml", Path(".")), doc, Path("fuzz.toml"))
    except SceneError:
        return
    if len(_rendered) >= RENDER_BUDGET:
        return
    _rendered.append(f"{path}={value!r}")
    gl_session_ctx.__enter__()
    image = render_still(scene, 0.0, ctx=gl_session_ctx)
    assert image.shape == (18, 32, 3)
    # The base frame's mean is about 135; a NaN-black one (night lights at 1e308 before
    # they were refused) is 0.1: sensor noise on black.
    assert image.mean() > 10, f"black frame from {path} = {value!r}"


def test_the_base_scenes_are_valid():
    for doc in BASES.values():
        _build(_Ctx("fuzz.toml", Path(".")), doc, Path("fuzz.toml"))


def test_the_render_budget_was_used():
    # The examples above are derandomized, so this count is the same every run.
    assert len(_rendered) >= 10, _rendered


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

OPTION_VALUES = st.one_of(
    st.sampled_from([str(x) for x in EDGE_FLOATS + EDGE_INTS] + EDGE_TEXT[1:] + ["-1", "1e-5"]),
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12),
)


@pytest.fixture(scope="module")
def cli_scene(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    scene = folder / "s.toml"
    scene.write_text(
        "scene_version = 1\n"
        f'[time]\nstart_utc = "{START}"\nspeed = 10.0\n'
        "[output]\nwidth = 32\nheight = 18\nfps = 10\nduration_s = 1\n"
        f'[camera.orbit]\ntle = ["{TLE[0]}", "{TLE[1]}"]\n'
    )
    # Existing outputs, so an accepted command line stops at "exists" before drawing.
    (folder / "out.mp4").write_bytes(b"x")
    (folder / "out.png").write_bytes(b"x")
    (folder / "frames").mkdir()
    return scene


def argv_for(scene: Path):
    out = str(scene.parent / "out.mp4")
    png = str(scene.parent / "out.png")
    options = {
        "render": ["--width", "--height", "--fps", "--duration", "-o"],
        "still": ["--width", "--height", "--at", "--utc", "-o"],
        "check": ["--warn-hours", "--warn-gb"],
    }

    @st.composite
    def build(draw):
        command = draw(st.sampled_from(sorted(options)))
        argv = [command, str(scene)]
        for option in draw(st.lists(st.sampled_from(options[command]), max_size=3, unique=True)):
            argv += [option, draw(OPTION_VALUES)]
        if command == "render" and "-o" not in argv:
            argv += ["-o", out]
        if command == "still" and "-o" not in argv:
            argv += ["-o", png]
        return argv

    return build()


@pytest.fixture
def keep_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_command_line_arguments_exit_0_or_2_in_one_line(cli_scene, keep_signals, capsys):
    @settings(max_examples=300, derandomize=True, deadline=None)
    @given(argv=argv_for(cli_scene))
    def run_one(argv: list[str]) -> None:
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in err
        if code == 2:
            assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, (argv, err)
        assert sorted(p.name for p in cli_scene.parent.iterdir()) == [
            "frames",
            "out.mp4",
            "out.png",
            "s.toml",
        ]

    run_one()
    assert np.array_equal(
        np.frombuffer((cli_scene.parent / "out.mp4").read_bytes(), np.uint8), [120]
    )
