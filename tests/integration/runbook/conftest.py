"""The campaign fixtures (settings on the test's own queues, API, tokens) for the runbook tests."""

from __future__ import annotations

from tests.utils.campaigns import api, campaign_settings, change_settings, tokens

__all__ = ["api", "campaign_settings", "change_settings", "tokens"]
