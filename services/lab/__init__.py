"""The simulated device lab: SSH servers with per-platform CLI behaviour, faults and records.

Entry points: `fleet.LabFleet` (async context manager), `testing.ThreadedLab` (sync wrapper for
Netmiko/Nornir callers), `main.run_lab` (`netwave lab`), `bench.run_bench` (scale check) and the
pytest fixtures in `pytest_plugin`. See README.md in this folder.
"""
