"""Saved workflow histories: the recorder (`python -m tests.histories.record`)."""
