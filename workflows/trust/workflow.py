"""TrustHostKeysWorkflow: read and record the host keys of a tenant's devices (first contact)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common.options import first_contact
    from workflows.trust.activities import TrustActivities
    from workflows.trust.models import TrustInput, TrustReport


@workflow.defn(name="TrustHostKeysWorkflow")
class TrustHostKeysWorkflow:
    @workflow.run
    async def run(self, request: TrustInput) -> TrustReport:
        return await workflow.execute_activity_method(
            TrustActivities.trust_host_keys,
            request,
            **first_contact(request.device_task_queue),
        )
