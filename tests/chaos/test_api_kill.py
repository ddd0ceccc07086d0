"""kill -9 of the API between a decision reaching the change workflow and the API's own record
of it: the workflow records the decision itself (approval row and audit entry together), so
nothing is left approved without a record, and the change goes on."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import changes as change_repo
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab, free_ports
from tests.utils.processes import start_netwave, stop

AFTER_UPDATE = "change.after_decide_update"
BODY = {"kind": "qos_profile", "site": "branch1", "profile": "premium"}


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


async def test_a_decision_survives_the_api_dying_before_it_records_it(
    lab_settings: Settings, temporal_env: WorkflowEnvironment, lab: ThreadedLab, tmp_path: Path
) -> None:
    [port] = free_ports(1, start=30000, stop=32000)
    settings = scoped(lab_settings, temporal_env).model_copy(update={"api_port": port})
    prepare_local(settings, lab=True)
    acme = bearer(make_token(settings, "tenant", tenant="acme"))
    board = bearer(make_token(settings, "approver", principal="change-board"))
    base = f"http://127.0.0.1:{port}"
    sessions = make_session_factory(get_engine(settings.database_url))
    log = tmp_path / "api.log"
    async with workers(temporal_env.client, settings):
        api = start_netwave(settings, "api", log, env={"NETWAVE_FAILPOINTS": AFTER_UPDATE})
        try:

            def healthy() -> bool:
                try:
                    return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return api.poll() is not None  # let the assertion below say why

            await asyncio.to_thread(wait_for, healthy, "the API did not start")
            assert api.poll() is None, log.read_text()[-2000:]
            created = httpx.post(f"{base}/v1/tenants/acme/changes", json=BODY, headers=acme)
            assert created.status_code == 201, created.text
            change_id = created.json()["change"]["id"]
            path = f"{base}/v1/tenants/acme/changes/{change_id}"

            def status() -> str:
                return str(httpx.get(path, headers=acme).json()["change"]["status"])

            await asyncio.to_thread(wait_for, lambda: status() == "awaiting_approval", "plan")
            answers: list[object] = []

            def approve() -> None:
                try:
                    answers.append(
                        httpx.post(
                            f"{path}/approve",
                            json={"comment": "board agrees"},
                            headers=board,
                            timeout=60,
                        )
                    )
                except httpx.HTTPError as exc:
                    answers.append(exc)

            sender = threading.Thread(target=approve)
            sender.start()
            marker = settings.var_dir / "failpoints" / AFTER_UPDATE
            await asyncio.to_thread(wait_for, marker.exists, "the API never took the decision")
            stop(api, signal.SIGKILL)  # after the workflow accepted it, before the API wrote it
            sender.join(30)
            assert answers and isinstance(answers[0], httpx.HTTPError), answers
        finally:
            stop(api, signal.SIGKILL)

        def recorded() -> bool:
            with sessions() as session:
                change = change_repo.get_change(session, tenant="acme", change_id=change_id)
                return change is not None and change.status == "scheduled"

        await asyncio.to_thread(wait_for, recorded, "the change did not go on")
    with sessions() as session:
        approvals = change_repo.approvals(session, tenant="acme", change_id=change_id)
        entries = audit_log_repo.list_entries(session, tenant="acme", limit=200)
    assert [(a.approver, a.decision, a.comment) for a in approvals] == [
        ("change-board", "approved", "board agrees")
    ]
    mine = [e for e in entries if e.object == f"change:{change_id}"]
    assert [e.actor for e in mine if e.action == "change.approve"] == ["change-board"]
    assert lab.record("acme-branch1-r1").config_sessions == []  # its window is closed
