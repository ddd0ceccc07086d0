"""What a change's push still has to send: its approved lines the device lacks."""

from __future__ import annotations

from services.changes.plan import DevicePlan, predicted_future, restore_commands


def remaining_commands(plan: DevicePlan, running: str, backup: str) -> list[str]:
    """The plan's lines the device still lacks: all of them on a device as planned, the rest
    after a push cut short. What takes the plan's sections of `running` to the config the plan
    predicts from the pre-change `backup`: the approved plan alone, no intent, no templates."""
    if not plan.commands:
        return []
    return restore_commands(plan, running, predicted_future(plan.platform, backup, plan.commands))
