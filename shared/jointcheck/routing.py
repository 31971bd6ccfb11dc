"""Routes whose dependencies are solved by a plan made once, when they are as simple as a hot read's.

FastAPI solves a route's dependencies per request by walking their tree: for every dependency it
recurses, classifies the callable again, builds a cache key, and reads the path, query, header and
cookie parameters the dependency declares (none, for ours). For a hot read — a path parameter, the
caller (:data:`jointcheck.auth.Reader`), the database (:data:`jointcheck.db.Db`), hand-read query
parameters (:class:`jointcheck.queryparams.HandQuery`) — that walk costs about 60 µs a request,
more than a sixth of a task read.

:class:`FlatRoute` is FastAPI's ``APIRoute`` that, when a route is *flat*, makes the plan of that
walk once and follows it: each dependency called in the order FastAPI calls them, once, with the
request if it takes one; then the path parameters validated by FastAPI's own function. A route is
flat when:

* its endpoint is ``async`` and annotated to return a ``Response`` (it renders its own body);
* it declares no query, header, cookie or body parameter, and of the special ones only ``Request``;
* each dependency is ``async`` (a coroutine function or an object with an ``async __call__``), takes
  at most the ``Request``, and has no dependencies, parameters or security scopes of its own.

Anything else — and, per request, a dependency overridden (``app.dependency_overrides``) or a path
parameter FastAPI would refuse — is handed to FastAPI's own handler, which answers exactly as it
always does (the 422 of a bad path parameter comes from FastAPI, after the dependencies ran again).
Errors a dependency raises (401, 403) propagate as under FastAPI. The OpenAPI document is FastAPI's:
the route, its parameters and its security are declared as before.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter as _FastAPIRouter
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

try:  # FastAPI ≥ 0.16x builds an included route's handler with the inclusion's context
    from fastapi.routing import _effective_route_context_var  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other FastAPI versions: every route keeps FastAPI's handler
    _effective_route_context_var = None

Handler = Callable[[Request], Awaitable[Response]]


def _is_async(call: Any) -> bool:
    if inspect.iscoroutinefunction(call):
        return True
    if inspect.isfunction(call) or inspect.ismethod(call) or inspect.isclass(call):
        return False
    return inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004


def _special(dependant: Dependant) -> bool:
    """Whether ``dependant`` takes a special parameter other than the ``Request``."""
    return any(
        (
            dependant.websocket_param_name,
            dependant.http_connection_param_name,
            dependant.response_param_name,
            dependant.background_tasks_param_name,
            dependant.security_scopes_param_name,
            dependant.own_oauth_scopes,
            dependant.parent_oauth_scopes,
        )
    )


def _params(dependant: Dependant, *, path: bool) -> bool:
    """Whether ``dependant`` declares parameters (path ones too unless ``path`` is false)."""
    return any(
        (
            dependant.path_params if path else (),
            dependant.query_params,
            dependant.header_params,
            dependant.cookie_params,
            dependant.body_params,
        )
    )


def _returns_response(endpoint: Callable[..., Any]) -> bool:
    try:
        returned = typing.get_type_hints(endpoint).get("return")
    except Exception:  # an annotation that does not resolve: leave the route to FastAPI
        return False
    return isinstance(returned, type) and issubclass(returned, Response)


@dataclass(frozen=True)
class FlatPlan:
    """How a flat route's dependencies are solved: ``(name, call, takes_request)`` in FastAPI's
    order (one call per distinct callable, as FastAPI caches them within a request)."""

    steps: tuple[tuple[str | None, Any, bool], ...]
    calls: frozenset[Any]
    dependant: Dependant
    overrides_provider: Any

    @classmethod
    def of(cls, dependant: Dependant, endpoint: Callable[..., Any], overrides_provider: Any) -> FlatPlan | None:
        """The plan of a flat route, or ``None`` (FastAPI's handler solves it)."""
        if dependant.call is None or not inspect.iscoroutinefunction(dependant.call):
            return None
        if _params(dependant, path=False) or _special(dependant) or not _returns_response(endpoint):
            return None
        steps: list[tuple[str | None, Any, bool]] = []
        seen: set[Any] = set()
        for sub in dependant.dependencies:
            call = sub.call
            if call is None or sub.dependencies or _params(sub, path=True) or _special(sub) or not _is_async(call):
                return None
            if sub.scope == "function" or not sub.use_cache:
                return None
            if call in seen:
                if sub.name is not None:
                    steps.append((sub.name, call, bool(sub.request_param_name)))
                continue
            seen.add(call)
            steps.append((sub.name, call, bool(sub.request_param_name)))
        return cls(tuple(steps), frozenset(seen), dependant, overrides_provider)

    def overridden(self) -> bool:
        overrides = getattr(self.overrides_provider, "dependency_overrides", None)
        return bool(overrides) and any(call in overrides for call in self.calls)

    async def solve(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or ``None`` if a path parameter is refused."""
        values: dict[str, Any] = {}
        solved: dict[Any, Any] = {}
        for name, call, takes_request in self.steps:
            if call in solved:
                value = solved[call]
            else:
                value = solved[call] = await (call(request) if takes_request else call())
            if name is not None:
                values[name] = value
        if self.dependant.path_params:
            path_values, errors = request_params_to_args(self.dependant.path_params, request.path_params)
            if errors:
                return None
            values.update(path_values)
        if self.dependant.request_param_name:
            values[self.dependant.request_param_name] = request
        return values


class FlatRoute(APIRoute):
    """FastAPI's route; a flat one (see the module) solves its dependencies by its :class:`FlatPlan`."""

    #: The plans made for this route: one when it is declared, one per inclusion in an app (FastAPI
    #: builds an included route's handler at its first request). Empty: the route is not flat.
    flat_plans: list[FlatPlan]

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        route: Any = self
        if _effective_route_context_var is not None:
            context = _effective_route_context_var.get()
            if context is not None and context.original_route is self:
                route = context
        elif getattr(self, "dependant", None) is None:  # pragma: no cover
            return handler
        plan = FlatPlan.of(route.dependant, self.endpoint, route.dependency_overrides_provider)
        if plan is None:
            return handler
        if not hasattr(self, "flat_plans"):
            self.flat_plans = []
        self.flat_plans.append(plan)
        endpoint = self.endpoint

        async def flat(request: Request) -> Response:
            if plan.overridden():
                return await handler(request)
            values = await plan.solve(request)
            if values is None:  # a refused path parameter: FastAPI's 422, exactly
                return await handler(request)
            response = await endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{endpoint.__qualname__} is annotated to return a Response and returned {response!r}")
            return response

        return flat


def model_response(schema: type[BaseModel], value: BaseModel, headers: dict[str, str] | None = None) -> Response:
    """The response FastAPI sends for ``value`` under ``response_model=schema`` (the JSON of
    ``schema``, by alias), for an endpoint of a flat route, which returns its ``Response``."""
    body = schema.__pydantic_serializer__.to_json(value, by_alias=True)
    return Response(body, media_type="application/json", headers=headers)


class APIRouter(_FastAPIRouter):
    """FastAPI's router whose routes are :class:`FlatRoute` (the services' routers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", FlatRoute)
        super().__init__(*args, **kwargs)


__all__ = ["APIRouter", "FlatPlan", "FlatRoute", "model_response"]
