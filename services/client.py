"""A small client of the netwave API, used by the CLI and the demo."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

CAMPAIGN_FINAL = frozenset({"completed", "halted", "cancelled", "failed"})


class ApiError(RuntimeError):
    """An API answer of 4xx/5xx; str() names the call, the status and every field at fault."""

    def __init__(self, message: str, status_code: int | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail


class ApiUnreachable(ApiError):
    """No answer at all: refused, timed out, a certificate not trusted; str() names the URL."""


def describe_detail(detail: Any) -> str:
    """FastAPI's `detail`: a string as is; a 422 list as one `field: message` line each."""
    if not isinstance(detail, list):
        return str(detail)
    lines = []
    for item in detail:
        if not isinstance(item, dict):
            lines.append(str(item))
            continue
        loc = [str(part) for part in item.get("loc", [])]
        where = ".".join(loc[1:] if loc[:1] in (["body"], ["query"], ["path"]) else loc)
        lines.append(f"{where or '(request)'}: {item.get('msg', item)}")
    return "\n".join(f"  {line}" for line in lines)


class NetwaveClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 30.0,
        *,
        http: httpx.Client | None = None,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        """`http`: a ready client (tests pass a FastAPI TestClient); the token is set on it.
        `verify`: https certificate check (an SSLContext for a private CA)."""
        self.base_url = base_url
        self._owns_http = http is None
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout, verify=verify)
        self._http.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> NetwaveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owns_http:
            self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__  # a timeout's str() may be empty
            raise ApiUnreachable(f"cannot reach the API at {self.base_url}: {reason}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail", body) if isinstance(body, dict) else body
            except ValueError:
                detail = response.text
            text = describe_detail(detail)
            separator = "\n" if "\n" in text or isinstance(detail, list) else " "
            raise ApiError(
                f"{method} {path} -> {response.status_code}:{separator}{text}",
                response.status_code,
                detail,
            )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def attention(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's devices that need an engineer."""
        result: list[dict[str, Any]] = self._call("GET", f"/v1/tenants/{tenant}/attention")
        return result

    def clear_attention(self, tenant: str, device: str, comment: str) -> list[dict[str, Any]]:
        path = f"/v1/tenants/{tenant}/devices/{device}/attention/clear"
        result: list[dict[str, Any]] = self._call("POST", path, json={"comment": comment})
        return result

    def host_keys(self, tenant: str) -> list[dict[str, Any]]:
        """The host keys recorded for the tenant's devices and jump hosts."""
        result: list[dict[str, Any]] = self._call("GET", f"/v1/tenants/{tenant}/host-keys")
        return result

    def trust_host_keys(
        self, tenant: str, devices: list[str], *, replace: bool = False
    ) -> dict[str, Any]:
        """Read and record the devices' host keys (admin); waits for the report."""
        path = f"/v1/tenants/{tenant}/host-keys/trust"
        body = {"devices": devices, "replace": replace}
        result: dict[str, Any] = self._call("POST", path, json=body, timeout=900)
        return result

    def start_backup(self, tenant: str | None) -> dict[str, Any]:
        path = f"/v1/tenants/{tenant}/backup-runs" if tenant else "/v1/backup-runs"
        result: dict[str, Any] = self._call("POST", path)
        return result

    def run(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/runs/{run_id}")
        return result

    def start_audit(self, tenant: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/v1/tenants/{tenant}/audit-runs")
        return result

    def report(self, tenant: str, report_id: str) -> dict[str, Any]:
        path = f"/v1/tenants/{tenant}/compliance/reports/{report_id}"
        result: dict[str, Any] = self._call("GET", path)
        return result

    def reports(self, tenant: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"/v1/tenants/{tenant}/compliance/reports")
        return result

    def changes(self, tenant: str | None, status: str | None = None) -> list[dict[str, Any]]:
        path = f"/v1/tenants/{tenant}/changes" if tenant else "/v1/changes"
        params = {"status": status} if status else None
        result: list[dict[str, Any]] = self._call("GET", path, params=params)
        return result

    def change(self, tenant: str, change_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/tenants/{tenant}/changes/{change_id}")
        return result

    def request_change(
        self, tenant: str, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        path = f"/v1/tenants/{tenant}/changes"
        result: dict[str, Any] = self._call("POST", path, json=body, headers=headers)
        return result

    def decide_change(
        self,
        tenant: str,
        change_id: str,
        action: str,
        text: str,
        features: list[str] | None = None,
    ) -> dict[str, Any]:
        """action: approve | reject (text is the comment) or override-window (the reason);
        `features`: approve only these features of a remediation."""
        key = "reason" if action == "override-window" else "comment"
        path = f"/v1/tenants/{tenant}/changes/{change_id}/{action}"
        body: dict[str, Any] = {key: text}
        if features:
            body["features"] = features
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def stop_change(self, tenant: str, change_id: str, action: str, reason: str) -> dict[str, Any]:
        """action: withdraw (the tenant) or cancel (staff), before the change applies."""
        path = f"/v1/tenants/{tenant}/changes/{change_id}/{action}"
        result: dict[str, Any] = self._call("POST", path, json={"reason": reason})
        return result

    def intent(self, tenant: str, device: str, what: str = "", **params: int) -> dict[str, Any]:
        """A device's intent (`what`: '', '/history', '/config' or '/diff')."""
        path = f"/v1/tenants/{tenant}/devices/{device}/intent{what}"
        result: dict[str, Any] = self._call("GET", path, params=params or None)
        return result

    def wait_change(
        self, tenant: str, change_id: str, statuses: set[str], timeout: float = 600.0
    ) -> dict[str, Any]:
        """Poll a change until its status is one of `statuses`."""
        deadline = time.monotonic() + timeout
        while True:
            doc = self.change(tenant, change_id)
            if doc["change"]["status"] in statuses:
                return doc
            if time.monotonic() > deadline:
                raise ApiError(f"change {change_id} still {doc['change']['status']}")
            time.sleep(0.5)

    def schedule(self, tenant: str, action: str, body: dict[str, Any] | None = None) -> Any:
        """show (GET), set (PUT), pause/resume/trigger (POST), delete (DELETE)."""
        base = f"/v1/tenants/{tenant}/audit-schedule"
        if action == "show":
            return self._call("GET", base)
        if action == "set":
            return self._call("PUT", base, json=body or {})
        if action == "delete":
            return self._call("DELETE", base)
        return self._call("POST", f"{base}/{action}", json=body or {})

    def devices(self, tenant: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"/v1/tenants/{tenant}/devices")
        return result

    def wait_run(
        self,
        run_id: str,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        timeout: float = 1800.0,
    ) -> dict[str, Any]:
        """Poll a run until it ends; returns the final run document."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if on_progress:
                on_progress(run)
            if run["status"] not in ("RUNNING", "UNKNOWN"):
                return run
            if time.monotonic() > deadline:
                raise ApiError(f"run {run_id} still running after {timeout:.0f}s")
            time.sleep(0.5)

    # -- campaigns and images ----------------------------------------------------------------
    def launch_campaign(self, spec: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/campaigns", json=spec)
        return result

    def campaigns(self, limit: int = 50) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/v1/campaigns", params={"limit": limit})
        return result

    def campaign(self, campaign_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/campaigns/{campaign_id}")
        return result

    def control_campaign(self, campaign_id: str, action: str, comment: str = "") -> dict[str, Any]:
        """action: pause | resume | cancel | approve."""
        path = f"/v1/campaigns/{campaign_id}/{action}"
        result: dict[str, Any] = self._call("POST", path, json={"comment": comment})
        return result

    def campaign_events(self, campaign_id: str) -> list[dict[str, Any]]:
        """The campaign's history, oldest first."""
        result: list[dict[str, Any]] = self._call("GET", f"/v1/campaigns/{campaign_id}/events")
        return result

    def override_campaign_window(
        self, campaign_id: str, reason: str, tenant: str | None = None
    ) -> dict[str, Any]:
        """Every tenant's window (or one tenant's) overridden: waiting devices start now."""
        body: dict[str, Any] = {"reason": reason}
        if tenant is not None:
            body["tenant"] = tenant
        path = f"/v1/campaigns/{campaign_id}/override-window"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def retry_campaign(self, campaign_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/v1/campaigns/{campaign_id}/retry")
        return result

    def wait_campaign(
        self,
        campaign_id: str,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        interval: float = 1.0,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Poll a campaign until it is completed, halted, cancelled or failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            doc = self.campaign(campaign_id)
            if on_progress:
                on_progress(doc)
            if doc["campaign"]["status"] in CAMPAIGN_FINAL:
                return doc
            if deadline is not None and time.monotonic() > deadline:
                raise ApiError(f"campaign {campaign_id} still {doc['campaign']['status']}")
            time.sleep(interval)

    def images(self, platform: str | None = None) -> list[dict[str, Any]]:
        params = {"platform": platform} if platform else None
        result: list[dict[str, Any]] = self._call("GET", "/v1/images", params=params)
        return result

    def add_image(self, image: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/images", json=image)
        return result

    def delete_image(self, image_id: int) -> None:
        self._call("DELETE", f"/v1/images/{image_id}")

    # -- audit log -----------------------------------------------------------------------------
    def audit_log(self, **query: str | int | None) -> dict[str, Any]:
        """One page of the audit log (`entries`, `next_cursor`); None filters are left out."""
        params = {name: value for name, value in query.items() if value is not None}
        result: dict[str, Any] = self._call("GET", "/v1/audit-log", params=params)
        return result

    def audit_log_pages(self, **query: str | int | None) -> Iterator[dict[str, Any]]:
        """Every page of the audit log from `query`'s, following `next_cursor`."""
        while True:
            page = self.audit_log(**query)
            yield page
            if page["next_cursor"] is None:
                return
            query = {**query, "cursor": page["next_cursor"]}
