"""Upgrade campaigns: CampaignWorkflow and the per-device OS upgrade and config rollout runbooks."""
