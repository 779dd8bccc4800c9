"""``orbitlapse schema``: a valid JSON Schema that accepts every shipped scene and refuses
the broken scenes of tests/unit/test_scene.py wherever a schema can say what is wrong."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from renderer.cli import main
from renderer.scene import load_scene
from renderer.scene.format import TABLES
from renderer.scene.json_schema import scene_schema, scene_schema_text
from renderer.scene.keys import REQUIRED
from tests.unit import test_scene as ts

REPO = Path(__file__).resolve().parents[2]
SCENES = sorted((REPO / "scenes").glob("*.toml"))
VALIDATOR = jsonschema.Draft4Validator(scene_schema())


def as_json(value: Any) -> Any:
    """A TOML document as an editor hands it to a JSON Schema validator: dates and
    times become their RFC 3339 text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def schema_errors(doc: dict[str, Any]) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(as_json(doc))]


def test_schema_is_valid_json_schema_and_is_what_the_command_prints(capsys):
    schema = scene_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == scene_schema_text()
    assert json.loads(printed) == schema


def test_schema_describes_every_defined_key_with_its_range_and_default():
    props = scene_schema()["properties"]
    camera = props["camera"]["properties"]
    fov = camera["fov_deg"]
    assert (fov["type"], fov["minimum"], fov["maximum"], fov["default"]) == ("number", 1, 170, 60)
    assert "from 1 to 170" in fov["description"] and "Unit deg" in fov["description"]
    assert props["output"]["properties"]["codec"]["enum"][0] == "h264"
    assert props["time"]["required"] == ["start_utc"]
    assert set(props) == {k.name for k in TABLES[0].keys}
    for table in TABLES:
        for key in table.keys:
            assert key.doc.strip(), f"{table.path}.{key.name} has no description"
            if key.kind in ("number", "integer") and key.default not in (REQUIRED, None):
                assert key.default in key.range, f"{table.path}.{key.name}"


@pytest.mark.parametrize("path", SCENES, ids=[p.name for p in SCENES])
def test_every_shipped_scene_validates_against_the_schema(path):
    load_scene(path)  # valid for orbitlapse...
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    assert schema_errors(doc) == []  # ...and for the schema


def test_the_minimal_scene_and_the_example_validate():
    assert schema_errors(tomllib.loads(ts.MINIMAL)) == []
    assert schema_errors(ts.example_doc()) == []


# ---------------------------------------------------------------------------
# The broken scenes of the scene tests
# ---------------------------------------------------------------------------


def _cases(test: Any) -> list[tuple[Any, ...]]:
    """The parametrized cases of one of test_scene.py's tests, as it runs them."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    return [tuple(case) for case in mark.args[1]]


def _without_deletes(value: Any) -> Any:
    value = copy.deepcopy(value)
    if isinstance(value, dict):
        for form in value.values():
            if isinstance(form, dict):
                for k in [k for k, v in form.items() if v is ts.DELETE]:
                    del form[k]
    return value


def broken_scenes() -> Iterator[tuple[str, dict[str, Any]]]:
    """(``key: fragment`` of the validator's refusal, the broken document)."""
    ex = ts.example_doc
    for value, fragment in _cases(ts.test_scene_version):
        yield f"scene_version: {fragment}", ts.edit(ex(), "scene_version", value)
    for test in (ts.test_unknown_keys_suggest_the_nearest, ts.test_bad_values):
        for path, value, key, fragment in _cases(test):
            yield f"{key}: {fragment}", ts.edit(ex(), path, value)
    for text, key, fragment in _cases(ts.test_wrong_structure):
        doc = ex()
        doc.pop(text.split()[0].strip("[]"), None)
        yield f"{key}: {fragment}", tomllib.loads(ts.to_toml(doc) + "\n" + text + "\n")
    for value, fragment in _cases(ts.test_bad_times):
        doc = ts.edit(ex(), "time.start_utc", value)
        yield f"time.start_utc = {as_json(value)}: {fragment}", doc
    for codec, path, ok in _cases(ts.test_codec_needs_its_container):
        if not ok:
            doc = ts.edit(ts.edit(ex(), "output.codec", codec), "output.path", path)
            yield f"output.path: {codec} in {path}", doc
    for codec, crf, ok in _cases(ts.test_crf_range_depends_on_codec):
        if not ok:
            doc = ex()
            path = {"prores": "a.mov", "png": "frames"}.get(codec, "a.mp4")
            doc["output"].update(codec=codec, crf=crf, path=path)
            yield f"output.crf: {codec} crf {crf}", doc
    for orbit, key, fragment in _cases(ts.test_bad_orbits):
        yield f"{key}: {fragment}", ts.orbit_doc(_without_deletes(orbit))
    for lines, key, fragment in _cases(ts.test_bad_tles):
        yield f"{key}: {fragment}", ts.orbit_doc({"tle": lines})
    for look, drop_launches, key, fragment in _cases(ts.test_bad_look_targets):
        doc = ex()
        doc["camera"]["look"] = look
        if drop_launches:
            del doc["launch"]
        yield f"{key}: {fragment}", doc
    for layer, key, fragment in _cases(ts.test_bad_airglow_layers):
        yield f"{key}: {fragment}", ts.edit(ex(), "earth.airglow", {"layers": [ts.LAYER, layer]})
    for color, fragment in _cases(ts.test_bad_airglow_colors):
        layer = {**{k: v for k, v in ts.LAYER.items() if k != "wavelength_nm"}, "color": color}
        yield f"airglow color: {fragment}", ts.edit(ex(), "earth.airglow", {"layers": [layer]})
    for vehicle, key, fragment in _cases(ts.test_bad_custom_vehicles):
        yield f"{key}: {fragment}", ts.edit(ex(), ts.P, vehicle)


BROKEN = list(broken_scenes())

# What JSON Schema cannot say, and why.  Each of these the schema accepts and
# `orbitlapse check` refuses; the test below keeps the list exact.
_NOT_FINITE = "JSON has no NaN or infinity: a JSON Schema number cannot refuse them"
_TLE = "a TLE's checksum, satellite number and column values are arithmetic on the text"
_ACROSS = "it relates two values by arithmetic, which JSON Schema cannot compute"
_PROFILE = "rows must increase from one to the next: JSON Schema compares no two items"
NOT_EXPRESSIBLE: dict[str, str] = {
    "camera.fov_deg: got nan": _NOT_FINITE,
    "camera.look.azimuth_deg: got inf": _NOT_FINITE,
    "camera.look.roll_deg: got -inf": _NOT_FINITE,
    "launch[1].vehicle.profile[2]: got nan": _NOT_FINITE,
    "camera.exposure: give EV100": _ACROSS + " (EV100 from iso, shutter_s and f_number)",
    "launch[1].target_inclination_deg: cannot be reached from latitude 45.92: a launch there "
    "reaches 45.92 to 134.08 deg": _ACROSS + " (the site's latitude bounds the inclination)",
    "launch[1].target_inclination_deg: cannot be reached": _ACROSS,
    "camera.orbit.over.lat_deg: never passes over latitude 60: |lat_deg| must be at most 51.64": (
        _ACROSS + " (the inclination bounds the latitude)"
    ),
    "camera.orbit.over.lat_deg: at most 30": _ACROSS,
    "time.start_utc = 2018-02-30T00:00:00Z: not a valid date": (
        "the pattern knows months of up to 31 days, not the calendar"
    ),
    "camera.orbit.tle[2]: checksum mismatch": _TLE,
    "camera.orbit.tle[1]: checksum mismatch": _TLE,
    "camera.orbit.tle: different satellites": _TLE,
    "camera.orbit.tle[2]: columns 53-63 (mean motion)": _TLE,
    "camera.orbit.tle[1]: columns 19-32 (epoch)": _TLE,
    "camera.orbit.tle[2]: (inclination) must be a number from 0 to 180": _TLE,
    "camera.look.target: from 1 to 1": "the launch named must exist: the array's length is "
    "not a bound a JSON Schema pattern can use",
    "camera.look.target: no [[launch]] entries": "as above: launch:1 needs a [[launch]]",
    "launch[1].vehicle.profile[2]: must increase": _PROFILE,
    "launch[1].vehicle.profile[2]: downrange_km must not decrease": _PROFILE,
    "launch[1].vehicle.stages[1].separation_s: at most 525": (
        "the bound is the profile's last time, another value of the scene"
    ),
    "launch[1].vehicle.stages[2].separation_s: later than stage 1's 200 s": _PROFILE,
}


@pytest.mark.parametrize(("case", "doc"), BROKEN, ids=[case for case, _ in BROKEN])
def test_broken_scenes_are_refused_where_a_schema_can_say_why(case, doc):
    errors = schema_errors(doc)
    if case in NOT_EXPRESSIBLE:
        assert errors == [], f"the schema now catches {case}: drop it from NOT_EXPRESSIBLE"
    else:
        assert errors, f"the schema accepts the broken scene {case}"


def test_the_broken_cases_are_all_there():
    assert len(BROKEN) > 150
    # Most of them a schema catches: the editor flags them as they are typed.
    assert len(NOT_EXPRESSIBLE) < len(BROKEN) / 6
    assert set(NOT_EXPRESSIBLE) <= {case for case, _ in BROKEN}


@pytest.mark.skipif(shutil.which("taplo") is None, reason="the taplo CLI is not installed")
def test_taplo_reads_the_schema_through_the_one_line_directive(tmp_path):
    # Taplo is the engine of the TOML editors docs/scenes.md names: with the directive of
    # its Editor support section it accepts the shipped scenes and flags a broken one.
    (tmp_path / "scene.schema.json").write_text(scene_schema_text())
    for path in SCENES:
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text("#:schema ./scene.schema.json\n" + text)
    ok = subprocess.run(
        ["taplo", "check", *sorted(p.name for p in SCENES)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    quick = (tmp_path / "quick.toml").read_text().replace("fov_deg = 60", "fov_deg = 500")
    (tmp_path / "bad.toml").write_text(quick)
    bad = subprocess.run(
        ["taplo", "check", "bad.toml"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0 and "maximum of 170" in bad.stderr + bad.stdout


# ---------------------------------------------------------------------------
# Schema and validator agree at every bound of every number
# ---------------------------------------------------------------------------


def _placed(table: str) -> tuple[dict[str, Any], str]:
    """A valid document and the key path of ``table`` in it, for each table with numbers."""
    doc = ts.example_doc()
    if table in ("camera.orbit.elements", "camera.orbit.over"):
        form = table.rsplit(".", 1)[1]
        return ts.orbit_doc({form: copy.deepcopy(getattr(ts, form.upper()))}), table
    if table == "earth.airglow.layers":
        ts.edit(doc, "earth.airglow", {"layers": [dict(ts.LAYER)]})
        return doc, "earth.airglow.layers[1]"
    if table == "launch.vehicle.stages":
        ts.edit(doc, "launch[1].vehicle", copy.deepcopy(ts.VEHICLE))
        return doc, "launch[1].vehicle.stages[1]"
    if table == "launch":
        return doc, "launch[1]"
    if table == "camera.keyframe":
        doc["camera"]["keyframe"] = [{"t_s": 1.0}]
        return doc, "camera.keyframe[1]"
    if table == "{ lat_deg, lon_deg }":
        return doc, "launch[1].site"
    if table == "camera.look":
        doc["camera"]["look"] = {}
    return doc, table


def bound_cases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each number's first value beyond each of its bounds, in an otherwise valid scene."""
    for table in TABLES:
        for key in table.keys:
            if key.kind not in ("number", "integer"):
                continue
            rng = key.range
            beyond = []
            if rng.lo is not None:
                beyond.append(rng.lo if rng.lo_open else rng.lo - 1)
            if rng.hi is not None:
                beyond.append(rng.hi if rng.hi_open else rng.hi + 1)
            for value in beyond:
                doc, where = _placed(table.path)
                if key.name == "target_inclination_deg":
                    doc["launch"][0].pop("azimuth_deg", None)
                path = f"{where}.{key.name}"
                yield f"{path} = {value}", path, ts.edit(doc, path, value)


BOUNDS = list(bound_cases())


@pytest.mark.parametrize(("case", "path", "doc"), BOUNDS, ids=[c for c, _, _ in BOUNDS])
def test_schema_and_validator_refuse_the_same_value_beyond_each_bound(tmp_path, case, path, doc):
    err = ts.error(tmp_path, doc)
    assert err.key == path, str(err)
    assert schema_errors(doc), f"the schema accepts {case}"


def test_every_bounded_number_is_tried():
    assert len(BOUNDS) > 40
