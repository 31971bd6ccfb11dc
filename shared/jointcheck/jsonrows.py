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


def _default_sql(field: FieldInfo, sql_type: str) -> str | None:
    """The field's default as an SQL literal, when it has a plain one (for keys a stored object lacks)."""
    if field.default_factory is list:
        return "'{}'::text[]"
    default = field.default
    if default is PydanticUndefined or default is None:
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, int):
        return str(default)
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'::" + sql_type
    raise NotRenderable(f"default {default!r}")


def _models_json(model: type[BaseModel], jsonb: str) -> str:
    """SQL writing a JSONB array of objects as ``list[model]`` renders: each element's keys read
    in the model's order and types, missing ones as the model's defaults, others left out."""
    parts = []
    for name, field in model.model_fields.items():
        kind, sql_type = _plain(field.annotation)
        key = _key(name, field)
        literal = "'" + key.replace("'", "''") + "'"
        if kind == "list":
            expr = f"ARRAY(SELECT jsonb_array_elements_text(e.v->{literal}))"
        else:
            expr = f"(e.v->>{literal})::{sql_type}"
            default = _default_sql(field, sql_type)
            if default is not None:
                expr = f"coalesce({expr}, {default})"
            if kind == "datetime":
                expr = f"CASE WHEN {expr} IS NULL THEN NULL ELSE {utc_timestamp_json(expr)} END"
        parts.append(f"{expr} AS {_quoted(key)}")
    element = f"SELECT {', '.join(parts)}"
    return (
        f"coalesce((SELECT '[' || string_agg(row_to_json(x)::text, ',' ORDER BY e.ord) || ']' "
        f"FROM jsonb_array_elements({jsonb}) WITH ORDINALITY AS e(v, ord), LATERAL ({element}) x), '[]')::json"
    )


def utc_timestamp_json(column: str) -> str:
    """SQL rendering a ``timestamptz`` as pydantic renders an aware UTC datetime: seconds, then
    ``.ffffff`` only if there are microseconds, then ``Z``."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_trunc('second', {column}) = {column} THEN '' ELSE to_char({utc}, '.US') END || 'Z'"
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


def page_json(items: Sequence[str], next_cursor: str | None) -> bytes:
    """A :class:`jointcheck.pagination.Page` of rendered items, as its schema renders it."""
    return ('{"items":[' + ",".join(items) + '],"next_cursor":' + json.dumps(next_cursor) + "}").encode()
