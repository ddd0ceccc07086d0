"""Every activity logs with the ids of what it works on, without a line in the activity.

Activity inputs are Pydantic models that name what they work on (`tenant`, `change_id`,
`campaign_id`, `device`), at the top or one or two models down (`run.target.tenant`). The
interceptor finds them before the activity runs and binds them (`log_context.bind`) for its
whole execution: the SDK copies the context into the thread of a sync activity, so every record
of the activity and of what it calls (a device session, a push) carries them.

This is the robust way of the two: the input is what the activity really works on, whatever
its workflow is called, and a new activity gets its ids without anyone remembering a helper.
The workflow id adds the change or campaign for records that have no input to read (workflow
records): `log_context.ids_of_workflow`.

Registered on the Temporal client (`services.core.temporal.connect`): workers built on that
client use it too; it does nothing to the client's own calls.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio import client, worker

from services.core import log_context

# The input fields read as ids, and how deep into nested models (BootInput.run.target.tenant).
ID_FIELDS = ("tenant", "change_id", "campaign_id", "device")
MAX_DEPTH = 3


def ids_of(value: object, depth: int = 0) -> dict[str, str]:
    """The ids an activity input names: its own fields first, then its nested models'."""
    if not isinstance(value, BaseModel) or depth >= MAX_DEPTH:
        return {}
    found = {
        name: field
        for name in ID_FIELDS
        if isinstance(field := getattr(value, name, None), str) and field
    }
    for name in type(value).model_fields:
        for key, item in ids_of(getattr(value, name, None), depth + 1).items():
            found.setdefault(key, item)
    return found


class _BindIds(worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: worker.ExecuteActivityInput) -> Any:
        ids: dict[str, str] = {}
        for argument in input.args:
            for key, value in ids_of(argument).items():
                ids.setdefault(key, value)
        with log_context.bind(**ids):
            return await self.next.execute_activity(input)


class LogContextInterceptor(client.Interceptor, worker.Interceptor):
    """Binds each activity's ids for its records; nothing for workflows or client calls."""

    def intercept_activity(
        self, next: worker.ActivityInboundInterceptor
    ) -> worker.ActivityInboundInterceptor:
        return _BindIds(next)
