"""Upgrade campaigns: target selection, waves, failure budget and post-check comparison.

Pure domain logic, tested without Temporal; workflows/campaigns drives it.
"""
