"""The simulated device lab: SSH servers with per-platform CLI behaviour, faults and records.

Entry points: `fleet.LabFleet` (async context manager) and `main.run_lab` (`netwave lab`). The
tests' helpers live under tests/: `tests/utils/lab.py` (`ThreadedLab`, a sync wrapper for
Netmiko/Nornir callers, free ports), `tests/utils/lab_fixtures.py` (pytest fixtures) and
`tests/benchmarks/lab_fleet.py` (scale check). See README.md in this folder.
"""
