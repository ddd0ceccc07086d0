"""TrustHostKeysWorkflow: read and record the host keys of a tenant's devices (first contact)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.trust.activities import TrustActivities
    from workflows.trust.models import TrustInput, TrustReport

TRUST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_attempts=3,
    non_retryable_error_types=["InventoryError", "NotFoundError"],
)


@workflow.defn(name="TrustHostKeysWorkflow")
class TrustHostKeysWorkflow:
    @workflow.run
    async def run(self, request: TrustInput) -> TrustReport:
        return await workflow.execute_activity_method(
            TrustActivities.trust_host_keys,
            request,
            task_queue=request.device_task_queue,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=TRUST_RETRY,
        )
