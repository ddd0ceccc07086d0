"""Intended config rendering: every shipped device, errors that name file/line/variable, safety."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.errors import TemplateError
from services.lab.platforms import CLIS
from services.network.inventory import Device, load_all
from services.network.render import Renderer, renderer_for

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "templates"
FLEET = {d.name: d for inv in load_all(REPO / "inventories").values() for d in inv.devices.values()}
FEATURES = {"system", "aaa", "users", "ntp", "logging", "snmp", "banner", "qos", "interfaces"}
FEATURES.add("bgp")
FEATURES.add("vlan_handoffs")
ONE_PER_PLATFORM = {"cisco_ios": "acme-hq-r1", "arista_eos": "acme-hq-r2"}
ONE_PER_PLATFORM["juniper_junos"] = "acme-branch2-r1"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


def with_data(device: Device, **changes: Any) -> Device:
    return device.model_copy(update={"data": {**device.data, **changes}})


def without(device: Device, key: str) -> Device:
    return device.model_copy(update={"data": {k: v for k, v in device.data.items() if k != key}})


def template_line(platform: str, feature: str, needle: str) -> int:
    lines = (TEMPLATES / platform / f"{feature}.j2").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line and "{#" not in line)


@pytest.mark.parametrize("name", sorted(FLEET))
def test_every_shipped_device_renders(renderer: Renderer, name: str) -> None:
    device = FLEET[name]
    text = renderer.render_device(device)
    assert "{{" not in text and "{%" not in text
    assert re.search(rf"\b{re.escape(device.name)}\b", text)
    for feature in renderer.features(device.platform):
        assert renderer.render_feature(device, feature).strip() in text


def test_every_lab_platform_is_rendered() -> None:
    assert {d.platform for d in FLEET.values()} == set(CLIS)


@pytest.mark.parametrize("platform", sorted(ONE_PER_PLATFORM))
def test_features_are_the_includes_of_base(renderer: Renderer, platform: str) -> None:
    assert set(renderer.features(platform)) == FEATURES


def test_ios_render_is_real_syntax(renderer: Renderer) -> None:
    text = renderer.render_device(FLEET["acme-hq-r1"])
    for line in (
        "hostname acme-hq-r1",
        "ip domain name acme.example.net",
        "ntp server 192.0.2.10",
        "logging host 192.0.2.20",
        "username netops privilege 15",
        " ip address 198.51.100.1 255.255.255.252",
        " bandwidth 200000",
        " service-policy output WAN-SHAPE",
        "  shape average 200000000",
        " neighbor 198.51.100.2 remote-as 64500",
        " neighbor 198.51.100.2 description ISP-A",
        "banner motd ^C",
    ):
        assert line in text.splitlines()
    assert not re.search(r"password|secret|community", text)


def test_eos_and_junos_render_is_real_syntax(renderer: Renderer) -> None:
    eos = renderer.render_device(FLEET["acme-hq-r2"]).splitlines()
    assert "   ip address 198.51.100.5/30" in eos
    assert "username netops privilege 15 role network-admin nopassword" in eos
    junos = renderer.render_device(FLEET["acme-branch2-r1"]).splitlines()
    assert all(line.startswith("set ") for line in junos)
    assert "set system ntp server 192.0.2.10" in junos
    assert "set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.13/30" in junos
    assert "set class-of-service traffic-control-profiles WAN-SHAPE shaping-rate 100m" in junos


def test_templates_compile_once_per_root(renderer: Renderer) -> None:
    device = FLEET["acme-hq-r1"]
    renderer.render_device(device)
    first = renderer._template("cisco_ios", "base.j2")
    renderer.render_device(device)
    assert renderer._template("cisco_ios", "base.j2") is first
    assert renderer_for(TEMPLATES) is renderer_for(TEMPLATES)


def test_undefined_variable_names_device_file_line_and_variable(renderer: Renderer) -> None:
    device = without(FLEET["acme-hq-r1"], "ntp_servers")
    line = template_line("cisco_ios", "ntp", "in ntp_servers")
    with pytest.raises(TemplateError) as caught:
        renderer.render_device(device)
    assert re.fullmatch(
        rf"acme-hq-r1: (.*/)?templates/cisco_ios/ntp\.j2:{line}: 'ntp_servers' is undefined",
        caught.value.message,
    )


def test_undefined_variable_in_one_feature(renderer: Renderer) -> None:
    device = without(FLEET["acme-branch2-r1"], "snmp_contact")
    with pytest.raises(TemplateError, match=r"juniper_junos/snmp\.j2:3: 'snmp_contact'"):
        renderer.render_feature(device, "snmp")


def test_template_errors_name_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "cisco_ios"
    folder.mkdir(parents=True)
    (folder / "base.j2").write_text('{% include "ntp.j2" %}\n')
    (folder / "ntp.j2").write_text("ntp server {{ ntp_servers[0] }}\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"acme-hq-r1: .*cisco_ios/ntp\.j2:2: .*"):
        Renderer(tmp_path / "templates").render_device(FLEET["acme-hq-r1"])


def test_unknown_feature_is_refused(renderer: Renderer) -> None:
    with pytest.raises(TemplateError, match="no feature 'vrrp'"):
        renderer.render_feature(FLEET["acme-hq-r1"], "vrrp")


def test_bad_value_names_template_line(renderer: Renderer) -> None:
    device = with_data(FLEET["acme-hq-r1"], syslog_server="not-an-ip")
    with pytest.raises(TemplateError, match=r"cisco_ios/logging\.j2:3: .*'not-an-ip'"):
        renderer.render_device(device)


def test_newline_in_variable_is_refused_naming_it(renderer: Renderer) -> None:
    wan = {**FLEET["acme-hq-r1"].data["wan"], "description": "WAN\nntp server 6.6.6.6"}
    with pytest.raises(TemplateError, match=r"acme-hq-r1: variable 'wan\.description' contains"):
        renderer.render_device(with_data(FLEET["acme-hq-r1"], wan=wan))


# --- hostile values never inject a config line ---------------------------------------------

INJECTED = "ntp server 6.6.6.6"
hostile = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda head, sep, tail: f"{head}{sep}{INJECTED}{tail}",
        st.text(max_size=10),
        st.sampled_from(["\n", "\r", "\r\n", "\x85", "\u2028", "\x00", "\n^C\n", "\nEOF\n", '"\n']),
        st.sampled_from(["", "\n", " ^C", "\nend"]),
    ),
    st.sampled_from(["^C", "EOF", "!", "%", 'x" ; set system', "a\\nb", "two words"]),
)
FIELDS = ("wan.description", "lan.description", "snmp_location", "snmp_contact", "banner", "users")


def inject(device: Device, field: str, value: str) -> Device:
    data = dict(device.data)
    if field in ("banner", "users"):
        data[field] = [value, *data[field][1:]]
    elif "." in field:
        outer, inner = field.split(".")
        data[outer] = {**data[outer], inner: value}
    else:
        data[field] = value
    return device.model_copy(update={"data": data})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    platform=st.sampled_from(sorted(ONE_PER_PLATFORM)),
    field=st.sampled_from(FIELDS),
    value=hostile,
)
def test_hostile_values_are_rejected_or_contained(platform: str, field: str, value: str) -> None:
    renderer = renderer_for(TEMPLATES)
    device = FLEET[ONE_PER_PLATFORM[platform]]
    baseline = renderer.render_device(device).splitlines()
    try:
        text = renderer.render_device(inject(device, field, value))
    except TemplateError:
        return
    lines = text.splitlines()
    assert len(lines) == len(baseline)
    assert INJECTED not in [line.strip() for line in lines]
    changed = [line for line, before in zip(lines, baseline, strict=True) if line != before]
    assert all(value.strip() in line or value in line for line in changed) or not value.strip()
