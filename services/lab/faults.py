"""Fault injection: what can go wrong on a lab device, and what Netmiko sees when it does.

Faults are set per device from inventory data (`data.lab.faults`) or at run time through the
control API (`PUT /devices/{name}/faults`) or the Python API (`fleet.set_fault(name, ...)`).
They stay in force until cleared.

| fault                           | lab behaviour                                        | Netmiko / Nornir sees                                |
|---------------------------------|------------------------------------------------------|------------------------------------------------------|
| `unreachable: true`             | the device's port is closed (connection refused);    | `NetmikoTimeoutException` ("TCP connection to device |
|                                 | open sessions are dropped                            | failed")                                             |
| `auth_failure: true`            | every password is rejected                           | `NetmikoAuthenticationException`                     |
| `slow: <seconds>`               | every line typed waits that long before it is echoed | each command takes longer; a `read_timeout` shorter  |
|                                 | and answered                                         | than the latency raises `ReadTimeout`                |
| `drop_mid_config: <n>`          | after n config lines in one session the connection   | `send_config_set` raises `OSError`/`ReadException`  |
|                                 | closes; line n+1 is never applied                    | (socket closed) or `ReadTimeout`                     |
| `reload_hangs: true`            | a reload never finishes: the port stays closed until | reconnects raise `NetmikoTimeoutException`           |
|                                 | the fault is cleared                                 |                                                      |
| `wrong_version_after_reload: v` | the device comes back on version `v` (`previous`:    | `show version` shows the wrong version               |
|                                 | the version it ran before the reload)                |                                                      |
| `interface_down_after_reload: i`| after a reload interface `i` (`wan`: the WAN port)   | `show interfaces` shows it down; the BGP neighbour  |
|                                 | has its link down                                    | on it is not Established                             |
| `reject_line: <regex>`          | config lines matching the regex answer with the      | `send_config_set(..., error_pattern=...)` raises     |
|                                 | platform's invalid-input error and are not applied   | `ConfigInvalidException`                             |
| `corrupt_copy: true`            | copied images get a wrong checksum; booting them     | `verify /md5` prints a different checksum; after a   |
|                                 | falls back to the previous version                   | reload `show version` shows the old version          |
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

FAULT_NAMES = (
    "unreachable",
    "auth_failure",
    "slow",
    "drop_mid_config",
    "reload_hangs",
    "wrong_version_after_reload",
    "interface_down_after_reload",
    "reject_line",
    "corrupt_copy",
)


class Faults(BaseModel):
    """The faults in force on one device; the defaults mean a healthy device."""

    model_config = ConfigDict(extra="forbid")

    unreachable: bool = False
    auth_failure: bool = False
    slow: float = Field(default=0.0, ge=0.0, le=600.0, description="latency per line (seconds)")
    drop_mid_config: int | None = Field(default=None, ge=0)
    reload_hangs: bool = False
    wrong_version_after_reload: str | None = None
    interface_down_after_reload: str | None = None
    reject_line: str | None = None
    corrupt_copy: bool = False

    @field_validator("reject_line")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"reject_line is not a valid regular expression: {exc}") from None
        return value

    def merged(self, **changes: Any) -> Faults:
        """A copy with `changes` applied (validated)."""
        return Faults.model_validate({**self.model_dump(), **changes})

    def rejects(self, line: str) -> bool:
        return self.reject_line is not None and re.search(self.reject_line, line) is not None

    def active(self) -> dict[str, Any]:
        """Only the faults that differ from a healthy device."""
        return self.model_dump(exclude_defaults=True)
