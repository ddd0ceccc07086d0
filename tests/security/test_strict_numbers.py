"""Numbers are numbers: no JSON body field that is an integer or a number takes `true`,
`false`, `"5"`, a fraction (integers) or 10**30, and no integer query or path parameter takes
`true`, `1.5` or `5.0`. Each is a 422 whose detail names the field, answered before Temporal is
touched (it is unreachable here: a route that got that far would answer 503).

The fields come from the app's own OpenAPI schema ($ref, anyOf/oneOf, nested objects and
arrays walked), so a new numeric field is covered as soon as it exists; its route needs an
otherwise-valid body below (the test says which one is missing).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.repos import changes as change_repo
from tests.utils.api import bearer, make_token

Path = tuple[str | int, ...]

# An otherwise-valid body per operation (and per `kind` of a discriminated union): each gets
# past validation (here: 503 Temporal, or 201 for an image) when sent as it is.
BASES: dict[tuple[str, str, str | None], dict[str, Any]] = {
    ("post", "/v1/tenants/{tenant}/changes", "wan_bandwidth"): {
        "kind": "wan_bandwidth",
        "site": "hq",
        "bandwidth_mbps": 300,
    },
    ("post", "/v1/tenants/{tenant}/changes", "vlan_handoff"): {
        "kind": "vlan_handoff",
        "site": "branch3",
        "vlan_id": 300,
        "address": "10.99.0.1/24",
    },
    ("post", "/v1/campaigns", None): {
        "name": "strict-numbers",
        "kind": "config_rollout",
        "features": ["ntp"],
    },
    ("put", "/v1/tenants/{tenant}/audit-schedule", None): {"cron": None, "every_seconds": 3600},
    ("post", "/v1/images", None): {
        "platform": "cisco_ios",
        "version": "99.1.1",
        "filename": "strict-numbers.bin",
        "size": 1000,
        "md5": "0" * 32,
    },
}
# Fields that must be found (the walk itself is tested: an empty walk would pass everything).
EXPECTED = {
    "bandwidth_mbps",
    "vlan_id",
    "strategy.canary_size",
    "strategy.wave_size",
    "strategy.max_concurrency",
    "strategy.max_per_tenant",
    "strategy.max_failures",
    "strategy.max_failure_percent",
    "strategy.pause_between_waves_seconds",
    "post_check.route_count_percent",
    "post_check.settle_seconds",
    "reload_timeout_seconds",
    "heartbeat_timeout_seconds",
    "every_seconds",
    "size",
}
PATH_VALUES = {"tenant": "acme", "device": "acme-hq-r1"}  # others: any text (never looked up)
BAD_QUERY_INTEGERS = ("true", "false", "1.5", "5.0", "1e3", "0x10", "", "five")


@dataclass(frozen=True)
class NumericField:
    """One numeric field of one operation's JSON body."""

    method: str
    path: str
    variant: str | None
    at: Path
    integer: bool

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.at)

    def __str__(self) -> str:
        kind = f" ({self.variant})" if self.variant else ""
        return f"{self.method.upper()} {self.path}{kind} {self.name}"


@dataclass(frozen=True)
class Param:
    """One integer query or path parameter."""

    method: str
    path: str
    where: str
    name: str
    required_query: tuple[str, ...]


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def numeric_paths(
    schema: dict[str, Any], spec: dict[str, Any], at: Path = (), seen: frozenset[str] = frozenset()
) -> Iterator[tuple[Path, bool]]:
    """(where in the body, is an integer) of every integer or number the schema allows."""
    ref = schema.get("$ref")
    if ref in seen:
        return
    seen = seen | {ref} if ref else seen
    schema = _resolve(schema, spec)
    kind = schema.get("type")
    if kind in ("integer", "number"):
        yield at, kind == "integer"
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from numeric_paths(sub, spec, at, seen)
    for name, sub in schema.get("properties", {}).items():
        yield from numeric_paths(sub, spec, (*at, name), seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from numeric_paths(extra, spec, (*at, "some-key"), seen)
    if kind == "array" and isinstance(schema.get("items"), dict):
        yield from numeric_paths(schema["items"], spec, (*at, 0), seen)


def _variants(schema: dict[str, Any], spec: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """A discriminated union's members with their tags; any other schema as it is."""
    mapping = schema.get("discriminator", {}).get("mapping")
    if not mapping:
        return [(None, schema)]
    return [(tag, {"$ref": ref}) for tag, ref in mapping.items()]


def body_fields(spec: dict[str, Any]) -> list[NumericField]:
    found: dict[tuple[str, str, str | None, Path], NumericField] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            for variant, member in _variants(schema, spec):
                for at, integer in numeric_paths(member, spec):
                    key = (method, path, variant, at)
                    found.setdefault(key, NumericField(method, path, variant, at, integer))
    return sorted(found.values(), key=str)


def integer_params(spec: dict[str, Any]) -> list[Param]:
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            required = tuple(
                p["name"] for p in params if p["in"] == "query" and p.get("required", False)
            )
            for p in params:
                if p["in"] in ("query", "path") and any(
                    integer for _, integer in numeric_paths(p.get("schema", {}), spec)
                ):
                    found.append(Param(method, path, p["in"], p["name"], required))
    return found


def with_value(body: dict[str, Any], at: Path, value: Any) -> dict[str, Any]:
    """A copy of the body with `value` at `at` (missing objects and arrays made on the way)."""
    body = copy.deepcopy(body)
    node: Any = body
    for part, following in zip(at, (*at[1:], None), strict=True):
        if following is None:
            break
        if isinstance(node, list):
            while len(node) <= int(part):
                node.append([] if isinstance(following, int) else {})
            node = node[int(part)]
        else:
            node = node.setdefault(part, [] if isinstance(following, int) else {})
    last = at[-1]
    if isinstance(node, list):
        while len(node) <= int(last):
            node.append(None)
        node[int(last)] = value
    else:
        node[last] = value
    return body


def url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    while "{" in path:
        head, _, rest = path.partition("{")
        path = f"{head}x{rest.partition('}')[2]}"
    return path


def names_the_field(response: Any, where: str, at: Path) -> bool:
    if response.status_code != 422:
        return False
    detail = response.json().get("detail")
    if not isinstance(detail, list):
        return False
    wanted = [str(p) for p in at]
    for error in detail:
        loc = [str(p) for p in error.get("loc", [])]
        if loc[:1] == [where] and loc[-len(wanted) :] == wanted:
            return True
    return False


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def strict_app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
def strict_client(strict_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(strict_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(api_settings: Settings) -> dict[str, str]:
    return bearer(make_token(api_settings, "admin"))


@pytest.fixture
def spec(strict_app: FastAPI) -> dict[str, Any]:
    return strict_app.openapi()


@pytest.fixture
def fields(spec: dict[str, Any]) -> list[NumericField]:
    return body_fields(spec)


def _post(client: TestClient, field: NumericField, body: Any, headers: dict[str, str]) -> Any:
    return client.request(field.method, url(field.path), json=body, headers=headers)


def _base(field: NumericField) -> dict[str, Any]:
    base = BASES.get((field.method, field.path, field.variant))
    assert base is not None, f"{field}: add an otherwise-valid body for it to BASES"
    return base


# --- the walk ------------------------------------------------------------------------------


def test_the_walk_finds_every_numeric_field(fields: list[NumericField]) -> None:
    names = {f.name for f in fields}
    assert names >= EXPECTED, EXPECTED - names
    for field in fields:
        _base(field)  # every numeric field has a body to put a bad value into


def test_the_bases_are_valid(
    strict_client: TestClient, admin: dict[str, str], fields: list[NumericField]
) -> None:
    """Each body as it is gets past validation, so a 422 below is the bad value's."""
    for key in sorted({(f.method, f.path, f.variant) for f in fields}, key=str):
        method, path, _ = key
        response = strict_client.request(method, url(path), json=BASES[key], headers=admin)
        assert response.status_code in (201, 503), (key, response.status_code, response.text)


# --- bodies --------------------------------------------------------------------------------


def bad_values(integer: bool) -> list[Any]:
    values: list[Any] = [True, False, "5", 10**30, -(10**30)]
    return [*values, 1.5, 5.0] if integer else values


def test_every_numeric_body_field_refuses_non_numbers(
    strict_client: TestClient, admin: dict[str, str], fields: list[NumericField]
) -> None:
    failures = []
    for field in fields:
        for value in bad_values(field.integer):
            body = with_value(_base(field), field.at, value)
            response = _post(strict_client, field, body, admin)
            if not names_the_field(response, "body", field.at):
                failures.append(
                    f"{field} = {value!r}: {response.status_code} {response.text[:300]}"
                )
    assert not failures, "\n".join(failures)


SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def not_a_number_for(integer: bool) -> st.SearchStrategy[Any]:
    """What no numeric field takes: booleans, numbers as text, numbers far out of any bound
    (and, for an integer, any float: 5.0 too)."""
    text = st.one_of(
        st.integers(min_value=-(10**6), max_value=10**6).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(["", " 5", "5 ", "1_000", "0x10", "1e3", "NaN", "Infinity"]),
    )
    huge = st.one_of(st.integers(min_value=10**20), st.integers(max_value=-(10**20)))
    strategies = [st.booleans(), text, huge]
    if integer:
        strategies.append(st.floats(allow_nan=False, allow_infinity=False))
    return st.one_of(strategies)


@SETTINGS
@given(data=st.data())
def test_property_no_numeric_field_takes_a_non_number(
    strict_client: TestClient,
    admin: dict[str, str],
    fields: list[NumericField],
    data: st.DataObject,
) -> None:
    field = data.draw(st.sampled_from(fields), label="field")
    value = data.draw(not_a_number_for(field.integer), label="value")
    response = _post(strict_client, field, with_value(_base(field), field.at, value), admin)
    assert names_the_field(response, "body", field.at), (response.status_code, response.text)


def test_a_boolean_bandwidth_is_no_change(
    strict_client: TestClient, api_settings: Settings
) -> None:
    """The probe of issue #20: `"bandwidth_mbps": true` was 1 Mbps, approved and scheduled."""
    acme = bearer(make_token(api_settings, "tenant", "acme"))
    body = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": True}
    response = strict_client.post("/v1/tenants/acme/changes", json=body, headers=acme)
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][-1] == "bandwidth_mbps" and error["type"] == "int_type"
    assert error["input"] is True
    with prepare_local(api_settings, lab=True)() as session:
        assert change_repo.list_changes(session, tenant="acme") == []


# --- query and path parameters -------------------------------------------------------------


def test_integer_parameters_take_digits_only(
    strict_client: TestClient, admin: dict[str, str], spec: dict[str, Any]
) -> None:
    params = integer_params(spec)
    assert {p.name for p in params} >= {"limit", "from", "to", "version", "image_id"}
    failures = []
    for param in params:
        for value in BAD_QUERY_INTEGERS:
            if param.where == "path" and value == "":
                continue  # an empty path segment is another route
            path = url(param.path.replace(f"{{{param.name}}}", value))
            query = {name: "1" for name in param.required_query}
            if param.where == "query":
                query[param.name] = value
            response = strict_client.request(param.method, path, params=query, headers=admin)
            if not names_the_field(response, param.where, (param.name,)):
                failures.append(
                    f"{param.method.upper()} {path} {param.name}={value!r}: "
                    f"{response.status_code} {response.text[:200]}"
                )
    assert not failures, "\n".join(failures)


def test_integer_parameters_still_take_digits(
    strict_client: TestClient, admin: dict[str, str]
) -> None:
    assert strict_client.get("/v1/campaigns?limit=5", headers=admin).status_code == 200
    reports = strict_client.get("/v1/tenants/acme/compliance/reports?limit=10", headers=admin)
    assert reports.status_code == 200
    below = strict_client.get("/v1/campaigns?limit=0", headers=admin)
    assert below.status_code == 422 and below.json()["detail"][0]["type"] == "greater_than_equal"
