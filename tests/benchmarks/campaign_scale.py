"""Campaign benchmark: an OS upgrade of N lab devices with a short reload, through the API.

Prints total wall time against the ideal (number of waves times the slowest device), the
orchestration overhead in percent, and the worker's peak memory.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from services.core.settings import Settings
from services.core.temporal import connect
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from services.store.repos import tokens as token_repo
from tests.benchmarks.stack import PeakRss, bench_settings, lab_process, netwave_stack

REPO = Path(__file__).resolve().parents[2]
TARGETS = {"cisco_ios": "17.9.4a", "arista_eos": "4.30.4M", "juniper_junos": "22.4R3"}


@dataclass(frozen=True)
class CampaignScale:
    devices: int
    waves: int
    reload_seconds: float
    total_seconds: float
    slowest_device_seconds: float
    ideal_seconds: float
    sum_of_slowest_per_wave_seconds: float
    overhead_percent: float
    upgraded: int
    other_outcomes: dict[str, int]
    peak_rss_mb: dict[str, float]


def _admin_token(settings: Settings) -> str:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        token, _ = token_repo.create_token(
            session,
            role="admin",
            tenant=None,
            name="bench-admin",
            pepper=settings.token_pepper.get_secret_value(),
        )
    return token


async def _device_seconds(settings: Settings, workflow_id: str, children: list[str]) -> list[float]:
    client = await connect(settings)
    await client.get_workflow_handle(workflow_id).result()
    seconds = []
    for child in children:
        info = await client.get_workflow_handle(child).describe()
        assert info.close_time is not None
        seconds.append((info.close_time - info.start_time).total_seconds())
    return seconds


def run_campaign_scale(
    workdir: Path, devices: int = 200, reload_seconds: float = 2.0, wave_size: int = 50
) -> CampaignScale:
    # Device steps hold a worker thread while a device reloads: one per device in flight.
    settings = bench_settings(workdir, devices, tenants=10).model_copy(
        update={"activity_threads": wave_size + 8}
    )
    shutil.copy(REPO / "inventories" / "images.yaml", settings.inventories_path / "images.yaml")
    spec: dict[str, Any] = {
        "name": "bench-upgrade",
        "kind": "os_upgrade",
        "target_versions": TARGETS,
        "strategy": {
            "canary_size": min(10, devices),
            "wave_size": wave_size,
            "max_concurrency": wave_size,
            "max_failures": devices,
        },
        "respect_windows": False,
        "reload_timeout_seconds": 120,
        "post_check": {"settle_seconds": 30},
    }
    timings = ("--reload-seconds", str(reload_seconds), "--copy-seconds", "0.5")
    with (
        lab_process(settings, *timings, "--bgp-seconds", "0.5") as lab,
        netwave_stack(settings) as (stack, _),
    ):
        pids = {"lab": lab.pid, **{c.name: c.process.pid for c in stack.children if c.process}}
        headers = {"Authorization": f"Bearer {_admin_token(settings)}"}
        with (
            PeakRss(pids) as rss,
            httpx.Client(base_url=settings.api_url, headers=headers, timeout=60) as http,
        ):
            start = time.perf_counter()
            reply = http.post("/v1/campaigns", json=spec)
            if reply.status_code != 201:
                raise RuntimeError(f"launch: {reply.status_code} {reply.text[:1000]}")
            campaign = reply.json()["campaign"]
            sessions = make_session_factory(get_engine(settings.database_url))
            while True:
                with sessions() as session:
                    rows = campaign_repo.devices_of(session, campaign_id=campaign["id"])
                if rows:
                    break
                time.sleep(0.2)
            children = [f"{campaign['workflow_id']}-{r.tenant}-{r.device}" for r in rows]
            per_device = asyncio.run(_device_seconds(settings, campaign["workflow_id"], children))
            total = time.perf_counter() - start
        with sessions() as session:
            rows = campaign_repo.devices_of(session, campaign_id=campaign["id"])
    waves: dict[int, float] = {}
    for row, seconds in zip(rows, per_device, strict=True):
        waves[row.wave] = max(waves.get(row.wave, 0.0), seconds)
    slowest = max(per_device)
    ideal = len(waves) * slowest
    outcomes: dict[str, int] = {}
    for row in rows:
        outcomes[row.status] = outcomes.get(row.status, 0) + 1
    upgraded = outcomes.pop("upgraded", 0)
    return CampaignScale(
        devices=devices,
        waves=len(waves),
        reload_seconds=reload_seconds,
        total_seconds=round(total, 2),
        slowest_device_seconds=round(slowest, 2),
        ideal_seconds=round(ideal, 2),
        sum_of_slowest_per_wave_seconds=round(sum(waves.values()), 2),
        overhead_percent=round((total - ideal) / ideal * 100, 1),
        upgraded=upgraded,
        other_outcomes=outcomes,
        peak_rss_mb={k: round(v, 1) for k, v in rss.peak_mb.items()},
    )


def as_row(result: CampaignScale) -> dict[str, Any]:
    row = asdict(result)
    row["scenario"] = f"campaign {result.devices}"
    return row


if __name__ == "__main__":
    import json
    import tempfile

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory(prefix="netwave-campaign-") as tmp:
        print(json.dumps(asdict(run_campaign_scale(Path(tmp), size)), indent=2))
