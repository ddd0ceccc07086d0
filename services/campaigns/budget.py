"""The campaign's failure budget: how many devices may fail before the rest is left alone."""

from __future__ import annotations

import math

from services.campaigns.lifecycle import FAILED_OUTCOMES as FAILED_OUTCOMES
from services.campaigns.spec import Strategy


def allowed_failures(strategy: Strategy, total: int) -> int:
    """The most failures the campaign tolerates; the tighter of count and percent."""
    limits = []
    if strategy.max_failures is not None:
        limits.append(strategy.max_failures)
    if strategy.max_failure_percent is not None:
        limits.append(math.floor(total * strategy.max_failure_percent / 100))
    return min(limits) if limits else total


def budget_exceeded(strategy: Strategy, total: int, failures: int) -> bool:
    return failures > allowed_failures(strategy, total)
