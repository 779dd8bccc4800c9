"""``[[camera.keyframe]]`` and ``[camera.look]`` target offsets in the scene file: what
a key carries over, and every bad key refused with one line naming it."""

from __future__ import annotations

from typing import Any

import pytest

from renderer.physics.exposure import ev100
from renderer.scene import GroundTarget, LaunchTarget, load_scene
from tests.unit.test_scene import assert_error, edit, error, example_doc, write


def with_keys(*keys: dict[str, Any]) -> dict[str, Any]:
    return edit(example_doc(), "camera.keyframe", list(keys))


def test_keys_carry_over_what_they_do_not_give(tmp_path):
    doc = with_keys(
        {"t_s": 10, "azimuth_deg": 90},
        {"t_s": 20.5, "fov_deg": 30, "ease": "ease-out", "iso": 1600},
        {"t_s": 30, "target": "launch:1", "elevation_deg": 4, "roll_deg": 0},
        {"t_s": 40, "target": {"lat_deg": 45, "lon_deg": 63}},
        {"t_s": 50, "target": False, "azimuth_deg": 0, "elevation_deg": -90, "ev100": -3},
    )
    k1, k2, k3, k4, k5 = load_scene(write(tmp_path, doc)).camera.keyframes
    assert (k1.t_s, k1.look.azimuth_deg, k1.look.elevation_deg, k1.look.roll_deg) == (
        10.0,
        90.0,
        -12.0,
        25.0,
    )
    assert (k1.fov_deg, k1.exposure.iso, k1.ease) == (60.0, 12800.0, "smooth")
    assert (k2.look, k2.fov_deg, k2.ease) == (k1.look, 30.0, "ease-out")
    assert (k2.exposure.iso, k2.exposure.shutter_s, k2.exposure.f_number) == (1600.0, 0.5, 1.4)
    assert k3.look.target == LaunchTarget(1)
    assert (k3.look.offset_azimuth_deg, k3.look.offset_elevation_deg, k3.look.roll_deg) == (
        0.0,
        4.0,
        0.0,
    )
    # A new target keeps the offsets of a key that had one.
    assert k4.look.target == GroundTarget(45.0, 63.0) and k4.look.offset_elevation_deg == 4.0
    assert k5.look.target is None and k5.look.elevation_deg == -90.0
    assert k5.exposure.ev100 == -3.0 and ev100(k5.exposure) == -3.0


def test_look_target_takes_offsets(tmp_path):
    doc = edit(example_doc(), "camera.look", {"target": "launch:1", "azimuth_deg": -10.0})
    doc["camera"]["look"]["elevation_deg"] = 12.5
    look = load_scene(write(tmp_path, doc)).camera.look
    assert look.target == LaunchTarget(1)
    assert (look.offset_azimuth_deg, look.offset_elevation_deg) == (-10.0, 12.5)


@pytest.mark.parametrize(
    ("keys", "key", "fragment"),
    [
        ([{"azimuth_deg": 3}], "camera.keyframe[1].t_s", "missing"),
        ([{"t_s": -1}], "camera.keyframe[1].t_s", "from 0 to 90"),
        ([{"t_s": 91}], "camera.keyframe[1].t_s", "from 0 to 90 (seconds of video)"),
        ([{"t_s": "5"}], "camera.keyframe[1].t_s", 'got "5"'),
        ([{"t_s": 5}, {"t_s": 5}], "camera.keyframe[2].t_s", "later than the key before it"),
        ([{"t_s": 5}, {"t_s": 4}], "camera.keyframe[2].t_s", "later than the key before it"),
        ([{"t_s": 5, "azimut_deg": 3}], "camera.keyframe[1].azimut_deg", "'azimuth_deg'"),
        ([{"t_s": 5, "ease": "smoth"}], "camera.keyframe[1].ease", "did you mean 'smooth'"),
        ([{"t_s": 5, "ease": 1}], "camera.keyframe[1].ease", "must be one of linear"),
        ([{"t_s": 5, "fov_deg": 0.5}], "camera.keyframe[1].fov_deg", "from 1 to 170"),
        ([{"t_s": 5, "elevation_deg": 95}], "camera.keyframe[1].elevation_deg", "-90 to 90"),
        ([{"t_s": 5, "roll_deg": True}], "camera.keyframe[1].roll_deg", "got true"),
        ([{"t_s": 5, "iso": 0}], "camera.keyframe[1].iso", "greater than 0"),
        ([{"t_s": 5, "ev100": 40}], "camera.keyframe[1].ev100", "from -20 to 30"),
        ([{"t_s": 5, "shutter_s": 1e-12}], "camera.keyframe[1]", "outside the usable"),
        ([{"t_s": 5, "target": "launch:2"}], "camera.keyframe[1].target", "from 1 to 1"),
        ([{"t_s": 5, "target": 3}], "camera.keyframe[1].target", '"launch:N" or a table'),
        (
            [{"t_s": 5, "target": {"lat_deg": 1}}],
            "camera.keyframe[1].target.lon_deg",
            "missing",
        ),
        (
            [{"t_s": 5, "target": "launch:1"}, {"t_s": 6, "target": False, "azimuth_deg": 1}],
            "camera.keyframe[2].elevation_deg",
            "target = false",
        ),
        ([{"t_s": 5, "elevation_deg": -20}, 3], "camera.keyframe", "array of tables"),
    ],
)
def test_bad_keyframes(tmp_path, keys, key, fragment):
    assert_error(error(tmp_path, with_keys(*keys)), key, fragment)


def test_keyframe_must_be_an_array_of_tables(tmp_path):
    doc = edit(example_doc(), "camera.keyframe", {"t_s": 1})
    assert_error(error(tmp_path, doc), "camera.keyframe", "array of tables")
    assert_error(error(tmp_path, with_keys()), "camera.keyframe", "at least one")
