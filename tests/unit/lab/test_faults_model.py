from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.lab.faults import FAULT_NAMES, Faults


def test_defaults_are_healthy_and_every_fault_is_documented() -> None:
    assert Faults().active() == {}
    assert set(Faults.model_fields) == set(FAULT_NAMES)
    doc = __import__("services.lab.faults", fromlist=["x"]).__doc__ or ""
    for name in FAULT_NAMES:
        assert f"`{name}:" in doc


def test_merge_validates() -> None:
    faults = Faults().merged(slow=0.5)
    assert faults.merged(reject_line="^ntp").active() == {"slow": 0.5, "reject_line": "^ntp"}
    with pytest.raises(ValidationError):
        faults.merged(reject_line="(")
    with pytest.raises(ValidationError):
        faults.merged(not_a_fault=True)


def test_rejects() -> None:
    assert Faults(reject_line=r"ntp server 1\.").rejects("ntp server 1.1.1.1")
    assert not Faults().rejects("anything")
