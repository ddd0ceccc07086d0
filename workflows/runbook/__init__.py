"""One device runbook for changes, remediations and config rollouts (issue #22)."""
