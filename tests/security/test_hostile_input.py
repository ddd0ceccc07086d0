"""Hostile input: inventory files, rule files, template variables and API payloads.

Property-based (hypothesis, derandomized): oversized strings, unicode, control characters and
CLI injection (a value, then a line break or separator, then a config command). Every input is
either accepted or refused with the module's own error (InventoryError, RuleError,
TemplateError); nothing else escapes, and no rendered or pushed config ever carries an
injected line. API payloads go to the API on a real Temporal dev server: a valid request gets
its real answer (201, 200, 409), a hostile one a 422 naming the field (never a 2xx, never a
503). The last tests push through the real workflow to the lab.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import unicodedata
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.compliance.rules import RuleSet, parse_rules
from services.core.errors import InventoryError, RuleError, TemplateError
from services.core.settings import Settings
from services.network.inventory import Device, TenantInventory, load_tenant
from services.network.platforms import PLATFORMS
from services.network.render import renderer_for
from tests.conftest import REPO
from tests.integration.backup.test_fleet_backup import workers
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab

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
#
# The API on a real Temporal dev server (`api`: no worker, so an accepted change stays
# `submitted` and what a later request gets does not depend on timing). A request that passes
# validation gets its real answer (201; 409 for what an open change or the inventory already
# holds; 200 for a replayed idempotency key), every other one a 422 naming the field: never a
# 503, never a 2xx for hostile input. What is valid is written out here from acme's inventory,
# its contract and the documented field rules, not taken from the code under test.

KINDS = ("wan_bandwidth", "qos_profile", "vlan_handoff")
# Per kind: required and optional fields besides `kind`; any other field is refused.
FIELDS = {
    "wan_bandwidth": ({"site", "bandwidth_mbps"}, set()),
    "qos_profile": ({"site", "profile"}, set()),
    "vlan_handoff": ({"site", "vlan_id", "address"}, {"description", "device"}),
}
# acme's sites (inventories/acme): the site's one edge device, the most bandwidth it may get
# (the circuit in tenant.yaml, else the platform's maximum), what its inventory holds now.
SITES = {
    "hq": ("acme-hq-r1", 1000, 200, "premium"),  # 1 Gbit/s circuit
    "branch1": ("acme-branch1-r1", 100, 50, "standard"),  # 100 Mbit/s circuit
    "branch2": ("acme-branch2-r1", 10_000, 100, "standard"),  # Junos: 10 Gbit/s
    "branch3": ("acme-branch3-r1", 100_000, 100, "standard"),  # EOS: 100 Gbit/s
}
PROFILES = ("standard", "premium")  # tenant.yaml: qos_profiles
# (kind, site, value) that the inventory already holds: a 409 naming it, not a new change.
HELD = {("wan_bandwidth", site, s[2]) for site, s in SITES.items()} | {
    ("qos_profile", site, s[3]) for site, s in SITES.items()
}
# A description lands on a CLI line: a letter or digit first, then letters, digits, spaces and
# _ . , : / ( ) @ + & = - only, no trailing space, at most 80 characters.
SAFE_DESCRIPTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.,:/()@+&=-]{0,79}")
# An Idempotency-Key: 1 to 200 printable ASCII characters, no space.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")

Requested = tuple[str, str, Any]


def _safe_description(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    return text == "" or (SAFE_DESCRIPTION.fullmatch(text) is not None and text[-1] != " ")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _strict_int(value: Any, low: int, high: int) -> bool:
    """A JSON number that is an integer (not `true`, not 5.0, not "5") within [low, high]."""
    return type(value) is int and low <= value <= high


def requested(body: Any) -> Requested | None:
    """What a valid body asks for, (kind, site, value); None for a body that must be a 422."""
    if not isinstance(body, dict) or not _finite(body):
        return None
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        return None
    required, optional = FIELDS[kind]
    given = set(body) - {"kind"}
    if not required <= given or given - required - optional:
        return None
    site = body["site"]
    if not isinstance(site, str) or site not in SITES:
        return None
    device, most, _bandwidth, _profile = SITES[site]
    if kind == "wan_bandwidth":
        value = body["bandwidth_mbps"]
        return (kind, site, value) if _strict_int(value, 1, most) else None
    if kind == "qos_profile":
        value = body["profile"]
        return (kind, site, value) if isinstance(value, str) and value in PROFILES else None
    vlan = body["vlan_id"]
    valid = (
        _strict_int(vlan, 2, 4094)
        # 10.99.0.0/24 is a network address; any other value the strategy draws is junk.
        and body["address"] == "10.99.0.1/24"
        and (body.get("device") is None or body.get("device") == device)
        and _safe_description(body.get("description", ""))
    )
    return (kind, site, vlan) if valid else None


def expected_status(wanted: Requested | None, accepted: set[Requested]) -> int:
    if wanted is None:
        return 422
    if wanted in HELD or wanted in accepted:
        return 409  # the inventory holds it, or an open (here: never run) change asks for it
    return 201


@pytest.fixture
def accepted() -> set[Requested]:
    """What this test's changes asked for so far (hypothesis shares it across examples)."""
    return set()


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


WAN = {"kind": "wan_bandwidth", "site": "hq"}
VLAN = {"kind": "vlan_handoff", "site": "branch3", "vlan_id": 300, "address": "10.99.0.1/24"}


@SETTINGS
@given(body=change_body())
@example(body={**VLAN, "description": "Guest\nusername evil privilege 15 secret 0 pwned"})
@example(body={**VLAN, "description": "Guest WiFi "})  # a trailing space
@example(body={**WAN, "bandwidth_mbps": 0})  # below 1 Mbps
@example(body={**WAN, "bandwidth_mbps": 1001})  # above hq's 1 Gbit/s circuit
@example(body={**WAN, "bandwidth_mbps": True})  # not a number
@example(body={**WAN, "bandwidth_mbps": 150.0})  # not an integer
@example(body={**WAN, "bandwidth_mbps": 150, "device": "acme-hq-r1"})  # not a field of this kind
@example(body={"kind": "qos_profile", "site": "hq", "profile": "gold"})  # not in the contract
@example(body={"kind": "qos_profile", "site": "hq", "profile": "premium"})  # what hq runs: 409
@example(body={**WAN, "bandwidth_mbps": 150})  # valid: 201
@example(body={**VLAN, "description": "Guest WiFi"})  # valid: 201
def test_change_payloads_get_their_real_answer_and_hostile_ones_a_422(
    api: TestClient, tokens: dict[str, dict[str, str]], accepted: set[Requested], body: Any
) -> None:
    response = api.post("/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    status = response.status_code
    wanted = requested(body)
    event(f"HTTP {status}")
    assert status == expected_status(wanted, accepted), (body, status, response.text[:500])
    if status == 201:
        assert wanted is not None
        accepted.add(wanted)
        assert response.json()["change"]["status"] == "submitted", response.text[:500]
    if status == 409:
        held = "the intent already has" if wanted in HELD else "already asks for"
        assert held in response.json()["detail"], response.text[:500]
    if status == 422:
        assert response.json()["detail"], "the refusal says which field"
    # Only a request of a known kind has its fields checked (else the refusal names `kind`;
    # the 422 no longer echoes the whole body, description and all).
    known_kind = isinstance(body, dict) and body.get("kind") in KINDS
    if known_kind and "description" in body and not _safe_description(body["description"]):
        assert status == 422 and "description" in response.text, response.text[:500]


def expected_schedule(spec: dict[str, Any]) -> set[int]:
    """200 for a spec that must be taken, 422 for one that must be refused; for a well-formed
    cron or a zone other than UTC, Temporal has the last word (it refuses what it cannot run)."""
    if spec.get("every_seconds") is not None:
        return {422}  # the cron defaults to "0 2 * * *": never both a cron and an interval
    zone = spec.get("timezone", "UTC")
    if not isinstance(zone, str) or len(zone) > 64 or zone not in zoneinfo.available_timezones():
        return {422}
    if "cron" not in spec:
        return {200} if zone == "UTC" else {200, 422}
    cron = spec["cron"]
    fields = cron.split() if isinstance(cron, str) and len(cron) <= 120 else []
    if len(fields) == 5 and all(re.fullmatch(r"[0-9A-Za-z*/,?-]+", f) for f in fields):
        return {200, 422}
    return {422}


@pytest.fixture
def idempotency_keys() -> dict[str, str]:
    """Idempotency key -> the change it made (hypothesis shares it across examples)."""
    return {}


@pytest.mark.usefixtures("audit_schedules_removed")
@settings(SETTINGS, max_examples=30)
@given(
    spec=st.fixed_dictionaries(
        {}, optional={"cron": hostile_text(), "timezone": hostile_text(), "every_seconds": junk()}
    ),
    key=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
)
@example(spec={"every_seconds": 3600}, key="")  # an interval beside the default cron; no key
@example(spec={"every_seconds": None}, key="req-1")  # the default schedule; a first key: 201
@example(spec={"timezone": "Mars/Olympus"}, key="req-1")  # the same key again: 200
@example(spec={"cron": "0 2 * *"}, key="req-2")  # 4 fields; a second key, the same change: 409
@example(spec={"cron": "0 2 * * * *"}, key="req 3")  # 6 fields; a space in the key
@example(spec={}, key="x" * 201)  # the default schedule; a key too long
def test_schedule_specs_and_idempotency_keys_get_their_real_answer(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    idempotency_keys: dict[str, str],
    spec: dict[str, Any],
    key: str,
) -> None:
    put = api.put("/v1/tenants/acme/audit-schedule", json=spec, headers=tokens["admin"])
    assert put.status_code in expected_schedule(spec), (spec, put.status_code, put.text[:500])
    if put.status_code == 200:
        assert put.json()["schedule_id"] == "audit-schedule-acme", put.text[:500]
    body = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}
    # Header values travel as latin-1 bytes; the header's pattern allows printable ASCII.
    headers = {**tokens["acme"], "Idempotency-Key": key.encode("latin-1")}
    created = api.post("/v1/tenants/acme/changes", json=body, headers=headers)
    event(f"PUT {put.status_code}, POST {created.status_code}")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        expected = 422
    elif key in idempotency_keys:
        expected = 200  # a replay: the change this key made
    elif idempotency_keys:
        expected = 409  # a new key for what an open change already asks for
    else:
        expected = 201
    assert created.status_code == expected, (key, created.status_code, created.text[:500])
    if expected == 201:
        idempotency_keys[key] = created.json()["change"]["id"]
    elif expected == 200:
        assert created.json()["change"]["id"] == idempotency_keys[key]
    elif expected == 409:
        first = next(iter(idempotency_keys.values()))
        wanted = f"change {first} (submitted) already asks for site 'hq' at 300 Mbps"
        assert wanted in created.json()["detail"], created.text


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
