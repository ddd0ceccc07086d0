"""What the change activities load: the change and its request, the tenant's inventory (with
recorded host keys), the device's plan against its current intent, the device's login."""

from __future__ import annotations

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from services.changes.contract import TenantContract, load_contract
from services.changes.intent import refuse_removing_intent
from services.changes.plan import DevicePlan, plan_change
from services.changes.remediation import RemediationRequest, plan_remediation
from services.changes.requests import ChangeRequest, parse_request
from services.compliance.rules import tenant_rules
from services.core.errors import NetwaveError
from services.core.secrets import Credential
from services.intent.merge import Intended, merge
from services.intent.source import intended_device, intended_inventory
from services.network.inventory import Device, TenantInventory
from services.network.jump import resolve_login
from services.network.render import renderer_for
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from services.store.repos.changes import ChangeOut
from services.store.repos.host_keys import with_trust
from workflows.common.context import WorkerActivities

AnyRequest = ChangeRequest | RemediationRequest


def fail(exc: Exception, kind: str = "PlanError") -> ApplicationError:
    """A business failure: not retried."""
    return ApplicationError(str(exc), type=kind, non_retryable=True)


class ChangeLoading(WorkerActivities):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    # -- loading -------------------------------------------------------------------------
    def _change(self, tenant: str, change_id: str) -> ChangeOut:
        with self.sessions() as session:
            change = change_repo.get_change(session, tenant=tenant, change_id=change_id)
        if change is None:
            raise fail(LookupError(f"change {change_id} of {tenant} not found"), "NotFound")
        return change

    def context(
        self, tenant: str, change_id: str
    ) -> tuple[ChangeOut, AnyRequest, TenantInventory, TenantContract]:
        change = self._change(tenant, change_id)
        root = self.settings.inventories_path
        try:
            request = self._parse(change)
            with self.sessions() as session:
                inventory = with_trust(session, intended_inventory(session, root, tenant))
            return change, request, inventory, load_contract(root, tenant)
        except (NetwaveError, ValidationError) as exc:
            raise fail(exc) from None

    def request_of(self, tenant: str, change_id: str) -> AnyRequest:
        """The change's request alone (what a device step needs of the change)."""
        try:
            return self._parse(self._change(tenant, change_id))
        except (NetwaveError, ValidationError) as exc:
            raise fail(exc) from None

    @staticmethod
    def _parse(change: ChangeOut) -> AnyRequest:
        if change.kind == "remediation":
            return RemediationRequest.model_validate(change.params)
        return parse_request(change.params)

    def intent_of(self, device: Device) -> Intended:
        """The device's intent: `device` as the inventory files have it, with its revisions."""
        with self.sessions() as session:
            revisions = intent_repo.revisions(session, tenant=device.tenant, device=device.name)
        return merge(device, revisions)

    def plan_device(
        self,
        device: Device,
        running: str,
        request: AnyRequest,
        features: list[str] | None = None,
        *,
        intent: Intended | None = None,
    ) -> DevicePlan:
        """The device's plan against its current intent (`intent` when the caller has it):
        a capacity change, or a compliance remediation (of `features` when given: what the
        approver took of it)."""
        renderer = renderer_for(self.settings.templates_path)
        if intent is None:
            with self.sessions() as session:
                intent = intended_device(
                    session, self.settings.inventories_path, device.tenant, device.name
                )
        if isinstance(request, RemediationRequest):
            root = self.settings.inventories_path
            rules = tenant_rules(root, device.tenant)
            intended = renderer.render_device(intent.device)
            wanted = [f for f in request.features if features is None or f in features]
            plan = plan_remediation(intent.device, running, intended, rules, wanted)
            refuse_removing_intent(plan, intent, renderer)
            return plan
        return plan_change(intent.device, running, request, renderer)

    def plan_of(self, tenant: str, change_id: str, device: str) -> DevicePlan:
        with self.sessions() as session:
            plan = change_repo.latest_plan(session, tenant=tenant, change_id=change_id)
        if plan is None:
            raise fail(LookupError(f"change {change_id} has no plan"))
        found = next((d for d in plan.devices if d["device"] == device), None)
        if found is None:
            raise fail(LookupError(f"device {device} is not in the plan of {change_id}"))
        return DevicePlan.model_validate(found)

    def device_login(self, tenant: str, name: str) -> tuple[Device, Credential]:
        device = self.trusted_tenant(tenant).device(name)
        return device, resolve_login(self.provider, device)
