"""Records as the one handler of a netwave process sees them (ids added by `LogIds`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from services.core.logging import LogIds


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(LogIds())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, logger: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == logger]


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
