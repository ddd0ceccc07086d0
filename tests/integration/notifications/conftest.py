"""The campaign fixtures (tests/utils/campaigns.py) for the staff notification tests; the tests
override `change_settings` to add the MSP's notifications file."""

from __future__ import annotations

from tests.utils.campaigns import api, campaign_settings, change_settings, running_workers

__all__ = ["api", "campaign_settings", "change_settings", "running_workers"]
