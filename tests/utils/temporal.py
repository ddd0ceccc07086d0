"""Shared settings for the Temporal servers tests start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowHandle

# The SDK waits 5 s for a dev or test server to listen; with three xdist workers and their
# servers starting at once on two cores that was seen to run out. Waiting longer costs nothing
# when the server is quick.
SERVER_STARTUP = timedelta(seconds=60)

# Activities heartbeat every second (workflows/common/heartbeat.py) and the worker sends them at
# most every 0.5 s in tests: a 6 s heartbeat timeout lets five go missing (a worker starved of
# CPU under `pytest -n 3`) before Temporal starts a second attempt beside a first that still
# runs, and still retries a killed worker's attempt within 6 s.
TEST_HEARTBEAT_SECONDS = 6.0


async def run_time(handle: WorkflowHandle[Any, Any]) -> timedelta:
    """How long a closed workflow ran on its server's clock, from its history's start and close
    times. On the time-skipping test server, `WorkflowEnvironment.get_current_time()` read
    before the first skip can lie years behind (seen: 3650 days), so a wait measured with it
    proves nothing."""
    run = await handle.describe()
    assert run.close_time is not None, "the workflow is still running"
    return run.close_time - run.start_time
