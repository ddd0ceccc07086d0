"""The ids a log record is about (tenant, change, campaign, device), bound for a stretch of code.

Every record logged while `bind(...)` is active carries its fields (the `LogIds` filter of
`services.core.logging` reads them), so a device session deep in `services.network` needs no
ids passed down to it. Bindings nest: an inner `bind` adds to the outer one, and is undone at
the end of its block.

Who binds: the worker's activity interceptor (`services.observability.activity_context`) binds
the ids it finds in each activity's input model; threads the binding does not reach (Nornir's
runner) carry a `snapshot()` across and bind it again.

Workflow ids also say which change or campaign a workflow is about (`services/app/temporal.py`
makes them: `change-<id>`, `campaign-<id>` and their children `<parent id>-<device>`):
`ids_of_workflow` reads them back for records of workflows and of activities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from temporalio import activity

R = TypeVar("R")

# The fields a binding may hold: the ids an engineer greps the logs for.
FIELDS = ("tenant", "change_id", "campaign_id", "device", "workflow_id", "run_id", "activity")

_BOUND: ContextVar[Mapping[str, str]] = ContextVar("netwave_log_ids", default={})  # noqa: B039

# Change and campaign ids are uuid4 strings (36 characters).
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_WORKFLOW_ID = re.compile(rf"^(?P<kind>change|campaign)-(?P<id>{_UUID})(?:-|$)")


def current() -> dict[str, str]:
    """The fields bound here and now."""
    return dict(_BOUND.get())


def snapshot() -> dict[str, str]:
    """What to carry to another thread or process and `bind` there: the bound fields and, in
    an activity, its workflow and run ids (Temporal's own context stays in this thread)."""
    return {**temporal_ids(), **current()}


def carried(work: Callable[[], R]) -> Callable[[], R]:
    """`work` bound, in whichever thread runs it, to the ids bound here and now (and this
    activity's): for work handed to a thread pool, which starts with no binding."""
    ids = snapshot()

    def bound() -> R:
        with bind(**ids):
            return work()

    return bound


def temporal_ids() -> dict[str, str]:
    """The running activity's workflow id, run id and name; {} outside an activity."""
    if not activity.in_activity():
        return {}
    info = activity.info()
    ids = {
        "workflow_id": info.workflow_id,
        "run_id": info.workflow_run_id,
        "activity": info.activity_type,
    }
    return {k: v for k, v in ids.items() if v}


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Add `fields` (None and empty values left out) to every record logged in the block."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"log_context.bind: unknown field(s) {', '.join(sorted(unknown))}")
    given = {k: str(v) for k, v in fields.items() if v is not None and v != ""}
    token = _BOUND.set({**_BOUND.get(), **given})
    try:
        yield
    finally:
        _BOUND.reset(token)


def ids_of_workflow(workflow_id: str) -> dict[str, str]:
    """`change_id` or `campaign_id` that a workflow id names (its children's too), else {}."""
    found = _WORKFLOW_ID.match(workflow_id)
    if found is None:
        return {}
    return {f"{found['kind']}_id": found["id"]}
