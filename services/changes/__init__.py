"""Capacity changes requested by tenants: requests, contract, policy, windows, plans, webhooks."""
