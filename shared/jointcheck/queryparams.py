"""Query parameters a hot route reads itself, documented and validated as if declared.

FastAPI parses and validates every declared query parameter on every request, present or
not, at a cost of about 30 µs each here (FastAPI 0.16x inspects each parameter's annotation
again per request): the three of a list page (``limit``, ``cursor``, ``as_of``) cost a page
about 95 µs of the service's CPU, more than its database round trip. :class:`HandQuery`
takes the parameters of a function's signature — written as the route would have declared
them — and reads them from the query string with one ``TypeAdapter`` each, only those
present. The answers are FastAPI's: the same values, the same defaults, and for a bad value
the same ``RequestValidationError`` (``loc`` ``("query", name, …)``; a test compares both for
every kind of parameter). :attr:`HandQuery.parameters` is the OpenAPI FastAPI would have
written (``openapi_extra={"parameters": …}``).
"""

from __future__ import annotations

import copy
import inspect
import types
import typing
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from jointcheck.openapi import query_parameters

_REQUIRED = inspect.Parameter.empty


def read_value(query: Any, name: str, adapter: TypeAdapter[Any], *, many: bool, errors: list[dict[str, Any]]) -> Any:
    """Query parameter ``name`` as FastAPI reads a declared one: every occurrence for a list, else
    the last; validated by ``adapter``. A bad value adds FastAPI's errors (``loc`` ``("query",
    name, …)``) to ``errors`` and returns ``None``, as does a missing parameter (a value read is
    never ``None``: the query string holds text)."""
    if name not in query:
        return None
    try:
        return adapter.validate_python(query.getlist(name) if many else query[name])
    except ValidationError as exc:
        errors += [{**e, "loc": ("query", name, *e["loc"])} for e in exc.errors(include_url=False)]
        return None


def _is_list(annotation: Any) -> bool:
    """Whether FastAPI reads every occurrence of the parameter (a list) rather than the last."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation) if a is not type(None))
    return origin in (list, set, tuple, frozenset)


class HandQuery:
    """The query parameters of ``documented`` (each ``Annotated[T, Query(...)] = default``), read
    by hand: ``await reader(request)`` is a namespace of their values, by parameter name."""

    def __init__(self, documented: Callable[..., Any]) -> None:
        self.parameters = query_parameters(documented)
        hints = typing.get_type_hints(documented, include_extras=True)
        self._fields: list[tuple[str, str, TypeAdapter[Any], Any, bool]] = []
        for name, param in inspect.signature(documented).parameters.items():
            annotation = hints[name]
            infos = [m for m in typing.get_args(annotation)[1:] if isinstance(m, FieldInfo)]
            if typing.get_origin(annotation) is not typing.Annotated or not infos:
                raise TypeError(f"{documented.__name__}({name}): write it as Annotated[T, Query(...)]")
            alias = infos[-1].alias or name
            self._fields.append((name, alias, TypeAdapter(annotation), param.default, _is_list(annotation)))

    def documented(self) -> dict[str, Any]:
        """``openapi_extra`` documenting the parameters (a copy: FastAPI merges into it)."""
        return {"parameters": copy.deepcopy(self.parameters)}

    async def __call__(self, request: Request) -> SimpleNamespace:
        query = request.query_params
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for name, alias, adapter, default, many in self._fields:
            if alias not in query:
                if default is _REQUIRED:
                    errors.append({"type": "missing", "loc": ("query", alias), "msg": "Field required", "input": None})
                else:
                    values[name] = copy.copy(default)
                continue
            values[name] = read_value(query, alias, adapter, many=many, errors=errors)
        if errors:
            raise RequestValidationError(errors)
        return SimpleNamespace(**values)


__all__ = ["HandQuery", "read_value"]
