"""A runtime for use cases without the API: settings and a Temporal client (or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.settings import Settings


class FakeHandle:
    """A workflow handle that records the updates sent and answers with `error` (or accepts)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error
        self.updates: list[tuple[str, Any]] = []

    async def execute_update(self, update: str, argument: Any) -> None:
        self.updates.append((update, argument))
        if self.error is not None:
            raise self.error

    async def query(self, *_: Any, **__: Any) -> Any:
        raise TimeoutError("the worker is busy")


@dataclass
class FakeClient:
    handle: FakeHandle = field(default_factory=FakeHandle)
    workflow_ids: list[str] = field(default_factory=list)

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        self.workflow_ids.append(workflow_id)
        return self.handle


@dataclass
class FakeRuntime:
    """`client` None: Temporal does not answer (every call counts in `asked`)."""

    settings: Settings
    client: FakeClient | None = None
    asked: int = 0

    async def temporal(self) -> Any:
        self.asked += 1
        if self.client is None:
            raise ConnectionError("Temporal is down")
        return self.client
