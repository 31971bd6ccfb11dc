"""Records rendered by PostgreSQL exactly as their read schema would render them.

A list page of a hundred records costs Python more to decode into objects, validate and
serialise again than everything else the request does; PostgreSQL writes the same JSON in C.
:class:`RowJson` builds, from a read schema, the select list with which ``row_to_json``
writes byte for byte what FastAPI would send for ``schema`` (``model_dump_json(by_alias=True)``):
the same keys in the same order, and each value in pydantic's format — a UTC timestamp as
``2026-03-01T08:00:00Z`` or ``…:00.250000Z``, a date as ``2026-03-01``, a UUID in lower case.
Tests compare both renderings of real rows byte for byte.

Only schemas of plain fields qualify: ``str`` (and str enums and literals), ``bool``, ``int``,
``date``, ``datetime`` (from ``timestamptz``), ``UUID``, lists of ``str``, each possibly
``None`` — and lists of models made of those, stored as a JSONB array of objects (each key read
in the model's order and type; a key an object lacks takes the model's default; keys the model
does not have are left out, as pydantic leaves them out). For any other field (a dict, a float,
a decimal, a model not in a list) ``RowJson`` refuses to build (:class:`NotRenderable`) and the
caller keeps pydantic's rendering.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


class NotRenderable(TypeError):
    """The schema has a field PostgreSQL cannot be trusted to render as pydantic does."""


def _plain(annotation: object) -> tuple[str, Any]:
    """A field's kind — ``scalar``, ``datetime``, ``list`` (of str) or ``models`` (a list of plain
    models) — and its SQL type (for a scalar) or model class (for ``models``)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise NotRenderable(f"union {annotation}")
        return _plain(args[0])
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        if all(isinstance(a, str) for a in typing.get_args(annotation)):
            return "scalar", "text"
        raise NotRenderable(f"literal {annotation}")
    if origin is list:
        (item,) = typing.get_args(annotation) or (object,)
        if item is str:
            return "list", "text[]"
        if isinstance(item, type) and issubclass(item, BaseModel):
            for field in item.model_fields.values():
                if _plain(field.annotation)[0] == "models":
                    raise NotRenderable(f"lists nested in {item}")
            return "models", item
        raise NotRenderable(f"list of {item}")
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "scalar", "boolean"
        if annotation is int:
            return "scalar", "bigint"
        if issubclass(annotation, enum.Enum):
            if issubclass(annotation, str):
                return "scalar", "text"
            raise NotRenderable(f"enum {annotation}")
        if issubclass(annotation, datetime):
            return "datetime", "timestamptz"
        for python, sql in ((str, "text"), (date, "date"), (uuid.UUID, "uuid")):
            if annotation is python:
                return "scalar", sql
    raise NotRenderable(f"type {annotation}")


def _key(name: str, field: FieldInfo) -> str:
    """The field's key in the JSON FastAPI sends (``by_alias``)."""
    return field.serialization_alias or field.alias or name


def _quoted(key: str) -> str:
    return '"' + key.replace('"', '""') + '"'


def utc_timestamp_json(column: str) -> str:
    """SQL rendering a ``timestamptz`` as pydantic renders an aware UTC datetime: seconds, then
    ``.ffffff`` only if there are microseconds, then ``Z``."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_trunc('second', {column}) = {column} THEN '' ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _default_json(field: FieldInfo) -> str:
    """The field's default as JSON text, for keys a stored object lacks (``null`` when it has none)."""
    if field.default_factory is list:
        return "[]"
    default = field.default
    if default is PydanticUndefined:
        return "null"
    if default is None or isinstance(default, bool | int | str) or default == []:
        return json.dumps(default, ensure_ascii=False)
    raise NotRenderable(f"default {default!r}")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _models_json(model: type[BaseModel], jsonb: str) -> str:
    """SQL writing a JSONB array of objects as ``list[model]`` renders: each element's keys in the
    model's order, a key an object lacks as the model's default, keys the model lacks left out.
    Stored values are JSON already: strings, numbers and booleans are copied as JSONB writes them
    (the same escapes as pydantic); lists of strings are rewritten without JSONB's spaces, and
    timestamps into pydantic's form."""
    pieces = []
    for n, (name, field) in enumerate(model.model_fields.items()):
        kind, _ = _plain(field.annotation)
        key = _key(name, field)
        value = f"e.v->{_sql_text(key)}"
        if kind == "list":
            expr = f"CASE WHEN {value} IS NULL THEN NULL ELSE array_to_json(ARRAY(SELECT jsonb_array_elements_text({value})))::text END"
        elif kind == "datetime":
            moment = f"(e.v->>{_sql_text(key)})::timestamptz"
            expr = f"CASE WHEN {moment} IS NULL THEN NULL ELSE '\"' || {utc_timestamp_json(moment)} || '\"' END"
        else:
            expr = f"({value})::text"
        prefix = ("," if n else "{") + json.dumps(key, ensure_ascii=False) + ":"
        pieces.append(f"{_sql_text(prefix)} || coalesce({expr}, {_sql_text(_default_json(field))})")
    element = " || ".join([*pieces, "'}'"]) if pieces else "'{}'"
    return (
        f"coalesce((SELECT '[' || string_agg({element}, ',' ORDER BY e.ord) || ']' "
        f"FROM jsonb_array_elements({jsonb}) WITH ORDINALITY AS e(v, ord)), '[]')::json"
    )


class RowJson:
    """The select list rendering ``schema`` from the columns of one table alias.

    ``sources`` maps a field to the SQL that gives its value when that is not the column of
    the field's name (or of its validation alias)."""

    def __init__(self, schema: type[BaseModel], *, alias: str = "t", sources: Mapping[str, str] | None = None) -> None:
        self.schema = schema
        parts = []
        for name, field in schema.model_fields.items():
            kind, detail = _plain(field.annotation)
            key = _key(name, field)
            if sources and name in sources:
                expr = sources[name]
            else:
                column = field.validation_alias if isinstance(field.validation_alias, str) else name
                expr = f"{alias}.{column}"
            if kind == "datetime":
                expr = f"CASE WHEN {expr} IS NULL THEN NULL ELSE {utc_timestamp_json(expr)} END"
            elif kind == "models":
                expr = _models_json(detail, expr)
            parts.append(f"{expr} AS {_quoted(key)}")
        self.select_list = ", ".join(parts)

    def lateral(self, name: str = "j") -> str:
        """``LATERAL (SELECT …) name``: join it and select ``row_to_json(name)::text``."""
        return f"LATERAL (SELECT {self.select_list}) {name}"


def renderable(schema: type[BaseModel]) -> bool:
    try:
        RowJson(schema)
    except NotRenderable:
        return False
    return True


def utf8(json_text: str) -> str:
    """SQL of a rendering (``text``) as its UTF-8 bytes (``bytea``), which asyncpg hands over as
    they came (``bytes``): a page's JSON is joined and sent without being decoded into Python
    strings and encoded again (a tenth of a list page's CPU in the service)."""
    return f"convert_to({json_text}, 'UTF8')"


def page_json(items: Sequence[bytes], next_cursor: str | None) -> bytes:
    """A :class:`jointcheck.pagination.Page` of rendered items (UTF-8 JSON, as :func:`utf8` selects
    them), as its schema renders it."""
    return b'{"items":[' + b",".join(items) + b'],"next_cursor":' + json.dumps(next_cursor).encode() + b"}"
