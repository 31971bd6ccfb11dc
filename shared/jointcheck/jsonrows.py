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
``None``. For any other field (a nested model, a dict, a float, a decimal) ``RowJson`` refuses
to build (:class:`NotRenderable`) and the caller keeps pydantic's rendering.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from pydantic import BaseModel


class NotRenderable(TypeError):
    """The schema has a field PostgreSQL cannot be trusted to render as pydantic does."""


def _plain(annotation: object) -> tuple[str, bool]:
    """The kind of a field's type (``scalar``, ``datetime``, ``list``) and whether it may be null."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise NotRenderable(f"union {annotation}")
        kind, _ = _plain(args[0])
        return kind, True
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        if all(isinstance(a, str) for a in typing.get_args(annotation)):
            return "scalar", False
        raise NotRenderable(f"literal {annotation}")
    if origin is list:
        (item,) = typing.get_args(annotation) or (object,)
        if item is str:
            return "list", False
        raise NotRenderable(f"list of {item}")
    if isinstance(annotation, type):
        if issubclass(annotation, bool) or annotation is int:
            return "scalar", False
        if issubclass(annotation, enum.Enum):
            if issubclass(annotation, str):
                return "scalar", False
            raise NotRenderable(f"enum {annotation}")
        if issubclass(annotation, datetime):
            return "datetime", False
        if annotation in (str, date, uuid.UUID):
            return "scalar", False
    raise NotRenderable(f"type {annotation}")


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
            kind, _nullable = _plain(field.annotation)
            key = field.serialization_alias or field.alias or name
            if sources and name in sources:
                expr = sources[name]
            else:
                column = field.validation_alias if isinstance(field.validation_alias, str) else name
                expr = f"{alias}.{column}"
            if kind == "datetime":
                expr = f"CASE WHEN {expr} IS NULL THEN NULL ELSE {utc_timestamp_json(expr)} END"
            quoted = key.replace('"', '""')
            parts.append(f'{expr} AS "{quoted}"')
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
