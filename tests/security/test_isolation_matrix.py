"""Tenant isolation matrix: every route of the OpenAPI schema against every kind of wrong caller.

Callers: a token of another tenant, a token whose role the route does not take, no token, a
malformed token, an expired or revoked token. Expected: 401/403/404, never a 5xx, never a byte
of another tenant's data, and nothing written. Routes are read from the schema the app serves,
so new routes (campaigns, ...) join the matrix by themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from services.store.db import get_engine
from tests.security.routes import Call, Operation, operations, resolve
from tests.security.world import FOREIGN, OWNER, World

# Reachable without a token: a load balancer's health check.
PUBLIC = {"GET /healthz"}
# Writes a tenant token may make: its own change and remediation requests. A new route that
# lets tenants write must be added here on purpose (and get its own tests).
TENANT_WRITES = {
    "POST /v1/tenants/{tenant}/changes",
    "POST /v1/tenants/{tenant}/compliance/reports/{report_id}/devices/{device}/remediate",
    "POST /v1/tenants/{tenant}/changes/{change_id}/withdraw",  # its own change, before it applies
}
ID_PARAMS = {"device", "change_id", "report_id", "run_id", "version"}
# Reads of a device's intent that every role may make (tenants: their own devices only).
INTENT_READS = {
    f"GET /v1/tenants/{{tenant}}/devices/{{device}}/intent{suffix}"
    for suffix in ("", "/history", "/config", "/diff")
}


@pytest.fixture
def ops(app: FastAPI) -> list[Operation]:
    found = operations(app)
    assert len(found) >= 30, [op.label for op in found]
    return found


def send(client: TestClient, op: Operation, call: Call, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = client.request(
        op.method,
        call.url,
        params=call.query,
        headers=headers,
        json={} if op.has_body else None,
    )
    return response


def leaked(world: World, tenant: str, call: Call, response: httpx.Response) -> list[str]:
    """`tenant`'s private values in the response that the request did not itself carry."""
    sent = call.url + " " + " ".join(call.query.values())
    return [v for v in world.private(tenant) if v not in sent and v in response.text]


def row_counts(world: World) -> dict[str, int]:
    engine = get_engine(world.settings.database_url)
    with engine.connect() as conn:
        return {
            table: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
            for table in inspect(conn).get_table_names()
        }


@pytest.fixture
def unchanged(world: World, client: TestClient) -> Iterator[None]:
    """Refused calls write nothing: every table keeps its row count (counted once the app
    has started, so what its start-up syncs is not counted)."""
    before = row_counts(world)
    yield
    assert row_counts(world) == before


def test_every_route_but_health_needs_a_token(ops: list[Operation]) -> None:
    public = {op.label for op in ops if not op.authenticated}
    assert public == PUBLIC, "a route without current_identity is reachable by anyone"
    tenant_writes = {op.label for op in ops if op.method != "GET" and op.allows("tenant")}
    assert tenant_writes <= TENANT_WRITES, "tenant tokens may write through these routes"


def test_the_intent_reads_are_in_the_matrix(ops: list[Operation]) -> None:
    found = {op.label: op for op in ops}
    assert set(found) >= INTENT_READS, sorted(INTENT_READS - set(found))
    assert all(found[label].roles is None for label in INTENT_READS)


@pytest.mark.usefixtures("unchanged")
def test_missing_malformed_expired_and_revoked_tokens_are_401(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    admin = world.tokens["admin"]
    prefix, secret = admin.rsplit("_", 1)[0], admin.split("_", 2)[2]
    bad = {
        "missing": {},
        "empty bearer": {"Authorization": "Bearer "},
        "garbage": {"Authorization": "Bearer garbage"},
        "wrong scheme": {"Authorization": f"Basic {admin}"},
        "no scheme": {"Authorization": admin},
        "unknown token": {"Authorization": "Bearer nw_000000000000_" + "a" * 43},
        "tampered secret": {"Authorization": f"Bearer {prefix}_{secret[::-1]}"},
        "trailing junk": {"Authorization": f"Bearer {admin}x"},
        "hash-like": {"Authorization": "Bearer " + "0" * 64},
        "expired": world.header("expired"),
        "revoked": world.header("revoked"),
    }
    failures: list[tuple[object, ...]] = []
    for op in ops:
        if not op.authenticated:
            continue
        call = resolve(op, world, OWNER)
        for name, headers in bad.items():
            response = send(client, op, call, headers)
            if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
                failures.append((op.label, name, response.status_code, response.text[:200]))
            elif leaked(world, OWNER, call, response):
                failures.append((op.label, name, "leak", response.text[:200]))
    assert not failures, failures


@pytest.mark.usefixtures("unchanged")
def test_foreign_tenant_token_gets_404_and_no_data(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    globex = world.header("globex")
    failures: list[tuple[object, ...]] = []
    for op in ops:
        if not op.authenticated:
            continue
        # acme's path with acme's ids; then globex's own path with acme's ids in it.
        call = resolve(op, world, OWNER)
        response = send(client, op, call, globex)
        if "{tenant}" in op.path:
            expected = {404} if op.method == "GET" and op.allows("tenant") else {403, 404}
            ok = response.status_code in expected
        else:
            ok = response.status_code < 500
        if not ok or leaked(world, OWNER, call, response):
            failures.append((op.label, "acme path", response.status_code, response.text[:200]))
        if "{tenant}" in op.path and ID_PARAMS & set(op.path_params) - {"version"}:
            call = resolve(op, world, FOREIGN, ids_of=OWNER)
            response = send(client, op, call, globex)
            if response.status_code not in (403, 404) or leaked(world, OWNER, call, response):
                failures.append((op.label, "own path", response.status_code, response.text[:200]))
    assert not failures, failures


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("role", ["tenant", "engineer", "approver"])
def test_a_role_the_route_does_not_take_is_403(
    client: TestClient, world: World, ops: list[Operation], role: str
) -> None:
    headers = world.header("acme" if role == "tenant" else role)
    refused = [op for op in ops if op.authenticated and not op.allows(role)]
    if role == "tenant":
        assert any(op.method != "GET" for op in refused), "tenants must not start runs"
    failures: list[tuple[object, ...]] = []
    for op in refused:
        call = resolve(op, world, OWNER)
        response = send(client, op, call, headers)
        if response.status_code != 403:
            failures.append((op.label, response.status_code, response.text[:200]))
    assert not failures, failures


@pytest.mark.parametrize("who", ["acme", "engineer"])
def test_the_owner_and_staff_read_the_seeded_objects(
    client: TestClient, world: World, ops: list[Operation], who: str
) -> None:
    """The control: the ids the matrix uses are real, so its 404s are about scope."""
    role = "tenant" if who == "acme" else who
    failures: list[tuple[object, ...]] = []
    for op in ops:
        if op.method != "GET" or not op.allows(role):
            continue
        call = resolve(op, world, OWNER)
        response = send(client, op, call, world.header(who))
        # 503: the route needs Temporal, which this app cannot reach.
        expected = {200, 503} if call.known else {404}
        if response.status_code not in expected:
            failures.append((op.label, response.status_code, response.text[:200]))
        if role == "tenant" and leaked(world, FOREIGN, call, response):
            failures.append((op.label, "sees globex data", response.text[:200]))
    assert not failures, failures
