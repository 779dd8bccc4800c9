"""The scene format as JSON Schema, generated from the key definitions the parsers read.

``orbitlapse schema`` prints :func:`scene_schema`; a TOML editor that understands JSON
Schema (Taplo, Even Better TOML) then completes keys, shows their descriptions and flags
unknown keys, wrong types and values out of range as the scene is typed.  The dialect is
draft-04, the one TOML editors support most widely.  What a schema cannot say (a TLE's
checksum, a site's reachable inclinations, the exposure's EV100) is left to
``orbitlapse check``.
"""

from __future__ import annotations

import json
from typing import Any

from renderer.scene.fields import _fmt_num, _Range, _time_range_text
from renderer.scene.format import SCENE
from renderer.scene.keys import PATH_PATTERN, REQUIRED, TIME_PATTERN, Key, Table
from renderer.scene.schema import SCENE_VERSION

DRAFT = "http://json-schema.org/draft-04/schema#"


def _bounds(rng: _Range) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rng.lo is not None:
        out["minimum"] = rng.lo
        if rng.lo_open:
            out["exclusiveMinimum"] = True
    if rng.hi is not None:
        out["maximum"] = rng.hi
        if rng.hi_open:
            out["exclusiveMaximum"] = True
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def _has_default(key: Key) -> bool:
    # None is "not set" and {} "a table of defaults": neither is a value to suggest.
    return key.default is not REQUIRED and key.default is not None and key.default != {}


def _shown(value: Any) -> str:
    value = _json_value(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _fmt_num(value)
    return json.dumps(value)


def _describe(key: Key) -> str:
    """The key's sentence with its unit, range and default, as an editor shows it."""
    facts: list[str] = []
    if key.unit and key.kind != "time":
        facts.append(f"unit {key.unit}")
    if key.kind in ("number", "integer"):
        facts.append(key.range.text("a number" if key.kind == "number" else "an integer"))
    if key.kind == "switch":
        facts.append("true (its defaults), false (off) or a table of options")
    if key.kind == "choice":
        facts.append("one of " + ", ".join(key.choices))
    if key.kind == "time":
        facts.append('RFC 3339 with Z or an offset, "2018-11-16T18:14:08Z", ' + _time_range_text())
    if key.default_text:
        facts.append(f"default {key.default_text}")
    elif _has_default(key):
        facts.append(f"default {_shown(key.default)}")
    if not facts:
        return key.doc
    text = "; ".join(facts)
    return f"{key.doc} {text[0].upper()}{text[1:]}."


def _value_schema(key: Key) -> dict[str, Any]:
    """What one key's value may be."""
    kind = key.kind
    if kind == "custom":
        return dict(key.shape)
    if kind in ("table", "switch", "tables", "name_or_table"):
        assert key.table is not None, key.name
        sub = table_schema(key.table)
        if kind == "table":
            return sub
        if kind == "switch":
            return {"anyOf": [{"type": "boolean"}, sub]}
        if kind == "tables":
            out: dict[str, Any] = {"type": "array", "items": sub}
            if key.max_items is not None:
                out["maxItems"] = key.max_items
            return out
        name: dict[str, Any] = {"type": "string", **key.shape}
        if key.choices:
            name["enum"] = list(key.choices)
        return {"anyOf": [name, sub]}
    if kind == "number":
        out = {"type": "number", **_bounds(key.range)}
    elif kind == "integer":
        out = {"type": "integer", **_bounds(key.range)}
    elif kind == "bool":
        out = {"type": "boolean"}
    elif kind == "string":
        out = {"type": "string"}
        if key.required:
            out["pattern"] = r"\S"
    elif kind == "choice":
        out = {"type": "string", "enum": list(key.choices)}
    elif kind == "time":
        out = {"type": "string", "pattern": TIME_PATTERN}
    elif kind == "path":
        out = {"type": "string", "pattern": PATH_PATTERN}
    else:
        raise ValueError(f"{key.name}: unknown kind {kind!r}")
    out.update(key.shape)
    return out


def _key_schema(key: Key) -> dict[str, Any]:
    out = {"description": _describe(key), **_value_schema(key)}
    if _has_default(key):
        out["default"] = _json_value(key.default)
    return out


def _if_then(rule: dict[str, Any]) -> dict[str, Any]:
    """A draft-07 ``if``/``then`` rule in draft-04 terms: not the condition, or the rule."""
    if set(rule) != {"if", "then"}:
        return rule
    return {"anyOf": [{"not": rule["if"]}, rule["then"]]}


def table_schema(table: Table) -> dict[str, Any]:
    """The schema of one table: its keys, no others, the required ones and the rules
    between them."""
    grouped = {name for group in table.exactly_one for name in group}
    out: dict[str, Any] = {
        "type": "object",
        "description": table.doc,
        "properties": {key.name: _key_schema(key) for key in table.keys},
        "additionalProperties": False,
    }
    required = [k.name for k in table.keys if k.required and k.name not in grouped]
    if required:
        out["required"] = required
    rules = [{"oneOf": [{"required": [name]} for name in group]} for group in table.exactly_one]
    rules += [_if_then(dict(rule)) for rule in table.rules]
    if rules:
        out["allOf"] = rules
    return out


def scene_schema() -> dict[str, Any]:
    """The JSON Schema of a scene file (format version ``SCENE_VERSION``)."""
    return {
        "$schema": DRAFT,
        "title": f"orbitlapse scene, format version {SCENE_VERSION}",
        **table_schema(SCENE),
    }


def scene_schema_text() -> str:
    """:func:`scene_schema` as the JSON text ``orbitlapse schema`` prints."""
    return json.dumps(scene_schema(), indent=2, ensure_ascii=False) + "\n"
