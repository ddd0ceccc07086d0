"""Records of a workflow and of what its activities call carry the workflow, run, activity and
the ids the activity's input names, with no line for it in the activity."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from services.app.temporal import change_workflow_id
from services.core.settings import Settings
from services.core.temporal import connect
from services.observability.activity_context import ids_of
from tests.unit.observability.conftest import Records

CHANGE = str(uuid.uuid4())


class Target(BaseModel):
    tenant: str
    device: str


class Run(BaseModel):
    campaign_id: str
    target: Target


class Reload(BaseModel):
    run: Run
    once_key: str


def test_ids_are_found_in_nested_input_models() -> None:
    reload = Reload(
        run=Run(campaign_id="c1", target=Target(tenant="acme", device="r1")), once_key="k"
    )
    assert ids_of(reload) == {"campaign_id": "c1", "tenant": "acme", "device": "r1"}
    assert ids_of("not a model") == {}


class Step(BaseModel):
    tenant: str
    change_id: str
    device: str


@activity.defn(name="log_ids_step")
def step(request: Step) -> None:
    logging.getLogger("netwave.test.device").info("pushed to %s", request.device)


@workflow.defn(name="LogIdsWorkflow", sandboxed=False)
class LogIdsWorkflow:
    @workflow.run
    async def run(self, request: Step) -> None:
        workflow.logger.info("change %s started", request.change_id)
        await workflow.execute_activity(step, request, start_to_close_timeout=timedelta(seconds=30))


async def test_workflow_and_activity_records_carry_their_ids(
    temporal_env: WorkflowEnvironment, records: Records
) -> None:
    address = temporal_env.client.service_client.config.target_host
    client = await connect(Settings(temporal_address=address))
    queue = f"log-ids-{uuid.uuid4()}"
    workflow_id = change_workflow_id(CHANGE)
    with ThreadPoolExecutor(2) as threads:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[LogIdsWorkflow],
            activities=[step],
            activity_executor=threads,
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await client.start_workflow(
                LogIdsWorkflow.run,
                Step(tenant="acme", change_id=CHANGE, device="acme-hq-r1"),
                id=workflow_id,
                task_queue=queue,
            )
            await handle.result()
    [started] = [r for r in records.records if r.getMessage().startswith("change ")]
    assert vars(started)["workflow_id"] == workflow_id
    assert vars(started)["run_id"] == handle.result_run_id
    assert vars(started)["change_id"] == CHANGE
    [pushed] = records.named("netwave.test.device")
    ids = {k: vars(pushed).get(k) for k in ("tenant", "change_id", "device", "workflow_id")}
    assert ids == {
        "tenant": "acme",
        "change_id": CHANGE,
        "device": "acme-hq-r1",
        "workflow_id": workflow_id,
    }
    assert vars(pushed)["activity"] == "log_ids_step"
    assert vars(pushed)["run_id"] == handle.result_run_id
