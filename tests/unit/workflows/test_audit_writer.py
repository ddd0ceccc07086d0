"""The audit's result writer: results that arrive close together share one transaction."""

from __future__ import annotations

import time

import pytest

from workflows.audit import activities as audit_module
from workflows.audit.activities import _ResultWriter
from workflows.audit.assess import Outcome
from workflows.audit.models import DeviceAudit


def outcome(name: str) -> Outcome:
    return Outcome(
        device=name,
        platform="cisco_ios",
        backup="hostname x\n",
        status="compliant",
        score=100.0,
        result={},
        intended_hash=None,
    )


def recording(batches: list[list[str]]) -> tuple[dict[str, DeviceAudit], _ResultWriter]:
    def store(batch: list[Outcome]) -> list[DeviceAudit]:
        batches.append([one.device for one in batch])
        return [
            DeviceAudit(
                device=one.device,
                status=one.status,
                score=one.score,
                backup_version=1,
                running_hash="h",
            )
            for one in batch
        ]

    done: dict[str, DeviceAudit] = {}
    return done, _ResultWriter(store, done)


def test_results_arriving_together_are_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "WRITE_LINGER", 0.5)
    batches: list[list[str]] = []
    done, writer = recording(batches)
    with writer:
        for index in range(4):  # a helper's results, a few milliseconds apart
            writer.put(outcome(f"r{index}"))
            time.sleep(0.01)
    assert batches == [["r0", "r1", "r2", "r3"]]
    assert sorted(done) == ["r0", "r1", "r2", "r3"]


def test_a_full_batch_and_the_last_results_do_not_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "WRITE_LINGER", 30.0)
    monkeypatch.setattr(audit_module, "WRITE_BATCH", 2)
    batches: list[list[str]] = []
    done, writer = recording(batches)
    started = time.monotonic()
    with writer:
        for name in ("a", "b", "c"):
            writer.put(outcome(name))
    # the full batch went at once, the last result as soon as the activity had no more
    assert time.monotonic() - started < 5
    assert batches == [["a", "b"], ["c"]] and len(done) == 3
