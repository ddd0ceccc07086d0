"""Capacity change: plan, approve, wait for a window, push, verify, roll back."""
