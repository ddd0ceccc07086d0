"""Campaign notifications: the tenants' signed webhooks and the MSP's staff, on each status
change of a campaign. A concern of its own, beside the device steps of `activities.py`."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.campaigns.events import tenant_event
from services.changes.contract import load_contract
from services.changes.webhooks import deliver, webhook_target
from services.core.errors import NetwaveError
from services.notifications.staff import STAFF_TOLD, tell_of_campaign
from services.store.repos import campaigns as campaign_repo
from workflows.campaigns.models import CampaignNotifyInput
from workflows.common.context import WorkerActivities


class CampaignNotifications(WorkerActivities):
    """See `WorkerActivities`; `CampaignActivities` registers it with the campaign's steps."""

    @activity.defn(name="notify_campaign")
    def notify_campaign(self, request: CampaignNotifyInput) -> None:
        """Each tenant with devices in the campaign gets the signed event on its webhook, with its
        own counts only; raising makes Temporal retry (tenants already served are skipped)."""
        details = activity.info().heartbeat_details
        served: set[str] = set(details[0]) if details else set()
        with self.sessions() as session:
            campaign = campaign_repo.get_campaign(session, campaign_id=request.campaign_id)
        if len(details) < 2:  # staff not told yet: the second detail says they were
            tell_of_campaign(self.settings, self.provider, name=campaign.name, **request.staff())
            activity.heartbeat(sorted(served), STAFF_TOLD)
        failed: list[str] = []
        for tenant, counts in sorted(request.tenants.items()):
            if tenant in served:
                continue
            try:
                target = webhook_target(
                    load_contract(self.settings.inventories_path, tenant), self.provider
                )
            except NetwaveError as exc:  # no contract file, no webhook: nobody to tell
                activity.logger.warning("campaign webhook of %s: %s", tenant, exc)
                target = None
            if target is not None:
                url, secret = target
                body = tenant_event(
                    campaign_id=request.campaign_id,
                    name=campaign.name,
                    kind=campaign.kind,
                    status=request.status,
                    tenant=tenant,
                    counts=counts,
                    reason=request.reason,
                    at=request.at,
                )
                result = deliver(url, body, secret, timeout=10.0)
                if not result.ok:
                    failed.append(f"{tenant} ({url}): {result.error or result.status_code}")
                    continue
            served.add(tenant)
            activity.heartbeat(sorted(served), STAFF_TOLD)
        if failed:
            raise ApplicationError(f"campaign webhook failed for {'; '.join(failed)}")
