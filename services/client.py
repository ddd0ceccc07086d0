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

    def backup_run(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/backup-runs/{run_id}")
        return result

    def devices(self, tenant: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"/v1/tenants/{tenant}/devices")
        return result

    def wait_backup(
        self,
        run_id: str,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        timeout: float = 1800.0,
    ) -> dict[str, Any]:
        """Poll a backup run until it ends; returns the final run document."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.backup_run(run_id)
            if on_progress:
                on_progress(run)
            if run["status"] not in ("RUNNING", "UNKNOWN"):
                return run
            if time.monotonic() > deadline:
                raise ApiError(f"backup run {run_id} still running after {timeout:.0f}s")
            time.sleep(0.5)
