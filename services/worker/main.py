"""`netwave worker`: registers workflows and activities on their task queues, nothing else."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from services.core.secrets import get_provider
from services.core.settings import Settings
from services.core.temporal import connect
from services.observability.server import MetricsServer
from services.observability.tracing import WORKER_SERVICE, setup_tracing
from services.store.db import get_engine, make_session_factory
from workflows.registry import WORKFLOWS, device_activities, local_activities

log = logging.getLogger("netwave.worker")
QUEUE_CHOICES = ("all", "workflows", "devices")
LOCAL_THREADS = 4
# Workflow task polls the worker keeps open, and the share of them on the queue where new
# workflows arrive (the rest wait on this worker's sticky queue for the next task of workflows it
# has cached). The SDK's 5 and 0.2 leave one poll for new workflows: ten tenant audits started
# together got their first task one poll round trip after another, up to 0.45 s late.
WORKFLOW_TASK_POLLS = 10
NEW_WORKFLOW_POLL_SHARE = 0.5


def build_workers(
    client: Client,
    settings: Settings,
    executor: ThreadPoolExecutor,
    queues: str = "all",
    local_executor: ThreadPoolExecutor | None = None,
) -> list[Worker]:
    """The workflow worker and/or the device-activity worker (sync activities on a thread pool).

    Local activities get their own few threads (`local_executor`), so a report is opened or
    closed at once even while every device thread is busy with long chunks.
    """
    workers = []
    sessions = make_session_factory(get_engine(settings.database_url))
    provider = get_provider(settings)
    if queues in ("all", "workflows"):
        workers.append(
            Worker(
                client,
                task_queue=settings.task_queue,
                workflows=WORKFLOWS,
                activities=local_activities(settings, sessions, provider),
                activity_executor=local_executor
                or ThreadPoolExecutor(LOCAL_THREADS, thread_name_prefix="local-activity"),
                max_concurrent_local_activities=LOCAL_THREADS,
                no_remote_activities=True,  # its activities are local ones only
                workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(WORKFLOW_TASK_POLLS),
                nonsticky_to_sticky_poll_ratio=NEW_WORKFLOW_POLL_SHARE,
            )
        )
    if queues not in ("all", "devices"):
        return workers
    return [
        *workers,
        Worker(
            client,
            task_queue=settings.device_task_queue,
            activities=device_activities(settings, sessions, provider),
            activity_executor=executor,
            max_concurrent_activities=settings.activity_threads,
            max_heartbeat_throttle_interval=timedelta(seconds=settings.heartbeat_throttle_seconds),
        ),
    ]


async def run_worker(settings: Settings, queues: str = "all") -> None:
    if settings.metrics_port is not None:  # before connecting: the runtime records from then on
        MetricsServer(settings.metrics_host, settings.metrics_port)
    setup_tracing(settings, WORKER_SERVICE)  # before connect: its client carries the tracing
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with (
        ThreadPoolExecutor(
            max_workers=settings.activity_threads, thread_name_prefix="device-activity"
        ) as executor,
        ThreadPoolExecutor(LOCAL_THREADS, thread_name_prefix="local-activity") as local,
    ):
        workers = build_workers(client, settings, executor, queues, local)
        tasks = [asyncio.create_task(w.run()) for w in workers]
        log.info(
            "worker ready on %s: queues %s",
            settings.temporal_address,
            ", ".join(w.task_queue for w in workers),
        )
        await stop.wait()
        log.info("worker stopping")
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*tasks, return_exceptions=True)
