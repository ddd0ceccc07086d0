"""API robustness: schemathesis drives every operation of the OpenAPI schema in-process with
schema-valid and schema-invalid input; no answer may be a 5xx.

The API runs on a real Temporal dev server with workers and the lab, so a request that passes
validation gets its real answer (a workflow started, an update or query answered, a 409 for a
workflow that does not run): a 503 is a failure like any 5xx, not "Temporal is down".

Each generated case is sent as an admin as generated (random tenants and ids: mostly 404s),
then with its path grounded in the seeded world (a real tenant, change, report, run, device)
so validation and handlers behind the 404s are fuzzed too; valid cases also as the tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, Case, GenerationMode

from tests.security.world import OWNER, World

# Examples per operation; derandomized, so CI fuzzes the same cases on every run. Negative
# generation costs about ten times more per example, so it gets fewer.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 4}


def _settings(mode: GenerationMode) -> settings:
    return settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports its case
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _grounded(case: Case[Any], world: World) -> dict[str, Any]:
    """The case's path parameters with the owner's real objects where the name is known."""
    objects = world.objects[OWNER]
    real = {
        "tenant": OWNER,
        "device": objects.device,
        "change_id": objects.change_id,
        "report_id": objects.report_id,
        "run_id": objects.audit_run_id if "audit-runs" in case.path else objects.backup_run_id,
    }
    return {name: real.get(name, value) for name, value in case.path_parameters.items()}


def _send(client: TestClient, case: Case[Any], headers: dict[str, str]) -> httpx.Response:
    """The case through the app's long-lived test client (schemathesis' own `call` starts the
    app, lifespan and migrations included, for every request)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    body = kwargs.pop("data", None)
    if body is not None and not isinstance(body, bytes | str):
        raise TypeError(f"unexpected form body {body!r}")
    for unused in ("cookies", "timeout", "allow_redirects"):
        kwargs.pop(unused, None)
    response: httpx.Response = client.request(content=body, **kwargs)
    return response


def _check(client: TestClient, case: Case[Any], world: World, who: str) -> None:
    where = f"{case.method} {case.formatted_path} as {who}"
    try:
        response = _send(client, case, world.header(who))
    except Exception as exc:  # what a server would answer with a 500
        raise AssertionError(f"{where}: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    assert status < 500, f"{where}: {status}\n{response.text[:1000]}"


def _can_be_invalid(operation: APIOperation[Any, Any, Any, Any]) -> bool:
    """Whether negative generation has anything to break: a body, a query or header parameter,
    or a typed path parameter (any text is a valid string path parameter)."""
    raw = operation.definition.raw
    return "requestBody" in raw or any(
        p["in"] != "path" or p.get("schema", {}).get("type", "string") != "string"
        for p in raw.get("parameters", [])
    )


def _fuzzer(
    client: TestClient,
    world: World,
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
) -> Callable[[], None]:
    @_settings(mode)
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Case[Any]) -> None:
        _check(client, case, world, "admin")
        if case.path_parameters:
            case.path_parameters = _grounded(case, world)
            _check(client, case, world, "admin")
        if mode is GenerationMode.POSITIVE:
            _check(client, case, world, "acme")

    return fuzz


def _fuzz_every_operation(app: FastAPI, world: World) -> None:
    # raise_server_exceptions: an unhandled error raises here, so a failure names the
    # exception behind the 500.
    with TestClient(app, raise_server_exceptions=True) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema.config.generation.update(
            allow_x00=True, database="none", with_security_parameters=False
        )
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        assert len(operations) >= 30
        failures: list[str] = []
        for operation in operations:
            for mode in EXAMPLES:
                if mode is GenerationMode.NEGATIVE and not _can_be_invalid(operation):
                    continue
                try:
                    _fuzzer(client, world, operation, mode)()
                except AssertionError as exc:
                    failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.usefixtures("running_workers", "audit_schedules_removed")
async def test_no_input_makes_a_5xx(live_app: FastAPI, live_world: World) -> None:
    # In a thread: the event loop stays free for the workers the API's workflows need.
    await asyncio.to_thread(_fuzz_every_operation, live_app, live_world)
