"""Key definitions: what one key of a scene table is, said once for every reader.

A :class:`Key` names a key, its kind of value, its unit, its allowed range, its default
and a sentence that describes it; a :class:`Table` is the keys of one TOML table and the
rules between them.  The section parsers read values through :meth:`Table.read`, so the
range and default they enforce are the ones defined; ``renderer.scene.json_schema`` turns
the same definitions into the JSON Schema that ``orbitlapse schema`` prints.  The
definitions themselves are in ``renderer.scene.format``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from renderer.scene.fields import (
    _ANY,
    _MISSING,
    _bool,
    _choice,
    _Ctx,
    _int,
    _num,
    _Range,
    _str,
    _time,
)

# RFC 3339 with a UTC offset, as renderer.scene.fields reads it, in a year the ephemeris
# covers (its first and last days inside those years are checked by the parser alone).
# JSON Schema's regex dialect, ECMA 262, has no inline flags: T and Z in either case are
# spelled out.
_YEAR = "(1899|19[0-9]{2}|20[0-4][0-9]|205[0-3])"
_HOUR, _MINUTE = "([01][0-9]|2[0-3])", "[0-5][0-9]"
TIME_PATTERN = (
    rf"^\s*{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]{_HOUR}:{_MINUTE}:{_MINUTE}"
    rf"(\.[0-9]+)?([Zz]|[+-]{_HOUR}:{_MINUTE})\s*$"
)
# A file name: not blank, no NUL.
PATH_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"

#: The default of a key that must be given.
REQUIRED: Any = _MISSING

Kind = Literal[
    "number",  # a finite float (an integer is accepted) in ``range``
    "integer",  # a TOML integer in ``range``
    "bool",
    "string",  # a non-empty string (may be empty when the key has a default)
    "choice",  # one of ``choices``
    "time",  # an RFC 3339 time with a UTC offset, inside the ephemeris span
    "path",  # a non-empty file or folder name
    "table",  # the sub-table ``table``
    "switch",  # true (the defaults), false (off) or the sub-table ``table``
    "tables",  # an array of ``table`` tables, at most ``max_items``
    "name_or_table",  # one of ``choices`` (or a string matching ``shape``) or ``table``
    "custom",  # a value only ``shape`` describes; its parser is hand-written
]


@dataclass(frozen=True)
class Key:
    """One key of a scene table.

    ``default`` is :data:`REQUIRED`, a value, or None for "not set" (a feature that is
    off, a value computed from others).  ``shape`` is JSON Schema for what the kind
    cannot say (a pattern, a length); for ``custom`` it is the whole schema.
    ``default_text`` replaces the default in the documentation when it is computed.
    """

    name: str
    kind: Kind
    doc: str
    unit: str = ""
    range: _Range = _ANY
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    table: Table | None = None
    max_items: int | None = None
    shape: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    default_text: str = ""

    @property
    def required(self) -> bool:
        """Whether a scene must give this key."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    """The keys of one TOML table (``path`` as docs/scenes.md writes it).

    ``exactly_one`` lists groups of keys of which a scene gives exactly one;
    ``rules`` is JSON Schema for relations between keys that the generator emits as
    they are (the parser checks the same relations in code).
    """

    path: str
    doc: str
    keys: tuple[Key, ...]
    exactly_one: tuple[tuple[str, ...], ...] = ()
    rules: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        names = [k.name for k in self.keys]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.path}: a key is defined twice")
        for group in self.exactly_one:
            if not set(group) <= set(names):
                raise ValueError(f"{self.path}: exactly_one names an undefined key")

    @property
    def names(self) -> tuple[str, ...]:
        """The keys this table accepts, in definition order."""
        return tuple(k.name for k in self.keys)

    def __getitem__(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(f"{self.path} defines no key {name!r}")

    def read(
        self,
        ctx: _Ctx,
        tbl: dict[str, Any],
        where: str,
        name: str,
        *,
        rng: _Range | None = None,
        even: bool = False,
        note: str | None = None,
    ) -> Any:
        """The value of ``name`` in ``tbl`` (the table at key path ``where``), checked
        against its definition; its default when absent.

        ``rng``, ``even`` and ``note`` narrow an integer or number where another key
        decides (the codec's even sizes and crf range); the table's ``rules`` say the same.
        """
        key = self[name]
        rng = key.range if rng is None else rng
        text = key.note if note is None else note
        if key.kind == "number":
            return _num(ctx, tbl, where, name, rng, key.default, text)
        if key.kind == "integer":
            return _int(ctx, tbl, where, name, rng, key.default, even=even, note=text)
        if key.kind == "bool":
            return _bool(ctx, tbl, where, name, key.default)
        if key.kind == "string":
            return _str(ctx, tbl, where, name, key.default)
        if key.kind == "choice":
            return _choice(ctx, tbl, where, name, key.choices, key.default)
        if key.kind == "time":
            return _time(ctx, tbl, where, name)
        raise TypeError(f"{self.path}.{name} is a {key.kind}: its parser reads it")


def default_of(cls: type, name: str) -> Any:
    """The default of field ``name`` of the dataclass ``cls``: the one copy of a default."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
            return REQUIRED
    raise KeyError(f"{cls.__name__} has no field {name!r}")
