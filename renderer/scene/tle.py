"""Two-line element sets: the inline ``camera.orbit.tle`` key and ``tle_file``, a file of
many sets as CelesTrak distributes them, from which a named satellite's set nearest the
scene's start is picked.

Both are checked by the same rules: each line printable ASCII, 69 characters, its line
number, its checksum; the two lines of one satellite; the numeric columns in range; the
chosen set readable and propagatable by SGP4.
"""

from __future__ import annotations

import difflib
import math
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sgp4.api import SGP4_ERRORS, Satrec

from renderer.scene.fields import (
    _ANY,
    _INCLINATION,
    _as_path_text,
    _Ctx,
    _fmt_time,
    _got,
    _join,
    _quote,
    _Range,
)
from renderer.scene.schema import MAX_TLE_FILE_BYTES, TleOrbit

_TLE_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*", re.ASCII)
_TLE_IMPLIED = re.compile(r"\s*[+-]?\d{1,5}[+-]\d\s*", re.ASCII)
_TLE_DIGITS = re.compile(r"\s*\d+", re.ASCII)
# (line, first column, last column (1-based, inclusive), field, pattern, allowed range)
_TLE_FIELDS: tuple[tuple[int, int, int, str, re.Pattern[str], _Range], ...] = (
    (1, 19, 32, "epoch", _TLE_NUMBER, _Range(0, 100000)),
    (1, 34, 43, "first derivative of mean motion", _TLE_NUMBER, _ANY),
    (1, 45, 52, "second derivative of mean motion", _TLE_IMPLIED, _ANY),
    (1, 54, 61, "drag term", _TLE_IMPLIED, _ANY),
    (2, 9, 16, "inclination", _TLE_NUMBER, _INCLINATION),
    (2, 18, 25, "right ascension of the node", _TLE_NUMBER, _Range(0, 360)),
    (2, 27, 33, "eccentricity", _TLE_DIGITS, _ANY),
    (2, 35, 42, "argument of perigee", _TLE_NUMBER, _Range(0, 360)),
    (2, 44, 51, "mean anomaly", _TLE_NUMBER, _Range(0, 360)),
    (2, 53, 63, "mean motion", _TLE_NUMBER, _Range(0, 20, lo_open=True)),
)


def _tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def tle_epoch(line1: str) -> datetime:
    """The epoch of an element set (its line 1, columns 19-32), UTC to the second."""
    year = int(line1[18:20])
    year += 2000 if year < 57 else 1900  # the TLE convention: 57..99 are 1957..1999
    # Whole seconds: the 8-decimal day fraction is good to about a millisecond only.
    seconds = round((float(line1[20:32]) - 1.0) * 86400.0)
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def _line_problem(line: str, number: int) -> str | None:
    """What is wrong with one TLE line (1 or 2) on its own, or None."""
    if not line.isascii() or not line.isprintable():
        return "must contain only printable ASCII characters"
    if len(line) != 69:
        return f"must be 69 characters long, got {len(line)}"
    if line[:2] != f"{number} ":
        return f"must start with its line number '{number} ', got {_quote(line[:2])}"
    if not line[68].isdigit() or int(line[68]) != _tle_checksum(line):
        return (
            f"checksum mismatch: the digits sum to {_tle_checksum(line)} (mod 10) "
            f"but the last character is {_quote(line[68])}"
        )
    return None


def _same_satellite_problem(line1: str, line2: str) -> str | None:
    if line1[2:7] != line2[2:7]:
        return (
            f"the two lines name different satellites: {_quote(line1[2:7])} "
            f"and {_quote(line2[2:7])}"
        )
    return None


def _set_problem(line1: str, line2: str) -> tuple[int | None, str] | None:
    """What is wrong with a pair of well-formed lines as an element set: the line it is
    on (1, 2, or None for the set), and the message; None when SGP4 can use it."""
    lines = (line1, line2)
    for number, first, last, name, pattern, rng in _TLE_FIELDS:
        text = lines[number - 1][first - 1 : last]
        ok = pattern.fullmatch(text) is not None
        if ok and pattern is _TLE_NUMBER:
            ok = float(text) in rng
        if not ok:
            return (
                number,
                f"columns {first}-{last} ({name}) must be {rng.text('a number')}, "
                f"got {_quote(text)}",
            )
    day = float(line1[20:32])
    if not 1.0 <= day < 367.0:
        return 1, f"epoch day of year must be from 1 to 366, got {day:g}"
    try:
        sat = Satrec.twoline2rv(line1, line2)
    except Exception as exc:  # sgp4's parser raises assorted types on bad text
        return None, f"SGP4 cannot read this element set: {exc}"
    if sat.error:
        return None, f"SGP4 rejects this element set: {SGP4_ERRORS.get(sat.error, sat.error)}"
    err, r, _ = sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)
    if err or not all(math.isfinite(c) for c in r):
        return (
            None,
            f"SGP4 cannot propagate this element set: {SGP4_ERRORS.get(err, 'not finite')}",
        )
    return None


def _parse_tle(ctx: _Ctx, value: Any, where: str) -> TleOrbit:
    """``camera.orbit.tle``: an array of the two lines."""
    if not isinstance(value, list) or len(value) != 2:
        ctx.fail(where, f"must be an array of the two TLE lines (strings), got {_got(value)}")
    lines: list[str] = []
    for number, raw in enumerate(value, 1):
        lw = f"{where}[{number}]"
        if not isinstance(raw, str):
            ctx.fail(lw, f"must be a string, TLE line {number}, got {_got(raw)}")
        # Trailing blanks and newlines come with copy and paste; columns count from the left.
        line = raw.rstrip()
        problem = _line_problem(line, number)
        if problem is not None:
            ctx.fail(lw, problem)
        lines.append(line)
    line1, line2 = lines
    mismatch = _same_satellite_problem(line1, line2)
    if mismatch is not None:
        ctx.fail(where, mismatch)
    bad = _set_problem(line1, line2)
    if bad is not None:
        number, message = bad
        ctx.fail(where if number is None else f"{where}[{number}]", message)
    return TleOrbit(line1, line2)


# ---------------------------------------------------------------------------
# tle_file
# ---------------------------------------------------------------------------


def _fold(name: str) -> str:
    """A satellite name as compared: case and runs of blanks do not matter."""
    return " ".join(name.split()).casefold()


def _catalogue_number(line1: str) -> str:
    """Columns 3-7 of line 1 without leading blanks and zeros ("25544")."""
    return line1[2:7].strip().lstrip("0") or "0"


def _read_text(ctx: _Ctx, where: str, path: Path, shown: str) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        looked = "" if str(path) == shown else f" (looked for {path})"
        ctx.fail(where, f"{shown}: no such file{looked}")
    except (OSError, ValueError) as exc:
        ctx.fail(where, f"{shown}: cannot read: {getattr(exc, 'strerror', None) or exc}")
    if stat.S_ISDIR(st.st_mode):
        ctx.fail(where, f"{shown}: is a directory, not a TLE file")
    if not stat.S_ISREG(st.st_mode):
        ctx.fail(where, f"{shown}: is not a regular file")
    limit_mib = MAX_TLE_FILE_BYTES >> 20
    if st.st_size > MAX_TLE_FILE_BYTES:
        ctx.fail(where, f"{shown}: is {st.st_size} bytes, more than a TLE file's {limit_mib} MiB")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TLE_FILE_BYTES + 1)
    except OSError as exc:
        ctx.fail(where, f"{shown}: cannot read: {exc.strerror or exc}")
    if len(data) > MAX_TLE_FILE_BYTES:
        ctx.fail(where, f"{shown}: more than a TLE file's {limit_mib} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        ctx.fail(where, f"{shown}: is not a text file (bad byte at offset {exc.start})")


# One element set of a file: its name line (None in a 2-line file), the number of its
# line 1 in the file, and its two lines.
_FileSet = tuple[str | None, int, str, str]


def _read_sets(ctx: _Ctx, where: str, text: str, shown: str) -> list[_FileSet]:
    """Every element set of a 3-line (name, line 1, line 2) or 2-line file, every line
    checked as the inline key's lines are."""
    rows = [(no, raw.rstrip()) for no, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    sets: list[_FileSet] = []
    name: tuple[int, str] | None = None
    i = 0
    while i < len(rows):
        no, line = rows[i]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if line.startswith("1 ") and nxt is not None and nxt[1].startswith("2 "):
            for n, (line_no, text_line) in enumerate((rows[i], nxt), 1):
                problem = _line_problem(text_line, n)
                if problem is not None:
                    ctx.fail(where, f"{shown} line {line_no}: TLE line {n} {problem}")
            mismatch = _same_satellite_problem(line, nxt[1])
            if mismatch is not None:
                ctx.fail(where, f"{shown} lines {no}-{nxt[0]}: {mismatch}")
            sets.append((name[1] if name else None, no, line, nxt[1]))
            name = None
            i += 2
            continue
        if line.startswith("1 "):
            ctx.fail(where, f"{shown} line {no}: TLE line 1 without its line 2 after it")
        if line.startswith("2 "):
            ctx.fail(where, f"{shown} line {no}: TLE line 2 without its line 1 before it")
        if name is not None:
            ctx.fail(
                where,
                f"{shown} line {no}: expected TLE line 1 after the name line "
                f"{_quote(name[1].strip())}, got {_quote(line.strip())}",
            )
        # Space-Track's 3-line files start the name line with "0 ".
        name = (no, line.strip().removeprefix("0 ").strip())
        i += 1
    if name is not None:
        ctx.fail(where, f"{shown} line {name[0]}: a name line with no element set after it")
    if not sets:
        ctx.fail(where, f"{shown}: holds no element sets")
    return sets


def _describe_names(sets: list[_FileSet]) -> str:
    names = sorted({s[0] or _catalogue_number(s[2]) for s in sets})
    shown = ", ".join(_quote(n) for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _count(numbers: set[str]) -> str:
    return "1 satellite" if len(numbers) == 1 else f"{len(numbers)} satellites"


def _pick_satellite(
    ctx: _Ctx, where: str, tbl: dict[str, Any], sets: list[_FileSet], shown: str
) -> list[_FileSet]:
    """The sets of the satellite ``satellite`` names (all sets where it is not given)."""
    sw = _join(where, "satellite")
    numbers = {_catalogue_number(s[2]) for s in sets}
    if "satellite" not in tbl:
        if len(numbers) > 1:
            ctx.fail(
                sw,
                f"missing: {shown} holds {_count(numbers)} ({_describe_names(sets)}): "
                'name one, satellite = "ISS (ZARYA)", or give its NORAD catalogue number',
            )
        return sets
    value = tbl["satellite"]
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        ctx.fail(
            sw,
            "must be a satellite's name (a string) or its NORAD catalogue number "
            f"(an integer), got {_got(value)}",
        )
    if isinstance(value, int):
        if not 1 <= value <= 99999:
            ctx.fail(sw, f"a NORAD catalogue number must be from 1 to 99999, got {value}")
        found = [s for s in sets if _catalogue_number(s[2]) == str(value)]
        if not found:
            ctx.fail(
                sw,
                f"no satellite {value} in {shown}; it holds {_count(numbers)} "
                f"({_describe_names(sets)})",
            )
        return found
    wanted = _fold(value)
    found = [s for s in sets if s[0] is not None and _fold(s[0]) == wanted]
    if not found and value.strip().isdigit():
        found = [s for s in sets if _catalogue_number(s[2]) == value.strip().lstrip("0")]
    if not found:
        names = sorted({s[0] for s in sets if s[0] is not None})
        if not names:
            ctx.fail(
                sw,
                f"{shown} has no name lines (a 2-line file): give the NORAD catalogue "
                f"number instead, one of {_describe_names(sets)}",
            )
        folded = {_fold(n): n for n in names}
        near = difflib.get_close_matches(wanted, list(folded), n=3, cutoff=0.6)
        near += [f for f in folded if wanted in f and f not in near][: 3 - len(near)]
        hint = (
            "; did you mean " + " or ".join(_quote(folded[f]) for f in near) + "?"
            if near
            else f"; it holds {_describe_names(sets)}"
        )
        ctx.fail(sw, f"no satellite named {_quote(value)} in {shown}{hint}")
    different = {_catalogue_number(s[2]) for s in found}
    if len(different) > 1:
        ctx.fail(
            sw,
            f"{_quote(value)} names {len(different)} different satellites in {shown} "
            f"(catalogue numbers {', '.join(sorted(different))}): give the number instead",
        )
    return found


def _parse_tle_file(ctx: _Ctx, tbl: dict[str, Any], where: str, start_utc: datetime) -> TleOrbit:
    """``camera.orbit.tle_file`` (with ``satellite``): the set of that satellite whose
    epoch is nearest the scene's start."""
    fw = _join(where, "tle_file")
    text_path = _as_path_text(ctx, tbl["tle_file"], fw)
    path = ctx.base_dir / text_path
    text = _read_text(ctx, fw, path, text_path)
    sets = _read_sets(ctx, fw, text, text_path)
    mine = _pick_satellite(ctx, where, tbl, sets, text_path)
    distance: list[float] = []
    for _, no, line1, _ in mine:
        _, first, last, field, pattern, _ = _TLE_FIELDS[0]
        epoch_text = line1[first - 1 : last]
        if pattern.fullmatch(epoch_text) is None or not 1.0 <= float(line1[20:32]) < 367.0:
            ctx.fail(
                fw,
                f"{text_path} line {no}: TLE line 1 columns {first}-{last} ({field}) must be "
                f"a year and a day of the year, got {_quote(epoch_text)}",
            )
        distance.append(abs((tle_epoch(line1) - start_utc).total_seconds()))
    name, line_no, line1, line2 = mine[distance.index(min(distance))]
    bad = _set_problem(line1, line2)
    if bad is not None:
        number, message = bad
        at = f"line {line_no + number - 1}" if number else f"lines {line_no}-{line_no + 1}"
        ctx.fail(
            fw,
            f"{text_path} {at} (the set of {_fmt_time(tle_epoch(line1))}, nearest the "
            f"start): {message}",
        )
    return TleOrbit(line1, line2, name=name, source=path, candidates=len(mine))
