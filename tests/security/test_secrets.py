"""Secrets: after a full `netwave demo` (backup, audits, changes with approvals), no device
password and no plaintext API token is in a workflow history, a log, the database or any
other file under var/ (the secrets file aside), nor in what the demo prints.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.core.temporal import temporal_cli_path
from services.demo import run_demo
from services.network.inventory import load_all
from services.store.repos import tokens as token_repo
from tests.conftest import REPO
from tests.utils.history import history_text
from tests.utils.lab import free_ports, write_remapped_inventories
from tests.utils.processes import settings_env
from tests.utils.secrets import passwords
from tests.utils.temporal import SERVER_STARTUP

pytestmark = pytest.mark.slow


@pytest.fixture
def stack_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Free ports for every process; the demo's children read these settings from the env."""
    source = REPO / "inventories"
    names = [d.name for t in load_all(source).values() for d in t.devices.values()]
    # Below Linux's ephemeral range (32768-60999), where any test's outgoing connection may
    # take a port between this probe and the lab's bind (seen in CI), and above the 20000-30000
    # that other tests' labs use.
    ports = free_ports(len(names) + 4, start=30000, stop=32700)
    # Closed windows: the demo opens each change's window itself, whatever the clock says.
    inventories = write_remapped_inventories(
        source,
        tmp_path / "inventories",
        dict(zip(names, ports[4:], strict=True)),
        close_windows=True,
    )
    temporal, ui, api, control = ports[:4]
    settings = Settings(
        env="test",
        var_dir=tmp_path / "var",
        inventories_path=inventories,
        templates_path=REPO / "templates",
        temporal_address=f"127.0.0.1:{temporal}",
        temporal_ui_url=f"http://127.0.0.1:{ui}",
        api_port=api,
        lab_control_port=control,
    )
    for key, value in settings_env(settings).items():
        if key.startswith(("NETWAVE_", "PYTHONUNBUFFERED")):
            monkeypatch.setenv(key, value)
    return settings


@pytest.fixture
def issued_tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every plaintext token created while the test runs (the demo's users' tokens)."""
    issued: list[str] = []
    create = token_repo.create_token

    def capture(*args: Any, **kwargs: Any) -> tuple[str, token_repo.TokenOut]:
        token, out = create(*args, **kwargs)
        issued.append(token)
        return token, out

    monkeypatch.setattr(token_repo, "create_token", capture)
    yield issued


async def histories(settings: Settings) -> dict[str, str]:
    """Every workflow history the demo left, from its Temporal database, as searchable text."""
    env = await WorkflowEnvironment.start_local(
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_startup_timeout=SERVER_STARTUP,
        dev_server_database_filename=str(settings.var_dir / "temporal.db"),
        ui=False,
    )
    try:
        found = {}
        async for execution in env.client.list_workflows():
            handle = env.client.get_workflow_handle(execution.id, run_id=execution.run_id)
            found[execution.id] = history_text(await handle.fetch_history())
        return found
    finally:
        await env.shutdown()


def database_dump(settings: Settings) -> str:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def files_under(var_dir: Path, secrets_file: Path) -> dict[str, bytes]:
    """Every file the stack wrote (logs, SQLite files and their WAL), not the secrets file."""
    return {
        str(p.relative_to(var_dir)): p.read_bytes()
        for p in sorted(var_dir.rglob("*"))
        if p.is_file() and p.resolve() != secrets_file.resolve()
    }


async def test_a_demo_run_leaves_no_password_or_token_anywhere(
    stack_settings: Settings, issued_tokens: list[str]
) -> None:
    printed = io.StringIO()
    code = await asyncio.to_thread(run_demo, stack_settings, Console(file=printed, width=200))
    assert code == 0, printed.getvalue()
    assert len(issued_tokens) >= 5

    device_passwords = passwords(stack_settings.secrets_file)
    token_secrets = [t.split("_", 2)[2] for t in issued_tokens]  # nw_<prefix>_<secret>
    secrets = {s for s in [*device_passwords, *issued_tokens, *token_secrets] if len(s) >= 8}
    assert len(device_passwords) >= 3 and len(secrets) >= len(device_passwords)

    found = await histories(stack_settings)
    kinds = {workflow_id.split("-", 1)[0] for workflow_id in found}
    assert {"backup", "audit", "change"} <= kinds, sorted(found)
    dump = database_dump(stack_settings)
    files = files_under(stack_settings.var_dir, stack_settings.secrets_file)
    logs = [name for name in files if name.endswith(".log")]
    assert {"logs/api.log", "logs/worker.log", "logs/lab.log"} <= set(logs)
    # The controls: what was searched holds the run (device names, token prefixes).
    assert all("acme-hq-r1" in found[w] for w in found if w.startswith("backup"))
    assert all(t.split("_")[1] in dump for t in issued_tokens), "api_tokens is in the dump"

    leaks = [
        (where, secret[:4] + "...")
        for secret in secrets
        for where, text in [
            *((f"history {w}", h) for w, h in found.items()),
            ("database dump", dump),
            ("demo output", printed.getvalue()),
        ]
        if secret in text
    ] + [
        (f"file {name}", secret[:4] + "...")
        for secret in secrets
        for name, data in files.items()
        if secret.encode() in data
    ]
    assert not leaks, leaks
