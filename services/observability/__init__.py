"""Observability: what netwave's processes tell operators about themselves.

`metrics.py` holds every Prometheus metric netwave defines (names are a contract with the
dashboards and alerts in deploy/); `device.py` and `outcomes.py` are the hooks the device layer
and the activities call when something worth counting happens; `runtime.py` builds the one
Temporal SDK runtime of a process (its own metrics included). See docs/observability.md.
"""
