"""What `netwave dev` starts, in order (no process is started here)."""

from __future__ import annotations

from pathlib import Path

from services.core.settings import Settings
from services.devstack import DevStack


def test_extra_device_workers_follow_the_worker_and_poll_only_the_device_queue(
    tmp_path: Path,
) -> None:
    settings = Settings(env="test", var_dir=tmp_path / "var")
    plain = [c.name for c in DevStack(settings).plan()]
    assert plain == ["temporal", "lab", "worker", "api"]
    children = DevStack(settings, device_workers=2).plan()
    assert [c.name for c in children] == [
        "temporal",
        "lab",
        "worker",
        "device-worker-1",
        "device-worker-2",
        "api",
    ]
    for child in children[3:5]:
        assert child.argv[-3:] == ["worker", "--queues", "devices"]
        assert child.log_path.name == f"{child.name}.log"
    assert children[2].argv[-1] == "worker"  # the first worker keeps every queue
