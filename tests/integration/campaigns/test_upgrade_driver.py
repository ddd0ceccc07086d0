"""The OS upgrade steps on each lab platform with Netmiko's stock drivers."""

from __future__ import annotations

import time

import pytest

from services.core.secrets import Credential, FileSecretsProvider
from services.lab import images as lab_images
from services.network.inventory import Device, load_all
from services.network.push import push_config
from services.network.upgrade import (
    Image,
    boot_line_edits,
    read_facts,
    send_reload,
    set_boot,
    stage_image,
)
from tests.utils.lab import ThreadedLab

DEVICES = {
    "cisco_ios": ("acme-hq-r1", "17.6.5", "17.9.4a"),
    "arista_eos": ("acme-hq-r2", "4.28.3M", "4.30.4M"),
    "juniper_junos": ("acme-branch2-r1", "21.4R3-S5", "22.4R3"),
}


def image_of(platform: str, version: str) -> Image:
    found = lab_images.for_version(platform, version)
    return Image(
        platform=platform,
        version=found.version,
        filename=found.filename,
        size=found.size,
        md5=found.md5,
    )


def lab_device(
    lab: ThreadedLab, provider: FileSecretsProvider, name: str
) -> tuple[Device, Credential]:
    """The lab's inventory entry of `name` and its resolved credential."""
    assert lab.inventories_path is not None
    device = lab.trusted(
        next(t.devices[name] for t in load_all(lab.inventories_path).values() if name in t.devices)
    )
    return device, provider.resolve(device.credential)


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_stage_boot_reload_comes_back_on_the_target(
    platform: str, lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    name, current, target = DEVICES[platform]
    device, credential = lab_device(lab, lab_provider, name)
    facts = read_facts(device, credential)
    assert facts.version == current and facts.boot_image and facts.free_bytes > 0
    image = image_of(platform, target)
    url = f"http://127.0.0.1:1/images/{image.filename}"
    first = stage_image(device, credential, image, url)
    assert first.copied and first.verified, first
    again = stage_image(device, credential, image, url)
    assert not again.copied and again.verified  # idempotent: no second copy
    assert len(lab.record(name).copies) == 1
    set_boot(device, credential, image.filename, facts.boot_image)
    send_reload(device, credential)
    deadline = time.monotonic() + 10
    while not lab.record(name).reloads:  # the reload command is on its way
        assert time.monotonic() < deadline
        time.sleep(0.05)
    lab.wait_until_up(name)
    assert read_facts(device, credential).version == target
    assert len(lab.record(name).reloads) == 1


def test_corrupt_copy_is_caught_by_the_checksum(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    name, _current, target = DEVICES["cisco_ios"]
    device, credential = lab_device(lab, lab_provider, name)
    lab.set_fault(name, corrupt_copy=True)
    image = image_of("cisco_ios", target)
    result = stage_image(device, credential, image, f"http://127.0.0.1:1/{image.filename}")
    assert not result.verified and "checksum mismatch" in result.detail


def _boot_lines(config: str) -> list[str]:
    return [ln.strip() for ln in config.splitlines() if ln.startswith("boot system ")]


@pytest.mark.parametrize("applied", [0, 1, 2, 3])
def test_boot_selection_replayed_after_a_cut_session_pushes_no_line_twice(
    applied: int, lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    """A worker killed inside the boot-selection session: the retry finishes the job, once."""
    name, _current, target = DEVICES["cisco_ios"]
    device, credential = lab_device(lab, lab_provider, name)
    facts = read_facts(device, credential)
    image = image_of("cisco_ios", target)
    assert stage_image(device, credential, image, f"http://127.0.0.1:1/{image.filename}").verified
    wanted = [f"boot system flash:{image.filename}", f"boot system flash:{facts.boot_image}"]
    edits = boot_line_edits(_boot_lines(lab.running_config(name)), wanted)
    assert len(edits) == 3  # no old, new, old again (boot order is line order)
    if applied:  # the first attempt got this far, then its session was cut before the save
        assert push_config(device, credential, edits[:applied], save=False).ok
    saves = len(lab.record(name).saves)
    set_boot(device, credential, image.filename, facts.boot_image)
    assert _boot_lines(lab.running_config(name)) == wanted
    for line in wanted:
        assert lab.record(name).pushed_count(line) == 1, lab.record(name).pushed_lines
    assert len(lab.record(name).saves) == saves + 1  # saved even when no line was missing
    set_boot(device, credential, image.filename, facts.boot_image)  # a third attempt: no-op
    assert len(lab.record(name).saves) == saves + 1
    assert all(lab.record(name).pushed_count(line) == 1 for line in wanted)


def test_eos_boot_selection_is_not_pushed_again_on_retry(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    name, _current, target = DEVICES["arista_eos"]
    device, credential = lab_device(lab, lab_provider, name)
    image = image_of("arista_eos", target)
    assert stage_image(device, credential, image, f"http://127.0.0.1:1/{image.filename}").verified
    set_boot(device, credential, image.filename, None)
    set_boot(device, credential, image.filename, None)
    assert lab.record(name).pushed_count(f"boot system flash:{image.filename}") == 1
    assert read_facts(device, credential).boot_image == image.filename
