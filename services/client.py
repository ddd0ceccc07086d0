"""A small client of the netwave API, used by the CLI and the demo."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class ApiError(RuntimeError):
    pass


class NetwaveClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def __enter__(self) -> NetwaveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(f"{method} {path} -> {response.status_code}: {detail}")
        return response.json()

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

    def decide_change(self, tenant: str, change_id: str, action: str, text: str) -> dict[str, Any]:
        """action: approve | reject (text is the comment) or override-window (the reason)."""
        key = "reason" if action == "override-window" else "comment"
        path = f"/v1/tenants/{tenant}/changes/{change_id}/{action}"
        result: dict[str, Any] = self._call("POST", path, json={key: text})
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
            response = self._http.delete(base)
            if response.status_code >= 400:
                raise ApiError(f"DELETE {base} -> {response.status_code}: {response.text}")
            return None
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
