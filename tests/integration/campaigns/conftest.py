"""The campaign fixtures (tests/utils/campaigns.py) for every test in this folder."""

from __future__ import annotations

from tests.utils.campaigns import api, campaign_settings, change_settings, running_workers, tokens

__all__ = ["api", "campaign_settings", "change_settings", "running_workers", "tokens"]
