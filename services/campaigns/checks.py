"""Post-checks of an upgrade: the device after the reload compared with its pre-snapshot."""

from __future__ import annotations

from services.campaigns.spec import PostCheckTolerance
from services.network.state import DeviceState, VerifyCheck, VerifyResult


def compare_snapshots(
    before: DeviceState, after: DeviceState, tolerance: PostCheckTolerance
) -> VerifyResult:
    """Every interface that was up is up, every BGP session that was Established is again,
    and the routing table is within the tolerance of its size before."""
    checks: list[VerifyCheck] = []
    down = sorted(
        name
        for name, state in before.interfaces.items()
        if state.up and not (after.interfaces.get(name) and after.interfaces[name].up)
    )
    checks.append(
        VerifyCheck(
            name="interfaces",
            ok=not down,
            detail=f"down after the upgrade: {', '.join(down)}" if down else "all up as before",
        )
    )
    lost = sorted(
        ip
        for ip, neighbor in before.bgp.items()
        if neighbor.established and not (after.bgp.get(ip) and after.bgp[ip].established)
    )
    checks.append(
        VerifyCheck(
            name="bgp",
            ok=not lost,
            detail=f"not Established: {', '.join(lost)}" if lost else "every session back",
        )
    )
    if before.route_count:
        now = after.route_count or 0
        change = abs(now - before.route_count) * 100 / before.route_count
        checks.append(
            VerifyCheck(
                name="routes",
                ok=change <= tolerance.route_count_percent,
                detail=f"{before.route_count} -> {now} routes ({change:.1f}% change, "
                f"tolerance {tolerance.route_count_percent:g}%)",
            )
        )
    return VerifyResult(ok=all(c.ok for c in checks), checks=checks)
