"""Shared settings for the Temporal servers tests start."""

from __future__ import annotations

from datetime import timedelta

# The SDK waits 5 s for a dev or test server to listen; with three xdist workers and their
# servers starting at once on two cores that was seen to run out. Waiting longer costs nothing
# when the server is quick.
SERVER_STARTUP = timedelta(seconds=60)
