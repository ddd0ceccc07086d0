"""What netwave tells its operators about itself: logs and metrics and traces.

Logs: `device_log.py` (a record per device session and push) and `activity_context.py` (ids
of the activity or workflow on every record). Metrics: `metrics.py` holds every Prometheus
metric netwave defines (names are a contract with deploy/'s dashboards and alerts);
`device.py` and `outcomes.py` are the hooks the device layer and the activities call when
something worth counting happens; `gauges.py` reads the API's gauges from the database;
`server.py` serves a worker's metrics. `runtime.py` builds the one Temporal SDK runtime of a
process (log forwarding, and the SDK's metrics). Traces: `tracing.py` (off unless
NETWAVE_OTLP_ENDPOINT is set). See docs/observability.md.
"""
