"""Loaded by every Python process of `make mutation` (the Makefile puts this folder on
PYTHONPATH): mutmut's mutated modules import `mutmut` to find the mutant under test, and
Temporal's workflow sandbox must pass that module through, or no workflow task of a mutated
workflow can start. Worker child processes inherit PYTHONPATH, so they load this too."""

try:
    from temporalio.worker.workflow_sandbox import SandboxRestrictions
except ImportError:  # a process without the project's dependencies
    pass
else:
    SandboxRestrictions.default.passthrough_modules.add("mutmut")
