"""Where the camera's orbit comes from: the ISS defaults of ``over`` and element sets
picked by name from a TLE file (``tle_file``)."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec, jday

from renderer.errors import SceneError
from renderer.scene import OverOrbit, describe, load_scene, loads_scene

# The two real ISS element sets of docs/physics.md (2018-11-11 and 2018-11-23).
ISS_SETS = (
    (
        "1 25544U 98067A   18315.44449074  .00003271  00000-0  56997-4 0  9997",
        "2 25544  51.6420   4.8937 0005168  36.0917 153.8179 15.53950133141417",
    ),
    (
        "1 25544U 98067A   18327.76881777  .00002477  00000-0  44843-4 0  9999",
        "2 25544  51.6406 303.4674 0005305  77.2314 344.6784 15.54011739143334",
    ),
)
A_KM = 6378.137

MINIMAL = """\
scene_version = 1
[time]
start_utc = "2018-11-16T18:14:28Z"
[output]
width = 64
height = 36
duration_s = 1
"""


def test_over_defaults_are_the_iss_of_november_2018():
    scene = loads_scene(
        MINIMAL + "[camera.orbit]\nover = { lat_deg = 30, lon_deg = 31, time_utc = "
        '"2018-11-16T10:00:00Z" }\n'
    )
    orbit = scene.camera.orbit
    assert isinstance(orbit, OverOrbit)
    for line1, line2 in ISS_SETS:
        # The inclination as the element set gives it (columns 9-16 of line 2).
        assert orbit.inclination_deg == pytest.approx(float(line2[8:16]), abs=0.01)
        # The mean geocentric distance over one orbit on 2018-11-16, straight from sgp4's
        # TEME positions, is the circular orbit's radius 6378.137 km + altitude_km.
        sat = Satrec.twoline2rv(line1, line2)
        jd, fr = jday(2018, 11, 16, 18, 0, 0)
        radii = []
        for k in range(200):
            err, r, _ = sat.sgp4(jd, fr + k * 92.7 / 200 / 1440)
            assert err == 0
            radii.append(math.dist(r, (0, 0, 0)))
        assert A_KM + orbit.altitude_km == pytest.approx(float(np.mean(radii)), abs=1.0)
    assert orbit.ascending is True


def test_over_keys_still_override_the_defaults():
    scene = loads_scene(
        MINIMAL + "[camera.orbit]\nover = { lat_deg = 30, lon_deg = 31, time_utc = "
        '"2018-11-16T10:00:00Z", altitude_km = 550, inclination_deg = 97.6 }\n'
    )
    assert scene.camera.orbit == OverOrbit(
        30.0, 31.0, datetime(2018, 11, 16, 10, tzinfo=UTC), 550.0, 97.6, True
    )


# ---------------------------------------------------------------------------
# tle_file
# ---------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
ISS_FILE = REPO / "scenes" / "iss-2018-11.tle"


def checksum(line: str) -> str:
    """The line with its last column set to the TLE checksum of the first 68."""
    total = sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10
    return line[:68] + str(total)


def make_set(number: int, epoch: str, base: tuple[str, str] = ISS_SETS[0]) -> tuple[str, str]:
    """TEST DATA, not a real element set: the 2018-11-11 ISS elements under another
    catalogue number and epoch (``epoch`` as TLE columns 19-32, "18320.50000000")."""
    line1 = f"1 {number:05d}U" + base[0][8:18] + epoch + base[0][32:]
    line2 = f"2 {number:05d}" + base[1][7:]
    return checksum(line1), checksum(line2)


def scene_with(folder: Path, orbit: str, start: str = "2018-11-16T18:14:28Z") -> Path:
    path = folder / "s.toml"
    path.write_text(MINIMAL.replace("2018-11-16T18:14:28Z", start) + "[camera.orbit]\n" + orbit)
    return path


def load_error(path: Path) -> SceneError:
    with pytest.raises(SceneError) as info:
        load_scene(path)
    return info.value


def write_lines(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n")
    return path


# A generated file of TEST DATA: two made-up satellites with sets at several epochs,
# around the two real ISS sets.
TEST_A = "TESTSAT A (TEST DATA)"
TEST_B = "TESTSAT B (TEST DATA)"


def make_file(folder: Path) -> Path:
    rows: list[str] = []
    for epoch in ("18310.00000000", "18316.70000000", "18318.00000000", "18330.25000000"):
        rows += [TEST_A, *make_set(90001, epoch)]
        rows += [TEST_B, *make_set(90002, epoch)]
    for line1, line2 in ISS_SETS:
        rows += ["ISS (ZARYA)             ", line1, line2]
    return write_lines(folder / "many.tle", rows)


def test_the_shipped_file_gives_the_flagships_set_and_the_later_one_later(tmp_path):
    import shutil

    shutil.copy(ISS_FILE, tmp_path / "iss.tle")
    orbit = load_scene(
        scene_with(tmp_path, 'tle_file = "iss.tle"\nsatellite = "ISS (ZARYA)"\n')
    ).camera.orbit
    assert (orbit.line1, orbit.line2) == ISS_SETS[0]
    assert orbit.name == "ISS (ZARYA)" and orbit.candidates == 2
    assert orbit.source == tmp_path / "iss.tle"
    # 2018-11-21: 9.6 days after the first epoch, 2.8 days before the second.
    later = load_scene(
        scene_with(tmp_path, 'tle_file = "iss.tle"\nsatellite = 25544\n', "2018-11-21T00:00:00Z")
    )
    assert (later.camera.orbit.line1, later.camera.orbit.line2) == ISS_SETS[1]


@pytest.mark.parametrize(
    "satellite", ['"ISS (ZARYA)"', '"iss  (zarya)"', "25544", '"25544"', '"  ISS (ZARYA) "']
)
def test_a_satellite_by_name_or_number(tmp_path, satellite):
    make_file(tmp_path)
    orbit = load_scene(
        scene_with(tmp_path, f'tle_file = "many.tle"\nsatellite = {satellite}\n')
    ).camera.orbit
    assert (orbit.line1, orbit.line2) == ISS_SETS[0]


@pytest.mark.parametrize(
    ("start", "epoch"),
    [
        ("2018-11-05T00:00:00Z", "18310.00000000"),  # before every set: the first
        ("2018-11-12T17:00:00Z", "18316.70000000"),  # 2018-11-12 16:48 is 12 min away
        ("2018-11-13T08:00:00Z", "18316.70000000"),  # 15.2 h to it, 16 h to the next
        ("2018-11-13T09:00:00Z", "18318.00000000"),  # 16.2 h to it, 15 h to the next
        ("2018-12-20T00:00:00Z", "18330.25000000"),  # after every set: the last
    ],
)
def test_the_set_nearest_the_start_is_taken(tmp_path, start, epoch):
    make_file(tmp_path)
    orbit = load_scene(
        scene_with(tmp_path, f'tle_file = "many.tle"\nsatellite = "{TEST_A}"\n', start)
    ).camera.orbit
    assert orbit.line1[18:32] == epoch and orbit.line1[2:7] == "90001"
    assert orbit.candidates == 4


def test_two_line_files_and_space_track_name_lines(tmp_path):
    write_lines(tmp_path / "two.tle", [*ISS_SETS[1], *ISS_SETS[0]])
    orbit = load_scene(scene_with(tmp_path, 'tle_file = "two.tle"\n')).camera.orbit
    assert (orbit.line1, orbit.line2) == ISS_SETS[0] and orbit.name is None
    orbit = load_scene(scene_with(tmp_path, 'tle_file = "two.tle"\nsatellite = 25544\n'))
    assert orbit.camera.orbit.line1 == ISS_SETS[0][0]
    # CelesTrak serves its files with CRLF line ends and blank-padded names.
    (tmp_path / "crlf.tle").write_bytes(
        b"\r\n".join(x.encode() for x in ["ISS (ZARYA)             ", *ISS_SETS[0]]) + b"\r\n"
    )
    orbit = load_scene(scene_with(tmp_path, 'tle_file = "crlf.tle"\nsatellite = "ISS (ZARYA)"\n'))
    assert (orbit.camera.orbit.line1, orbit.camera.orbit.line2) == ISS_SETS[0]
    write_lines(tmp_path / "st.tle", ["0 ISS (ZARYA)", *ISS_SETS[0]])
    orbit = load_scene(scene_with(tmp_path, 'tle_file = "st.tle"\nsatellite = "ISS (ZARYA)"\n'))
    assert orbit.camera.orbit.name == "ISS (ZARYA)"


def test_a_set_from_a_file_flies_as_the_same_set_inline(tmp_path):
    from renderer.timeline import build_timeline

    make_file(tmp_path)
    from_file = load_scene(scene_with(tmp_path, 'tle_file = "many.tle"\nsatellite = 25544\n'))
    inline = load_scene(scene_with(tmp_path, f'tle = ["{ISS_SETS[0][0]}", "{ISS_SETS[0][1]}"]\n'))
    a = build_timeline(from_file, [0.0, 600.0]).camera_pos_km
    b = build_timeline(inline, [0.0, 600.0]).camera_pos_km
    assert np.array_equal(a, b)
    assert "ISS (ZARYA) (25544) from many.tle (the nearest of 2 sets)" in describe(from_file)
    assert "(5.3 days before the start)" in describe(from_file)


def _bad_set_file(folder: Path, rows: list[str]) -> Path:
    return write_lines(folder / "bad.tle", rows)


L1, L2 = ISS_SETS[0]


@pytest.mark.parametrize(
    ("rows", "satellite", "key", "fragment"),
    [
        (
            ["ISS (ZARYA)", L1, L2[:-1] + "8"],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 3: TLE line 2 checksum mismatch",
        ),
        (
            ["ISS (ZARYA)", L1[:-1], L2],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 2: TLE line 1 must be 69 characters long, got 68",
        ),
        (
            ["ISS (ZARYA)", L1],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 2: TLE line 1 without its line 2",
        ),
        (
            ["ISS (ZARYA)", L2],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 2: TLE line 2 without its line 1",
        ),
        (
            ["ISS (ZARYA)", "scene_version = 1", L1, L2],
            '"ISS (ZARYA)"',
            "tle_file",
            'bad.tle line 2: expected TLE line 1 after the name line "ISS (ZARYA)"',
        ),
        (
            ["ISS (ZARYA)", L1, L2, "ISS (ZARYA)"],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 4: a name line with no element set after it",
        ),
        (["", "   "], '"ISS (ZARYA)"', "tle_file", "bad.tle: holds no element sets"),
        (
            ["ISS (ZARYA)", L1, checksum(L2[:2] + "25545" + L2[7:])],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle lines 2-3: the two lines name different satellites",
        ),
        (
            ["ISS (ZARYA)", L1, checksum(L2[:52] + "00.00000000" + L2[63:])],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 3 (the set of 2018-11-11 10:40:04 UTC, nearest the start): "
            "columns 53-63 (mean motion)",
        ),
        (
            ["ISS (ZARYA)", checksum(L1[:18] + "18xyz.0000000" + L1[31:]), L2],
            '"ISS (ZARYA)"',
            "tle_file",
            "bad.tle line 2: TLE line 1 columns 19-32 (epoch)",
        ),
        (
            ["ISS (ZARYA)", L1, L2],
            '"ISS ZARYA"',
            "satellite",
            'no satellite named "ISS ZARYA" in bad.tle; did you mean "ISS (ZARYA)"?',
        ),
        (["ISS (ZARYA)", L1, L2], '"iss"', "satellite", 'did you mean "ISS (ZARYA)"?'),
        (
            ["ISS (ZARYA)", L1, L2],
            "25545",
            "satellite",
            'no satellite 25545 in bad.tle; it holds 1 satellite ("ISS (ZARYA)")',
        ),
        (
            [L1, L2],
            '"ISS (ZARYA)"',
            "satellite",
            "bad.tle has no name lines (a 2-line file): give the NORAD catalogue number",
        ),
        (["ISS (ZARYA)", L1, L2], "0", "satellite", "from 1 to 99999, got 0"),
        (
            ["ISS (ZARYA)", L1, L2],
            "25544.0",
            "satellite",
            "must be a satellite's name (a string) or its NORAD catalogue number",
        ),
        (["ISS (ZARYA)", L1, L2], "true", "satellite", "got true"),
        (
            [
                "TESTSAT",
                *make_set(90001, "18320.00000000"),
                "TESTSAT",
                *make_set(90002, "18320.00000000"),
            ],
            '"TESTSAT"',
            "satellite",
            '"TESTSAT" names 2 different satellites',
        ),
        (
            ["ISS (ZARYA)", L1, L2, "TESTSAT", *make_set(90001, "18320.00000000")],
            None,
            "satellite",
            'missing: bad.tle holds 2 satellites ("ISS (ZARYA)", "TESTSAT")',
        ),
    ],
)
def test_bad_tle_files_are_one_error_naming_the_file_and_key(
    tmp_path, rows, satellite, key, fragment
):
    _bad_set_file(tmp_path, rows)
    orbit = 'tle_file = "bad.tle"\n' + (f"satellite = {satellite}\n" if satellite else "")
    err = load_error(scene_with(tmp_path, orbit))
    assert err.key == f"camera.orbit.{key}", str(err)
    assert fragment in err.message, str(err)
    assert "\n" not in str(err)


def test_tle_file_problems_with_the_file_itself(tmp_path):
    err = load_error(scene_with(tmp_path, 'tle_file = "nowhere.tle"\nsatellite = 25544\n'))
    assert err.key == "camera.orbit.tle_file"
    assert err.message == f"nowhere.tle: no such file (looked for {tmp_path / 'nowhere.tle'})"
    (tmp_path / "folder.tle").mkdir()
    err = load_error(scene_with(tmp_path, 'tle_file = "folder.tle"\n'))
    assert "folder.tle: is a directory" in err.message
    (tmp_path / "binary.tle").write_bytes(b"ISS\xff\xfe\n")
    err = load_error(scene_with(tmp_path, 'tle_file = "binary.tle"\n'))
    assert "binary.tle: is not a text file (bad byte at offset 3)" in err.message
    err = load_error(scene_with(tmp_path, 'tle_file = ""\n'))
    assert "non-empty path" in err.message
    err = load_error(scene_with(tmp_path, f'tle = ["{L1}", "{L2}"]\nsatellite = 25544\n'))
    assert err.key == "camera.orbit.satellite"
    assert "only goes with tle_file" in err.message
    err = load_error(scene_with(tmp_path, f'tle = ["{L1}", "{L2}"]\ntle_file = "x.tle"\n'))
    assert "exactly one of tle, tle_file, elements or over, got tle and tle_file" in err.message


def test_a_set_sgp4_cannot_carry_to_the_scene_names_tle_file(tmp_path):
    # A drag term of 0.99999 brings the satellite down within days of its epoch.
    write_lines(
        tmp_path / "decay.tle",
        ["DECAYING (TEST DATA)", checksum(L1[:53] + " 99999-0" + L1[61:]), L2],
    )
    err = load_error(scene_with(tmp_path, 'tle_file = "decay.tle"\n', "2019-06-01T00:00:00Z"))
    assert err.key == "camera.orbit.tle_file" and "SGP4 cannot propagate" in err.message


@pytest.mark.parametrize(
    ("orbit", "fragment"),
    [
        (
            'tle_file = "missing.tle"\nsatellite = 25544\n',
            "s.toml: camera.orbit.tle_file: missing.tle: no such file",
        ),
        (
            'tle_file = "iss.tle"\nsatellite = "ISS"\n',
            's.toml: camera.orbit.satellite: no satellite named "ISS" in iss.tle; '
            'did you mean "ISS (ZARYA)"?',
        ),
    ],
)
def test_check_refuses_a_bad_tle_file_in_one_line_with_status_2(tmp_path, orbit, fragment):
    import shutil

    shutil.copy(ISS_FILE, tmp_path / "iss.tle")
    proc = subprocess.run(
        [sys.executable, "-m", "renderer", "check", str(scene_with(tmp_path, orbit))],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr
    assert "Traceback" not in proc.stderr
