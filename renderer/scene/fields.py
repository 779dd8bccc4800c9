"""The validation toolkit the section parsers share.

Every check raises :class:`renderer.errors.SceneError` naming the file, the key path
and what is wrong.  Numbers, integers, strings, booleans, choices, paths and RFC 3339
times are read here, with ranges and "did you mean" suggestions; the underscore names
are this package's own and are not used outside ``renderer.scene``.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from renderer.errors import SceneError
from renderer.scene.schema import EPHEMERIS_FIRST, EPHEMERIS_LAST, MAX_ORBIT_ALTITUDE_KM

_TIME_EXAMPLE = '"2018-11-16T18:14:08Z"'
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)?", re.ASCII
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_LAUNCH_REF = re.compile(r"launch:([0-9]{1,9})", re.ASCII)

_MISSING: Any = object()
_T = TypeVar("_T")


# ---------------------------------------------------------------------------
# Validation toolkit: every check raises SceneError(file, key path, message).
# ---------------------------------------------------------------------------


class _Ctx:
    """The file messages name, and the folder relative texture paths start from."""

    def __init__(self, file: str, base_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir

    def fail(self, key: str, message: str) -> NoReturn:
        raise SceneError(self.file, key, message)


@dataclass(frozen=True)
class _Range:
    """An interval of allowed numbers; None is unbounded on that side."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, x: float) -> bool:
        if self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo):
            return False
        return self.hi is None or (x < self.hi if self.hi_open else x <= self.hi)

    def text(self, noun: str) -> str:
        """``noun`` with its bounds in words: "a number from 1 to 170"."""
        lo = None if self.lo is None else _fmt_num(self.lo)
        hi = None if self.hi is None else _fmt_num(self.hi)
        if lo is not None and hi is not None:
            if not self.lo_open and not self.hi_open:
                return f"{noun} from {lo} to {hi}"
            if self.lo_open and not self.hi_open:
                return f"{noun} greater than {lo} and at most {hi}"
            if not self.lo_open:
                return f"{noun} from {lo} up to but not including {hi}"
            return f"{noun} between {lo} and {hi}, exclusive"
        if lo is not None:
            return f"{noun} greater than {lo}" if self.lo_open else f"{noun} of at least {lo}"
        if hi is not None:
            return f"{noun} less than {hi}" if self.hi_open else f"{noun} of at most {hi}"
        return "a finite number" if noun == "a number" else noun


_ANY = _Range()
_POSITIVE = _Range(0.0, lo_open=True)
_NON_NEGATIVE = _Range(0.0)
_LATITUDE = _Range(-90.0, 90.0)
_LONGITUDE = _Range(-180.0, 360.0)
_INCLINATION = _Range(0.0, 180.0)
_ORBIT_ALTITUDE = _Range(0.0, MAX_ORBIT_ALTITUDE_KM, lo_open=True)


def _fmt_num(x: float) -> str:
    if isinstance(x, int) or (x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return f"{x:g}"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _quote(text: str) -> str:
    return json.dumps(_clip(text), ensure_ascii=False)


def _got(value: Any) -> str:
    """A value as a message shows it after "got"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _clip(str(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _key_text(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _join(path: str, key: str) -> str:
    return f"{path}.{_key_text(key)}" if path else _key_text(key)


def _nearest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word``, compared without case, if any is close."""
    folded = {c.lower(): c for c in choices}
    low = word.lower()
    hits = difflib.get_close_matches(low, list(folded), n=1, cutoff=0.6)
    if hits:
        return folded[hits[0]]
    # A key without its unit suffix ("limit" for "limiting_magnitude") is a prefix of it.
    if len(low) >= 3:
        for folded_choice, choice in folded.items():
            if folded_choice.startswith(low):
                return choice
    return None


def _check_keys(ctx: _Ctx, tbl: dict[str, Any], path: str, known: Sequence[str]) -> None:
    for key in tbl:
        if key in known:
            continue
        near = _nearest(key, known)
        if near is not None:
            hint = f"did you mean '{near}'?"
        elif known:
            hint = "known keys here: " + ", ".join(known)
        else:
            hint = "this table takes no keys"
        ctx.fail(_join(path, key), f"unknown key; {hint}")


def _table(ctx: _Ctx, value: Any, where: str, known: Sequence[str]) -> dict[str, Any]:
    """``value`` as a table with only ``known`` keys."""
    if not isinstance(value, dict):
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            got = "an array of tables"
        else:
            got = _got(value)
        ctx.fail(where, f"must be a table, got {got}")
    _check_keys(ctx, value, where, known)
    return value


def _sub(
    ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, known: Sequence[str]
) -> dict[str, Any]:
    """The sub-table ``key`` of ``tbl``, empty when absent."""
    if key not in tbl:
        return {}
    return _table(ctx, tbl[key], _join(path, key), known)


def _as_number(ctx: _Ctx, value: Any, where: str, rng: _Range, note: str = "") -> float:
    req = rng.text("a number") + note
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    try:
        x = float(value)
    except OverflowError:
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    if not math.isfinite(x) or x not in rng:
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    return x


def _as_int(
    ctx: _Ctx, value: Any, where: str, rng: _Range, *, even: bool = False, note: str = ""
) -> int:
    # A float is refused even when integral (width = 320.0): TOML tells the two apart,
    # and a float where a count belongs is usually a mistake worth pointing out.
    req = rng.text("an even integer" if even else "an integer") + note
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    if value not in rng or (even and value % 2):
        ctx.fail(where, f"must be {req}, got {_got(value)}")
    return value


def _num(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    rng: _Range,
    default: Any = _MISSING,
    note: str = "",
) -> Any:
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, f"missing: must be {rng.text('a number')}{note}")
        return default
    return _as_number(ctx, tbl[key], where, rng, note)


def _int(
    ctx: _Ctx,
    tbl: dict[str, Any],
    path: str,
    key: str,
    rng: _Range,
    default: Any = _MISSING,
    *,
    even: bool = False,
    note: str = "",
) -> Any:
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, f"missing: must be {rng.text('an integer')}{note}")
        return default
    return _as_int(ctx, tbl[key], where, rng, even=even, note=note)


def _str(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, default: Any = _MISSING) -> Any:
    """A non-empty string (title may be empty)."""
    where = _join(path, key)
    if key not in tbl:
        if default is _MISSING:
            ctx.fail(where, "missing: must be a non-empty string")
        return default
    value = tbl[key]
    if not isinstance(value, str) or (not value.strip() and default is _MISSING):
        ctx.fail(where, f"must be a non-empty string, got {_got(value)}")
    return value


def _bool(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, default: bool) -> bool:
    value = tbl.get(key, default)
    if not isinstance(value, bool):
        ctx.fail(_join(path, key), f"must be true or false, got {_got(value)}")
    return value


def _choice(
    ctx: _Ctx, tbl: dict[str, Any], path: str, key: str, choices: Sequence[str], default: str
) -> str:
    value = tbl.get(key, default)
    if isinstance(value, str) and value in choices:
        return value
    msg = f"must be one of {', '.join(choices)}, got {_got(value)}"
    near = _nearest(value, choices) if isinstance(value, str) else None
    ctx.fail(_join(path, key), msg + (f"; did you mean '{near}'?" if near else ""))


def _norm360(deg: float) -> float:
    """An angle in [0, 360)."""
    x = deg % 360.0
    return 0.0 if x >= 360.0 else x + 0.0  # -1e-20 % 360 rounds to 360; + 0.0 drops -0.0


def _norm_lon(deg: float) -> float:
    """A longitude in (-180, 180]."""
    x = _norm360(deg)
    return x - 360.0 if x > 180.0 else x


def _as_path_text(ctx: _Ctx, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        ctx.fail(where, f"must be a non-empty path string, got {_got(value)}")
    if "\x00" in value:
        ctx.fail(where, "must not contain a NUL character")
    return value


# ---------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------


def _time_range_text() -> str:
    return (
        f"between {EPHEMERIS_FIRST:%Y-%m-%d} and {EPHEMERIS_LAST:%Y-%m-%d} UTC "
        "(the span of the DE421 ephemeris)"
    )


def _parse_rfc3339(ctx: _Ctx, text: str, where: str) -> datetime:
    m = _RFC3339.fullmatch(text.strip())
    if m is None:
        ctx.fail(where, f"must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}, got {_got(text)}")
    if m[8] is None:
        ctx.fail(
            where,
            f"has no UTC offset: add Z for UTC or an offset such as +03:00, got {_got(text)}",
        )
    year, month, day, hour, minute, second = (int(m[i]) for i in range(1, 7))
    if second == 60:
        ctx.fail(where, f"leap seconds (:60) are not supported, got {_got(text)}")
    micro = int((m[7][1:] + "000000")[:6]) if m[7] else 0
    if m[8] in ("Z", "z"):
        tz = UTC
    else:
        oh, om = int(m[8][1:3]), int(m[8][4:6])
        if oh > 23 or om > 59:
            ctx.fail(where, f"has an invalid UTC offset {m[8]}, got {_got(text)}")
        sign = -1 if m[8][0] == "-" else 1
        tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        ctx.fail(where, f"is not a valid date and time ({exc}), got {_got(text)}")


def _as_time(ctx: _Ctx, value: Any, where: str) -> datetime:
    """An aware UTC datetime from an RFC 3339 string or a TOML offset date-time."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            ctx.fail(
                where,
                "has no UTC offset: add Z for UTC or an offset such as +03:00, "
                f"got {value.isoformat()}",
            )
        dt = value
    elif isinstance(value, str):
        dt = _parse_rfc3339(ctx, value, where)
    else:
        ctx.fail(where, f"must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}, got {_got(value)}")
    try:
        utc: datetime | None = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None  # year 1 or 9999 shifted by its offset: out of range anyway
    if utc is None or not EPHEMERIS_FIRST <= utc <= EPHEMERIS_LAST:
        ctx.fail(where, f"must be {_time_range_text()}, got {_got(value)}")
    return utc


def _time(ctx: _Ctx, tbl: dict[str, Any], path: str, key: str) -> datetime:
    where = _join(path, key)
    if key not in tbl:
        ctx.fail(where, f"missing: must be an RFC 3339 UTC time such as {_TIME_EXAMPLE}")
    return _as_time(ctx, tbl[key], where)


def parse_utc(text: str, file: str | Path | None = None, key: str = "--utc") -> datetime:
    """Parse a command-line UTC time (``orbitlapse still --utc``) by the scene's rules.

    Accepts RFC 3339 with ``Z`` or an offset and returns an aware UTC datetime inside the
    ephemeris span.  A bad time raises :class:`SceneError` naming ``file`` and ``key``
    when ``file`` is given, else :class:`ValueError` with the bare message (what an
    argparse ``type=`` function needs).
    """
    if file is not None:
        return _as_time(_Ctx(str(file), Path(file).parent), text, key)
    try:
        return _as_time(_Ctx("", Path()), text, key)
    except SceneError as exc:
        raise ValueError(exc.message) from None


def _fmt_time(dt: datetime) -> str:
    text = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if dt.microsecond:
        text += f".{dt.microsecond // 1000:03d}"
    return text + " UTC"
