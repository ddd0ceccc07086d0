"""The OS upgrade steps on each lab platform with Netmiko's stock drivers."""

from __future__ import annotations

import time

import pytest

from services.core.secrets import FileSecretsProvider
from services.lab import images as lab_images
from services.lab.testing import ThreadedLab
from services.network.inventory import load_all
from services.network.upgrade import Image, read_facts, send_reload, set_boot, stage_image

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


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_stage_boot_reload_comes_back_on_the_target(
    platform: str, lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    name, current, target = DEVICES[platform]
    assert lab.inventories_path is not None
    device = next(
        t.devices[name] for t in load_all(lab.inventories_path).values() if name in t.devices
    )
    credential = lab_provider.resolve(device.credential)
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
    assert lab.inventories_path is not None
    device = load_all(lab.inventories_path)["acme"].devices[name]
    credential = lab_provider.resolve(device.credential)
    lab.set_fault(name, corrupt_copy=True)
    image = image_of("cisco_ios", target)
    result = stage_image(device, credential, image, f"http://127.0.0.1:1/{image.filename}")
    assert not result.verified and "checksum mismatch" in result.detail
