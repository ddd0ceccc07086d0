"""Hostile input: inventory files, rule files, template variables and API payloads.

Property-based (hypothesis, derandomized): oversized strings, unicode, control characters and
CLI injection (a value, then a line break or separator, then a config command). Every input is
either accepted or refused with the module's own error (InventoryError, RuleError,
TemplateError, a 4xx naming the field); nothing else escapes, and no rendered or pushed config
ever carries an injected line. The last tests push through the real workflow to the lab.
"""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.changes.requests import DESCRIPTION
from services.compliance.rules import RuleSet, parse_rules
from services.core.errors import InventoryError, RuleError, TemplateError
from services.core.settings import Settings
from services.lab.testing import ThreadedLab
from services.network.inventory import Device, TenantInventory, load_tenant
from services.network.platforms import PLATFORMS
from services.network.render import renderer_for
from tests.conftest import REPO
from tests.integration.backup.test_fleet_backup import workers
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.security.world import World

SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
INJECTED = (
    "username evil privilege 15 secret 0 pwned",
    "set system login user evil class super-user",
    "no aaa new-model",
)
BREAKS = ("\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x00", "\x1b[2K")
SEPARATORS = (*BREAKS, ";", " ; ", "}", "{", '"', "'", "^C", "\n!\n", "\nend\n", "\t", "|", "#")
SPECIALS = ("", " ", "EOF", "%", "!", "^C", "?", "\\", "é" * 300, "\U0001f4a5", "x" * 100_000)


def hostile_text() -> st.SearchStrategy[str]:
    injection = st.builds(
        lambda head, sep, command: f"{head}{sep}{command}",
        st.text(max_size=8),
        st.sampled_from(SEPARATORS),
        st.sampled_from(INJECTED),
    )
    return st.one_of(injection, st.sampled_from(SPECIALS), st.text(max_size=40))


def junk() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        hostile_text(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(hostile_text(), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, junk())


def host_entry() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {
                "hostname": _maybe(st.just("127.0.0.1")),
                "port": _maybe(st.integers(min_value=-5, max_value=70_000)),
                "platform": _maybe(st.sampled_from(sorted(PLATFORMS))),
                "data": _maybe(
                    st.fixed_dictionaries(
                        {"credential": _maybe(st.just("lab")), "site": hostile_text()},
                        optional={"description": hostile_text(), "password": hostile_text()},
                    )
                ),
            },
            optional={"groups": junk(), "username": junk(), "secret": junk()},
        ),
        junk(),
    )


def _tenant_dir(files: dict[str, str]) -> tuple[Path, str]:
    root = Path(tempfile.mkdtemp(prefix="hostile-"))
    (root / "t").mkdir()
    for name, text in files.items():
        (root / "t" / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    return root, "t"


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True)


# --- inventory files ------------------------------------------------------------------------


@SETTINGS
@given(
    hosts=st.one_of(
        st.dictionaries(hostile_text(), host_entry(), max_size=3).map(_dump),
        st.text(max_size=300),
    ),
    groups=st.one_of(st.none(), st.dictionaries(hostile_text(), junk(), max_size=2).map(_dump)),
)
@example(hosts="[" * 5000, groups=None)
@example(hosts="a: &a [*a, *a]\n", groups=None)
@example(hosts="r1: {hostname: h, port: 22, platform: cisco_ios, password: x}\n", groups=None)
def test_inventory_files_load_or_name_the_problem(hosts: str, groups: str | None) -> None:
    files = {"hosts.yaml": hosts} | ({"groups.yaml": groups} if groups is not None else {})
    root, tenant = _tenant_dir(files)
    try:
        inventory = load_tenant(root, tenant)
    except InventoryError as exc:
        assert str(root) in str(exc), "the error names the file"
        return
    finally:
        shutil.rmtree(root)
    _accepted_inventory(inventory)


def _accepted_inventory(inventory: TenantInventory) -> None:
    for device in inventory.devices.values():
        assert device.platform in PLATFORMS
        assert isinstance(device.credential, str) and device.credential
        assert not {"password", "secret"} & set(device.data)


@settings(SETTINGS, max_examples=30)
@given(tenant=hostile_text())
def test_hostile_tenant_names_are_refused(tenant: str) -> None:
    try:
        load_tenant(REPO / "inventories", tenant)
    except InventoryError:
        return
    assert tenant in {"acme", "globex", "initech"}


# --- rule files -----------------------------------------------------------------------------


def rule() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {
                "kind": _maybe(st.sampled_from(["required", "forbidden", "match_intended"])),
                "lines": _maybe(st.lists(hostile_text(), max_size=3)),
            },
            optional={"platforms": junk(), "ordered": junk()},
        ),
        junk(),
    )


def rule_file() -> st.SearchStrategy[Any]:
    feature = st.fixed_dictionaries(
        {
            "sections": _maybe(
                st.dictionaries(st.sampled_from(sorted(PLATFORMS)), st.lists(hostile_text()))
            ),
            "rules": _maybe(st.lists(rule(), max_size=3)),
        },
        optional={"description": junk()},
    )
    return st.fixed_dictionaries(
        {"features": _maybe(st.dictionaries(hostile_text(), feature, max_size=3))}
    )


@SETTINGS
@given(text=st.one_of(rule_file().map(_dump), st.text(max_size=300)))
@example(text="[" * 5000)
@example(text="features: {ntp: {sections: {cisco_ios: ['(']}, rules: [{kind: required}]}}")
def test_rule_files_parse_or_name_file_and_line(text: str) -> None:
    path = Path("inventories/t/compliance.yaml")
    try:
        rules = parse_rules(text, path)
    except RuleError as exc:
        assert str(path) in str(exc), "the error names the file"
        return
    assert isinstance(rules, RuleSet)
    for platform in PLATFORMS:
        for check in rules.checks(platform):
            check.owns("interface GigabitEthernet0/0")


# --- template variables ---------------------------------------------------------------------

EDGES = ("acme-hq-r1", "acme-branch3-r1", "acme-branch2-r1")  # IOS, EOS, Junos
RENDERER = renderer_for(REPO / "templates")
FLEET = load_tenant(REPO / "inventories", "acme")


def _string_leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_leaves(v, (*path, i))]
    return []


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copied = list(value)
    copied[head] = _replaced(copied[head], rest, new)
    return copied


def _safe_lines(config: str) -> None:
    """Only the template's own newlines break lines; no injected command starts a line."""
    assert config.split("\n") == config.splitlines() + ([""] if config.endswith("\n") else [])
    assert all(c == "\n" or unicodedata.category(c) != "Cc" for c in config)
    for line in config.split("\n"):
        assert not line.strip().startswith(INJECTED), line


@SETTINGS
@given(data=st.data(), name=st.sampled_from(EDGES), value=hostile_text())
def test_template_variables_never_inject_a_config_line(
    data: st.DataObject, name: str, value: str
) -> None:
    device: Device = FLEET.device(name)
    leaves = [p for p in _string_leaves(device.data) if p[0] not in ("credential", "lab")]
    path = data.draw(st.sampled_from(leaves), label="variable")
    hostile = device.model_copy(update={"data": _replaced(device.data, path, value)})
    try:
        config = RENDERER.render_device(hostile)
    except TemplateError as exc:
        assert name in str(exc), "the error names the device"
        return
    _safe_lines(config)


# --- API payloads ---------------------------------------------------------------------------


KINDS = ("wan_bandwidth", "qos_profile", "vlan_handoff")


def change_body() -> st.SearchStrategy[Any]:
    kinds = st.sampled_from(KINDS)
    return st.one_of(
        st.fixed_dictionaries(
            {"kind": _maybe(kinds), "site": _maybe(st.sampled_from(["hq", "branch3"]))},
            optional={
                "bandwidth_mbps": _maybe(st.integers(min_value=-(2**70), max_value=2**70)),
                "profile": hostile_text(),
                "vlan_id": _maybe(st.integers(min_value=-5, max_value=5000)),
                "address": _maybe(st.sampled_from(["10.99.0.1/24", "10.99.0.0/24"])),
                "description": hostile_text(),
                "device": hostile_text(),
            },
        ),
        junk(),
    )


@SETTINGS
@given(body=change_body())
@example(
    body={
        "kind": "vlan_handoff",
        "site": "branch3",
        "vlan_id": 300,
        "address": "10.99.0.1/24",
        "description": "Guest\nusername evil privilege 15 secret 0 pwned",
    }
)
def test_change_payloads_are_refused_by_field_never_a_500(
    client: TestClient, world: World, body: Any
) -> None:
    response = client.post("/v1/tenants/acme/changes", json=body, headers=world.header("acme"))
    status = response.status_code
    # 503: a valid request that would now start its workflow (Temporal is down here).
    assert status in (422, 503), (status, response.text[:500])
    description = body.get("description") if isinstance(body, dict) else None
    # Only a request of a known kind has its fields checked (else the refusal names `kind`;
    # the 422 no longer echoes the whole body, description and all).
    known_kind = isinstance(body, dict) and body.get("kind") in KINDS
    unsafe = isinstance(description, str) and description and not DESCRIPTION.match(description)
    if known_kind and unsafe:
        assert status == 422 and "description" in response.text
    if status == 422 and response.headers["content-type"].startswith("application/json"):
        assert response.json()["detail"], "the refusal says which field"


@settings(SETTINGS, max_examples=30)
@given(
    spec=st.fixed_dictionaries(
        {}, optional={"cron": hostile_text(), "timezone": hostile_text(), "every_seconds": junk()}
    ),
    key=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
)
def test_schedule_specs_and_idempotency_keys_are_4xx(
    client: TestClient, world: World, spec: dict[str, Any], key: str
) -> None:
    put = client.put("/v1/tenants/acme/audit-schedule", json=spec, headers=world.header("admin"))
    assert put.status_code in (422, 503), put.text[:500]
    body = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}
    # Header values travel as latin-1 bytes; the header's pattern allows printable ASCII.
    headers = {**world.header("acme"), "Idempotency-Key": key.encode("latin-1")}
    created = client.post("/v1/tenants/acme/changes", json=body, headers=headers)
    assert created.status_code in (422, 503), created.text[:500]


# --- through the workflow to the lab --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("running_workers")
async def test_a_description_reaches_the_device_as_one_line_or_not_at_all(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    url = "/v1/tenants/acme/changes"
    base = {"kind": "vlan_handoff", "site": "branch3", "vlan_id": 310, "address": "10.99.0.1/24"}
    for separator in BREAKS:
        body = {**base, "description": f"Guest{separator}{INJECTED[0]}"}
        refused = await post(api, url, json=body, headers=tokens["acme"])
        assert refused.status_code == 422 and "description" in refused.text, refused.text
    tricky = "Guest - exit end username evil privilege 15"  # one line: harmless text
    created = await post(api, url, json={**base, "description": tricky}, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"{url}/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
    await post(api, f"{path}/approve", json={"comment": "ok"}, headers=tokens["approver"])
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    planned = [c.strip() for c in doc["plan"]["devices"][0]["commands"]]
    pushed = [line.strip() for line in lab.record("acme-branch3-r1").pushed_lines]
    assert [line for line in pushed if line in planned] == pushed, "only planned lines"
    assert [line for line in pushed if tricky in line] == [f"description {tricky}"]
    assert not any(line.startswith(INJECTED) for line in pushed)


@pytest.mark.slow
async def test_an_injected_inventory_value_fails_the_plan_and_pushes_nothing(
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    tmp_path: Path,
) -> None:
    assert change_settings.inventories_path is not None
    copy = shutil.copytree(change_settings.inventories_path, tmp_path / "inventories")
    hosts = copy / "acme" / "hosts.yaml"
    data = yaml.safe_load(hosts.read_text())
    data["acme-branch1-r1"]["data"]["wan"]["description"] = f"WAN\n{INJECTED[0]}"
    hosts.write_text(yaml.safe_dump(data))
    settings_ = change_settings.model_copy(update={"inventories_path": copy})
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 60}
    async with workers(temporal_env.client, settings_):
        with TestClient(create_app(settings_)) as api:
            created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
            assert created.status_code == 201, created.text
            path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
            doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "failed"
    assert "control character" in doc["change"]["failure"]
    assert lab.record("acme-branch1-r1").config_sessions == []
