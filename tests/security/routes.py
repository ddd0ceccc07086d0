"""Every operation of the OpenAPI schema, with what its dependencies demand of the caller.

The routes come from the schema the app serves, so a route added later (campaigns, ...) is in
every matrix without touching the tests. Path parameters are filled with ids of the target
tenant's seeded objects where the name is known, otherwise with a random id (which must be a
404, never a 500).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from tests.security.world import World

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: dict[str, str]  # name -> JSON schema type
    query_params: dict[str, str]  # required ones only
    has_body: bool
    authenticated: bool
    roles: frozenset[str] | None  # None: any authenticated caller

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def allows(self, role: str) -> bool:
        return self.roles is None or role in self.roles


def _walk(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _walk(sub)


def _roles(route: APIRoute) -> frozenset[str] | None:
    """The roles the route's `require_roles` checks allow (None: no role check)."""
    roles = None
    for call in _walk(route.dependant):
        if getattr(call, "__qualname__", "").startswith("require_roles."):
            allowed = frozenset(inspect.getclosurevars(call).nonlocals["allowed"])
            roles = allowed if roles is None else roles & allowed
    return roles


def _api_routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """(method, path) -> APIRoute, through included routers (FastAPI >= 0.16x wraps them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: the app lists APIRoutes itself
        pairs: list[tuple[BaseRoute, str | None]] = [(r, None) for r in app.routes]
    else:
        pairs = [
            (ctx.original_route, getattr(ctx, "path", None))
            for ctx in iter_route_contexts(app.routes)
        ]
    return {
        (method.lower(), path or route.path_format): route
        for route, path in pairs
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def _type(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    types = [s.get("type") for s in schema.get("anyOf", [schema])]
    return next((t for t in types if t and t != "null"), "string")


def operations(app: FastAPI) -> list[Operation]:
    """Every operation in the app's OpenAPI schema."""
    routes = _api_routes(app)
    found = []
    for path, item in app.openapi()["paths"].items():
        for method in METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            params = spec.get("parameters", [])
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params={p["name"]: _type(p) for p in params if p["in"] == "path"},
                    query_params={
                        p["name"]: _type(p)
                        for p in params
                        if p["in"] == "query" and p.get("required")
                    },
                    has_body="requestBody" in spec,
                    # HTTPBearer anywhere in the dependencies puts `security` in the schema.
                    authenticated=bool(spec.get("security")),
                    roles=_roles(routes[(method, path)]),
                )
            )
    return found


def unknown_id(kind: str) -> str:
    return "987654321" if kind == "integer" else f"no-such-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Call:
    url: str
    query: dict[str, str]
    known: bool  # every path parameter names a real object of the tenant


def resolve(op: Operation, world: World, tenant: str, ids_of: str | None = None) -> Call:
    """The URL of `op` for `tenant`, with the ids of `ids_of`'s objects (default: the same)."""
    objects = world.objects[ids_of or tenant]
    url, known = op.path, True
    for name, kind in op.path_params.items():
        if name == "tenant":
            value = tenant
        elif name == "device":
            value = objects.device
        elif name == "change_id":
            value = objects.change_id
        elif name == "report_id":
            value = objects.report_id
        elif name == "run_id":
            value = objects.audit_run_id if "audit-runs" in op.path else objects.backup_run_id
        elif name == "version":
            value = "1"
        else:
            value, known = unknown_id(kind), False
        url = url.replace("{" + name + "}", value)
    query = {
        name: "1" if kind == "integer" else objects.report_id
        for name, kind in op.query_params.items()
    }
    return Call(url=url, query=query, known=known)
