"""Shared settings for the Temporal servers tests start."""

from __future__ import annotations

from datetime import timedelta

# The SDK waits 5 s for a dev or test server to listen; with three xdist workers and their
# servers starting at once on two cores that was seen to run out. Waiting longer costs nothing
# when the server is quick.
SERVER_STARTUP = timedelta(seconds=60)

# Activities heartbeat every second (workflows/common/heartbeat.py) and the worker sends them at
# most every 0.5 s in tests: a 6 s heartbeat timeout lets five go missing (a worker starved of
# CPU under `pytest -n 3`) before Temporal starts a second attempt beside a first that still
# runs, and still retries a killed worker's attempt within 6 s.
TEST_HEARTBEAT_SECONDS = 6.0
