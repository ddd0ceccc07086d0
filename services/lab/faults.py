"""Fault injection: what can go wrong on a lab device, and what Netmiko sees when it does.

Faults are set per device from inventory data (`data.lab.faults`) or at run time through the
control API (`PUT/PATCH /devices/{name}/faults`) or the Python API (`fleet.set_fault(name, ...)`).
They stay in force until cleared.

`unreachable: true`
    The device's port is closed (connection refused) and open sessions are cut.
    Netmiko: `NetmikoTimeoutException` ("TCP connection to device failed").
`auth_failure: true`
    Every password is rejected. Netmiko: `NetmikoAuthenticationException`.
`slow: <seconds>`
    Every line typed waits that long before it is echoed and answered. Netmiko: each command
    takes longer; a `read_timeout` shorter than the latency raises `ReadTimeout`.
`drop_mid_config: <n>`
    After n accepted config lines in one session the TCP connection is cut when line n+1
    arrives; it is never applied. Netmiko: `send_config_set` raises `ReadTimeout` after its
    `read_timeout` (Netmiko does not notice a closed channel while reading), or `OSError`
    ("Socket is closed") if it writes again first.
`reload_hangs: true`
    A reload never finishes: the port stays closed until the fault is cleared (the device then
    boots at once). Netmiko: reconnects raise `NetmikoTimeoutException`.
`wrong_version_after_reload: <version>`
    The device comes back on that version (`previous`: the version it ran before the reload).
    Netmiko: connects fine; `show version` shows the unexpected version.
`interface_down_after_reload: <interface>`
    After a reload that interface (`wan`: the inventory's WAN interface) has its link down.
    Netmiko: connects fine; `show interfaces` shows it down and the BGP neighbour on it is not
    Established.
`reject_line: <regex>`
    Config lines matching the regex answer with the platform's invalid-input error (IOS
    `% Invalid input detected at '^' marker.`, EOS `% Invalid input`, Junos `syntax error.`) and
    are not applied. Netmiko: `send_config_set(..., error_pattern=...)` raises
    `ConfigInvalidException`.
`corrupt_copy: true`
    Copied images get a wrong checksum; installing or booting them falls back to the running
    version. Netmiko: `verify /md5` prints an unexpected checksum; after the reload
    `show version` still shows the old version.
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
