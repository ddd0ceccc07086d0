"""A campaign's progress as the workflow keeps it: the summary the store records, and canary
stand-ins taken from the later waves. Plain functions, deterministic; split from `workflow.py`
(the commands it issues are unchanged)."""

from __future__ import annotations

from services.campaigns.targets import Target
from workflows.campaigns.models import CampaignPlan, CampaignProgress


def summary(progress: CampaignProgress) -> dict[str, object]:
    """What the store records with each status: the reason, device counts, budget, waves."""
    counts: dict[str, int] = {}
    for state in progress.devices.values():
        counts[state] = counts.get(state, 0) + 1
    return {
        "reason": progress.reason,
        "counts": counts,
        "failures": progress.failures,
        "allowed_failures": progress.allowed_failures,
        "waves": len(progress.waves),
        "current_wave": progress.current_wave,
    }


def take_from_later_waves(
    plan: CampaignPlan, progress: CampaignProgress, count: int
) -> list[Target]:
    """Up to `count` devices moved from the front of the later waves into the canary."""
    taken: list[Target] = []
    for index, wave in enumerate(plan.waves[1:], start=1):
        while wave and len(taken) < count:
            taken.append(wave.pop(0))
            progress.waves[index].devices -= 1
            progress.waves[0].devices += 1
    return taken
