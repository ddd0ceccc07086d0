"""Intended state: inventory data (the base) plus the intent revisions of verified changes."""
